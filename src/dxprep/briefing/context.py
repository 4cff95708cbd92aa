"""What an engine gets: the facts of the dialogue memory and the numbered evidence."""

from __future__ import annotations

import datetime as dt

from pydantic import BaseModel, ConfigDict, Field

from dxprep.briefing.model import AlignmentLine, CommitmentLine, DecisionLine, NewForThem, Source, StatedLine
from dxprep.injection import INJECTION, looks_like_injection

__all__ = ["BriefingContext", "INJECTION", "looks_like_injection"]

class BriefingContext(BaseModel):
    model_config = ConfigDict(extra="forbid")

    organization: str | None
    it_leader: str | None
    executive_id: str
    executive_name: str
    title: str | None
    role: str
    unit: str | None
    meeting_date: dt.date
    minutes: int
    dialogue_label: str
    last_met: dt.date | None
    goals: list[StatedLine] = Field(default_factory=list)
    concerns: list[StatedLine] = Field(default_factory=list)
    alignment: list[AlignmentLine] = Field(default_factory=list)
    open_commitments: list[CommitmentLine] = Field(default_factory=list)
    closed_since_last: list[CommitmentLine] = Field(default_factory=list)
    decisions: list[DecisionLine] = Field(default_factory=list)
    whats_new: list[NewForThem] = Field(default_factory=list)
    #: Numbered evidence given to the engine (flagged instructions excluded).
    evidence: list[Source] = Field(default_factory=list)
    #: Evidence number → why it was retrieved ("goal:0", "new", "concern:1", "commitment").
    purpose: dict[int, list[str]] = Field(default_factory=dict)
    max_points: int = 7
