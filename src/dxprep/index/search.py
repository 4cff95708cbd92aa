"""Hybrid search: dense (Chroma) + lexical (BM25), fused, filtered, spread across files.

Filters are applied inside the store (Chroma ``where``) and as a mask in BM25, so a
restricted chunk is never even a candidate. Fusion is weighted reciprocal rank; then
results are spread out so one file does not fill the page, and overlapping chunks are
dropped. Every result's ``text`` is exactly the source's extracted text at
``[start:end]`` as of the last ingest.
"""

from __future__ import annotations

import datetime as dt
from pathlib import Path
from typing import Any

from pydantic import BaseModel, Field

from dxprep.config import Settings, load_settings
from dxprep.errors import IndexError_
from dxprep.index.catalog import Catalog
from dxprep.index.embeddings import Embedder, get_embedder
from dxprep.index.ingest import index_paths
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
    #: Each further result from the same file counts this much less.
    same_source_decay = 0.75

    def __init__(self, workspace: str | Path, settings: Settings | None = None,
                 embedder: Embedder | None = None) -> None:
        self.root = Path(workspace)
        self.settings = settings or load_settings(self.root)
        self.embedder = embedder or get_embedder(self.settings.embedding, remote_allowed=self.settings.remote,
                                                 base_url=self.settings.openai_base_url)
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
            loaded = LexicalIndex.load(index_paths(self.root)["lexical"])
            self._lexical = loaded or LexicalIndex.build(self.catalog.iter_chunks())
        return self._lexical

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
               candidates: int | None = None, vector: Any = None) -> SearchResponse:
        """Hybrid search; ``vector`` is the query's embedding when the caller computed it
        (a batch of queries embeds faster in one call: :meth:`embed_queries`)."""
        filters = Filters(executive=executive, kind=kind, doc_type=doc_type, since=since, audience=audience,
                          unit=unit, source=source)
        n = candidates or max(50, 6 * k)
        query = " ".join(query.split())
        if not query:
            return SearchResponse(query=query, results=[])
        dense = self.store.query(self.embedder.embed_query(query) if vector is None else vector, n, filters)
        lexical = self.lexical.search(query, n, filters)
        fused: dict[str, float] = {}
        for weight, ranked in ((self.dense_weight, dense), (self.lexical_weight, lexical)):
            for rank, (cid, _score) in enumerate(ranked):
                fused[cid] = fused.get(cid, 0.0) + weight / (self.rrf_k + rank + 1)
        ordered = sorted(fused.items(), key=lambda kv: (-kv[1], kv[0]))
        rows = self.catalog.get_chunks([cid for cid, _ in ordered])
        picked = self._spread([(cid, score) for cid, score in ordered if cid in rows], rows, k, filters)
        results = []
        for rank, (cid, score) in enumerate(picked, start=1):
            text, meta = rows[cid]
            results.append(SearchResult(rank=rank, score=round(score, 6), source=meta["source"], start=meta["start"],
                                        end=meta["end"], text=text, metadata=_public(meta), id=cid))
        return SearchResponse(query=query, results=results)

    def _spread(self, ordered: list[tuple[str, float]], rows: dict[str, tuple[str, dict[str, Any]]], k: int,
                filters: Filters) -> list[tuple[str, float]]:
        """Greedy re-rank: penalise repeats from one file, drop overlapping spans."""
        per_source: dict[str, int] = {}
        spans: dict[str, list[tuple[int, int]]] = {}
        remaining = list(ordered)
        picked: list[tuple[str, float]] = []
        while remaining and len(picked) < k:
            best_i, best_score = 0, float("-inf")
            for i, (cid, score) in enumerate(remaining):
                src = rows[cid][1]["source"]
                adjusted = score * (self.same_source_decay ** per_source.get(src, 0))
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
