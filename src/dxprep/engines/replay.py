"""Replay recorded model responses: one reviewed JSON file per request, keyed by a hash of
the normalised request (model, messages, schema, prompt version).

A request with no recording is an error that names the nearest recording and what differs
(model, prompt version, evidence); :meth:`ReplayEngine.unused` lists recordings that no
request used, so stale fixtures do not pile up.
"""

from __future__ import annotations

import difflib
import json
from pathlib import Path
from typing import Any

from dxprep.engines.base import Engine, ModelReply, ModelRequest, Usage
from dxprep.errors import ConfigError, EngineError

__all__ = ["ReplayEngine", "load_recordings"]


def load_recordings(folder: Path) -> dict[str, dict[str, Any]]:
    if not folder.is_dir():
        raise ConfigError(f"replay folder {folder} does not exist", hint="record first: dxprep eval --record")
    out: dict[str, dict[str, Any]] = {}
    for path in sorted(folder.glob("*.json")):
        try:
            data = json.loads(path.read_text(encoding="utf-8"))
        except (OSError, json.JSONDecodeError) as exc:
            raise ConfigError(f"recording {path} is not valid JSON: {exc}") from exc
        if not isinstance(data, dict) or "key" not in data or "response" not in data:
            raise ConfigError(f"recording {path} lacks 'key' or 'response'")
        data["_path"] = str(path)
        out[str(data["key"])] = data
    return out


class ReplayEngine(Engine):
    name = "replay"

    def __init__(self, folder: Path) -> None:
        self.folder = folder
        self.recordings = load_recordings(folder)
        self.used: set[str] = set()
        self.name = f"replay:{folder}"
        # Requests are keyed by model too: replay as the model the recordings came from.
        models = [str(r.get("request", {}).get("model") or r.get("metadata", {}).get("model") or "")
                  for r in self.recordings.values()]
        models = [m for m in models if m]
        self.model = max(set(models), key=models.count) if models else None

    def draft(self, context: Any, request: ModelRequest) -> ModelReply:
        key = request.key()
        rec = self.recordings.get(key)
        if rec is None:
            raise EngineError(f"no recording for request {key} (model {request.model}); {self._nearest(request)}",
                              hint="re-record with: dxprep eval --record --engine openai:<model>")
        self.used.add(key)
        response = rec["response"]
        meta = rec.get("metadata", {})
        return ModelReply(text=response.get("text", ""), usage=Usage(**response.get("usage", {})),
                          model=meta.get("model") or request.model, origin=meta.get("origin"))

    def unused(self) -> list[str]:
        return sorted(rec["_path"] for key, rec in self.recordings.items() if key not in self.used)

    def _nearest(self, request: ModelRequest) -> str:
        if not self.recordings:
            return f"the folder {self.folder} holds no recordings"
        want = request.normalized()
        want_text = json.dumps(want, sort_keys=True)

        def similarity(rec: dict[str, Any]) -> float:
            return difflib.SequenceMatcher(None, want_text, json.dumps(rec.get("request", {}), sort_keys=True),
                                           autojunk=False).quick_ratio()

        best_key, best = max(self.recordings.items(), key=lambda kv: similarity(kv[1]))
        got = best.get("request", {})
        changed = [name for name in ("model", "prompt_version", "schema") if got.get(name) != want.get(name)]
        if got.get("messages") != want.get("messages"):
            changed.append("messages (evidence or dialogue memory)")
        return f"nearest recording {best_key} ({Path(best['_path']).name}) differs in: {', '.join(changed) or 'nothing?'}"
