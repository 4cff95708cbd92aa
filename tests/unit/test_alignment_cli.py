"""``dxprep alignment`` and ``dxprep report`` through typer's CliRunner; documents read back."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest
from typer.testing import CliRunner, Result

from dxprep.cli import app as APP

runner = CliRunner()


def run(*args: str) -> Result:
    return runner.invoke(APP, list(args), env={"COLUMNS": "220"})


def test_alignment_json(corpus: Path, expected: dict[str, Any]) -> None:
    result = run("alignment", "-w", str(corpus), "--as-of", "2026-11-28", "--format", "json", "--words-only")
    assert result.exit_code == 0, result.output
    data = json.loads(result.stdout)
    assert len(data["initiatives"]) == 9
    assert data["audience"] == ""
    unserved = {g["text"] for g in data["goals"] if g["id"] in data["unserved_goals"]}
    assert {g["goal"] for g in expected["alignment"]["goals_served_by_no_initiative"]} <= unserved
    for link in data["links"]:
        assert link["evidence"] and link["strength"] >= 0.3


def test_alignment_table(corpus: Path) -> None:
    result = run("alignment", "-w", str(corpus), "--as-of", "2026-11-28", "--words-only")
    assert result.exit_code == 0, result.output
    out = result.stdout
    assert "Alignment map as of 2026-11-28" in out
    assert "Initiatives that serve no stated goal" in out and "Project Commons" in out
    assert "Expectation-setting conversations" in out and "20 January 2027" in out
    assert "Cut time-to-hire for plant operators" in out


def test_alignment_docx_reads_back(corpus: Path, tmp_path: Path) -> None:
    import docx

    target = tmp_path / "map.docx"
    result = run("alignment", "-w", str(corpus), "--as-of", "2026-11-28", "-f", "docx", "-o", str(target),
                 "--words-only")
    assert result.exit_code == 0, result.output
    d = docx.Document(str(target))
    headings = [p.text for p in d.paragraphs if p.style.name.startswith(("Heading", "Title"))]
    for h in ("Summary", "The map", "Goals that no initiative serves", "Initiatives that serve no stated goal",
              "Expectation-setting conversations", "Goals and the initiatives that serve them", "Initiatives",
              "Evidence behind every link"):
        assert h in headings
    assert len(d.inline_shapes) == 1  # the heat map
    body = "\n".join(p.text for p in d.paragraphs)
    assert "We have nothing for your goal \"Cut time-to-hire for plant operators" in body
    assert "portfolio-status-2026-11.md:" in body  # evidence cites path:line
    tables = ["\n".join(c.text for row in t.rows for c in row.cells) for t in d.tables]
    assert any("WMS at the Dubuque DC (Stratalink)" in t and "Red — late" in t for t in tables)
    assert not list(tmp_path.glob(".*.tmp"))  # written atomically, nothing left over


def test_alignment_xlsx_reads_back(corpus: Path, tmp_path: Path) -> None:
    from openpyxl import load_workbook

    target = tmp_path / "map.xlsx"
    result = run("alignment", "-w", str(corpus), "--as-of", "2026-11-28", "-f", "xlsx", "-o", str(target),
                 "--words-only")
    assert result.exit_code == 0, result.output
    wb = load_workbook(target)
    assert wb.sheetnames == ["Matrix", "Links", "Gaps", "Initiatives", "Units"]
    matrix = wb["Matrix"]
    assert matrix.max_column == 1 + 9
    links = list(wb["Links"].iter_rows(min_row=2, values_only=True))
    assert links and all(row[4] is not None and row[8] for row in links)  # strength and evidence on every link
    gaps = [row[2] for row in wb["Gaps"].iter_rows(min_row=2, values_only=True)]
    assert "Project Commons: intranet replatforming" in gaps


def test_report_docx_has_its_charts(corpus: Path, tmp_path: Path) -> None:
    import docx

    target = tmp_path / "report.docx"
    result = run("report", "-w", str(corpus), "--from", "2026-09-01", "--to", "2026-11-28", "-o", str(target),
                 "--words-only")
    assert result.exit_code == 0, result.output
    assert "IT on time 33%" in result.stdout
    d = docx.Document(str(target))
    assert len(d.inline_shapes) == 3  # cadence over time, commitments by month, the alignment heat map
    images = [rel.target_part.blob for rel in d.part.rels.values() if "image" in rel.reltype]
    assert len(images) == 3 and all(blob[:8] == b"\x89PNG\r\n\x1a\n" and len(blob) > 10_000 for blob in images)
    body = "\n".join(p.text for p in d.paragraphs)
    assert "Cadence: 11 of 14 expected dialogues held (79%)" in body
    assert "IT's credibility: 1 of 3 commitments fallen due were kept on time (33%)" in body
    headings = [p.text for p in d.paragraphs if p.style.name.startswith("Heading")]
    assert headings[:4] == ["Headlines", "Cadence", "Commitments", "Goals heard"]


def test_report_json(corpus: Path) -> None:
    result = run("report", "-w", str(corpus), "--from", "2026-09-01", "--to", "2026-11-28", "--format", "json",
                 "--words-only")
    assert result.exit_code == 0, result.output
    data = json.loads(result.stdout)
    assert (data["meetings_held"], data["meetings_expected"]) == (11, 14)
    assert data["commitments"][0]["on_time_rate"] == 0.333


@pytest.mark.parametrize(("args", "message"), [
    (["alignment", "-f", "docx", "-o", "x.xlsx"], "should end in .docx"),
    (["alignment", "-o", "x.docx"], "--output is for --format docx or xlsx"),
    (["alignment", "--private", "--audience", "cfo"], "exclusive"),
    (["alignment", "--audience", "nobody"], "nobody"),
    (["report", "--from", "2026-12-01", "--to", "2026-11-01"], "after it ends"),
    (["report", "--from", "someday"], "is not a date"),
    (["report", "--to", "2999-01-01"], "after today"),
])
def test_clear_errors(corpus: Path, args: list[str], message: str) -> None:
    result = run(*args, "-w", str(corpus))
    assert result.exit_code == 2
    assert message in result.output


def test_never_writes_into_the_inputs(corpus: Path, tmp_path: Path) -> None:
    import shutil

    ws = tmp_path / "ws"
    shutil.copytree(corpus, ws, ignore=shutil.ignore_patterns(".dxprep", "briefings"))
    before = sorted(p.relative_to(ws) for p in ws.rglob("*"))
    result = run("alignment", "-w", str(ws), "-f", "docx", "-o", str(ws / "notes" / "map.docx"), "--words-only")
    assert result.exit_code == 2 and "does not write into the workspace's inputs" in result.output
    assert sorted(p.relative_to(ws) for p in ws.rglob("*")) == before
