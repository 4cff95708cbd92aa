"""A local OpenAI-compatible HTTP server for tests (127.0.0.1 only), with scripted replies."""

from __future__ import annotations

import json
import socket
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any


def completion(text: str, model: str = "gpt-test", prompt_tokens: int = 1200, completion_tokens: int = 400) -> bytes:
    return json.dumps({
        "id": "chatcmpl-test", "object": "chat.completion", "created": 1764000000, "model": model,
        "choices": [{"index": 0, "message": {"role": "assistant", "content": text}, "finish_reason": "stop"}],
        "usage": {"prompt_tokens": prompt_tokens, "completion_tokens": completion_tokens,
                  "total_tokens": prompt_tokens + completion_tokens},
    }).encode()


class FakeOpenAI:
    """Each request pops the next scripted step: ("ok", text) | ("status", code, headers)
    | ("sleep", seconds, text) | ("raw", bytes) | ("drop",)
    | ("trickle", text, seconds_per_byte): the headers at once, then the body one byte at a time
    | ("truncate", text, keep): the full Content-Length announced, ``keep`` bytes sent, then closed
    | ("hang",): the request is read, then nothing is sent until the client gives up (or 30 s)."""

    def __init__(self) -> None:
        self.script: list[tuple[Any, ...]] = []
        self.requests: list[dict[str, Any]] = []
        self.url = ""

    def handler(self) -> type[BaseHTTPRequestHandler]:
        fake = self

        class Handler(BaseHTTPRequestHandler):
            def log_message(self, *args: Any) -> None:
                return

            def do_POST(self) -> None:  # noqa: N802 - http.server's name
                length = int(self.headers.get("Content-Length") or 0)
                body = json.loads(self.rfile.read(length) or b"{}")
                fake.requests.append({"path": self.path, "body": body, "headers": dict(self.headers)})
                step = fake.script.pop(0) if fake.script else ("status", 500, {})
                kind = step[0]
                if kind == "drop":
                    self.close_connection = True
                    self.connection.shutdown(2)
                    return
                if kind == "hang":
                    self.close_connection = True
                    _wait_for_close(self.connection, 30.0)
                    return
                if kind in ("trickle", "truncate"):
                    payload = completion(step[1], model=body.get("model", "gpt-test"))
                    self.close_connection = True
                    self.send_response(200)
                    self.send_header("Content-Type", "application/json")
                    self.send_header("Content-Length", str(len(payload)))
                    self.end_headers()
                    try:
                        if kind == "truncate":
                            self.wfile.write(payload[: step[2]])
                            self.wfile.flush()
                            self.connection.shutdown(2)
                            return
                        for i in range(len(payload)):
                            self.wfile.write(payload[i : i + 1])
                            self.wfile.flush()
                            time.sleep(step[2])
                    except OSError:  # the client gave up: what the test wants
                        return
                    return
                if kind == "sleep":
                    time.sleep(step[1])
                    step = ("ok", step[2])
                    kind = "ok"
                if kind == "status":
                    payload = json.dumps({"error": {"message": f"scripted {step[1]}", "type": "test"}}).encode()
                    self.send_response(step[1])
                    for k, v in step[2].items():
                        self.send_header(k, v)
                else:
                    payload = completion(step[1], model=body.get("model", "gpt-test")) if kind == "ok" else step[1]
                    self.send_response(200)
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(payload)))
                self.end_headers()
                try:
                    self.wfile.write(payload)
                except (BrokenPipeError, ConnectionResetError):
                    return

        return Handler


def _wait_for_close(conn: socket.socket, limit: float) -> None:
    """Block until the peer closes ``conn`` (or ``limit`` seconds pass)."""
    conn.settimeout(limit)
    try:
        while conn.recv(4096):
            pass
    except OSError:
        return


@contextmanager
def fake_openai() -> Iterator[FakeOpenAI]:
    fake = FakeOpenAI()
    server = ThreadingHTTPServer(("127.0.0.1", 0), fake.handler())
    server.daemon_threads = True
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    fake.url = f"http://127.0.0.1:{server.server_address[1]}/v1"
    try:
        yield fake
    finally:
        server.shutdown()
        server.server_close()
