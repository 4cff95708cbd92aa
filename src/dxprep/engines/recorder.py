"""Record what a model engine answers: one reviewed, diff-friendly JSON file per request.

:class:`RecordingEngine` wraps any engine, calls it, and writes ``<case>-<key>.json`` into a
folder that :class:`~dxprep.engines.replay.ReplayEngine` replays::

    {"key", "request": <normalised request>, "response": {"text", "usage"},
     "metadata": {"model", "date", "prompt_version", "origin", "case"}}

Keys sorted, indent 2. Only the normalised request (model, messages, schema, prompt
version) is written, never the client's settings: no API key, no auth header. As a second
guard, anything that looks like a key (the engine's own, ``OPENAI_API_KEY``,
``AZURE_OPENAI_API_KEY``, ``sk-...``, ``Bearer ...``) is redacted before the file is written.
"""

from __future__ import annotations

import datetime as dt
import json
import os
import re
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit, urlunsplit

from dxprep.engines.base import Engine, ModelReply, ModelRequest
from dxprep.fsutil import atomic_write, safe_name

__all__ = ["RecordingEngine", "origin_of", "recording_path", "redact"]

_SECRET = re.compile(r"\bsk-[A-Za-z0-9_\-]{8,}|\bBearer\s+[A-Za-z0-9._\-]{8,}", re.IGNORECASE)
REDACTED = "[redacted]"


def _public_url(url: str) -> str:
    """``url`` without user:password, query or fragment."""
    parts = urlsplit(url)
    host = parts.hostname or ""
    netloc = f"{host}:{parts.port}" if parts.port else host
    return urlunsplit((parts.scheme, netloc, parts.path.rstrip("/"), "", ""))


def origin_of(inner: Engine, model: str) -> str:
    """``recorded from <model> at <base_url or api.openai.com>``."""
    base_url = getattr(inner, "base_url", None)
    if getattr(inner, "azure", False):
        base_url = os.environ.get("AZURE_OPENAI_ENDPOINT") or "Azure OpenAI"
    where = _public_url(base_url) if base_url and "://" in base_url else (base_url or "api.openai.com")
    return f"recorded from {model} at {where}"


def redact(text: str, secrets: list[str]) -> str:
    for secret in secrets:
        if secret and len(secret) >= 4:
            text = text.replace(secret, REDACTED)
    return _SECRET.sub(REDACTED, text)


def recording_path(folder: Path, case: str, key: str) -> Path:
    return folder / f"{safe_name(case, 'case')}-{key}.json"


class RecordingEngine(Engine):
    """Calls ``inner`` and writes each request/response pair to ``folder`` as ``<case>-<key>.json``."""

    def __init__(self, inner: Engine, folder: Path, case: str) -> None:
        self.inner = inner
        self.folder = Path(folder)
        self.case = case
        self.name = inner.name
        self.model = inner.model
        self.drafted_without_model = inner.drafted_without_model
        self.remote = inner.remote
        self.written: list[Path] = []

    def draft(self, context: Any, request: ModelRequest) -> ModelReply:
        reply = self.inner.draft(context, request)
        self.written.append(self.write(request, reply))
        return reply

    def write(self, request: ModelRequest, reply: ModelReply) -> Path:
        key = request.key()
        model = reply.model or request.model
        record = {
            "key": key,
            "request": request.normalized(),
            "response": {"text": reply.text, "usage": reply.usage.model_dump()},
            "metadata": {
                "model": model,
                "date": dt.datetime.now(dt.UTC).date().isoformat(),
                "prompt_version": request.prompt_version,
                "origin": origin_of(self.inner, model),
                "case": self.case,
            },
        }
        secrets = [getattr(self.inner, "api_key", None) or "", os.environ.get("OPENAI_API_KEY", ""),
                   os.environ.get("AZURE_OPENAI_API_KEY", "")]
        text = redact(json.dumps(record, indent=2, sort_keys=True, ensure_ascii=False), secrets) + "\n"
        return atomic_write(recording_path(self.folder, self.case, key), text)
