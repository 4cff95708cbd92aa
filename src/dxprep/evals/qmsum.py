"""QMSum dev retrieval cases: hit@5 and turn recall, scored as ``benchmarks/qmsum.py`` scores them.

Data: QMSum (Zhong et al., "QMSum: A New Benchmark for Query-based Multi-domain Meeting
Summarization", NAACL 2021, https://github.com/Yale-LILY/QMSum), MIT licence, "Copyright (c)
2021 Yale-LILY"; the format conversion of its dev split lives outside this repository in
``../shared/data/qmsum-dev`` (its README.md and LICENSE-QMSum document source and licence).

The loading and scoring below follow ``benchmarks/_qmsum_data.py`` exactly (a test checks
that they agree): hit@5 is 1 when a top-5 result from the query's meeting overlaps a gold
turn; turn recall counts the gold turns overlapped by the results kept in rank order while
their words stay within 1,500. For a run of well under a minute, the eval takes a fixed
subset (every n-th query) and the hash embedder with BM25 carrying the ranking.
"""

from __future__ import annotations

import json
import re
import statistics
from dataclasses import dataclass
from pathlib import Path
from typing import Any

__all__ = ["QmsumMeeting", "QmsumQuery", "load_meetings", "load_queries", "parse_turn_spans", "run_qmsum", "score",
           "strip_front_matter"]

TURN_RE = re.compile(r"^\[T(\d+)\] \*\*(.*?):\*\*(?: (.*))?$")
HIT_K = 5
WORD_BUDGET = 1500
SEARCH_K = 200


@dataclass(frozen=True)
class QmsumMeeting:
    meeting_id: str
    domain: str
    text: str
    turn_spans: dict[int, tuple[int, int]]


@dataclass(frozen=True)
class QmsumQuery:
    query_id: str
    meeting_id: str
    domain: str
    query: str
    gold_turns: tuple[int, ...]


def strip_front_matter(raw: str) -> str:
    """Drop a leading YAML front matter block: keep the text from the line after the closing ``---``."""
    lines = raw.splitlines(keepends=True)
    if not lines or lines[0].rstrip("\r\n") != "---":
        return raw
    for i, line in enumerate(lines[1:], start=1):
        if line.rstrip("\r\n") == "---":
            return "".join(lines[i + 1 :])
    raise ValueError("unclosed YAML front matter")


def parse_turn_spans(text: str) -> dict[int, tuple[int, int]]:
    """Map each ``[T<i>] **Speaker:** content`` line to its [start, end) span (newline excluded)."""
    spans: dict[int, tuple[int, int]] = {}
    offset = 0
    for line in text.splitlines(keepends=True):
        content = line.rstrip("\r\n")
        match = TURN_RE.match(content)
        if match:
            spans[int(match.group(1))] = (offset, offset + len(content))
        offset += len(line)
    return spans


def load_meetings(data_dir: Path) -> dict[str, QmsumMeeting]:
    domains = {row["meeting_id"]: row["domain"] for row in
               map(json.loads, (data_dir / "manifest.jsonl").read_text(encoding="utf-8").splitlines())}
    out: dict[str, QmsumMeeting] = {}
    for path in sorted((data_dir / "meetings").glob("*.md")):
        text = strip_front_matter(path.read_text(encoding="utf-8"))
        out[path.stem] = QmsumMeeting(path.stem, domains[path.stem], text, parse_turn_spans(text))
    return out


def load_queries(data_dir: Path) -> list[QmsumQuery]:
    rows = [json.loads(line) for line in (data_dir / "queries.jsonl").read_text(encoding="utf-8").splitlines()]
    return [QmsumQuery(r["query_id"], r["meeting_id"], r["domain"], r["query"], tuple(r["gold_turns"])) for r in rows]


def _covered(hit: Any, meeting: QmsumMeeting, turns: tuple[int, ...]) -> set[int]:
    if hit.doc_id != meeting.meeting_id:
        return set()
    return {t for t in turns if hit.start < meeting.turn_spans[t][1] and meeting.turn_spans[t][0] < hit.end}


def score(query: QmsumQuery, meeting: QmsumMeeting, hits: list[Any]) -> tuple[float, float]:
    """(hit@5, turn recall within 1,500 words) of one query's ranked hits."""
    hit = any(_covered(h, meeting, query.gold_turns) for h in hits[:HIT_K])
    covered: set[int] = set()
    words = 0
    for h in hits:
        n = len(h.text.split())
        if words + n > WORD_BUDGET:
            break
        words += n
        covered |= _covered(h, meeting, query.gold_turns)
    return float(hit), len(covered) / len(query.gold_turns)


def run_qmsum(data_dir: Path, *, every: int = 4, limit: int | None = None, embedding: str = "hash",
              dense_weight: float = 0.0, lexical_weight: float = 1.5, workdir: Path | None = None) -> dict[str, float]:
    """hit@5 and turn recall of dxprep's retrieval (``dxprep.index.bench.QmsumSystem``) on every
    ``every``-th dev query."""
    from dxprep.index.bench import QmsumSystem

    meetings = load_meetings(data_dir)
    queries = load_queries(data_dir)[::every][:limit]
    system = QmsumSystem(workdir=workdir, embedding=embedding, dense_weight=dense_weight,
                         lexical_weight=lexical_weight)
    try:
        system.index([(m.meeting_id, m.text) for m in meetings.values()])
        scores = [score(q, meetings[q.meeting_id], list(system.search(q.query, SEARCH_K))) for q in queries]
    finally:
        system.close()
    return {"hit_at_5": statistics.fmean(s[0] for s in scores), "turn_recall": statistics.fmean(s[1] for s in scores),
            "queries": float(len(scores))}
