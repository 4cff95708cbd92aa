"""Ingest and search against a real Chroma server (`chroma run`) on 127.0.0.1."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from dxprep.config import load_settings
from dxprep.errors import IndexError_
from dxprep.index.ingest import ingest
from dxprep.index.search import Retriever

pytestmark = [pytest.mark.server, pytest.mark.enable_socket, pytest.mark.allow_hosts(["127.0.0.1"])]


def test_ingest_and_search_on_a_server(chroma_server: str, corpus: Path, tmp_path: Path) -> None:
    ws = tmp_path / "corpus"
    shutil.copytree(corpus, ws, ignore=shutil.ignore_patterns(".dxprep", "briefings"))
    settings = load_settings(ws, embedding="hash", chroma_url=chroma_server)
    first = ingest(ws, settings=settings)
    assert first.chunks > 50 and first.unchanged == 0
    assert not (ws / ".dxprep" / "chroma").exists()  # nothing embedded locally: vectors are on the server
    again = ingest(ws, settings=settings)
    assert again.embedded == 0 and again.updated == 0
    with Retriever(ws, settings) as r:
        assert r.store.server and r.store.count() == first.chunks
        hits = r.search("ransomware", k=5).results
    assert hits
    texts = {p.relative_to(ws).as_posix(): p for p in ws.rglob("*") if p.is_file()}
    assert all(h.source in texts for h in hits)
    # Switching the same workspace to the embedded store re-syncs without re-embedding.
    local = ingest(ws, settings=load_settings(ws, embedding="hash"))
    assert local.embedded == 0 and local.updated == local.files


def test_server_down_is_a_clear_error(tmp_path: Path) -> None:
    (tmp_path / "a.md").write_text("# A\n\ntext\n")
    settings = load_settings(tmp_path, embedding="hash", chroma_url="http://127.0.0.1:9")
    with pytest.raises(IndexError_, match="cannot open Chroma at http://127.0.0.1:9") as info:
        ingest(tmp_path, settings=settings)
    assert "chroma run" in (info.value.hint or "")
