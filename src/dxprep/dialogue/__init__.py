"""Dialogue memory, no model and no index: history, commitments, cadence and coverage.

Pure functions over a parsed workspace (:class:`~dxprep.workspace.models.LoadedWorkspace`):

- :func:`history`: one executive's meetings, goals, concerns, decisions and commitments
  as of a date, as one audience may see it;
- :func:`thread_commitments`: action items carried forward until a later note closes them
  (the matcher and its threshold are documented in :mod:`dxprep.dialogue.commitments`);
- :func:`cadence`: who was met when, who is overdue, which units were never engaged, and
  who to talk to next;
- :func:`new_note` / :func:`write_new_note`: the next meeting's note, with the open
  commitments pre-listed;
- :func:`cadence_chart`: the cadence as a PNG for a slide (matplotlib, imported lazily).
"""

from dxprep.dialogue.cadence import cadence
from dxprep.dialogue.chart import cadence_chart
from dxprep.dialogue.commitments import STRONG, WEAK, match_score, side_of, thread_commitments
from dxprep.dialogue.history import history
from dxprep.dialogue.models import (
    CadenceReport,
    CadenceRow,
    Commitment,
    History,
    Meeting,
    SourceRef,
    StatedItem,
    Statement,
)
from dxprep.dialogue.notes import new_note, note_path, write_new_note

__all__ = [
    "STRONG",
    "WEAK",
    "CadenceReport",
    "CadenceRow",
    "Commitment",
    "History",
    "Meeting",
    "SourceRef",
    "StatedItem",
    "Statement",
    "cadence",
    "cadence_chart",
    "history",
    "match_score",
    "new_note",
    "note_path",
    "side_of",
    "thread_commitments",
    "write_new_note",
]
