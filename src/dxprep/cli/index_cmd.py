"""``dxprep ingest`` and ``dxprep search``."""

from __future__ import annotations

import sys
from enum import StrEnum
from pathlib import Path
from typing import Annotated, Any

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

ChromaUrlOpt = Annotated[
    str | None,
    typer.Option("--chroma-url", help="Use a Chroma server (e.g. http://127.0.0.1:8000) \\[env: DXPREP_CHROMA_URL]."),
]
EmbeddingOpt = Annotated[
    str | None,
    typer.Option("--embedding", help="local (default), local-bf16, openai:text-embedding-3-small \\[env: DXPREP_EMBEDDING]."),
]


class Kind(StrEnum):
    note = "note"
    material = "material"


def ingest(
    workspace: WorkspaceOpt = None,
    rebuild: Annotated[bool, typer.Option("--rebuild", help="Drop the index and build it again.")] = False,
    chroma_url: ChromaUrlOpt = None,
    embedding: EmbeddingOpt = None,
    fmt: FormatOpt = OutputFormat.table,
) -> None:
    """Index the workspace's notes and material (incremental: only what changed).

    Example: dxprep ingest -w corpus
    """
    _ingest(workspace, rebuild, chroma_url, embedding, fmt)


@handle_errors
def _ingest(workspace: Path | None, rebuild: bool, chroma_url: str | None, embedding: str | None,
            fmt: OutputFormat) -> None:
    from dxprep.api import Workspace

    ws = Workspace(workspace, chroma_url=chroma_url, embedding=embedding)
    show = fmt is OutputFormat.table and sys.stderr.isatty()
    if not show:
        stats = ws.ingest(rebuild=rebuild)
    else:
        from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn

        with Progress(TextColumn("{task.description}"), BarColumn(), MofNCompleteColumn(), TimeElapsedColumn(),
                      console=stderr(), transient=True) as bar:
            tasks: dict[str, Any] = {}

            def progress(event: str, advance: int, total: int) -> None:
                label = {"files": "files   ", "embedded": "embedding"}.get(event, event)
                if event not in tasks:
                    tasks[event] = bar.add_task(label, total=total)
                bar.update(tasks[event], advance=advance, total=total)

            stats = ws.ingest(rebuild=rebuild, progress=progress)
    if fmt is OutputFormat.json:
        print_json({"files": stats.files, "chunks": stats.chunks, "embedded": stats.embedded,
                    "unchanged": stats.unchanged, "removed": stats.removed,
                    "skipped": [s.model_dump() for s in stats.skipped]})
        return
    out = stdout()
    out.print(
        f"[bold]indexed[/] {stats.files} files → {stats.chunks} chunks in {stats.seconds:.1f} s: "
        f"{stats.updated} updated, {stats.unchanged} unchanged, {stats.removed} removed, "
        f"{stats.embedded} embedded, {len(stats.skipped)} skipped"
    )
    warn_lines([f"{s.path}: {s.reason}" for s in stats.skipped])


def search(
    query: Annotated[str | None, typer.Argument(help="What to look for (omit with --queries).")] = None,
    workspace: WorkspaceOpt = None,
    k: Annotated[int, typer.Option("-k", "--top", min=1, max=200, help="How many results.")] = 8,
    executive: Annotated[str | None, typer.Option("--executive", "-e", help="Only notes of this executive (id, name or alias).")] = None,
    kind: Annotated[Kind | None, typer.Option("--kind", help="note or material.")] = None,
    doc_type: Annotated[str | None, typer.Option("--doc-type", help="strategy, project-status, budget, threat-brief, market-scan, meeting-note…")] = None,
    since: Annotated[str | None, typer.Option("--since", help="Only sources dated on or after (2026-10-01, 1 Oct 2026…).")] = None,
    audience: Annotated[str | None, typer.Option("--audience", "-a", help="Only what this executive may see (confidentiality rules).")] = None,
    queries: Annotated[Path | None, typer.Option("--queries", help="A file with one query per line: one JSON object per line out.")] = None,
    context: Annotated[int, typer.Option("--context", min=0, max=10, help="Widen each result by N neighbouring chunks on each side (exact passages).")] = 0,
    spread: Annotated[bool, typer.Option("--spread/--no-spread", help="Prefer results from different files.")] = True,
    chroma_url: ChromaUrlOpt = None,
    embedding: EmbeddingOpt = None,
    fmt: FormatOpt = OutputFormat.table,
) -> None:
    """Hybrid search (meaning + keywords) over the indexed workspace.

    Example: dxprep search "ERP cost model" -w corpus --executive cfo --audience cfo
    """
    _search(query, workspace, k, executive, kind, doc_type, since, audience, queries, chroma_url, embedding, fmt,
            context, spread)


@handle_errors
def _search(query: str | None, workspace: Path | None, k: int, executive: str | None, kind: Kind | None,
            doc_type: str | None, since: str | None, audience: str | None, queries: Path | None,
            chroma_url: str | None, embedding: str | None, fmt: OutputFormat, context: int = 0,
            spread: bool = True) -> None:
    from dxprep.api import Workspace
    from dxprep.errors import UserError
    from dxprep.workspace.dates import parse_date

    if (query is None) == (queries is None):
        raise UserError("give a QUERY or --queries FILE (not both)", hint='dxprep search "ERP cost model" -w corpus')
    since_date = parse_date(since) if since else None
    if since and since_date is None:
        raise UserError(f"--since {since!r} is not a date", hint="write 2026-10-01, 1 Oct 2026 or October 1, 2026")
    ws = Workspace(workspace, chroma_url=chroma_url, embedding=embedding)
    options: dict[str, Any] = {
        "k": k, "kind": kind.value if kind else None, "doc_type": doc_type, "since": since_date,
        "executive": ws.executive(executive).id if executive else None,
        "audience": ws.executive(audience).id if audience else None,
        "context": context, "spread": spread,
    }
    if queries is not None:
        try:
            lines = [ln.strip() for ln in queries.read_text(encoding="utf-8").splitlines() if ln.strip()]
        except OSError as exc:
            raise UserError(f"cannot read {queries}: {exc.strerror}") from exc
        retriever = ws.retriever()
        for line in lines:
            response = retriever.search(line, **options)
            sys.stdout.write(response.model_dump_json() + "\n")
        sys.stdout.flush()
        return
    assert query is not None
    response = ws.search(query, **options)
    if fmt is OutputFormat.json:
        print_json(response)
        return
    from rich.table import Table

    table = Table(title=f"{len(response.results)} result(s) for “{response.query}”", title_justify="left",
                  show_lines=True)
    table.add_column("#", justify="right")
    table.add_column("source")
    table.add_column("text", ratio=1)
    for r in response.results:
        meta = r.metadata
        where = f"{r.source}\n[dim]{meta.get('section') or ''}[/]\n[dim]{meta.get('date') or ''} {r.start}–{r.end}[/]"
        if meta.get("confidential"):
            where += "\n[red]confidential[/]"
        snippet = " ".join(r.text.split())
        table.add_row(str(r.rank), where, snippet[:400] + ("…" if len(snippet) > 400 else ""))
    stdout().print(table)
    if not response.results:
        stdout().print("[dim]nothing found: is the workspace indexed? (dxprep ingest)[/]")


def register(app: typer.Typer) -> None:
    app.command("ingest")(ingest)
    app.command("search")(search)


__all__ = ["register", "warn_lines"]
