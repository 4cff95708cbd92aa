"""One abstract engine, resolved from a string.

``offline`` (deterministic, no model), ``openai:<model>`` / ``azure:<deployment>`` (LangChain
``ChatOpenAI`` on OpenAI or any OpenAI-compatible endpoint), ``replay:<dir>`` (recorded
responses), and :class:`FunctionEngine` (a Python function: a test double that ships in the
package). Every engine answers a :class:`ModelRequest` with a :class:`ModelReply` whose
``text`` is the JSON of a :class:`~dxprep.briefing.model.Draft`; the pipeline parses and
validates it the same way whatever wrote it.
"""

from __future__ import annotations

import hashlib
import json
from abc import ABC, abstractmethod
from collections.abc import Callable
from typing import Any

from pydantic import BaseModel, ConfigDict, Field

__all__ = ["ALLOW_MODEL_REQUESTS", "Engine", "FunctionEngine", "Message", "ModelReply", "ModelRequest", "Usage"]

#: Set to False (tests do) and no engine sends anything over the network.
ALLOW_MODEL_REQUESTS = True


class Message(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)
    role: str
    content: str


class ModelRequest(BaseModel):
    """Everything sent to a model; its :meth:`key` identifies a recording."""

    model_config = ConfigDict(extra="forbid")
    model: str
    messages: list[Message]
    schema_name: str = "Draft"
    json_schema: dict[str, Any] = Field(default_factory=dict)
    prompt_version: str
    max_tokens: int = 2500
    temperature: float = 0.2

    def normalized(self) -> dict[str, Any]:
        return {
            "model": self.model,
            "messages": [{"role": m.role, "content": " ".join(m.content.split())} for m in self.messages],
            "schema": self.json_schema,
            "prompt_version": self.prompt_version,
        }

    def key(self) -> str:
        payload = json.dumps(self.normalized(), sort_keys=True, ensure_ascii=False)
        return hashlib.sha256(payload.encode()).hexdigest()[:16]


class Usage(BaseModel):
    prompt_tokens: int = 0
    completion_tokens: int = 0

    @property
    def total(self) -> int:
        return self.prompt_tokens + self.completion_tokens


class ModelReply(BaseModel):
    text: str
    usage: Usage = Field(default_factory=Usage)
    model: str | None = None
    origin: str | None = None  # replay: where the recording came from


class Engine(ABC):
    """Writes a briefing draft. ``context`` carries the structured facts (the offline engine
    drafts from them); ``request`` is the rendered prompt (model engines send it)."""

    name: str = "engine"
    model: str | None = None
    drafted_without_model: bool = False
    remote: bool = False

    @abstractmethod
    def draft(self, context: Any, request: ModelRequest) -> ModelReply:
        """Answer ``request`` with the JSON text of a Draft."""


class FunctionEngine(Engine):
    """An engine backed by a Python function ``(request) -> str | ModelReply`` (tests, scripts)."""

    name = "function"

    def __init__(self, fn: Callable[[ModelRequest], str | ModelReply], model: str = "function") -> None:
        self.fn = fn
        self.model = model
        self.calls: list[ModelRequest] = []

    def draft(self, context: Any, request: ModelRequest) -> ModelReply:
        self.calls.append(request)
        out = self.fn(request)
        return out if isinstance(out, ModelReply) else ModelReply(text=out, model=self.model)
