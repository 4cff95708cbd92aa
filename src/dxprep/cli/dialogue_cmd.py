"""``dxprep history``, ``dxprep cadence`` and ``dxprep notes new``: the dialogue memory."""

from __future__ import annotations

import datetime as dt
import sys
from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING, Annotated

import typer

from dxprep.cli._common import (
    FormatOpt,
    OutputFormat,
    WorkspaceOpt,
    handle_errors,
    print_json,
    stderr,
    stdout,
    warn_lines,
)

if TYPE_CHECKING:
    from dxprep.dialogue.models import Commitment, SourceRef, StatedItem
    from dxprep.workspace.models import LoadedWorkspace

__all__ = ["notes_app", "register", "today"]

#: Where "today" comes from: tests replace it to pin the default as-of date.
today: Callable[[], dt.date] = dt.date.today

ExecutiveArg = Annotated[str, typer.Argument(help="The executive: id, full name or alias.", show_default=False)]
AsOfOpt = Annotated[
    str | None,
    typer.Option("--as-of", help="Only what was written on or before this date (2026-11-28, 28 Nov 2026…) [default: today].",
                 show_default=False),
]

notes_app = typer.Typer(help="Write meeting notes.", no_args_is_help=True)


def _date(value: str | None, option: str) -> dt.date:
    from dxprep.errors import UserError
    from dxprep.workspace.dates import parse_date

    if value is None:
        return today()
    parsed = parse_date(value)
    if parsed is None:
        raise UserError(f"{option} {value!r} is not a date", hint="write 2026-11-28, 28 Nov 2026 or November 28, 2026")
    return parsed


def _load(workspace: Path | None) -> tuple[Path, LoadedWorkspace]:
    from dxprep.config import resolve_workspace
    from dxprep.workspace.reader import read_workspace

    root = resolve_workspace(workspace)
    return root, read_workspace(root)


def _where(ref: SourceRef | None) -> str:
    return f"{ref.path}:{ref.line}" if ref else ""


@handle_errors
def history_cmd(
    executive: ExecutiveArg,
    workspace: WorkspaceOpt = None,
    as_of: AsOfOpt = None,
    audience: Annotated[
        str | None,
        typer.Option("--audience", "-a", help="Show only what a briefing for this executive may see "
                     "(confidential notes of other meetings left out) [default: everything, the IT leader's view]."),
    ] = None,
    fmt: FormatOpt = OutputFormat.table,
) -> None:
    """An executive's dialogue history: meetings, goals, concerns, decisions and commitments.

    Commitments are carried forward from note to note until one closes them; overdue
    ones are shown in red.

    Example: dxprep history cfo -w corpus --as-of 2026-11-28 --format json
    """
    from dxprep.dialogue.history import history

    when = _date(as_of, "--as-of")
    _, ws = _load(workspace)
    exe = ws.organization.executive(executive)
    viewer = ws.organization.executive(audience).id if audience else None
    hist = history(ws, exe.id, when, audience=viewer)
    if fmt is OutputFormat.json:
        print_json(hist)
        return
    from rich.table import Table

    out = stdout()
    open_items = hist.open_commitments
    late = [c for c in open_items if c.overdue]
    seen_by = f", as a briefing for {viewer} sees it" if viewer else ""
    out.print(f"[bold]{exe.name}[/] ({exe.id}) — history as of {when.isoformat()}{seen_by}: "
              f"{len(hist.meetings)} meeting(s), {len(open_items)} open commitment(s)"
              + (f", [red]{len(late)} overdue[/]" if late else ""), highlight=False)
    if hist.meetings:
        table = Table(title="Meetings", title_justify="left")
        for col in ("date", "type", "with", "unit", "source"):
            table.add_column(col)
        for m in hist.meetings:
            who = ", ".join(m.executives) + (" [dim](joint)[/]" if m.joint else "")
            src = m.path + (" [red]confidential[/]" if m.confidential else "")
            table.add_row(m.date.isoformat(), m.type, who, m.business_unit or "", src)
        out.print(table)
    for title, items in (("Goals", hist.goals), ("Concerns", hist.concerns), ("Decisions", hist.decisions)):
        if items:
            out.print(_stated_table(title, items))
    if hist.commitments:
        out.print(_commitments_table(hist.commitments))
    else:
        out.print("[dim]no commitments yet[/]")
    warn_lines(hist.warnings)


def _stated_table(title: str, items: list[StatedItem]) -> object:
    from rich.table import Table

    table = Table(title=title, title_justify="left")
    table.add_column("text", ratio=1)
    table.add_column("first stated")
    table.add_column("last stated")
    table.add_column("source")
    for item in items:
        table.add_row(item.text, item.first_stated.isoformat(), item.last_stated.isoformat(), _where(item.source))
    return table


def _commitments_table(commitments: list[Commitment]) -> object:
    from rich.table import Table

    table = Table(title="Commitments", title_justify="left")
    for col in ("id", "text", "owner", "side", "due", "status", "opened in", "closed in"):
        table.add_column(col, ratio=1 if col == "text" else None, overflow="fold")
    for c in commitments:
        owner = f"{c.owner} ({c.person})" if c.owner and c.person else (c.owner or c.person or "")
        status = "[red]overdue[/]" if c.overdue else ("[green]done[/]" if c.status == "done" else "open")
        table.add_row(c.id, c.text, owner, c.side or "", c.due.isoformat() if c.due else "", status,
                      _where(c.opened_in), _where(c.closed_in), style="red" if c.overdue else None)
    return table


@handle_errors
def cadence_cmd(
    workspace: WorkspaceOpt = None,
    as_of: AsOfOpt = None,
    chart: Annotated[
        Path | None,
        typer.Option("--chart", help="Also draw the cadence as a PNG for a slide.", show_default=False),
    ] = None,
    fmt: FormatOpt = OutputFormat.table,
) -> None:
    """Cadence and coverage: who was met when, who is overdue, who to talk to next.

    An executive is overdue when never met or when more than their cadence_days have
    passed since the last meeting.

    Example: dxprep cadence -w corpus --as-of 2026-11-28 --chart cadence.png
    """
    from dxprep.dialogue.cadence import cadence
    from dxprep.errors import UserError

    when = _date(as_of, "--as-of")
    if chart is not None and chart.suffix.lower() != ".png":
        raise UserError(f"--chart {str(chart)!r} must be a .png file", hint="for example --chart cadence.png")
    _, ws = _load(workspace)
    report = cadence(ws, when)
    if chart is not None:
        from dxprep.dialogue.chart import cadence_chart

        try:
            cadence_chart(report, chart, unit_names={u.id: u.name for u in ws.organization.business_units},
                          organization=ws.organization.name)
        except OSError as exc:
            raise UserError(f"cannot write {chart}: {exc.strerror or exc}") from exc
        stderr().print(f"chart written to {chart}", highlight=False)
    if fmt is OutputFormat.json:
        print_json(report)
        return
    from rich.table import Table

    units = {u.id: u.name for u in ws.organization.business_units}
    table = Table(title=f"Cadence as of {when.isoformat()}", title_justify="left")
    for col in ("id", "name", "last met", "meetings", "days since", "cadence", "overdue", "open items", "next item due"):
        table.add_column(col, justify="right" if col in ("meetings", "days since", "cadence", "open items") else "left")
    for r in report.executives:
        table.add_row(
            r.id, r.name, r.last_met.isoformat() if r.last_met else "[red]never[/]", str(r.meetings),
            "" if r.days_since is None else str(r.days_since), f"{r.cadence_days} d",
            "[red]yes[/]" if r.overdue else "no",
            str(r.open_commitments) + (f" [red]({r.overdue_commitments} late)[/]" if r.overdue_commitments else ""),
            r.next_commitment_due.isoformat() if r.next_commitment_due else "",
            style="red" if r.overdue else None,
        )
    out = stdout()
    out.print(table)
    if report.never_met:
        out.print("[red]Never met:[/] " + ", ".join(report.never_met), highlight=False)
    if report.business_units_never_engaged:
        out.print("[red]Business units never engaged:[/] "
                  + ", ".join(f"{units.get(u, u)} ({u})" for u in report.business_units_never_engaged), highlight=False)
    out.print("[bold]Talk to next:[/] " + ", ".join(report.next), highlight=False)
    warn_lines(report.warnings)


@notes_app.command("new")
@handle_errors
def notes_new(
    executive: ExecutiveArg,
    workspace: WorkspaceOpt = None,
    date: Annotated[
        str | None, typer.Option("--date", help="The meeting's date [default: today].", show_default=False)
    ] = None,
    fmt: FormatOpt = OutputFormat.table,
) -> None:
    """Start the note of the next meeting, with the open commitments listed to review.

    Writes notes/<date>-<exec>.md (never over an existing file). Tick [x] the commitments
    that are done: their {#id} closes them in the next history.

    Example: dxprep notes new cfo -w corpus --date 2026-12-02
    """
    from dxprep.dialogue.notes import write_new_note

    when = _date(date, "--date")
    root, ws = _load(workspace)
    exe = ws.organization.executive(executive)
    written = write_new_note(root, ws, exe, when)
    if fmt is OutputFormat.json:
        print_json(written)
        return
    out = stdout()
    out.print(f"[bold]wrote[/] {root / written.path}: {len(written.commitments)} open commitment(s) to review",
              highlight=False)
    if written.confidential:
        out.print("[yellow]marked confidential: it carries forward commitments from confidential notes[/]")
    sys.stdout.flush()


def register(app: typer.Typer) -> None:
    """Add ``history``, ``cadence`` and ``notes new`` to ``app``."""
    app.command("history")(history_cmd)
    app.command("cadence")(cadence_cmd)
    app.add_typer(notes_app, name="notes")
