"""The Chroma adapter: the only module that imports chromadb.

Embedded ``PersistentClient`` under ``<workspace>/.dxprep/chroma`` by default; a Chroma
server (``HttpClient``) when a URL is configured. Chroma's default embedding function is
never used (it would download a model): vectors always come from our embedder.
Chroma objects never leave this module: callers get ids, scores and plain dicts.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import logging
import os
import ssl
import warnings
from collections.abc import Sequence
from pathlib import Path
from typing import Any
from urllib.parse import urlparse

import numpy as np

from dxprep.config import Settings
from dxprep.errors import ConfigError, IndexError_, IndexMismatchError
from dxprep.index.chunking import Chunk

__all__ = ["ChromaStore", "Filters", "chunk_metadata"]

SCHEMA = 1
#: Extra nearest neighbours fetched so that equal scores at the cut are ordered by id.
_TIE_MARGIN = 16


def _date_int(value: dt.date | None) -> int:
    return value.year * 10_000 + value.month * 100 + value.day if value else 0


def chunk_metadata(chunk: Chunk) -> dict[str, Any]:
    """Flat metadata as Chroma stores it (lists only when non-empty)."""
    meta: dict[str, Any] = {
        "source": chunk.source, "kind": chunk.kind, "doc_type": chunk.doc_type,
        "date": _date_int(chunk.date), "confidential": chunk.confidential,
        "restricted": bool(chunk.audience), "start": chunk.start, "end": chunk.end,
        "ordinal": chunk.ordinal,
    }
    for key in ("executives", "business_units", "audience"):
        values = getattr(chunk, key)
        if values:
            meta[key] = list(values)
    return meta


class Filters:
    """Search filters, translated for Chroma (``where``) and applied in Python (lexical)."""

    def __init__(self, executive: str | None = None, kind: str | None = None, doc_type: str | None = None,
                 since: dt.date | None = None, audience: str | None = None, unit: str | None = None,
                 source: str | None = None) -> None:
        self.executive = executive
        self.kind = kind
        self.doc_type = doc_type
        self.since = since
        self.audience = audience
        self.unit = unit
        self.source = source

    def where(self) -> dict[str, Any] | None:
        clauses: list[dict[str, Any]] = []
        if self.executive:
            clauses.append({"executives": {"$contains": self.executive}})
        if self.unit:
            clauses.append({"business_units": {"$contains": self.unit}})
        if self.source:
            clauses.append({"source": self.source})
        if self.kind:
            clauses.append({"kind": self.kind})
        if self.doc_type:
            clauses.append({"doc_type": self.doc_type})
        if self.since:
            clauses.append({"date": {"$gte": _date_int(self.since)}})
        if self.audience:
            clauses.append({"$or": [{"restricted": False}, {"audience": {"$contains": self.audience}}]})
        if not clauses:
            return None
        return clauses[0] if len(clauses) == 1 else {"$and": clauses}

    def allows(self, meta: dict[str, Any]) -> bool:
        """The same rules as :meth:`where`, for one chunk's metadata."""
        if self.executive and self.executive not in meta.get("executives", ()):
            return False
        if self.unit and self.unit not in meta.get("business_units", ()):
            return False
        if self.source and meta.get("source") != self.source:
            return False
        if self.kind and meta.get("kind") != self.kind:
            return False
        if self.doc_type and meta.get("doc_type") != self.doc_type:
            return False
        if self.since and int(meta.get("date", 0)) < _date_int(self.since):
            return False
        if self.audience and meta.get("restricted") and self.audience not in meta.get("audience", ()):
            return False
        return True

    def __bool__(self) -> bool:
        return self.where() is not None


def _quiet() -> None:
    os.environ.setdefault("ANONYMIZED_TELEMETRY", "False")
    for name in ("chromadb", "chromadb.telemetry", "posthog"):
        logging.getLogger(name).setLevel(logging.ERROR)


def _open_error(settings: Settings, exc: Exception) -> IndexError_:
    """A clear error for a store that cannot be opened; never repeats the token."""
    where = settings.chroma_url or "the embedded store"
    chain: list[BaseException] = []
    cur: BaseException | None = exc
    while cur is not None and len(chain) < 8:  # chromadb re-raises httpx/ssl errors as ValueError
        chain.append(cur)
        cur = cur.__cause__ or cur.__context__

    def clean(e: BaseException) -> str:
        text = " ".join(str(e).split())
        return text.replace(settings.chroma_token, "[token]") if settings.chroma_token else text

    text = clean(exc)
    if not settings.chroma_url:
        return IndexError_(f"cannot open Chroma at {where}: {text[:300]}", hint="check that .dxprep/ is writable")
    names = [type(e).__name__ for e in chain]
    if any(n in ("ChromaAuthError", "AuthorizationError") for n in names) or any(
            s in text for s in ("401", "403", "Unauthorized", "Forbidden")):
        state = "the token was refused" if settings.chroma_token else "the server wants a token and none is set"
        return IndexError_(f"Chroma at {where}: authentication failed: {state} ({names[0]})",
                           hint="set chroma_token (or DXPREP_CHROMA_TOKEN), and chroma_token_header "
                                "(authorization or x-chroma-token) as the server expects")
    tls = next((e for e in chain if isinstance(e, ssl.SSLError) or "CERTIFICATE_VERIFY_FAILED" in str(e)), None)
    if tls is not None:
        return IndexError_(f"Chroma at {where}: TLS failed: {clean(tls)[:300]}",
                           hint="check the server's certificate, or point chroma_ssl_verify at its CA bundle")
    return IndexError_(f"cannot open Chroma at {where}: {text[:300]}",
                       hint="is the server running? (chroma run --path DIR)")


class ChromaStore:
    """One Chroma collection holding one workspace's chunks."""

    def __init__(self, root: Path, settings: Settings, embedder_name: str, dim: int) -> None:
        self.root = root
        self.settings = settings
        self.embedder_name = embedder_name
        self.dim = dim
        self._client: Any = None
        self._collection: Any = None

    # ---------------------------------------------------------------- identity
    @property
    def server(self) -> bool:
        return bool(self.settings.chroma_url)

    @property
    def collection_name(self) -> str:
        if not self.server or self.settings.collection != "dxprep":
            return self.settings.collection
        # One server, many workspaces: one collection each, unless named explicitly.
        slug = "".join(c if c.isalnum() else "-" for c in self.root.resolve().name.lower()).strip("-") or "ws"
        digest = hashlib.sha1(str(self.root.resolve()).encode()).hexdigest()[:8]
        return f"dxprep-{slug[:40]}-{digest}"

    @property
    def key(self) -> str:
        """Identifies where the vectors live: a change forces a full re-sync."""
        where = self.settings.chroma_url or str(self.root.resolve() / ".dxprep" / "chroma")
        return f"{where}|{self.settings.chroma_tenant}|{self.settings.chroma_database}|{self.collection_name}"

    # ---------------------------------------------------------------- connection
    def client(self) -> Any:
        if self._client is not None:
            return self._client
        _quiet()
        try:
            import chromadb
        except ImportError as exc:  # pragma: no cover - a dependency
            raise IndexError_("chromadb is not installed", hint="make install") from exc
        try:
            if self.server:
                options = self.http_options()
                with warnings.catch_warnings():
                    # chromadb hands a CA bundle path to httpx as verify=<str>: deprecated there, still honoured
                    warnings.filterwarnings("ignore", message=r".*verify=<str>.* is deprecated", category=DeprecationWarning)
                    self._client = chromadb.HttpClient(**options)
            else:
                from chromadb.config import Settings as ChromaSettings

                path = self.root / ".dxprep" / "chroma"
                path.mkdir(parents=True, exist_ok=True)
                self._client = chromadb.PersistentClient(
                    path=str(path), settings=ChromaSettings(anonymized_telemetry=False),
                    tenant=self.settings.chroma_tenant, database=self.settings.chroma_database,
                )
        except ConfigError:
            raise
        except Exception as exc:  # connection refused, auth, TLS, bad tenant...
            raise _open_error(self.settings, exc) from exc
        return self._client

    def http_options(self) -> dict[str, Any]:
        """The arguments of ``chromadb.HttpClient`` for the configured server: host, port, TLS
        (``ssl`` for https; ``chroma_ssl_verify``: true, false or a CA bundle) and token
        authentication (``Authorization: Bearer`` or ``X-Chroma-Token``)."""
        from chromadb.config import Settings as ChromaSettings

        url = urlparse(str(self.settings.chroma_url))
        if url.scheme not in ("http", "https") or not url.hostname:
            raise ConfigError(f"chroma_url {self.settings.chroma_url!r} is not an http(s) URL",
                              hint="e.g. --chroma-url http://127.0.0.1:8000")
        if url.username or url.password:
            raise ConfigError("chroma_url must not hold a user or password",
                              hint="give the token in chroma_token (or DXPREP_CHROMA_TOKEN)")
        https = url.scheme == "https"
        options: dict[str, Any] = {"anonymized_telemetry": False}
        verify = self.settings.chroma_ssl_verify
        if https:
            if isinstance(verify, str):
                bundle = Path(verify).expanduser()
                if not bundle.is_absolute() and (self.root / bundle).exists():
                    bundle = self.root / bundle
                if not bundle.exists():
                    raise ConfigError(f"chroma_ssl_verify: no CA bundle at {bundle}",
                                      hint="give the path of a PEM file, or true / false")
                options["chroma_server_ssl_verify"] = str(bundle)
            else:
                options["chroma_server_ssl_verify"] = bool(verify)
        if self.settings.chroma_token:
            header = {"authorization": "Authorization", "x-chroma-token": "X-Chroma-Token"}
            options.update(
                chroma_client_auth_provider="chromadb.auth.token_authn.TokenAuthClientProvider",
                chroma_client_auth_credentials=self.settings.chroma_token,
                chroma_auth_token_transport_header=header[self.settings.chroma_token_header],
            )
        return {
            "host": url.hostname, "port": url.port or (443 if https else 8000), "ssl": https,
            "headers": {}, "settings": ChromaSettings(**options),
            "tenant": self.settings.chroma_tenant, "database": self.settings.chroma_database,
        }

    def close(self) -> None:
        """Release the client's connections (HTTP pool of a server client)."""
        client, self._client, self._collection = self._client, None, None
        closer = getattr(client, "close", None)
        if closer is not None:
            try:
                closer()
            except Exception:  # closing is best effort
                return

    def exists(self) -> bool:
        try:
            names = [getattr(c, "name", c) for c in self.client().list_collections()]
        except IndexError_:
            raise
        except Exception as exc:
            raise IndexError_(f"Chroma failed: {exc}") from exc
        return self.collection_name in names

    def collection(self, create: bool = True) -> Any:
        if self._collection is not None:
            return self._collection
        client = self.client()
        try:
            if create:
                col = client.get_or_create_collection(
                    self.collection_name, embedding_function=None,
                    configuration={"hnsw": {"space": "cosine"}},
                    metadata={"dxprep_embedding": self.embedder_name, "dxprep_dim": self.dim,
                              "dxprep_schema": SCHEMA},
                )
            else:
                col = client.get_collection(self.collection_name, embedding_function=None)
        except Exception as exc:
            raise IndexError_(f"cannot open the Chroma collection {self.collection_name!r}: {exc}",
                              hint="run dxprep ingest first") from exc
        meta = col.metadata or {}
        built_with = meta.get("dxprep_embedding")
        if built_with and built_with != self.embedder_name:
            raise IndexMismatchError(
                f"the index was built with the embedding model {built_with!r}, but {self.embedder_name!r} "
                "is configured",
                hint="re-index with: dxprep ingest --rebuild (or set the embedding back)",
            )
        self._collection = col
        return col

    def drop(self) -> None:
        try:
            if self.exists():
                self.client().delete_collection(self.collection_name)
        except IndexError_:
            raise
        except Exception as exc:
            raise IndexError_(f"cannot delete the Chroma collection: {exc}") from exc
        self._collection = None

    def max_batch(self) -> int:
        try:
            return max(1, int(self.client().get_max_batch_size()))
        except Exception:  # older servers do not say: a safe size
            return 1000

    # ---------------------------------------------------------------- writes
    def replace_source(self, source: str, chunks: Sequence[Chunk], vectors: np.ndarray) -> None:
        """Delete every chunk of ``source``, then add ``chunks``: idempotent, so an
        interrupted write is completed by the next ingest."""
        col = self.collection()
        try:
            col.delete(where={"source": source})
            batch = self.max_batch()
            for i in range(0, len(chunks), batch):
                part = chunks[i : i + batch]
                col.upsert(
                    ids=[c.id for c in part],
                    embeddings=vectors[i : i + batch].astype(np.float32),
                    documents=[c.text for c in part],
                    metadatas=[chunk_metadata(c) for c in part],
                )
        except Exception as exc:
            raise IndexError_(f"Chroma write failed for {source}: {exc}",
                              hint="run dxprep ingest again: it completes what was interrupted") from exc

    def delete_source(self, source: str) -> None:
        try:
            self.collection().delete(where={"source": source})
        except IndexError_:
            raise
        except Exception as exc:
            raise IndexError_(f"Chroma delete failed for {source}: {exc}") from exc

    def ids(self) -> set[str]:
        """Every chunk id in the collection."""
        try:
            col = self.collection()
            total = int(col.count())
            batch = self.max_batch()
            out: set[str] = set()
            for offset in range(0, total, batch):
                out.update(col.get(include=[], limit=batch, offset=offset)["ids"])
            return out
        except IndexError_:
            raise
        except Exception as exc:
            raise IndexError_(f"Chroma failed: {exc}") from exc

    def delete_ids(self, ids: Sequence[str]) -> None:
        try:
            col = self.collection()
            batch = self.max_batch()
            for i in range(0, len(ids), batch):
                col.delete(ids=list(ids[i : i + batch]))
        except IndexError_:
            raise
        except Exception as exc:
            raise IndexError_(f"Chroma delete failed: {exc}",
                              hint="run dxprep ingest again: it completes what was interrupted") from exc

    def count(self) -> int:
        try:
            return int(self.collection().count())
        except IndexError_:
            raise
        except Exception as exc:
            raise IndexError_(f"Chroma failed: {exc}") from exc

    # ---------------------------------------------------------------- reads
    def query(self, vector: np.ndarray, n: int, filters: Filters | None = None) -> list[tuple[str, float]]:
        """(chunk id, cosine similarity) of the ``n`` nearest chunks that pass ``filters``.

        Equal similarities are ordered by id (the vector index would order them by insertion,
        so the same content indexed in another order would rank differently): a few more than
        ``n`` are fetched so that ties at the cut are decided by id too."""
        col = self.collection(create=False)
        try:
            total = col.count()
            if total == 0 or n <= 0:
                return []
            res = col.query(query_embeddings=[vector.astype(np.float32).tolist()],
                            n_results=min(n + _TIE_MARGIN, total),
                            where=filters.where() if filters else None, include=["distances"])
        except Exception as exc:
            raise IndexError_(f"Chroma query failed: {exc}",
                              hint="is the Chroma server running?" if self.server else None) from exc
        ids = res["ids"][0]
        dists = res["distances"][0] if res.get("distances") else [0.0] * len(ids)
        ranked = sorted(((i, 1.0 - float(d)) for i, d in zip(ids, dists, strict=True)), key=lambda p: (-p[1], p[0]))
        return ranked[:n]
