"""Prompt templates as data (``prompts/*.yaml``), validated when loaded.

Each template file is parsed into :class:`PromptTemplate`, which rejects unknown keys; the
variables it declares must be exactly those the template uses, and rendering with a
missing variable is an error that names it. Templates render in Jinja2's sandbox. Role
guidance (``prompts/roles/<ROLE>.yaml``) tells the engines how each executive listens.
"""

from __future__ import annotations

import hashlib
import os
from functools import lru_cache
from pathlib import Path
from typing import Any

import yaml
from pydantic import BaseModel, ConfigDict, ValidationError

from dxprep.errors import ConfigError

__all__ = ["PromptTemplate", "RoleGuidance", "load_prompt", "prompt_version", "prompts_dir", "role_guidance"]


class PromptTemplate(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)

    name: str
    version: str
    description: str
    variables: list[str]
    template: str

    def render(self, **values: Any) -> str:
        missing = sorted(set(self.variables) - set(values))
        unknown = sorted(set(values) - set(self.variables))
        if missing or unknown:
            parts = []
            if missing:
                parts.append(f"missing variable(s): {', '.join(missing)}")
            if unknown:
                parts.append(f"unknown variable(s): {', '.join(unknown)}")
            raise ConfigError(f"prompt {self.name!r}: {'; '.join(parts)}")
        return _environment().from_string(self.template).render(**values).strip() + "\n"


class RoleGuidance(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)

    role: str
    focus: str
    vocabulary: list[str]
    headline: str
    ask: str

    def text(self) -> str:
        return f"{self.focus}\nWords that land with a {self.role}: {', '.join(self.vocabulary)}."


@lru_cache(maxsize=1)
def _environment() -> Any:
    from jinja2 import StrictUndefined
    from jinja2.sandbox import SandboxedEnvironment

    return SandboxedEnvironment(undefined=StrictUndefined, autoescape=False, keep_trailing_newline=True)


def prompts_dir() -> Path:
    """``$DXPREP_PROMPTS``, else the repository's ``prompts/`` folder."""
    env = os.environ.get("DXPREP_PROMPTS")
    if env:
        return Path(env)
    here = Path(__file__).resolve()
    for parent in here.parents:
        if (parent / "prompts" / "system.yaml").is_file():
            return parent / "prompts"
    raise ConfigError("the prompts/ folder was not found", hint="set DXPREP_PROMPTS to the folder of prompt files")


def _read_yaml(path: Path) -> dict[str, Any]:
    try:
        data = yaml.safe_load(path.read_text(encoding="utf-8"))
    except (OSError, yaml.YAMLError) as exc:
        raise ConfigError(f"prompt file {path}: {exc}") from exc
    if not isinstance(data, dict):
        raise ConfigError(f"prompt file {path}: expected a mapping")
    return data


@lru_cache(maxsize=32)
def load_prompt(name: str, folder: str | None = None) -> PromptTemplate:
    path = Path(folder or prompts_dir()) / f"{name}.yaml"
    if not path.is_file():
        raise ConfigError(f"prompt {name!r} not found at {path}")
    try:
        prompt = PromptTemplate.model_validate(_read_yaml(path))
    except ValidationError as exc:
        err = exc.errors()[0]
        raise ConfigError(f"prompt file {path}: {'.'.join(map(str, err['loc']))}: {err['msg']}") from exc
    from jinja2 import meta

    used = meta.find_undeclared_variables(_environment().parse(prompt.template))
    undeclared = sorted(used - set(prompt.variables))
    unused = sorted(set(prompt.variables) - used)
    if undeclared or unused:
        raise ConfigError(
            f"prompt file {path}: "
            + "; ".join(p for p in (
                f"uses undeclared variable(s) {', '.join(undeclared)}" if undeclared else "",
                f"declares unused variable(s) {', '.join(unused)}" if unused else "") if p))
    return prompt


@lru_cache(maxsize=32)
def role_guidance(role: str, folder: str | None = None) -> RoleGuidance:
    base = Path(folder or prompts_dir()) / "roles"
    path = base / f"{role}.yaml"
    if not path.is_file():
        path = base / "other.yaml"
    try:
        return RoleGuidance.model_validate(_read_yaml(path))
    except ValidationError as exc:
        err = exc.errors()[0]
        raise ConfigError(f"role file {path}: {'.'.join(map(str, err['loc']))}: {err['msg']}") from exc


def prompt_version(folder: str | None = None) -> str:
    """One version for the prompt set: the templates' versions plus a hash of every file."""
    base = Path(folder or prompts_dir())
    digest = hashlib.sha256()
    for path in sorted(base.rglob("*.yaml")):
        digest.update(path.relative_to(base).as_posix().encode())
        digest.update(path.read_bytes())
    versions = "+".join(load_prompt(n, folder).version for n in ("system", "briefing"))
    return f"{versions}#{digest.hexdigest()[:8]}"
