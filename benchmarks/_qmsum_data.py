"""Loading and scoring helpers for ``benchmarks/qmsum.py``.

The data is a format conversion of QMSum (Zhong et al., NAACL 2021, MIT licence); see the README of the
data folder (``../shared/data/qmsum-dev/README.md``) for the source, licence and schema.
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Protocol

from dxprep.evals.qmsum import (  # one parser for the eval and the benchmark
    parse_turn_spans,
    strip_front_matter,
)

HIT_K = 5


class SpanHit(Protocol):
    """What a system returns per result: a character span of one indexed document and its text."""

    @property
    def doc_id(self) -> str: ...
    @property
    def start(self) -> int: ...
    @property
    def end(self) -> int: ...
    @property
    def text(self) -> str: ...


@dataclass(frozen=True)
class Hit:
    """One search result: a character span of one indexed document, with its text (``doc[start:end]``)."""

    doc_id: str
    start: int
    end: int
    text: str


@dataclass(frozen=True)
class Meeting:
    meeting_id: str
    domain: str
    text: str  # the indexed text: the .md file, by default without its YAML front matter
    turn_spans: dict[int, tuple[int, int]]  # turn index -> [start, end) of its line in ``text``


@dataclass(frozen=True)
class Query:
    query_id: str
    meeting_id: str
    domain: str
    query: str
    gold_turns: tuple[int, ...]


@dataclass(frozen=True)
class QueryScore:
    query_id: str
    domain: str
    hit_at_5: float
    turn_recall: float
    words_kept: int
    latency_s: float


def load_meetings(data_dir: Path, *, keep_front_matter: bool = False) -> dict[str, Meeting]:
    domains = {
        row["meeting_id"]: row["domain"]
        for row in map(json.loads, (data_dir / "manifest.jsonl").read_text(encoding="utf-8").splitlines())
    }
    meetings: dict[str, Meeting] = {}
    for path in sorted((data_dir / "meetings").glob("*.md")):
        raw = path.read_text(encoding="utf-8")
        text = raw if keep_front_matter else strip_front_matter(raw)
        meetings[path.stem] = Meeting(path.stem, domains[path.stem], text, parse_turn_spans(text))
    return meetings


def load_queries(data_dir: Path, meetings: dict[str, Meeting]) -> list[Query]:
    queries: list[Query] = []
    for line in (data_dir / "queries.jsonl").read_text(encoding="utf-8").splitlines():
        row = json.loads(line)
        turns = tuple(row["gold_turns"])
        missing = set(turns) - meetings[row["meeting_id"]].turn_spans.keys()
        if missing:
            raise ValueError(
                f"{row['query_id']}: gold turns not found in the meeting text: {sorted(missing)}"
            )
        queries.append(Query(row["query_id"], row["meeting_id"], row["domain"], row["query"], turns))
    return queries


def covered_turns(hit: SpanHit, meeting: Meeting, turns: Sequence[int]) -> set[int]:
    """The turns among ``turns`` whose span overlaps the hit's [start, end) span (same meeting only)."""
    if hit.doc_id != meeting.meeting_id:
        return set()
    return {t for t in turns if hit.start < meeting.turn_spans[t][1] and meeting.turn_spans[t][0] < hit.end}


def score_query(
    query: Query, meeting: Meeting, hits: Sequence[SpanHit], latency_s: float, *, word_budget: int
) -> QueryScore:
    """hit@5: a top-5 hit overlaps a gold turn. Turn recall: gold turns covered by the hits kept in rank order
    while their cumulative word count (``len(text.split())``) stays within ``word_budget``."""
    hit_at_5 = any(covered_turns(h, meeting, query.gold_turns) for h in hits[:HIT_K])
    covered: set[int] = set()
    words = 0
    for h in hits:
        n = len(h.text.split())
        if words + n > word_budget:
            break
        words += n
        covered |= covered_turns(h, meeting, query.gold_turns)
    return QueryScore(
        query_id=query.query_id,
        domain=query.domain,
        hit_at_5=float(hit_at_5),
        turn_recall=len(covered) / len(query.gold_turns),
        words_kept=words,
        latency_s=latency_s,
    )
