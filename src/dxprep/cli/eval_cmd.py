"""``dxprep eval``: run the offline eval suite (cases, evaluators, report)."""

from __future__ import annotations

import sys
from pathlib import Path
from typing import Annotated

import typer

from dxprep.cli._common import OutputFormat, WorkspaceOpt, handle_errors, print_json, stderr


def eval_(
    workspace: WorkspaceOpt = None,
    cases: Annotated[Path | None, typer.Option("--cases", help="Folder of case files (default: evals/cases).")] = None,
    engine: Annotated[str | None, typer.Option(
        "--engine", help="Replace the engine of the cases that stand for a model: offline, replay:<dir>, "
                         "openai:<model>.")] = None,
    record: Annotated[bool, typer.Option(
        "--record", help="With --engine openai:<model>: record each answer as a fixture for replay.")] = False,
    fmt: Annotated[OutputFormat, typer.Option("--format", "-f", help="table for people, json for scripts.")]
    = OutputFormat.table,
    output: Annotated[Path | None, typer.Option("-o", "--output", help="Also write the JSON report to this file.")]
    = None,
    baseline: Annotated[Path | None, typer.Option(
        "--baseline", help="A previous JSON report: show what got better or worse.")] = None,
) -> None:
    """Run the eval suite: every case, every evaluator; exit 1 when a case's threshold fails.

    Example: dxprep eval -w corpus -o report.json --baseline main-report.json
    """
    _eval(workspace, cases, engine, record, fmt, output, baseline)


@handle_errors
def _eval(workspace: Path | None, cases: Path | None, engine: str | None, record: bool, fmt: OutputFormat,
          output: Path | None, baseline: Path | None) -> None:
    from rich.console import Console

    from dxprep.evals.report import print_report
    from dxprep.evals.runner import compare, load_report, run_eval
    from dxprep.fsutil import atomic_write

    base = load_report(baseline) if baseline is not None else None
    err = stderr()
    report = run_eval(cases, workspace=workspace, engine=engine, record=record,
                      progress=(lambda name: err.print(f"[dim]case {name}…[/]", highlight=False))
                      if fmt is OutputFormat.table and sys.stderr.isatty() else None)
    changes = compare(report, base) if base is not None else None
    if output is not None:
        atomic_write(output, report.model_dump_json(indent=2) + "\n")
    if fmt is OutputFormat.json:
        data = report.model_dump(mode="json")
        if changes is not None:
            data["vs_baseline"] = [c.model_dump(mode="json") for c in changes]
        print_json(data)
    else:
        out = Console(soft_wrap=False, width=None if sys.stdout.isatty() else 200)
        print_report(report, out, changes)
    if not report.passed:
        raise typer.Exit(1)


def register(app: typer.Typer) -> None:
    app.command("eval")(eval_)
