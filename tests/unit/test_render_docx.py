"""The Word briefing, read back with python-docx: structure, not bytes."""

from __future__ import annotations

import datetime as dt
import json
import re
from pathlib import Path
from typing import Any

import docx
import pytest
from docx.shared import Cm, Pt
from docx.table import Table
from docx.text.paragraph import Paragraph

from briefing_factory import make_briefing
from dxprep.briefing.model import Briefing, CommitmentLine, Source
from dxprep.briefing.render_docx import write_docx

HEADINGS = ("Title", "Heading 1", "Heading 2")

# The outline of the sample briefing: every heading and table, in document order.
EXPECTED_OUTLINE = [
    ["Title", "Briefing: Daniel Okafor"],
    ["Heading 1", "At a glance"],
    ["Heading 1", "Where they stand"],
    ["Heading 2", "Goals"],
    ["Heading 2", "Concerns"],
    ["Heading 2", "What IT has for each goal"],
    ["Heading 1", "Since last time"],
    ["Heading 2", "Open commitments"],
    ["table", "Status | Commitment | Owner / side | Due | Source"],
    ["Heading 2", "Closed since last meeting"],
    ["table", "Status | Commitment | Owner / side | Due | Source"],
    ["Heading 2", "Decisions"],
    ["Heading 1", "What's new for them"],
    ["Heading 1", "Talking points"],
    ["Heading 1", "Questions to ask"],
    ["Heading 1", "Likely questions and objections"],
    ["Heading 1", "Hard conversations"],
    ["Heading 1", "Proposed agenda"],
    ["table", "Minutes | Topic"],
    ["Heading 1", "Sources"],
    ["Heading 1", "Warnings"],
]


def render(tmp_path: Path, briefing: Briefing | None = None, name: str = "briefing.docx") -> Any:
    path = write_docx(briefing or make_briefing(), tmp_path / name)
    return docx.Document(str(path))


def dump(document: Any) -> list[list[str]]:
    """(style name, text) per paragraph and one row per table, in document order."""
    out: list[list[str]] = []
    for block in document.iter_inner_content():
        if isinstance(block, Table):
            out.append(["table", " | ".join(c.text for c in block.rows[0].cells)])
        else:
            out.append([block.style.name, block.text])
    return out


def section(document: Any, title: str) -> list[Paragraph | Table]:
    """The blocks between the Heading 1 ``title`` and the next Heading 1."""
    blocks: list[Paragraph | Table] = []
    inside = False
    for block in document.iter_inner_content():
        if isinstance(block, Paragraph) and block.style.name == "Heading 1":
            if inside:
                break
            inside = block.text == title
            continue
        if inside:
            blocks.append(block)
    return blocks


def paragraphs(blocks: list[Paragraph | Table]) -> list[Paragraph]:
    return [b for b in blocks if isinstance(b, Paragraph) and b.text]


def tables(document: Any, first_header: str) -> list[Table]:
    return [t for t in document.tables if t.rows[0].cells[0].text == first_header]


def body_text(document: Any) -> str:
    parts = [p.text for p in document.paragraphs]
    parts += [c.text for t in document.tables for row in t.rows for c in row.cells]
    return "\n".join(parts)


@pytest.fixture
def document(tmp_path: Path) -> Any:
    return render(tmp_path)


def test_outline_snapshot(document: Any) -> None:
    outline = [entry for entry in dump(document) if entry[0] in (*HEADINGS, "table")]
    assert json.dumps(outline, indent=0, ensure_ascii=False) == json.dumps(EXPECTED_OUTLINE, indent=0,
                                                                          ensure_ascii=False)


def test_uses_real_word_styles(document: Any) -> None:
    styles = {style for style, _ in dump(document)}
    assert {"Title", "Heading 1", "Heading 2", "List Bullet", "List Number"} <= styles
    assert {t.style.name for t in document.tables} == {"Light Grid Accent 1"}


def test_title_block(document: Any) -> None:
    text = "\n".join(p.text for p in document.paragraphs[:8])
    assert "Chief Financial Officer (CFO) · Finance · Harlan Creek Foods, Inc." in text
    assert "Thu 19 Nov 2026 · 30 minutes · 4th monthly dialogue" in text
    assert "Last met\t15 Oct 2026 (35 days ago) · overdue by 5 days (cadence 30 days)" in text
    assert "Prepared for\tElena Marsh" in text
    assert "Drafted by\toffline · prompt 2026.11-1 · generated 18 Nov 2026 07:30 UTC" in text
    assert "DRAFTED WITHOUT A MODEL" in text


def test_model_drafted_briefing_has_no_offline_marker(tmp_path: Path) -> None:
    b = make_briefing(header={"drafted_without_model": False, "engine": "openai:gpt-4o-mini",
                              "model": "gpt-4o-mini-2024-07-18", "last_met": None, "days_since": None,
                              "cadence_status": "first dialogue", "prepared_for": None})
    d = render(tmp_path, b)
    text = "\n".join(p.text for p in d.paragraphs[:8])
    assert "DRAFTED WITHOUT A MODEL" not in body_text(d)
    assert "openai:gpt-4o-mini (gpt-4o-mini-2024-07-18)" in text
    assert "Last met\tNever (first dialogue)" in text
    assert "Prepared for" not in text
    assert d.core_properties.author == "dxprep"


def test_at_a_glance_summarises(document: Any) -> None:
    lines = paragraphs(section(document, "At a glance"))
    assert 2 <= len(lines) <= 4
    assert all(p.style.name == "List Bullet" for p in lines)
    text = "\n".join(p.text for p in lines)
    assert "1 of 3 open commitments is overdue" in text
    assert "35 days ago" in text
    assert "1 hard conversation to have: Vendor master data still has no owner." in text


def test_where_they_stand_shows_stated_dates(document: Any) -> None:
    text = "\n".join(p.text for p in paragraphs(section(document, "Where they stand")))
    assert "(first stated 20 May 2026, last stated 15 Oct 2026)\u00a0[1]" in text
    assert "(stated 20 May 2026)\u00a0[4]" in text


def test_commitments_table_one_row_each_overdue_marked(document: Any) -> None:
    open_table, closed_table = tables(document, "Status")
    assert len(open_table.rows) == 1 + 3
    assert len(closed_table.rows) == 1 + 1
    statuses = [row.cells[0].text for row in open_table.rows[1:]]
    assert statuses == ["OVERDUE", "Open", "Open"]
    overdue = open_table.rows[1]
    run = overdue.cells[0].paragraphs[0].runs[0]
    assert run.bold and str(run.font.color.rgb) == "C00000"
    assert overdue.cells[1].text == "Cost model for the ERP upgrade, reviewed with Finance"
    assert overdue.cells[2].text == "IT (Rachel)"
    assert overdue.cells[3].text == "31 Jul 2026\n111 days late"
    assert overdue.cells[4].text == "[2]"
    assert open_table.rows[3].cells[2].text == "Finance (Daniel) · business"
    assert open_table.rows[3].cells[3].text == "—"
    assert [c.text for c in closed_table.rows[1].cells][0] == "Done"
    # the header row repeats on a new page
    assert open_table.rows[0]._tr.trPr.find(docx.oxml.ns.qn("w:tblHeader")) is not None


def test_overdue_commitments_come_first(tmp_path: Path) -> None:
    base = make_briefing()
    late = base.open_commitments[0]
    b = base.model_copy(update={"open_commitments": [*base.open_commitments[1:], late]})
    open_table = tables(render(tmp_path, b), "Status")[0]
    assert [r.cells[1].text for r in open_table.rows[1:]][0] == late.text
    assert open_table.rows[1].cells[0].text == "OVERDUE"


def test_citation_markers_present(document: Any) -> None:
    text = body_text(document)
    markers = set(re.findall(r"\[(\d+(?:, \d+)*)\]", text))
    assert {"1", "2", "3", "4", "3, 4"} <= markers
    sections = {title: "\n".join(p.text for p in paragraphs(section(document, title)))
                for title in ("What's new for them", "Talking points", "Likely questions and objections",
                              "Hard conversations")}
    assert sections["What's new for them"].endswith("[3]")
    assert "Evidence: The request is $11.62M against $10.90M guidance; H1 FY2026 ran 3.2% over on WMS " \
           "contractors.\u00a0[3, 4]" in sections["Talking points"]
    assert "[2]" in sections["Likely questions and objections"]
    assert sections["Hard conversations"].endswith("[1]")


def test_talking_points_layout_and_opinion(document: Any) -> None:
    lines = paragraphs(section(document, "Talking points"))
    heads = [p for p in lines if p.runs and p.runs[0].bold and re.match(r"\d+\. ", p.text)]
    assert [p.text.split(" ", 1)[0] for p in heads] == ["1.", "2.", "3."]
    assert heads[2].text.endswith("(opinion — no source)")
    assert not any("opinion" in p.text for p in heads[:2])
    labels = [p.runs[0].text for p in lines if p.style.name == "Briefing Detail"]
    assert labels == ["Why it matters: ", "Evidence: ", "The ask: "] * 3


def test_questions_and_answers(document: Any) -> None:
    asks = paragraphs(section(document, "Questions to ask"))
    assert [p.style.name for p in asks] == ["List Number", "List Number"]
    qa = paragraphs(section(document, "Likely questions and objections"))
    assert [p.text[:2] for p in qa] == ["Q:", "A:", "Q:", "A:"]
    assert all(r.bold for r in qa[0].runs)
    assert qa[1].text.startswith("A: The payroll interface estimate")


def test_agenda_table_with_total(document: Any) -> None:
    (agenda,) = tables(document, "Minutes")
    rows = [[c.text for c in r.cells] for r in agenda.rows]
    assert rows[0] == ["Minutes", "Topic"]
    assert len(rows) == 1 + 4 + 1
    assert rows[-1] == ["30", "Total (30-minute meeting)"]
    assert sum(int(r[0]) for r in rows[1:-1]) == 30


def test_agenda_that_does_not_fit_is_flagged(tmp_path: Path) -> None:
    b = make_briefing(header={"minutes": 25})
    text = "\n".join(p.text for p in paragraphs(section(render(tmp_path, b), "Proposed agenda")))
    assert "The agenda totals 30 minutes for a 25-minute meeting." in text


def test_sources_list_every_source_with_excerpt(document: Any) -> None:
    blocks = paragraphs(section(document, "Sources"))
    entries = [p for p in blocks if p.style.name == "Briefing Source"]
    assert [p.text.split("\t")[0] for p in entries] == ["[1]", "[2]", "[3]", "[4]"]
    assert entries[0].text == ("[1]\tnotes/2026/05/2026-05-20-cfo.md, line 10 — Monthly IT–Finance dialogue — "
                               "May 2026 › Goals, 20 May 2026")
    assert entries[3].text.endswith("p. 2 — FY2026 H1 IT spend review, 31 Jul 2026")
    quotes = [p.text for p in blocks if p.style.name == "Briefing Excerpt"]
    assert len(quotes) == 4
    assert quotes[0] == "“Close the books in 5 working days instead of 9 by Q3 2027.”"
    assert all(len(q) <= 300 + 2 for q in quotes)
    assert quotes[1].endswith("…”")  # the long one is cut at a word
    heading = next(p for p in document.paragraphs if p.text == "Sources")
    assert heading.paragraph_format.page_break_before


def test_warnings_section_only_when_there_are_warnings(tmp_path: Path, document: Any) -> None:
    warnings = paragraphs(section(document, "Warnings"))
    assert [p.text for p in warnings] == [
        "Talking point “Invoice automation in AP can start in Q1, not Q4” has no valid source: flagged as opinion"]
    quiet = render(tmp_path, make_briefing(warnings=[]), "quiet.docx")
    assert "Warnings" not in [p.text for p in quiet.paragraphs if p.style.name == "Heading 1"]


def test_empty_sections_say_nothing_recorded(tmp_path: Path) -> None:
    b = make_briefing(goals=[], concerns=[], open_commitments=[], closed_since_last=[], decisions=[],
                      whats_new=[], talking_points=[], questions_to_ask=[], likely_questions=[],
                      hard_conversations=[], agenda=[], sources=[], warnings=[])
    d = render(tmp_path, b)
    headings = [text for style, text in dump(d) if style in HEADINGS]
    assert headings == [text for _, text in EXPECTED_OUTLINE if _ in HEADINGS][:-1]
    nothing = [p for p in d.paragraphs if p.text == "Nothing recorded."]
    assert len(nothing) == 13
    assert all(p.runs[0].italic for p in nothing)
    assert d.tables == []
    glance = paragraphs(section(d, "At a glance"))
    assert glance[0].text == "No open commitments."
    assert 2 <= len(glance) <= 4


def test_header_footer_and_page(document: Any) -> None:
    sec = document.sections[0]
    assert "Confidential" in "\n".join(p.text for p in sec.header.paragraphs)
    footer_xml = sec.footer._element.xml
    instructions = re.findall(r"<w:instrText[^>]*>([^<]*)</w:instrText>", footer_xml)
    assert [i.strip() for i in instructions] == ["PAGE", "NUMPAGES"]
    assert footer_xml.count('w:fldCharType="begin"') == 2 and footer_xml.count('w:fldCharType="end"') == 2
    assert "Page 1 of 1" == "".join(p.text for p in sec.footer.paragraphs)  # placeholders until laid out
    assert (round(sec.page_width.cm, 1), round(sec.page_height.cm, 1)) == (21.0, 29.7)  # A4 portrait
    assert all(abs(m - Cm(2)) < Cm(0.01) for m in (sec.left_margin, sec.right_margin, sec.top_margin,
                                                    sec.bottom_margin))
    normal = document.styles["Normal"]
    assert normal.font.name == "Calibri" and Pt(10.5) <= normal.font.size <= Pt(11)


def test_letter_paper(tmp_path: Path) -> None:
    path = write_docx(make_briefing(), tmp_path / "letter.docx", paper="Letter")
    sec = docx.Document(str(path)).sections[0]
    assert (round(sec.page_width.inches, 2), round(sec.page_height.inches, 2)) == (8.5, 11.0)


def test_core_properties(document: Any) -> None:
    props = document.core_properties
    assert props.title == "Briefing: Daniel Okafor, 2026-11-19"
    assert props.author == "Elena Marsh"
    assert props.subject.startswith("4th monthly dialogue with Daniel Okafor, Chief Financial Officer")
    assert props.keywords == "dxprep briefing"
    assert props.created == dt.datetime(2026, 11, 18, 7, 30, tzinfo=dt.UTC)  # generated_at: reproducible


def test_failed_write_leaves_nothing_behind(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    out = tmp_path / "out"
    out.mkdir()
    previous = out / "previous.docx"
    write_docx(make_briefing(), previous)
    before = previous.read_bytes()

    def broken_save(self: Any, path: Any) -> None:
        Path(path).write_bytes(b"PK half a zip")
        raise OSError("disk full")

    monkeypatch.setattr(docx.document.Document, "save", broken_save)
    with pytest.raises(OSError, match="disk full"):
        write_docx(make_briefing(), out / "new.docx")
    with pytest.raises(OSError, match="disk full"):
        write_docx(make_briefing(), previous)
    assert sorted(p.name for p in out.iterdir()) == ["previous.docx"]
    assert previous.read_bytes() == before


def test_returns_the_path_and_the_model_method_works(tmp_path: Path) -> None:
    path = write_docx(make_briefing(), str(tmp_path / "a" / "b.docx"))
    assert path == tmp_path / "a" / "b.docx" and path.is_file()
    assert make_briefing().to_docx(str(tmp_path / "c.docx")) == str(tmp_path / "c.docx")


def test_text_xml_cannot_hold_is_dropped(tmp_path: Path) -> None:
    """PDF text often carries form feeds and other control characters; they must not crash the writer."""
    base = make_briefing()
    odd = Source(n=5, source="material/x.pdf", start=0, end=40, text="Page one\x0c\x00page two\x1b end",
                 title="Scan\x07ned", location="p. 1")
    line = CommitmentLine(id="c-odd", text="Fix the\x0bprinter | queue", side="IT", status="open")
    b = base.model_copy(update={"sources": [*base.sources, odd],
                                "open_commitments": [*base.open_commitments, line]})
    d = render(tmp_path, b)
    text = body_text(d)
    assert "“Page one page two end”" in text
    assert "Fix the printer | queue" in text
