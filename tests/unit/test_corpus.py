"""The sample organization in corpus/, read exactly as its answer key says.

The key (tests/fixtures/corpus_expected.json) was written by hand from the corpus files.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest
from typer.testing import CliRunner

from dxprep.cli import app
from dxprep.workspace.models import LoadedWorkspace
from dxprep.workspace.reader import read_workspace


@pytest.fixture(scope="module")
def data(corpus: Path) -> LoadedWorkspace:
    return read_workspace(corpus)


def test_counts_via_the_cli(corpus: Path, expected: dict[str, Any]) -> None:
    result = CliRunner().invoke(app, ["workspace", "check", "-w", str(corpus), "--format", "json"])
    assert result.exit_code == 0, result.output
    report = json.loads(result.stdout)
    counts = expected["counts"]
    for key in ("notes", "material", "executives", "business_units", "action_items"):
        assert report["counts"][key] == counts[key], key
    assert report["warnings"] == [] and report["skipped"] == []
    assert sorted(n["path"] for n in report["notes"]) == sorted(n["path"] for n in expected["notes"])
    assert sorted(m["path"] for m in report["material"]) == sorted(m["path"] for m in expected["material"])
    assert report["counts"]["confidential_notes"] == 1 and report["counts"]["restricted_material"] == 1
    assert set(report["notes_by_format"]) == {"md", "txt", "docx"}
    assert set(report["material_by_format"]) == {"md", "txt", "docx", "pdf"}


def test_organization(data: LoadedWorkspace, expected: dict[str, Any]) -> None:
    org = data.organization
    assert org.name == expected["organization"]
    assert [u.id for u in org.business_units] == expected["business_units"]
    for exp in expected["executives"]:
        exe = org.executive(exp["id"])
        assert (exe.name, exe.role, exe.business_unit, exe.cadence_days) == (
            exp["name"], exp["role"], exp["business_unit"], exp["cadence_days"])
        for alias in exp["aliases"]:
            assert org.executive(alias.upper()).id == exp["id"]


def _note_facts(note: Any) -> dict[str, Any]:
    return {
        "format": note.format, "date": note.date.isoformat() if note.date else None,
        "executives": note.executives, "business_unit": note.business_unit, "type": note.type,
        "confidential": note.confidential,
        "goals": [g.text for g in note.goals], "concerns": [c.text for c in note.concerns],
        "decisions": [d.text for d in note.decisions],
        "action_items": [{"text": a.text, "done": a.done, "owner": a.owner, "person": a.person,
                          "due": a.due.isoformat() if a.due else None, "id": a.item_id} for a in note.action_items],
    }


def test_every_note_parses_as_the_key_says(data: LoadedWorkspace, expected: dict[str, Any]) -> None:
    notes = {n.path: n for n in data.notes}
    for exp in expected["notes"]:
        got = _note_facts(notes[exp["path"]])
        want = {k: exp[k] for k in got}
        assert got == want, exp["path"]


@pytest.mark.parametrize("fmt", ["md", "txt", "docx"])
def test_a_representative_note_of_each_format_keeps_locations(data: LoadedWorkspace, fmt: str) -> None:
    note = max((n for n in data.notes if n.format == fmt), key=lambda n: len(n.action_items))
    assert note.action_items and note.date and note.executives
    for item in [*note.goals, *note.concerns, *note.decisions, *note.action_items]:
        span = note.text[item.start : item.end]
        assert span.strip(), (note.path, item)
        if fmt != "docx":
            assert note.text.count("\n", 0, item.start) + 1 == item.line


def test_every_material_file(data: LoadedWorkspace, expected: dict[str, Any]) -> None:
    material = {m.path: m for m in data.material}
    for exp in expected["material"]:
        m = material[exp["path"]]
        got = {"format": m.format, "title": m.title, "date": m.date.isoformat() if m.date else None,
               "doc_type": m.doc_type, "business_units": m.business_units, "audience": m.audience}
        assert got == {k: exp[k] for k in got}, exp["path"]
        assert len(m.text) > 500


def test_the_unstructured_note_is_still_read(data: LoadedWorkspace) -> None:
    note = next(n for n in data.notes if n.path.endswith("2026-08-19 chro.txt"))
    assert not note.structured and note.executives == ["chro"] and note.date and len(note.text) > 200
