"""The index's own bookkeeping in SQLite (``.dxprep/index.sqlite``).

- ``files``: one row per indexed source with its fingerprint, so unchanged files are
  skipped and deleted ones are removed;
- ``chunks``: every chunk's text and metadata (the source of truth for lexical search
  and for the results a search returns);
- ``embeddings``: a cache of vectors by (model, text hash), so identical text is
  embedded once, and a re-sync to another store embeds nothing;
- ``meta``: which embedder and store the index was built for.
"""

from __future__ import annotations

import json
import sqlite3
from collections.abc import Iterable, Sequence
from pathlib import Path
from typing import Any

import numpy as np

from dxprep.errors import IndexError_
from dxprep.index.chunking import Chunk

__all__ = ["Catalog"]

_SCHEMA = """
CREATE TABLE IF NOT EXISTS meta (key TEXT PRIMARY KEY, value TEXT NOT NULL);
CREATE TABLE IF NOT EXISTS files (
    path TEXT PRIMARY KEY, fingerprint TEXT NOT NULL, chunks INTEGER NOT NULL, indexed_at TEXT NOT NULL
);
CREATE TABLE IF NOT EXISTS chunks (
    id TEXT PRIMARY KEY, source TEXT NOT NULL, ordinal INTEGER NOT NULL,
    start INTEGER NOT NULL, "end" INTEGER NOT NULL, text TEXT NOT NULL, data TEXT NOT NULL
);
CREATE INDEX IF NOT EXISTS chunks_source ON chunks(source);
CREATE TABLE IF NOT EXISTS texts (path TEXT PRIMARY KEY, text TEXT NOT NULL);
CREATE TABLE IF NOT EXISTS embeddings (
    model TEXT NOT NULL, hash TEXT NOT NULL, vector BLOB NOT NULL, PRIMARY KEY (model, hash)
);
"""


class Catalog:
    def __init__(self, path: Path) -> None:
        self.path = path
        path.parent.mkdir(parents=True, exist_ok=True)
        try:
            self.db = sqlite3.connect(str(path), timeout=30, isolation_level=None)
            self.db.execute("PRAGMA journal_mode=WAL")
            self.db.execute("PRAGMA synchronous=NORMAL")
            self.db.executescript(_SCHEMA)
        except sqlite3.DatabaseError as exc:
            raise IndexError_(f"the index catalog {path} is damaged: {exc}",
                              hint="rebuild it: dxprep ingest --rebuild") from exc

    def close(self) -> None:
        self.db.close()

    # ---------------------------------------------------------------- meta
    def get_meta(self, key: str) -> str | None:
        row = self.db.execute("SELECT value FROM meta WHERE key=?", (key,)).fetchone()
        return row[0] if row else None

    def set_meta(self, key: str, value: str) -> None:
        self.db.execute("INSERT OR REPLACE INTO meta VALUES (?, ?)", (key, value))

    # ---------------------------------------------------------------- files
    def fingerprints(self) -> dict[str, str]:
        return dict(self.db.execute("SELECT path, fingerprint FROM files").fetchall())

    def replace_file(self, path: str, fingerprint: str, chunks: Sequence[Chunk], when: str,
                     text: str | None = None) -> None:
        """Swap a source's chunks, extracted text and fingerprint in one transaction."""
        with self._tx():
            if text is not None:
                self.db.execute("INSERT OR REPLACE INTO texts VALUES (?, ?)", (path, text))
            self.db.execute("DELETE FROM chunks WHERE source=?", (path,))
            self.db.executemany(
                'INSERT OR REPLACE INTO chunks (id, source, ordinal, start, "end", text, data) VALUES (?,?,?,?,?,?,?)',
                [(c.id, c.source, c.ordinal, c.start, c.end, c.text,
                  c.model_dump_json(exclude={"text", "id", "source", "ordinal", "start", "end"})) for c in chunks],
            )
            self.db.execute("INSERT OR REPLACE INTO files VALUES (?, ?, ?, ?)", (path, fingerprint, len(chunks), when))

    def mark_pending(self, paths: Sequence[str], when: str) -> None:
        """Record that these sources are about to be rewritten in the store: until
        :meth:`replace_file` completes each one, its fingerprint matches nothing, so an
        interrupted write is redone by the next ingest whatever the file holds by then
        (even if it was edited back to what the catalog knew)."""
        with self._tx():
            self.db.executemany(
                "INSERT INTO files VALUES (?, '', 0, ?) ON CONFLICT(path) DO UPDATE SET fingerprint=''",
                [(p, when) for p in paths])

    def chunk_ids(self) -> set[str]:
        return {str(r[0]) for r in self.db.execute("SELECT id FROM chunks")}

    def remove_file(self, path: str) -> None:
        with self._tx():
            self.db.execute("DELETE FROM chunks WHERE source=?", (path,))
            self.db.execute("DELETE FROM texts WHERE path=?", (path,))
            self.db.execute("DELETE FROM files WHERE path=?", (path,))

    def clear(self) -> None:
        with self._tx():
            self.db.execute("DELETE FROM chunks")
            self.db.execute("DELETE FROM files")
            self.db.execute("DELETE FROM texts")
            self.db.execute("DELETE FROM meta")

    def chunk_count(self) -> int:
        return int(self.db.execute("SELECT COUNT(*) FROM chunks").fetchone()[0])

    def iter_chunks(self) -> Iterable[tuple[str, str, dict[str, Any]]]:
        """(id, text, data) of every chunk, in a stable order."""
        for cid, text, data, source, start, end in self.db.execute(
            'SELECT id, text, data, source, start, "end" FROM chunks ORDER BY source, ordinal'
        ):
            meta = json.loads(data)
            meta.update(source=source, start=start, end=end)
            yield cid, text, meta

    def get_chunks(self, ids: Sequence[str]) -> dict[str, tuple[str, dict[str, Any]]]:
        out: dict[str, tuple[str, dict[str, Any]]] = {}
        for i in range(0, len(ids), 500):
            part = list(ids[i : i + 500])
            marks = ",".join("?" * len(part))
            for cid, text, data, source, start, end, ordinal in self.db.execute(
                f'SELECT id, text, data, source, start, "end", ordinal FROM chunks WHERE id IN ({marks})', part
            ):
                meta = json.loads(data)
                meta.update(source=source, start=start, end=end, ordinal=ordinal)
                out[cid] = (text, meta)
        return out

    def source_text(self, path: str) -> str | None:
        """The source's extracted text as of its last ingest (what every offset points into)."""
        row = self.db.execute("SELECT text FROM texts WHERE path=?", (path,)).fetchone()
        return row[0] if row else None

    def neighbours(self, source: str, first: int, last: int) -> list[tuple[str, int, int, int]]:
        """(id, ordinal, start, end) of the source's chunks with ordinal in [first, last]."""
        return [(str(r[0]), int(r[1]), int(r[2]), int(r[3])) for r in self.db.execute(
            'SELECT id, ordinal, start, "end" FROM chunks WHERE source=? AND ordinal BETWEEN ? AND ? ORDER BY ordinal',
            (source, first, last))]

    # ---------------------------------------------------------------- embedding cache
    def cached_vectors(self, model: str, hashes: Sequence[str]) -> dict[str, np.ndarray]:
        out: dict[str, np.ndarray] = {}
        for i in range(0, len(hashes), 500):
            part = list(hashes[i : i + 500])
            marks = ",".join("?" * len(part))
            for h, blob in self.db.execute(
                f"SELECT hash, vector FROM embeddings WHERE model=? AND hash IN ({marks})", [model, *part]
            ):
                out[h] = np.frombuffer(blob, dtype=np.float32)
        return out

    def store_vectors(self, model: str, items: Iterable[tuple[str, np.ndarray]]) -> None:
        with self._tx():
            self.db.executemany(
                "INSERT OR REPLACE INTO embeddings VALUES (?, ?, ?)",
                [(model, h, np.asarray(v, dtype=np.float32).tobytes()) for h, v in items],
            )

    # ---------------------------------------------------------------- transactions
    def _tx(self) -> Any:
        db = self.db

        class _Tx:
            def __enter__(self) -> None:
                db.execute("BEGIN IMMEDIATE")

            def __exit__(self, exc_type: object, exc: object, tb: object) -> None:
                db.execute("ROLLBACK" if exc_type else "COMMIT")

        return _Tx()
