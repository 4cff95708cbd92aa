"""What an engine gets: the facts of the dialogue memory and the numbered evidence."""

from __future__ import annotations

import datetime as dt
import re

from pydantic import BaseModel, ConfigDict, Field

from dxprep.briefing.model import AlignmentLine, CommitmentLine, DecisionLine, NewForThem, Source, StatedLine

__all__ = ["BriefingContext", "INJECTION", "looks_like_injection"]

#: Text that reads as an instruction to an AI. Matched case-insensitively on evidence and output.
INJECTION = re.compile(
    r"(ignore|disregard|forget|override)\s+(all\s+|any\s+)?(the\s+)?(previous|prior|above|earlier|preceding)\s+"
    r"(instructions|prompts?|rules|directions)"
    r"|ignor(?:ez|iere|a)\s+(?:toutes\s+les\s+|alle\s+|todas\s+las\s+)?(?:instructions|anweisungen|instrucciones)"
    r"|you are now (?:a|an|the)\b|system prompt|as an ai (?:language )?model|new instructions:"
    r"|\bdo not (?:tell|mention|reveal) (?:this|the reader)",
    re.IGNORECASE,
)


def looks_like_injection(text: str) -> bool:
    return bool(INJECTION.search(text))


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
