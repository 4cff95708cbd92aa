"""``dxprep brief --due``: a briefing for every executive whose dialogue is due, plus a
one-page portfolio summary (the cadence chart and who is next)."""

from __future__ import annotations

import datetime as dt
import tempfile
from pathlib import Path
from typing import TYPE_CHECKING, Any

from dxprep.fsutil import atomic_write, safe_name

if TYPE_CHECKING:
    from dxprep.api import Workspace
    from dxprep.dialogue.models import CadenceReport

__all__ = ["brief_due", "due_executives", "write_portfolio"]


def due_executives(report: CadenceReport, when: dt.date, within: int) -> list[str]:
    """Ids in the order of ``report.next`` whose dialogue is due by ``when + within`` days."""
    horizon = when + dt.timedelta(days=within)
    rows = {r.id: r for r in report.executives}
    return [i for i in report.next if (r := rows.get(i)) is not None
            and (r.overdue or r.next_due is None or r.next_due <= horizon)]


def brief_due(ws: Workspace, when: dt.date, *, within: int = 7, engine: Any = None, minutes: int | None = None,
              fallback: str | None = None) -> list[Path]:
    from dxprep.dialogue.cadence import cadence

    report = cadence(ws.data, when)
    written: list[Path] = []
    for exec_id in due_executives(report, when, within):
        briefing = ws.brief(exec_id, date=when, minutes=minutes, engine=engine, fallback=fallback,
                            refresh_index=not written)
        path = Path(ws.root) / "briefings" / f"{when.isoformat()}-{safe_name(exec_id, 'executive')}.docx"
        written.append(Path(briefing.to_docx(str(path))))
    written.append(write_portfolio(ws, report, when, within,
                                   Path(ws.root) / "briefings" / f"{when.isoformat()}-portfolio.docx"))
    return written


def write_portfolio(ws: Workspace, report: CadenceReport, when: dt.date, within: int, path: Path) -> Path:
    import docx
    from docx.shared import Cm, Pt

    from dxprep.dialogue.chart import cadence_chart

    org = ws.data.organization
    document = docx.Document()
    for section in document.sections:
        section.left_margin = section.right_margin = section.top_margin = section.bottom_margin = Cm(2)
    document.styles["Normal"].font.name = "Calibri"
    document.styles["Normal"].font.size = Pt(10.5)
    document.add_paragraph(f"Dialogue portfolio — {org.name or 'the organization'}", style="Title")
    due = due_executives(report, when, within)
    names = {e.id: e.name for e in org.executives}
    document.add_paragraph(
        f"As of {when:%d %B %Y}: {len(due)} dialogue(s) due within {within} days; "
        f"{len(report.never_met)} executive(s) never met; "
        f"{len(report.business_units_never_engaged)} business unit(s) never engaged.")
    with tempfile.TemporaryDirectory() as tmp:
        chart = Path(tmp) / "cadence.png"
        cadence_chart(report, chart)
        document.add_picture(str(chart), width=Cm(17))
    document.add_heading("Who is next", level=1)
    table = document.add_table(rows=1, cols=6)
    table.style = "Table Grid"
    for cell, text in zip(table.rows[0].cells, ("#", "Executive", "Last met", "Days since", "Cadence", "Open / overdue commitments"), strict=True):
        cell.text = text
        for run in cell.paragraphs[0].runs:
            run.bold = True
    rows = {r.id: r for r in report.executives}
    for rank, exec_id in enumerate(report.next, 1):
        r = rows[exec_id]
        cells = table.add_row().cells
        values = (str(rank), f"{names.get(exec_id, exec_id)}{' (due)' if exec_id in due else ''}",
                  r.last_met.isoformat() if r.last_met else "never", "" if r.days_since is None else str(r.days_since),
                  f"{r.cadence_days} d{' — OVERDUE' if r.overdue else ''}", f"{r.open_commitments} / {r.overdue_commitments}")
        for cell, text in zip(cells, values, strict=True):
            cell.text = text
    if report.business_units_never_engaged:
        document.add_heading("Business units nobody talks to yet", level=1)
        units = {u.id: u.name for u in org.business_units}
        for u in report.business_units_never_engaged:
            document.add_paragraph(units.get(u, u), style="List Bullet")
    return atomic_write(path, lambda tmp: document.save(str(tmp)))
