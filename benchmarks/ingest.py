"""Ingest benchmark: throughput against the raw model, re-ingest cost, peak RSS, bf16.

Run by hand (minutes):  .venv/bin/python benchmarks/ingest.py [--chunks 1000] [--rss-chunks 100000]

1. The same chunks are embedded by the raw model (sentence-transformers, loaded once) and
   by a full `ingest` (read, parse, chunk, embed, Chroma, catalog, BM25) in one process;
   overhead = ingest / raw - 1 (goal: <= 10 %).
2. Re-ingest of the unchanged workspace (goal: <= 2 % of the first ingest).
3. Peak RSS of an ingest of --rss-chunks chunks in a child process with the model loaded
   (goal: < 1.5 GB). Embedding 100k chunks takes about an hour on 2 cores, so there the
   vectors come from a fast deterministic stand-in with the same name and dimension: every
   other part of the pipeline (parse, chunk, tokenize, Chroma, SQLite, BM25) runs for real.
4. bf16 inference: throughput and top-10 neighbour overlap with fp32 (keep it if >= 0.95).
"""

from __future__ import annotations

import argparse
import hashlib
import json
import os
import resource
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parent))
os.environ.setdefault("HF_HUB_OFFLINE", "1")
os.environ.setdefault("ANONYMIZED_TELEMETRY", "False")

from _synth import make_workspace  # noqa: E402

from dxprep.config import load_settings  # noqa: E402
from dxprep.index.chunking import chunk_material  # noqa: E402
from dxprep.index.embeddings import LocalEmbedder  # noqa: E402
from dxprep.index.ingest import ingest  # noqa: E402
from dxprep.workspace.reader import read_workspace  # noqa: E402


class StandIn:
    """Same name and size as the local model; vectors from the text hash (RSS run only)."""

    name = LocalEmbedder().name
    dim = 384
    max_tokens = 256

    def __init__(self, model: LocalEmbedder) -> None:
        self.tokenizer = model.tokenizer
        self._model = model

    def count_tokens(self, text: str) -> int:
        return int(self.tokenizer.count(text)) + 2

    def embed_documents(self, texts: list[str]) -> np.ndarray:
        out = np.empty((len(texts), self.dim), dtype=np.float32)
        for i, t in enumerate(texts):
            seed = int(hashlib.blake2b(t.encode(), digest_size=8).hexdigest(), 16)
            v = np.random.default_rng(seed).standard_normal(self.dim).astype(np.float32)
            out[i] = v / np.linalg.norm(v)
        return out

    def embed_query(self, text: str) -> np.ndarray:
        return self._model.embed_query(text)


def embed_texts(root: Path, model: LocalEmbedder) -> list[str]:
    ws = read_workspace(root)
    tok = model.tokenizer
    return [c.embed_text for m in ws.material for c in chunk_material(m, 254, tok.count_many, tok.offsets)]


def rss_child(n: int, workdir: Path) -> None:
    root = make_workspace(workdir / "rss", n)
    model = LocalEmbedder()
    model.sentence_transformer()  # the real weights are resident
    t0 = time.perf_counter()
    stats = ingest(root, settings=load_settings(root), embedder=StandIn(model))  # type: ignore[arg-type]
    seconds = time.perf_counter() - t0
    peak_mb = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    print(json.dumps({"chunks": stats.chunks, "seconds": round(seconds, 1), "peak_rss_mb": round(peak_mb)}))


def top10_overlap(doc_a: np.ndarray, doc_b: np.ndarray, queries: np.ndarray) -> float:
    ta = np.argsort(-(queries @ doc_a.T), axis=1)[:, :10]
    tb = np.argsort(-(queries @ doc_b.T), axis=1)[:, :10]
    return float(np.mean([len(set(a) & set(b)) / 10 for a, b in zip(ta, tb, strict=True)]))


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--chunks", type=int, default=1000, help="chunks for the throughput run")
    ap.add_argument("--rss-chunks", type=int, default=100_000, help="chunks for the peak-RSS run (0: skip)")
    ap.add_argument("--no-bf16", action="store_true", help="skip the bf16 comparison")
    ap.add_argument("--rss-child", type=int, help=argparse.SUPPRESS)
    ap.add_argument("--workdir", type=Path, help=argparse.SUPPRESS)
    args = ap.parse_args()
    if args.rss_child:
        rss_child(args.rss_child, args.workdir)
        return
    tmp = Path(tempfile.mkdtemp(prefix="dxprep-bench-"))
    try:
        root = make_workspace(tmp / "ws", args.chunks)
        model = LocalEmbedder()
        st = model.sentence_transformer()
        model.embed_documents(["warm up"] * 16)
        texts = embed_texts(root, model)
        tokens = [model.count_tokens(t) for t in texts]
        print(f"workspace: {len(texts)} chunks, {np.mean(tokens):.0f} tokens on average (max {max(tokens)})")

        t0 = time.perf_counter()
        raw_vectors = st.encode(texts, batch_size=32, normalize_embeddings=True, show_progress_bar=False)
        raw = time.perf_counter() - t0
        print(f"raw model (sentence-transformers, fp32): {raw:.1f} s = {len(texts) / raw:.1f} chunks/s")

        settings = load_settings(root)
        t0 = time.perf_counter()
        first = ingest(root, settings=settings, embedder=model)
        t_first = time.perf_counter() - t0
        overhead = t_first / raw - 1
        print(f"dxprep ingest (fresh):                   {t_first:.1f} s = {first.chunks / t_first:.1f} chunks/s "
              f"({first.embedded} embedded)  overhead vs raw: {overhead:+.1%}  (goal <= +10%)")

        t0 = time.perf_counter()
        again = ingest(root, settings=settings, embedder=model)
        t_again = time.perf_counter() - t0
        print(f"re-ingest, unchanged:                    {t_again:.2f} s = {t_again / t_first:.2%} of the first "
              f"(goal <= 2%), embedded {again.embedded}")

        victim = sorted((root / "material").rglob("*.md"))[0]
        victim.write_text(victim.read_text() + "\n\n## Addendum\n\nA new paragraph about supplier phishing.\n")
        t0 = time.perf_counter()
        edit = ingest(root, settings=settings, embedder=model)
        print(f"re-ingest, one file edited:              {time.perf_counter() - t0:.2f} s, "
              f"embedded {edit.embedded}, updated {edit.updated}")

        if not args.no_bf16:
            import torch

            bf16 = LocalEmbedder(precision="bf16")
            st16 = bf16.sentence_transformer()
            st16.encode(texts[:16], batch_size=16)
            t0 = time.perf_counter()
            vec16 = st16.encode(texts, batch_size=32, normalize_embeddings=True, show_progress_bar=False,
                                convert_to_tensor=True).to(torch.float32).numpy()
            t16 = time.perf_counter() - t0
            queries = model._numpy().encode([t.split("\n", 1)[-1][:200] for t in texts[::max(1, len(texts) // 200)]])
            overlap = top10_overlap(np.asarray(raw_vectors), vec16, queries)
            print(f"bf16 ingest embedding:                   {t16:.1f} s = {len(texts) / t16:.1f} chunks/s "
                  f"({raw / t16:.2f}x fp32); top-10 overlap with fp32 over {len(queries)} queries: {overlap:.3f}"
                  " (keep if >= 0.95)")

        if args.rss_chunks:
            out = subprocess.run([sys.executable, __file__, "--rss-child", str(args.rss_chunks), "--workdir", str(tmp)],
                                 capture_output=True, text=True, check=True)
            rss = json.loads(out.stdout.strip().splitlines()[-1])
            print(f"peak RSS, {rss['chunks']} chunks (model loaded, stand-in vectors): {rss['peak_rss_mb']} MB "
                  f"(goal < 1536 MB); pipeline time without the model: {rss['seconds']} s")
    finally:
        shutil.rmtree(tmp, ignore_errors=True)


if __name__ == "__main__":
    main()
