"""The runner behind ``dxprep eval``: every case, every evaluator, one report.

Each workspace is copied once per run into a temporary folder (its ``.dxprep`` index and
``briefings`` left behind) and indexed with the case's embedding, so an eval never touches
the real workspace's index. Engines are resolved once per spec and shared by the cases, so
a replay folder knows, at the end, which recordings no case used.
"""

from __future__ import annotations

import datetime as dt
import json
import math
import re
import shutil
import tempfile
import time
from pathlib import Path
from typing import Any, Literal

from pydantic import BaseModel, Field

from dxprep.engines.base import Engine, ModelReply, ModelRequest
from dxprep.errors import ConfigError, DxprepError, EngineError
from dxprep.evals.cases import BriefingCase, QmsumCase, RetrievalCase, Threshold, load_cases, project_root
from dxprep.evals.evaluators import EVALUATORS, EvalContext

__all__ = ["DIRECTIONS", "CaseResult", "Change", "EvalReport", "compare", "default_cases_dir", "run_eval"]

REPORT_VERSION = 1
DEFAULT_RECORD_DIR = "tests/fixtures/recorded"
#: Direction of every metric: "higher" or "lower" is better; None: a plain measurement.
DIRECTIONS: dict[str, str | None] = {e.name: e.better for e in EVALUATORS} | {
    "hit_at_k": "higher", "mrr": "higher", "leaked_files": "lower", "hit_at_5": "higher", "turn_recall": "higher",
    "queries": None,
}
SUMMED = ("tokens", "cost_usd")

Metric = float | bool | None


class CaseResult(BaseModel):
    name: str
    kind: str
    status: Literal["pass", "fail", "error", "skipped"] = "pass"
    executive: str | None = None
    engine: str | None = None
    adversarial: str | None = None
    caught: str | None = None
    metrics: dict[str, Metric] = Field(default_factory=dict)
    thresholds: dict[str, str] = Field(default_factory=dict)
    failures: list[str] = Field(default_factory=list)
    notes: dict[str, str] = Field(default_factory=dict)
    warnings: list[str] = Field(default_factory=list)
    model: str | None = None
    calls: int = 0
    prompt_tokens: int = 0
    completion_tokens: int = 0
    recorded: list[str] = Field(default_factory=list)
    seconds: float = 0.0


class ReRecord(BaseModel):
    """What re-recording the model cases with a live model costs, from their recorded usage."""

    model: str
    calls: int
    prompt_tokens: int
    completion_tokens: int
    cost_usd: float | None
    basis: str


class EvalReport(BaseModel):
    version: int = REPORT_VERSION
    created: str = ""
    cases_dir: str = ""
    engine: str | None = None
    record: bool = False
    passed: bool = True
    results: list[CaseResult] = Field(default_factory=list)
    totals: dict[str, float | None] = Field(default_factory=dict)
    unused_recordings: list[str] = Field(default_factory=list)
    re_record: ReRecord | None = None
    seconds: float = 0.0

    def result(self, name: str) -> CaseResult | None:
        return next((r for r in self.results if r.name == name), None)


class Change(BaseModel):
    case: str
    metric: str
    before: Metric | str
    after: Metric | str
    verdict: Literal["better", "worse", "changed", "new", "gone"]


def default_cases_dir() -> Path:
    here = Path("evals/cases")
    if here.is_dir():
        return here
    for parent in Path(__file__).resolve().parents:
        if (parent / "evals" / "cases").is_dir() and (parent / "pyproject.toml").is_file():
            return parent / "evals" / "cases"
    return here


class _Metered(Engine):
    """Passes requests to ``inner`` and keeps every request and reply (tokens, cost)."""

    def __init__(self, inner: Engine) -> None:
        self.inner = inner
        self.name = inner.name
        self.model = inner.model
        self.drafted_without_model = inner.drafted_without_model
        self.remote = inner.remote
        self.requests: list[ModelRequest] = []
        self.replies: list[ModelReply] = []

    def draft(self, context: Any, request: ModelRequest) -> ModelReply:
        self.requests.append(request)
        reply = self.inner.draft(context, request)
        self.replies.append(reply)
        return reply


class _Run:
    def __init__(self, cases_dir: Path, workspace: Path | None, engine: str | None, record: bool) -> None:
        self.root = project_root(cases_dir)
        self.workspace = workspace
        self.engine_override = engine
        self.record = record
        self.tmp = Path(tempfile.mkdtemp(prefix="dxprep-eval-"))
        self.workspaces: dict[tuple[str, str], Any] = {}
        self.engines: dict[str, Engine] = {}

    def path(self, value: str | Path) -> Path:
        p = Path(value).expanduser()
        if p.is_absolute():
            return p
        return p if p.exists() else self.root / p

    def ws(self, path: str, embedding: str) -> Any:
        from dxprep.api import Workspace

        src = self.path(self.workspace or path).resolve()
        key = (str(src), embedding)
        if key not in self.workspaces:
            if not src.is_dir():
                raise ConfigError(f"workspace {src} does not exist", hint="pass -w PATH or fix the case's workspace")
            copy = self.tmp / f"ws{len(self.workspaces)}" / src.name
            shutil.copytree(src, copy, ignore=shutil.ignore_patterns(".dxprep", "briefings"))
            ws = Workspace(copy, embedding=embedding)
            ws.ingest()
            self.workspaces[key] = ws
        return self.workspaces[key]

    def engine(self, spec: str, ws: Any) -> Engine:
        from dxprep.engines import resolve_engine

        kind, _, arg = spec.partition(":")
        if kind == "replay":
            spec = f"replay:{self.path(arg)}"
        if spec not in self.engines:
            self.engines[spec] = resolve_engine(spec, remote_allowed=ws.settings.remote,
                                                base_url=ws.settings.openai_base_url, workspace=ws.root)
        return self.engines[spec]

    def record_dir(self, case: BriefingCase) -> Path:
        kind, _, arg = case.engine.partition(":")
        return self.path(arg if kind == "replay" and arg else DEFAULT_RECORD_DIR)

    def close(self) -> None:
        for ws in self.workspaces.values():
            retriever = ws.__dict__.get("_retriever")
            if retriever is not None:
                retriever.close()
        shutil.rmtree(self.tmp, ignore_errors=True)


def _check(result: CaseResult, thresholds: dict[str, Threshold]) -> None:
    for name, bound in thresholds.items():
        result.thresholds[name] = bound.describe()
        if name not in result.metrics:
            result.failures.append(f"{name}: not measured (threshold {bound.describe()})")
            continue
        value = result.metrics[name]
        if not bound.check(value):
            shown = value if isinstance(value, bool) else (f"{value:.3g}" if isinstance(value, float) else value)
            note = result.notes.get(name)
            result.failures.append(f"{name} = {shown}, wants {bound.describe()}" + (f" ({note})" if note else ""))


def _briefing_case(run: _Run, case: BriefingCase) -> CaseResult:
    from dxprep.engines.recorder import RecordingEngine

    result = CaseResult(name=case.name, kind=case.kind, executive=case.executive, adversarial=case.adversarial)
    ws = run.ws(case.workspace, case.embedding)
    spec = run.engine_override if (run.engine_override and case.calls_model) else case.engine
    inner = run.engine(spec, ws)
    recorder = None
    if run.record and case.calls_model:
        if inner.drafted_without_model or spec.startswith("replay"):
            raise ConfigError("--record needs an engine that calls a model", hint="--record --engine openai:gpt-4o-mini")
        recorder = RecordingEngine(inner, run.record_dir(case), case.name)
        inner = recorder
    engine = _Metered(inner)
    result.engine = engine.name
    try:
        briefing = ws.brief(case.executive, date=case.date, minutes=case.minutes, engine=engine, refresh_index=False)
    except EngineError as exc:
        if case.expect_error and re.search(case.expect_error, exc.message, re.IGNORECASE):
            result.caught = f"error: {exc.message}"
        elif case.expect_error:
            result.status = "fail"
            result.failures.append(f"raised “{exc.message}”, expected an error matching /{case.expect_error}/")
        else:
            result.status = "error"
            result.failures.append(f"EngineError: {exc.message}")
        _usage(result, engine)
        return result
    _usage(result, engine)
    if recorder is not None:
        result.recorded = [str(p) for p in recorder.written]
        _prune(recorder.folder, case.name, {p.name for p in recorder.written})
    result.warnings = list(briefing.warnings)
    ctx = EvalContext(case=case, briefing=briefing, workspace=ws, requests=engine.requests, replies=engine.replies)
    for ev in EVALUATORS:
        result.metrics[ev.name] = ev.evaluate(ctx)
    result.notes = dict(ctx.notes)
    if case.expect_error:
        result.failures.append(f"not caught: the pipeline accepted the answer (expected an error matching "
                               f"/{case.expect_error}/)")
    if case.expect_warning:
        hit = next((w for w in briefing.warnings if re.search(case.expect_warning, w, re.IGNORECASE)), None)
        if hit is None:
            result.failures.append(f"not caught: no warning matches /{case.expect_warning}/")
        else:
            result.caught = f"warning: {hit}"
    _check(result, case.thresholds)
    fired = [n for n, t in case.thresholds.items() if t.min is not None and DIRECTIONS.get(n) == "lower"]
    if case.adversarial and fired and not result.failures:
        flagged = "; ".join(f"{n} = {result.metrics[n]:g}" + (f" ({result.notes[n]})" if n in result.notes else "")
                            for n in fired)
        result.caught = f"{result.caught} + evaluator: {flagged}" if result.caught else f"evaluator: {flagged}"
    if result.failures and result.status == "pass":
        result.status = "fail"
    return result


def _usage(result: CaseResult, engine: _Metered) -> None:
    result.calls = sum(1 for _ in engine.replies) if not engine.drafted_without_model else 0
    result.prompt_tokens = sum(r.usage.prompt_tokens for r in engine.replies)
    result.completion_tokens = sum(r.usage.completion_tokens for r in engine.replies)
    models = [r.model or q.model for q, r in zip(engine.requests, engine.replies, strict=False)]
    result.model = models[0] if models and not engine.drafted_without_model else None


def _prune(folder: Path, case: str, keep: set[str]) -> None:
    """Remove this case's older recordings (another key), so stale fixtures do not pile up."""
    from dxprep.fsutil import safe_name

    pattern = re.compile(re.escape(safe_name(case, "case")) + r"-[0-9a-f]{16}\.json")
    for path in folder.glob("*.json"):
        if pattern.fullmatch(path.name) and path.name not in keep:
            path.unlink()


def _retrieval_case(run: _Run, case: RetrievalCase) -> CaseResult:
    result = CaseResult(name=case.name, kind=case.kind)
    ws = run.ws(case.workspace, case.embedding)
    retriever = ws.retriever()
    hits, rr, leaked, missed = 0, 0.0, 0, []
    for q in case.questions:
        found = retriever.search(q.question, case.k, audience=q.audience).results
        files = list(dict.fromkeys(r.source for r in found))
        rank = next((i for i, f in enumerate(files, 1) if f in q.expect), None)
        if rank is not None:
            hits += 1
            rr += 1 / rank
        else:
            missed.append(q.question)
        leaked += sum(1 for f in files if f in q.must_not_return)
    n = len(case.questions)
    result.metrics = {"hit_at_k": hits / n if n else 1.0, "mrr": rr / n if n else 1.0, "leaked_files": float(leaked)}
    if missed:
        result.notes["hit_at_k"] = "missed: " + "; ".join(missed)
    _check(result, case.thresholds)
    result.status = "fail" if result.failures else "pass"
    return result


def _qmsum_case(run: _Run, case: QmsumCase) -> CaseResult:
    from dxprep.evals.qmsum import run_qmsum

    result = CaseResult(name=case.name, kind=case.kind)
    data = run.path(case.data)
    if not (data / "queries.jsonl").is_file():
        result.status = "skipped"
        result.notes["data"] = f"QMSum data not found at {data}"
        return result
    result.metrics = dict(run_qmsum(data, every=case.every, limit=case.limit, embedding=case.embedding,
                                    dense_weight=case.dense_weight, lexical_weight=case.lexical_weight))
    _check(result, case.thresholds)
    result.status = "fail" if result.failures else "pass"
    return result


def _totals(results: list[CaseResult]) -> dict[str, float | None]:
    names = list(dict.fromkeys(k for r in results for k in r.metrics))
    out: dict[str, float | None] = {}
    for name in names:
        values = [float(v) for r in results if (v := r.metrics.get(name)) is not None and not
                  (isinstance(v, float) and math.isnan(v))]
        if not values:
            out[name] = None
        else:
            out[name] = sum(values) if name in SUMMED else sum(values) / len(values)
    return out


def _re_record(results: list[CaseResult], cases: dict[str, BriefingCase]) -> ReRecord | None:
    from dxprep.evals.prices import cost_usd

    model_cases = [r for r in results if r.name in cases and cases[r.name].calls_model and r.calls]
    if not model_cases:
        return None
    model = next((r.model for r in model_cases if r.model), None) or "gpt-4o-mini"
    prompt = sum(r.prompt_tokens for r in model_cases)
    completion = sum(r.completion_tokens for r in model_cases)
    return ReRecord(model=model, calls=sum(r.calls for r in model_cases), prompt_tokens=prompt,
                    completion_tokens=completion, cost_usd=cost_usd(model, prompt, completion),
                    basis="the usage stored in the recordings replayed by this run")


def run_eval(cases_dir: Path | None = None, *, workspace: Path | None = None, engine: str | None = None,
             record: bool = False, progress: Any = None) -> EvalReport:
    """Run every case in ``cases_dir``; ``engine`` replaces the engine of the cases that stand for a
    model; ``record`` writes what that engine answers as fixtures (see :mod:`dxprep.engines.recorder`)."""
    from dxprep.engines.replay import ReplayEngine

    folder = cases_dir or default_cases_dir()
    cases = load_cases(folder)
    if record and not engine:
        raise ConfigError("--record needs --engine openai:<model> (or another engine that calls a model)")
    started = time.perf_counter()
    run = _Run(folder, workspace, engine, record)
    report = EvalReport(created=dt.datetime.now(dt.UTC).replace(microsecond=0).isoformat(), cases_dir=str(folder),
                        engine=engine, record=record)
    try:
        for case in cases:
            t0 = time.perf_counter()
            if progress is not None:
                progress(case.name)
            try:
                if isinstance(case, BriefingCase):
                    result = _briefing_case(run, case)
                elif isinstance(case, RetrievalCase):
                    result = _retrieval_case(run, case)
                else:
                    result = _qmsum_case(run, case)
            except ConfigError:
                raise
            except DxprepError as exc:
                result = CaseResult(name=case.name, kind=case.kind, status="error",
                                    failures=[f"{type(exc).__name__}: {exc.message}"])
            result.seconds = round(time.perf_counter() - t0, 2)
            report.results.append(result)
        for eng in run.engines.values():
            if isinstance(eng, ReplayEngine):
                report.unused_recordings += eng.unused()
    finally:
        run.close()
    briefing_cases = {c.name: c for c in cases if isinstance(c, BriefingCase)}
    report.totals = _totals(report.results)
    report.re_record = _re_record(report.results, briefing_cases)
    report.passed = all(r.status in ("pass", "skipped") for r in report.results) and not report.unused_recordings
    report.seconds = round(time.perf_counter() - started, 1)
    return report


def load_report(path: Path) -> EvalReport:
    try:
        return EvalReport.model_validate(json.loads(path.read_text(encoding="utf-8")))
    except (OSError, ValueError) as exc:
        raise ConfigError(f"baseline {path} is not an eval report: {exc}",
                          hint="write one with: dxprep eval -o report.json") from exc


def compare(report: EvalReport, baseline: EvalReport) -> list[Change]:
    """What changed since ``baseline``, metric by metric and case by case."""
    changes: list[Change] = []
    before = {r.name: r for r in baseline.results}
    for r in report.results:
        old = before.get(r.name)
        if old is None:
            changes.append(Change(case=r.name, metric="status", before="—", after=r.status, verdict="new"))
            continue
        if old.status != r.status:
            rank = {"pass": 2, "skipped": 1, "fail": 0, "error": 0}
            verdict = "better" if rank[r.status] > rank[old.status] else "worse" if rank[r.status] < rank[old.status] \
                else "changed"
            changes.append(Change(case=r.name, metric="status", before=old.status, after=r.status, verdict=verdict))
        for name, value in r.metrics.items():
            prev = old.metrics.get(name)
            if value is None or prev is None or isinstance(value, float) and math.isnan(value):
                continue
            a, b = float(prev), float(value)
            if math.isnan(a) or abs(a - b) <= 1e-9:
                continue
            direction = DIRECTIONS.get(name)
            if direction is None:
                v: Literal["better", "worse", "changed"] = "changed"
            else:
                v = "better" if (b > a) == (direction == "higher") else "worse"
            changes.append(Change(case=r.name, metric=name, before=prev, after=value, verdict=v))
    now = {r.name for r in report.results}
    changes += [Change(case=name, metric="status", before=old.status, after="—", verdict="gone")
                for name, old in before.items() if name not in now]
    return changes


class _Captured(Exception):
    def __init__(self, request: ModelRequest) -> None:
        super().__init__("captured")
        self.request = request


def capture_requests(cases_dir: Path | None = None, *, model: str,
                     workspace: Path | None = None) -> dict[str, ModelRequest]:
    """The exact request each briefing case sends to a model named ``model`` (nothing is called):
    what ``scripts/make_fixtures.py`` keys the hand-written fixtures with."""
    from dxprep.engines.base import FunctionEngine

    folder = cases_dir or default_cases_dir()
    run = _Run(folder, workspace, None, False)
    out: dict[str, ModelRequest] = {}

    def grab(request: ModelRequest) -> str:
        raise _Captured(request)

    try:
        for case in load_cases(folder):
            if not isinstance(case, BriefingCase):
                continue
            ws = run.ws(case.workspace, case.embedding)
            try:
                ws.brief(case.executive, date=case.date, minutes=case.minutes,
                         engine=FunctionEngine(grab, model=model), refresh_index=False)
            except _Captured as got:
                out[case.name] = got.request
    finally:
        run.close()
    return out
