"""Eval building blocks: case files, thresholds, prices, the recorder's redaction, QMSum scoring."""

from __future__ import annotations

import importlib.util
import json
import sys
from pathlib import Path

import pytest

from dxprep.engines.base import FunctionEngine, Message, ModelReply, ModelRequest, Usage
from dxprep.engines.recorder import RecordingEngine, origin_of, redact
from dxprep.errors import ConfigError
from dxprep.evals.cases import BriefingCase, QmsumCase, RetrievalCase, Threshold, load_cases
from dxprep.evals.prices import cost_usd, price_of
from dxprep.evals.qmsum import QmsumMeeting, QmsumQuery, score

ROOT = Path(__file__).resolve().parents[2]


def test_shipped_cases_load() -> None:
    cases = load_cases(ROOT / "evals" / "cases")
    kinds = {type(c) for c in cases}
    assert kinds == {BriefingCase, RetrievalCase, QmsumCase}
    adversarial = [c for c in cases if isinstance(c, BriefingCase) and c.adversarial]
    assert len(adversarial) == 8
    assert all(c.expect_error or c.expect_warning or c.thresholds for c in adversarial)
    offline = next(c for c in cases if c.name == "offline-pres-foodservice")
    assert isinstance(offline, BriefingCase)
    # defaults merge key by key: the case overrides two thresholds and keeps the rest
    assert offline.thresholds["sections"].min == 0.5 and offline.thresholds["leaks"].max == 0


def test_case_files_are_validated(tmp_path: Path) -> None:
    (tmp_path / "a.yaml").write_text("cases:\n- name: x\n  executive: cfo\n  date: 2026-11-28\n  colour: red\n")
    with pytest.raises(ConfigError, match="colour"):
        load_cases(tmp_path)
    (tmp_path / "a.yaml").write_text("cases:\n- {name: x, executive: cfo, date: 2026-11-28}\n"
                                     "- {name: x, executive: ceo, date: 2026-11-28}\n")
    with pytest.raises(ConfigError, match="duplicate"):
        load_cases(tmp_path)
    with pytest.raises(ConfigError, match="does not exist"):
        load_cases(tmp_path / "nope")


def test_thresholds() -> None:
    assert Threshold(min=1).check(True) and not Threshold(min=1).check(False)
    assert Threshold(max=0).check(0.0) and not Threshold(max=0).check(1.0)
    assert not Threshold(min=0).check(float("nan")) and not Threshold(min=0).check(None)
    assert Threshold(min=0.5, max=1).describe() == ">= 0.5 and <= 1"


def test_prices() -> None:
    assert price_of("gpt-4o-mini") == (0.15, 0.60)
    assert price_of("gpt-4o-mini-2024-07-18") == (0.15, 0.60)  # a snapshot costs what its family costs
    assert price_of("gpt-4o-2024-08-06") == (2.50, 10.00)
    assert price_of("my-local-llama") is None and cost_usd("my-local-llama", 10, 10) is None
    assert cost_usd("gpt-4o-mini", 1_000_000, 1_000_000) == pytest.approx(0.75)


def _request() -> ModelRequest:
    return ModelRequest(model="gpt-test", messages=[Message(role="system", content="s"),
                                                     Message(role="user", content="u  with   spaces")],
                        prompt_version="v1")


def test_recorder_writes_a_reviewable_file_without_secrets(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("OPENAI_API_KEY", "sk-envsecret-0123456789")
    inner = FunctionEngine(lambda req: ModelReply(text='{"talking_points": []} sk-leakedkey-abcdefghij Bearer tok12345678',
                                                  usage=Usage(prompt_tokens=10, completion_tokens=5), model="gpt-test"),
                           model="gpt-test")
    inner.api_key = "sk-ownsecret-0123456789"  # type: ignore[attr-defined]
    inner.base_url = "http://user:pw@127.0.0.1:8080/v1?token=abc"  # type: ignore[attr-defined]
    rec = RecordingEngine(inner, tmp_path, "my case")
    req = _request()
    reply = rec.draft(None, req)
    assert reply.usage.total == 15 and rec.name == inner.name and rec.model == "gpt-test"
    path = tmp_path / f"my-case-{req.key()}.json"
    assert rec.written == [path]
    text = path.read_text()
    data = json.loads(text)
    assert text == json.dumps(data, indent=2, sort_keys=True, ensure_ascii=False) + "\n"  # sorted, indent 2
    assert data["key"] == req.key() and data["request"] == req.normalized()
    assert data["response"]["usage"] == {"prompt_tokens": 10, "completion_tokens": 5}
    meta = data["metadata"]
    assert meta["origin"] == "recorded from gpt-test at http://127.0.0.1:8080/v1"
    assert meta["case"] == "my case" and meta["prompt_version"] == "v1" and meta["model"] == "gpt-test"
    for secret in ("sk-envsecret", "sk-ownsecret", "sk-leakedkey", "tok12345678", "user:pw", "token=abc"):
        assert secret not in text
    assert "authorization" not in text.lower()


def test_origin_defaults_to_api_openai_com() -> None:
    assert origin_of(FunctionEngine(lambda r: "", model="m"), "gpt-4o-mini") == "recorded from gpt-4o-mini at api.openai.com"
    assert redact("key sk-abcdefghijkl and hunter22", ["hunter22", "x"]) == "key [redacted] and [redacted]"


def test_qmsum_scoring_matches_the_benchmark() -> None:
    sys.path.insert(0, str(ROOT / "benchmarks"))
    try:
        spec = importlib.util.spec_from_file_location("_qmsum_data", ROOT / "benchmarks" / "_qmsum_data.py")
        assert spec and spec.loader
        bench = importlib.util.module_from_spec(spec)
        sys.modules["_qmsum_data"] = bench  # dataclasses look their module up while the class is built
        spec.loader.exec_module(bench)
    finally:
        sys.path.remove(str(ROOT / "benchmarks"))
        sys.modules.pop("_qmsum_data", None)
    text = "".join(f"[T{i}] **A:** " + " ".join(["word"] * 300) + "\n" for i in range(10))
    spans = bench.parse_turn_spans(text)
    ours = QmsumMeeting("m1", "Product", text, spans)
    theirs = bench.Meeting("m1", "Product", text, spans)
    q_ours = QmsumQuery("q", "m1", "Product", "what", (2, 7))
    q_theirs = bench.Query("q", "m1", "Product", "what", (2, 7))
    start = lambda t: spans[t][0]  # noqa: E731
    hits = [bench.Hit("m2", 0, 10, "x"), bench.Hit("m1", start(7), start(8), text[start(7):start(8)]),
            bench.Hit("m1", start(1), start(3), text[start(1):start(3)]), bench.Hit("m1", start(2), start(3), "y")]
    for cut in (1, 2, 3, 4):
        expected = bench.score_query(q_theirs, theirs, hits[:cut], 0.0, word_budget=1500)
        assert score(q_ours, ours, hits[:cut]) == (expected.hit_at_5, expected.turn_recall)
