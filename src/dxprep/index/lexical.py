"""Lexical retrieval: BM25 (``bm25s``) over every chunk, with the same filters as the store.

The index is rebuilt after an ingest that changed anything and saved under
``.dxprep/lexical/`` (written to a temporary folder, then renamed, so a reader never
sees half of it). Filters become a weight mask over the chunks.
"""

from __future__ import annotations

import json
import re
import shutil
from collections.abc import Iterable
from pathlib import Path
from typing import Any

import numpy as np

from dxprep.index.store import Filters

__all__ = ["LexicalIndex", "tokenize"]

_TOKEN = re.compile(r"(?u)\b\w\w+\b")
STOPWORDS = frozenset(
    """a about above after again against all am an and any are as at be because been before being below
    between both but by can could did do does doing down during each few for from further had has have having
    he her here hers herself him himself his how i if in into is it its itself just me more most my myself no
    nor not now of off on once only or other our ours ourselves out over own same she should so some such than
    that the their theirs them themselves then there these they this those through to too under until up very
    was we were what when where which while who whom why will with would you your yours yourself yourselves
    um uh yeah okay ok mm hmm gonna vocalsound disfmarker gap""".split()
)


def _stem(word: str) -> str:
    """A light, deterministic English suffix stripper (plural and common endings)."""
    if len(word) <= 3 or word.isdigit():
        return word
    for suffix, repl in (("ies", "y"), ("sses", "ss"), ("ing", ""), ("edly", ""), ("ed", ""),
                         ("ly", ""), ("es", ""), ("s", "")):
        if word.endswith(suffix) and len(word) - len(suffix) >= 3:
            if suffix == "s" and word.endswith(("ss", "us", "is")):
                return word
            return word[: -len(suffix)] + repl
    return word


def tokenize(text: str) -> list[str]:
    return [_stem(t) for t in _TOKEN.findall(text.lower()) if t not in STOPWORDS]


class LexicalIndex:
    """BM25 over chunk texts, plus the per-chunk metadata needed to filter."""

    def __init__(self, ids: list[str], metas: list[dict[str, Any]], model: Any) -> None:
        self.ids = ids
        self.metas = metas
        self.model = model
        self._columns: dict[tuple[str, str], np.ndarray] = {}
        self._dates: np.ndarray | None = None

    @classmethod
    def build(cls, rows: Iterable[tuple[str, str, dict[str, Any]]]) -> LexicalIndex:
        import bm25s

        ids: list[str] = []
        metas: list[dict[str, Any]] = []
        corpus: list[list[str]] = []
        for cid, text, meta in rows:
            ids.append(cid)
            metas.append(_slim(meta))
            corpus.append(tokenize(f"{meta.get('title', '')} {meta.get('section') or ''} {text}") or ["_empty_"])
        model = bm25s.BM25()
        if corpus:
            model.index(corpus, show_progress=False)
        return cls(ids, metas, model if corpus else None)

    def save(self, folder: Path) -> None:
        tmp = folder.with_name(folder.name + ".tmp")
        shutil.rmtree(tmp, ignore_errors=True)
        tmp.mkdir(parents=True)
        if self.model is not None:
            self.model.save(str(tmp / "bm25"))
        (tmp / "catalog.json").write_text(json.dumps({"ids": self.ids, "metas": self.metas}))
        old = folder.with_name(folder.name + ".old")
        shutil.rmtree(old, ignore_errors=True)
        if folder.exists():
            folder.rename(old)
        tmp.rename(folder)
        shutil.rmtree(old, ignore_errors=True)

    @classmethod
    def load(cls, folder: Path) -> LexicalIndex | None:
        catalog = folder / "catalog.json"
        if not catalog.is_file():
            return None
        import bm25s

        data = json.loads(catalog.read_text())
        model = bm25s.BM25.load(str(folder / "bm25")) if (folder / "bm25").exists() else None
        return cls(data["ids"], data["metas"], model)

    def _column(self, field: str, value: str) -> np.ndarray:
        """Boolean column: does each chunk's ``field`` equal (or, for lists, contain) ``value``."""
        key = (field, value)
        col = self._columns.get(key)
        if col is None:
            col = np.fromiter(
                ((value in v) if isinstance(v := m.get(field), list) else v == value for m in self.metas),
                dtype=bool, count=len(self.metas))
            self._columns[key] = col
        return col

    def mask(self, filters: Filters | None) -> np.ndarray | None:
        """The same rules as :meth:`Filters.allows`, as a vector over all chunks (cached columns)."""
        if not filters:
            return None
        keep = np.ones(len(self.metas), dtype=bool)
        if filters.executive:
            keep &= self._column("executives", filters.executive)
        if filters.unit:
            keep &= self._column("business_units", filters.unit)
        if filters.source:
            keep &= self._column("source", filters.source)
        if filters.kind:
            keep &= self._column("kind", filters.kind)
        if filters.doc_type:
            keep &= self._column("doc_type", filters.doc_type)
        if filters.since:
            if self._dates is None:
                self._dates = np.fromiter((int(m.get("date", 0)) for m in self.metas), dtype=np.int64,
                                          count=len(self.metas))
            keep &= self._dates >= int(filters.since.strftime("%Y%m%d"))
        if filters.audience:
            keep &= ~self._column("restricted", True) | self._column("audience", filters.audience)  # type: ignore[arg-type]
        return keep.astype(np.float32)

    def search(self, query: str, n: int, filters: Filters | None = None) -> list[tuple[str, float]]:
        """(chunk id, BM25 score) of the best ``n`` chunks that pass ``filters``."""
        if self.model is None or not self.ids:
            return []
        tokens = [t for t in tokenize(query) if t in self.model.vocab_dict]
        if not tokens:
            return []
        mask = self.mask(filters)
        if mask is not None and not mask.any():
            return []
        k = min(n, len(self.ids))
        docs, scores = self.model.retrieve([tokens], k=k, weight_mask=mask, show_progress=False, n_threads=1)
        out = []
        for idx, score in zip(docs[0], scores[0], strict=True):
            if score > 0 and (mask is None or mask[int(idx)] > 0):
                out.append((self.ids[int(idx)], float(score)))
        return out


def _slim(meta: dict[str, Any]) -> dict[str, Any]:
    keep = ("source", "kind", "doc_type", "executives", "business_units", "audience", "confidential")
    out = {k: meta[k] for k in keep if k in meta and meta[k] not in (None, [], "")}
    out["restricted"] = bool(meta.get("audience"))
    date = meta.get("date")
    out["date"] = int(str(date).replace("-", "")) if date else 0
    return out
