"""OpenAI, Azure OpenAI or any OpenAI-compatible endpoint, through LangChain ``ChatOpenAI``.

JSON mode (``response_format={"type": "json_object"}``) with the Draft schema in the prompt:
it works on OpenAI and on OpenAI-compatible servers alike; the pipeline validates the JSON
against the schema and the evidence. Timeouts are bounded; 429 and 5xx answers are retried
with exponential backoff (honouring ``Retry-After``) by the OpenAI client; what still fails
raises :class:`EngineError` and the pipeline writes nothing.
"""

from __future__ import annotations

import os
from pathlib import Path
from typing import Any

from dxprep.engines import base
from dxprep.engines.base import Engine, ModelReply, ModelRequest, Usage
from dxprep.errors import ConfigError, EngineError

__all__ = ["OpenAIEngine"]


class OpenAIEngine(Engine):
    remote = True

    def __init__(self, model: str, *, azure: bool = False, base_url: str | None = None, api_key: str | None = None,
                 timeout: float = 60.0, max_retries: int = 3, workspace: Path | None = None) -> None:
        self.model = model
        self.azure = azure
        self.name = f"{'azure' if azure else 'openai'}:{model}"
        self.base_url = base_url or os.environ.get("OPENAI_BASE_URL")
        self.api_key = api_key
        self.timeout = timeout
        self.max_retries = max_retries
        self.workspace = workspace
        self._llm: Any = None

    def _chat(self) -> Any:
        if self._llm is not None:
            return self._llm
        if azure_missing := (self.azure and not os.environ.get("AZURE_OPENAI_ENDPOINT")):
            raise ConfigError("Azure OpenAI needs AZURE_OPENAI_ENDPOINT, AZURE_OPENAI_API_KEY and OPENAI_API_VERSION",
                              hint=f"set them, or use --engine offline ({azure_missing})")
        key = self.api_key or os.environ.get("AZURE_OPENAI_API_KEY" if self.azure else "OPENAI_API_KEY")
        if not key and not self.base_url:
            raise ConfigError(f"{self.name} needs OPENAI_API_KEY (or a base_url for a local server)",
                              hint="set OPENAI_API_KEY, pass --base-url, or use --engine offline")
        if self.azure:
            from langchain_openai import AzureChatOpenAI

            self._llm = AzureChatOpenAI(azure_deployment=self.model, api_key=key, timeout=self.timeout,
                                        max_retries=self.max_retries)
        else:
            from langchain_openai import ChatOpenAI

            self._llm = ChatOpenAI(model=self.model, api_key=key or "not-needed", base_url=self.base_url,
                                   timeout=self.timeout, max_retries=self.max_retries)
        return self._llm

    def draft(self, context: Any, request: ModelRequest) -> ModelReply:
        if not base.ALLOW_MODEL_REQUESTS:
            raise EngineError(f"model requests are disabled in this process; {self.name} was not called",
                              hint="tests use the offline, replay or function engines")
        from langchain_core.messages import AIMessage, HumanMessage, SystemMessage

        kinds = {"system": SystemMessage, "user": HumanMessage, "assistant": AIMessage}
        messages = [kinds[m.role](content=m.content) for m in request.messages]
        try:
            chat = self._chat().bind(response_format={"type": "json_object"}, max_tokens=request.max_tokens,
                                     temperature=request.temperature)
            response = chat.invoke(messages)
        except ConfigError:
            raise
        except Exception as exc:  # openai / httpx raise their own trees; all are a failed call here
            raise EngineError(f"{self.name} failed: {type(exc).__name__}: {_short(exc)}",
                              hint="nothing was written; try again, or use --fallback offline") from exc
        content = response.content if isinstance(response.content, str) else str(response.content)
        usage = getattr(response, "usage_metadata", None) or {}
        return ModelReply(
            text=content,
            usage=Usage(prompt_tokens=int(usage.get("input_tokens", 0)),
                        completion_tokens=int(usage.get("output_tokens", 0))),
            model=(response.response_metadata or {}).get("model_name", self.model),
        )


def _short(exc: BaseException) -> str:
    text = " ".join(str(exc).split())
    return text[:300] + ("…" if len(text) > 300 else "")
