"""Search latency: p50/p95 with the model loaded, at 1k, 10k and 100k chunks, with and
without an executive filter (goal: p95 <= 100 ms at 100k with the filter).

Run by hand (minutes):  .venv/bin/python benchmarks/search.py [--sizes 1000,10000,100000]

Indexes are built by the real ingest pipeline on synthetic workspaces (benchmarks/_synth.py,
30 % meeting notes over five executives). Their vectors come from a fast deterministic
stand-in (embedding 100k chunks with the model takes about an hour here); queries are
embedded by the real model, so every search pays the real query cost: the NumPy MiniLM
encoder, Chroma (HNSW + metadata filter), BM25 with its filter mask, fusion and the
catalog look-up. The baseline in the same run is a bare Chroma query (no filter) with the
same query vectors: the ratio shows what hybrid search and filtering add.
"""

from __future__ import annotations

import argparse
import os
import shutil
import statistics
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
os.environ.setdefault("HF_HUB_OFFLINE", "1")
os.environ.setdefault("ANONYMIZED_TELEMETRY", "False")

from _synth import make_workspace, sentences  # noqa: E402
from ingest import StandIn  # noqa: E402

from dxprep.config import load_settings  # noqa: E402
from dxprep.index.embeddings import LocalEmbedder  # noqa: E402
from dxprep.index.ingest import ingest  # noqa: E402
from dxprep.index.search import Retriever  # noqa: E402


def pct(values: list[float], p: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(round(p / 100 * (len(ordered) - 1))))]


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--sizes", default="1000,10000,100000")
    ap.add_argument("--queries", type=int, default=60)
    ap.add_argument("--keep", type=Path, help="build the indexes here and keep them (reused when present)")
    args = ap.parse_args()
    model = LocalEmbedder()
    pool = sentences()
    queries = [" ".join(s.split()[:10]) for s in pool[:: max(1, len(pool) // args.queries)]][: args.queries]
    model.embed_query("warm up")
    base = args.keep or Path(tempfile.mkdtemp(prefix="dxprep-search-"))
    print(f"{'chunks':>8} {'filter':>10} {'p50 ms':>8} {'p95 ms':>8} {'bare p50':>9} {'ratio p50':>9}")
    try:
        for size in (int(s) for s in args.sizes.split(",")):
            root = base / f"ws{size}"
            if not (root / "stakeholders.yaml").exists():
                make_workspace(root, size, notes_share=0.3)
            t0 = time.perf_counter()  # incremental: completes an index an earlier run left unfinished
            stats = ingest(root, settings=load_settings(root), embedder=StandIn(model))  # type: ignore[arg-type]
            print(f"  index of {stats.chunks} chunks ready in {time.perf_counter() - t0:.0f} s "
                  f"({stats.updated} files written)", file=sys.stderr)
            r = Retriever(root, load_settings(root), embedder=model)
            r.search("warm up the caches", k=8)
            r.search("warm up the caches", k=8, executive="cfo")
            vectors = [model.embed_query(q) for q in queries]
            bare = []
            for v in vectors:
                t0 = time.perf_counter()
                r.store.query(v, 8)
                bare.append((time.perf_counter() - t0) * 1000)
            for label, opts in (("none", {}), ("executive", {"executive": "cfo"})):
                times = []
                for q in queries:
                    t0 = time.perf_counter()
                    r.search(q, k=8, **opts)  # type: ignore[arg-type]
                    times.append((time.perf_counter() - t0) * 1000)
                p50 = statistics.median(times)
                print(f"{r.store.count():>8} {label:>10} {p50:>8.1f} {pct(times, 95):>8.1f} "
                      f"{statistics.median(bare):>9.1f} {p50 / statistics.median(bare):>9.1f}x")
            r.close()
    finally:
        if not args.keep:
            shutil.rmtree(base, ignore_errors=True)


if __name__ == "__main__":
    main()
