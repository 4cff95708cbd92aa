"""Dates as people write them: ``2026-10-14``, ``14 Oct 2026``, ``October 14, 2026``."""

from __future__ import annotations

import re
from datetime import date, datetime

__all__ = ["DATE_PATTERN", "parse_date"]

_MONTHS = {
    name: i
    for i, names in enumerate(
        [
            ("jan", "january"), ("feb", "february"), ("mar", "march"), ("apr", "april"),
            ("may",), ("jun", "june"), ("jul", "july"), ("aug", "august"),
            ("sep", "sept", "september"), ("oct", "october"), ("nov", "november"),
            ("dec", "december"),
        ],
        start=1,
    )
    for name in names
}
_MONTH_RE = r"(?:jan(?:uary)?|feb(?:ruary)?|mar(?:ch)?|apr(?:il)?|may|june?|july?|aug(?:ust)?|sept?(?:ember)?|oct(?:ober)?|nov(?:ember)?|dec(?:ember)?)\.?"

#: One regular expression that finds any supported date inside a longer text.
DATE_PATTERN = re.compile(
    rf"""(?ix)
    (?P<iso>\b\d{{4}}[-/.]\d{{1,2}}[-/.]\d{{1,2}}\b)
    | (?P<dmy>\b\d{{1,2}}(?:st|nd|rd|th)?\s+{_MONTH_RE}\s*,?\s+\d{{4}}\b)
    | (?P<mdy>\b{_MONTH_RE}\s+\d{{1,2}}(?:st|nd|rd|th)?\s*,?\s+\d{{4}}\b)
    """
)


def parse_date(value: object) -> date | None:
    """Parse a date written in any supported form; None when it is not a date.

    Accepts ``date``/``datetime`` objects (YAML gives those), ISO ``2026-10-14``
    (also with ``/`` or ``.``), ``14 Oct 2026`` and ``October 14, 2026``.
    """
    if isinstance(value, datetime):
        return value.date()
    if isinstance(value, date):
        return value
    if not isinstance(value, str):
        return None
    text = value.strip()
    match = DATE_PATTERN.fullmatch(text) or DATE_PATTERN.search(text)
    if match is None:
        return None
    try:
        if match.group("iso"):
            y, m, d = (int(p) for p in re.split(r"[-/.]", match.group("iso")))
            return date(y, m, d)
        words = re.findall(r"[A-Za-z]+|\d+", match.group(0))
        numbers = [int(w) for w in words if w.isdigit()]
        month_word = next(w for w in words if not w.isdigit() and w.lower() in _MONTHS)
        day, year = (numbers[0], numbers[1])
        return date(year, _MONTHS[month_word.lower()], day)
    except (ValueError, StopIteration, IndexError):
        return None
