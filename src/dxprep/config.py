"""Settings: explicit arguments > environment (``DXPREP_*``) > the workspace's dxprep.toml > defaults.

Every path dxprep writes derives from the workspace (``<workspace>/.dxprep/``) or from
``DXPREP_HOME`` (default ``~/.dxprep``) for state that belongs to no workspace.
"""

from __future__ import annotations

import os
import tomllib
from pathlib import Path
from typing import Any

from pydantic import BaseModel, ConfigDict, Field, ValidationError, field_validator

from dxprep.errors import ConfigError

__all__ = ["REDACT_KINDS", "Settings", "dxprep_home", "load_settings", "resolve_workspace"]

CONFIG_FILE = "dxprep.toml"
STATE_DIR = ".dxprep"
#: What ``redact`` may name; ``names`` (people in stakeholders.yaml) is off by default.
REDACT_KINDS = ("email", "phone", "card", "bank", "names")
_TRUE = {"true", "yes", "on", "1"}
_FALSE = {"false", "no", "off", "0"}


class Settings(BaseModel):
    """The settings in force for one workspace."""

    model_config = ConfigDict(extra="forbid")

    engine: str = "offline"
    model: str | None = None
    embedding: str = "local"  # local | openai:<model> | hash (tests)
    chroma_url: str | None = None
    chroma_tenant: str = "default_tenant"
    chroma_database: str = "default_database"
    chroma_token: str | None = None
    #: How the token travels: ``authorization`` (``Authorization: Bearer``) or ``x-chroma-token``.
    chroma_token_header: str = "authorization"
    #: TLS certificate check for an https chroma_url: true, false, or the path of a CA bundle.
    chroma_ssl_verify: bool | str = True
    collection: str = "dxprep"
    meeting_minutes: int = Field(default=30, ge=5, le=480)
    chunk_tokens: int = Field(default=254, ge=32, le=8000)
    remote: bool = True
    max_file_mb: float = Field(default=50.0, gt=0)
    openai_base_url: str | None = None
    it_leader: str | None = None
    #: Replaced by placeholders before any remote model or embedding call (see dxprep.privacy).
    redact: list[str] = Field(default_factory=lambda: ["email", "phone", "card", "bank"])

    @field_validator("redact", mode="before")
    @classmethod
    def _redact_list(cls, value: Any) -> Any:
        if isinstance(value, str):  # DXPREP_REDACT=email,phone  (or "none")
            value = [] if value.strip().lower() in ("none", "off", "[]") else \
                [v.strip() for v in value.replace(";", ",").split(",") if v.strip()]
        if isinstance(value, list):
            value = [v.strip().lower() if isinstance(v, str) else v for v in value]
            unknown = [v for v in value if v not in REDACT_KINDS]
            if unknown:
                raise ValueError(f"unknown kind(s) {unknown}; use {', '.join(REDACT_KINDS)}")
            value = list(dict.fromkeys(value))
        return value

    @field_validator("chroma_token_header", mode="before")
    @classmethod
    def _token_header(cls, value: Any) -> Any:
        if isinstance(value, str):
            key = value.strip().lower().replace("_", "-")
            aliases = {"authorization": "authorization", "bearer": "authorization",
                       "x-chroma-token": "x-chroma-token"}
            if key not in aliases:
                raise ValueError("use authorization (Authorization: Bearer <token>) or x-chroma-token")
            return aliases[key]
        return value

    @field_validator("chroma_ssl_verify", mode="before")
    @classmethod
    def _ssl_verify(cls, value: Any) -> Any:
        if isinstance(value, str):
            key = value.strip().lower()
            if key in _TRUE:
                return True
            if key in _FALSE:
                return False
            if not value.strip():
                raise ValueError("give true, false or the path of a CA bundle")
            return str(Path(value.strip()).expanduser())
        return value


_ENV_KEYS = {name: f"DXPREP_{name.upper()}" for name in Settings.model_fields}


def dxprep_home() -> Path:
    """Root for state that belongs to no workspace (``DXPREP_HOME``, default ``~/.dxprep``)."""
    return Path(os.environ.get("DXPREP_HOME") or Path.home() / ".dxprep").expanduser()


def resolve_workspace(path: str | Path | None) -> Path:
    """The workspace folder: ``path``, else ``$DXPREP_WORKSPACE``, else the current directory."""
    chosen = path or os.environ.get("DXPREP_WORKSPACE") or "."
    return Path(chosen).expanduser()


def _read_toml(path: Path) -> dict[str, Any]:
    try:
        data = tomllib.loads(path.read_text(encoding="utf-8"))
    except tomllib.TOMLDecodeError as exc:
        raise ConfigError(f"{path.name}: invalid TOML ({exc})", hint="fix the line it names") from exc
    except UnicodeDecodeError as exc:
        raise ConfigError(f"{path.name}: not valid UTF-8", hint="save it as UTF-8") from exc
    section = data.get("dxprep", data)
    if not isinstance(section, dict):
        raise ConfigError(f"{path.name}: [dxprep] must be a table")
    flat: dict[str, Any] = {}
    for key, value in section.items():
        if isinstance(value, dict) and key == "chroma":
            for sub, subval in value.items():
                flat[f"chroma_{sub}"] = subval
        else:
            flat[key] = value
    return flat


def load_settings(workspace: str | Path | None = None, **overrides: Any) -> Settings:
    """Settings for ``workspace``; ``overrides`` (not None) win over everything else."""
    root = resolve_workspace(workspace)
    values: dict[str, Any] = {}
    toml_path = root / CONFIG_FILE
    if toml_path.is_file():
        from_file = _read_toml(toml_path)
        unknown = sorted(set(from_file) - set(Settings.model_fields))
        if unknown:
            raise ConfigError(
                f"{CONFIG_FILE}: unknown setting(s) {', '.join(unknown)}",
                hint=f"known settings: {', '.join(Settings.model_fields)}",
            )
        values.update(from_file)
    for name, env in _ENV_KEYS.items():
        if env in os.environ and os.environ[env] != "":
            values[name] = os.environ[env]
    values.update({k: v for k, v in overrides.items() if v is not None})
    try:
        return Settings.model_validate(values)
    except ValidationError as exc:
        err = exc.errors()[0]
        field = ".".join(str(p) for p in err["loc"])
        raise ConfigError(f"setting {field!r}: {err['msg']}", hint=f"check {CONFIG_FILE} and DXPREP_{field.upper()}") from exc
