"""The workspace contract, rule by rule, on small workspaces built in tmp_path."""

from __future__ import annotations

import os
import zipfile
from datetime import date
from pathlib import Path

import pytest

from dxprep.errors import WorkspaceError
from dxprep.workspace.check import check_workspace
from dxprep.workspace.loaders import Limits
from dxprep.workspace.reader import read_workspace
from helpers import make_docx, make_pdf

STAKEHOLDERS = """organization: Example Corp
it_leader: {name: Sam Rivera, title: CIO}
business_units:
  - {id: finance, name: Finance}
  - {id: ops, name: Operations}
executives:
  - {id: cfo, name: Dana Ortiz, role: CFO, business_unit: finance, aliases: [Dana]}
  - {id: coo, name: Lee Chen, role: COO, business_unit: ops, cadence_days: 45}
"""


def write(path: Path, text: str | bytes) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    if isinstance(text, bytes):
        path.write_bytes(text)
    else:
        path.write_text(text, encoding="utf-8")
    return path


@pytest.fixture
def ws(tmp_path: Path) -> Path:
    write(tmp_path / "stakeholders.yaml", STAKEHOLDERS)
    return tmp_path


def test_markdown_note_front_matter(ws: Path) -> None:
    write(ws / "notes/2026/oct/n.md", "---\ndate: 2026-10-14\nexecutives: [cfo, coo]\ntype: steering\n"
          "confidential: true\n---\n# Joint\n\n## Objectives\n- one\n\n## Follow-ups\n- [ ] IT (Sam): two, due 14 Nov 2026\n")
    data = read_workspace(ws)
    (note,) = data.notes
    assert note.path == "notes/2026/oct/n.md" and note.format == "md"
    assert note.date == date(2026, 10, 14) and note.executives == ["cfo", "coo"]
    assert note.type == "steering" and note.confidential is True
    assert note.business_unit is None  # a joint meeting of two units names no single unit
    assert [g.text for g in note.goals] == ["one"]
    (item,) = note.action_items
    assert (item.text, item.owner, item.person, item.due) == ("two", "IT", "Sam", date(2026, 11, 14))
    assert note.text[item.start:item.end] == "IT (Sam): two, due 14 Nov 2026"
    assert data.warnings == []


def test_unit_defaults_to_the_executives_unit(ws: Path) -> None:
    write(ws / "notes/a.md", "---\ndate: October 14, 2026\nexecutive: Dana\n---\nText.\n")
    (note,) = read_workspace(ws).notes
    assert note.executives == ["cfo"] and note.business_unit == "finance" and note.type == "one-on-one"
    assert note.date == date(2026, 10, 14) and not note.structured


def test_text_note_with_meta_lines(ws: Path) -> None:
    write(ws / "notes/x.txt", "Date: 14 Oct 2026\nExecutive: coo\nConfidential: no\n\nConcerns:\n- downtime on line 3\n\n"
          "To do:\n- [x] IT: replace the switch\n")
    (note,) = read_workspace(ws).notes
    assert note.date == date(2026, 10, 14) and note.executives == ["coo"] and not note.confidential
    assert [c.text for c in note.concerns] == ["downtime on line 3"]
    assert [(a.text, a.done) for a in note.action_items] == [("replace the switch", True)]


def test_file_name_fallback(ws: Path) -> None:
    write(ws / "notes/2026-08-19 coo.txt", "We spoke about shift planning, nothing formal.\n")
    write(ws / "notes/2026-09-01-dana.md", "# Catch-up\n\nShort chat.\n")
    notes = {n.path: n for n in read_workspace(ws).notes}
    a, b = notes["notes/2026-08-19 coo.txt"], notes["notes/2026-09-01-dana.md"]
    assert (a.date, a.executives, a.structured) == (date(2026, 8, 19), ["coo"], False)
    assert (b.date, b.executives) == (date(2026, 9, 1), ["cfo"])


def test_word_note(ws: Path) -> None:
    make_docx(
        write(ws / "notes/w.docx", b""),
        [
            ("Date: October 14, 2026", None), ("Executive: Lee Chen", None), ("Confidential: yes", None),
            ("Operations dialogue", "Title"), ("Priorities", "Heading 1"), ("Cut unplanned downtime by 20%", "List Bullet"),
            ("Worries", "Heading 2"), ("Ageing SCADA servers", None),
            ("Action items", "Heading 1"), ("[ ] IT (Sam): SCADA patch plan, due 2026-11-30", "List Bullet"),
            ("☑ Ops (Lee): nominate a plant champion", None), ("- [x] book the site visit", None),
        ],
    )
    (note,) = read_workspace(ws).notes
    assert note.format == "docx" and note.date == date(2026, 10, 14) and note.executives == ["coo"]
    assert note.confidential and note.title == "Operations dialogue"
    assert [g.text for g in note.goals] == ["Cut unplanned downtime by 20%"]
    assert [c.text for c in note.concerns] == ["Ageing SCADA servers"]
    assert [(a.text, a.done, a.due) for a in note.action_items] == [
        ("SCADA patch plan", False, date(2026, 11, 30)),
        ("nominate a plant champion", True, None),
        ("book the site visit", True, None),
    ]
    for item in note.action_items:
        assert note.text[item.start:item.end].endswith(item.raw[-10:])


def test_word_note_meta_from_file_name(ws: Path) -> None:
    make_docx(write(ws / "notes/2026-09-03 coo.docx", b""), [("Goals", "Heading 1"), ("More uptime", None)])
    (note,) = read_workspace(ws).notes
    assert note.date == date(2026, 9, 3) and note.executives == ["coo"] and [g.text for g in note.goals] == ["More uptime"]


def test_material_kinds(ws: Path) -> None:
    write(ws / "material/strategy/roadmap.md", "---\ntitle: DX roadmap\ndate: 2026-06-01\n"
          "business_units: [finance, Operations]\naudience: [cfo]\n---\n# Roadmap\n\nText.\n")
    write(ws / "material/threats/brief.txt", "Ransomware hit a peer.\n")
    make_docx(write(ws / "material/market/scan.docx", b""), [("AI in manufacturing", "Title"), ("Body", None)],
              title="Market scan Q4", category="market-scan", keywords="business_units: ops; audience: coo, Dana")
    make_pdf(write(ws / "material/projects/status.pdf", b""), [["Project Atlas: amber", "Late by six weeks."], ["Page two"]],
             title="Atlas status")
    data = read_workspace(ws)
    m = {x.path: x for x in data.material}
    road = m["material/strategy/roadmap.md"]
    assert (road.title, road.date, road.doc_type, road.business_units, road.audience) == (
        "DX roadmap", date(2026, 6, 1), "strategy", ["finance", "ops"], ["cfo"])
    brief = m["material/threats/brief.txt"]
    assert (brief.title, brief.doc_type, brief.audience) == ("Brief", "threat-brief", [])
    scan = m["material/market/scan.docx"]
    assert (scan.title, scan.doc_type, scan.business_units, scan.audience, scan.date) == (
        "Market scan Q4", "market-scan", ["ops"], ["coo", "cfo"], date(2026, 11, 2))
    pdf = m["material/projects/status.pdf"]
    assert pdf.title == "Atlas status" and pdf.doc_type == "project-status" and len(pdf.pages) == 2
    assert "Late by six weeks." in pdf.text and pdf.text[pdf.pages[1]:].startswith("Page two")
    assert data.warnings == []


def test_plain_folder_is_a_workspace(tmp_path: Path) -> None:
    write(tmp_path / "a.md", "# A\n\nSomething.\n")
    write(tmp_path / "deep/er/b.txt", "B.\n")
    data = read_workspace(tmp_path)
    assert not data.structured and [m.path for m in data.material] == ["a.md", "deep/er/b.txt"]
    assert data.notes == []


def test_not_a_workspace(tmp_path: Path) -> None:
    with pytest.raises(WorkspaceError, match="does not exist"):
        read_workspace(tmp_path / "missing")
    write(tmp_path / "file.md", "x")
    with pytest.raises(WorkspaceError, match="not a folder"):
        read_workspace(tmp_path / "file.md")
    (tmp_path / "empty").mkdir()
    with pytest.raises(WorkspaceError, match="not a workspace"):
        check_workspace(str(tmp_path / "empty"))


def test_broken_files_are_skipped_with_reasons(ws: Path) -> None:
    write(ws / "material/ok.md", "# Fine\n\nStill read.\n")
    good = make_docx(write(ws / "material/good.docx", b""), [("Hello", None)])
    write(ws / "material/truncated.docx", good.read_bytes()[:300])
    write(ws / "material/fake.pdf", b"<html>not a pdf</html>")
    write(ws / "material/latin1.txt", "Caf\xe9 au lait\n".encode("latin-1"))
    write(ws / "material/binary.txt", b"\x00\x01\x02\x03")
    write(ws / "material/slides.pptx", b"PK")
    write(ws / "notes/bad-front.md", "---\ndate: [2026\nexecutive: cfo\n---\n# Body\n")
    write(ws / "material/huge.txt", "x" * 200_000)
    data = read_workspace(ws, Limits(max_file_bytes=100_000))
    reasons = {w.path: w.reason for w in data.warnings}
    skipped = {s.path for s in data.skipped}
    assert skipped == {"material/truncated.docx", "material/fake.pdf", "material/binary.txt",
                       "material/slides.pptx", "material/huge.txt"}
    assert "not a valid Word file" in reasons["material/truncated.docx"]
    assert "not a PDF" in reasons["material/fake.pdf"]
    assert "not valid UTF-8" in reasons["material/latin1.txt"]
    assert "binary" in reasons["material/binary.txt"]
    assert "unsupported file type .pptx" in reasons["material/slides.pptx"]
    assert "too large" in reasons["material/huge.txt"]
    bad_front = [w for w in data.warnings if w.path == "notes/bad-front.md"]
    assert any("front matter is not valid YAML" in w.reason and w.line == 3 for w in bad_front)
    read = {m.path for m in data.material}
    assert read == {"material/ok.md", "material/good.docx", "material/latin1.txt"}
    assert "Caf\ufffd au lait" in next(m for m in data.material if m.path == "material/latin1.txt").text
    assert [n.path for n in data.notes] == ["notes/bad-front.md"]  # still indexed as text


def test_zip_bomb_and_xml_entities_refused(ws: Path) -> None:
    bomb = ws / "material/bomb.docx"
    bomb.parent.mkdir(parents=True)
    with zipfile.ZipFile(bomb, "w", zipfile.ZIP_DEFLATED) as z:
        z.writestr("word/document.xml", b"<a>" + b"0" * 30_000_000 + b"</a>")
    entity = ws / "material/entity.docx"
    with zipfile.ZipFile(entity, "w") as z:
        z.writestr("word/document.xml", b'<?xml version="1.0"?><!DOCTYPE d [<!ENTITY a "aaaa">]><d>&a;</d>')
    reasons = {w.path: w.reason for w in read_workspace(ws).warnings}
    assert "zip bomb" in reasons["material/bomb.docx"]
    assert "entities" in reasons["material/entity.docx"]


def test_symlinks_hidden_and_output_folders(ws: Path, tmp_path_factory: pytest.TempPathFactory) -> None:
    outside = tmp_path_factory.mktemp("outside")
    write(outside / "secret.md", "# secret\n")
    write(ws / "material/in.md", "# in\n")
    os.symlink(outside / "secret.md", ws / "material/link.md")
    os.symlink(outside, ws / "material/linkdir")
    write(ws / ".dxprep/cache.md", "# cache\n")
    write(ws / "briefings/2026-11-01-cfo.md", "# briefing\n")
    write(ws / "README.md", "# readme\n")
    data = read_workspace(ws)
    assert [m.path for m in data.material] == ["material/in.md"]
    reasons = {w.path: w.reason for w in data.warnings}
    assert "outside the workspace" in reasons["material/link.md"]
    assert "not followed" in reasons["material/linkdir"]
    assert data.ignored == ["README.md"]


def test_unknown_executive_and_missing_date_warn(ws: Path) -> None:
    write(ws / "notes/n.md", "---\nexecutive: cmo\ndate: someday\n---\n# x\n")
    data = read_workspace(ws)
    (note,) = data.notes
    assert note.executives == ["cmo"] and note.date is None
    reasons = " | ".join(w.reason for w in data.warnings)
    assert "unknown executive 'cmo' (known: cfo, coo)" in reasons
    assert "unreadable date 'someday'" in reasons and "no meeting date" in reasons
