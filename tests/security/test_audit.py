"""Private data end to end: what a remote model or embedding service receives is redacted,
the briefing gets the originals back, and every call leaves one line in .dxprep/audit.jsonl
(no key, no text). Also the `dxprep audit` command."""

from __future__ import annotations

import datetime as dt
import hashlib
import json
import multiprocessing
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

import pytest
from typer.testing import CliRunner

from dxprep.api import Workspace
from dxprep.audit import AuditLog, audit_path, evidence_sources, payload_sha256, read_audit
from dxprep.engines import base, resolve_engine
from dxprep.engines.guard import RedactingEngine
from dxprep.errors import ConfigError, EmbeddingError, EngineError
from fake_openai import fake_openai

SENTINEL = "sk-SENTINEL-never-in-any-file-0123456789"
EMAIL = "ap.lead@harlan-example.com"
PHONE = "+1 (415) 555-0132"
CARD = "4111 1111 1111 1111"
IBAN = "DE89 3704 0044 0532 0130 00"
PLANTED = (EMAIL, PHONE, CARD, IBAN)
DAY = dt.date(2026, 11, 28)

STAKEHOLDERS = """\
organization: Example Corp
it_leader: {name: Sam Rivera, title: CIO}
business_units:
  - {id: finance, name: Finance}
executives:
  - {id: cfo, name: Dana Ortiz, title: Chief Financial Officer, role: CFO, business_unit: finance,
     aliases: [Dana]}
"""
NOTE = f"""\
---
date: 2026-10-14
executive: cfo
type: one-on-one
---
# Monthly IT–Finance dialogue

## Goals
- Move supplier payments to the new account {IBAN} by Q3 2027; questions to {EMAIL}.

## Concerns
- A corporate card {CARD} was used for an unapproved SaaS tool; call {PHONE} to cancel it.

## Action items
- [ ] IT (Sam): cost model for the ERP upgrade, due 2026-11-15
"""
MATERIAL = """\
---
title: ERP upgrade status
date: 2026-11-02
doc_type: project-status
business_units: [finance]
---
# ERP upgrade

The ERP upgrade is late: go-live moves from 2026-11-05 to 2027-01-15, $4.2M over plan.
Payment runs for suppliers keep working on the old platform until then.
"""


def make_workspace(root: Path, **toml: Any) -> Path:
    (root / "notes").mkdir(parents=True)
    (root / "material").mkdir()
    (root / "stakeholders.yaml").write_text(STAKEHOLDERS, encoding="utf-8")
    (root / "notes" / "2026-10-14 cfo.md").write_text(NOTE, encoding="utf-8")
    (root / "material" / "erp-status.md").write_text(MATERIAL, encoding="utf-8")
    lines = ["[dxprep]", "remote = true", *(f'{k} = {json.dumps(v)}' for k, v in toml.items())]
    (root / "dxprep.toml").write_text("\n".join(lines) + "\n", encoding="utf-8")
    return root


def echo_draft() -> str:
    """A model answer that repeats the placeholders it was given."""
    point = {"headline": "Supplier payments move to [IBAN_1]",
             "why_it_matters": "You asked for it; questions go to [EMAIL_1].",
             "evidence": "Card [CARD_1] must be cancelled by calling [PHONE_1].",
             "ask": "Confirm the cut-over date", "citations": [1]}
    return json.dumps({
        "talking_points": [point, {**point, "headline": "Second point"}, {**point, "headline": "Third point"}],
        "questions_to_ask": ["What changed?", "What worries you?", "Where is IT slow?"],
        "likely_questions": [{"question": "Why late?", "answer": "Vendor delay.", "citations": [1]}],
        "hard_conversations": [], "agenda": [{"minutes": 30, "topic": "All of it"}], "whats_new_summaries": {},
    })


def state_files(root: Path) -> str:
    out = []
    for path in sorted((root / ".dxprep").rglob("*")):
        if path.is_file():
            out.append(path.read_bytes().decode("utf-8", "replace"))
    return "\n".join(out)


# ------------------------------------------------------------------ chat, end to end
@pytest.mark.enable_socket
@pytest.mark.allow_hosts(["127.0.0.1"])
def test_briefing_sends_redacted_text_restores_it_and_audits(tmp_path: Path,
                                                            monkeypatch: pytest.MonkeyPatch) -> None:
    from dxprep.cli import app

    monkeypatch.setattr(base, "ALLOW_MODEL_REQUESTS", True)
    root = make_workspace(tmp_path / "ws", embedding="hash")
    out = tmp_path / "brief.md"
    with fake_openai() as server:
        server.script = [("ok", echo_draft())]
        result = CliRunner().invoke(
            app, ["brief", "cfo", "-w", str(root), "--date", DAY.isoformat(), "--engine", "openai:gpt-test",
                  "--format", "md", "-o", str(out)],
            env={"OPENAI_API_KEY": SENTINEL, "DXPREP_OPENAI_BASE_URL": server.url})
        assert result.exit_code == 0, result.output
        assert len(server.requests) == 1
        received = json.dumps(server.requests[0]["body"], ensure_ascii=False)
    # the server saw placeholders, never the values
    for value in PLANTED:
        assert value not in received, value
    for placeholder in ("[EMAIL_1]", "[PHONE_1]", "[CARD_1]", "[IBAN_1]"):
        assert placeholder in received
    # the briefing written has the originals back where the model echoed placeholders
    text = out.read_text(encoding="utf-8")
    assert f"Supplier payments move to {IBAN}" in text and EMAIL in text and CARD in text and PHONE in text
    assert "[EMAIL_1]" not in text and "[IBAN_1]" not in text
    # one audit line: sources, tokens, hash of what was sent, no key, no text
    entries, bad = read_audit(root)
    assert bad == 0 and len(entries) == 1
    e = entries[0]
    assert (e.kind, e.outcome, e.model, e.endpoint) == ("chat", "ok", "gpt-test", server.url)
    assert (e.prompt_tokens, e.completion_tokens) == (1200, 400)
    assert "notes/2026-10-14 cfo.md" in e.sources
    assert {"email", "phone", "card", "iban"} <= set(e.redactions) and all(v >= 1 for v in e.redactions.values())
    body = server.requests[0]["body"]
    assert e.payload_sha256 == payload_sha256({"model": body["model"], "messages": body["messages"]})
    state = state_files(root)
    assert SENTINEL not in state and "Bearer" not in state and "Authorization" not in state
    raw_log = audit_path(root).read_text(encoding="utf-8")
    for value in PLANTED:
        assert value not in raw_log
    assert "Move supplier payments" not in raw_log  # no text, only metadata


@pytest.mark.enable_socket
@pytest.mark.allow_hosts(["127.0.0.1"])
def test_failed_call_is_audited_too(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(base, "ALLOW_MODEL_REQUESTS", True)
    monkeypatch.setenv("OPENAI_API_KEY", SENTINEL)
    root = make_workspace(tmp_path / "ws", embedding="hash")
    with fake_openai() as server:
        server.script = [("status", 400, {})]
        ws = Workspace(root, openai_base_url=server.url)
        with pytest.raises(EngineError):
            ws.brief("cfo", date=DAY, engine="openai:gpt-test")
    entries, _ = read_audit(root)
    assert [(e.kind, e.outcome) for e in entries] == [("chat", "error")]
    assert entries[0].error and entries[0].error.startswith("EngineError")
    assert entries[0].prompt_tokens is None and entries[0].payload_sha256
    assert SENTINEL not in state_files(root)


def test_remote_false_refuses_before_anything_is_sent(tmp_path: Path) -> None:
    root = make_workspace(tmp_path / "ws", embedding="hash")
    (root / "dxprep.toml").write_text("[dxprep]\nremote = false\n", encoding="utf-8")
    with pytest.raises(ConfigError, match="remote = false"):
        Workspace(root, embedding="hash").brief("cfo", date=DAY, engine="openai:gpt-4o-mini")
    with pytest.raises(ConfigError, match="remote = false"):
        Workspace(root, embedding="openai:text-embedding-3-small").ingest()
    assert not audit_path(root).exists()


def test_disabled_requests_and_missing_keys_log_nothing(tmp_path: Path) -> None:
    root = make_workspace(tmp_path / "ws", embedding="hash")
    engine = resolve_engine("openai:gpt-test", workspace=root)
    assert isinstance(engine, RedactingEngine) and engine.remote and engine.name == "openai:gpt-test"
    with pytest.raises(EngineError, match="disabled"):  # ALLOW_MODEL_REQUESTS is off in tests
        Workspace(root).brief("cfo", date=DAY, engine=engine)
    assert not audit_path(root).exists()
    assert not isinstance(resolve_engine("offline"), RedactingEngine)


def test_engine_takes_the_workspace_policy(tmp_path: Path) -> None:
    root = make_workspace(tmp_path / "ws", redact=["email", "names"])
    engine = resolve_engine("openai:gpt-test", workspace=root)
    assert isinstance(engine, RedactingEngine)
    assert engine.policy.kinds == {"email", "names"} and "Dana Ortiz" in engine.policy.names
    explicit = resolve_engine("openai:gpt-test", workspace=root, redact=["card"])
    assert isinstance(explicit, RedactingEngine) and explicit.policy.kinds == {"card"}


# ------------------------------------------------------------------ embeddings, end to end
@contextmanager
def fake_embeddings() -> Iterator[dict[str, Any]]:
    """An OpenAI-compatible /embeddings endpoint on 127.0.0.1 that answers any batch."""
    seen: dict[str, Any] = {"requests": [], "url": "", "fail": False}

    class Handler(BaseHTTPRequestHandler):
        def log_message(self, *args: Any) -> None:
            return

        def do_POST(self) -> None:  # noqa: N802 - http.server's name
            body = json.loads(self.rfile.read(int(self.headers.get("Content-Length") or 0)))
            seen["requests"].append({"path": self.path, "body": body, "headers": dict(self.headers)})
            if seen["fail"]:
                payload = json.dumps({"error": {"message": "bad request", "type": "test"}}).encode()
                self.send_response(400)
            else:
                inputs = body["input"] if isinstance(body["input"], list) else [body["input"]]
                data = [{"object": "embedding", "index": i,
                         "embedding": [b / 255 for b in hashlib.sha256(str(t).encode()).digest()] * 48}
                        for i, t in enumerate(inputs)]
                payload = json.dumps({"object": "list", "data": data, "model": body["model"],
                                      "usage": {"prompt_tokens": 7 * len(inputs),
                                                "total_tokens": 7 * len(inputs)}}).encode()
                self.send_response(200)
            self.send_header("Content-Type", "application/json")
            self.send_header("Content-Length", str(len(payload)))
            self.end_headers()
            self.wfile.write(payload)

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    server.daemon_threads = True
    threading.Thread(target=server.serve_forever, daemon=True).start()
    seen["url"] = f"http://127.0.0.1:{server.server_address[1]}/v1"
    try:
        yield seen
    finally:
        server.shutdown()
        server.server_close()


@pytest.mark.enable_socket
@pytest.mark.allow_hosts(["127.0.0.1"])
def test_ingest_with_openai_embeddings_sends_redacted_chunks(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    from dxprep.index import embeddings

    monkeypatch.setenv("OPENAI_API_KEY", SENTINEL)
    monkeypatch.setattr(embeddings, "_CACHE", {})
    with fake_embeddings() as fake:
        root = make_workspace(tmp_path / "ws", embedding="openai:text-embedding-3-small", openai_base_url=fake["url"])
        stats = Workspace(root).ingest()
        assert stats.embedded >= 2 and fake["requests"]
        received = json.dumps([r["body"] for r in fake["requests"]], ensure_ascii=False)
        for value in PLANTED:
            assert value not in received, value
        assert "[IBAN_1]" in received
        headers = {k.lower(): v for k, v in fake["requests"][0]["headers"].items()}
        assert headers.get("authorization") == f"Bearer {SENTINEL}"  # sent to the server, never logged
        entries, _ = read_audit(root)
        assert len(entries) == len(fake["requests"])
        e = entries[0]
        assert (e.kind, e.outcome, e.endpoint, e.model) == ("embeddings", "ok", fake["url"], "text-embedding-3-small")
        assert e.prompt_tokens == 7 * e.inputs and e.redactions.get("iban", 0) >= 1
        assert e.payload_sha256 == payload_sha256({"model": "text-embedding-3-small",
                                                   "input": fake["requests"][0]["body"]["input"]})
        # a failed batch is logged too
        fake["fail"] = True
        embedder = embeddings.get_embedder("openai:text-embedding-3-small", base_url=fake["url"], workspace=root)
        with pytest.raises(EmbeddingError):
            embedder.embed_documents([f"write to {EMAIL}"], sources=["notes/x.md"])
        last = read_audit(root)[0][-1]
        assert (last.outcome, last.sources, last.redactions) == ("error", ["notes/x.md"], {"email": 1})
        assert last.error and last.error.startswith("BadRequestError")
    assert SENTINEL not in state_files(root)


# ------------------------------------------------------------------ the log itself
def _append_many(args: tuple[str, int, int]) -> None:
    root, worker, n = args
    log = AuditLog(Path(root))
    for i in range(n):
        log.record(kind="chat", endpoint="api.openai.com", model="m", payload_sha256=f"{worker:04d}{i:060d}",
                   outcome="ok", sources=[f"notes/{'x' * 300}-{worker}-{i}.md"] * 8)


def test_concurrent_appends_never_interleave(tmp_path: Path) -> None:
    ctx = multiprocessing.get_context("spawn")
    with ctx.Pool(4) as pool:
        pool.map(_append_many, [(str(tmp_path), w, 100) for w in range(4)])
    lines = audit_path(tmp_path).read_text(encoding="utf-8").splitlines()
    assert len(lines) == 400
    entries, bad = read_audit(tmp_path)
    assert bad == 0 and len({e.payload_sha256 for e in entries}) == 400
    assert oct(audit_path(tmp_path).stat().st_mode & 0o777) == "0o600"


def test_log_scrubs_keys_and_credentials(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("OPENAI_API_KEY", SENTINEL)
    from dxprep.audit import public_endpoint

    assert public_endpoint("https://user:pw@proxy.example:8443/v1/?key=abc#x") == "https://proxy.example:8443/v1"
    assert public_endpoint(None) == "api.openai.com"
    AuditLog(tmp_path, ["another-secret-value"]).record(
        kind="chat", endpoint=f"https://x/{SENTINEL}", model="another-secret-value Bearer abcdefghijkl",
        payload_sha256="0" * 64, outcome="error", error=RuntimeError(SENTINEL))
    raw = audit_path(tmp_path).read_text(encoding="utf-8")
    assert SENTINEL not in raw and "another-secret-value" not in raw and "abcdefghijkl" not in raw
    assert '"error":"RuntimeError"' in raw


def test_evidence_sources_from_the_request_text() -> None:
    text = ("DIALOGUE MEMORY\n[9] not/evidence.md\n<evidence>\n[1] notes/2026-10-14 cfo.md (2026-10-14) · Goals\n"
            "- Move payments\n[2] material/erp status.pdf\nbody [3] text\n[3] material/erp status.pdf (2026-11-02)\n"
            "</evidence>")
    assert evidence_sources([text]) == ["notes/2026-10-14 cfo.md", "material/erp status.pdf"]


# ------------------------------------------------------------------ dxprep audit
def _seed(root: Path) -> None:
    log = AuditLog(root)
    log.record(kind="chat", endpoint="http://127.0.0.1:9/v1", model="gpt-test", payload_sha256="a" * 64,
               outcome="ok", prompt_tokens=1200, completion_tokens=400, inputs=2,
               sources=["notes/2026-10-14 cfo.md", "material/erp-status.md"], redactions={"email": 2, "iban": 1})
    log.record(kind="embeddings", endpoint="api.openai.com", model="text-embedding-3-small",
               payload_sha256="b" * 64, outcome="error", error=EmbeddingError("x"), inputs=5)
    lines = audit_path(root).read_text(encoding="utf-8").splitlines()
    old = json.loads(lines[0])
    old["time"] = "2026-01-02T03:04:05.000Z"
    audit_path(root).write_text("\n".join([json.dumps(old), *lines, "not json"]) + "\n", encoding="utf-8")


def test_cli_audit_table_and_json(tmp_path: Path) -> None:
    from dxprep.cli import app

    runner = CliRunner()
    empty = runner.invoke(app, ["audit", "-w", str(tmp_path)])
    assert empty.exit_code == 0 and "no remote calls recorded" in empty.stdout
    empty_json = runner.invoke(app, ["audit", "-w", str(tmp_path), "--format", "json"])
    assert empty_json.exit_code == 0 and json.loads(empty_json.stdout) == []
    _seed(tmp_path)
    table = runner.invoke(app, ["audit", "-w", str(tmp_path)], env={"COLUMNS": "250"})
    assert table.exit_code == 0, table.output
    for text in ("gpt-test", "1200/400", "email 2, iban 1", "aaaaaaaaaaaa", "EmbeddingError", "(5 texts)",
                 "notes/2026-10-14 cfo.md"):
        assert text in table.stdout, text
    assert "1 unreadable line" in table.stderr
    data = json.loads(runner.invoke(app, ["audit", "-w", str(tmp_path), "--format", "json"]).stdout)
    assert len(data) == 3 and data[1]["redactions"] == {"email": 2, "iban": 1}
    assert {"time", "kind", "endpoint", "model", "prompt_tokens", "completion_tokens", "sources", "redactions",
            "payload_sha256", "outcome", "error"} <= set(data[0])
    today = dt.datetime.now(dt.UTC).date().isoformat()
    recent = json.loads(runner.invoke(app, ["audit", "-w", str(tmp_path), "--since", today, "-f", "json"]).stdout)
    assert [e["kind"] for e in recent] == ["chat", "embeddings"]
    later = runner.invoke(app, ["audit", "-w", str(tmp_path), "--since", "2999-01-01"])
    assert later.exit_code == 0 and "no remote calls recorded" in later.stdout and "since 2999-01-01" in later.stdout
    bad = runner.invoke(app, ["audit", "-w", str(tmp_path), "--since", "soon"])
    assert bad.exit_code == 2 and "not a date" in bad.stderr


@pytest.mark.enable_socket
@pytest.mark.allow_hosts(["127.0.0.1"])
def test_embedder_without_a_workspace_logs_under_dxprep_home(monkeypatch: pytest.MonkeyPatch) -> None:
    from dxprep.config import dxprep_home
    from dxprep.index.embeddings import OpenAIEmbedder

    monkeypatch.setenv("DXPREP_REDACT", "card")
    with fake_embeddings() as fake:
        vectors = OpenAIEmbedder(base_url=fake["url"], api_key=SENTINEL).embed_queries([f"{CARD} and {EMAIL}"])
        assert vectors.shape == (1, 1536)
        assert fake["requests"][0]["body"]["input"] == [f"[CARD_1] and {EMAIL}"]  # the env policy: cards only
    raw = (dxprep_home() / "audit.jsonl").read_text(encoding="utf-8")
    assert '"kind":"embeddings"' in raw and '"card":1' in raw and SENTINEL not in raw


# ------------------------------------------------------------------ engine objects get the same guard
def test_engine_objects_are_redacted_even_inside_a_wrapper(tmp_path: Path) -> None:
    """An engine passed as an object (not a string) is guarded too; inside a wrapper such as
    the recorder, the redaction sits next to the network, so the recording keeps its key."""
    from dxprep.api import Workspace
    from dxprep.engines.base import FunctionEngine, ModelRequest
    from dxprep.engines.guard import RedactingEngine
    from dxprep.engines.recorder import RecordingEngine
    from dxprep.errors import ConfigError

    root = make_workspace(tmp_path / "ws", embedding="hash")
    seen: list[ModelRequest] = []

    def remote_model(request: ModelRequest) -> str:
        seen.append(request)
        return echo_draft()

    leaf = FunctionEngine(remote_model, model="gpt-test")
    leaf.remote = True  # as if it were a client of a remote service
    recorder = RecordingEngine(leaf, tmp_path / "rec", "cfo")
    with pytest.raises(ConfigError, match="remote = false"):
        Workspace(root, embedding="hash", remote=False).brief("cfo", date=DAY, engine=recorder)
    assert seen == []  # refused before anything was sent
    b = Workspace(root, embedding="hash", remote=True).brief("cfo", date=DAY, engine=recorder)
    assert isinstance(recorder.inner, RedactingEngine) and recorder.inner.inner is leaf
    sent = seen[-1].messages[-1].content
    assert all(value not in sent for value in PLANTED)
    assert b.talking_points
    assert any(EMAIL in (p.evidence + p.why_it_matters) for p in b.talking_points)  # restored in the briefing
    # The recording is keyed on the request the pipeline made (before redaction), so it replays.
    from dxprep.engines.replay import ReplayEngine

    again = Workspace(root, embedding="hash", remote=True).brief("cfo", date=DAY,
                                                                 engine=ReplayEngine(tmp_path / "rec"))
    assert [p.headline for p in again.talking_points] == [p.headline for p in b.talking_points]
