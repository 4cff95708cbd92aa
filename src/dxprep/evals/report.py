"""The report as people read it: rich tables of evaluator × case, with totals."""

from __future__ import annotations

import math
from typing import TYPE_CHECKING

from dxprep.evals.evaluators import EVALUATORS
from dxprep.evals.runner import Change, EvalReport

if TYPE_CHECKING:
    from rich.console import Console

__all__ = ["print_report"]

_SHORT = {"commitments_recall": "commit\nrecall", "closed_as_open": "closed\nas open", "leaks": "leaks",
          "citation_validity": "cites\nvalid", "grounding": "ground", "contradictions": "contra-\ndicts",
          "goal_coverage": "goals", "sections": "sections", "role_fit": "role\nfit", "length_ok": "length",
          "tokens": "tokens", "cost_usd": "cost $"}
_STATUS = {"pass": "[green]pass[/]", "fail": "[red]FAIL[/]", "error": "[red]ERROR[/]", "skipped": "[dim]skipped[/]"}


def _cell(name: str, value: float | bool | None, failed: bool) -> str:
    if value is None:
        text = "—"
    elif isinstance(value, bool):
        text = "✓" if value else "✗"
    elif isinstance(value, float) and math.isnan(value):
        text = "?"
    elif name == "cost_usd":
        text = f"{value:.4f}"
    elif name in ("tokens", "queries", "closed_as_open", "leaks", "contradictions", "leaked_files"):
        text = f"{value:g}" if float(value).is_integer() else f"{value:.2f}"
    else:
        text = f"{value:.2f}"
    return f"[red]{text}[/]" if failed else text


def _engine(spec: str | None) -> str:
    """``replay:…/<folder>`` for a replay engine (the full path is in the JSON report)."""
    if not spec:
        return ""
    kind, _, arg = spec.partition(":")
    return f"replay:…/{arg.rstrip('/').rsplit('/', 1)[-1]}" if kind == "replay" and "/" in arg else spec


def _failed_metrics(failures: list[str]) -> set[str]:
    return {f.split(" ", 1)[0].rstrip(":") for f in failures}


def print_report(report: EvalReport, out: Console, changes: list[Change] | None = None) -> None:
    from rich.table import Table

    names = [e.name for e in EVALUATORS]
    briefings = [r for r in report.results if r.kind == "briefing"]
    if briefings:
        table = Table(title="Briefing cases: evaluator × case", title_justify="left", show_lines=False)
        table.add_column("case", no_wrap=True)
        table.add_column("engine", no_wrap=True, max_width=26)
        for n in names:
            table.add_column(_SHORT[n], justify="right")
        table.add_column("result", no_wrap=True)
        for r in briefings:
            bad = _failed_metrics(r.failures)
            table.add_row(r.name, _engine(r.engine),
                          *[_cell(n, r.metrics.get(n), n in bad) for n in names], _STATUS[r.status])
        table.add_section()
        totals = {n: report.totals.get(n) for n in names}
        table.add_row("[bold]total[/] (mean; Σ tokens, $)", "", *[_cell(n, totals[n], False) for n in names],
                      f"{sum(r.status == 'pass' for r in briefings)}/{len(briefings)} pass")
        out.print(table)

    adversarial = [r for r in briefings if r.adversarial]
    if adversarial:
        table = Table(title="Adversarial fixtures: what caught each one", title_justify="left")
        table.add_column("case", no_wrap=True)
        table.add_column("attack")
        table.add_column("caught by")
        table.add_column("result", no_wrap=True)
        for r in adversarial:
            table.add_row(r.name, r.adversarial or "", r.caught or "; ".join(r.failures) or "—", _STATUS[r.status])
        out.print(table)

    retrieval = [r for r in report.results if r.kind != "briefing"]
    if retrieval:
        table = Table(title="Retrieval cases", title_justify="left")
        table.add_column("case", no_wrap=True)
        table.add_column("metrics")
        table.add_column("thresholds")
        table.add_column("result", no_wrap=True)
        for r in retrieval:
            bad = _failed_metrics(r.failures)
            metrics = ", ".join(f"{k} {_cell(k, v, k in bad)}" for k, v in r.metrics.items()) or r.notes.get("data", "")
            table.add_row(r.name, metrics, ", ".join(f"{k} {v}" for k, v in r.thresholds.items()), _STATUS[r.status])
        out.print(table)

    for r in report.results:
        for f in r.failures:
            if not (r.adversarial and r.status == "pass"):
                out.print(f"[red]✗[/] {r.name}: {f}", highlight=False)
    for path in report.unused_recordings:
        out.print(f"[red]✗[/] unused recording (no case replayed it): {path}", highlight=False)
    if report.re_record is not None:
        rr = report.re_record
        cost = f"${rr.cost_usd:.4f}" if rr.cost_usd is not None else "unpriced"
        out.print(f"Re-recording the model cases with {rr.model}: {rr.calls} calls, {rr.prompt_tokens:,} prompt + "
                  f"{rr.completion_tokens:,} completion tokens, {cost} at list price ({rr.basis}).", highlight=False)
    if changes is not None:
        _print_changes(changes, out)
    n_pass = sum(r.status in ("pass", "skipped") for r in report.results)
    verdict = "[green]passed[/]" if report.passed else "[red]FAILED[/]"
    out.print(f"{verdict}: {n_pass}/{len(report.results)} cases in {report.seconds:.1f} s", highlight=False)


def _print_changes(changes: list[Change], out: Console) -> None:
    from rich.table import Table

    if not changes:
        out.print("vs baseline: no change")
        return
    table = Table(title="vs baseline", title_justify="left")
    for col in ("case", "metric", "before", "after", "verdict"):
        table.add_column(col)
    colour = {"better": "green", "worse": "red", "changed": "yellow", "new": "cyan", "gone": "yellow"}

    def show(v: object) -> str:
        return f"{v:.4g}" if isinstance(v, float) else str(v)

    for c in changes:
        table.add_row(c.case, c.metric, show(c.before), show(c.after), f"[{colour[c.verdict]}]{c.verdict}[/]")
    out.print(table)
    better = sum(c.verdict == "better" for c in changes)
    worse = sum(c.verdict == "worse" for c in changes)
    out.print(f"vs baseline: {better} better, {worse} worse, {len(changes) - better - worse} other changes")
