"""Documents for the IT leader's own review or an executive committee: the alignment map
(Word, Excel) and the programme report (Word, with charts)."""
