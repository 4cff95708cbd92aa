"""Chunking that respects structure.

Notes are chunked by section (a goal list, an action-item list and the free notes are
separate chunks); material by headings. A section too long for the model's window splits
on paragraph boundaries, then lines, then sentences, then (last resort) word pieces.
Every chunk keeps ``start``/``end`` offsets into its source's extracted text, and its
``text`` is exactly ``extracted_text[start:end]``. What the model embeds is the chunk text
behind a short header (title, people, date, section), counted with the model's own
tokenizer so it never exceeds the window.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import re
from collections.abc import Callable
from typing import Literal

from pydantic import BaseModel, Field

from dxprep.workspace.models import LoadedWorkspace, Material, MeetingNote, Organization

__all__ = ["CHUNKER_VERSION", "Chunk", "chunk_material", "chunk_note", "chunk_workspace", "split_span"]

#: Bump when chunking changes: every file is then re-chunked on the next ingest.
CHUNKER_VERSION = 4

TokenCounter = Callable[[list[str]], list[int]]


class Chunk(BaseModel):
    """One retrievable piece of a source, with everything needed to filter and cite it."""

    id: str
    source: str
    kind: Literal["note", "material"]
    doc_type: str
    title: str
    section: str | None = None
    date: dt.date | None = None
    executives: list[str] = Field(default_factory=list)
    business_units: list[str] = Field(default_factory=list)
    confidential: bool = False
    #: Executives allowed to see it; empty means everyone.
    audience: list[str] = Field(default_factory=list)
    start: int
    end: int
    text: str
    embed_text: str
    ordinal: int


_SENTENCE = re.compile(r"(?<=[.!?])\s+(?=[\"'(\[A-Z0-9])")


def _pieces(text: str, start: int, end: int, level: int) -> list[tuple[int, int]]:
    """Split ``text[start:end]`` at paragraph (0), line (1), sentence (2) boundaries."""
    pattern = [r"\n[ \t]*\n\s*", r"\n", None][level] if level < 2 else None
    spans: list[tuple[int, int]] = []
    segment = text[start:end]
    if level == 2:
        cuts = [m.end() for m in _SENTENCE.finditer(segment)]
        bounds = [0, *cuts, len(segment)]
        for a, b in zip(bounds, bounds[1:], strict=False):
            spans.append((start + a, start + b))
    else:
        assert pattern is not None
        pos = 0
        for m in re.finditer(pattern, segment):
            spans.append((start + pos, start + m.start()))
            pos = m.end()
        spans.append((start + pos, end))
    out = []
    for a, b in spans:
        # trim whitespace so that chunks start and end on text
        while a < b and text[a].isspace():
            a += 1
        while b > a and text[b - 1].isspace():
            b -= 1
        if b > a:
            out.append((a, b))
    return out


def split_span(text: str, start: int, end: int, budget: int, count: TokenCounter,
               level: int = 0, token_offsets: Callable[[str], list[tuple[int, int]]] | None = None,
               ) -> list[tuple[int, int]]:
    """Cover ``text[start:end]`` with spans of at most ``budget`` tokens each, packing
    whole paragraphs (then lines, sentences, word pieces) greedily."""
    units = _pieces(text, start, end, min(level, 2))
    if not units:
        return []
    counts = count([text[a:b] for a, b in units])
    spans: list[tuple[int, int]] = []
    cur: tuple[int, int] | None = None
    cur_tokens = 0
    for (a, b), n in zip(units, counts, strict=True):
        if n > budget:
            if cur is not None:
                spans.append(cur)
                cur, cur_tokens = None, 0
            if level < 2:
                spans.extend(split_span(text, a, b, budget, count, level + 1, token_offsets))
            else:
                spans.extend(_split_tokens(text, a, b, budget, token_offsets))
            continue
        if cur is not None and cur_tokens + n + 1 <= budget:
            cur = (cur[0], b)
            cur_tokens += n + 1
        else:
            if cur is not None:
                spans.append(cur)
            cur, cur_tokens = (a, b), n
    if cur is not None:
        spans.append(cur)
    # Joining units can add a token or two: re-check and split what overflows.
    final: list[tuple[int, int]] = []
    checks = count([text[a:b] for a, b in spans])
    for (a, b), n in zip(spans, checks, strict=True):
        if n > budget and (a, b) not in units:
            mid = _midpoint(units, a, b)
            if mid is None:
                final.extend(_split_tokens(text, a, b, budget, token_offsets))
            else:
                final.extend(split_span(text, a, mid, budget, count, level, token_offsets))
                final.extend(split_span(text, mid, b, budget, count, level, token_offsets))
        elif n > budget:
            final.extend(_split_tokens(text, a, b, budget, token_offsets))
        else:
            final.append((a, b))
    return final


def _midpoint(units: list[tuple[int, int]], a: int, b: int) -> int | None:
    inside = [u for u in units if u[0] >= a and u[1] <= b]
    if len(inside) < 2:
        return None
    return inside[len(inside) // 2][0]


def _split_tokens(text: str, a: int, b: int, budget: int,
                  token_offsets: Callable[[str], list[tuple[int, int]]] | None) -> list[tuple[int, int]]:
    """Last resort: windows of ``budget`` word pieces (or words, without a tokenizer)."""
    piece = text[a:b]
    if token_offsets is not None:
        offsets = token_offsets(piece)
    else:
        offsets = [(m.start(), m.end()) for m in re.finditer(r"\S+", piece)]
    size = max(1, budget - 2)
    spans = []
    for i in range(0, len(offsets), size):
        window = offsets[i : i + size]
        spans.append((a + window[0][0], a + window[-1][1]))
    return spans or [(a, b)]


def _chunk_id(source: str, ordinal: int, text: str) -> str:
    src = hashlib.sha1(source.encode()).hexdigest()[:16]
    body = hashlib.sha1(text.encode("utf-8", "surrogatepass")).hexdigest()[:10]
    return f"{src}-{ordinal:05d}-{body}"


def _segments(text: str, body_start: int, sections: list, skip_meta_until: int) -> list[tuple[str | None, int, int]]:
    """(section heading, start, end) covering the body: the part before the first
    heading, then each section's body (its heading line excluded)."""
    segs: list[tuple[str | None, int, int]] = []
    first = sections[0].start if sections else len(text)
    if first > skip_meta_until:
        segs.append((None, skip_meta_until, first))
    for sec in sections:
        nl = text.find("\n", sec.start)
        body = sec.end if nl == -1 or nl > sec.end else nl + 1
        segs.append((sec.heading, body, sec.end))
    return segs


def _header(*parts: str | None) -> str:
    return " · ".join(p for p in parts if p)


def _emit(source: str, text: str, segments: list[tuple[str | None, int, int]], header_of: Callable[[str | None], str],
          budget: int, count: TokenCounter, token_offsets: Callable[[str], list[tuple[int, int]]] | None,
          make: Callable[..., Chunk]) -> list[Chunk]:
    chunks: list[Chunk] = []
    for heading, a, b in segments:
        header = header_of(heading)
        header_tokens = count([header + "\n"])[0] if header else 0
        room = max(32, budget - header_tokens)
        for s, e in split_span(text, a, b, room, count, 0, token_offsets):
            body = text[s:e]
            chunks.append(make(
                id=_chunk_id(source, len(chunks), body), section=heading, start=s, end=e, text=body,
                embed_text=f"{header}\n{body}" if header else body, ordinal=len(chunks),
            ))
    return chunks


def chunk_note(note: MeetingNote, org: Organization, budget: int, count: TokenCounter,
               token_offsets: Callable[[str], list[tuple[int, int]]] | None = None) -> list[Chunk]:
    names = []
    for x in note.executives:
        exe = next((e for e in org.executives if e.id == x), None)
        names.append(f"{exe.name} ({exe.role if exe.role != 'other' else exe.title or exe.id})" if exe else x)
    units = sorted({u for u in [note.business_unit, *[
        e.business_unit for e in org.executives if e.id in note.executives]] if u})
    title = note.title or "Meeting note"
    meta_end = _meta_end(note.text, note.body_start)

    def header_of(heading: str | None) -> str:
        return _header(title[:80], ", ".join(names), note.date.isoformat() if note.date else None, heading)

    def make(**kw: object) -> Chunk:
        return Chunk(source=note.path, kind="note", doc_type="meeting-note", title=title, date=note.date,
                     executives=note.executives, business_units=units, confidential=note.confidential,
                     audience=list(note.executives) if note.confidential else [], **kw)

    segs = _segments(note.text, note.body_start, note.sections, meta_end)
    return _emit(note.path, note.text, segs, header_of, budget, count, token_offsets, make)


def chunk_material(mat: Material, budget: int, count: TokenCounter,
                   token_offsets: Callable[[str], list[tuple[int, int]]] | None = None) -> list[Chunk]:
    def header_of(heading: str | None) -> str:
        return _header(mat.title[:100], heading if heading != mat.title else None)

    def make(**kw: object) -> Chunk:
        return Chunk(source=mat.path, kind="material", doc_type=mat.doc_type, title=mat.title, date=mat.date,
                     executives=[], business_units=mat.business_units, confidential=bool(mat.audience),
                     audience=mat.audience, **kw)

    segs = _segments(mat.text, mat.body_start, mat.sections, _meta_end(mat.text, mat.body_start))
    return _emit(mat.path, mat.text, segs, header_of, budget, count, token_offsets, make)


_META = re.compile(r"[ \t]*\**[A-Za-z][A-Za-z _]{1,20}\**[ \t]*:[^\n]*\n")


def _meta_end(text: str, start: int) -> int:
    """Skip leading ``Key: value`` lines (Word/text metadata) and blank lines."""
    pos = start
    from dxprep.workspace.loaders import META_KEYS

    while True:
        while pos < len(text) and text[pos] in " \t\n":
            pos += 1
        m = _META.match(text, pos)
        if not m:
            return pos
        key = text[m.start() : m.end()].split(":", 1)[0].strip(" *\t").lower()
        if " ".join(key.split()) not in META_KEYS:
            return pos
        pos = m.end()


def chunk_workspace(ws: LoadedWorkspace, budget: int, count: TokenCounter,
                    token_offsets: Callable[[str], list[tuple[int, int]]] | None = None) -> dict[str, list[Chunk]]:
    """Chunks of every source of the workspace, by source path."""
    out: dict[str, list[Chunk]] = {}
    for note in ws.notes:
        out[note.path] = chunk_note(note, ws.organization, budget, count, token_offsets)
    for mat in ws.material:
        out[mat.path] = chunk_material(mat, budget, count, token_offsets)
    return out
