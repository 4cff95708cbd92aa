"""The briefing as a Word document: what a chief of staff would put on the CIO's desk.

A title block, then the sections of :data:`dxprep.briefing.render_md.SECTIONS` in order,
with real Word styles (Title, Heading 1/2, List Bullet/List Number, a table style), tables
for commitments and the agenda, numbered sources with a short quote each, "Confidential" in
the header and "Page X of Y" in the footer. Empty sections say "Nothing recorded." so the
reader knows they were checked. python-docx is imported here and nowhere else in the
briefing package; the wording shared with the Markdown renderer lives in ``render_md``.
"""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Iterable, Sequence
from pathlib import Path
from typing import Any, Literal

import docx
from docx.enum.section import WD_ORIENT
from docx.enum.style import WD_STYLE_TYPE
from docx.enum.table import WD_TABLE_ALIGNMENT
from docx.enum.text import WD_ALIGN_PARAGRAPH, WD_TAB_ALIGNMENT
from docx.oxml import OxmlElement
from docx.oxml.ns import qn
from docx.shared import Cm, Emu, Length, Pt, RGBColor
from docx.table import Table
from docx.text.paragraph import Paragraph

from dxprep.briefing.model import Briefing, CommitmentLine, StatedLine
from dxprep.briefing.render_md import (
    ALIGNMENT_TITLE,
    DRAFTED_WITHOUT_MODEL,
    DRAFTED_WITHOUT_MODEL_NOTE,
    NOTHING,
    OPINION_LABEL,
    SECTIONS,
    at_a_glance,
    cite,
    clean,
    commitment_owner,
    drafted_by,
    excerpt,
    fmt_date,
    last_met_line,
    meeting_line,
    open_in_order,
    overdue_days,
    sentence,
    source_label,
    stated_dates,
    subtitle,
)
from dxprep.fsutil import atomic_write

__all__ = ["TABLE_STYLE", "write_docx"]

FONT = "Calibri"
BODY_PT = 10.5
TABLE_PT = 9.5
TABLE_STYLE = "Light Grid Accent 1"
NAVY = RGBColor(0x1F, 0x38, 0x64)
BLUE = RGBColor(0x2E, 0x74, 0xB5)
GREY = RGBColor(0x59, 0x59, 0x59)
RED = RGBColor(0xC0, 0x00, 0x00)
AMBER = RGBColor(0x9C, 0x57, 0x00)
MARGIN = Cm(2)
_NOT_XML = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f\ufffe\uffff]")
PAPER = {"A4": (Cm(21.0), Cm(29.7)), "Letter": (Emu(7772400), Emu(10058400))}

# Custom paragraph styles (name, based on, size in pt, left indent cm, first-line indent cm, space after pt)
_CUSTOM_STYLES = (
    ("Briefing Meta", "Normal", BODY_PT, 0.0, 0.0, 1.0),
    ("Briefing Detail", "Normal", BODY_PT, 0.6, 0.0, 2.0),
    ("Briefing Source", "Normal", 9.5, 0.9, -0.9, 0.0),
    ("Briefing Excerpt", "Normal", 8.5, 0.9, 0.0, 5.0),
    ("Briefing Note", "Normal", BODY_PT, 0.0, 0.0, 6.0),
)


def write_docx(briefing: Briefing, path: str | Path, *, paper: Literal["A4", "Letter"] = "A4") -> Path:
    """Render ``briefing`` to a .docx at ``path``, atomically; return the path written."""
    document = _Renderer(briefing, paper).build()
    return atomic_write(path, lambda tmp: document.save(str(tmp)))


# --------------------------------------------------------------------------- low-level helpers


def _inline(text: str) -> str:
    """Run text: no characters XML cannot hold, whitespace collapsed, tabs and edge spaces kept."""
    return "\t".join(re.sub(r"[ \r\n\v\f]+", " ", _NOT_XML.sub(" ", part)) for part in text.split("\t"))


def _set_fonts(rpr_owner: Any, name: str) -> None:
    """Set an explicit font on a style or run, dropping theme fonts (they would win)."""
    rpr = rpr_owner.get_or_add_rPr()
    fonts = rpr.find(qn("w:rFonts"))
    if fonts is None:
        fonts = OxmlElement("w:rFonts")
        rpr.insert(0, fonts)
    for attr in ("w:asciiTheme", "w:hAnsiTheme", "w:eastAsiaTheme", "w:cstheme"):
        fonts.attrib.pop(qn(attr), None)
    for attr in ("w:ascii", "w:hAnsi", "w:cs", "w:eastAsia"):
        fonts.set(qn(attr), name)


def _shade(element_pr: Any, fill: str) -> None:
    shd = OxmlElement("w:shd")
    shd.set(qn("w:val"), "clear")
    shd.set(qn("w:color"), "auto")
    shd.set(qn("w:fill"), fill)
    element_pr.append(shd)


def _field(paragraph: Paragraph, instruction: str, placeholder: str) -> None:
    """A complex field (PAGE, NUMPAGES): Word and LibreOffice update it when laid out."""
    def char(kind: str) -> Any:
        el = OxmlElement("w:fldChar")
        el.set(qn("w:fldCharType"), kind)
        return el

    run = paragraph.add_run()
    run._r.append(char("begin"))
    run = paragraph.add_run()
    instr = OxmlElement("w:instrText")
    instr.set(qn("xml:space"), "preserve")
    instr.text = f" {instruction} "
    run._r.append(instr)
    paragraph.add_run()._r.append(char("separate"))
    paragraph.add_run(placeholder)
    paragraph.add_run()._r.append(char("end"))


def _table_look(table: Table, first_column: bool) -> None:
    tbl_pr = table._tbl.tblPr
    look = tbl_pr.find(qn("w:tblLook"))
    if look is None:
        look = OxmlElement("w:tblLook")
        tbl_pr.append(look)
    look.set(qn("w:val"), "04A0" if first_column else "0420")
    for attr, on in (("firstRow", True), ("lastRow", False), ("firstColumn", first_column),
                     ("lastColumn", False), ("noHBand", False), ("noVBand", True)):
        look.set(qn(f"w:{attr}"), "1" if on else "0")


def _repeat_header(table: Table) -> None:
    tr_pr = table.rows[0]._tr.get_or_add_trPr()
    header = OxmlElement("w:tblHeader")
    header.set(qn("w:val"), "true")
    tr_pr.append(header)


def _keep_rows_whole(table: Table) -> None:
    for row in table.rows:
        tr_pr = row._tr.get_or_add_trPr()
        tr_pr.insert(0, OxmlElement("w:cantSplit"))


# --------------------------------------------------------------------------- the renderer


class _Renderer:
    def __init__(self, briefing: Briefing, paper: Literal["A4", "Letter"]) -> None:
        self.b = briefing
        self.paper = paper
        self.doc = docx.Document()
        self.width: Length = Cm(17)

    # ----------------------------------------------------------------- building blocks

    def para(self, text: str = "", style: str | None = None, *, bold: bool = False, italic: bool = False,
             color: RGBColor | None = None) -> Paragraph:
        p = self.doc.add_paragraph(style=style)
        if text:
            self.run(p, text, bold=bold, italic=italic, color=color)
        return p

    @staticmethod
    def run(p: Paragraph, text: str, *, bold: bool = False, italic: bool = False, color: RGBColor | None = None,
            size: float | None = None) -> None:
        r = p.add_run(_inline(text))
        r.bold = bold or None
        r.italic = italic or None
        if color is not None:
            r.font.color.rgb = color
        if size is not None:
            r.font.size = Pt(size)

    @classmethod
    def cite_run(cls, p: Paragraph, citations: Iterable[int]) -> None:
        marker = cite(citations)
        if marker:  # a no-break space keeps the marker on the line of the word it supports
            cls.run(p, "\u00a0" + marker, color=GREY)

    def heading(self, text: str, level: int = 1, *, new_page: bool = False) -> Paragraph:
        p = self.doc.add_paragraph(clean(text), style=f"Heading {level}")
        if new_page:
            p.paragraph_format.page_break_before = True
        return p

    def nothing(self) -> None:
        self.para(NOTHING, italic=True, color=GREY)

    def bullet(self, text: str, citations: Iterable[int] = (), *, style: str = "List Bullet") -> Paragraph:
        p = self.para(text, style)
        self.cite_run(p, citations)
        return p

    def labelled(self, label: str, text: str, citations: Iterable[int] = (), style: str = "Briefing Detail") -> None:
        p = self.para(style=style)
        self.run(p, label + " ", bold=True)
        self.run(p, text)
        self.cite_run(p, citations)

    def table(self, head: Sequence[str], widths: Sequence[float], *, first_column: bool) -> Table:
        table = self.doc.add_table(rows=1, cols=len(head))
        table.style = self.doc.styles[TABLE_STYLE]
        table.alignment = WD_TABLE_ALIGNMENT.LEFT
        table.autofit = False
        _table_look(table, first_column)
        for cell, text in zip(table.rows[0].cells, head, strict=True):
            self.cell(cell, text, bold=True)
        for column, w in zip(table.columns, widths, strict=True):
            column.width = Cm(w)
        return table

    def cell(self, cell: Any, text: str, *, bold: bool = False, color: RGBColor | None = None,
             align: WD_ALIGN_PARAGRAPH | None = None, italic: bool = False) -> Paragraph:
        p = cell.paragraphs[0]
        p.paragraph_format.space_after = Pt(0)
        if align is not None:
            p.alignment = align
        if text:
            self.run(p, text, bold=bold, color=color, size=TABLE_PT, italic=italic)
        return p

    def add_row(self, table: Table, values: Sequence[str], widths: Sequence[float]) -> list[Any]:
        cells = table.add_row().cells
        for cell, value, w in zip(cells, values, widths, strict=True):
            cell.width = Cm(w)
            self.cell(cell, value)
        return list(cells)

    @staticmethod
    def finish_table(table: Table, widths: Sequence[float]) -> None:
        for row in table.rows:
            for cell, w in zip(row.cells, widths, strict=True):
                cell.width = Cm(w)
        _repeat_header(table)
        _keep_rows_whole(table)

    def spacer(self) -> None:
        p = self.doc.add_paragraph()
        p.paragraph_format.space_after = Pt(2)

    # ----------------------------------------------------------------- document setup

    def setup(self) -> None:
        styles = self.doc.styles
        normal = styles["Normal"]
        normal.font.name = FONT
        normal.font.size = Pt(BODY_PT)
        _set_fonts(normal.element, FONT)
        normal.paragraph_format.space_after = Pt(4)
        normal.paragraph_format.line_spacing = 1.08
        specs = {
            "Title": (22.0, NAVY, 0.0, 2.0),
            "Subtitle": (12.0, BLUE, 0.0, 10.0),
            "Heading 1": (14.0, NAVY, 14.0, 4.0),
            "Heading 2": (11.5, BLUE, 8.0, 3.0),
        }
        for name, (size, color, before, after) in specs.items():
            style = styles[name]
            style.font.size = Pt(size)
            style.font.color.rgb = color
            _set_fonts(style.element, FONT)
            style.paragraph_format.space_before = Pt(before)
            style.paragraph_format.space_after = Pt(after)
        styles["Subtitle"].font.italic = False
        num_pr = styles["Subtitle"].element.pPr.find(qn("w:numPr"))  # a stray list level in the template
        if num_pr is not None:
            styles["Subtitle"].element.pPr.remove(num_pr)
        styles["Title"].font.bold = True
        # Theme fonts (Cambria headings in the template) would override Calibri: pin them everywhere.
        defaults = styles.element.find(qn("w:docDefaults"))
        for el in [*styles[TABLE_STYLE].element.iter(qn("w:rFonts")),
                   *(defaults.iter(qn("w:rFonts")) if defaults is not None else [])]:
            for attr in ("w:asciiTheme", "w:hAnsiTheme", "w:eastAsiaTheme", "w:cstheme"):
                el.attrib.pop(qn(attr), None)
            for attr in ("w:ascii", "w:hAnsi", "w:cs"):
                el.set(qn(attr), FONT)
        for name in ("List Bullet", "List Number"):
            styles[name].paragraph_format.space_after = Pt(2)
        for name, base, size, left, first, after in _CUSTOM_STYLES:
            style = styles.add_style(name, WD_STYLE_TYPE.PARAGRAPH)
            style.base_style = styles[base]
            style.font.size = Pt(size)
            fmt = style.paragraph_format
            fmt.left_indent = Cm(left)
            fmt.first_line_indent = Cm(first)
            fmt.space_after = Pt(after)
        styles["Briefing Meta"].paragraph_format.tab_stops.add_tab_stop(Cm(3.0))
        styles["Briefing Source"].paragraph_format.tab_stops.add_tab_stop(Cm(0.9))
        styles["Briefing Source"].paragraph_format.keep_with_next = True
        styles["Briefing Excerpt"].font.italic = True
        styles["Briefing Excerpt"].font.color.rgb = GREY

        section = self.doc.sections[0]
        width, height = PAPER[self.paper]
        section.orientation = WD_ORIENT.PORTRAIT
        section.page_width, section.page_height = width, height
        section.left_margin = section.right_margin = section.top_margin = section.bottom_margin = MARGIN
        section.header_distance = section.footer_distance = Cm(1)
        self.width = Emu(width - 2 * MARGIN)

        for name in ("Header", "Footer"):  # the template's tab stops are for Letter with 1" margins
            tabs = styles[name].paragraph_format.tab_stops
            tabs.clear_all()
            tabs.add_tab_stop(Emu(self.width // 2), WD_TAB_ALIGNMENT.CENTER)
            tabs.add_tab_stop(self.width, WD_TAB_ALIGNMENT.RIGHT)

        h = self.b.header
        header = section.header.paragraphs[0]
        self.run(header, "Confidential", bold=True, color=RED, size=8.5)
        header.runs[-1].font.all_caps = True
        self.run(header, f"\t\tBriefing: {clean(h.executive_name)} · {fmt_date(h.meeting_date)}", color=GREY, size=8.5)
        footer = section.footer.paragraphs[0]
        footer.alignment = WD_ALIGN_PARAGRAPH.CENTER
        for part in ("Page ", ("PAGE", "1"), " of ", ("NUMPAGES", "1")):
            if isinstance(part, tuple):
                _field(footer, *part)
            else:
                footer.add_run(part)
        for r in footer.runs:
            r.font.size = Pt(8.5)
            r.font.color.rgb = GREY

        props = self.doc.core_properties
        generated = h.generated_at
        if generated.tzinfo is not None:
            generated = generated.astimezone(dt.UTC).replace(tzinfo=None)
        props.title = f"Briefing: {clean(h.executive_name)}, {h.meeting_date.isoformat()}"
        props.author = clean(h.prepared_for) or "dxprep"
        props.last_modified_by = "dxprep"
        props.subject = f"{clean(h.dialogue_label).capitalize()} with {clean(h.executive_name)}, {subtitle(self.b)}"
        props.keywords = "dxprep briefing"
        props.category = "Briefing"
        props.comments = f"Confidential. Drafted by {drafted_by(self.b)}."
        props.created = props.modified = generated
        props.revision = 1

    # ----------------------------------------------------------------- sections

    def title_block(self) -> None:
        h = self.b.header
        self.para(f"Briefing: {h.executive_name}", "Title")
        self.para(subtitle(self.b), "Subtitle")
        if h.drafted_without_model:
            p = self.para(style="Briefing Note")
            _shade(p._p.get_or_add_pPr(), "FFF2CC")
            self.run(p, DRAFTED_WITHOUT_MODEL.upper(), bold=True, color=AMBER)
            self.run(p, "  " + DRAFTED_WITHOUT_MODEL_NOTE, color=AMBER)
        rows = [("Meeting", meeting_line(self.b)), ("Last met", last_met_line(self.b))]
        if h.prepared_for:
            rows.append(("Prepared for", clean(h.prepared_for)))
        rows.append(("Drafted by", drafted_by(self.b)))
        for label, value in rows:
            p = self.para(style="Briefing Meta")
            self.run(p, label, bold=True, color=NAVY)
            self.run(p, "\t" + clean(value))
            if label == "Last met" and "overdue" in value:
                p.runs[-1].font.color.rgb = RED

    def stated(self, items: list[StatedLine]) -> None:
        if not items:
            self.nothing()
        for item in items:
            p = self.para(item.text, "List Bullet")
            if dates := stated_dates(item):
                self.run(p, f" ({dates})", italic=True, color=GREY)
            self.cite_run(p, item.citations)

    def alignment(self, b: Briefing) -> None:
        if not b.alignment:
            self.nothing()
        for a in b.alignment:
            p = self.para(a.goal, "List Bullet")
            self.cite_run(p, a.citations)
            if a.served_by:
                self.run(p, " → ")
                for k, ini in enumerate(a.served_by):
                    if k:
                        self.run(p, "; ")
                    self.run(p, ini.name, bold=True)
                    self.run(p, f" ({ini.status or 'status not stated'}, {ini.strength})",
                             color=RED if ini.red_or_late else GREY)
                    self.cite_run(p, ini.citations)
            else:
                self.run(p, " → nothing yet", bold=True, color=RED)
            if a.what_to_say:
                self.para(a.what_to_say, "Briefing Detail", italic=True)

    def commitments(self, items: list[CommitmentLine], *, closed: bool) -> None:
        if not items:
            self.nothing()
            return
        widths = (2.3, 7.3, 3.3, 2.7, 1.4)
        table = self.table(("Status", "Commitment", "Owner / side", "Due", "Source"), widths, first_column=False)
        meeting = self.b.header.meeting_date
        for c in items:
            due = fmt_date(c.due)
            late = overdue_days(c, meeting) if c.overdue else None
            cells = self.add_row(table, ["", clean(c.text), commitment_owner(c), due, cite(c.citations) or "—"],
                                 widths)
            if closed:
                self.cell(cells[0], "Done", color=GREY)
            elif c.overdue:
                self.cell(cells[0], "OVERDUE", bold=True, color=RED)
                _shade(cells[0]._tc.get_or_add_tcPr(), "FBE4E4")
                if late:
                    p = cells[3].add_paragraph()
                    p.paragraph_format.space_after = Pt(0)
                    self.run(p, f"{late} days late", color=RED, size=TABLE_PT - 1)
            else:
                self.cell(cells[0], "Open")
        self.finish_table(table, widths)
        self.spacer()

    def build(self) -> docx.document.Document:
        b = self.b
        self.setup()
        self.title_block()

        self.heading(SECTIONS[0])
        for line in at_a_glance(b):
            self.bullet(line)

        self.heading(SECTIONS[1])
        self.heading("Goals", 2)
        self.stated(b.goals)
        self.heading("Concerns", 2)
        self.stated(b.concerns)
        self.heading(ALIGNMENT_TITLE, 2)
        self.alignment(b)

        self.heading(SECTIONS[2])
        self.heading("Open commitments", 2)
        self.commitments(open_in_order(b), closed=False)
        self.heading("Closed since last meeting", 2)
        self.commitments(b.closed_since_last, closed=True)
        self.heading("Decisions", 2)
        if not b.decisions:
            self.nothing()
        for d in b.decisions:
            p = self.para(style="List Bullet")
            if d.date:
                self.run(p, fmt_date(d.date) + ": ", bold=True)
            self.run(p, d.text)
            self.cite_run(p, d.citations)

        self.heading(SECTIONS[3])
        if not b.whats_new:
            self.nothing()
        for n in b.whats_new:
            p = self.para(style="List Bullet")
            self.run(p, n.title, bold=True)
            kind = clean(n.doc_type).replace("-", " ")
            self.run(p, f" ({kind}{', ' + fmt_date(n.date) if n.date else ''}): ", color=GREY)
            self.run(p, n.summary)
            self.cite_run(p, n.citations)

        self.heading(SECTIONS[4])
        if not b.talking_points:
            self.nothing()
        for i, point in enumerate(b.talking_points, 1):
            p = self.para(f"{i}. {clean(point.headline)}", bold=True, color=NAVY)
            p.paragraph_format.keep_with_next = True
            p.paragraph_format.space_before = Pt(6)
            p.paragraph_format.space_after = Pt(2)
            if point.opinion:
                self.run(p, " " + OPINION_LABEL, italic=True, color=AMBER)
            evidence = clean(point.evidence)
            if not evidence:
                self.cite_run(p, point.citations)
            details = [("Why it matters:", point.why_it_matters, ()), ("Evidence:", evidence, point.citations),
                       ("The ask:", point.ask, ())]
            for label, text, cites in details:
                if clean(text):
                    self.labelled(label, text, cites)

        self.heading(SECTIONS[5])
        if not b.questions_to_ask:
            self.nothing()
        for q in b.questions_to_ask:
            self.bullet(q, style="List Number")

        self.heading(SECTIONS[6])
        if not b.likely_questions:
            self.nothing()
        for qa in b.likely_questions:
            p = self.para(f"Q: {clean(qa.question)}", bold=True)
            p.paragraph_format.keep_with_next = True
            p.paragraph_format.space_before = Pt(4)
            p.paragraph_format.space_after = Pt(1)
            self.labelled("A:", qa.answer, qa.citations)

        self.heading(SECTIONS[7])
        if not b.hard_conversations:
            self.nothing()
        for hc in b.hard_conversations:
            p = self.para(hc.topic, bold=True)
            p.paragraph_format.keep_with_next = True
            p.paragraph_format.space_before = Pt(4)
            p.paragraph_format.space_after = Pt(1)
            detail = self.para(hc.what_to_say, "Briefing Detail")
            self.cite_run(detail, hc.citations)

        self.heading(SECTIONS[8])
        self.agenda()

        self.heading(SECTIONS[9], new_page=bool(b.sources))
        if not b.sources:
            self.nothing()
        for s in b.sources:
            p = self.para(style="Briefing Source")
            self.run(p, f"[{s.n}]", bold=True)
            self.run(p, "\t" + source_label(s))
            if quote := excerpt(s.text):
                self.para(f"“{quote}”", "Briefing Excerpt")

        if b.warnings:
            self.heading(SECTIONS[10])
            for w in b.warnings:
                self.bullet(sentence(w))
        return self.doc

    def agenda(self) -> None:
        b = self.b
        if not b.agenda:
            self.nothing()
            return
        widths = (2.0, self.width / Cm(1) - 2.0)
        table = self.table(("Minutes", "Topic"), widths, first_column=False)
        table.rows[0].cells[0].paragraphs[0].alignment = WD_ALIGN_PARAGRAPH.CENTER
        for item in b.agenda:
            cells = self.add_row(table, ["", clean(item.topic)], widths)
            self.cell(cells[0], str(item.minutes), align=WD_ALIGN_PARAGRAPH.CENTER)
        total = sum(item.minutes for item in b.agenda)
        cells = self.add_row(table, ["", ""], widths)
        self.cell(cells[0], str(total), bold=True, align=WD_ALIGN_PARAGRAPH.CENTER)
        self.cell(cells[1], f"Total ({b.header.minutes}-minute meeting)", bold=True)
        self.finish_table(table, widths)
        if total != b.header.minutes:
            self.para(f"The agenda totals {total} minutes for a {b.header.minutes}-minute meeting.",
                      italic=True, color=RED)

