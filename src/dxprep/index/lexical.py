"""Lexical retrieval: BM25 over every chunk, with the same filters as the store.

The index keeps raw term counts (terms × chunks) and each chunk's length, so BM25 is
computed at query time; that lets one saved index answer two refinements as well:

- **word pairs** (``pair_weight``): adjacent content words ("functional design", "product
  quotation") are indexed as terms of their own when the index is built with ``with_pairs=True``;
  a query's pairs then add ``pair_weight`` × their BM25 score to its words' score. A phrase
  that occurs as such counts for more than its words scattered over a chunk (term
  proximity, as in the sequential dependence model).
- **context windows** (``window``): each chunk is scored as if its text included the
  ``window`` neighbouring chunks of the same file on each side (counts and lengths added,
  document frequencies counted over windows). In notes and transcripts the words that name
  a topic and the talk about it sit in neighbouring chunks; a window sees both. Neighbours
  that the filters exclude never count.

The index is rebuilt after an ingest that changed anything and saved under
``.dxprep/lexical/`` (written to a temporary folder, then renamed, so a reader never
sees half of it). Filters become a weight mask over the chunks.
"""

from __future__ import annotations

import json
import math
import re
from collections.abc import Iterable
from pathlib import Path
from typing import Any

import numpy as np

from dxprep.index.store import Filters

__all__ = ["LexicalIndex", "pairs", "tokenize"]

#: Version of the saved layout; an index saved in another layout is rebuilt, not read.
FORMAT = 3
#: The one file an index is saved in (replaced atomically).
INDEX_FILE = "index.npz"
_OLD_LAYOUT = ("catalog.json", "bm25.npz", "lengths.npy")

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


def pairs(tokens: list[str]) -> list[str]:
    """Adjacent tokens as one term each (``"functional design"``); a space never occurs in a token."""
    return [f"{a} {b}" for a, b in zip(tokens, tokens[1:], strict=False)]


class LexicalIndex:
    """BM25 (Lucene variant: k1=1.5, b=0.75) over chunk texts: one sparse term × chunk matrix
    of raw counts, the chunks' lengths, and the per-chunk metadata needed to filter.

    Built in a streaming pass (token ids into flat arrays, never a Python list per token),
    so 100k chunks cost tens of megabytes, not gigabytes. Rows are in catalog order (by
    file, then position in the file), so a chunk's neighbours are the adjacent rows of
    the same source.
    """

    k1 = 1.5
    b = 0.75

    def __init__(self, ids: list[str], metas: list[dict[str, Any]], vocab: dict[str, int], matrix: Any,
                 lengths: np.ndarray | None = None, *, with_pairs: bool = False) -> None:
        self.ids = ids
        self.metas = metas
        self.vocab = vocab
        self.matrix = matrix  # scipy.sparse.csr_matrix, terms × chunks, term counts
        self.lengths = (np.asarray(lengths, dtype=np.float32) if lengths is not None
                        else np.zeros(len(ids), dtype=np.float32))
        self.with_pairs = with_pairs
        self._columns: dict[tuple[str, str], np.ndarray] = {}
        self._dates: np.ndarray | None = None
        self._same: dict[int, np.ndarray] = {}
        self._window_lengths: dict[int, tuple[np.ndarray, float]] = {}

    @classmethod
    def build(cls, rows: Iterable[tuple[str, str, dict[str, Any]]], *, with_pairs: bool = False) -> LexicalIndex:
        """Index ``(id, text, metadata)`` rows in catalog order; ``with_pairs`` also indexes
        adjacent word pairs (about twice the terms)."""
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
            for tok in (tokens + pairs(tokens)) if with_pairs else tokens:
                tid = vocab.setdefault(tok, len(vocab))
                tf[tid] = tf.get(tid, 0) + 1
            term_ids.extend(tf.keys())
            doc_ids.extend([doc] * len(tf))
            counts.extend(float(c) for c in tf.values())
        n_docs = len(ids)
        dl = np.frombuffer(lengths, dtype=np.float32).copy() if n_docs else np.zeros(0, dtype=np.float32)
        if not n_docs or not vocab:
            empty = sparse.csr_matrix((max(1, len(vocab)), max(1, n_docs)), dtype=np.float32)
            return cls(ids, metas, vocab, empty, dl, with_pairs=with_pairs)
        t = np.frombuffer(term_ids, dtype=np.int32)
        d = np.frombuffer(doc_ids, dtype=np.int32)
        tf_arr = np.frombuffer(counts, dtype=np.float32)
        matrix = sparse.csr_matrix((tf_arr, (t, d)), shape=(len(vocab), n_docs), dtype=np.float32)
        return cls(ids, metas, vocab, matrix, dl, with_pairs=with_pairs)

    def save(self, folder: Path) -> None:
        """Write the index as one file, ``folder/index.npz``, replaced atomically: a search
        running meanwhile reads either the old index or the new one, never a mix or nothing."""
        import os
        import tempfile

        folder.mkdir(parents=True, exist_ok=True)
        matrix = self.matrix.tocsr()
        meta = json.dumps({"format": FORMAT, "pairs": self.with_pairs, "ids": self.ids, "metas": self.metas,
                           "vocab": self.vocab}).encode()
        fd, tmp_name = tempfile.mkstemp(prefix=".index.", suffix=".tmp.npz", dir=folder)
        try:
            with os.fdopen(fd, "wb") as fh:
                np.savez(fh, data=matrix.data, indices=matrix.indices, indptr=matrix.indptr,
                         shape=np.asarray(matrix.shape, dtype=np.int64), lengths=self.lengths,
                         meta=np.frombuffer(meta, dtype=np.uint8))
                fh.flush()
                os.fsync(fh.fileno())
            os.replace(tmp_name, folder / INDEX_FILE)
        except BaseException:
            Path(tmp_name).unlink(missing_ok=True)
            raise
        for old in _OLD_LAYOUT:  # files of the layouts before one-file saves
            (folder / old).unlink(missing_ok=True)

    @classmethod
    def load(cls, folder: Path) -> LexicalIndex | None:
        """The saved index, or None when there is none or it was saved in another layout."""
        path = folder / INDEX_FILE
        try:
            with np.load(path, allow_pickle=False) as z:
                data = json.loads(z["meta"].tobytes().decode())
                if data.get("format") != FORMAT:
                    return None
                from scipy import sparse

                shape = tuple(int(n) for n in z["shape"])
                matrix = sparse.csr_matrix((z["data"], z["indices"], z["indptr"]), shape=shape)
                lengths = z["lengths"]
        except FileNotFoundError:
            return None
        except (OSError, ValueError, KeyError):  # damaged or foreign: rebuilt from the catalog
            return None
        return cls(data["ids"], data["metas"], data["vocab"], matrix, lengths, with_pairs=bool(data.get("pairs")))

    @staticmethod
    def exists(folder: Path) -> bool:
        """True when ``folder`` holds a saved index (of any layout)."""
        return (folder / INDEX_FILE).is_file() or (folder / "catalog.json").is_file()

    @staticmethod
    def outdated(folder: Path) -> bool:
        """True when ``folder`` holds an index saved in another layout (it cannot be loaded)."""
        path = folder / INDEX_FILE
        if not path.is_file():
            return (folder / "catalog.json").is_file()
        try:
            with np.load(path, allow_pickle=False) as z:
                return bool(json.loads(z["meta"].tobytes().decode()).get("format") != FORMAT)
        except (OSError, ValueError, KeyError):
            return True

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

    # ------------------------------------------------------------------ context windows

    def _same_source(self, d: int) -> np.ndarray:
        """``out[i]``: rows ``i`` and ``i + d`` belong to the same source (length ``n - d``)."""
        same = self._same.get(d)
        if same is None:
            sources = [m.get("source") for m in self.metas]
            same = np.fromiter((a == b for a, b in zip(sources, sources[d:], strict=False)), dtype=bool,
                               count=max(0, len(sources) - d))
            self._same[d] = same
        return same

    def _widen(self, values: np.ndarray, window: int) -> np.ndarray:
        """Each row's value plus those of up to ``window`` neighbouring rows of its source on each side."""
        out = values.astype(np.float32, copy=True)
        for d in range(1, min(window, len(values) - 1) + 1):
            same = self._same_source(d)
            out[d:] += np.where(same, values[:-d], 0.0)
            out[:-d] += np.where(same, values[d:], 0.0)
        return out

    def _lengths(self, window: int) -> tuple[np.ndarray, float]:
        """(length of each chunk's window, mean window length) over the whole index."""
        cached = self._window_lengths.get(window)
        if cached is None:
            lengths = self._widen(self.lengths, window) if window else self.lengths
            cached = (lengths, float(lengths.mean()) if len(lengths) else 1.0)
            self._window_lengths[window] = cached
        return cached

    def _widen_sparse(self, rows: np.ndarray, counts: np.ndarray, window: int) -> tuple[np.ndarray, np.ndarray]:
        """One term's counts per window: (rows whose window holds the term, count in each window).
        Only the term's own rows and their neighbours are touched, so rare terms cost little."""
        n = len(self.ids)
        if len(rows) * (2 * window + 1) * 8 > n:  # a common term: one pass over a dense vector is faster
            dense = np.zeros(n, dtype=np.float32)
            dense[rows] = counts
            present = np.zeros(n, dtype=np.float32)
            present[rows] = 1.0
            windows = np.flatnonzero(self._widen(present, window))
            return windows, self._widen(dense, window)[windows]
        parts_rows, parts_counts = [rows], [counts]
        for d in range(1, min(window, n - 1) + 1):
            same = self._same_source(d)  # same[i]: rows i and i + d share a source
            left = rows[rows >= d]  # the term's row r counts for the window of r - d
            keep = same[left - d]
            parts_rows.append(left[keep] - d)
            parts_counts.append(counts[rows >= d][keep])
            right = rows[rows < n - d]  # ... and for the window of r + d
            keep = same[right]
            parts_rows.append(right[keep] + d)
            parts_counts.append(counts[rows < n - d][keep])
        windows, inverse = np.unique(np.concatenate(parts_rows), return_inverse=True)
        return windows, np.bincount(inverse, weights=np.concatenate(parts_counts)).astype(np.float32)

    # ------------------------------------------------------------------ search

    def scores(self, query: str, filters: Filters | None = None, *, window: int = 0,
               pair_weight: float = 0.0) -> np.ndarray:
        """BM25 score of every chunk (0 for chunks the filters exclude)."""
        n_docs = len(self.ids)
        out = np.zeros(n_docs, dtype=np.float32)
        words = tokenize(query)
        weights: dict[int, float] = {}
        for word in words:
            if word in self.vocab:
                weights[self.vocab[word]] = 1.0
        if pair_weight and self.with_pairs:
            for pair in pairs(words):
                if pair in self.vocab:
                    weights[self.vocab[pair]] = pair_weight
        if not weights or not n_docs:
            return out
        mask = self.mask(filters)
        lengths, avgdl = self._lengths(window)
        if window and mask is not None:  # excluded neighbours add neither words nor length
            lengths = self._widen(self.lengths * mask, window)
        avgdl = avgdl or 1.0
        indptr, indices, data = self.matrix.indptr, self.matrix.indices, self.matrix.data
        for tid, weight in sorted(weights.items()):
            start, end = indptr[tid], indptr[tid + 1]
            rows, tf = indices[start:end], data[start:end]
            if window:
                if mask is not None:  # excluded neighbours add no words
                    tf = tf * mask[rows]
                rows, tf = self._widen_sparse(rows, tf, window)
            df = len(rows)  # chunks (or windows) that hold the term, whatever the filters
            idf = math.log1p((n_docs - df + 0.5) / (df + 0.5))
            norm = self.k1 * (1 - self.b + self.b * lengths[rows] / avgdl)
            out[rows] += np.float32(weight * idf) * tf * (self.k1 + 1) / (tf + norm)
        if mask is not None:
            out *= mask
        return out

    def search(self, query: str, n: int, filters: Filters | None = None, *, window: int = 0,
               pair_weight: float = 0.0) -> list[tuple[str, float]]:
        """(chunk id, BM25 score) of the best ``n`` chunks that pass ``filters``; ``window`` and
        ``pair_weight`` as in the module docstring (0: plain BM25 over chunks)."""
        if not self.ids:
            return []
        scores = self.scores(query, filters, window=window, pair_weight=pair_weight)
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
