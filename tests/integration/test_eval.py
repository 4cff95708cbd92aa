"""The eval suite end to end: shipped cases and fixtures, adversarial detection, degraded
briefings, the recorder against a local OpenAI-compatible server, and ``dxprep eval``."""

from __future__ import annotations

import datetime as dt
import importlib.util
import json
import re
import shutil
from pathlib import Path
from typing import Any

import pytest
import typer
import yaml
from typer.testing import CliRunner

from dxprep.api import Workspace
from dxprep.briefing.model import Briefing
from dxprep.engines import base
from dxprep.engines.base import FunctionEngine, ModelRequest
from dxprep.engines.openai import OpenAIEngine
from dxprep.engines.recorder import RecordingEngine
from dxprep.engines.replay import ReplayEngine
from dxprep.evals.cases import BriefingCase, load_cases
from dxprep.evals.evaluators import (
    CitationValidity,
    CommitmentsRecall,
    Contradictions,
    EvalContext,
    Grounding,
    LeakCheck,
)
from dxprep.evals.runner import EvalReport, capture_requests, run_eval
from fake_openai import fake_openai

ROOT = Path(__file__).resolve().parents[2]
CASES = ROOT / "evals" / "cases"
DAY = dt.date(2026, 11, 28)


@pytest.fixture(scope="module")
def report() -> EvalReport:
    return run_eval(CASES, workspace=ROOT / "corpus")


def _app() -> typer.Typer:
    from dxprep.cli import eval_cmd

    app = typer.Typer(add_completion=False)

    @app.callback()
    def _root() -> None:
        """dxprep (test harness: the lead wires eval into dxprep.cli)."""

    eval_cmd.register(app)
    return app


def test_shipped_suite_passes(report: EvalReport) -> None:
    failures = {r.name: r.failures for r in report.results if r.status not in ("pass", "skipped")}
    assert report.passed, failures
    assert report.unused_recordings == []
    names = {r.name for r in report.results}
    assert {"offline-cfo", "model-cfo", "adv-empty", "corpus-questions", "qmsum-dev"} <= names
    assert report.seconds < 60


@pytest.mark.parametrize("name", ["adv-malformed-json", "adv-truncated", "adv-invented-citations", "adv-contradiction",
                                  "adv-confidential-leak", "adv-planted-instruction", "adv-refusal", "adv-empty"])
def test_each_adversarial_fixture_is_caught(report: EvalReport, name: str) -> None:
    result = report.result(name)
    assert result is not None and result.status == "pass", result
    assert result.caught, f"{name}: the report does not say what caught it"
    how = {"adv-malformed-json": "error: .*not valid JSON", "adv-truncated": "error: .*truncated",
           "adv-invented-citations": "warning: removed invented citation", "adv-contradiction": "warning: dropped talking point .*calls on track what its source calls late",
           "adv-confidential-leak": "warning: .*may not see", "adv-planted-instruction": "planted.*evaluator: leaks",
           "adv-refusal": "error: .*refused", "adv-empty": "error: .*empty answer"}[name]
    assert re.search(how, result.caught), result.caught


def test_fixtures_are_honest_about_their_origin() -> None:
    for path in (ROOT / "tests" / "fixtures" / "recorded").rglob("*.json"):
        meta = json.loads(path.read_text())["metadata"]
        assert meta["origin"].startswith(("recorded from ", "written by hand")), path
        assert "authorization" not in path.read_text().lower() and "sk-" not in path.read_text()


def _make_fixtures() -> Any:
    spec = importlib.util.spec_from_file_location("make_fixtures", ROOT / "scripts" / "make_fixtures.py")
    assert spec and spec.loader
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def test_fixtures_are_up_to_date(capsys: pytest.CaptureFixture[str]) -> None:
    """Fails when a prompt, the retriever or the corpus changed the requests: re-run the script."""
    assert _make_fixtures().main(["--check"]) == 0, capsys.readouterr().out


def _one_case_dir(tmp_path: Path, case: dict[str, Any]) -> Path:
    folder = tmp_path / "cases"
    folder.mkdir(exist_ok=True)
    (folder / "case.yaml").write_text(yaml.safe_dump({"cases": [case]}))
    return folder


def test_stale_and_unused_recordings_fail_the_run(tmp_path: Path) -> None:
    rec = tmp_path / "rec"
    shutil.copytree(ROOT / "tests" / "fixtures" / "recorded", rec, ignore=shutil.ignore_patterns("adversarial"))
    # the same executive three days later: the request changed, so the recording is stale
    cases = _one_case_dir(tmp_path, {"name": "model-cfo", "workspace": str(ROOT / "corpus"), "executive": "cfo",
                                     "date": "2026-12-01", "engine": f"replay:{rec}"})
    stale = run_eval(cases)
    result = stale.results[0]
    assert result.status == "error" and "nearest recording" in result.failures[0]
    assert "messages" in result.failures[0]
    assert not stale.passed and len(stale.unused_recordings) == 3  # nothing matched: all three unused
    # the right date: the cfo recording is used, the two others are reported unused
    (cases / "case.yaml").write_text((cases / "case.yaml").read_text().replace("2026-12-01", "2026-11-28"))
    unused = run_eval(cases)
    assert unused.results[0].status == "pass"
    assert sorted(Path(p).name.split("-")[1] for p in unused.unused_recordings) == ["coo", "svp"]
    assert not unused.passed


# ---------------------------------------------------------------------------------- degraded briefings
@pytest.fixture(scope="module")
def cfo_ctx(tmp_path_factory: pytest.TempPathFactory) -> EvalContext:
    root = tmp_path_factory.mktemp("degrade") / "corpus"
    shutil.copytree(ROOT / "corpus", root, ignore=shutil.ignore_patterns(".dxprep", "briefings"))
    ws = Workspace(root, embedding="hash")
    ws.ingest()
    case = next(c for c in load_cases(CASES) if c.name == "offline-cfo")
    assert isinstance(case, BriefingCase)
    return EvalContext(case=case, briefing=ws.brief("cfo", date=DAY, refresh_index=False), workspace=ws)


def _with(ctx: EvalContext, briefing: Briefing) -> EvalContext:
    return EvalContext(case=ctx.case, briefing=briefing, workspace=ctx.workspace)


def test_degraded_briefings_move_the_right_evaluator(cfo_ctx: EvalContext) -> None:
    good = cfo_ctx.briefing
    recall, cites, leaks = CommitmentsRecall(), CitationValidity(), LeakCheck()
    grounding, contradictions = Grounding(), Contradictions()
    assert recall.evaluate(cfo_ctx) == 1.0 and cites.evaluate(cfo_ctx) == 1.0 and leaks.evaluate(cfo_ctx) == 0
    assert grounding.evaluate(cfo_ctx) == 1.0 and contradictions.evaluate(cfo_ctx) == 0

    # a commitment removed
    fewer = good.model_copy(update={"open_commitments": good.open_commitments[1:]})
    assert recall.evaluate(_with(cfo_ctx, fewer)) < 1.0
    # a citation broken: a number with no source, and a source whose text is not the file's
    point = good.talking_points[0]
    broken = good.model_copy(update={"talking_points": [point.model_copy(update={"citations": [999]}),
                                                        *good.talking_points[1:]]})
    assert cites.evaluate(_with(cfo_ctx, broken)) < 1.0
    edited = good.model_copy(update={"sources": [good.sources[0].model_copy(update={"text": "made up"}),
                                                 *good.sources[1:]]})
    assert cites.evaluate(_with(cfo_ctx, edited)) < 1.0
    # a leak inserted: the confidential note's secret, then a quote from it
    leaky = good.model_copy(update={"questions_to_ask": [*good.questions_to_ask, "How is Project Larkspur going?"]})
    ctx = _with(cfo_ctx, leaky)
    assert leaks.evaluate(ctx) >= 1 and "Project Larkspur" in ctx.notes["leaks"]
    quoting = good.model_copy(update={"likely_questions": [*good.likely_questions, good.likely_questions[0].model_copy(
        update={"answer": "The board intends to close the Sparta cheese plant by September 2027 and move its volume"})]})
    ctx = _with(cfo_ctx, quoting)
    assert leaks.evaluate(ctx) >= 1 and "2026-11-12-ceo.md" in ctx.notes["leaks"]
    # an unsupported claim (neither the words nor the meaning of its source), and a contradicted one
    unrelated = good.model_copy(update={"talking_points": [point.model_copy(update={
        "evidence": "Our cafeteria will serve a new vegetarian menu every Friday from spring."}), *good.talking_points[1:]]})
    ctx = _with(cfo_ctx, unrelated)
    assert grounding.evaluate(ctx) < 1.0 and "cosine" in ctx.notes["grounding"]
    wms = next(s for s in good.sources if "WMS Dubuque is red" in s.text or "Red — late" in s.text)
    contra = good.model_copy(update={"talking_points": [point.model_copy(update={
        "evidence": "The project is on track and on schedule.", "citations": [wms.n]}), *good.talking_points[1:]]})
    assert contradictions.evaluate(_with(cfo_ctx, contra)) >= 1
    invented = good.model_copy(update={"talking_points": [point.model_copy(update={
        "evidence": point.evidence + " It saves $9.9M a year."}), *good.talking_points[1:]]})
    ctx = _with(cfo_ctx, invented)
    assert contradictions.evaluate(ctx) >= 1 and "9.9" in ctx.notes["contradictions"]


# ---------------------------------------------------------------------------------- recorder end to end
def _draft_for(request: ModelRequest) -> str:
    numbers = [int(n) for n in re.findall(r"^\[(\d+)\] ", request.messages[-1].content, re.MULTILINE)]
    point = {"headline": "Budget discipline on Keystone", "why_it_matters": "It is your budget.",
             "evidence": "The ERP cost model is in.", "ask": "Decide on funding", "citations": numbers[:2]}
    return json.dumps({"talking_points": [point, {**point, "headline": "Second"}, {**point, "headline": "Third"}],
                       "questions_to_ask": ["What changed?", "What worries you?", "Where is IT slow?"],
                       "likely_questions": [{"question": "Why late?", "answer": "Vendor.", "citations": numbers[:1]}],
                       "hard_conversations": [], "agenda": [{"minutes": 30, "topic": "All"}],
                       "whats_new_summaries": {}})


@pytest.mark.enable_socket
@pytest.mark.allow_hosts(["127.0.0.1"])
def test_record_through_the_real_client_then_replay(cfo_ctx: EvalContext, tmp_path: Path,
                                                    monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(base, "ALLOW_MODEL_REQUESTS", True)
    ws = cfo_ctx.workspace
    ws = type(ws)(ws.root, embedding=ws.settings.embedding, remote=True)  # the sample says remote = false
    captured: list[ModelRequest] = []
    ws.brief("cfo", date=DAY, refresh_index=False,
             engine=FunctionEngine(lambda r: captured.append(r) or _draft_for(r), model="gpt-test"))
    secret = "sk-test-DO-NOT-WRITE-0123456789"
    folder = tmp_path / "recorded"
    with fake_openai() as server:
        server.script = [("ok", _draft_for(captured[0]))]
        inner = OpenAIEngine("gpt-test", base_url=server.url, api_key=secret, timeout=5, max_retries=0)
        recorded = ws.brief("cfo", date=DAY, refresh_index=False, engine=RecordingEngine(inner, folder, "cfo"))
        headers = {k.lower(): v for k, v in server.requests[-1]["headers"].items()}
        assert headers["authorization"] == f"Bearer {secret}"  # it was sent...
    files = list(folder.glob("*.json"))
    assert [f.name for f in files] == [f"cfo-{captured[0].key()}.json"]
    text = files[0].read_text()
    assert secret not in text and "Bearer" not in text and "authorization" not in text.lower()  # ...never written
    meta = json.loads(text)["metadata"]
    assert meta["origin"] == f"recorded from gpt-test at {server.url}" and meta["model"] == "gpt-test"
    assert json.loads(text)["response"]["usage"] == {"prompt_tokens": 1200, "completion_tokens": 400}
    monkeypatch.setattr(base, "ALLOW_MODEL_REQUESTS", False)
    replay = ReplayEngine(folder)
    replayed = ws.brief("cfo", date=DAY, refresh_index=False, engine=replay)
    assert replay.unused() == []

    def comparable(b: Briefing) -> dict[str, Any]:
        data = b.model_dump(mode="json")
        data["header"].pop("generated_at")
        data["header"].pop("engine")
        return data

    assert comparable(replayed) == comparable(recorded)
    assert recorded.talking_points[0].headline == "Budget discipline on Keystone"


@pytest.mark.enable_socket
@pytest.mark.allow_hosts(["127.0.0.1"])
def test_cli_record_then_replay(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(base, "ALLOW_MODEL_REQUESTS", True)
    rec = tmp_path / "rec"
    cases = _one_case_dir(tmp_path, {"name": "model-cfo", "workspace": str(ROOT / "corpus"), "executive": "cfo",
                                     "date": "2026-11-28", "engine": f"replay:{rec}",
                                     "thresholds": {"citation_validity": {"min": 1.0}, "leaks": {"max": 0}}})
    rec.mkdir()
    (rec / f"model-cfo-{'0' * 16}.json").write_text('{"key": "old", "response": {"text": ""}}')  # superseded
    request = capture_requests(cases, model="gpt-test")["model-cfo"]
    runner = CliRunner()
    with fake_openai() as server:
        server.script = [("ok", _draft_for(request))]
        env = {"DXPREP_REMOTE": "true", "DXPREP_OPENAI_BASE_URL": server.url, "OPENAI_API_KEY": "sk-cli-secret-0123456789"}
        out = runner.invoke(_app(), ["eval", "--cases", str(cases), "--engine", "openai:gpt-test", "--record",
                                     "--format", "json"], env=env)
    assert out.exit_code == 0, out.output
    data = json.loads(out.stdout)
    assert data["passed"] and data["results"][0]["recorded"]
    assert [p.name for p in rec.glob("*.json")] == [f"model-cfo-{request.key()}.json"]  # the old one pruned
    assert "sk-cli-secret" not in (rec / f"model-cfo-{request.key()}.json").read_text()
    monkeypatch.setattr(base, "ALLOW_MODEL_REQUESTS", False)
    again = runner.invoke(_app(), ["eval", "--cases", str(cases), "--format", "json"])
    assert again.exit_code == 0, again.output
    replayed = json.loads(again.stdout)
    assert replayed["results"][0]["metrics"] == data["results"][0]["metrics"]
    assert replayed["re_record"]["calls"] == 1 and replayed["re_record"]["prompt_tokens"] == 1200


# ---------------------------------------------------------------------------------- the command
def test_cli_eval_passes_on_shipped_cases_offline_and_replay(tmp_path: Path) -> None:
    runner = CliRunner()
    first = tmp_path / "report.json"
    out = runner.invoke(_app(), ["eval", "-w", str(ROOT / "corpus"), "-o", str(first)])
    assert out.exit_code == 0, out.output
    assert "evaluator × case" in out.stdout and "passed" in out.stdout and "Re-recording" in out.stdout
    saved = json.loads(first.read_text())
    assert saved["passed"] and {r["engine"].split(":")[0] for r in saved["results"] if r["engine"]} == {"offline",
                                                                                                         "replay"}
    # a baseline that was worse on one metric and better on another
    base_report = json.loads(first.read_text())
    cfo = next(r for r in base_report["results"] if r["name"] == "offline-cfo")
    cfo["metrics"]["commitments_recall"] = 0.5
    cfo["metrics"]["leaks"] = 0.0
    next(r for r in base_report["results"] if r["name"] == "offline-coo")["metrics"]["grounding"] = 0.2
    model = next(r for r in base_report["results"] if r["name"] == "model-cfo")
    model["metrics"]["contradictions"] = -1.0
    baseline = tmp_path / "baseline.json"
    baseline.write_text(json.dumps(base_report))
    offline = runner.invoke(_app(), ["eval", "-w", str(ROOT / "corpus"), "--engine", "offline",
                                     "--baseline", str(baseline), "--format", "json"])
    assert offline.exit_code == 0, offline.output
    data = json.loads(offline.stdout)
    assert next(r for r in data["results"] if r["name"] == "model-cfo")["engine"] == "offline"
    verdicts = {(c["case"], c["metric"]): c["verdict"] for c in data["vs_baseline"]}
    assert verdicts[("offline-cfo", "commitments_recall")] == "better"
    assert verdicts[("offline-coo", "grounding")] == "better"
    assert verdicts[("model-cfo", "contradictions")] == "worse"
    assert verdicts[("model-cfo", "tokens")] == "changed"  # offline: no tokens


def test_cli_eval_exits_non_zero_when_a_threshold_fails(tmp_path: Path) -> None:
    cases = _one_case_dir(tmp_path, {"name": "too-strict", "workspace": str(ROOT / "corpus"), "executive": "cfo",
                                     "date": "2026-11-28", "thresholds": {"tokens": {"min": 1}}})
    out = CliRunner().invoke(_app(), ["eval", "--cases", str(cases)])
    assert out.exit_code == 1
    assert "too-strict: tokens = 0, wants >= 1" in out.stdout and "FAILED" in out.stdout
    bad = CliRunner().invoke(_app(), ["eval", "--cases", str(tmp_path / "none")])
    assert bad.exit_code == 2 and "does not exist" in bad.stderr
    rec = CliRunner().invoke(_app(), ["eval", "--cases", str(cases), "--record"])
    assert rec.exit_code == 2 and "--record needs" in rec.stderr
