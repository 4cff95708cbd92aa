"""The audit log: one JSON line per remote call, in ``<workspace>/.dxprep/audit.jsonl``.

Each line says when (UTC), what (``chat`` or ``embeddings``), where (the endpoint, without
credentials), which model, how many tokens, which workspace files' text was sent, how many
values of each kind were redacted first, the SHA-256 of the payload actually sent, and how it
ended (``ok``, or ``error`` with the error's class). Never the text, never a key or an
``Authorization`` header: the line is built from those fields only, and anything that looks
like a key is scrubbed again before it is written.

Calls made with no workspace (a library user's bare embedder) go to ``$DXPREP_HOME/audit.jsonl``.
Lines are appended with ``O_APPEND`` in a single ``write`` under an exclusive ``flock``, so
concurrent processes never interleave or lose lines.
"""

from __future__ import annotations

import datetime as dt
import fcntl
import hashlib
import json
import os
import re
from collections.abc import Sequence
from pathlib import Path
from typing import Any, Literal
from urllib.parse import urlsplit, urlunsplit

from pydantic import BaseModel, ConfigDict, Field

__all__ = ["AUDIT_FILE", "AuditEntry", "AuditLog", "audit_path", "evidence_sources", "payload_sha256",
           "public_endpoint", "read_audit"]

AUDIT_FILE = "audit.jsonl"


class AuditEntry(BaseModel):
    """One remote call."""

    model_config = ConfigDict(extra="ignore")

    time: str
    kind: Literal["chat", "embeddings"]
    endpoint: str
    model: str
    prompt_tokens: int | None = None
    completion_tokens: int | None = None
    inputs: int = 1  # messages (chat) or texts (embeddings) sent
    sources: list[str] = Field(default_factory=list)
    redactions: dict[str, int] = Field(default_factory=dict)
    payload_sha256: str
    outcome: Literal["ok", "error"]
    error: str | None = None


def audit_path(workspace: Path | None) -> Path:
    """``<workspace>/.dxprep/audit.jsonl``, or ``$DXPREP_HOME/audit.jsonl`` without a workspace."""
    if workspace is None:
        from dxprep.config import dxprep_home

        return dxprep_home() / AUDIT_FILE
    return Path(workspace) / ".dxprep" / AUDIT_FILE


def public_endpoint(base_url: str | None, default: str = "api.openai.com") -> str:
    """``base_url`` without user:password, query or fragment; ``default`` when unset."""
    if not base_url:
        return default
    if "://" not in base_url:
        return base_url.split("@")[-1].split("?")[0]
    parts = urlsplit(base_url)
    host = parts.hostname or ""
    netloc = f"{host}:{parts.port}" if parts.port else host
    return urlunsplit((parts.scheme, netloc, parts.path.rstrip("/"), "", ""))


def payload_sha256(payload: Any) -> str:
    """SHA-256 of ``payload`` as canonical JSON (sorted keys, UTF-8): what was sent, hashed."""
    text = json.dumps(payload, sort_keys=True, ensure_ascii=False, separators=(",", ":"))
    return hashlib.sha256(text.encode("utf-8", "surrogatepass")).hexdigest()


_EVIDENCE = re.compile(r"<evidence>(.*?)</evidence>", re.DOTALL)
_HEADER = re.compile(r"^\[(\d+)\] (.+?)(?: \(\d{4}-\d{2}-\d{2}\))?(?: · .*)?$", re.MULTILINE)


def evidence_sources(texts: Sequence[str]) -> list[str]:
    """Workspace-relative sources of the numbered evidence in a briefing request
    (``[n] path (date) · section`` lines inside ``<evidence>``), in order, once each."""
    out: dict[str, None] = {}
    for text in texts:
        for block in _EVIDENCE.findall(text):
            for m in _HEADER.finditer(block):
                source = m.group(2).strip()
                if "/" in source or re.search(r"\.(?:md|txt|docx|pdf)$", source, re.IGNORECASE):
                    out.setdefault(source, None)
    return list(out)


def _secrets() -> list[str]:
    return [v for k in ("OPENAI_API_KEY", "AZURE_OPENAI_API_KEY", "DXPREP_CHROMA_TOKEN")
            if len(v := os.environ.get(k, "")) >= 4]


_SECRET = re.compile(r"\bsk-[A-Za-z0-9_\-]{8,}|\bBearer\s+[A-Za-z0-9._\-]{8,}", re.IGNORECASE)


class AuditLog:
    """Appends :class:`AuditEntry` lines to one workspace's log."""

    def __init__(self, workspace: Path | None, secrets: Sequence[str] = ()) -> None:
        self.workspace = Path(workspace) if workspace is not None else None
        self.path = audit_path(self.workspace)
        self._secrets = [s for s in secrets if s and len(s) >= 4]

    def record(self, *, kind: Literal["chat", "embeddings"], endpoint: str, model: str, payload_sha256: str,
               outcome: Literal["ok", "error"], error: BaseException | None = None,
               prompt_tokens: int | None = None, completion_tokens: int | None = None, inputs: int = 1,
               sources: Sequence[str] = (), redactions: dict[str, int] | None = None) -> AuditEntry:
        entry = AuditEntry(
            time=dt.datetime.now(dt.UTC).isoformat(timespec="milliseconds").replace("+00:00", "Z"),
            kind=kind, endpoint=endpoint, model=model, prompt_tokens=prompt_tokens,
            completion_tokens=completion_tokens, inputs=inputs, sources=list(sources),
            redactions={k: v for k, v in sorted((redactions or {}).items()) if v},
            payload_sha256=payload_sha256, outcome=outcome, error=_error_name(error),
        )
        self.append(entry)
        return entry

    def append(self, entry: AuditEntry) -> None:
        line = json.dumps(entry.model_dump(mode="json"), ensure_ascii=False, separators=(",", ":"))
        for secret in [*self._secrets, *_secrets()]:
            line = line.replace(secret, "[redacted]")
        line = _SECRET.sub("[redacted]", line)
        data = (line + "\n").encode("utf-8", "surrogatepass")
        self.path.parent.mkdir(parents=True, exist_ok=True)
        fd = os.open(self.path, os.O_WRONLY | os.O_APPEND | os.O_CREAT, 0o600)
        try:
            fcntl.flock(fd, fcntl.LOCK_EX)
            written = 0
            while written < len(data):  # one write in practice; a short write is completed
                written += os.write(fd, data[written:])
        finally:
            os.close(fd)  # closing releases the lock


def _error_name(error: BaseException | None) -> str | None:
    """The error's class, and the class of its cause (``EngineError(APITimeoutError)``):
    never its message, which may quote a key or the text."""
    if error is None:
        return None
    name = type(error).__name__
    cause = error.__cause__ or error.__context__
    return f"{name}({type(cause).__name__})" if cause is not None and type(cause) is not type(error) else name


def read_audit(workspace: Path, since: dt.date | None = None) -> tuple[list[AuditEntry], int]:
    """(entries on or after ``since``, in file order; number of unreadable lines)."""
    path = audit_path(workspace)
    try:
        raw = path.read_text(encoding="utf-8", errors="replace")
    except FileNotFoundError:
        return [], 0
    entries: list[AuditEntry] = []
    bad = 0
    for line in raw.splitlines():
        if not line.strip():
            continue
        try:
            entry = AuditEntry.model_validate_json(line)
        except ValueError:
            bad += 1
            continue
        if since is not None and entry.time[:10] < since.isoformat():
            continue
        entries.append(entry)
    return entries, bad
