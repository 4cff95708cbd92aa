"""The guard around every remote engine: redact before sending, restore after, audit each call.

:func:`~dxprep.engines.resolve_engine` wraps ``openai:`` and ``azure:`` engines in a
:class:`RedactingEngine`. For each request it replaces personal and financial data in the
messages with placeholders (:mod:`dxprep.privacy`), sends the redacted request, puts the
originals back into the model's answer (so the pipeline validates and renders real values),
and appends one line to the workspace's audit log (:mod:`dxprep.audit`), for failed calls too.
Nothing is logged when nothing was sent (model requests disabled, missing key).
"""

from __future__ import annotations

from pathlib import Path
from typing import Any, Literal

from dxprep.audit import AuditLog, evidence_sources, payload_sha256, public_endpoint
from dxprep.engines import base
from dxprep.engines.base import Engine, Message, ModelReply, ModelRequest
from dxprep.errors import ConfigError
from dxprep.privacy import RedactionPolicy

__all__ = ["RedactingEngine", "endpoint_of"]


def endpoint_of(engine: Any) -> str:
    """Where ``engine`` sends requests, without credentials."""
    if getattr(engine, "azure", False):
        import os

        return public_endpoint(os.environ.get("AZURE_OPENAI_ENDPOINT"), "Azure OpenAI")
    return public_endpoint(getattr(engine, "base_url", None))


class RedactingEngine(Engine):
    """Wraps a remote engine: redacted requests out, restored answers back, an audit line each."""

    def __init__(self, inner: Engine, policy: RedactionPolicy, workspace: Path | None = None) -> None:
        self.inner = inner
        self.policy = policy
        self.workspace = workspace
        self.name = inner.name
        self.model = inner.model
        self.drafted_without_model = inner.drafted_without_model
        self.remote = True
        self.audit = AuditLog(workspace, [getattr(inner, 'api_key', None) or ''])
        #: The last request as it was sent (redacted), for inspection.
        self.last_sent: ModelRequest | None = None

    # What the recorder reads to say where a recording came from.
    @property
    def base_url(self) -> str | None:
        return getattr(self.inner, "base_url", None)

    @property
    def azure(self) -> bool:
        return bool(getattr(self.inner, "azure", False))

    @property
    def api_key(self) -> str | None:
        return getattr(self.inner, "api_key", None)

    def draft(self, context: Any, request: ModelRequest) -> ModelReply:
        redactor = self.policy.redactor()
        contents = redactor.redact_many([m.content for m in request.messages])
        sent = request.model_copy(update={"messages": [Message(role=m.role, content=c)
                                                       for m, c in zip(request.messages, contents, strict=True)]})
        self.last_sent = sent
        if not base.ALLOW_MODEL_REQUESTS:  # a network client refuses here: nothing is sent, nothing to log
            unlogged = self.inner.draft(context, sent)
            return unlogged.model_copy(update={"text": redactor.restore(unlogged.text, json_escape=True)})
        # what was sent, as the API body carries it: {"model", "messages": [{"role", "content"}]}
        digest = payload_sha256({"model": sent.model, "messages": [m.model_dump() for m in sent.messages]})
        sources = evidence_sources([m.content for m in request.messages])

        def log(outcome: Literal["ok", "error"], error: BaseException | None = None,
                reply: ModelReply | None = None) -> None:
            self.audit.record(kind="chat", endpoint=endpoint_of(self.inner), model=sent.model,
                              payload_sha256=digest, outcome=outcome, error=error, inputs=len(sent.messages),
                              prompt_tokens=reply.usage.prompt_tokens if reply else None,
                              completion_tokens=reply.usage.completion_tokens if reply else None,
                              sources=sources, redactions=redactor.counts)

        try:
            reply = self.inner.draft(context, sent)
        except ConfigError:  # no key, no endpoint: refused before anything was sent
            raise
        except Exception as exc:
            log("error", exc)
            raise
        log("ok", reply=reply)
        return reply.model_copy(update={"text": redactor.restore(reply.text, json_escape=True)})
