"""The next meeting's note: front matter filled in, the sections, the open commitments.

Each open commitment is pre-listed under *Action items* as
``- [ ] Owner (Person): text, due 2026-11-15 {#id}``: ticking it (``[x]``) in the meeting
closes it in the next history, exactly, through its id.

A commitment known only from confidential notes would leak if it were copied into a
note that every briefing may use, so a note that pre-lists one is written
``confidential: true`` (with a comment saying why); otherwise ``confidential: false``.
"""

from __future__ import annotations

import datetime as dt
from pathlib import Path

from dxprep.dialogue.history import history
from dxprep.dialogue.models import Commitment, NewNote
from dxprep.errors import UserError
from dxprep.fsutil import atomic_write, safe_name
from dxprep.workspace.models import Executive, LoadedWorkspace

__all__ = ["action_line", "new_note", "note_path", "write_new_note"]

SECTIONS = ("Goals", "Concerns", "Decisions", "Action items", "Notes")


def action_line(c: Commitment) -> str:
    """``- [ ] Owner (Person): text, due DATE {#id}``: the parser reads it back unchanged."""
    who = c.owner or c.person
    prefix = ""
    if who:
        prefix = f"{who} ({c.person}): " if c.owner and c.person else f"{who}: "
    due = f", due {c.due.isoformat()}" if c.due else ""
    return f"- [ ] {prefix}{c.text}{due} {{#{c.id}}}"


def note_path(executive: Executive, date: dt.date) -> str:
    """``notes/<date>-<exec>.md``, workspace-relative."""
    return f"notes/{date.isoformat()}-{safe_name(executive.id, 'executive')}.md"


def _yaml_str(value: str) -> str:
    """A YAML scalar for a slug or id: quoted unless it is plain and safe."""
    import json

    plain = value.replace("-", "").replace("_", "").isalnum() and value[:1].isalpha()
    plain = plain and value.casefold() not in {"yes", "no", "true", "false", "on", "off", "null", "y", "n"}
    return value if plain else json.dumps(value)


def new_note(ws: LoadedWorkspace, executive: Executive, date: dt.date) -> tuple[str, list[Commitment]]:
    """The Markdown text of a new note for ``executive`` on ``date`` and the commitments it lists.

    The open commitments are those of the executive's history as of ``date``, as a
    briefing for that executive may see them (their confidential notes included).
    """
    hist = history(ws, executive.id, date, audience=executive.id)
    open_items = sorted(hist.open_commitments,
                        key=lambda c: (c.due or dt.date.max, c.opened_in.date, c.opened_in.path, c.opened_in.line))
    confidential = any(c.confidential for c in open_items)
    unit = ws.organization.unit(executive.business_unit)
    lines = ["---", f"date: {date.isoformat()}", f"executive: {_yaml_str(executive.id)}"]
    if executive.business_unit:
        lines.append(f"business_unit: {_yaml_str(unit.id if unit else executive.business_unit)}")
    lines.append("type: one-on-one")
    if confidential:
        lines.append("# true: it carries forward commitments known only from confidential notes")
    lines.append(f"confidential: {'true' if confidential else 'false'}")
    lines.append("---")
    lines.append(f"# Dialogue with {executive.name} — {date.day} {date:%B %Y}")
    for heading in SECTIONS:
        lines += ["", f"## {heading}"]
        if heading == "Action items" and open_items:
            lines += [action_line(c) for c in open_items]
    return "\n".join(lines) + "\n", open_items


def write_new_note(root: str | Path, ws: LoadedWorkspace, executive: Executive, date: dt.date) -> NewNote:
    """Write :func:`new_note` to ``<root>/notes/<date>-<exec>.md``; never overwrite a file."""
    rel = note_path(executive, date)
    target = Path(root) / rel
    if target.exists():
        raise UserError(f"{rel} already exists: not overwritten",
                        hint="edit that note, or pass another --date")
    text, listed = new_note(ws, executive, date)
    atomic_write(target, text, overwrite=False)
    return NewNote(path=rel, executive=executive.id, date=date,
                   confidential=any(c.confidential for c in listed), commitments=[c.id for c in listed])
