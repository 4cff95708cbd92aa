"""An executive's dialogue history as of a date: meetings, goals, concerns, decisions, commitments.

Pure functions over a :class:`LoadedWorkspace`: no model, no index. Everything dated on or
before ``as_of`` is used, nothing after; undated notes cannot be ordered and are left out
with a warning.

Confidentiality: ``history(ws, "cfo", as_of, audience="cfo")`` is what a briefing for the
CFO may use, and includes the CFO's confidential notes; called with another audience it
leaves out every confidential note that audience was not in. ``audience=None`` is the IT
leader's own view: everything.
"""

from __future__ import annotations

import datetime as dt

from dxprep.dialogue.commitments import STRONG, match_score, normalize_text, thread_commitments
from dxprep.dialogue.models import History, Meeting, SourceRef, StatedItem
from dxprep.dialogue.selection import dated_notes
from dxprep.workspace.models import Item, LoadedWorkspace, MeetingNote

__all__ = ["history", "meeting_of"]


def meeting_of(note: MeetingNote) -> Meeting:
    """The meeting a dated note records."""
    assert note.date is not None
    return Meeting(
        date=note.date, type=note.type, joint=len(note.executives) > 1, executives=list(note.executives),
        business_unit=note.business_unit, title=note.title, confidential=note.confidential,
        structured=note.structured, path=note.path,
    )


def _merge(notes: list[MeetingNote], kind: str) -> list[StatedItem]:
    """Goals (or concerns, decisions) of ``notes``, restatements merged.

    Two statements are the same item when their normalised text is equal or the tolerant
    matcher scores them at or above ``STRONG`` (see :mod:`dxprep.dialogue.commitments`).
    """
    merged: list[tuple[str, list[tuple[MeetingNote, Item]]]] = []
    for note in notes:
        taken: set[int] = set()
        for item in getattr(note, kind):
            key = normalize_text(item.text)
            target = None
            for n, (text, _stated) in enumerate(merged):
                if n in taken:
                    continue
                if normalize_text(text) == key or match_score(item.text, text) >= STRONG:
                    target = n
                    break
            if target is None:
                merged.append((item.text, [(note, item)]))
                taken.add(len(merged) - 1)
            else:
                merged[target][1].append((note, item))
                merged[target] = (item.text, merged[target][1])
                taken.add(target)
    out = []
    for text, stated in merged:
        sources = [
            SourceRef(path=note.path, date=note.date, line=item.line, start=item.start, end=item.end)
            for note, item in stated
            if note.date is not None
        ]
        out.append(StatedItem(text=text, first_stated=sources[0].date, last_stated=sources[-1].date,
                              source=sources[-1], sources=sources))
    return out


def history(
    ws: LoadedWorkspace, executive_id: str, as_of: dt.date, *, audience: str | None = None
) -> History:
    """Everything the notes say about ``executive_id`` up to ``as_of``, as ``audience`` may see it.

    Commitments are carried forward over every note visible to ``audience`` (a steering
    committee note may close an item opened in a one-to-one) and kept when the executive
    was in at least one meeting that stated them.
    """
    org = ws.organization
    exe = next((e for e in org.executives if e.id == executive_id), None)
    notes, warnings = dated_notes(ws, as_of, audience, executive=executive_id)
    own = [n for n in notes if executive_id in n.executives]
    own_paths = {n.path for n in own}
    commitments, thread_warnings = thread_commitments(notes, as_of, org.it_leader)
    mine = [c for c in commitments if executive_id in c.executives]
    mine.sort(key=lambda c: (c.opened_in.date, c.opened_in.path, c.opened_in.line))
    warnings.extend(w for w in thread_warnings if w.path in own_paths)
    return History(
        executive=executive_id,
        executive_name=exe.name if exe else executive_id,
        as_of=as_of,
        audience=audience,
        meetings=[meeting_of(n) for n in own],
        goals=_merge(own, "goals"),
        concerns=_merge(own, "concerns"),
        decisions=_merge(own, "decisions"),
        commitments=mine,
        warnings=warnings,
    )
