"""Eval cases as data: ``evals/cases/*.yaml``.

A case file holds ``cases:`` (a list) and optional ``defaults:`` merged into every case of
the file (a case's own keys win; ``thresholds`` are merged key by key). Three kinds:

- ``briefing``: a workspace, an executive, a meeting date, an engine, and expectations
  (open and closed commitments from the answer key, strings the audience must not see,
  thresholds per evaluator). An ``adversarial`` case replays a hand-written bad answer and
  says how the validation layer must catch it: ``expect_error`` (the pipeline raises
  :class:`~dxprep.errors.EngineError` matching the regex) or ``expect_warning`` (a briefing
  warning matches), plus thresholds that the report must show moving (e.g. ``contradictions:
  {min: 1}``).
- ``retrieval``: questions on a workspace, each with the file(s) that answer it.
- ``qmsum``: the QMSum dev set (a fixed subset of queries), hit@5 and turn recall.

Relative paths (workspace, ``replay:<dir>``, data) resolve against the project root: the
first folder above the cases folder that holds ``pyproject.toml`` (else the current folder).
"""

from __future__ import annotations

import datetime as dt
from pathlib import Path
from typing import Annotated, Any, Literal

import yaml
from pydantic import BaseModel, ConfigDict, Field, TypeAdapter, ValidationError

from dxprep.errors import ConfigError

__all__ = ["BriefingCase", "Case", "QmsumCase", "RetrievalCase", "RetrievalQuestion", "Threshold", "load_cases",
           "project_root"]


class _M(BaseModel):
    model_config = ConfigDict(extra="forbid")


class Threshold(_M):
    """Bounds for one evaluator's value (a bool counts as 1 or 0)."""

    min: float | None = None
    max: float | None = None

    def check(self, value: float | bool | None) -> bool:
        if value is None:
            return False
        v = float(value)
        if v != v:  # NaN
            return False
        return (self.min is None or v >= self.min) and (self.max is None or v <= self.max)

    def describe(self) -> str:
        parts = ([f">= {self.min:g}"] if self.min is not None else []) + \
                ([f"<= {self.max:g}"] if self.max is not None else [])
        return " and ".join(parts) or "any"


class _Case(_M):
    name: str = Field(pattern=r"^[A-Za-z0-9][A-Za-z0-9._-]*$")
    description: str = ""
    thresholds: dict[str, Threshold] = Field(default_factory=dict)


class BriefingCase(_Case):
    kind: Literal["briefing"] = "briefing"
    workspace: str = "corpus"
    executive: str
    date: dt.date
    minutes: int | None = None
    engine: str = "offline"
    #: ``hash`` keeps retrieval (hence the evidence, hence the replay keys) identical on every machine.
    embedding: str = "hash"
    #: The attack an adversarial fixture plays (malformed JSON, a refusal...); None for ordinary cases.
    adversarial: str | None = None
    expect_error: str | None = None
    expect_warning: str | None = None
    open_commitments: list[str] = Field(default_factory=list)
    closed_commitments: list[str] = Field(default_factory=list)
    must_not_contain: list[str] = Field(default_factory=list)
    #: Words of generated text (talking points, questions, answers, hard conversations); default 40 per minute.
    word_budget: int | None = None

    @property
    def calls_model(self) -> bool:
        """An ordinary case whose engine stands for a model (``--engine`` replaces it, ``--record`` records it)."""
        return self.adversarial is None and self.engine.partition(":")[0] in ("replay", "openai", "azure")


class RetrievalQuestion(_M):
    question: str
    expect: list[str]  # any of these workspace-relative files in the top k counts as a hit
    audience: str | None = None
    must_not_return: list[str] = Field(default_factory=list)


class RetrievalCase(_Case):
    kind: Literal["retrieval"]
    workspace: str = "corpus"
    embedding: str = "hash"
    k: int = 5
    questions: list[RetrievalQuestion]


class QmsumCase(_Case):
    kind: Literal["qmsum"]
    data: str = "../shared/data/qmsum-dev"
    every: int = Field(default=4, ge=1)  # every n-th query of the 171, a fixed subset
    limit: int | None = None
    embedding: str = "hash"
    dense_weight: float = 0.0  # 0: BM25 only (the hash embedder carries no meaning)
    lexical_weight: float = 1.5


Case = Annotated[BriefingCase | RetrievalCase | QmsumCase, Field(discriminator="kind")]
_CASE: TypeAdapter[BriefingCase | RetrievalCase | QmsumCase] = TypeAdapter(Case)


class _File(_M):
    defaults: dict[str, Any] = Field(default_factory=dict)
    cases: list[dict[str, Any]]


def project_root(cases_dir: Path) -> Path:
    for parent in [cases_dir.resolve(), *cases_dir.resolve().parents]:
        if (parent / "pyproject.toml").is_file():
            return parent
    return Path.cwd()


def _merge(defaults: dict[str, Any], case: dict[str, Any]) -> dict[str, Any]:
    out = {**defaults, **case}
    if "thresholds" in defaults or "thresholds" in case:
        out["thresholds"] = {**(defaults.get("thresholds") or {}), **(case.get("thresholds") or {})}
    out.setdefault("kind", "briefing")
    return out


def load_cases(folder: Path) -> list[BriefingCase | RetrievalCase | QmsumCase]:
    """Every case of every ``*.yaml`` in ``folder`` (sorted by file name, then file order)."""
    if not folder.is_dir():
        raise ConfigError(f"cases folder {folder} does not exist", hint="pass --cases DIR (e.g. evals/cases)")
    cases: list[BriefingCase | RetrievalCase | QmsumCase] = []
    for path in sorted(folder.glob("*.yaml")):
        try:
            raw = yaml.safe_load(path.read_text(encoding="utf-8"))
            parsed = _File.model_validate(raw)
            for item in parsed.cases:
                cases.append(_CASE.validate_python(_merge(parsed.defaults, item)))
        except (OSError, yaml.YAMLError) as exc:
            raise ConfigError(f"case file {path}: {exc}") from exc
        except ValidationError as exc:
            err = exc.errors()[0]
            raise ConfigError(f"case file {path}: {'.'.join(map(str, err['loc']))}: {err['msg']}") from exc
    names = [c.name for c in cases]
    dupes = sorted({n for n in names if names.count(n) > 1})
    if dupes:
        raise ConfigError(f"duplicate case name(s) in {folder}: {', '.join(dupes)}")
    if not cases:
        raise ConfigError(f"no cases in {folder}", hint="case files are *.yaml with a 'cases:' list")
    return cases
