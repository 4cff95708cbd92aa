"""Generation engines: ``offline``, ``openai:<model>``, ``azure:<deployment>``, ``replay:<dir>``."""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path

from dxprep.engines.base import Engine, FunctionEngine, ModelReply, ModelRequest
from dxprep.errors import ConfigError

__all__ = ["Engine", "FunctionEngine", "ModelReply", "ModelRequest", "resolve_engine"]


def resolve_engine(spec: str, *, remote_allowed: bool = True, base_url: str | None = None,
                   timeout: float = 60.0, workspace: Path | None = None,
                   redact: Sequence[str] | None = None) -> Engine:
    """The engine a string names: ``offline``, ``openai:gpt-4o-mini``, ``azure:my-deployment``,
    ``replay:tests/fixtures/recorded``.

    Remote engines come wrapped in :class:`~dxprep.engines.guard.RedactingEngine`: what
    ``redact`` names (default: the workspace's ``redact`` setting) is replaced by placeholders
    before sending, restored in the answer, and each call is logged in
    ``<workspace>/.dxprep/audit.jsonl``."""
    kind, _, arg = spec.partition(":")
    if kind == "offline":
        from dxprep.engines.offline import OfflineEngine

        return OfflineEngine()
    if kind == "replay":
        from dxprep.engines.replay import ReplayEngine

        if not arg:
            raise ConfigError("replay needs a folder: replay:<dir>", hint="e.g. --engine replay:tests/fixtures/recorded")
        return ReplayEngine(Path(arg))
    if kind in ("openai", "azure"):
        if not remote_allowed:
            raise ConfigError(
                f"the engine {spec!r} calls a remote model, and this workspace forbids that (remote = false)",
                hint="use --engine offline or replay:<dir>, or set remote = true in dxprep.toml",
            )
        from dxprep.engines.openai import OpenAIEngine

        if not arg:
            raise ConfigError(f"{kind} needs a model: {kind}:<model>", hint="e.g. --engine openai:gpt-4o-mini")
        from dxprep.engines.guard import RedactingEngine
        from dxprep.privacy import RedactionPolicy

        inner = OpenAIEngine(arg, azure=kind == "azure", base_url=base_url, timeout=timeout, workspace=workspace)
        return RedactingEngine(inner, RedactionPolicy.for_workspace(workspace, redact), workspace)
    raise ConfigError(f"unknown engine {spec!r}", hint="use offline, openai:<model>, azure:<deployment> or replay:<dir>")
