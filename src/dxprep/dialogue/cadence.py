"""Cadence and coverage: who has been met, how recently, and who to talk to next.

For each executive of ``stakeholders.yaml``: the meetings so far (every dated note that
names them, joint meetings included), the last one, the days since, their
``cadence_days`` and whether the dialogue is overdue: never met, or more than
``cadence_days`` days since the last meeting (exactly ``cadence_days`` is due, not
overdue). A business unit is engaged by a meeting whose ``business_unit`` it is, or,
when the note names no unit, by a meeting with one of its executives.

"Who to talk to next" ranks every executive: overdue first; then the most days past
their cadence (never met counts as the most); then the open commitment due soonest;
then by id, so the order is stable.
"""

from __future__ import annotations

import datetime as dt
import math

from dxprep.dialogue.commitments import thread_commitments
from dxprep.dialogue.models import CadenceReport, CadenceRow
from dxprep.dialogue.selection import dated_notes
from dxprep.workspace.models import LoadedWorkspace, MeetingNote

__all__ = ["cadence", "engaged_units"]


def engaged_units(ws: LoadedWorkspace, notes: list[MeetingNote]) -> set[str]:
    """The business units the meetings in ``notes`` engaged."""
    units: set[str] = set()
    by_id = {e.id: e for e in ws.organization.executives}
    for note in notes:
        if note.business_unit:
            units.add(note.business_unit)
            continue
        for exe_id in note.executives:
            exe = by_id.get(exe_id)
            if exe is not None and exe.business_unit:
                units.add(exe.business_unit)
    return units


def cadence(ws: LoadedWorkspace, as_of: dt.date, *, audience: str | None = None) -> CadenceReport:
    """Cadence and coverage of every executive as of ``as_of`` (the IT leader's view by default)."""
    org = ws.organization
    notes, warnings = dated_notes(ws, as_of, audience)
    commitments, _ = thread_commitments(notes, as_of, org.it_leader)
    rows: list[CadenceRow] = []
    for exe in org.executives:
        met = [n for n in notes if exe.id in n.executives]
        dates = [n.date for n in met if n.date is not None]
        last = max(dates) if dates else None
        days = (as_of - last).days if last else None
        mine = [c for c in commitments if exe.id in c.executives and c.status == "open"]
        dues = [c.due for c in mine if c.due is not None]
        rows.append(CadenceRow(
            id=exe.id, name=exe.name, business_unit=exe.business_unit, last_met=last, meetings=len(met),
            days_since=days, cadence_days=exe.cadence_days,
            overdue=days is None or days > exe.cadence_days,
            days_past_cadence=None if days is None else days - exe.cadence_days,
            next_due=None if last is None else last + dt.timedelta(days=exe.cadence_days),
            open_commitments=len(mine), overdue_commitments=sum(1 for c in mine if c.overdue),
            next_commitment_due=min(dues) if dues else None,
            meeting_dates=sorted(dates),
            joint_dates=sorted(n.date for n in met if n.date is not None and len(n.executives) > 1),
        ))

    def urgency(row: CadenceRow) -> tuple[int, float, dt.date, str]:
        past = math.inf if row.days_past_cadence is None else float(row.days_past_cadence)
        return (0 if row.overdue else 1, -past, row.next_commitment_due or dt.date.max, row.id)

    engaged = engaged_units(ws, notes)
    return CadenceReport(
        as_of=as_of,
        executives=rows,
        never_met=[r.id for r in rows if r.meetings == 0],
        business_units_never_engaged=[u.id for u in org.business_units if u.id not in engaged],
        next=[r.id for r in sorted(rows, key=urgency)],
        warnings=warnings,
    )
