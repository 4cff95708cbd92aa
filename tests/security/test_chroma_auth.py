"""Chroma server connections: token authentication and TLS.

Chroma 1.x's `chroma run` (the Rust server) has no server-side authentication to configure, so
the token is checked against a small Chroma-shaped HTTP(S) server on 127.0.0.1 that records the
headers it receives and refuses a missing or wrong token the way a guarded server does (401).
TLS runs against the same server with a self-signed certificate made by `openssl` in the test.
"""

from __future__ import annotations

import json
import shutil
import ssl
import subprocess
import threading
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

import pytest

from dxprep.config import Settings, load_settings
from dxprep.errors import ConfigError, IndexError_
from dxprep.index.store import ChromaStore

TOKEN = "chroma-s3cret-token"


@contextmanager
def fake_chroma(token_header: str = "authorization", token: str = TOKEN,
                cert: tuple[Path, Path] | None = None) -> Iterator[dict[str, Any]]:
    """Enough of Chroma's v2 API for a client to connect and list collections."""
    seen: dict[str, Any] = {"requests": [], "url": ""}

    class Handler(BaseHTTPRequestHandler):
        def log_message(self, *args: Any) -> None:
            return

        def _send(self, code: int, body: Any) -> None:
            payload = json.dumps(body).encode()
            self.send_response(code)
            self.send_header("Content-Type", "application/json")
            self.send_header("Content-Length", str(len(payload)))
            self.end_headers()
            self.wfile.write(payload)

        def do_GET(self) -> None:  # noqa: N802 - http.server's name
            headers = {k.lower(): v for k, v in self.headers.items()}
            seen["requests"].append((self.path, headers))
            got = headers.get(token_header)
            want = f"Bearer {token}" if token_header == "authorization" else token
            if got != want:
                self._send(401, {"error": "AuthorizationError", "message": "Unauthorized"})
                return
            if self.path.endswith("/auth/identity"):
                self._send(200, {"user_id": "u", "tenant": "default_tenant", "databases": ["default_database"]})
            elif self.path.endswith("/databases/default_database"):
                self._send(200, {"id": str(uuid.uuid4()), "name": "default_database", "tenant": "default_tenant"})
            elif self.path.endswith("/tenants/default_tenant"):
                self._send(200, {"name": "default_tenant"})
            elif self.path.endswith("/collections") or "/collections?" in self.path:
                self._send(200, [])
            else:
                self._send(404, {"error": "NotFoundError", "message": self.path})

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    server.daemon_threads = True
    scheme = "http"
    if cert is not None:
        context = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
        context.load_cert_chain(str(cert[0]), str(cert[1]))
        server.socket = context.wrap_socket(server.socket, server_side=True)
        scheme = "https"
    threading.Thread(target=server.serve_forever, daemon=True).start()
    seen["url"] = f"{scheme}://127.0.0.1:{server.server_address[1]}"
    try:
        yield seen
    finally:
        server.shutdown()
        server.server_close()


def store(root: Path, **settings: Any) -> ChromaStore:
    return ChromaStore(root, Settings(**settings), "hash:256", 256)


def connect(root: Path, **settings: Any) -> None:
    s = store(root, **settings)
    try:
        s.exists()
    finally:
        s.close()


@pytest.mark.enable_socket
@pytest.mark.allow_hosts(["127.0.0.1"])
@pytest.mark.parametrize(("header", "sent"), [("authorization", f"Bearer {TOKEN}"), ("x-chroma-token", TOKEN)])
def test_token_travels_in_the_chosen_header(tmp_path: Path, header: str, sent: str) -> None:
    with fake_chroma(header) as server:
        connect(tmp_path, chroma_url=server["url"], chroma_token=TOKEN, chroma_token_header=header)
        assert server["requests"]
        for _, headers in server["requests"]:
            assert headers.get(header) == sent
        other = "x-chroma-token" if header == "authorization" else "authorization"
        assert all(other not in h for _, h in server["requests"])


@pytest.mark.enable_socket
@pytest.mark.allow_hosts(["127.0.0.1"])
def test_missing_or_wrong_token_is_a_clear_error(tmp_path: Path) -> None:
    with fake_chroma() as server:
        with pytest.raises(IndexError_, match="authentication failed: the server wants a token") as missing:
            connect(tmp_path, chroma_url=server["url"])
        assert "chroma_token" in (missing.value.hint or "")
        with pytest.raises(IndexError_, match="authentication failed: the token was refused") as wrong:
            connect(tmp_path / "b", chroma_url=server["url"], chroma_token="wrong-token-value")
        assert "wrong-token-value" not in str(wrong.value) and "wrong-token-value" not in (wrong.value.hint or "")
        with pytest.raises(IndexError_, match="was refused"):  # right token, wrong header
            connect(tmp_path / "c", chroma_url=server["url"], chroma_token=TOKEN, chroma_token_header="x-chroma-token")


def test_settings_for_tls_and_tokens(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("DXPREP_CHROMA_SSL_VERIFY", "false")
    monkeypatch.setenv("DXPREP_CHROMA_TOKEN_HEADER", "X-Chroma-Token")
    s = load_settings(tmp_path)
    assert s.chroma_ssl_verify is False and s.chroma_token_header == "x-chroma-token"
    monkeypatch.delenv("DXPREP_CHROMA_SSL_VERIFY")
    monkeypatch.delenv("DXPREP_CHROMA_TOKEN_HEADER")
    (tmp_path / "dxprep.toml").write_text('[dxprep.chroma]\nurl = "https://chroma.example"\nssl_verify = "ca.pem"\n'
                                          'token_header = "bearer"\n', encoding="utf-8")
    s = load_settings(tmp_path)
    assert (s.chroma_url, s.chroma_ssl_verify, s.chroma_token_header) == ("https://chroma.example", "ca.pem",
                                                                          "authorization")
    assert load_settings(tmp_path / "none").chroma_ssl_verify is True
    monkeypatch.setenv("DXPREP_CHROMA_TOKEN_HEADER", "cookie")
    with pytest.raises(ConfigError, match="chroma_token_header"):
        load_settings(tmp_path)


def test_https_settings_reach_the_client(tmp_path: Path) -> None:
    opts = store(tmp_path, chroma_url="https://chroma.example", chroma_token=TOKEN).http_options()
    assert (opts["host"], opts["port"], opts["ssl"]) == ("chroma.example", 443, True)
    cs = opts["settings"]
    assert cs.chroma_server_ssl_verify is True
    assert cs.chroma_client_auth_provider == "chromadb.auth.token_authn.TokenAuthClientProvider"
    assert cs.chroma_client_auth_credentials == TOKEN and cs.chroma_auth_token_transport_header == "Authorization"
    off = store(tmp_path, chroma_url="https://chroma.example:8443", chroma_ssl_verify=False).http_options()
    assert off["port"] == 8443 and off["settings"].chroma_server_ssl_verify is False
    assert off["settings"].chroma_client_auth_provider is None
    (tmp_path / "ca.pem").write_text("-----BEGIN CERTIFICATE-----\n", encoding="utf-8")
    bundle = store(tmp_path, chroma_url="https://chroma.example", chroma_ssl_verify="ca.pem").http_options()
    assert bundle["settings"].chroma_server_ssl_verify == str(tmp_path / "ca.pem")  # relative to the workspace
    plain = store(tmp_path, chroma_url="http://127.0.0.1:8000", chroma_ssl_verify=False).http_options()
    assert plain["ssl"] is False and plain["settings"].chroma_server_ssl_verify is None
    with pytest.raises(ConfigError, match="no CA bundle"):
        store(tmp_path, chroma_url="https://chroma.example", chroma_ssl_verify="missing.pem").http_options()
    with pytest.raises(ConfigError, match="user or password"):
        store(tmp_path, chroma_url=f"https://admin:{TOKEN}@chroma.example").http_options()


@pytest.fixture(scope="module")
def self_signed(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, Path]:
    if shutil.which("openssl") is None:
        pytest.skip("openssl is not installed")
    folder = tmp_path_factory.mktemp("tls")
    cert, key = folder / "cert.pem", folder / "key.pem"
    subprocess.run(["openssl", "req", "-x509", "-newkey", "rsa:2048", "-nodes", "-days", "2", "-subj", "/CN=127.0.0.1",
                    "-addext", "subjectAltName=IP:127.0.0.1", "-keyout", str(key), "-out", str(cert)],
                   check=True, capture_output=True, timeout=60)
    return cert, key


@pytest.mark.enable_socket
@pytest.mark.allow_hosts(["127.0.0.1"])
def test_tls_with_a_self_signed_certificate(tmp_path: Path, self_signed: tuple[Path, Path]) -> None:
    cert, _ = self_signed
    with fake_chroma(cert=self_signed) as server:
        assert server["url"].startswith("https://")
        # the system trust store does not know this certificate: a clear TLS error, no data sent
        with pytest.raises(IndexError_, match="TLS failed") as info:
            connect(tmp_path / "a", chroma_url=server["url"], chroma_token=TOKEN)
        assert "chroma_ssl_verify" in (info.value.hint or "")
        assert server["requests"] == []
        # trusting its CA bundle: connected, and the token went over TLS
        connect(tmp_path / "b", chroma_url=server["url"], chroma_token=TOKEN, chroma_ssl_verify=str(cert))
        assert server["requests"] and all(h.get("authorization") == f"Bearer {TOKEN}" for _, h in server["requests"])
