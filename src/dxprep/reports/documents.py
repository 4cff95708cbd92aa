"""The alignment map and the programme report as Word documents, and the map as a workbook.

What a CIO brings to an executive committee: a one-page summary with the gaps, the matrix as
a heat map, the gaps per executive and per unit with what to say, and the evidence behind
every link (the goal as written, the initiative's text, where each was read). Files are
written atomically: a failure leaves nothing behind.

python-docx, openpyxl and matplotlib are imported inside the functions that need them.
"""

from __future__ import annotations

import tempfile
from collections.abc import Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Any

from dxprep.dialogue.alignment import talking_point_for_gap
from dxprep.fsutil import atomic_write

if TYPE_CHECKING:
    from dxprep.dialogue.alignment import AlignmentMap, Evidence
    from dxprep.dialogue.programme import ProgrammeReport
    from dxprep.workspace.models import LoadedWorkspace, Organization

__all__ = ["talking_point_for_gap", "write_alignment_docx", "write_alignment_xlsx", "write_report_docx"]

_STATUS_COLOURS = {"green": "15803D", "amber": "B45309", "red": "B91C1C", "paused": "6B7280", "done": "1D4ED8"}


def _audience_line(audience: str | None) -> str:
    if audience is None:
        return "The IT leader's own view: includes confidential notes and restricted material. Do not circulate."
    if audience == "":
        return "For the executive committee: confidential notes and restricted material are left out."
    return f"As {audience} may see it: their confidential notes included, nobody else's."


class _Doc:
    """A thin layer over python-docx: headings, paragraphs, tables with a header row."""

    def __init__(self, title: str, subtitle: str) -> None:
        import docx
        from docx.shared import Pt

        self.doc = docx.Document()
        style = self.doc.styles["Normal"]
        style.font.name = "Calibri"
        style.font.size = Pt(10)
        for section in self.doc.sections:
            from docx.shared import Cm

            section.left_margin = section.right_margin = Cm(1.8)
            section.top_margin = section.bottom_margin = Cm(1.6)
        self.doc.add_heading(title, level=0)
        p = self.doc.add_paragraph()
        run = p.add_run(subtitle)
        run.italic = True

    def heading(self, text: str, level: int = 1) -> None:
        self.doc.add_heading(text, level=level)

    def para(self, text: str = "", *, bold_prefix: str | None = None, style: str | None = None,
             italic: bool = False) -> Any:
        p = self.doc.add_paragraph(style=style)
        if bold_prefix:
            p.add_run(bold_prefix).bold = True
        run = p.add_run(text)
        run.italic = italic
        return p

    def bullet(self, text: str, *, bold_prefix: str | None = None) -> Any:
        return self.para(text, bold_prefix=bold_prefix, style="List Bullet")

    def table(self, head: Sequence[str], rows: Sequence[Sequence[str]], widths: Sequence[float] | None = None,
              colours: dict[tuple[int, int], str] | None = None) -> Any:
        from docx.shared import Cm, Pt, RGBColor

        table = self.doc.add_table(rows=1, cols=len(head))
        table.style = "Light Grid Accent 1"
        for j, h in enumerate(head):
            cell = table.rows[0].cells[j]
            cell.text = ""
            run = cell.paragraphs[0].add_run(h)
            run.bold = True
            run.font.size = Pt(9)
        for i, values in enumerate(rows):
            cells = table.add_row().cells
            for j, value in enumerate(values):
                cells[j].text = ""
                run = cells[j].paragraphs[0].add_run(str(value))
                run.font.size = Pt(8.5)
                if colours and (i, j) in colours:
                    run.font.color.rgb = RGBColor.from_string(colours[(i, j)])
                    run.bold = True
        if widths:
            for row in table.rows:
                for j, w in enumerate(widths):
                    row.cells[j].width = Cm(w)
        self.doc.add_paragraph()
        return table

    def picture(self, path: Path, width_cm: float = 17.0) -> None:
        from docx.shared import Cm

        self.doc.add_picture(str(path), width=Cm(width_cm))

    def save(self, path: str | Path) -> Path:
        return atomic_write(path, lambda tmp: self.doc.save(str(tmp)))


def _pct(value: float | None) -> str:
    return "n/a (none expected)" if value is None else f"{value:.0%}"


def _ev(e: Evidence) -> str:
    return f"{e.path}:{e.line}"


def _status(ini: Any) -> str:
    label = ini.status_label or (ini.status or "not stated")
    if getattr(ini, "status_stale", False) and "status_label" in ini.sources:
        label += f" (last reported {ini.sources['status_label'].date:%d %b %Y})"
    return label


def _alignment_sections(d: _Doc, amap: AlignmentMap, org: Organization, tmp: Path, *, level: int = 1) -> None:
    from dxprep.reports.charts import alignment_heatmap

    names = {e.id: e.name for e in org.executives}
    served = len(amap.goals) - len(amap.unserved_goals)
    d.heading("Summary" if level == 1 else "Alignment at a glance", level)
    d.bullet(f"{len(amap.goals)} goals heard from {len({g.executive for g in amap.goals})} executives; "
             f"{served} served by an initiative, {len(amap.unserved_goals)} served by none. Counted once per "
             f"statement (a joint meeting's goal is listed for each executive in it): {amap.distinct_goals} goals, "
             f"{amap.distinct_unserved} served by none.")
    d.bullet(f"{len(amap.initiatives)} initiatives in the material; {len(amap.unsponsored_initiatives)} serve no "
             "stated goal and need a business sponsor.")
    d.bullet(f"{len(amap.expectations)} expectation-setting conversations: a red or late initiative serves "
             "an executive's goal.")
    d.table(["Business unit", "Goals", "Served", "Not served", "Initiatives"],
            [[u.name, str(u.goals), str(u.served), str(u.unserved), str(u.initiatives)] for u in amap.units],
            widths=[6.5, 2, 2, 2.5, 2.5])
    chart = alignment_heatmap(amap, tmp / "alignment.png")
    d.heading("The map", level + 1 if level > 1 else 1)
    d.picture(chart)

    d.heading("Goals that no initiative serves", level + 1 if level > 1 else 1)
    if not amap.goals:
        d.para("No goals recorded yet: ask each executive for theirs in the next dialogue.", italic=True)
    elif not amap.unserved_goals:
        d.para("None: every goal heard has an initiative serving it.", italic=True)
    for exe in org.executives:
        rows = [g for g in amap.for_executive(exe.id) if not g.served_by]
        if not rows:
            continue
        d.para("", bold_prefix=f"{names.get(exe.id, exe.id)} ({exe.title or exe.role})")
        for g in rows:
            d.bullet(f"{g.text} ({_ev(g.source)}, stated {g.last_stated:%d %b %Y})")
            d.para(talking_point_for_gap(g.text, g.related), italic=True)

    d.heading("Initiatives that serve no stated goal", level + 1 if level > 1 else 1)
    if not amap.unsponsored_initiatives:
        d.para("None: every initiative serves at least one goal an executive stated.", italic=True)
    for ini_id in amap.unsponsored_initiatives:
        ini = amap.initiative(ini_id)
        where = ini.sources.get("name")
        d.bullet(f"{ini.name}: {_status(ini)}; owner {ini.owner or 'not stated'}. IT-driven work: find an executive "
                 f"who will say \"this serves my goal\", or stop it." + (f" ({where})" if where else ""))

    d.heading("Expectation-setting conversations", level + 1 if level > 1 else 1)
    if not amap.expectations:
        d.para("None: no red or late initiative serves a stated goal.", italic=True)
    for flag in amap.expectations:
        d.bullet(flag.what_to_say, bold_prefix=f"{names.get(flag.executive, flag.executive)}: ")


def write_alignment_docx(amap: AlignmentMap, org: Organization, path: str | Path) -> Path:
    """The alignment map as a Word document for an executive committee."""
    with tempfile.TemporaryDirectory(prefix="dxprep-align-") as tmpdir:
        tmp = Path(tmpdir)
        d = _Doc(f"IT–business alignment map{f' — {org.name}' if org.name else ''}",
                 f"As of {amap.as_of:%d %B %Y}. {_audience_line(amap.audience)} Matched by {amap.method}.")
        _alignment_sections(d, amap, org, tmp)

        d.heading("Goals and the initiatives that serve them", 1)
        rows, colours = [], {}
        for g in amap.goals:
            links = amap.links_of(g.id)
            served = "; ".join(f"{amap.initiative(lk.initiative_id).name} [{_status(amap.initiative(lk.initiative_id))}]"
                               f" ({lk.level})" for lk in links) or "nothing yet"
            rows.append([g.executive, g.text, served])
            if not links:
                colours[(len(rows) - 1, 2)] = "B91C1C"
        d.table(["Executive", "Goal", "Served by (status, strength)"], rows, widths=[2.3, 7.2, 7.5], colours=colours)

        d.heading("Initiatives", 1)
        rows, colours = [], {}
        for i, ini in enumerate(amap.initiatives):
            rows.append([ini.name, _status(ini), ini.owner or "", ini.sponsor or "",
                         ini.target or "", ini.purpose or "", ", ".join(sorted({s.path for s in ini.sources.values()}))])
            if ini.status in _STATUS_COLOURS:
                colours[(i, 1)] = _STATUS_COLOURS[ini.status]
        d.table(["Initiative", "Status", "Owner", "Sponsor", "Target", "Purpose", "Read from"], rows,
                widths=[3.2, 1.8, 1.9, 2.2, 2.4, 3.5, 2.4], colours=colours)
        d.para("Empty cells: the material does not say. Nothing is guessed.", italic=True)

        d.heading("Evidence behind every link", 1)
        for lk in sorted(amap.links, key=lambda lk: (lk.goal_id, -lk.strength)):
            g, ini = amap.goal(lk.goal_id), amap.initiative(lk.initiative_id)
            d.para("", bold_prefix=f"{g.executive}: {g.text} → {ini.name} ({lk.level}, {lk.strength:.2f})")
            d.para(f"Why: {lk.why}.", italic=True)
            for e in lk.evidence:
                d.bullet(f"\"{' '.join(e.text.split())}\" ({_ev(e)})", bold_prefix=f"{e.role}: ")
        return d.save(path)


def _cell(value: Any) -> Any:
    """A workbook cell: text that a spreadsheet would run as a formula (=, +, -, @) is kept as text."""
    if isinstance(value, str) and value[:1] in ("=", "+", "-", "@", "\t", "\r"):
        return "'" + value
    return value


def write_alignment_xlsx(amap: AlignmentMap, org: Organization, path: str | Path) -> Path:
    """The alignment map as a workbook: Matrix, Links (with evidence), Gaps, Initiatives, Units."""
    from openpyxl import Workbook
    from openpyxl.styles import Alignment, Font, PatternFill
    from openpyxl.utils import get_column_letter

    wb = Workbook()
    bold = Font(bold=True)
    wrap = Alignment(wrap_text=True, vertical="top")

    def sheet(title: str, head: list[str], rows: list[list[Any]], widths: list[int], first: bool = False) -> Any:
        ws = wb.active if first else wb.create_sheet()
        assert ws is not None
        ws.title = title
        ws.append(head)
        for c in ws[1]:
            c.font = bold
        for r in rows:
            ws.append([_cell(v) for v in r])
        for j, w in enumerate(widths, start=1):
            ws.column_dimensions[get_column_letter(j)].width = w
        for row in ws.iter_rows(min_row=2):
            for c in row:
                c.alignment = wrap
        ws.freeze_panes = "B2" if title == "Matrix" else "A2"
        return ws

    inits = amap.initiatives
    strength = {(lk.goal_id, lk.initiative_id): lk.strength for lk in amap.links}
    matrix = sheet("Matrix", ["Goal", *[i.name for i in inits]],
                   [[f"{g.executive}: {g.text}", *[strength.get((g.id, i.id)) for i in inits]] for g in amap.goals],
                   [60, *[16] * len(inits)], first=True)
    for row in matrix.iter_rows(min_row=2, min_col=2):
        for c in row:
            if isinstance(c.value, float):
                shade = int(255 - 180 * c.value)
                c.fill = PatternFill("solid", fgColor=f"{shade:02X}{shade:02X}FF")
    sheet("Links", ["Executive", "Goal", "Initiative", "Status", "Strength", "Level", "Why", "Goal source",
                    "Initiative evidence", "Initiative source"],
          [[amap.goal(lk.goal_id).executive, amap.goal(lk.goal_id).text, amap.initiative(lk.initiative_id).name,
            _status(amap.initiative(lk.initiative_id)), lk.strength, lk.level, lk.why, _ev(lk.evidence[0]),
            " ".join(lk.evidence[-1].text.split()), _ev(lk.evidence[-1])] for lk in amap.links],
          [12, 45, 30, 14, 9, 9, 35, 30, 50, 30])
    gaps = [["goal served by no initiative", g.executive, g.text, _ev(g.source),
             talking_point_for_gap(g.text, g.related)] for g in amap.goals if not g.served_by]
    gaps += [["initiative serving no goal", amap.initiative(i).owner or "", amap.initiative(i).name,
              str(amap.initiative(i).sources.get("name", "")), "find a business sponsor, or stop it"]
             for i in amap.unsponsored_initiatives]
    gaps += [["expectation to reset", f.executive, f"{f.goal} ← {f.initiative}", _ev(f.evidence[0]), f.what_to_say]
             for f in amap.expectations]
    sheet("Gaps", ["Gap", "Who", "What", "Source", "What to say"], gaps, [26, 14, 50, 30, 70])
    sheet("Initiatives", ["Initiative", "Status", "Late", "Owner", "Sponsor", "Business units", "Start", "Target",
                          "Purpose", "Serves (as written)", "Sources"],
          [[i.name, _status(i), "yes" if i.late else "", i.owner or "", i.sponsor or "", ", ".join(i.business_units),
            i.start.isoformat() if i.start else "", i.target or "", i.purpose or "", "; ".join(i.serves),
            "; ".join(f"{k}: {v}" for k, v in i.sources.items())] for i in inits],
          [30, 16, 6, 16, 22, 18, 11, 24, 45, 30, 60])
    sheet("Units", ["Business unit", "Goals", "Served", "Not served", "Initiatives"],
          [[u.name, u.goals, u.served, u.unserved, u.initiatives] for u in amap.units], [30, 8, 8, 10, 11])
    return atomic_write(path, lambda tmp: wb.save(str(tmp)))


def write_report_docx(report: ProgrammeReport, ws: LoadedWorkspace, path: str | Path) -> Path:
    """The programme report: cadence, commitments, goals and alignment, with charts."""
    from dxprep.dialogue.alignment import COMMITTEE
    from dxprep.dialogue.cadence import cadence
    from dxprep.dialogue.chart import cadence_chart
    from dxprep.reports.charts import commitments_chart

    org = ws.organization
    with tempfile.TemporaryDirectory(prefix="dxprep-report-") as tmpdir:
        tmp = Path(tmpdir)
        d = _Doc(f"The IT–business dialogue programme{f' — {org.name}' if org.name else ''}",
                 f"{report.start:%d %B %Y} to {report.end:%d %B %Y}"
                 f"{f', prepared by {report.it_leader}' if report.it_leader else ''}. {_audience_line(report.audience)}")
        it = next(f for f in report.commitments if f.side == "IT")
        biz = next(f for f in report.commitments if f.side == "business")
        heard = sum(g.goals_heard for g in report.goals)
        served = sum(g.served for g in report.goals)
        d.heading("Headlines", 1)
        d.bullet(f"Cadence: {report.meetings_held} of {report.meetings_expected} expected dialogues held "
                 f"({_pct(report.adherence)}); expected = whole cadence periods in the period.")
        d.bullet(f"Business units engaged: {len(report.units_engaged)} of "
                 f"{len(report.units_engaged) + len(report.units_not_engaged)}"
                 + (f"; not engaged: {', '.join(report.units_not_engaged)}." if report.units_not_engaged else "."))
        rate = f"{it.on_time_rate:.0%}" if it.on_time_rate is not None else "n/a (nothing fell due)"
        d.bullet(f"IT's credibility: {it.kept_on_time} of {it.fallen_due} commitments fallen due were kept on time "
                 f"({rate}); {it.overdue} of those made in the period still overdue; {it.made} made in the period.")
        d.bullet(f"Still overdue at {report.end:%d %b %Y}, whenever made: IT {it.overdue_any_age}, "
                 f"the business {biz.overdue_any_age}.")
        d.bullet(f"The business side: {biz.kept} of {biz.made} kept, {biz.overdue} overdue.")
        d.bullet(f"Goals heard in the period: {heard}; served by an initiative now: {served}.")

        d.heading("Cadence", 1)
        rows, colours = [], {}
        for i, c in enumerate(report.cadence):
            rows.append([c.name, c.business_unit or "", f"{c.cadence_days} days", str(c.held), str(c.expected),
                         _pct(c.adherence), c.last_met.isoformat() if c.last_met else "never"])
            if c.adherence is not None and c.adherence < 0.5:
                colours[(i, 5)] = "B91C1C"
        d.table(["Executive", "Unit", "Cadence", "Held", "Expected", "Adherence", "Last met"], rows,
                widths=[4, 2.4, 2, 1.5, 1.8, 2, 2.4], colours=colours)
        unit_names = {u.id: u.name for u in org.business_units}
        view = cadence(ws, report.end, audience=None if report.audience is None else (report.audience or COMMITTEE))
        d.picture(cadence_chart(view, tmp / "cadence.png", unit_names=unit_names, organization=org.name), 16.5)

        d.heading("Commitments", 1)
        d.table(["Side", "Made", "Kept", "On time", "Late", "Overdue", "Open", "No due date", "Fallen due",
                 "On-time rate"],
                [[f.side, str(f.made), str(f.kept), str(f.kept_on_time), str(f.kept_late), str(f.overdue),
                  str(f.open_not_due), str(f.no_due_date), str(f.fallen_due),
                  f"{f.on_time_rate:.0%}" if f.on_time_rate is not None else "n/a"] for f in report.commitments])
        d.picture(commitments_chart(report, tmp / "commitments.png"), 15)
        for f in report.commitments:
            for item in f.overdue_any_age_items:
                d.bullet(item, bold_prefix=f"Overdue ({f.side}): ")

        d.heading("Goals heard", 1)
        d.table(["Executive", "Goals heard", "Served now", "Not served yet"],
                [[g.name, str(g.goals_heard), str(g.served), "\n".join(f"• {u}" for u in g.unserved)] for g in report.goals],
                widths=[4, 2.2, 2.2, 9])
        d.heading("Alignment", 1)
        _alignment_sections(d, report.alignment, org, tmp, level=2)
        return d.save(path)

