"""Hybrid search: dense (Chroma) + lexical (BM25), fused, filtered, spread across files.

Filters are applied inside the store (Chroma ``where``) and as a mask in BM25, so a
restricted chunk is never even a candidate. Fusion is weighted reciprocal rank; then
results are spread out so one file does not fill the page, and overlapping chunks are
dropped. Options for long transcripts (all off by default, see :class:`Retriever`):
BM25 over context windows of neighbouring chunks and over adjacent word pairs, a
document prior, and results widened into passages of neighbouring chunks. Every
result's ``text`` is exactly the source's extracted text at ``[start:end]`` as of the
last ingest.
"""

from __future__ import annotations

import datetime as dt
from pathlib import Path
from typing import Any

from pydantic import BaseModel, Field

from dxprep.config import Settings, load_settings
from dxprep.errors import IndexError_, IndexLockedError
from dxprep.index.catalog import Catalog
from dxprep.index.embeddings import Embedder, get_embedder
from dxprep.index.ingest import index_paths, workspace_lock
from dxprep.index.lexical import LexicalIndex
from dxprep.index.store import ChromaStore, Filters

__all__ = ["Retriever", "SearchResponse", "SearchResult"]


class SearchResult(BaseModel):
    rank: int
    score: float
    source: str
    start: int
    end: int
    text: str
    metadata: dict[str, Any] = Field(default_factory=dict)
    id: str = Field(default="", exclude=True)


class SearchResponse(BaseModel):
    query: str
    results: list[SearchResult]


class Retriever:
    """Search one workspace's index. Build once, query many times (the model stays loaded)."""

    #: Reciprocal-rank constant and the weights of the two lists.
    rrf_k = 60
    dense_weight = 1.0
    lexical_weight = 1.0
    #: Each further result from the same file counts this much less (1.0: no spreading).
    same_source_decay = 0.75
    #: Neighbouring chunks merged into each result: the same number on each side, or
    #: ``(before, after)`` (0: chunks as indexed).
    context: int | tuple[int, int] = 0
    #: Document prior: each chunk gains this weight times the sum of its file's best
    #: ``source_top`` fused scores, so chunks of the most relevant file rise (0: off).
    source_weight = 0.0
    source_top = 2
    #: BM25 scores each chunk with this many neighbouring chunks of its file on each side
    #: (counts and lengths added), so a chunk near the words of a query also scores (0: off).
    lexical_window = 0
    #: Weight of adjacent word pairs of the query in BM25 (phrase matches count more than the
    #: same words scattered; the lexical index is then built with pairs; 0: off).
    pair_weight = 0.0

    def __init__(self, workspace: str | Path, settings: Settings | None = None,
                 embedder: Embedder | None = None) -> None:
        self.root = Path(workspace)
        self.settings = settings or load_settings(self.root)
        self.embedder = embedder or get_embedder(self.settings.embedding, remote_allowed=self.settings.remote,
                                                 base_url=self.settings.openai_base_url, workspace=self.root)
        self.store = ChromaStore(self.root, self.settings, self.embedder.name, self.embedder.dim)
        paths = index_paths(self.root)
        if not paths["catalog"].is_file():
            raise IndexError_(f"no index in {self.root}", hint=f"build it first: dxprep ingest -w {self.root}")
        self.catalog = Catalog(paths["catalog"])
        built_with = self.catalog.get_meta("embedder")
        if built_with and built_with != self.embedder.name:
            from dxprep.errors import IndexMismatchError

            raise IndexMismatchError(
                f"the index was built with {built_with!r}, but {self.embedder.name!r} is configured",
                hint="re-index with: dxprep ingest --rebuild")
        self.store.collection(create=False)
        self._lexical: LexicalIndex | None = None

    @property
    def lexical(self) -> LexicalIndex:
        if self._lexical is None:
            folder = index_paths(self.root)["lexical"]
            loaded = LexicalIndex.load(folder)
            if loaded is None or (self.pair_weight and not loaded.with_pairs):
                loaded = self._rebuild_lexical(folder)
            self._lexical = loaded
        return self._lexical

    def _rebuild_lexical(self, folder: Path) -> LexicalIndex:
        """The lexical index built from the catalog (with word pairs when :attr:`pair_weight`
        needs them). One saved in an older layout is replaced on disk as well, under the
        ingest lock; while an ingest runs (it saves its own), or without write access, the
        index is kept in memory only."""
        with_pairs = bool(self.pair_weight)
        if LexicalIndex.outdated(folder):
            try:
                with workspace_lock(self.root):
                    if self.catalog.get_meta("lexical") != "stale":
                        built = LexicalIndex.build(self.catalog.iter_chunks(), with_pairs=with_pairs)
                        built.save(folder)
                        return built
            except (IndexLockedError, OSError):
                pass
        return LexicalIndex.build(self.catalog.iter_chunks(), with_pairs=with_pairs)

    def embed_queries(self, queries: list[str]) -> Any:
        return self.embedder.embed_queries([" ".join(q.split()) for q in queries])

    def close(self) -> None:
        self.catalog.close()
        self.store.close()

    def __enter__(self) -> Retriever:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def search(self, query: str, k: int = 8, *, executive: str | None = None, kind: str | None = None,
               doc_type: str | None = None, since: dt.date | None = None, audience: str | None = None,
               unit: str | None = None, source: str | None = None,
               candidates: int | None = None, vector: Any = None, context: int | tuple[int, int] | None = None,
               spread: bool = True) -> SearchResponse:
        """Hybrid search; ``vector`` is the query's embedding when the caller computed it
        (a batch of queries embeds faster in one call: :meth:`embed_queries`); ``context``
        overrides :attr:`context`."""
        filters = Filters(executive=executive, kind=kind, doc_type=doc_type, since=since, audience=audience,
                          unit=unit, source=source)
        n = candidates or max(50, 6 * k)
        query = " ".join(query.split())
        if not query:
            return SearchResponse(query=query, results=[])
        dense = self.store.query(self.embedder.embed_query(query) if vector is None else vector, n, filters)
        lexical = self.lexical.search(query, n, filters, window=self.lexical_window, pair_weight=self.pair_weight)
        fused: dict[str, float] = {}
        for weight, ranked in ((self.dense_weight, dense), (self.lexical_weight, lexical)):
            for rank, (cid, _score) in enumerate(ranked):
                fused[cid] = fused.get(cid, 0.0) + weight / (self.rrf_k + rank + 1)
        rows = self.catalog.get_chunks(list(fused))
        if self.source_weight:
            per_source: dict[str, list[float]] = {}
            for cid, score in fused.items():
                if cid in rows:
                    per_source.setdefault(rows[cid][1]["source"], []).append(score)
            prior = {src: sum(sorted(v, reverse=True)[: self.source_top]) for src, v in per_source.items()}
            fused = {cid: score + self.source_weight * prior.get(rows[cid][1]["source"], 0.0) if cid in rows else score
                     for cid, score in fused.items()}
        ordered = sorted(fused.items(), key=lambda kv: (-kv[1], kv[0]))
        width = self.context if context is None else context
        before, after = (width, width) if isinstance(width, int) else width
        picked = self._spread([(cid, score) for cid, score in ordered if cid in rows], rows,
                              k if not (before or after) else len(ordered), filters, spread)
        results: list[SearchResult] = []
        covered: set[str] = set()
        for cid, score in picked:
            if len(results) >= k:
                break
            text, meta = rows[cid]
            start, end = meta["start"], meta["end"]
            if before or after:
                if cid in covered:
                    continue
                span = self._passage(meta, text, before, after, covered)
                if span is None:
                    continue
                start, end, text = span
            covered.add(cid)
            results.append(SearchResult(rank=len(results) + 1, score=round(score, 6), source=meta["source"],
                                        start=start, end=end, text=text, metadata=_public(meta), id=cid))
        return SearchResponse(query=query, results=results)

    def _passage(self, meta: dict[str, Any], chunk_text: str, before: int, after: int,
                 covered: set[str]) -> tuple[int, int, str] | None:
        """The chunk widened by up to ``before`` neighbours before it and ``after`` after it
        (those not yet returned), as an exact slice of its source."""
        source, ordinal = meta["source"], int(meta["ordinal"])
        text = self._source_text(source)
        if text is None:  # indexed before source texts were kept: the chunk alone
            return meta["start"], meta["end"], chunk_text
        rows = self.catalog.neighbours(source, ordinal - before, ordinal + after)
        group = [r for r in rows if r[0] not in covered]
        # keep only the contiguous run around the chunk itself
        run: list[tuple[str, int, int, int]] = []
        for r in group:
            if run and r[1] != run[-1][1] + 1:
                if any(x[1] == ordinal for x in run):
                    break
                run = []
            run.append(r)
        if not any(x[1] == ordinal for x in run):
            return None
        covered.update(r[0] for r in run)
        start, end = run[0][2], run[-1][3]
        return start, end, text[start:end]

    def _source_text(self, source: str) -> str | None:
        cache = self.__dict__.setdefault("_texts", {})
        if source not in cache:
            cache[source] = self.catalog.source_text(source)
        return cache[source]

    def _spread(self, ordered: list[tuple[str, float]], rows: dict[str, tuple[str, dict[str, Any]]], k: int,
                filters: Filters, spread: bool = True) -> list[tuple[str, float]]:
        """Greedy re-rank: penalise repeats from one file, drop overlapping spans."""
        decay = self.same_source_decay if spread else 1.0
        per_source: dict[str, int] = {}
        spans: dict[str, list[tuple[int, int]]] = {}
        remaining = list(ordered)
        picked: list[tuple[str, float]] = []
        while remaining and len(picked) < k:
            best_i, best_score = 0, float("-inf")
            for i, (cid, score) in enumerate(remaining):
                src = rows[cid][1]["source"]
                adjusted = score * (decay ** per_source.get(src, 0))
                if decay == 1.0:  # ordered already: the first one is the best
                    best_i, best_score = i, adjusted
                    break
                if adjusted > best_score:
                    best_i, best_score = i, adjusted
            cid, _ = remaining.pop(best_i)
            _, meta = rows[cid]
            if not filters.allows(_flat(meta)):  # defence in depth: re-check every filter
                continue
            src, a, b = meta["source"], meta["start"], meta["end"]
            if any(a < y and x < b for x, y in spans.get(src, [])):
                continue
            spans.setdefault(src, []).append((a, b))
            per_source[src] = per_source.get(src, 0) + 1
            picked.append((cid, best_score))
        return picked


def _flat(meta: dict[str, Any]) -> dict[str, Any]:
    out = dict(meta)
    out["restricted"] = bool(meta.get("audience"))
    date = meta.get("date")
    out["date"] = int(str(date).replace("-", "")) if date else 0
    return out


def _public(meta: dict[str, Any]) -> dict[str, Any]:
    keep = ("kind", "doc_type", "title", "section", "date", "executives", "business_units", "confidential",
            "audience", "ordinal")
    return {k: meta.get(k) for k in keep}
