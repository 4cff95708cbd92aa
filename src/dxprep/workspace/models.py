"""Our own small types for what a workspace holds (pydantic, no framework objects)."""

from __future__ import annotations

import datetime as dt
import difflib
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field

from dxprep.errors import UnknownExecutiveError, UserError

__all__ = [
    "ActionItem",
    "BusinessUnit",
    "Executive",
    "Item",
    "LoadedWorkspace",
    "Material",
    "MeetingNote",
    "Organization",
    "Person",
    "Section",
    "SectionKind",
    "SkippedFile",
    "WorkspaceWarning",
]

SectionKind = Literal["goals", "concerns", "decisions", "actions", "notes", "other"]
Role = Literal["CEO", "COO", "CFO", "CHRO", "CMO", "CRO", "CTO", "CISO", "CIO", "BU", "other"]
FileFormat = Literal["md", "txt", "docx", "pdf"]


class _Model(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=False)


class Person(_Model):
    name: str
    title: str | None = None


class BusinessUnit(_Model):
    id: str
    name: str


class Executive(_Model):
    id: str
    name: str
    title: str | None = None
    role: Role = "other"
    business_unit: str | None = None
    cadence_days: int = Field(default=30, ge=1, le=366)
    aliases: list[str] = Field(default_factory=list)

    def names(self) -> list[str]:
        """Every string that refers to this executive: id, name, aliases."""
        return [self.id, self.name, *self.aliases]


class Organization(_Model):
    name: str | None = None
    it_leader: Person | None = None
    business_units: list[BusinessUnit] = Field(default_factory=list)
    executives: list[Executive] = Field(default_factory=list)

    def unit(self, unit_id: str | None) -> BusinessUnit | None:
        for unit in self.business_units:
            if unit_id is not None and unit.id.casefold() == unit_id.casefold():
                return unit
        return None

    def match_executive(self, query: str) -> Executive | None:
        """The executive whose id, name or alias equals ``query`` (case-insensitive), or None."""
        key = " ".join(query.split()).casefold()
        if not key:
            return None
        hits = [e for e in self.executives if key in {n.casefold() for n in e.names()}]
        unique = {e.id: e for e in hits}
        if len(unique) > 1:
            raise UserError(
                f"{query!r} is ambiguous: it names {', '.join(sorted(unique))}",
                hint="use the executive's id",
            )
        if hits:
            return hits[0]
        # A first or last name alone ("Dana", "Ortiz") when exactly one executive has it.
        by_token = [e for e in self.executives if key in {t.casefold() for t in e.name.split()}]
        return by_token[0] if len(by_token) == 1 else None

    def executive(self, query: str) -> Executive:
        """Look an executive up by id, full name or alias, case-insensitively.

        Raises :class:`UnknownExecutiveError` listing the known executives and the
        closest match.
        """
        found = self.match_executive(query)
        if found is not None:
            return found
        candidates = {n.casefold(): e.id for e in self.executives for n in e.names()}
        close = difflib.get_close_matches(query.casefold(), list(candidates), n=1, cutoff=0.6)
        closest = candidates[close[0]] if close else None
        known = [f"{e.id} ({e.name})" for e in self.executives]
        raise UnknownExecutiveError(query, known, closest)


class Item(_Model):
    """One goal, concern or decision as written, with where it stands in the source."""

    text: str
    start: int
    end: int
    line: int


class ActionItem(_Model):
    """One action item: ``- [ ] Owner (Person): text, due 2026-11-15 {#ai-12}``."""

    text: str
    done: bool
    owner: str | None = None
    person: str | None = None
    due: dt.date | None = None
    item_id: str | None = None
    raw: str
    start: int
    end: int
    line: int


class Section(_Model):
    """A headed part of a document: the span runs from its heading to the next one."""

    kind: SectionKind
    heading: str
    level: int
    start: int
    end: int
    line: int


class WorkspaceWarning(_Model):
    path: str
    reason: str
    line: int | None = None

    def __str__(self) -> str:
        where = f"{self.path}:{self.line}" if self.line else self.path
        return f"{where}: {self.reason}"


class SkippedFile(_Model):
    path: str
    reason: str


class MeetingNote(_Model):
    """A parsed meeting note. ``text`` is the extracted text; offsets point into it."""

    path: str
    format: FileFormat
    text: str
    title: str | None = None
    date: dt.date | None = None
    executives: list[str] = Field(default_factory=list)
    business_unit: str | None = None
    type: str = "other"
    confidential: bool = False
    sections: list[Section] = Field(default_factory=list)
    goals: list[Item] = Field(default_factory=list)
    concerns: list[Item] = Field(default_factory=list)
    decisions: list[Item] = Field(default_factory=list)
    action_items: list[ActionItem] = Field(default_factory=list)
    body_start: int = 0
    structured: bool = True
    sha256: str = ""


class Material(_Model):
    """A parsed DX material document. ``text`` is the extracted text; offsets point into it."""

    path: str
    format: FileFormat
    text: str
    title: str
    date: dt.date | None = None
    doc_type: str = "other"
    business_units: list[str] = Field(default_factory=list)
    audience: list[str] = Field(default_factory=list)
    sections: list[Section] = Field(default_factory=list)
    body_start: int = 0
    pages: list[int] = Field(default_factory=list)
    sha256: str = ""


class LoadedWorkspace(_Model):
    """Everything read from one workspace folder."""

    root: str
    structured: bool
    organization: Organization
    notes: list[MeetingNote] = Field(default_factory=list)
    material: list[Material] = Field(default_factory=list)
    warnings: list[WorkspaceWarning] = Field(default_factory=list)
    skipped: list[SkippedFile] = Field(default_factory=list)
    ignored: list[str] = Field(default_factory=list)

    def notes_for(self, executive_id: str) -> list[MeetingNote]:
        return [n for n in self.notes if executive_id in n.executives]
