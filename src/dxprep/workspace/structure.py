"""Structure of a note or document, independent of its file format.

Every reader (Markdown, text, Word, PDF) turns its file into an extracted ``text`` and
a list of :class:`Block` (one line or paragraph each, with character offsets into that
text). This module finds the headings, sections, items and action items in the blocks,
so every format follows the same rules of the workspace contract.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from datetime import date

from dxprep.workspace.dates import DATE_PATTERN, parse_date
from dxprep.workspace.models import ActionItem, Item, Section, SectionKind

__all__ = [
    "Block",
    "Structure",
    "blocks_from_lines",
    "parse_action_text",
    "parse_structure",
    "section_kind",
]

#: Heading synonyms of the workspace contract (matched case-insensitively).
SYNONYMS: dict[SectionKind, tuple[str, ...]] = {
    "actions": (
        "action items", "action item", "actions", "action points", "commitments",
        "next steps", "next step", "follow-ups", "follow ups", "followups", "follow-up",
        "to do", "to-do", "todo", "to dos", "to-dos", "todos",
    ),
    "decisions": ("decisions", "decision", "agreed", "agreements", "decided", "what we agreed"),
    "concerns": ("concerns", "concern", "risks", "risk", "issues", "issue", "worries", "worry"),
    "goals": ("goals", "goal", "priorities", "priority", "objectives", "objective"),
    "notes": ("notes", "note", "discussion", "summary", "minutes", "free notes", "other notes"),
}
_ORDER: tuple[SectionKind, ...] = ("actions", "decisions", "concerns", "goals", "notes")


def _norm_heading(text: str) -> str:
    text = re.sub(r"^[\d.\s)]+", "", text)  # "2. Goals" -> "Goals"
    text = re.sub(r"[*_`#:]+", " ", text)
    text = text.replace("–", "-").replace("—", "-")
    return " ".join(text.casefold().split())


def section_kind(heading: str) -> SectionKind | None:
    """The contract's section a heading names, or None for any other heading.

    An exact synonym wins; otherwise a synonym that appears as whole words inside the
    heading ("Risks and issues", "Their goals for 2027"), actions first.
    """
    norm = _norm_heading(heading)
    for kind in _ORDER:
        if norm in SYNONYMS[kind]:
            return kind
    words = f" {re.sub(r'[^a-z0-9-]+', ' ', norm)} "
    for kind in _ORDER:
        for syn in SYNONYMS[kind]:
            if f" {syn} " in words:
                return kind
    return None


@dataclass
class Block:
    """One line (Markdown, text) or paragraph (Word, PDF) of the extracted text."""

    text: str
    start: int
    end: int
    line: int
    heading_level: int | None = None  # set by readers that know (Word styles)
    is_list: bool = False  # set by readers that know (Word list styles)
    is_meta: bool = False  # a ``Key: value`` metadata line already consumed


@dataclass
class Structure:
    title: str | None = None
    sections: list[Section] = field(default_factory=list)
    goals: list[Item] = field(default_factory=list)
    concerns: list[Item] = field(default_factory=list)
    decisions: list[Item] = field(default_factory=list)
    action_items: list[ActionItem] = field(default_factory=list)

    @property
    def structured(self) -> bool:
        return any(s.kind != "other" for s in self.sections) or bool(self.action_items)


def blocks_from_lines(text: str, start: int = 0) -> list[Block]:
    """Split ``text[start:]`` into line blocks with offsets into ``text``."""
    blocks: list[Block] = []
    line_no = text.count("\n", 0, start) + 1
    pos = start
    for raw in text[start:].split("\n"):
        end = pos + len(raw)
        stripped = raw.rstrip("\r")
        blocks.append(Block(stripped, pos, pos + len(stripped), line_no))
        pos = end + 1
        line_no += 1
    return blocks


_MD_HEADING = re.compile(r"^\s{0,3}(#{1,6})\s+(.*?)\s*#*\s*$")
_LABEL_HEADING = re.compile(r"^\s*([A-Za-z][A-Za-z0-9 &/'()-]{1,48}?)\s*:\s*$")
_SETEXT = re.compile(r"^\s{0,3}(=+|-+)\s*$")
_CHECKBOX = re.compile(
    r"^\s*(?:[-*+•▪◦]\s*|\d+[.)]\s*)?(?P<box>\[(?P<mark>[ xX✓✔])\]|☐|☑|☒|✅)\s*(?P<rest>.*)$"
)
_LIST = re.compile(r"^(?P<indent>\s*)(?P<marker>[-*+•▪◦]|\d+[.)])\s+(?P<rest>.*)$")


def _heading_of(blocks: list[Block], i: int) -> tuple[int, str] | None:
    """(level, text) when block i is a heading, else None."""
    block = blocks[i]
    if block.heading_level is not None:
        return block.heading_level, block.text.strip()
    if block.is_meta:
        return None
    m = _MD_HEADING.match(block.text)
    if m and m.group(2):
        return len(m.group(1)), m.group(2)
    m = _LABEL_HEADING.match(block.text)
    if m and section_kind(m.group(1)) is not None:
        return 2, m.group(1)
    stripped = block.text.strip()
    if (
        stripped
        and i + 1 < len(blocks)
        and _SETEXT.match(blocks[i + 1].text)
        and not _LIST.match(block.text)
        and len(stripped) <= 80
    ):
        return (1 if blocks[i + 1].text.strip().startswith("=") else 2), stripped
    if stripped.isupper() and section_kind(stripped) is not None and len(stripped) <= 40:
        return 2, stripped
    return None


_OWNER = re.compile(
    r"^(?P<owner>[A-Z][\w&/.+'-]*(?:\s+[\w&/.+'-]+){0,3}?)\s*(?:\((?P<person>[^()]{1,40})\))?\s*:\s+(?P<rest>\S.*)$"
)
_ITEM_ID = re.compile(r"\{#(?P<id>[A-Za-z0-9][\w.-]{0,40})\}")
_DUE = re.compile(
    rf"[\s,;(–—-]*\b(?:due|by|deadline)\b(?:\s+(?:by|on|date))?\s*[:=]?\s*(?P<date>{DATE_PATTERN.pattern[5:]})\)?",
    re.IGNORECASE | re.VERBOSE,
)


def parse_action_text(text: str) -> tuple[str, str | None, str | None, date | None, str | None]:
    """Split an action item's text into (text, owner, person, due, item_id).

    ``IT (Sam): cost model for the ERP upgrade, due 2026-11-15 {#ai-12}`` gives
    ``("cost model for the ERP upgrade", "IT", "Sam", date(2026, 11, 15), "ai-12")``.
    """
    item_id = None
    m = _ITEM_ID.search(text)
    if m:
        item_id = m.group("id").lower()
    text = _ITEM_ID.sub("", text).strip()  # every marker goes; the first one is the id
    due = None
    m = _DUE.search(text)
    if m:
        due = parse_date(m.group("date"))
        if due is not None:
            text = (text[: m.start()] + text[m.end() :]).strip()
    owner = person = None
    m = _OWNER.match(text)
    if m and not DATE_PATTERN.match(m.group("owner")):
        owner = m.group("owner").strip()
        person = m.group("person").strip() if m.group("person") else None
        text = m.group("rest")
    text = re.sub(r"\s+", " ", text).strip().rstrip(",;").strip()
    return text, owner, person, due, item_id


def parse_structure(blocks: list[Block], end_of_text: int) -> Structure:
    """Find title, sections, items and action items in ``blocks``."""
    out = Structure()
    headings: list[tuple[int, int, str]] = []  # (block index, level, text)
    skip: set[int] = set()
    for i in range(len(blocks)):
        if i in skip:
            continue
        h = _heading_of(blocks, i)
        if h is not None:
            headings.append((i, h[0], h[1]))
            if blocks[i].heading_level is None and i + 1 < len(blocks) and _SETEXT.match(blocks[i + 1].text) and not _MD_HEADING.match(blocks[i].text):
                skip.add(i + 1)
    if headings and headings[0][1] == 1:
        out.title = headings[0][2]
    for n, (i, level, text) in enumerate(headings):
        stop = headings[n + 1][0] if n + 1 < len(headings) else len(blocks)
        end = blocks[stop - 1].end if stop > i else blocks[i].end
        kind = section_kind(text) or "other"
        out.sections.append(
            Section(kind=kind, heading=text, level=level, start=blocks[i].start,
                    end=max(end, blocks[i].end), line=blocks[i].line)
        )
        body = [b for k, b in enumerate(blocks[i + 1 : stop], start=i + 1) if k not in skip]
        _collect(out, kind, body)
    # Checkbox lines before the first heading (or in a note with no headings) still count.
    first = headings[0][0] if headings else len(blocks)
    _collect(out, "other", [b for b in blocks[:first] if not b.is_meta])
    out.action_items.sort(key=lambda a: a.start)
    return out


def _items(blocks: list[Block]) -> list[tuple[Block, Block, str, bool]]:
    """Group blocks into items: (first block, last block, text, is_checkbox_or_list)."""
    items: list[tuple[Block, Block, str, bool]] = []
    current: list[Block] = []
    current_list = False

    def flush() -> None:
        nonlocal current
        if current:
            text = " ".join(b.text.strip() for b in current)
            items.append((current[0], current[-1], text, current_list))
        current = []

    for b in blocks:
        stripped = b.text.strip()
        if not stripped or b.is_meta or _SETEXT.match(b.text) and not current:
            flush()
            continue
        starts_item = bool(_CHECKBOX.match(b.text) or _LIST.match(b.text) or b.is_list)
        if starts_item:
            flush()
            current = [b]
            current_list = True
        elif current and current_list and (b.text[:1].isspace() or b.heading_level is None and not b.is_list and b.text.startswith("  ")):
            current.append(b)  # indented continuation of a list item
        elif current and not current_list and b.heading_level is None and b.end - b.start < 400 and "\n" not in b.text:
            current.append(b)  # next line of the same paragraph
        else:
            flush()
            current = [b]
            current_list = False
    flush()
    return items


def _strip_marker(text: str) -> tuple[str, bool | None, int]:
    """Remove a list marker or checkbox: (rest, done or None, chars removed)."""
    m = _CHECKBOX.match(text)
    if m:
        box = m.group("box")
        done = box in ("☑", "☒", "✅") or (m.group("mark") or " ").strip() != ""
        return m.group("rest"), done, m.start("rest")
    m = _LIST.match(text)
    if m:
        return m.group("rest"), None, m.start("rest")
    lead = len(text) - len(text.lstrip())
    return text.strip(), None, lead


def _collect(out: Structure, kind: SectionKind, body: list[Block]) -> None:
    for first, last, _joined, _is_list in _items(body):
        rest, done, cut = _strip_marker(first.text)
        parts = [rest.strip()] + [b.text.strip() for b in _span(body, first, last)[1:]]
        text = " ".join(p for p in parts if p)
        start = first.start + cut
        if not text:
            continue
        if done is not None or kind == "actions":
            clean, owner, person, due, item_id = parse_action_text(text)
            if not clean:
                continue
            out.action_items.append(
                ActionItem(text=clean, done=bool(done), owner=owner, person=person, due=due,
                           item_id=item_id, raw=text, start=start, end=last.end, line=first.line)
            )
        elif kind in ("goals", "concerns", "decisions"):
            target = getattr(out, kind)
            target.append(Item(text=text, start=start, end=last.end, line=first.line))


def _span(body: list[Block], first: Block, last: Block) -> list[Block]:
    i = next(k for k, b in enumerate(body) if b is first)
    j = next(k for k, b in enumerate(body) if b is last)
    return body[i : j + 1]
