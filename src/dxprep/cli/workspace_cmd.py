"""``dxprep workspace ...``: look at what a workspace holds."""

from __future__ import annotations

import typer

from dxprep.cli._common import (
    FormatOpt,
    OutputFormat,
    WorkspaceOpt,
    handle_errors,
    print_json,
    stdout,
    warn_lines,
)

workspace_app = typer.Typer(help="Inspect a workspace folder.", no_args_is_help=True)


@workspace_app.command("check")
@handle_errors
def check(workspace: WorkspaceOpt = None, fmt: FormatOpt = OutputFormat.table) -> None:
    """Read the workspace and report what was found and what could not be read.

    Exit 0 when the workspace is readable (warnings included), 2 when it is not a
    workspace at all.

    Example: dxprep workspace check -w corpus --format json
    """
    from dxprep.config import resolve_workspace
    from dxprep.workspace.check import check_workspace

    report = check_workspace(str(resolve_workspace(workspace)))
    if fmt is OutputFormat.json:
        print_json(report)
        return
    from rich.table import Table

    out = stdout()
    title = report.organization or report.workspace
    out.print(f"[bold]{title}[/] — workspace {report.workspace}")
    c = report.counts
    out.print(
        f"{c['executives']} executives, {c['business_units']} business units, "
        f"{c['notes']} notes ({_fmt(report.notes_by_format)}), "
        f"{c['material']} material ({_fmt(report.material_by_format)}), "
        f"{c['action_items']} action items, {c['confidential_notes']} confidential note(s), "
        f"{c['restricted_material']} restricted file(s)"
    )
    if report.executives:
        table = Table(title="Executives", title_justify="left")
        for col in ("id", "name", "title", "unit", "cadence", "notes"):
            table.add_column(col, justify="right" if col in ("cadence", "notes") else "left")
        for e in report.executives:
            table.add_row(e.id, e.name, e.title or "", e.business_unit or "", f"{e.cadence_days} d",
                          str(e.notes) if e.notes else "[red]0[/]")
        out.print(table)
    if report.material_by_doc_type:
        out.print("Material by type: " + _fmt(report.material_by_doc_type))
    if report.skipped:
        out.print(f"[yellow]{len(report.skipped)} file(s) skipped[/]")
    if report.ignored:
        out.print(f"[dim]{len(report.ignored)} file(s) outside notes/ and material/ not read: "
                  + ", ".join(report.ignored[:5]) + ("…" if len(report.ignored) > 5 else "") + "[/]")
    warn_lines(report.warnings)


def _fmt(counts: dict[str, int]) -> str:
    return ", ".join(f"{v} {k}" for k, v in counts.items()) or "none"
