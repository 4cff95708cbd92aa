"""``dxprep alignment`` and ``dxprep report``: is IT aligned with the business, and trusted?"""

from __future__ import annotations

import enum
from pathlib import Path
from typing import TYPE_CHECKING, Annotated

import typer

from dxprep.cli._common import WorkspaceOpt, handle_errors, print_json, stderr, stdout

if TYPE_CHECKING:
    from dxprep.dialogue.alignment import AlignmentMap

__all__ = ["register"]


class MapFormat(enum.StrEnum):
    table = "table"
    json = "json"
    docx = "docx"
    xlsx = "xlsx"


AudienceOpt = Annotated[
    str | None,
    typer.Option("--audience", help="Show it as this executive may see it (their confidential notes included). "
                 "Default: an executive committee (no confidential notes, no restricted material).",
                 show_default=False),
]
PrivateOpt = Annotated[
    bool,
    typer.Option("--private", help="The IT leader's own view: everything, confidential included. Do not circulate."),
]
WordsOnlyOpt = Annotated[
    bool,
    typer.Option("--words-only", help="Match goals and initiatives on words and names only (no embedding model)."),
]


def _audience(ws_root: Path, audience: str | None, private: bool) -> str | None:
    from dxprep.errors import UserError
    from dxprep.workspace.reader import read_workspace

    if private and audience:
        raise UserError("--private and --audience are exclusive", hint="choose one view")
    if private:
        return None
    if audience:
        return read_workspace(ws_root).organization.executive(audience).id
    return ""


def _status(ini: object) -> str:
    label = getattr(ini, "status_label", None) or getattr(ini, "status", None) or "not stated"
    if getattr(ini, "status_stale", False):
        label += f" (last reported {getattr(ini, 'sources', {})['status_label'].date:%d %b %Y})"
    colour = {"green": "green", "amber": "yellow", "red": "red", "paused": "dim"}.get(getattr(ini, "status", "") or "")
    return f"[{colour}]{label}[/]" if colour else label


def _print_map(amap: AlignmentMap) -> None:
    from rich.table import Table

    out = stdout()
    table = Table(title=f"Alignment map as of {amap.as_of.isoformat()}", title_justify="left")
    for col in ("goal", "executive", "served by", "status", "strength"):
        table.add_column(col, overflow="fold", ratio=3 if col == "goal" else None)
    for g in amap.goals:
        links = amap.links_of(g.id)
        if not links:
            table.add_row(g.text, g.executive, "[red]nothing yet[/]", "", "", style=None)
            continue
        for k, lk in enumerate(links):
            ini = amap.initiative(lk.initiative_id)
            table.add_row(g.text if k == 0 else "", g.executive if k == 0 else "", ini.name, _status(ini),
                          f"{lk.level} {lk.strength:.2f}")
    out.print(table)
    units = Table(title="Per business unit", title_justify="left")
    for col in ("unit", "goals", "served", "not served", "initiatives"):
        units.add_column(col, justify="left" if col == "unit" else "right")
    for u in amap.units:
        units.add_row(u.name, str(u.goals), str(u.served), f"[red]{u.unserved}[/]" if u.unserved else "0",
                      str(u.initiatives))
    out.print(units)
    served = len(amap.goals) - len(amap.unserved_goals)
    out.print(f"[bold]{served} of {len(amap.goals)} goals served[/] ({amap.distinct_goals} distinct statements, "
              f"{amap.distinct_unserved} of them unserved; a joint meeting's goal is listed for each executive); "
              f"{len(amap.unsponsored_initiatives)} of {len(amap.initiatives)} initiatives serve no stated goal.",
              highlight=False)
    if amap.unserved_goals:
        out.print("\n[bold red]Goals no initiative serves[/] (say it in their next dialogue: "
                  "\"we have nothing for this yet; here is what we could do\"):")
        for gid in amap.unserved_goals:
            g = amap.goal(gid)
            out.print(f"  • [bold]{g.executive}[/]: {g.text} [dim]({g.source.path}:{g.source.line})[/]", highlight=False)
            if g.related is not None:
                out.print(f"      [dim]the material says:[/] {' '.join(g.related.text.split())} "
                          f"[dim]({g.related.path}:{g.related.line})[/]", highlight=False)
    if amap.unsponsored_initiatives:
        out.print("\n[bold yellow]Initiatives that serve no stated goal[/] (need a business sponsor):")
        for iid in amap.unsponsored_initiatives:
            ini = amap.initiative(iid)
            out.print(f"  • {ini.name} ({_status(ini)}, owner {ini.owner or 'not stated'})", highlight=False)
    if amap.expectations:
        out.print("\n[bold red]Expectation-setting conversations[/]:")
        for f in amap.expectations:
            out.print(f"  • [bold]{f.executive}[/]: {f.what_to_say}", highlight=False)


@handle_errors
def alignment_cmd(
    workspace: WorkspaceOpt = None,
    as_of: Annotated[str | None, typer.Option("--as-of", help="Only what was written on or before this date "
                                              "[default: today].", show_default=False)] = None,
    fmt: Annotated[MapFormat, typer.Option("--format", "-f", help="table (terminal), json, docx or xlsx.")]
    = MapFormat.table,
    output: Annotated[Path | None, typer.Option("--output", "-o", help="Where to write the docx/xlsx "
                                                "[default: alignment-<date>.<format> in the current folder].",
                                                show_default=False)] = None,
    audience: AudienceOpt = None,
    private: PrivateOpt = False,
    words_only: WordsOnlyOpt = False,
) -> None:
    """Every executive goal against the IT initiatives that serve it, and the gaps.

    Initiatives are read from the material (portfolio status reports, budget, roadmap), each
    field with its source. Each link has its evidence and a strength. Gaps: goals no
    initiative serves, initiatives that serve no goal; red or late initiatives that serve a
    goal are flagged as expectation-setting conversations.

    Example: dxprep alignment -w corpus --as-of 2026-11-28 --format docx -o alignment.docx
    """
    from dxprep.api import Workspace
    from dxprep.errors import UserError

    ws = Workspace(workspace)
    view = _audience(ws.root, audience, private)
    if output is not None and fmt in (MapFormat.table, MapFormat.json):
        raise UserError("--output is for --format docx or xlsx", hint="add --format docx (or xlsx)")
    if output is not None and output.suffix.lower() != f".{fmt.value}":
        raise UserError(f"--output {str(output)!r} should end in .{fmt.value}", hint=f"e.g. -o alignment.{fmt.value}")
    with stderr().status("matching goals and initiatives…") if fmt is not MapFormat.json else _null():
        amap = ws.alignment(as_of=as_of, audience=view, meaning=not words_only)
    if fmt is MapFormat.json:
        print_json(amap)
        return
    if fmt is MapFormat.table:
        _print_map(amap)
        return
    from dxprep.reports.documents import write_alignment_docx, write_alignment_xlsx

    target = output or Path(f"alignment-{amap.as_of.isoformat()}.{fmt.value}")
    _refuse_inside_inputs(ws.root, target)
    writer = write_alignment_docx if fmt is MapFormat.docx else write_alignment_xlsx
    written = writer(amap, ws.data.organization, target)
    stdout().print(f"[bold]wrote[/] {written}: {len(amap.goals)} goals, {len(amap.initiatives)} initiatives, "
                   f"{len(amap.links)} links, {len(amap.unserved_goals)} unserved goals", highlight=False)


@handle_errors
def report_cmd(
    workspace: WorkspaceOpt = None,
    start: Annotated[str | None, typer.Option("--from", help="First day of the period [default: 90 days before "
                                              "--to].", show_default=False)] = None,
    end: Annotated[str | None, typer.Option("--to", help="Last day of the period [default: today].",
                                            show_default=False)] = None,
    output: Annotated[Path | None, typer.Option("--output", "-o", help="The .docx to write "
                                                "[default: dxprep-report-<from>-<to>.docx].", show_default=False)]
    = None,
    fmt: Annotated[str, typer.Option("--format", "-f", help="docx (a Word report with charts) or json.")] = "docx",
    audience: AudienceOpt = None,
    private: PrivateOpt = False,
    words_only: WordsOnlyOpt = False,
) -> None:
    """The dialogue programme for a period, with charts: cadence, units, commitments kept, goals.

    Cadence adherence per executive, units engaged, commitments kept on time (IT's
    credibility figure) and still overdue, goals heard and how many an initiative serves.

    Example: dxprep report -w corpus --from 2026-09-01 --to 2026-11-28 -o report.docx
    """
    from dxprep.api import Workspace
    from dxprep.errors import UserError

    if fmt not in ("docx", "json"):
        raise UserError(f"--format {fmt!r} is not docx or json", hint="use --format docx or --format json")
    if output is not None and output.suffix.lower() != ".docx":
        raise UserError(f"--output {str(output)!r} should end in .docx", hint="e.g. -o report.docx")
    ws = Workspace(workspace)
    view = _audience(ws.root, audience, private)
    with stderr().status("counting meetings and commitments…") if fmt != "json" else _null():
        report = ws.report(start=start, end=end, audience=view, meaning=not words_only)
    if fmt == "json":
        print_json(report)
        return
    from dxprep.reports.documents import write_report_docx

    target = output or Path(f"dxprep-report-{report.start.isoformat()}-{report.end.isoformat()}.docx")
    _refuse_inside_inputs(ws.root, target)
    written = write_report_docx(report, ws.data, target)
    it = next(f for f in report.commitments if f.side == "IT")
    rate = f"{it.on_time_rate:.0%}" if it.on_time_rate is not None else "n/a"
    held = "n/a" if report.adherence is None else f"{report.adherence:.0%}"
    stdout().print(f"[bold]wrote[/] {written}: cadence {held}, IT on time {rate}, "
                   f"{len(report.units_not_engaged)} unit(s) not engaged", highlight=False)


def _refuse_inside_inputs(root: Path, target: Path) -> None:
    """Never write into notes/ or material/, or over stakeholders.yaml."""
    from dxprep.errors import UserError

    resolved = target.resolve()
    for inside in (root / "notes", root / "material"):
        if resolved.is_relative_to(inside.resolve()):
            raise UserError(f"{target} is inside {inside.name}/: dxprep does not write into the workspace's inputs",
                            hint="write it elsewhere, e.g. -o briefings/…")
    if resolved == (root / "stakeholders.yaml").resolve():
        raise UserError("refusing to overwrite stakeholders.yaml", hint="choose another output path")


class _null:
    def __enter__(self) -> None:
        return None

    def __exit__(self, *exc: object) -> None:
        return None


def register(app: typer.Typer) -> None:
    """Add ``alignment`` and ``report`` to ``app``."""
    app.command("alignment")(alignment_cmd)
    app.command("report")(report_cmd)
