"""``dxprep audit``: what was sent to remote models and embedding services, and when."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

from dxprep.cli._common import (
    FormatOpt,
    OutputFormat,
    WorkspaceOpt,
    handle_errors,
    print_json,
    stderr,
    stdout,
)


def audit(
    workspace: WorkspaceOpt = None,
    since: Annotated[str | None, typer.Option("--since", help="Only calls on or after this day (2026-11-01, "
                                                              "1 Nov 2026…), in UTC.")] = None,
    fmt: FormatOpt = OutputFormat.table,
) -> None:
    """Show the audit log: one line per remote call (chat or embeddings) with its endpoint, model,
    tokens, the files whose text was sent, what was redacted and the payload's SHA-256.

    Example: dxprep audit -w corpus --since 2026-11-01
    """
    _audit(workspace, since, fmt)


@handle_errors
def _audit(workspace: Path | None, since: str | None, fmt: OutputFormat) -> None:
    from dxprep.audit import audit_path, read_audit
    from dxprep.config import resolve_workspace
    from dxprep.errors import UserError
    from dxprep.workspace.dates import parse_date

    root = resolve_workspace(workspace)
    since_date = parse_date(since) if since else None
    if since and since_date is None:
        raise UserError(f"--since {since!r} is not a date", hint="write 2026-11-01, 1 Nov 2026 or November 1, 2026")
    if not root.is_dir():
        raise UserError(f"{root} is not a folder", hint="give the workspace with -w PATH")
    entries, bad = read_audit(root, since_date)
    if bad:
        stderr().print(f"[yellow]warning:[/] {bad} unreadable line(s) in {audit_path(root)} skipped", highlight=False)
    if fmt is OutputFormat.json:
        print_json([e.model_dump(mode="json") for e in entries])
        if not entries:
            stderr().print(_empty(root, since), highlight=False)
        return
    out = stdout()
    if not entries:
        out.print(_empty(root, since), highlight=False)
        return
    from rich.table import Table

    table = Table(title=f"remote calls from {root} ({len(entries)})", title_justify="left")
    for col in ("time (UTC)", "kind", "endpoint", "model", "tokens in/out", "sources", "redacted", "sha256",
                "outcome"):
        table.add_column(col, overflow="fold")
    for e in entries:
        tokens = "–" if e.prompt_tokens is None else f"{e.prompt_tokens}/{e.completion_tokens or 0}"
        sources = ", ".join(e.sources[:3]) + (f" +{len(e.sources) - 3}" if len(e.sources) > 3 else "")
        if not e.sources:
            sources = f"({e.inputs} text{'s' if e.inputs != 1 else ''})" if e.kind == "embeddings" else "–"
        redacted = ", ".join(f"{k} {v}" for k, v in e.redactions.items()) or "–"
        outcome = "[green]ok[/]" if e.outcome == "ok" else f"[red]error[/] {e.error or ''}"
        table.add_row(e.time[:19].replace("T", " "), e.kind, e.endpoint, e.model, tokens, sources, redacted,
                      e.payload_sha256[:12], outcome)
    out.print(table)


def _empty(root: Path, since: str | None) -> str:
    when = f" since {since}" if since else ""
    return (f"no remote calls recorded for {root}{when}: nothing from this workspace has been sent to a "
            "remote model or embedding service (the log is .dxprep/audit.jsonl)")


def register(app: typer.Typer) -> None:
    app.command("audit")(audit)


__all__ = ["audit", "register"]
