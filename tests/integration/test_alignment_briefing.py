"""The alignment map with the bundled model's meaning signal, and the alignment section of briefings."""

from __future__ import annotations

import datetime as dt
import shutil
from pathlib import Path
from typing import Any

import pytest

from dxprep.api import Workspace
from dxprep.briefing.model import Briefing

DAY = dt.date(2026, 11, 28)


@pytest.fixture(scope="module")
def ws_path(corpus: Path, tmp_path_factory: pytest.TempPathFactory) -> Path:
    root = tmp_path_factory.mktemp("align") / "corpus"
    shutil.copytree(corpus, root, ignore=shutil.ignore_patterns(".dxprep", "briefings"))
    Workspace(root, embedding="hash").ingest()
    return root


def test_the_meaning_signal_keeps_the_links_and_gaps(corpus: Path, expected: dict[str, Any]) -> None:
    words = Workspace(corpus).alignment(as_of=DAY, meaning=False)
    meaning = Workspace(corpus).alignment(as_of=DAY)  # the bundled all-MiniLM-L6-v2
    assert "meaning" in meaning.method and "meaning" not in words.method
    key = expected["alignment"]
    for amap in (words, meaning):
        assert {amap.initiative(i).name for i in amap.unsponsored_initiatives} == set(key["initiatives_serving_no_goal"])
        unserved = {amap.goal(g).text for g in amap.unserved_goals}
        assert {g["goal"] for g in key["goals_served_by_no_initiative"]} <= unserved
    # Same decisions on the links the documents state plainly.
    plain = {(lk.goal_id, lk.initiative_id) for lk in words.links if lk.strength >= 0.6}
    assert plain <= {(lk.goal_id, lk.initiative_id) for lk in meaning.links}


def brief(ws_path: Path, who: str) -> Briefing:
    return Workspace(ws_path, embedding="hash").brief(who, date=DAY, refresh_index=False, engine="offline")


def test_briefing_alignment_for_a_late_project(ws_path: Path, expected: dict[str, Any]) -> None:
    b = brief(ws_path, "svp-supply")
    late = expected["alignment"]["late_project"]
    lines = [a for a in b.alignment if any(i.name == late["initiative"] for i in a.served_by)]
    assert lines
    for a in lines:
        (wms,) = [i for i in a.served_by if i.name == late["initiative"]]
        assert wms.red_or_late and wms.status == "Red — late"
        assert a.what_to_say and "20 January 2027" in a.what_to_say
        assert wms.citations
        for n in wms.citations:
            src = b.source(n)
            assert src is not None and src.source == late["material"]
    _citations_resolve(b, ws_path)


def test_briefing_alignment_says_nothing_yet(ws_path: Path, expected: dict[str, Any]) -> None:
    b = brief(ws_path, "chro")
    goals = {g["goal"] for g in expected["alignment"]["goals_served_by_no_initiative"]}
    assert {a.goal for a in b.alignment} >= goals
    for a in b.alignment:
        if a.goal in goals:
            assert a.served_by == []
            assert a.what_to_say and a.what_to_say.startswith("We have nothing for your goal")
    md = b.to_markdown()
    assert "### What IT has for each goal" in md and "**nothing yet**" in md
    _citations_resolve(b, ws_path)


def test_briefing_alignment_keeps_confidential_goals_to_their_owner(ws_path: Path, expected: dict[str, Any]) -> None:
    secret = expected["confidential"]["secret_phrase"]
    assert any(secret in a.goal for a in brief(ws_path, "ceo").alignment)
    assert not any(secret in a.model_dump_json() for a in brief(ws_path, "cfo").alignment)


def test_briefing_docx_has_the_alignment(ws_path: Path, tmp_path: Path) -> None:
    import docx

    path = brief(ws_path, "coo").to_docx(str(tmp_path / "coo.docx"))
    d = docx.Document(path)
    texts = [p.text for p in d.paragraphs]
    i = texts.index("What IT has for each goal")
    section = texts[i + 1: i + 30]
    assert any("Raise OEE on the Mankato" in t and "MES pilot on Mankato Line 3 (Fabrion)" in t for t in section)


def _citations_resolve(b: Briefing, root: Path) -> None:
    from dxprep.workspace.reader import read_workspace

    numbers = {s.n for s in b.sources}
    for a in b.alignment:
        for n in [*a.citations, *(c for i in a.served_by for c in i.citations)]:
            assert n in numbers
    data = read_workspace(root)
    text = {m.path: m.text for m in data.material} | {x.path: x.text for x in data.notes}
    for s in b.sources:
        assert text[s.source][s.start:s.end] == s.text
