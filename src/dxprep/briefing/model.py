"""The Briefing: our own versioned model of what an IT leader takes into the room.

Facts (commitments, dates, cadence, goals as stated) come from the dialogue memory; the
engine writes only the judgement parts (talking points, questions, answers, hard
conversations, agenda), always citing numbered sources. Every statement drawn from the
workspace carries citation numbers that resolve to ``sources``.
"""

from __future__ import annotations

import datetime as dt
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field

__all__ = [
    "SCHEMA_VERSION",
    "AgendaItem",
    "AlignmentLine",
    "Briefing",
    "BriefingHeader",
    "CommitmentLine",
    "DecisionLine",
    "Draft",
    "HardConversation",
    "NewForThem",
    "QandA",
    "Source",
    "StatedLine",
    "TalkingPoint",
]

SCHEMA_VERSION = "1.0"


class _M(BaseModel):
    model_config = ConfigDict(extra="forbid")


class Source(_M):
    """One cited chunk: number ``n`` in the text points here."""

    n: int
    source: str  # workspace-relative path
    start: int
    end: int
    text: str
    title: str | None = None
    section: str | None = None
    date: dt.date | None = None
    kind: str | None = None
    doc_type: str | None = None
    location: str | None = None  # human-readable: "line 14", "p. 2", "paragraph 7"


class BriefingHeader(_M):
    executive_id: str
    executive_name: str
    title: str | None = None
    role: str
    business_unit: str | None = None
    business_unit_name: str | None = None
    organization: str | None = None
    meeting_date: dt.date
    minutes: int
    dialogue_number: int  # this meeting is the n-th dialogue
    dialogue_label: str  # "4th monthly dialogue"
    last_met: dt.date | None = None
    days_since: int | None = None
    cadence_days: int
    cadence_status: str  # "on track", "overdue by 12 days", "first dialogue"
    prepared_for: str | None = None
    engine: str
    model: str | None = None
    prompt_version: str
    drafted_without_model: bool
    generated_at: dt.datetime


class StatedLine(_M):
    text: str
    first_stated: dt.date | None = None
    last_stated: dt.date | None = None
    citations: list[int] = Field(default_factory=list)


class CommitmentLine(_M):
    id: str
    text: str
    owner: str | None = None
    side: str
    due: dt.date | None = None
    status: Literal["open", "done"]
    overdue: bool = False
    opened_in: str | None = None
    closed_in: str | None = None
    citations: list[int] = Field(default_factory=list)


class DecisionLine(_M):
    text: str
    date: dt.date | None = None
    citations: list[int] = Field(default_factory=list)


class NewForThem(_M):
    title: str
    doc_type: str
    date: dt.date | None = None
    summary: str
    citations: list[int] = Field(default_factory=list)


class ServingInitiative(_M):
    """An initiative that serves a goal, as the material states it."""

    name: str
    status: str | None = None  # as written: "Red — late"
    red_or_late: bool = False
    target: str | None = None
    strength: str = "weak"  # strong | moderate | weak
    citations: list[int] = Field(default_factory=list)


class AlignmentLine(_M):
    """One of the executive's goals and what IT has for it (from the alignment map)."""

    goal: str
    citations: list[int] = Field(default_factory=list)
    served_by: list[ServingInitiative] = Field(default_factory=list)
    what_to_say: str | None = None  # for a gap or a red/late initiative


class TalkingPoint(_M):
    headline: str
    why_it_matters: str
    evidence: str
    ask: str
    citations: list[int] = Field(default_factory=list)
    opinion: bool = False  # no valid citation: flagged, not presented as fact


class QandA(_M):
    question: str
    answer: str
    citations: list[int] = Field(default_factory=list)


class HardConversation(_M):
    topic: str
    what_to_say: str
    citations: list[int] = Field(default_factory=list)


class AgendaItem(_M):
    minutes: int
    topic: str


class Draft(_M):
    """What an engine writes: the judgement parts of a briefing, citing source numbers."""

    talking_points: list[TalkingPoint] = Field(default_factory=list)
    questions_to_ask: list[str] = Field(default_factory=list)
    likely_questions: list[QandA] = Field(default_factory=list)
    hard_conversations: list[HardConversation] = Field(default_factory=list)
    agenda: list[AgendaItem] = Field(default_factory=list)
    whats_new_summaries: dict[str, str] = Field(default_factory=dict)


class Briefing(_M):
    schema_version: str = SCHEMA_VERSION
    header: BriefingHeader
    goals: list[StatedLine] = Field(default_factory=list)
    concerns: list[StatedLine] = Field(default_factory=list)
    alignment: list[AlignmentLine] = Field(default_factory=list)
    open_commitments: list[CommitmentLine] = Field(default_factory=list)
    closed_since_last: list[CommitmentLine] = Field(default_factory=list)
    decisions: list[DecisionLine] = Field(default_factory=list)
    whats_new: list[NewForThem] = Field(default_factory=list)
    talking_points: list[TalkingPoint] = Field(default_factory=list)
    questions_to_ask: list[str] = Field(default_factory=list)
    likely_questions: list[QandA] = Field(default_factory=list)
    hard_conversations: list[HardConversation] = Field(default_factory=list)
    agenda: list[AgendaItem] = Field(default_factory=list)
    sources: list[Source] = Field(default_factory=list)
    warnings: list[str] = Field(default_factory=list)

    def source(self, n: int) -> Source | None:
        return next((s for s in self.sources if s.n == n), None)

    # Renderers live in their own modules (python-docx is imported only there).
    def to_markdown(self) -> str:
        from dxprep.briefing.render_md import render_markdown

        return render_markdown(self)

    def to_docx(self, path: str) -> str:
        from dxprep.briefing.render_docx import write_docx

        return str(write_docx(self, path))
