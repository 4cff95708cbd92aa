"""The real bundled model (all-MiniLM-L6-v2), offline, on the sample corpus."""

from __future__ import annotations

import shutil
from pathlib import Path

import numpy as np
import pytest

from dxprep.config import load_settings
from dxprep.index.embeddings import LocalEmbedder
from dxprep.index.ingest import ingest
from dxprep.index.minilm import MAX_SEQ_TOKENS, MiniLMTokenizer
from dxprep.index.search import Retriever
from dxprep.workspace.reader import read_workspace

pytestmark = pytest.mark.slow


@pytest.fixture(scope="module")
def indexed(corpus: Path, tmp_path_factory: pytest.TempPathFactory) -> Path:
    ws = tmp_path_factory.mktemp("local") / "corpus"
    shutil.copytree(corpus, ws, ignore=shutil.ignore_patterns(".dxprep", "briefings"))
    stats = ingest(ws, settings=load_settings(ws))
    assert stats.embedded > 0 and stats.chunks == stats.embedded or stats.embedded < stats.chunks
    return ws


def test_numpy_encoder_matches_sentence_transformers() -> None:
    emb = LocalEmbedder()
    texts = ["Close the books in five days.", "Ransomware at a peer dairy " * 40, "ok"]
    fast = emb._numpy().encode(texts)
    slow = emb.sentence_transformer().encode(texts, normalize_embeddings=True)
    assert np.abs(fast - slow).max() < 1e-4


def test_chunks_fit_the_window(indexed: Path) -> None:
    tok = MiniLMTokenizer()
    r = Retriever(indexed, load_settings(indexed))
    rows = list(r.catalog.iter_chunks())
    assert rows
    from dxprep.index.catalog import Catalog  # noqa: F401 - the catalog holds embed_text in data

    for _, _, meta in rows:
        assert tok.count(meta["embed_text"]) + 2 <= MAX_SEQ_TOKENS


def test_search_finds_and_cites_exact_slices(indexed: Path) -> None:
    ws = read_workspace(indexed)
    texts = {d.path: d.text for d in [*ws.notes, *ws.material]}
    r = Retriever(indexed, load_settings(indexed))
    hits = r.search("ransomware attack on a peer", k=5).results
    assert "threat-brief" in [h.metadata["doc_type"] for h in hits[:3]]
    for q in ("ERP upgrade cost model", "supplier on-time delivery", "board", "budget gap"):
        for h in r.search(q, k=8).results:
            assert texts[h.source][h.start : h.end] == h.text
