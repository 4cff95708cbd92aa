"""Lexical retrieval: BM25 over every chunk, with the same filters as the store.

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
    """BM25 (Lucene variant: k1=1.5, b=0.75) over chunk texts as one sparse term × chunk
    matrix, plus the per-chunk metadata needed to filter.

    Built in a streaming pass (token ids into flat arrays, never a Python list per token),
    so 100k chunks cost tens of megabytes, not gigabytes.
    """

    k1 = 1.5
    b = 0.75

    def __init__(self, ids: list[str], metas: list[dict[str, Any]], vocab: dict[str, int], matrix: Any) -> None:
        self.ids = ids
        self.metas = metas
        self.vocab = vocab
        self.matrix = matrix  # scipy.sparse.csr_matrix, terms × chunks, BM25 weights
        self._columns: dict[tuple[str, str], np.ndarray] = {}
        self._dates: np.ndarray | None = None

    @classmethod
    def build(cls, rows: Iterable[tuple[str, str, dict[str, Any]]]) -> LexicalIndex:
        from array import array

        from scipy import sparse

        ids: list[str] = []
        metas: list[dict[str, Any]] = []
        vocab: dict[str, int] = {}
        term_ids, doc_ids, counts = array("i"), array("i"), array("f")
        lengths = array("f")
        for doc, (cid, text, meta) in enumerate(rows):
            ids.append(cid)
            metas.append(_slim(meta))
            tokens = tokenize(f"{meta.get('title', '')} {meta.get('section') or ''} {text}")
            lengths.append(len(tokens))
            tf: dict[int, int] = {}
            for tok in tokens:
                tid = vocab.setdefault(tok, len(vocab))
                tf[tid] = tf.get(tid, 0) + 1
            term_ids.extend(tf.keys())
            doc_ids.extend([doc] * len(tf))
            counts.extend(float(c) for c in tf.values())
        n_docs = len(ids)
        if not n_docs or not vocab:
            return cls(ids, metas, vocab, sparse.csr_matrix((max(1, len(vocab)), max(1, n_docs)), dtype=np.float32))
        t = np.frombuffer(term_ids, dtype=np.int32)
        d = np.frombuffer(doc_ids, dtype=np.int32)
        tf_arr = np.frombuffer(counts, dtype=np.float32)
        dl = np.frombuffer(lengths, dtype=np.float32)
        avgdl = float(dl.mean()) or 1.0
        df = np.bincount(t, minlength=len(vocab)).astype(np.float32)
        idf = np.log1p((n_docs - df + 0.5) / (df + 0.5)).astype(np.float32)
        norm = cls.k1 * (1 - cls.b + cls.b * dl[d] / avgdl)
        weights = idf[t] * tf_arr * (cls.k1 + 1) / (tf_arr + norm)
        matrix = sparse.csr_matrix((weights.astype(np.float32), (t, d)), shape=(len(vocab), n_docs))
        return cls(ids, metas, vocab, matrix)

    def save(self, folder: Path) -> None:
        from scipy import sparse

        tmp = folder.with_name(folder.name + ".tmp")
        shutil.rmtree(tmp, ignore_errors=True)
        tmp.mkdir(parents=True)
        sparse.save_npz(tmp / "bm25.npz", self.matrix)
        (tmp / "catalog.json").write_text(json.dumps({"ids": self.ids, "metas": self.metas, "vocab": self.vocab}))
        old = folder.with_name(folder.name + ".old")
        shutil.rmtree(old, ignore_errors=True)
        if folder.exists():
            folder.rename(old)
        tmp.rename(folder)
        shutil.rmtree(old, ignore_errors=True)

    @classmethod
    def load(cls, folder: Path) -> LexicalIndex | None:
        catalog = folder / "catalog.json"
        if not catalog.is_file() or not (folder / "bm25.npz").is_file():
            return None
        from scipy import sparse

        data = json.loads(catalog.read_text())
        return cls(data["ids"], data["metas"], data["vocab"], sparse.load_npz(folder / "bm25.npz").tocsr())

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
        rows = sorted({self.vocab[t] for t in tokenize(query) if t in self.vocab})
        if not rows or not self.ids:
            return []
        scores = np.asarray(self.matrix[rows].sum(axis=0)).ravel()
        mask = self.mask(filters)
        if mask is not None:
            scores = scores * mask
        k = min(n, int((scores > 0).sum()))
        if k <= 0:
            return []
        top = np.argpartition(-scores, k - 1)[:k]
        top = top[np.lexsort((top, -scores[top]))]
        return [(self.ids[int(i)], float(scores[i])) for i in top]


def _slim(meta: dict[str, Any]) -> dict[str, Any]:
    keep = ("source", "kind", "doc_type", "executives", "business_units", "audience", "confidential")
    out = {k: meta[k] for k in keep if k in meta and meta[k] not in (None, [], "")}
    out["restricted"] = bool(meta.get("audience"))
    date = meta.get("date")
    out["date"] = int(str(date).replace("-", "")) if date else 0
    return out
