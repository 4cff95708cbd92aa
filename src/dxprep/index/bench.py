"""dxprep's retrieval behind the small interface of ``benchmarks/qmsum.py``.

The documents are written as files of a plain workspace and go through the real pipeline
(reader, chunker, local model, Chroma, BM25, hybrid search); nothing here knows the data.
"""

from __future__ import annotations

import shutil
import tempfile
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from dxprep.config import load_settings
from dxprep.index.embeddings import get_embedder
from dxprep.index.ingest import ingest
from dxprep.index.search import Retriever

__all__ = ["BenchHit", "QmsumSystem"]


@dataclass(frozen=True)
class BenchHit:
    doc_id: str
    start: int
    end: int
    text: str


class QmsumSystem:
    """dxprep's hybrid search as configured for filling a reading budget from long meeting
    transcripts: lexical evidence weighted over dense (RRF weights 1.5 / 0.5); BM25 scores
    each chunk together with its neighbours (``lexical_window`` chunks on each side) and
    counts adjacent query words found as a pair (``pair_weight``); a document prior; results
    widened into passages of ``context`` = (before, after) chunks, more after the match
    than before (talk about a topic follows the words that name it); no spreading across files."""

    def __init__(self, workdir: Path | None = None, embedding: str = "local", chunk_tokens: int = 254,
                 context: int | tuple[int, int] = (1, 3), spread: bool = False, dense_weight: float = 0.5,
                 lexical_weight: float = 1.5, source_weight: float = 1.0, lexical_window: int = 1,
                 pair_weight: float = 1.0, **retriever_options: Any) -> None:
        self.chunk_tokens = chunk_tokens
        self.context = context
        self.spread = spread
        retriever_options.update(dense_weight=dense_weight, lexical_weight=lexical_weight,
                                 source_weight=source_weight, lexical_window=lexical_window,
                                 pair_weight=pair_weight)
        before, after = (context, context) if isinstance(context, int) else context
        self.name = "dxprep"
        self.config = (f"chunks of {chunk_tokens} tokens, RRF weights dense {dense_weight} / lexical "
                       f"{lexical_weight}, BM25 over ±{lexical_window}-chunk windows with word pairs "
                       f"×{pair_weight}, document prior {source_weight}, passages of -{before}/+{after} chunks"
                       f"{', spread' if spread else ''}")
        self._own = workdir is None
        self.root = (workdir or Path(tempfile.mkdtemp(prefix="dxprep-qmsum-"))) / "ws"
        self.embedding = embedding
        self.options = retriever_options
        self._retriever: Retriever | None = None
        self._docs: list[tuple[str, str]] | None = None

    def index(self, docs: list[tuple[str, str]]) -> None:
        if docs == self._docs:
            return
        folder = self.root / "material"
        shutil.rmtree(folder, ignore_errors=True)
        folder.mkdir(parents=True)
        for doc_id, text in docs:
            (folder / f"{doc_id}.md").write_text(text, encoding="utf-8")
        settings = load_settings(self.root, embedding=self.embedding, chunk_tokens=self.chunk_tokens)
        ingest(self.root, settings=settings)
        self._retriever = Retriever(self.root, settings, get_embedder(self.embedding))
        for key, value in self.options.items():
            setattr(self._retriever, key, value)
        self._docs = docs

    def search(self, query: str, k: int) -> list[BenchHit]:
        assert self._retriever is not None, "index() first"
        results = self._retriever.search(query, k, context=self.context, spread=self.spread).results
        return [BenchHit(Path(r.source).stem, r.start, r.end, r.text) for r in results]

    def close(self) -> None:
        if self._retriever is not None:
            self._retriever.close()
        if self._own:
            shutil.rmtree(self.root.parent, ignore_errors=True)
