"""Tools for the fault suite: workspace copies, tree digests, index dumps, a Chroma server.

Also a script, run in a subprocess so that no Chroma client of the test process caches a
store that other processes write::

    python faultkit.py dump WS [CHROMA_URL]       the index of WS as JSON (see ``dump_index``)
    python faultkit.py recover WS [CHROMA_URL]    ingest WS to completion, then dump it
    python faultkit.py ingest WS MODE BATCH       print "go", then ingest (MODE: plain | rebuild)
    python faultkit.py serve                      a zygote: see :class:`Zygote`
"""

from __future__ import annotations

import hashlib
import json
import os
import shutil
import signal
import socket
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[2]
CORPUS = ROOT / "corpus"
HERE = Path(__file__).resolve()

#: Queries whose results are compared between a recovered index and a clean build.
QUERIES = ["ransomware production outage", "ERP upgrade cost model", "invoice automation accounts payable",
           "cloud migration budget", "supplier phishing", "headcount"]


def copy_corpus(dst: Path) -> Path:
    """A copy of the sample workspace, without any index or briefing."""
    shutil.copytree(CORPUS, dst, ignore=shutil.ignore_patterns(".dxprep", "briefings"))
    return dst


def tree_digest(root: Path, skip: tuple[str, ...] = (".dxprep",)) -> dict[str, str]:
    """sha256 of every file under ``root`` (relative posix path → digest), ``skip`` folders aside."""
    out: dict[str, str] = {}
    for path in sorted(root.rglob("*")):
        rel = path.relative_to(root)
        if rel.parts and rel.parts[0] in skip:
            continue
        if path.is_file() or path.is_symlink():
            out[rel.as_posix()] = hashlib.sha256(path.read_bytes()).hexdigest()
    return out


def subprocess_env(**extra: str) -> dict[str, str]:
    """The test's environment (DXPREP_HOME etc. from the autouse fixture) for a child process."""
    return {**os.environ, "PYTHONPATH": os.pathsep.join(sys.path), "DXPREP_EMBEDDING": "hash", **extra}


def run_script(*args: str, timeout: float = 120) -> subprocess.CompletedProcess[str]:
    return subprocess.run([sys.executable, str(HERE), *args], capture_output=True, text=True, timeout=timeout,
                          env=subprocess_env())


def dump(ws: Path, chroma_url: str | None = None, *, recover: bool = False) -> dict[str, Any]:
    """:func:`dump_index` (after an ingest to completion with ``recover``), in a subprocess."""
    proc = run_script("recover" if recover else "dump", str(ws), *([chroma_url] if chroma_url else []))
    assert proc.returncode == 0, proc.stderr[-3000:]
    data: dict[str, Any] = json.loads(proc.stdout)
    return data


def comparable(d: dict[str, Any]) -> dict[str, Any]:
    """What must be equal between two builds of the same content (no stats, no store key)."""
    return {k: d[k] for k in ("catalog", "files", "chroma", "dense_all", "searches", "lexical_ids")}


def differences(got: dict[str, Any], want: dict[str, Any]) -> str:
    """A short account of how two dumps differ ('' when they do not)."""
    lines = []
    for key in want:
        if got.get(key) == want[key]:
            continue
        if key == "searches":
            for q, hits in want[key].items():
                if got[key].get(q) != hits:
                    lines.append(f"search {q!r}: got {got[key].get(q)}, clean build {hits}")
        elif isinstance(want[key], list) and isinstance(got.get(key), list):
            a, b = {json.dumps(x) for x in got[key]}, {json.dumps(x) for x in want[key]}
            lines.append(f"{key}: {len(a - b)} extra {sorted(a - b)[:3]}, {len(b - a)} missing {sorted(b - a)[:3]}")
        else:
            lines.append(f"{key}: got {str(got.get(key))[:200]}, clean build {str(want[key])[:200]}")
    return "\n".join(lines)


# --------------------------------------------------------------------------- a Chroma server


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def chroma_cli() -> str:
    exe = Path(sys.executable).with_name("chroma")
    return str(exe) if exe.exists() else (shutil.which("chroma") or "chroma")


class ChromaServer:
    """A `chroma run` on 127.0.0.1 that a test can kill -9 and start again on the same data."""

    def __init__(self, data: Path, port: int | None = None) -> None:
        self.data = data
        self.port = port or free_port()
        self.proc: subprocess.Popen[bytes] | None = None
        self.url = f"http://127.0.0.1:{self.port}"

    def start(self, wait: float = 60) -> None:
        log = open(self.data.with_suffix(".log"), "ab")  # noqa: SIM115 - the child keeps it
        self.proc = subprocess.Popen(
            [chroma_cli(), "run", "--path", str(self.data), "--host", "127.0.0.1", "--port", str(self.port)],
            stdout=log, stderr=subprocess.STDOUT, env={**os.environ, "ANONYMIZED_TELEMETRY": "False"},
        )
        log.close()
        deadline = time.monotonic() + wait
        while time.monotonic() < deadline:
            if self.proc.poll() is not None:
                raise RuntimeError(f"chroma run exited: {self.data.with_suffix('.log').read_text(errors='replace')[-2000:]}")
            try:
                with socket.create_connection(("127.0.0.1", self.port), timeout=0.5):
                    return
            except OSError:
                time.sleep(0.1)
        raise RuntimeError(f"chroma run did not start within {wait} s")

    def kill(self) -> None:
        """SIGKILL: no flush, no goodbye."""
        if self.proc is not None and self.proc.poll() is None:
            os.kill(self.proc.pid, signal.SIGKILL)
            self.proc.wait(timeout=20)
        self.proc = None

    def stop(self) -> None:
        if self.proc is not None and self.proc.poll() is None:
            self.proc.terminate()
            try:
                self.proc.wait(timeout=20)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait(timeout=20)
        self.proc = None


class Zygote:
    """A process that has imported dxprep and chromadb once, and forks a child per command:
    each child is a fresh process as far as Chroma is concerned (the zygote never opens a
    store), without the second of imports each. ``run`` returns the child's pid; its
    stdout goes to ``out``; ``wait`` returns its exit status (negative: killed by a signal).
    """

    def __init__(self) -> None:
        self.proc = subprocess.Popen([sys.executable, str(HERE), "serve"], stdin=subprocess.PIPE,
                                     stdout=subprocess.PIPE, text=True, env=subprocess_env())
        assert self._read() == "ready"

    def _read(self) -> str:
        assert self.proc.stdout is not None
        line = self.proc.stdout.readline()
        if not line:
            raise RuntimeError(f"the zygote died (exit {self.proc.wait(timeout=10)})")
        return line.strip()

    def run(self, out: Path, *args: str) -> int:
        assert self.proc.stdin is not None
        self.proc.stdin.write(json.dumps({"out": str(out), "args": list(args)}) + "\n")
        self.proc.stdin.flush()
        return int(self._read().split()[1])

    def wait(self) -> int:
        return int(self._read().split()[1])

    def call(self, out: Path, *args: str) -> dict[str, Any]:
        """Run a dump/recover command to the end; its JSON."""
        self.run(out, *args)
        status = self.wait()
        assert status == 0, f"{args[0]} exited {status}: {out.with_suffix('.err').read_text()[-3000:]}"
        data: dict[str, Any] = json.loads(out.read_text())
        return data

    def close(self) -> None:
        if self.proc.stdin is not None:
            self.proc.stdin.close()
        self.proc.wait(timeout=30)


def _serve() -> int:
    import chromadb  # noqa: F401 - preloaded for the children

    import dxprep.index.ingest  # noqa: F401
    import dxprep.index.search  # noqa: F401

    print("ready", flush=True)
    for line in sys.stdin:
        cmd = json.loads(line)
        out = Path(cmd["out"])
        pid = os.fork()
        if pid == 0:  # the child: its own stdout and stderr files, then the command
            code = 1
            try:
                fd = os.open(out, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o644)
                err = os.open(out.with_suffix(".err"), os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o644)
                os.dup2(fd, 1)
                os.dup2(err, 2)
                sys.stdout = os.fdopen(1, "w", closefd=False)
                sys.stderr = os.fdopen(2, "w", closefd=False)
                code = _main(cmd["args"])
            except BaseException:
                import traceback

                traceback.print_exc()
            finally:
                sys.stdout.flush()
                sys.stderr.flush()
                os._exit(code)
        print(f"pid {pid}", flush=True)
        _, status = os.waitpid(pid, 0)
        code = -os.WTERMSIG(status) if os.WIFSIGNALED(status) else os.WEXITSTATUS(status)
        print(f"exit {code}", flush=True)
    return 0


# --------------------------------------------------------------------------- the script side


def dump_index(ws: Path, chroma_url: str | None) -> dict[str, Any]:
    """Everything a reader sees of the index, in a comparable form:

    - ``catalog``: sorted [source, chunk id, text] of the SQLite catalog; ``files``: its sources;
    - ``chroma``: sorted [source, chunk id, document] of the Chroma collection;
    - ``dense_all``: the ids a nearest-neighbour query for *every* chunk returns (the vector
      index, not only the metadata, holds them all);
    - ``searches``: hybrid search results [source, start, end] for fixed queries;
    - ``lexical_ids``: the chunk ids of the saved BM25 index;
    - ``integrity``: SQLite's integrity_check of the catalog.
    """
    import numpy as np

    from dxprep.config import load_settings
    from dxprep.index.catalog import Catalog
    from dxprep.index.ingest import index_paths
    from dxprep.index.lexical import LexicalIndex
    from dxprep.index.search import Retriever

    settings = load_settings(ws, embedding="hash", chroma_url=chroma_url)
    catalog = Catalog(index_paths(ws)["catalog"])
    try:
        rows = sorted([meta["source"], cid, text] for cid, text, meta in catalog.iter_chunks())
        files = sorted(catalog.fingerprints())
        integrity = catalog.db.execute("PRAGMA integrity_check").fetchone()[0]
    finally:
        catalog.close()
    with Retriever(ws, settings) as r:
        col = r.store.collection(create=False)
        got = col.get(include=["documents", "metadatas", "embeddings"])
        chroma = sorted([m["source"], i, d] for i, d, m in zip(got["ids"], got["documents"], got["metadatas"],
                                                                  strict=True))
        n = len(got["ids"])
        dense: list[str] = []
        if n:
            probe = np.asarray(got["embeddings"][0], dtype=np.float32)
            res = col.query(query_embeddings=[probe.tolist()], n_results=n, include=["distances"])
            dense = sorted(res["ids"][0])
        missing = sorted(set(got["ids"]) - set(dense))
        if missing:  # is a missing chunk found by its own vector (a recall miss) or not at all?
            vectors = dict(zip(got["ids"], got["embeddings"], strict=True))
            found = {}
            for cid in missing:
                hit = col.query(query_embeddings=[np.asarray(vectors[cid]).tolist()], n_results=3, include=[])
                found[cid] = cid in hit["ids"][0]
        else:
            found = {}
        searches = {q: [[h.source, h.start, h.end] for h in r.search(q, k=6).results] for q in QUERIES}
    lexical = LexicalIndex.load(index_paths(ws)["lexical"])
    return {"catalog": rows, "files": files, "chroma": chroma, "dense_all": dense, "searches": searches,
            "lexical_ids": sorted(lexical.ids) if lexical is not None else None, "integrity": integrity,
            "dense_self": found}


def _main(argv: list[str]) -> int:
    if argv[0] == "serve":
        return _serve()
    from dxprep.config import load_settings
    from dxprep.index.ingest import ingest

    cmd, ws = argv[0], Path(argv[1])
    if cmd == "ingest":
        mode, batch = argv[2], int(argv[3])
        settings = load_settings(ws, embedding="hash")
        print("go", flush=True)
        ingest(ws, settings=settings, rebuild=mode == "rebuild", batch_texts=batch)
        print("done", flush=True)
        return 0
    url = argv[2] if len(argv) > 2 else None
    out: dict[str, Any] = {}
    if cmd == "recover":
        settings = load_settings(ws, embedding="hash", chroma_url=url)
        first = ingest(ws, settings=settings)
        again = ingest(ws, settings=settings)
        out["recovered"] = first.model_dump(exclude={"seconds"})
        out["again"] = again.model_dump(exclude={"seconds"})
    out.update(dump_index(ws, url))
    sys.stdout.write(json.dumps(out))
    return 0


if __name__ == "__main__":
    sys.exit(_main(sys.argv[1:]))
