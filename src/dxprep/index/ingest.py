"""Incremental ingest: workspace → chunks → embeddings → Chroma + lexical index.

- Unchanged files (same fingerprint: text, parsed metadata, chunker, embedder) are not
  re-chunked or re-embedded; an edited file's chunks are replaced; a deleted file's are
  removed; identical chunk text is embedded once (a vector cache keyed by text hash).
- Each file is marked pending in the catalog, written to Chroma, then recorded in the
  catalog, so a killed ingest leaves files that the next run writes again (idempotent),
  even if a file was edited back meanwhile. The lexical index is marked stale before the
  first change and fresh once saved; ``--rebuild`` forgets the catalog before it drops the
  store; chunks that Chroma holds and the catalog does not (an interrupted run) are deleted.
- One ingest at a time per workspace: an exclusive ``flock`` on ``.dxprep/ingest.lock``.
"""

from __future__ import annotations

import datetime as dt
import fcntl
import hashlib
import json
import os
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import numpy as np
from pydantic import BaseModel, Field

from dxprep.config import Settings, load_settings
from dxprep.errors import IndexLockedError
from dxprep.index.catalog import Catalog
from dxprep.index.chunking import CHUNKER_VERSION, Chunk, chunk_material, chunk_note
from dxprep.index.embeddings import Embedder, get_embedder
from dxprep.index.lexical import LexicalIndex
from dxprep.index.store import ChromaStore
from dxprep.workspace.models import LoadedWorkspace, Material, MeetingNote
from dxprep.workspace.reader import read_workspace

__all__ = ["IngestStats", "Progress", "index_paths", "ingest", "open_parts", "workspace_lock"]


class SkippedEntry(BaseModel):
    path: str
    reason: str


class IngestStats(BaseModel):
    files: int = 0
    chunks: int = 0
    embedded: int = 0
    unchanged: int = 0
    removed: int = 0
    skipped: list[SkippedEntry] = Field(default_factory=list)
    updated: int = 0
    seconds: float = 0.0
    embedder: str = ""
    store: str = ""


#: progress(event, advance, total): "files" / "embedded" / "chunks"
Progress = Callable[[str, int, int], None]


def index_paths(root: Path) -> dict[str, Path]:
    state = root / ".dxprep"
    return {"state": state, "catalog": state / "index.sqlite", "lexical": state / "lexical",
            "lock": state / "ingest.lock"}


@contextmanager
def workspace_lock(root: Path) -> Iterator[None]:
    """Exclusive lock for writers; released by the OS if the process dies."""
    path = index_paths(root)["lock"]
    path.parent.mkdir(parents=True, exist_ok=True)
    fd = os.open(path, os.O_RDWR | os.O_CREAT, 0o644)
    try:
        try:
            fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            holder = os.pread(fd, 64, 0).decode(errors="replace").strip() or "another process"
            raise IndexLockedError(
                f"another ingest is running on this workspace (pid {holder})",
                hint="wait for it to finish, then run dxprep ingest again",
            ) from None
        os.ftruncate(fd, 0)
        os.pwrite(fd, str(os.getpid()).encode(), 0)
        yield
    finally:
        os.close(fd)


def open_parts(root: Path, settings: Settings, embedder: Embedder | None = None) -> tuple[Embedder, ChromaStore, Catalog]:
    emb = embedder or get_embedder(settings.embedding, remote_allowed=settings.remote,
                                   base_url=settings.openai_base_url, workspace=root)
    store = ChromaStore(root, settings, emb.name, emb.dim)
    catalog = Catalog(index_paths(root)["catalog"])
    return emb, store, catalog


def _budget(emb: Embedder, settings: Settings) -> int:
    """Content tokens per chunk: the model's window less its two special tokens, or less."""
    return min(emb.max_tokens - 2, settings.chunk_tokens)


def _fingerprint(doc: MeetingNote | Material, ws: LoadedWorkspace, embedder: Embedder, budget: int = 254) -> str:
    meta = doc.model_dump(mode="json", exclude={"text", "sha256"})
    if isinstance(doc, MeetingNote):  # headers name the executives: they depend on stakeholders
        meta["_org"] = [(e.id, e.name, e.role, e.title, e.business_unit)
                        for e in ws.organization.executives if e.id in doc.executives]
    payload = json.dumps([CHUNKER_VERSION, budget, embedder.name, doc.sha256, meta], sort_keys=True, default=str)
    return hashlib.sha256(payload.encode()).hexdigest()


def _text_hash(text: str) -> str:
    return hashlib.sha256(text.encode("utf-8", "surrogatepass")).hexdigest()


def ingest(
    workspace: str | Path,
    *,
    rebuild: bool = False,
    settings: Settings | None = None,
    embedder: Embedder | None = None,
    progress: Progress | None = None,
    data: LoadedWorkspace | None = None,
    batch_texts: int = 1024,
) -> IngestStats:
    """Bring the index of ``workspace`` up to date; returns what was done."""
    import time

    t0 = time.perf_counter()
    root = Path(workspace)
    settings = settings or load_settings(root)
    ws = data or read_workspace(root)
    emb, store, catalog = open_parts(root, settings, embedder)
    stats = IngestStats(embedder=emb.name, store=store.key)
    tell = progress or (lambda event, advance, total: None)
    if not rebuild and _unchanged(root, ws, emb, store, catalog, stats, settings):
        catalog.close()
        stats.seconds = round(time.perf_counter() - t0, 3)
        return stats
    with workspace_lock(root):
        try:
            if rebuild:  # the catalog first: killed in between, the next run re-syncs everything
                catalog.clear()
                _remove_lexical(root)
                store.drop()
            store.collection()  # raises IndexMismatchError on another model
            if catalog.get_meta("store") != store.key or catalog.get_meta("embedder") != emb.name:
                # New store or model: every file is written again (vectors come from the cache).
                with catalog._tx():
                    catalog.db.execute("DELETE FROM files")
                    catalog.db.execute("DELETE FROM chunks")
                catalog.set_meta("store", store.key)
                catalog.set_meta("embedder", emb.name)
            known = catalog.fingerprints()
            if store.count() != catalog.chunk_count():
                known = {}  # the store and the catalog disagree (interrupted or wiped): re-sync all

            docs: list[MeetingNote | Material] = [*ws.notes, *ws.material]
            stats.files = len(docs)
            skipped_paths = {s.path for s in ws.skipped}
            stats.skipped = [SkippedEntry(path=s.path, reason=s.reason + (
                " (its previous version stays in the index)" if s.path in known else "")) for s in ws.skipped]
            todo: list[tuple[MeetingNote | Material, str]] = []
            for doc in docs:
                fp = _fingerprint(doc, ws, emb, _budget(emb, settings))
                if known.get(doc.path) == fp:
                    stats.unchanged += 1
                else:
                    todo.append((doc, fp))
            tell("files", stats.unchanged, stats.files)

            budget = _budget(emb, settings)
            count, offsets = _counters(emb)
            now = dt.datetime.now(dt.UTC).isoformat(timespec="seconds")
            present = {d.path for d in docs} | skipped_paths
            gone = sorted(set(catalog.fingerprints()) - present)
            if todo or gone:
                catalog.set_meta("lexical", "stale")  # until it is saved again below
            group: list[tuple[MeetingNote | Material, str, list[Chunk]]] = []
            pending = 0
            for doc, fp in todo:
                chunks = (chunk_note(doc, ws.organization, budget, count, offsets) if isinstance(doc, MeetingNote)
                          else chunk_material(doc, budget, count, offsets))
                group.append((doc, fp, chunks))
                pending += len(chunks)
                if pending >= batch_texts:
                    _write_group(group, emb, store, catalog, stats, now, tell)
                    group, pending = [], 0
            if group:
                _write_group(group, emb, store, catalog, stats, now, tell)

            for path in gone:
                store.delete_source(path)
                catalog.remove_file(path)
                stats.removed += 1
            if store.count() != catalog.chunk_count():
                store.delete_ids(sorted(store.ids() - catalog.chunk_ids()))  # left by an interrupted run

            lexical_dir = index_paths(root)["lexical"]
            if (todo or stats.removed or catalog.get_meta("lexical") == "stale"
                    or not LexicalIndex.exists(lexical_dir) or LexicalIndex.outdated(lexical_dir)):
                LexicalIndex.build(catalog.iter_chunks()).save(lexical_dir)
                catalog.set_meta("lexical", "fresh")
            stats.chunks = catalog.chunk_count()
        finally:
            catalog.close()
            store.close()
    stats.seconds = round(time.perf_counter() - t0, 3)
    return stats


def _unchanged(root: Path, ws: LoadedWorkspace, emb: Embedder, store: ChromaStore, catalog: Catalog,
               stats: IngestStats, settings: Settings) -> bool:
    """True when nothing changed since the last complete ingest: then the embedded Chroma is
    not even opened (opening it costs about a second), so a briefing's freshness check is
    cheap; a server's collection is counted (it may have lost its data)."""
    if catalog.get_meta("store") != store.key or catalog.get_meta("embedder") != emb.name:
        return False
    if not LexicalIndex.exists(index_paths(root)["lexical"]) or catalog.get_meta("lexical") == "stale":
        return False
    if not store.server and not (root / ".dxprep" / "chroma").is_dir():
        return False
    known = catalog.fingerprints()
    docs: list[MeetingNote | Material] = [*ws.notes, *ws.material]
    present = {d.path for d in docs} | {s.path for s in ws.skipped}
    if set(known) - present or any(known.get(d.path) != _fingerprint(d, ws, emb, _budget(emb, settings)) for d in docs):
        return False
    if store.server:
        # A server can lose its data (restarted on an empty path): a count is one cheap request.
        try:
            if not store.exists() or store.count() != catalog.chunk_count():
                return False
        finally:
            store.close()
    stats.files = len(docs)
    stats.unchanged = len(docs)
    stats.chunks = catalog.chunk_count()
    stats.skipped = [SkippedEntry(path=s.path, reason=s.reason + (
        " (its previous version stays in the index)" if s.path in known else "")) for s in ws.skipped]
    return True


def _counters(emb: Embedder) -> tuple[Callable[[list[str]], list[int]], Callable[[str], list[tuple[int, int]]] | None]:
    tokenizer = getattr(emb, "tokenizer", None)
    if tokenizer is not None:
        return tokenizer.count_many, tokenizer.offsets
    return (lambda texts: [emb.count_tokens(t) - 2 for t in texts]), None


def _write_group(group: list[tuple[Any, str, list[Chunk]]], emb: Embedder, store: ChromaStore, catalog: Catalog,
                 stats: IngestStats, now: str, tell: Progress) -> None:
    hashes = {c.id: _text_hash(c.embed_text) for _, _, chunks in group for c in chunks}
    unique = list(dict.fromkeys(hashes.values()))
    vectors = catalog.cached_vectors(emb.name, unique)
    missing: dict[str, str] = {}
    for _, _, chunks in group:
        for c in chunks:
            h = hashes[c.id]
            if h not in vectors and h not in missing:
                missing[h] = c.embed_text
    if missing:
        # Longest first, in slices of similar length: the model pads each batch to its
        # longest text, so sorting here is what keeps ingest close to the raw model.
        keys = sorted(missing, key=lambda h: -len(missing[h]))
        step = 256
        for i in range(0, len(keys), step):
            part = keys[i : i + step]
            new = emb.embed_documents([missing[k] for k in part])
            catalog.store_vectors(emb.name, zip(part, new, strict=True))
            vectors.update(zip(part, new, strict=True))
            stats.embedded += len(part)
            tell("embedded", len(part), len(keys))
    catalog.mark_pending([doc.path for doc, _, _ in group], now)
    for doc, fp, chunks in group:
        matrix = (np.stack([vectors[hashes[c.id]] for c in chunks]) if chunks
                  else np.zeros((0, emb.dim), dtype=np.float32))
        store.replace_source(doc.path, chunks, matrix)
        catalog.replace_file(doc.path, fp, chunks, now, doc.text)
        stats.updated += 1
        tell("files", 1, stats.files)


def _remove_lexical(root: Path) -> None:
    import shutil

    shutil.rmtree(index_paths(root)["lexical"], ignore_errors=True)
