"""The retrieval layer with the deterministic hash embedder (fast, no model)."""

from __future__ import annotations

import json
import os
import shutil
import signal
import subprocess
import sys
import textwrap
from pathlib import Path

import pytest

from dxprep.config import load_settings
from dxprep.errors import IndexLockedError, IndexMismatchError
from dxprep.index.catalog import Catalog
from dxprep.index.embeddings import HashEmbedder
from dxprep.index.ingest import index_paths, ingest, workspace_lock
from dxprep.index.search import Retriever
from dxprep.workspace.reader import read_workspace

STAKEHOLDERS = """organization: Example Corp
business_units: [{id: finance, name: Finance}, {id: ops, name: Operations}]
executives:
  - {id: cfo, name: Dana Ortiz, role: CFO, business_unit: finance}
  - {id: coo, name: Lee Chen, role: COO, business_unit: ops}
  - {id: ceo, name: Ana Ruiz, role: CEO}
"""


def write(path: Path, text: str) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(text, encoding="utf-8")


@pytest.fixture
def ws(tmp_path: Path) -> Path:
    root = tmp_path / "ws"
    write(root / "stakeholders.yaml", STAKEHOLDERS)
    write(root / "notes/cfo-oct.md", "---\ndate: 2026-10-14\nexecutive: cfo\n---\n# Finance dialogue\n\n"
          "## Goals\n- Close the books in five days.\n\n## Action items\n- [ ] IT (Sam): ERP upgrade cost model, due 2026-11-15\n\n"
          "## Notes\nDana wants invoice automation in accounts payable.\n")
    write(root / "notes/coo-oct.md", "---\ndate: 2026-10-20\nexecutive: coo\nconfidential: true\n---\n# Ops\n\n"
          "## Concerns\n- Plant closure in Springfield planned for 2027 (secret).\n")
    write(root / "material/threats/ransom.md", "---\ntitle: Ransomware brief\ndate: 2026-11-02\n---\n"
          "# Ransomware\n\nA peer manufacturer lost six days of production to ransomware.\n")
    write(root / "material/budget/cuts.md", "---\ntitle: Headcount scenarios\naudience: [ceo, cfo]\n---\n"
          "Scenario B removes twelve IT contractor roles.\n")
    write(root / "material/market/ai.md", "# AI scan\n\nDemand forecasting with machine learning cuts waste.\n")
    return root


def settings(root: Path, **kw: object):  # type: ignore[no-untyped-def]
    return load_settings(root, embedding="hash", **kw)


def run_ingest(root: Path, **kw: object):  # type: ignore[no-untyped-def]
    return ingest(root, settings=settings(root), **kw)  # type: ignore[arg-type]


def snapshot(root: Path) -> list[tuple[str, str, int, int]]:
    cat = Catalog(index_paths(root)["catalog"])
    try:
        return sorted((m["source"], t, m["start"], m["end"]) for _, t, m in cat.iter_chunks())
    finally:
        cat.close()


def test_first_ingest_then_unchanged(ws: Path) -> None:
    first = run_ingest(ws)
    assert first.files == 5 and first.updated == 5 and first.chunks >= 5 and first.embedded > 0
    again = run_ingest(ws)
    assert (again.embedded, again.updated, again.unchanged, again.removed) == (0, 0, 5, 0)
    assert again.chunks == first.chunks


def test_edit_delete_and_duplicates(ws: Path) -> None:
    run_ingest(ws)
    before = snapshot(ws)
    write(ws / "material/market/ai.md", "# AI scan\n\nComputer vision inspects every pallet.\n")
    (ws / "material/threats/ransom.md").unlink()
    write(ws / "material/copy-one.md", "# Phishing\n\nIdentical paragraph about supplier phishing.\n")
    write(ws / "material/copy-two.md", "# Phishing\n\nIdentical paragraph about supplier phishing.\n")
    stats = run_ingest(ws)
    assert stats.removed == 1 and stats.updated == 3 and stats.unchanged == 3
    assert stats.embedded == 2  # the edited chunk, and the duplicated text once
    after = snapshot(ws)
    sources = {s for s, *_ in after}
    assert "material/threats/ransom.md" not in sources
    assert not any("Demand forecasting" in t for _, t, *_ in after)
    assert any("Computer vision" in t for _, t, *_ in after)
    assert len(after) == len(before) + 1
    r = Retriever(ws, settings(ws))
    assert r.store.count() == len(after)
    hits = r.search("ransomware peer manufacturer", k=5).results
    assert all(h.source != "material/threats/ransom.md" for h in hits)


def test_text_is_the_source_slice(ws: Path) -> None:
    run_ingest(ws)
    texts = {d.path: d.text for d in [*read_workspace(ws).notes, *read_workspace(ws).material]}
    r = Retriever(ws, settings(ws))
    for query in ("cost model", "ransomware", "invoice automation", "contractor roles", "books"):
        for hit in r.search(query, k=8).results:
            assert texts[hit.source][hit.start : hit.end] == hit.text


def test_filters_and_audience(ws: Path) -> None:
    run_ingest(ws)
    r = Retriever(ws, settings(ws))
    everything = {h.source for h in r.search("plant closure contractor roles ransomware", k=20).results}
    assert {"notes/coo-oct.md", "material/budget/cuts.md"} <= everything  # the IT leader sees all
    for aud, hidden in (("coo", {"material/budget/cuts.md"}), ("cfo", {"notes/coo-oct.md"}),
                        ("ceo", {"notes/coo-oct.md"})):
        seen = {h.source for h in r.search("plant closure Springfield contractor roles", k=20, audience=aud).results}
        assert not (seen & hidden), aud
    assert {h.source for h in r.search("closure", k=20, audience="coo").results} >= {"notes/coo-oct.md"}
    only_cfo = r.search("cost model books invoice", k=20, executive="cfo").results
    assert only_cfo and {h.source for h in only_cfo} == {"notes/cfo-oct.md"}
    assert {h.metadata["kind"] for h in r.search("ransomware", k=20, kind="material").results} == {"material"}
    assert {h.source for h in r.search("ransomware AI", k=20, doc_type="threat-brief").results} == {
        "material/threats/ransom.md"}
    import datetime as dt

    recent = r.search("ransomware books closure", k=20, since=dt.date(2026, 10, 15)).results
    assert recent and all(h.metadata["date"] and h.metadata["date"] >= "2026-10-15" for h in recent)


def test_results_spread_across_files(tmp_path: Path) -> None:
    root = tmp_path / "plain"
    long = "\n\n".join(f"Paragraph {i}: supplier phishing attempt number {i} hit accounts payable." for i in range(60))
    write(root / "big.md", "# Phishing log\n\n" + long + "\n")
    write(root / "other.md", "# Awareness\n\nSupplier phishing awareness training for accounts payable.\n")
    ingest(root, settings=load_settings(root, embedding="hash"))
    hits = Retriever(root, load_settings(root, embedding="hash")).search("supplier phishing accounts payable", k=4).results
    assert "other.md" in {h.source for h in hits}
    spans = [(h.source, h.start, h.end) for h in hits]
    for i, (s, a, b) in enumerate(spans):
        for s2, a2, b2 in spans[i + 1 :]:
            assert s != s2 or b <= a2 or b2 <= a


def test_lock_refuses_a_second_ingest(ws: Path) -> None:
    with workspace_lock(ws):
        with pytest.raises(IndexLockedError, match="another ingest is running"):
            run_ingest(ws)
    run_ingest(ws)  # released


def test_model_mismatch_needs_rebuild(ws: Path) -> None:
    run_ingest(ws)
    other = load_settings(ws, embedding="hash:128")
    with pytest.raises(IndexMismatchError) as info:
        ingest(ws, settings=other)
    assert "--rebuild" in (info.value.hint or "")
    with pytest.raises(IndexMismatchError):
        Retriever(ws, other)
    stats = ingest(ws, settings=other, rebuild=True)
    assert stats.updated == 5 and Retriever(ws, other).search("ransomware").results


def test_broken_file_keeps_previous_version(ws: Path) -> None:
    run_ingest(ws)
    (ws / "material/market/ai.md").write_bytes(b"\x00\x01binary now")
    stats = run_ingest(ws)
    (entry,) = stats.skipped
    assert entry.path == "material/market/ai.md" and "previous version" in entry.reason
    assert any(s == "material/market/ai.md" for s, *_ in snapshot(ws))


KILLER = textwrap.dedent(
    """
    import os, signal, sys
    from dxprep.config import load_settings
    from dxprep.index.ingest import ingest
    root = sys.argv[1]; after = int(sys.argv[2])
    seen = []
    def progress(event, advance, total):
        if event == "files" and advance == 1:
            seen.append(1)
            if len(seen) >= after:
                os.kill(os.getpid(), signal.SIGKILL)
    ingest(root, settings=load_settings(root, embedding="hash"), progress=progress, batch_texts=1)
    """
)


@pytest.mark.parametrize("after", [1, 2, 4])
def test_killed_ingest_is_completed_by_the_next(ws: Path, tmp_path: Path, after: int) -> None:
    clean = tmp_path / "clean"
    shutil.copytree(ws, clean)
    run_ingest(clean)
    proc = subprocess.run([sys.executable, "-c", KILLER, str(ws), str(after)], capture_output=True, timeout=120,
                          env={**os.environ, "PYTHONPATH": os.pathsep.join(sys.path)})
    assert proc.returncode == -signal.SIGKILL, proc.stderr.decode()
    stats = run_ingest(ws)
    assert stats.updated >= 5 - after
    assert snapshot(ws) == snapshot(clean)
    r = Retriever(ws, settings(ws))
    assert r.store.count() == len(snapshot(clean))
    again = run_ingest(ws)
    assert again.embedded == 0 and again.updated == 0


def test_json_stats_shape(ws: Path) -> None:
    stats = run_ingest(ws)
    data = json.loads(stats.model_dump_json())
    assert {"files", "chunks", "embedded", "unchanged", "removed", "skipped"} <= set(data)


def test_hash_embedder_is_deterministic() -> None:
    e = HashEmbedder()
    a, b = e.embed_documents(["supplier phishing", "supplier phishing"])
    assert (a == b).all() and abs(float((a * a).sum()) - 1.0) < 1e-5


def test_context_merges_neighbours_into_exact_passages(tmp_path: Path) -> None:
    root = tmp_path / "plain"
    paras = [f"Paragraph {i}: " + ("supplier phishing hit accounts payable " if i == 30 else "routine plant report ") * 30
             for i in range(60)]
    write(root / "big.md", "# Log\n\n" + "\n\n".join(paras) + "\n")
    settings = load_settings(root, embedding="hash", chunk_tokens=64)
    ingest(root, settings=settings)
    text = (root / "big.md").read_text()
    with Retriever(root, settings) as r:
        plain = r.search("supplier phishing accounts payable", k=3, spread=False).results
        wide = r.search("supplier phishing accounts payable", k=3, spread=False, context=2).results
    assert plain[0].text in wide[0].text and len(wide[0].text) > len(plain[0].text)
    for hit in [*plain, *wide]:
        assert text[hit.start : hit.end] == hit.text
    spans = sorted((h.start, h.end) for h in wide)
    assert all(b <= a2 for (_, b), (a2, _) in zip(spans, spans[1:], strict=False))  # no overlap
