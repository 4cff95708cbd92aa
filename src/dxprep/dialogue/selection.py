"""Which notes a view may use: dated, on or before the as-of date, visible to the audience."""

from __future__ import annotations

import datetime as dt

from dxprep.workspace.models import LoadedWorkspace, MeetingNote, WorkspaceWarning

__all__ = ["UNDATED_REASON", "dated_notes", "visible_to"]

UNDATED_REASON = (
    "note has no date, so it cannot be ordered: left out of the dialogue history "
    "(add 'date:' to its front matter or a date to its file name)"
)


def visible_to(note: MeetingNote, audience: str | None) -> bool:
    """A confidential note is visible only to the executives of that meeting.

    ``audience`` None is the IT leader's own view: everything is visible.
    """
    return audience is None or not note.confidential or audience in note.executives


def dated_notes(
    ws: LoadedWorkspace, as_of: dt.date, audience: str | None = None, *, executive: str | None = None
) -> tuple[list[MeetingNote], list[WorkspaceWarning]]:
    """The notes dated on or before ``as_of`` that ``audience`` may see, oldest first.

    Undated notes are left out with a warning (only those that could concern
    ``executive``, when given: notes naming it or naming nobody). Notes dated after
    ``as_of`` are left out silently: they have not happened yet.
    """
    notes: list[MeetingNote] = []
    warnings: list[WorkspaceWarning] = []
    for note in ws.notes:
        if not visible_to(note, audience):
            continue
        if note.date is None:
            if executive is None or executive in note.executives or not note.executives:
                warnings.append(WorkspaceWarning(path=note.path, reason=UNDATED_REASON))
            continue
        if note.date <= as_of:
            notes.append(note)
    notes.sort(key=lambda n: (n.date or dt.date.min, n.path))
    return notes, warnings
