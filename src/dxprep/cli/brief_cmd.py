"""``dxprep brief`` and ``dxprep points``."""

from __future__ import annotations

import datetime as dt
import sys
from enum import StrEnum
from pathlib import Path
from typing import Annotated, Any

import typer

from dxprep.cli._common import WorkspaceOpt, handle_errors, print_json, stderr, stdout


class BriefFormat(StrEnum):
    docx = "docx"
    md = "md"
    json = "json"


EngineOpt = Annotated[str | None, typer.Option("--engine", help="offline (default), openai:<model>, azure:<deployment>, replay:<dir> \\[env: DXPREP_ENGINE].")]


def _date(value: str | None) -> dt.date | None:
    from dxprep.errors import UserError
    from dxprep.workspace.dates import parse_date

    if value is None:
        return None
    parsed = parse_date(value)
    if parsed is None:
        raise UserError(f"{value!r} is not a date", hint="write 2026-12-01, 1 Dec 2026 or December 1, 2026")
    return parsed


def brief(
    executive: Annotated[str | None, typer.Argument(help="Executive id, name or alias (omit with --due).")] = None,
    workspace: WorkspaceOpt = None,
    date: Annotated[str | None, typer.Option("--date", help="Meeting date \\[default: today].")] = None,
    minutes: Annotated[int | None, typer.Option("--minutes", min=5, max=480, help="Meeting length \\[default: 30].")] = None,
    engine: EngineOpt = None,
    fmt: Annotated[BriefFormat, typer.Option("--format", "-f", help="docx (default), md or json.")] = BriefFormat.docx,
    output: Annotated[Path | None, typer.Option("-o", "--output", help="Output file \\[default: briefings/<date>-<exec>.<ext>]; '-' for stdout (md, json).")] = None,
    fallback: Annotated[str | None, typer.Option("--fallback", help="offline: draft offline if the model call fails.")] = None,
    due: Annotated[bool, typer.Option("--due", help="A briefing for every executive whose dialogue is due, plus a portfolio summary.")] = False,
    within: Annotated[int, typer.Option("--within", help="With --due: due within this many days.")] = 7,
) -> None:
    """Write the briefing for an executive's next dialogue (grounded, every claim cited).

    Example: dxprep brief cfo -w corpus --date 2026-12-01
    """
    _brief(executive, workspace, date, minutes, engine, fmt, output, fallback, due, within)


@handle_errors
def _brief(executive: str | None, workspace: Path | None, date: str | None, minutes: int | None, engine: str | None,
           fmt: BriefFormat, output: Path | None, fallback: str | None, due: bool, within: int) -> None:
    from dxprep.api import Workspace
    from dxprep.errors import UserError

    ws = Workspace(workspace)
    when = _date(date) or dt.date.today()
    if due:
        from dxprep.briefing.portfolio import brief_due

        written = brief_due(ws, when, within=within, engine=engine, minutes=minutes, fallback=fallback)
        for path in written:
            typer.echo(str(path))
        return
    if executive is None:
        raise UserError("name an executive, or use --due", hint="dxprep brief cfo -w corpus")
    if output is not None and str(output) != "-":
        refuse_workspace_inputs(Path(ws.root), output)  # before any model is called
    briefing = ws.brief(executive, date=when, minutes=minutes, engine=engine, fallback=fallback)
    target = write_briefing(ws, briefing, fmt, output)
    if target is not None:
        typer.echo(str(target))
    for w in briefing.warnings[:10]:
        stderr().print(f"[yellow]warning:[/] {w}", highlight=False, soft_wrap=True)


def write_briefing(ws: Any, briefing: Any, fmt: BriefFormat, output: Path | None) -> Path | None:
    from dxprep.fsutil import atomic_write, safe_name

    if output is not None and str(output) == "-":
        if fmt is BriefFormat.docx:
            from dxprep.errors import UserError

            raise UserError("a .docx cannot go to stdout", hint="use -o FILE.docx, or --format md/json")
        if fmt is BriefFormat.json:
            print_json(briefing)
        else:
            sys.stdout.write(briefing.to_markdown())
        return None
    if output is None:
        name = f"{briefing.header.meeting_date.isoformat()}-{safe_name(briefing.header.executive_id, 'executive')}"
        output = Path(ws.root) / "briefings" / f"{name}.{fmt.value}"
    refuse_workspace_inputs(Path(ws.root), output)
    if fmt is BriefFormat.docx:
        return Path(briefing.to_docx(str(output)))
    text = briefing.model_dump_json(indent=2) + "\n" if fmt is BriefFormat.json else briefing.to_markdown()
    return atomic_write(output, text)


def refuse_workspace_inputs(root: Path, output: Path) -> None:
    """A briefing never goes where the workspace's sources or index live: it would overwrite a
    note (or stakeholders.yaml), or become a source itself at the next ingest."""
    from dxprep.errors import UserError
    from dxprep.workspace.stakeholders import STAKEHOLDER_FILES

    base = root.resolve()
    target = output.expanduser().resolve()
    if target.parent == base and target.name in (*STAKEHOLDER_FILES, "dxprep.toml"):
        raise UserError(f"{output} is the workspace's {target.name}: not overwritten",
                        hint="write the briefing elsewhere, e.g. -o briefings/NAME.docx (the default folder)")
    for folder in ("notes", "material", ".dxprep"):
        if (base / folder) in target.parents:
            raise UserError(f"{output} is inside the workspace's {folder}/ folder: a briefing is never written "
                            "there (it would overwrite a source, or be ingested as one)",
                            hint="write it elsewhere, e.g. -o briefings/NAME.docx (the default folder)")


def points(
    executive: Annotated[str, typer.Argument(help="Executive id, name or alias.")],
    workspace: WorkspaceOpt = None,
    date: Annotated[str | None, typer.Option("--date", help="Meeting date \\[default: today].")] = None,
    engine: EngineOpt = None,
) -> None:
    """The talking points for the corridor, in the terminal.

    Example: dxprep points coo -w corpus
    """
    _points(executive, workspace, date, engine)


@handle_errors
def _points(executive: str, workspace: Path | None, date: str | None, engine: str | None) -> None:
    from rich.panel import Panel

    from dxprep.api import Workspace

    ws = Workspace(workspace)
    b = ws.brief(executive, date=_date(date), engine=engine)
    out = stdout()
    h = b.header
    out.print(f"[bold]{h.executive_name}[/] ({h.title or h.role}) — {h.dialogue_label}, {h.meeting_date:%a %d %b %Y}, "
              f"{h.minutes} min · last met {h.last_met or 'never'} · {h.cadence_status}")
    overdue = [c for c in b.open_commitments if c.overdue]
    if overdue:
        out.print(f"[red]{len(overdue)} overdue commitment(s):[/] " + "; ".join(c.text for c in overdue[:4]))
    for i, p in enumerate(b.talking_points, 1):
        cites = f" [dim]{p.citations}[/]" if p.citations else " [dim](opinion)[/]"
        out.print(Panel(f"[bold]{p.headline}[/]\n{p.why_it_matters}\n[dim]Evidence:[/] {p.evidence}{cites}\n"
                        f"[green]Ask:[/] {p.ask}", title=f"{i}", title_align="left"))
    cited = {n for p in b.talking_points for n in p.citations}
    for s in b.sources:
        if s.n in cited:
            out.print(f"[dim][{s.n}] {s.source}, {s.location or ''}[/]", highlight=False)
    for h in b.hard_conversations:
        out.print(f"[yellow]Reset expectations:[/] {h.topic}", highlight=False)


def register(app: typer.Typer) -> None:
    app.command("brief")(brief)
    app.command("points")(points)
