"""A Chroma server that is not there, dies mid-ingest, or answers nonsense (127.0.0.1 only).

Each gives one clear error (the URL, what to do) and no traceback; nothing of the workspace
or of its embedded index is damaged; after a server killed mid-ingest is started again on
the same data, the next ingest completes and the collection equals a clean build.
"""

from __future__ import annotations

import json
import os
import socket
import threading
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

import faultkit
import pytest
from typer.testing import CliRunner

from dxprep.config import load_settings
from dxprep.errors import IndexError_
from dxprep.index.ingest import ingest

pytestmark = [pytest.mark.server, pytest.mark.enable_socket, pytest.mark.allow_hosts(["127.0.0.1"])]

ENV = {"DXPREP_EMBEDDING": "hash"}


@pytest.fixture
def indexed(tmp_path: Path) -> Path:
    """The sample workspace, indexed in its embedded store."""
    ws = faultkit.copy_corpus(tmp_path / "ws")
    ingest(ws, settings=load_settings(ws, embedding="hash"))
    return ws


def _cli(*args: str) -> Any:
    from dxprep.cli import app

    return CliRunner().invoke(app, list(args), env=ENV)


def _one_clean_error(result: Any, *needles: str) -> str:
    assert result.exit_code in (1, 2), result.output
    assert "Traceback" not in result.output and result.exception is None or isinstance(result.exception, SystemExit)
    lines = result.stderr.strip().splitlines()
    assert lines and lines[0].startswith("error: "), result.stderr
    assert len(lines) <= 4, lines
    for needle in needles:
        assert needle in result.stderr, (needle, result.stderr)
    return str(result.stderr)


def test_server_not_running_is_a_clear_error_and_damages_nothing(indexed: Path) -> None:
    url = f"http://127.0.0.1:{faultkit.free_port()}"
    files = faultkit.tree_digest(indexed)
    catalog_before = faultkit.dump(indexed)
    for args in (["ingest", "-w", str(indexed), "--chroma-url", url],
                 ["search", "ransomware", "-w", str(indexed), "--chroma-url", url]):
        err = _one_clean_error(_cli(*args), url, "hint:")
        assert "chroma run" in err or "running" in err
    assert faultkit.tree_digest(indexed) == files
    after = faultkit.dump(indexed)
    assert faultkit.comparable(after) == faultkit.comparable(catalog_before)
    again = ingest(indexed, settings=load_settings(indexed, embedding="hash"))
    assert again.updated == 0 and again.embedded == 0  # the embedded index was never touched


class _Answers500(BaseHTTPRequestHandler):
    def log_message(self, *args: Any) -> None:
        return

    def _reply(self) -> None:
        length = int(self.headers.get("Content-Length") or 0)
        if length:
            self.rfile.read(length)
        body = json.dumps({"error": "InternalError", "message": "scripted failure"}).encode()
        self.send_response(500)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    do_GET = do_POST = do_PUT = do_DELETE = _reply  # noqa: N815 - http.server's names


@pytest.fixture
def answers_500() -> Iterator[str]:
    server = ThreadingHTTPServer(("127.0.0.1", 0), _Answers500)
    server.daemon_threads = True
    threading.Thread(target=server.serve_forever, daemon=True).start()
    try:
        yield f"http://127.0.0.1:{server.server_address[1]}"
    finally:
        server.shutdown()
        server.server_close()


@pytest.fixture
def answers_garbage() -> Iterator[str]:
    """Not HTTP at all: a line of bytes, then the connection is closed."""
    listener = socket.socket()
    listener.bind(("127.0.0.1", 0))
    listener.listen(16)
    stop = threading.Event()

    def serve() -> None:
        listener.settimeout(0.2)
        while not stop.is_set():
            try:
                conn, _ = listener.accept()
            except OSError:
                continue
            with conn:
                try:
                    conn.recv(65536)
                    conn.sendall(b"\x00\xffgarbage, not HTTP\r\n\r\n")
                except OSError:
                    pass

    thread = threading.Thread(target=serve, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{listener.getsockname()[1]}"
    finally:
        stop.set()
        thread.join(timeout=5)
        listener.close()


@pytest.mark.parametrize("kind", ["answers_500", "answers_garbage"])
def test_a_server_answering_errors_is_a_clear_error(indexed: Path, kind: str, request: pytest.FixtureRequest) -> None:
    url = request.getfixturevalue(kind)
    files = faultkit.tree_digest(indexed)
    for args in (["ingest", "-w", str(indexed), "--chroma-url", url],
                 ["search", "ERP cost model", "-w", str(indexed), "--chroma-url", url]):
        _one_clean_error(_cli(*args), url, "hint:")
    assert faultkit.tree_digest(indexed) == files
    again = ingest(indexed, settings=load_settings(indexed, embedding="hash"))
    assert again.updated == 0 and again.embedded == 0


def test_server_killed_mid_ingest_then_restarted_converges(tmp_path: Path, reference: dict[str, Any]) -> None:
    server = faultkit.ChromaServer(tmp_path / "chroma-data")
    server.start()
    try:
        ws = faultkit.copy_corpus(tmp_path / "ws")
        settings = load_settings(ws, embedding="hash", chroma_url=server.url)
        written: list[int] = []

        def kill_after_ten(event: str, advance: int, total: int) -> None:
            if event == "files" and advance == 1:
                written.append(1)
                if len(written) == 10:
                    server.kill()

        with pytest.raises(IndexError_) as info:
            ingest(ws, settings=settings, progress=kill_after_ten, batch_texts=1)
        assert len(written) == 10
        message = str(info.value)
        assert message.startswith(("Chroma write failed", "Chroma failed", "cannot open Chroma")), message
        assert info.value.hint and ("ingest again" in info.value.hint or "running" in info.value.hint)
        # the same through the CLI, while the server is down: one clean line, exit 1
        _one_clean_error(_cli("ingest", "-w", str(ws), "--chroma-url", server.url), server.url)

        server.start()  # the same data path and port
        got = faultkit.dump(ws, server.url, recover=True)
        assert got["recovered"]["updated"] >= 38 - 10 and got["again"]["updated"] == 0
        assert not faultkit.differences(faultkit.comparable(got), reference), \
            faultkit.differences(faultkit.comparable(got), reference)
        assert not (ws / ".dxprep" / "chroma").exists()
    finally:
        server.stop()


def test_server_killed_then_started_empty_is_resynced(tmp_path: Path, reference: dict[str, Any]) -> None:
    """The server's data is lost (a new, empty server at the same URL): the next ingest
    notices that the store and the catalog disagree and writes everything again."""
    data = tmp_path / "chroma-data"
    server = faultkit.ChromaServer(data)
    server.start()
    try:
        ws = faultkit.copy_corpus(tmp_path / "ws")
        settings = load_settings(ws, embedding="hash", chroma_url=server.url)
        ingest(ws, settings=settings)
        server.kill()
        os.rename(data, tmp_path / "lost")
        server.start()
        got = faultkit.dump(ws, server.url, recover=True)
        assert not faultkit.differences(faultkit.comparable(got), reference), \
            faultkit.differences(faultkit.comparable(got), reference)
    finally:
        server.stop()

