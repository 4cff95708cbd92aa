"""Our own small types for the dialogue memory: meetings, stated items, commitments, cadence.

They are plain pydantic models: what ``dxprep history`` and ``dxprep cadence`` print as
JSON is exactly ``model_dump_json()`` of :class:`History` and :class:`CadenceReport`.
"""

from __future__ import annotations

import datetime as dt
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field

from dxprep.workspace.models import WorkspaceWarning

__all__ = [
    "CadenceReport",
    "CadenceRow",
    "Closing",
    "Commitment",
    "History",
    "Meeting",
    "NewNote",
    "Side",
    "SourceRef",
    "StatedItem",
    "Statement",
    "Status",
]

Side = Literal["IT", "business"]
Status = Literal["open", "done"]
#: How a commitment was closed: by its explicit ``{#id}``, by the same text ticked ``[x]``,
#: by a reworded text (tolerant match), or already ``[x]`` the first time it was written.
Closing = Literal["id", "same-text", "reworded", "done-at-creation"]


class _Model(BaseModel):
    model_config = ConfigDict(extra="forbid")


class SourceRef(_Model):
    """Where something was written: a note's workspace-relative path and the exact span."""

    path: str
    date: dt.date
    line: int
    start: int
    end: int

    def __str__(self) -> str:
        return f"{self.path}:{self.line}"


class Meeting(_Model):
    """One dated meeting note."""

    date: dt.date
    type: str
    joint: bool
    executives: list[str]
    business_unit: str | None = None
    title: str | None = None
    confidential: bool = False
    structured: bool = True
    path: str


class StatedItem(_Model):
    """A goal, concern or decision, merged over the notes that state it (tolerant match)."""

    text: str = Field(description="as last stated")
    first_stated: dt.date
    last_stated: dt.date
    source: SourceRef = Field(description="the last statement")
    sources: list[SourceRef] = Field(description="every statement, oldest first")


class Statement(_Model):
    """One appearance of a commitment in a note."""

    source: SourceRef
    text: str
    done: bool
    owner: str | None = None
    person: str | None = None
    due: dt.date | None = None
    item_id: str | None = None
    confidential: bool = False
    executives: list[str] = Field(default_factory=list)
    #: How this statement was linked to the commitment (None: it opened it).
    link: Literal["id", "same-text", "reworded"] | None = None
    score: float | None = None


class Commitment(_Model):
    """An action item carried forward from note to note until one closes it."""

    id: str
    text: str = Field(description="as last stated")
    owner: str | None = None
    person: str | None = None
    side: Side | None = Field(default=None, description="IT or business; None when no owner is written")
    due: dt.date | None = Field(default=None, description="the latest due date stated")
    status: Status
    overdue: bool
    opened_in: SourceRef
    closed_in: SourceRef | None = None
    closing: Closing | None = None
    executives: list[str] = Field(description="every executive of every note that states it")
    confidential: bool = Field(description="stated only in confidential notes")
    statements: list[Statement]


class History(_Model):
    """Everything an executive's notes say, as of a date, as one audience may see it."""

    executive: str
    executive_name: str
    as_of: dt.date
    audience: str | None = Field(description="None: the IT leader's own view (everything)")
    meetings: list[Meeting]
    goals: list[StatedItem]
    concerns: list[StatedItem]
    decisions: list[StatedItem]
    commitments: list[Commitment]
    warnings: list[WorkspaceWarning] = Field(default_factory=list)

    @property
    def open_commitments(self) -> list[Commitment]:
        return [c for c in self.commitments if c.status == "open"]


class CadenceRow(_Model):
    """How the dialogue with one executive is keeping up with its cadence."""

    id: str
    name: str
    business_unit: str | None = None
    last_met: dt.date | None = None
    meetings: int
    days_since: int | None = None
    cadence_days: int
    overdue: bool = Field(description="never met, or more than cadence_days since last met")
    days_past_cadence: int | None = Field(default=None, description="days_since - cadence_days; None if never met")
    next_due: dt.date | None = Field(default=None, description="last_met + cadence_days")
    open_commitments: int = 0
    overdue_commitments: int = 0
    next_commitment_due: dt.date | None = None
    meeting_dates: list[dt.date] = Field(default_factory=list)
    joint_dates: list[dt.date] = Field(default_factory=list, description="the dates of joint meetings")


class CadenceReport(_Model):
    """Cadence and coverage for the whole organization, as of a date."""

    as_of: dt.date
    executives: list[CadenceRow]
    never_met: list[str]
    business_units_never_engaged: list[str]
    next: list[str] = Field(description="executive ids: who to talk to next, most urgent first")
    warnings: list[WorkspaceWarning] = Field(default_factory=list)


class NewNote(_Model):
    """What ``dxprep notes new`` wrote."""

    path: str = Field(description="workspace-relative path of the note written")
    executive: str
    date: dt.date
    confidential: bool = Field(description="true when it carries forward items from confidential notes")
    commitments: list[str] = Field(description="ids of the open commitments pre-listed")
