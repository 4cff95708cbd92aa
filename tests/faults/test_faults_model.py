"""A failing model service (the local OpenAI-compatible test server, 127.0.0.1 only).

Every fault: the server counts the requests (never more than 1 + max_retries), the call
ends within a bound computed from the timeout, and the outcome is a valid briefing (the
fault was transient) or one clear EngineError; with ``--fallback offline`` a failed call
gives the offline briefing, marked so. Through the CLI: a failure writes no file at all
(the output folder is unchanged, no temporary file left) and prints one error line and a hint.
"""

from __future__ import annotations

import json
import shutil
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import faultkit
import pytest
from typer.testing import CliRunner

from dxprep.api import Workspace
from dxprep.engines import base
from dxprep.engines.openai import OpenAIEngine
from dxprep.errors import EngineError
from fake_openai import FakeOpenAI, fake_openai

pytestmark = [pytest.mark.enable_socket, pytest.mark.allow_hosts(["127.0.0.1"])]

DAY = "2026-11-28"
TIMEOUT = 0.4
RETRIES = 2

_POINT = {"headline": "Payback on the ERP upgrade", "why_it_matters": "It is your budget.",
          "evidence": "The cost model came in above estimate.", "ask": "Decide on funding", "citations": [1]}
GOOD = json.dumps({
    "talking_points": [_POINT, {**_POINT, "headline": "Second point"}, {**_POINT, "headline": "Third point"}],
    "questions_to_ask": ["What changed?", "What worries you?", "Where is IT slow?"],
    "likely_questions": [{"question": "Why late?", "answer": "Vendor delay.", "citations": [1]}],
    "hard_conversations": [], "agenda": [{"minutes": 30, "topic": "All of it"}], "whats_new_summaries": {},
})
WRONG_SCHEMA = json.dumps({"talking_points": "none", "agenda": 5})

#: (case, the server's script, "ok" or the error's pattern, requests the server must see)
CASES: list[tuple[str, list[tuple[Any, ...]], str, int]] = [
    ("timeout", [("sleep", 3, GOOD)] * 3, r"after 3 attempts: no answer within 0\.4 s", 3),
    ("no-answer-at-all", [("hang",)] * 3, r"after 3 attempts: no answer within", 3),
    ("429-then-ok", [("status", 429, {"Retry-After": "0"}), ("ok", GOOD)], "ok", 2),
    ("429-retry-after-beyond-timeout", [("status", 429, {"Retry-After": "30"})], r"HTTP 429.*asks to wait 30 s", 1),
    ("429-always", [("status", 429, {"Retry-After": "0"})] * 3, r"after 3 attempts: HTTP 429 \(rate limited\)", 3),
    ("500-then-ok", [("status", 500, {}), ("ok", GOOD)], "ok", 2),
    ("500-always", [("status", 500, {})] * 3, r"after 3 attempts: HTTP 500", 3),
    ("503-then-ok", [("status", 503, {"Retry-After": "0"}), ("ok", GOOD)], "ok", 2),
    ("dropped-then-ok", [("drop",), ("ok", GOOD)], "ok", 2),
    ("dropped-always", [("drop",)] * 3, r"after 3 attempts: the connection failed or was cut", 3),
    ("slow-body-trickle", [("trickle", GOOD, 0.005)] * 3, r"after 3 attempts: no complete answer within 0\.4 s", 3),
    ("truncated-body", [("truncate", GOOD, 40)] * 3, r"after 3 attempts: the connection failed or was cut .*complete message body", 3),
    ("malformed-json-body", [("raw", b'{"id": "chatcmpl-x", "choices": [')], r"not a usable OpenAI response", 1),
    ("content-not-json", [("ok", "Sure! Here is your briefing: talk about the ERP.")], r"not valid JSON", 1),
    ("content-wrong-schema", [("ok", WRONG_SCHEMA)], r"does not match the briefing schema", 1),
    ("400-not-retried", [("status", 400, {})], r"HTTP 400", 1),
]


def test_wrong_schema_error_has_a_hint(ws: Workspace, server: FakeOpenAI) -> None:
    server.script = [("ok", WRONG_SCHEMA)]
    with pytest.raises(EngineError) as info:
        ws.brief("cfo", date=_day(), refresh_index=False, engine=_engine(server))
    assert info.value.hint and "--fallback offline" in info.value.hint


def _bound(requests: int) -> float:
    """The longest a call may take: every attempt to its deadline, every backoff, and slack."""
    return requests * (TIMEOUT + 0.25) + (requests - 1) * TIMEOUT + 2.0


@pytest.fixture(scope="module")
def ws_path(tmp_path_factory: pytest.TempPathFactory) -> Path:
    root = faultkit.copy_corpus(tmp_path_factory.mktemp("model") / "corpus")
    Workspace(root, embedding="hash").ingest()
    return root


@pytest.fixture(scope="module")
def ws(ws_path: Path) -> Workspace:
    return Workspace(ws_path, embedding="hash", remote=True)  # the sample says remote = false


@pytest.fixture(scope="module")
def _warm_client() -> None:
    """One call with a generous timeout first: the first call in a process imports and sets up
    the HTTP stack, which a 0.4 s deadline would count (the engine builds its client outside the
    deadline, but the first request still pays for lazy imports)."""
    saved = base.ALLOW_MODEL_REQUESTS
    base.ALLOW_MODEL_REQUESTS = True
    try:
        with fake_openai() as fake:
            fake.script = [("ok", GOOD)]
            from dxprep.engines.base import Message, ModelRequest

            req = ModelRequest(model="gpt-test", messages=[Message(role="user", content="hi")], json_schema={},
                               prompt_version="warm-up")
            OpenAIEngine("gpt-test", base_url=fake.url, api_key="sk-test", timeout=30, max_retries=0).draft(None, req)
    finally:
        base.ALLOW_MODEL_REQUESTS = saved


@pytest.fixture
def server(monkeypatch: pytest.MonkeyPatch, _warm_client: None) -> Iterator[FakeOpenAI]:
    monkeypatch.setattr(base, "ALLOW_MODEL_REQUESTS", True)
    with fake_openai() as fake:
        yield fake


def _engine(server: FakeOpenAI, retries: int = RETRIES) -> OpenAIEngine:
    return OpenAIEngine("gpt-test", base_url=server.url, api_key="sk-test", timeout=TIMEOUT, max_retries=retries)


@pytest.mark.parametrize(("script", "outcome", "requests"), [c[1:] for c in CASES], ids=[c[0] for c in CASES])
def test_each_fault_is_retried_within_bounds_then_answers_or_fails_clearly(
        ws: Workspace, server: FakeOpenAI, script: list[tuple[Any, ...]], outcome: str, requests: int) -> None:
    server.script = list(script)
    t0 = time.monotonic()
    if outcome == "ok":
        b = ws.brief("cfo", date=_day(), refresh_index=False, engine=_engine(server))
        assert b.header.engine == "openai:gpt-test" and not b.header.drafted_without_model
        assert b.talking_points[0].headline == "Payback on the ERP upgrade"
        assert not any("drafted offline" in w for w in b.warnings)
    else:
        with pytest.raises(EngineError, match=outcome) as info:
            ws.brief("cfo", date=_day(), refresh_index=False, engine=_engine(server))
        assert info.value.hint and "--fallback offline" in info.value.hint
        assert "\n" not in info.value.message and len(info.value.message) < 600
    elapsed = time.monotonic() - t0
    assert len(server.requests) == requests <= 1 + RETRIES
    assert elapsed < _bound(requests), f"{elapsed:.1f} s"
    time.sleep(0.05)
    assert len(server.requests) == requests  # an abandoned attempt never sends another request


#: Each fault above ends in an EngineError, which is what the fallback catches; these kinds are
#: also run through the fallback itself.
FALLBACK = ["timeout", "429-retry-after-beyond-timeout", "dropped-always", "slow-body-trickle",
            "malformed-json-body", "content-wrong-schema"]


@pytest.mark.parametrize("script", [next(c[1][:1] for c in CASES if c[0] == k) for k in FALLBACK], ids=FALLBACK)
def test_fallback_offline_after_a_failure_is_marked(ws: Workspace, server: FakeOpenAI,
                                                    script: list[tuple[Any, ...]]) -> None:
    server.script = list(script)
    b = ws.brief("cfo", date=_day(), refresh_index=False,
                                                   engine=_engine(server, retries=0), fallback="offline")
    assert len(server.requests) == 1
    assert b.header.drafted_without_model and b.header.engine == "offline"
    (warning,) = [w for w in b.warnings if "drafted offline" in w]
    assert warning.startswith("openai:gpt-test failed") and "this briefing was drafted offline instead" in warning
    assert b.talking_points  # a full offline briefing, not an empty one


def _day() -> Any:
    import datetime as dt

    return dt.date.fromisoformat(DAY)


# --------------------------------------------------------------------------- through the CLI


class _QuickEngine(OpenAIEngine):
    """What ``--engine openai:<model>`` builds, with the test's small timeout and retries."""

    def __init__(self, model: str, **kw: Any) -> None:
        kw.update(timeout=TIMEOUT, max_retries=1)
        super().__init__(model, **kw)


@pytest.fixture
def cli(server: FakeOpenAI, monkeypatch: pytest.MonkeyPatch, ws_path: Path, tmp_path: Path) -> dict[str, Any]:
    import dxprep.engines.openai

    monkeypatch.setattr(dxprep.engines.openai, "OpenAIEngine", _QuickEngine)
    out = tmp_path / "out"
    out.mkdir()
    (out / "keep.txt").write_text("the folder's only file\n")
    env = {"DXPREP_EMBEDDING": "hash", "DXPREP_OPENAI_BASE_URL": server.url, "OPENAI_API_KEY": "sk-test",
           "DXPREP_REMOTE": "true"}
    return {"out": out, "env": env}


def _folders(ws: Path, out: Path) -> dict[str, Any]:
    return {"out": faultkit.tree_digest(out), "ws": faultkit.tree_digest(ws)}


@pytest.mark.parametrize(("fault", "fmt"), [("500-always", "docx"), ("slow-body-trickle", "json"),
                                            ("content-wrong-schema", "md"), ("dropped-always", "docx")])
def test_cli_failed_call_writes_no_file(ws_path: Path, server: FakeOpenAI, cli: dict[str, Any], fault: str,
                                        fmt: str) -> None:
    from dxprep.cli import app

    script = next(c[1] for c in CASES if c[0] == fault)
    server.script = list(script)
    before = _folders(ws_path, cli["out"])
    for target in (["-o", str(cli["out"] / f"brief.{fmt}")], []):  # an explicit path, and the default one
        result = CliRunner().invoke(app, ["brief", "cfo", "-w", str(ws_path), "--date", DAY, "--format", fmt,
                                          "--engine", "openai:gpt-test", *target], env=cli["env"])
        assert result.exit_code == 1, result.output
        lines = result.stderr.strip().splitlines()
        assert lines[0].startswith("error: "), lines
        assert lines[-1].startswith("hint:"), lines
        if fault != "content-wrong-schema":  # that one is the pipeline's: the call itself succeeded
            assert lines[0].startswith("error: openai:gpt-test failed"), lines
        assert len(lines) <= 4 and "Traceback" not in result.output
        assert result.stdout == ""
        server.script = list(script)
    assert _folders(ws_path, cli["out"]) == before  # nothing written, no temporary file left
    assert not (ws_path / "briefings").exists()
    assert len(server.requests) <= 2 * 2


def test_cli_fallback_offline_writes_the_offline_briefing_marked_so(ws_path: Path, server: FakeOpenAI,
                                                                    cli: dict[str, Any]) -> None:
    from dxprep.cli import app

    server.script = [("status", 500, {})] * 2
    target = cli["out"] / "brief.docx"
    result = CliRunner().invoke(app, ["brief", "cfo", "-w", str(ws_path), "--date", DAY, "-o", str(target),
                                      "--engine", "openai:gpt-test", "--fallback", "offline"], env=cli["env"])
    assert result.exit_code == 0, result.output
    assert result.stdout.strip() == str(target)
    assert "drafted offline" in result.stderr and "HTTP 500" in result.stderr
    assert len(server.requests) == 2
    import docx

    text = "\n".join(p.text for p in docx.Document(str(target)).paragraphs)
    tables = "\n".join(c.text for t in docx.Document(str(target)).tables for r in t.rows for c in r.cells)
    assert "drafted offline" in text + tables
    assert sorted(p.name for p in cli["out"].iterdir()) == ["brief.docx", "keep.txt"]
    server.script = [("ok", WRONG_SCHEMA)]
    as_json = CliRunner().invoke(app, ["brief", "cfo", "-w", str(ws_path), "--date", DAY, "--format", "json",
                                       "-o", "-", "--engine", "openai:gpt-test", "--fallback", "offline"],
                                 env=cli["env"])
    assert as_json.exit_code == 0, as_json.output
    data = json.loads(as_json.stdout)
    assert data["header"]["drafted_without_model"] is True and data["header"]["engine"] == "offline"
    assert any("drafted offline" in w and "schema" in w for w in data["warnings"])


def test_cli_in_a_subprocess_with_default_retries_is_bounded(ws_path: Path, server: FakeOpenAI,
                                                             tmp_path: Path) -> None:
    """The real command, its real defaults (3 retries): 4 requests, exit 1, no file."""
    server.script = [("status", 500, {"Retry-After": "0"})] * 10
    out = tmp_path / "o"
    out.mkdir()
    exe = shutil.which("dxprep", path=str(Path(sys.executable).parent)) or "dxprep"
    proc = subprocess.run([exe, "brief", "cfo", "-w", str(ws_path), "--date", DAY, "-o", str(out / "b.docx"),
                           "--engine", "openai:gpt-test"], capture_output=True, text=True, timeout=60,
                          env=faultkit.subprocess_env(DXPREP_OPENAI_BASE_URL=server.url, OPENAI_API_KEY="sk-test",
                                                      DXPREP_REMOTE="true"))
    assert proc.returncode == 1, proc.stderr
    assert len(server.requests) == 4
    assert "after 4 attempts: HTTP 500" in proc.stderr and "hint:" in proc.stderr
    assert "Traceback" not in proc.stderr
    assert list(out.iterdir()) == []
