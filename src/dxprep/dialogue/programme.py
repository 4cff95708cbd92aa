"""The programme report: is the dialogue programme keeping up, and is IT keeping its word?

Every figure is computed from the dialogue memory (the notes) and the alignment map, for a
period ``[start, end]`` (both inclusive), and can be recounted by hand:

- **Cadence adherence** per executive: meetings held in the period (every dated note that
  names them, joint meetings included) against meetings expected (the whole cadence periods
  in the period: ``days // cadence_days``); adherence is ``min(held, expected) / expected``,
  none when no meeting was expected (a period shorter than the cadence).
- **Units engaged**: a business unit is engaged when at least one meeting in the period was
  with one of its executives or about it.
- **Still overdue, any age**: open commitments past their latest due date at ``end``, whenever
  they were made (the period's cohort alone would hide old debts).
- **Commitments made in the period** (opened by a note dated in it), per side (IT, business,
  unassigned), as of ``end``:
  *kept* (a note dated on or before ``end`` records it done),
  *kept on time* (recorded done on or before the **first** due date stated: re-dating a
  commitment does not make it on time),
  *overdue* (still open past its latest due date, as ``dxprep history`` says), *open, not yet
  due*, and *no due date*. IT's credibility figure is the share of the commitments *fallen
  due* (first due date before ``end``) that were kept on time. "Done" is known when a note
  records it, so a commitment done on time but recorded late counts as late: write it down.
- **Goals heard** per executive (first stated in the period), and how many of them an
  initiative serves now (the alignment map as of ``end``).

Confidentiality follows the audience, as in :mod:`dxprep.dialogue.alignment`: the default
(``""``) is a report for a board or an executive committee and leaves out confidential
notes and restricted material entirely, counts included; ``None`` is the IT leader's own view.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from pydantic import BaseModel, ConfigDict, Field

from dxprep.dialogue.alignment import COMMITTEE, AlignmentMap, alignment_map
from dxprep.dialogue.cadence import engaged_units
from dxprep.dialogue.commitments import thread_commitments
from dxprep.dialogue.history import history
from dxprep.dialogue.models import Commitment
from dxprep.dialogue.selection import dated_notes
from dxprep.workspace.models import LoadedWorkspace

__all__ = ["CadenceLine", "CommitmentFigures", "GoalLine", "MonthLine", "ProgrammeReport", "programme_report"]


class _M(BaseModel):
    model_config = ConfigDict(extra="forbid")


class CadenceLine(_M):
    executive: str
    name: str
    business_unit: str | None
    cadence_days: int
    held: int
    expected: int = Field(description="whole cadence periods in the period: days // cadence_days")
    adherence: float | None = Field(description="min(held, expected) / expected; None when none was expected")
    meeting_dates: list[dt.date]
    last_met: dt.date | None = Field(description="last meeting on or before the end of the period")


class CommitmentFigures(_M):
    side: str
    made: int
    kept: int
    kept_on_time: int
    kept_late: int
    overdue: int
    open_not_due: int
    no_due_date: int
    fallen_due: int = Field(description="first due date before the end of the period")
    on_time_rate: float | None = Field(description="of those fallen due, the share kept on time; None if none")
    overdue_items: list[str] = Field(default_factory=list, description="'text (due YYYY-MM-DD)'")
    overdue_any_age: int = Field(default=0, description="still overdue at the end, whenever it was made")
    overdue_any_age_items: list[str] = Field(default_factory=list)


class MonthLine(_M):
    """Commitments of one side by the month their first due date falls in."""

    month: str  # YYYY-MM
    kept_on_time: int
    kept_late: int
    overdue: int
    open_not_due: int


class GoalLine(_M):
    executive: str
    name: str
    goals_heard: int
    served: int
    unserved: list[str] = Field(default_factory=list, description="the goals heard that nothing serves yet")


class ProgrammeReport(_M):
    start: dt.date
    end: dt.date
    audience: str | None
    organization: str | None
    it_leader: str | None
    cadence: list[CadenceLine]
    meetings_held: int
    meetings_expected: int
    adherence: float | None
    units_engaged: list[str]
    units_not_engaged: list[str]
    commitments: list[CommitmentFigures]
    months: list[MonthLine] = Field(description="IT's commitments by month of first due date")
    goals: list[GoalLine]
    alignment: AlignmentMap


def _first_due(c: Commitment) -> dt.date | None:
    return next((s.due for s in c.statements if s.due is not None), c.due)


def _figures(side: str, items: list[Commitment], end: dt.date) -> CommitmentFigures:
    kept = on_time = late = overdue = open_not_due = no_due = fallen = on_time_fallen = 0
    overdue_items = []
    for c in items:
        due = _first_due(c)
        done = c.status == "done" and c.closed_in is not None and c.closed_in.date <= end
        if due is None and c.due is None:
            no_due += 1
        if due is not None and due < end:
            fallen += 1
        if done:
            kept += 1
            assert c.closed_in is not None
            if due is not None and c.closed_in.date <= due:
                on_time += 1
                on_time_fallen += due < end
            elif due is not None:
                late += 1
        elif c.overdue:
            overdue += 1
            overdue_items.append(f"{c.text} (due {c.due.isoformat() if c.due else '?'})")
        elif c.due is not None:
            open_not_due += 1
    return CommitmentFigures(
        side=side, made=len(items), kept=kept, kept_on_time=on_time, kept_late=late, overdue=overdue,
        open_not_due=open_not_due, no_due_date=no_due, fallen_due=fallen,
        on_time_rate=round(on_time_fallen / fallen, 3) if fallen else None, overdue_items=overdue_items,
    )


def _month(d: dt.date) -> str:
    return f"{d.year:04d}-{d.month:02d}"


def programme_report(
    ws: LoadedWorkspace,
    start: dt.date,
    end: dt.date,
    *,
    audience: str | None = "",
    embedder: Any = None,
) -> ProgrammeReport:
    """The programme's figures for ``[start, end]`` (see the module docstring)."""
    org = ws.organization
    note_audience = None if audience is None else (audience or COMMITTEE)
    notes, _warnings = dated_notes(ws, end, note_audience)
    in_period = [n for n in notes if n.date is not None and start <= n.date <= end]
    days = (end - start).days + 1

    cadence = []
    for exe in org.executives:
        dates = sorted({n.date for n in in_period if exe.id in n.executives and n.date is not None})
        expected = days // exe.cadence_days
        last = max((n.date for n in notes if exe.id in n.executives and n.date is not None), default=None)
        cadence.append(CadenceLine(executive=exe.id, name=exe.name, business_unit=exe.business_unit,
                                   cadence_days=exe.cadence_days, held=len(dates), expected=expected,
                                   adherence=round(min(len(dates), expected) / expected, 3) if expected else None,
                                   meeting_dates=dates, last_met=last))
    held = sum(min(c.held, c.expected) for c in cadence)
    expected_total = sum(c.expected for c in cadence)
    # A unit is engaged by a meeting about it or with one of its executives.
    engaged = engaged_units(ws, in_period)
    units_of = {e.id: e.business_unit for e in org.executives}
    engaged |= {u for n in in_period for x in n.executives if (u := units_of.get(x))}

    threads, _tw = thread_commitments(notes, end, org.it_leader)
    made = [c for c in threads if start <= c.opened_in.date <= end]
    figures = [_figures(side, [c for c in made if (c.side or "unassigned") == side], end)
               for side in ("IT", "business", "unassigned")]
    for f in figures:
        old = [c for c in threads if (c.side or "unassigned") == f.side and c.status == "open" and c.overdue]
        f.overdue_any_age = len(old)
        f.overdue_any_age_items = [f"{c.text} (due {c.due.isoformat() if c.due else '?'}, "
                                   f"made {c.opened_in.date.isoformat()})" for c in old]

    months: dict[str, list[int]] = {}
    for c in made:
        if c.side != "IT" or (due := _first_due(c)) is None:
            continue
        row = months.setdefault(_month(due), [0, 0, 0, 0])
        done = c.status == "done" and c.closed_in is not None and c.closed_in.date <= end
        if done:
            assert c.closed_in is not None
            row[0 if c.closed_in.date <= due else 1] += 1
        elif c.overdue:  # as the table counts it: past its latest due date
            row[2] += 1
        else:
            row[3] += 1
    month_lines = [MonthLine(month=m, kept_on_time=r[0], kept_late=r[1], overdue=r[2], open_not_due=r[3])
                   for m, r in sorted(months.items())]

    amap = alignment_map(ws, end, audience=audience, embedder=embedder)
    goals = []
    for exe in org.executives:
        hist = history(ws, exe.id, end, audience=note_audience)
        heard = [g for g in hist.goals if start <= g.first_stated <= end]
        rows = {g.text: g for g in amap.for_executive(exe.id)}
        served = [g for g in heard if (match := rows.get(g.text)) is not None and match.served_by]
        goals.append(GoalLine(executive=exe.id, name=exe.name, goals_heard=len(heard), served=len(served),
                              unserved=[g.text for g in heard if g not in served]))

    return ProgrammeReport(
        start=start, end=end, audience=audience, organization=org.name,
        it_leader=org.it_leader.name if org.it_leader else None, cadence=cadence, meetings_held=held,
        meetings_expected=expected_total, adherence=round(held / expected_total, 3) if expected_total else None,
        units_engaged=sorted(u.id for u in org.business_units if u.id in engaged),
        units_not_engaged=sorted(u.id for u in org.business_units if u.id not in engaged),
        commitments=figures, months=month_lines, goals=goals, alignment=amap,
    )
