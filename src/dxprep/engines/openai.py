"""OpenAI, Azure OpenAI or any OpenAI-compatible endpoint, through LangChain ``ChatOpenAI``.

JSON mode (``response_format={"type": "json_object"}``) with the Draft schema in the prompt:
it works on OpenAI and on OpenAI-compatible servers alike; the pipeline validates the JSON
against the schema and the evidence.

Failures are bounded here, not in the OpenAI client (whose own retries are off):

- each attempt has a hard deadline of ``timeout`` seconds for the whole answer, so a server
  that trickles its body a byte at a time cannot hold the call (the client's own timeout
  only bounds each read);
- timeouts, dropped or truncated connections, 408/409/429 and 5xx answers are tried again,
  at most ``max_retries`` times, after exponential backoff (0.5 s, 1 s, 2 s…, never more
  than ``timeout``) or the server's ``Retry-After``; a ``Retry-After`` longer than
  ``timeout`` is not waited out: the call fails at once and says when to try again;
- anything else (a 4xx, a body that is not an OpenAI response) fails at once.

What still fails raises :class:`EngineError` with one clear message, and the pipeline
writes nothing (or drafts offline with ``--fallback offline``).
"""

from __future__ import annotations

import email.utils
import functools
import os
import threading
import time
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
                                        max_retries=0)
        else:
            from langchain_openai import ChatOpenAI

            self._llm = ChatOpenAI(model=self.model, api_key=key or "not-needed", base_url=self.base_url,
                                   timeout=self.timeout, max_retries=0)
        return self._llm

    def draft(self, context: Any, request: ModelRequest) -> ModelReply:
        if not base.ALLOW_MODEL_REQUESTS:
            raise EngineError(f"model requests are disabled in this process; {self.name} was not called",
                              hint="tests use the offline, replay or function engines")
        from langchain_core.messages import AIMessage, HumanMessage, SystemMessage

        kinds = {"system": SystemMessage, "user": HumanMessage, "assistant": AIMessage}
        messages = [kinds[m.role](content=m.content) for m in request.messages]

        def bound() -> Any:  # built outside the deadline (the first call imports the client)
            return self._chat().bind(response_format={"type": "json_object"}, max_tokens=request.max_tokens,
                                     temperature=request.temperature)

        response = self._call(bound, lambda chat: chat.invoke(messages))
        content = response.content if isinstance(response.content, str) else str(response.content)
        usage = getattr(response, "usage_metadata", None) or {}
        return ModelReply(
            text=content,
            usage=Usage(prompt_tokens=int(usage.get("input_tokens", 0)),
                        completion_tokens=int(usage.get("output_tokens", 0))),
            model=(response.response_metadata or {}).get("model_name", self.model),
        )

    # ------------------------------------------------------------------ retries
    def _call(self, build: Any, invoke: Any) -> Any:
        """``invoke(build())`` with a hard deadline per attempt and at most ``max_retries`` retries."""
        attempts = 1 + max(0, self.max_retries)
        for attempt in range(1, attempts + 1):
            try:
                chat = build()
                return self._attempt(functools.partial(invoke, chat))
            except ConfigError:
                raise
            except Exception as exc:  # openai / httpx raise their own trees; all are a failed call here
                retry, wait, why = _classify(exc, attempt, self.timeout)
                where = f" after {attempt} attempts" if attempt > 1 else ""
                if not retry or attempt == attempts:
                    raise EngineError(f"{self.name} failed{where}: {why}", hint=_HINT) from exc
                if wait > self.timeout:
                    raise EngineError(f"{self.name} failed{where}: {why}; the server asks to wait {wait:g} s, "
                                      f"longer than the {self.timeout:g} s timeout",
                                      hint=f"try again in {wait:g} s, or use --fallback offline") from exc
                time.sleep(wait)
        raise AssertionError("unreachable")  # pragma: no cover

    def _attempt(self, invoke: Any) -> Any:
        """One call, abandoned after ``timeout`` seconds whatever the server does meanwhile."""
        outcome: dict[str, Any] = {}

        def run() -> None:
            try:
                outcome["value"] = invoke()
            except BaseException as exc:  # handed to the caller's thread
                outcome["error"] = exc

        worker = threading.Thread(target=run, name=f"dxprep-{self.name}", daemon=True)
        worker.start()
        # the client's own timeout fires first on a silent server; this one on a slow one
        worker.join(self.timeout + 0.25)
        if worker.is_alive():
            # Abandoned: the daemon thread ends when the server finishes or drops the answer.
            # (The client is not closed: LangChain shares its HTTP pool between instances.)
            raise _Deadline(f"no complete answer within {self.timeout:g} s")
        if "error" in outcome:
            raise outcome["error"]
        return outcome["value"]


_HINT = "nothing was written; try again, or use --fallback offline"
_RETRY_STATUS = {408, 409, 429}


class _Deadline(Exception):
    """An attempt ran past its deadline (the server was too slow to finish its answer)."""


def _classify(exc: BaseException, attempt: int, timeout: float) -> tuple[bool, float, str]:
    """(try again?, seconds to wait first, what happened) for a failed attempt."""
    import openai

    backoff = min(0.5 * 2 ** (attempt - 1), timeout)
    if isinstance(exc, _Deadline):
        return True, backoff, str(exc)
    if isinstance(exc, openai.APITimeoutError):
        return True, backoff, f"no answer within {timeout:g} s (timed out)"
    if isinstance(exc, openai.APIConnectionError):
        root: BaseException = exc
        while root.__cause__ is not None:
            root = root.__cause__
        return True, backoff, f"the connection failed or was cut ({type(root).__name__}: {_short(root)})"
    if isinstance(exc, openai.APIStatusError):
        code = exc.status_code
        detail = f"HTTP {code}" + (" (rate limited)" if code == 429 else "") + f": {_short(exc)}"
        if code in _RETRY_STATUS or code >= 500:
            after = _retry_after(exc.response.headers)
            return True, backoff if after is None else after, detail
        return False, 0.0, detail
    return False, 0.0, f"the answer is not a usable OpenAI response ({type(exc).__name__}: {_short(exc)})"


def _retry_after(headers: Any) -> float | None:
    """Seconds the server asks us to wait (``retry-after-ms``, ``Retry-After`` as seconds or a date)."""
    try:
        if (ms := headers.get("retry-after-ms")) is not None:
            return max(0.0, float(ms) / 1000)
        value = headers.get("retry-after")
        if value is None:
            return None
        try:
            return max(0.0, float(value))
        except ValueError:
            when = email.utils.parsedate_to_datetime(value)
            return max(0.0, when.timestamp() - time.time())
    except (TypeError, ValueError, OverflowError):
        return None


def _short(exc: BaseException) -> str:
    text = " ".join(str(exc).split())
    return text[:300] + ("…" if len(text) > 300 else "")
