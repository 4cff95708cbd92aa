"""BM25 refinements for long transcripts: context windows, word pairs, asymmetric passages."""

from __future__ import annotations

import json
import math
from pathlib import Path
from typing import Any

import numpy as np
import pytest

from dxprep.config import load_settings
from dxprep.index.ingest import index_paths, ingest
from dxprep.index.lexical import LexicalIndex, pairs, tokenize
from dxprep.index.search import Retriever
from dxprep.index.store import Filters

Row = tuple[str, str, dict[str, Any]]

CHUNKS: list[Row] = [
    ("a0", "the budget review opened with travel costs", {"source": "a.md"}),
    ("a1", "travel costs were cut by a tenth last year", {"source": "a.md"}),
    ("a2", "the new supplier contract starts in spring", {"source": "a.md"}),
    ("a3", "spring planning covers supplier risk and design goals", {"source": "a.md"}),
    ("b0", "design goals for the remote: simple and robust", {"source": "b.md"}),
    ("b1", "the remote needs fewer buttons than the old one", {"source": "b.md"}),
    ("c0", "goals and design were both on the agenda", {"source": "c.md"}),
]
QUERIES = ["travel costs", "supplier spring", "design goals", "remote buttons", "budget supplier design"]


def bm25(docs: list[list[str]], query: list[str], k1: float = 1.5, b: float = 0.75) -> np.ndarray:
    """Lucene BM25 written out plainly, as the reference."""
    avgdl = sum(map(len, docs)) / len(docs)
    out = np.zeros(len(docs))
    for term in set(query):
        df = sum(term in d for d in docs)
        if not df:
            continue
        idf = math.log1p((len(docs) - df + 0.5) / (df + 0.5))
        for i, d in enumerate(docs):
            tf = d.count(term)
            out[i] += idf * tf * (k1 + 1) / (tf + k1 * (1 - b + b * len(d) / avgdl)) if tf else 0.0
    return out


def windows(rows: list[Row], width: int) -> list[list[str]]:
    """Each chunk's tokens together with those of up to ``width`` neighbours of its source."""
    out = []
    for i, (_, _, meta) in enumerate(rows):
        tokens: list[str] = []
        for j in range(i - width, i + width + 1):
            if 0 <= j < len(rows) and rows[j][2]["source"] == meta["source"]:
                tokens += tokenize(rows[j][1])
        out.append(tokens)
    return out


@pytest.mark.parametrize("width", [0, 1, 2])
@pytest.mark.parametrize("with_pairs", [False, True])
def test_window_scores_are_bm25_over_the_concatenated_neighbours(width: int, with_pairs: bool) -> None:
    index = LexicalIndex.build(CHUNKS, with_pairs=with_pairs)
    docs = windows(CHUNKS, width)
    for query in QUERIES:
        got = index.scores(query, window=width)
        assert np.allclose(got, bm25(docs, tokenize(query)), atol=1e-5), query


def test_common_and_rare_terms_take_the_same_path_result() -> None:
    """Dense (common term) and sparse (rare term) widening agree on a bigger index."""
    rng = np.random.default_rng(3)
    words = ["alpha", "bravo", "charlie", "delta", "echo", "foxtrot"]
    rows: list[Row] = [(f"c{i}", " ".join(rng.choice(words, size=12)) + (" zulu" if i % 97 == 0 else ""),
                        {"source": f"s{i // 7}.md"}) for i in range(700)]
    index = LexicalIndex.build(rows)
    docs = windows(rows, 1)
    for query in ("alpha", "zulu", "zulu alpha"):
        assert np.allclose(index.scores(query, window=1), bm25(docs, tokenize(query)), atol=1e-4)


def test_pairs_reward_the_phrase_over_scattered_words() -> None:
    rows: list[Row] = [
        ("x", "the functional design meeting went well and ran long", {"source": "x.md"}),
        ("y", "design work is functional but the meeting went long", {"source": "y.md"}),
        ("z", "nothing related here at all today", {"source": "z.md"}),
    ]
    index = LexicalIndex.build(rows, with_pairs=True)
    plain = index.scores("functional design")
    assert plain[0] == pytest.approx(plain[1], rel=0.2)  # same words, similar lengths
    phrased = index.scores("functional design", pair_weight=1.0)
    assert phrased[0] > phrased[1] and phrased[1] == pytest.approx(plain[1])
    assert pairs(tokenize("the functional design")) == ["functional design"]
    # an index built without pairs ignores pair_weight
    assert np.allclose(LexicalIndex.build(rows).scores("functional design", pair_weight=1.0), plain)


def test_excluded_neighbours_add_nothing_to_a_window() -> None:
    rows: list[Row] = [
        ("open", "weekly status of the programme", {"source": "m.md"}),
        ("secret", "plant closure in springfield", {"source": "m.md", "audience": ["ceo"]}),
        ("other", "weekly status elsewhere", {"source": "n.md"}),
    ]
    index = LexicalIndex.build(rows)
    assert index.scores("springfield closure", window=1)[0] > 0  # unfiltered: the window sees it
    cfo = Filters(audience="cfo")
    assert index.mask(cfo) is not None
    got = index.scores("springfield closure", cfo, window=1)
    assert not got.any()
    assert [cid for cid, _ in index.search("springfield closure", 5, cfo, window=1)] == []
    assert "secret" in [cid for cid, _ in index.search("springfield closure", 5, Filters(audience="ceo"), window=1)]


def test_save_load_and_older_layouts(tmp_path: Path) -> None:
    folder = tmp_path / "lexical"
    index = LexicalIndex.build(CHUNKS, with_pairs=True)
    index.save(folder)
    loaded = LexicalIndex.load(folder)
    assert loaded is not None and loaded.with_pairs and not LexicalIndex.outdated(folder)
    for query in QUERIES:
        assert np.allclose(loaded.scores(query, window=1, pair_weight=1.0), index.scores(query, window=1, pair_weight=1.0))
    assert sorted(p.name for p in folder.iterdir()) == ["index.npz"]  # one file, replaced atomically
    _older_layout(folder)
    assert LexicalIndex.load(folder) is None and LexicalIndex.outdated(folder) and LexicalIndex.exists(folder)


def test_retriever_options_and_asymmetric_passages(tmp_path: Path) -> None:
    root = tmp_path / "plain"
    paras = [f"Paragraph {i}: " + ("supplier phishing hit accounts payable " if i == 30 else "routine plant report ") * 30
             for i in range(60)]
    (root).mkdir()
    (root / "big.md").write_text("# Log\n\n" + "\n\n".join(paras) + "\n", encoding="utf-8")
    settings = load_settings(root, embedding="hash", chunk_tokens=64)
    ingest(root, settings=settings)
    text = (root / "big.md").read_text()
    query = "supplier phishing accounts payable"
    with Retriever(root, settings) as r:
        seed = r.search(query, k=1, spread=False).results[0]
        after = r.search(query, k=1, spread=False, context=(0, 2)).results[0]
        before = r.search(query, k=1, spread=False, context=(2, 0)).results[0]
        r.lexical_window, r.pair_weight, r._lexical = 1, 1.0, None
        tuned = r.search(query, k=3, spread=False, context=(1, 3)).results
        assert r.lexical.with_pairs
    assert after.start == seed.start and after.end > seed.end
    assert before.end == seed.end and before.start < seed.start
    assert "supplier phishing" in tuned[0].text
    for hit in [seed, after, before, *tuned]:
        assert text[hit.start : hit.end] == hit.text
    # the saved index (plain layout) is left as ingest wrote it
    saved = LexicalIndex.load(index_paths(root)["lexical"])
    assert saved is not None and not saved.with_pairs


def test_retriever_replaces_an_index_saved_in_an_older_layout(tmp_path: Path) -> None:
    root = tmp_path / "ws"
    root.mkdir()
    (root / "notes.md").write_text("# Notes\n\nThe ERP upgrade needs a cost model.\n", encoding="utf-8")
    settings = load_settings(root, embedding="hash")
    ingest(root, settings=settings)
    folder = index_paths(root)["lexical"]
    _older_layout(folder)
    with Retriever(root, settings) as r:
        assert r.search("ERP cost model", k=1).results
    assert LexicalIndex.load(folder) is not None
    assert sorted(p.name for p in folder.iterdir()) == ["index.npz"]


def _older_layout(folder: Path) -> None:
    """Replace a saved index by the three-file layout of earlier versions (no format, raw BM25)."""
    (folder / "index.npz").unlink()
    (folder / "catalog.json").write_text(json.dumps({"ids": ["a"], "metas": [{}], "vocab": {"x": 0}}))
    (folder / "bm25.npz").write_bytes(b"PK\x05\x06" + b"\x00" * 18)


def test_a_search_during_a_save_reads_a_whole_index(tmp_path: Path) -> None:
    """Saves replace one file atomically: a reader loading while saves run always gets a
    complete index, never None or a mix of two saves."""
    import threading

    folder = tmp_path / "lexical"
    small = LexicalIndex.build(CHUNKS[:2])
    large = LexicalIndex.build(CHUNKS)
    small.save(folder)
    stop = threading.Event()

    def saver() -> None:
        while not stop.is_set():
            large.save(folder)
            small.save(folder)

    thread = threading.Thread(target=saver)
    thread.start()
    try:
        for _ in range(200):
            loaded = LexicalIndex.load(folder)
            assert loaded is not None
            assert loaded.ids in (small.ids, large.ids)
            assert len(loaded.ids) == len(loaded.lengths)
            assert loaded.matrix.shape == (small if loaded.ids == small.ids else large).matrix.shape
    finally:
        stop.set()
        thread.join()
    assert not [p for p in folder.iterdir() if p.name != "index.npz"]  # no temp file left
