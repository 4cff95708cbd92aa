"""File loaders: bytes on disk to extracted text plus blocks, with limits and clear reasons.

Each loader returns a :class:`Loaded` or raises :class:`Unreadable` with a reason a
person can act on; the workspace reader turns that into a warning naming the file.
python-docx and pypdf are imported here only, when a file of theirs is read.
"""

from __future__ import annotations

import io
import re
import stat
import zipfile
import zlib
from dataclasses import dataclass, field
from datetime import date
from pathlib import Path
from typing import Any

import yaml

from dxprep.workspace.dates import parse_date
from dxprep.workspace.structure import Block, blocks_from_lines

__all__ = [
    "DEFAULT_LIMITS",
    "Limits",
    "Loaded",
    "Unreadable",
    "load_file",
    "parse_meta_lines",
    "split_front_matter",
]


@dataclass(frozen=True)
class Limits:
    """Upper bounds on what one file may cost to read."""

    max_file_bytes: int = 50 * 1024 * 1024
    max_text_chars: int = 5_000_000
    max_zip_uncompressed: int = 200 * 1024 * 1024
    max_zip_ratio: float = 200.0
    max_pdf_pages: int = 2_000


DEFAULT_LIMITS = Limits()


class Unreadable(Exception):
    """The file cannot be read; ``reason`` says why, for the warning."""

    def __init__(self, reason: str) -> None:
        super().__init__(reason)
        self.reason = reason


@dataclass
class Loaded:
    """Extracted text of one file, its blocks, and metadata found in the file itself."""

    text: str
    blocks: list[Block]
    meta: dict[str, Any] = field(default_factory=dict)
    body_start: int = 0
    pages: list[int] = field(default_factory=list)  # PDF: offset where each page starts
    warnings: list[tuple[str, int | None]] = field(default_factory=list)  # (reason, line)


def load_file(path: Path, fmt: str, limits: Limits = DEFAULT_LIMITS) -> Loaded:
    info = path.stat()
    if not stat.S_ISREG(info.st_mode):  # reading a pipe or a device would block or never end
        raise Unreadable("not a regular file (a pipe, socket or device): not read")
    size = info.st_size
    if size > limits.max_file_bytes:
        raise Unreadable(
            f"file is too large ({size / 1e6:.1f} MB; the limit is "
            f"{limits.max_file_bytes / 1e6:.0f} MB, set DXPREP_MAX_FILE_MB to change it)"
        )
    data = path.read_bytes()
    if fmt in ("md", "txt"):
        loaded = _load_text(data, limits)
    elif fmt == "docx":
        loaded = _load_docx(data, limits)
    elif fmt == "pdf":
        loaded = _load_pdf(data, limits)
    else:  # pragma: no cover - the reader only asks for known formats
        raise Unreadable(f"unsupported format {fmt!r}")
    if len(loaded.text) > limits.max_text_chars:
        raise Unreadable(
            f"extracted text is too long ({len(loaded.text):,} characters; the limit is "
            f"{limits.max_text_chars:,})"
        )
    return loaded


# --------------------------------------------------------------------------- text

def _decode(data: bytes) -> tuple[str, str | None]:
    """Decode bytes as UTF-8 (BOM-aware, UTF-16 with BOM); fall back with replacement."""
    if data.startswith(b"\xef\xbb\xbf"):
        data = data[3:]
    elif data.startswith((b"\xff\xfe", b"\xfe\xff")):
        try:
            return data.decode("utf-16"), None
        except UnicodeDecodeError:
            pass
    try:
        return data.decode("utf-8"), None
    except UnicodeDecodeError as exc:
        text = data.decode("utf-8", errors="replace")
        bad = text.count("\ufffd")
        return text, (
            f"not valid UTF-8 (first bad byte at offset {exc.start}); {bad} character(s) "
            "replaced with U+FFFD: save the file as UTF-8"
        )


_FRONT = re.compile(r"\A---[ \t]*\r?\n")
_FRONT_END = re.compile(r"^(?:---|\.\.\.)[ \t]*\r?$", re.MULTILINE)


def split_front_matter(text: str) -> tuple[dict[str, Any] | None, int, tuple[str, int] | None]:
    """(metadata, offset where the body starts, (error, line) or None)."""
    m = _FRONT.match(text)
    if not m:
        return None, 0, None
    end = _FRONT_END.search(text, m.end())
    if end is None:
        return None, 0, ("front matter starts with '---' but is never closed", 1)
    raw = text[m.end() : end.start()]
    body_start = end.end() + (1 if text[end.end() : end.end() + 1] == "\n" else 0)
    try:
        meta = yaml.safe_load(raw)
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        line = (mark.line + 2) if mark is not None else 1
        problem = getattr(exc, "problem", None) or str(exc).splitlines()[0]
        return None, body_start, (f"front matter is not valid YAML ({problem})", line)
    except (ValueError, TypeError, IndexError, AttributeError, OverflowError) as exc:
        # PyYAML's constructors raise these on e.g. "date: 2026-02-30" or a bare "!!int" tag
        return None, body_start, (f"front matter has a value YAML cannot read ({exc})", 2)
    if meta is None:
        return {}, body_start, None
    if not isinstance(meta, dict):
        return None, body_start, ("front matter is not a mapping of keys to values", 2)
    return {str(k).strip().lower(): v for k, v in meta.items()}, body_start, None


def _load_text(data: bytes, limits: Limits) -> Loaded:
    if b"\x00" in data[:8192] and not data.startswith((b"\xff\xfe", b"\xfe\xff")):
        raise Unreadable("binary content (NUL bytes) in a text file")
    text, problem = _decode(data)
    text = text.replace("\r\n", "\n").replace("\r", "\n")
    meta, body_start, error = split_front_matter(text)
    loaded = Loaded(text=text, blocks=[], meta=meta or {}, body_start=body_start)
    if problem:
        loaded.warnings.append((problem, None))
    if error:
        loaded.warnings.append(error)
    loaded.blocks = blocks_from_lines(text, body_start)
    return loaded


#: Keys accepted on ``Key: value`` lines before the first heading (Word, text, PDF).
META_KEYS = {
    "date": "date", "meeting date": "date",
    "executive": "executive", "executives": "executives", "with": "executives",
    "attendees": "attendees",
    "business unit": "business_unit", "business_unit": "business_unit", "unit": "business_unit",
    "type": "type", "meeting type": "type",
    "confidential": "confidential",
    "title": "title",
    "doc type": "doc_type", "doc_type": "doc_type", "document type": "doc_type",
    "business units": "business_units", "business_units": "business_units",
    "audience": "audience",
}
_META_LINE = re.compile(r"^\s*\**(?P<key>[A-Za-z][A-Za-z _]{1,20}?)\**\s*:\s*\**\s*(?P<value>.+?)\s*$")


def parse_meta_lines(blocks: list[Block], max_lines: int = 12) -> dict[str, Any]:
    """Read ``Key: value`` lines at the top of a document (before its first heading).

    The blocks used are marked ``is_meta`` so the structure parser skips them.
    """
    meta: dict[str, Any] = {}
    seen = 0
    for block in blocks:
        if block.heading_level is not None or block.text.lstrip().startswith("#"):
            break
        if not block.text.strip():
            continue
        seen += 1
        if seen > max_lines:
            break
        m = _META_LINE.match(block.text)
        if not m:
            continue
        key = META_KEYS.get(" ".join(m.group("key").lower().split()))
        if key is None:
            continue
        meta.setdefault(key, m.group("value"))
        block.is_meta = True
    return meta


# --------------------------------------------------------------------------- Word

def _declares_dtd(archive: zipfile.ZipFile, info: zipfile.ZipInfo) -> bool:
    """Whether a part of the Word file has a DTD (where entities are declared): the whole part is
    scanned, as a long comment may come before it; "<" is never raw in XML text, so no false alarm."""
    tail = b""
    try:
        with archive.open(info) as member:
            while chunk := member.read(1 << 20):
                window = tail + chunk
                if b"<!DOCTYPE" in window or b"<!ENTITY" in window:
                    return True
                tail = window[-16:]
    except (zipfile.BadZipFile, zlib.error, OSError, ValueError, EOFError) as exc:
        raise Unreadable(f"the Word file is damaged ({type(exc).__name__}: {exc})") from exc
    return False


def _check_zip(data: bytes, limits: Limits) -> None:
    try:
        archive = zipfile.ZipFile(io.BytesIO(data))
    except zipfile.BadZipFile as exc:
        raise Unreadable(f"not a valid Word file (the .docx container is broken: {exc})") from exc
    with archive:
        total = 0
        for info in archive.infolist():
            total += info.file_size
            if info.compress_size and info.file_size / info.compress_size > limits.max_zip_ratio and info.file_size > 10_000_000:
                raise Unreadable(
                    f"refused: {info.filename} inflates {info.file_size / info.compress_size:.0f}x "
                    "(a zip bomb?)"
                )
        if total > limits.max_zip_uncompressed:
            raise Unreadable(
                f"refused: the Word file unpacks to {total / 1e6:.0f} MB "
                f"(limit {limits.max_zip_uncompressed / 1e6:.0f} MB)"
            )
        if "word/document.xml" not in archive.namelist():
            raise Unreadable("not a Word document (no word/document.xml inside)")
        for info in archive.infolist():
            # every XML part (the body, comments, relationships...): no DTD, so no entities
            if not info.filename.lower().endswith((".xml", ".rels")):
                continue
            if _declares_dtd(archive, info):
                raise Unreadable(f"refused: {info.filename} in the Word file declares XML entities (an XML bomb?)")


def _load_docx(data: bytes, limits: Limits) -> Loaded:
    _check_zip(data, limits)
    try:
        import docx  # lazy: python-docx only when a Word file is read
        from docx.opc.exceptions import PackageNotFoundError

        document = docx.Document(io.BytesIO(data))
    except (PackageNotFoundError, KeyError, ValueError, zipfile.BadZipFile) as exc:
        raise Unreadable(f"not a readable Word document ({type(exc).__name__}: {exc})") from exc
    except Exception as exc:  # lxml and python-docx raise many kinds on broken XML
        raise Unreadable(f"the Word document is damaged ({type(exc).__name__}: {exc})") from exc

    parts: list[str] = []
    blocks: list[Block] = []
    pos = 0

    def add(text: str, heading: int | None = None, is_list: bool = False) -> None:
        nonlocal pos
        text = text.replace("\r", " ").replace("\n", " ").replace("\x0b", " ")
        blocks.append(Block(text, pos, pos + len(text), len(blocks) + 1, heading, is_list))
        parts.append(text)
        pos += len(text) + 1

    body = document.element.body
    from docx.table import Table
    from docx.text.paragraph import Paragraph

    for child in body.iterchildren():
        tag = child.tag.rsplit("}", 1)[-1]
        if tag == "p":
            para = Paragraph(child, document)
            style = (para.style.name if para.style is not None else "") or ""
            level = _heading_level(style)
            numbered = child.find(".//{*}numPr") is not None
            add(para.text, level, is_list=("List" in style) or numbered)
        elif tag == "tbl":
            table = Table(child, document)
            for row in table.rows:
                cells: list[str] = []
                for cell in row.cells:
                    value = " ".join(cell.text.split())
                    if not cells or cells[-1] != value:  # merged cells repeat
                        cells.append(value)
                add(" | ".join(cells))
            add("")
    problems: list[tuple[str, int | None]] = []
    try:
        comments = _docx_comments(document)
    except Exception as exc:  # lxml and python-docx raise many kinds on broken XML
        comments = []
        problems.append((f"the comments of this Word file are damaged and were not read ({type(exc).__name__})", None))
    if comments:
        # after the body, so the body's offsets do not move; a heading of kind "other",
        # and lines that start with "Comment", so no comment is read as a goal or an action
        add(COMMENTS_HEADING, heading=2)
        for author, said in comments:
            add(f"Comment by {author}: {said}" if author else f"Comment: {said}")
    text = "\n".join(parts)
    meta: dict[str, Any] = {}
    core = document.core_properties
    if core.title:
        meta["title"] = core.title
    if core.category:
        meta["doc_type"] = core.category
    if core.created is not None:
        meta["created"] = core.created.date()
    for source in (core.keywords, core.subject):
        if source and ":" in source:
            for piece in re.split(r"[;\n]", source):
                key, _, value = piece.partition(":")
                norm = META_KEYS.get(" ".join(key.lower().split()))
                if norm and value.strip():
                    meta.setdefault(norm, value.strip())
    return Loaded(text=text, blocks=blocks, meta=meta, warnings=problems)


#: Heading of the section that holds a Word file's comments, after its body.
COMMENTS_HEADING = "Comments"


def _docx_comments(document: Any) -> list[tuple[str, str]]:
    """(author, text) of each comment of the Word file, in the order of its comments part."""
    from docx.opc.constants import RELATIONSHIP_TYPE as RT
    from docx.oxml.ns import qn
    from docx.oxml.parser import parse_xml
    from docx.text.paragraph import Paragraph

    out: list[tuple[str, str]] = []
    for rel in list(document.part.rels.values()):
        if rel.reltype != RT.COMMENTS or rel.is_external:
            continue
        part = rel.target_part
        root = getattr(part, "element", None)
        if root is None:  # a python-docx that has no comments part class
            root = parse_xml(part.blob)
        for comment in root.iter(qn("w:comment")):
            said = " ".join(" ".join(Paragraph(p, document).text.split()) for p in comment.iter(qn("w:p")))
            if said.strip():
                out.append((" ".join((comment.get(qn("w:author")) or "").split()), said.strip()))
    return out


def _heading_level(style: str) -> int | None:
    if style == "Title":
        return 1
    m = re.match(r"Heading\s*(\d)", style)
    return int(m.group(1)) if m else None


# --------------------------------------------------------------------------- PDF

def _load_pdf(data: bytes, limits: Limits) -> Loaded:
    if not data.lstrip()[:5].startswith(b"%PDF-"):
        raise Unreadable("not a PDF (the file does not start with %PDF-)")
    import logging

    from pypdf import PdfReader  # lazy: pypdf only when a PDF is read
    from pypdf.errors import PyPdfError

    logging.getLogger("pypdf").setLevel(logging.ERROR)
    try:
        reader = PdfReader(io.BytesIO(data), strict=False)
        if reader.is_encrypted:
            try:
                reader.decrypt("")
            except Exception as exc:  # pypdf raises several kinds here
                raise Unreadable("the PDF is encrypted with a password") from exc
        if len(reader.pages) > limits.max_pdf_pages:
            raise Unreadable(f"the PDF has {len(reader.pages)} pages (limit {limits.max_pdf_pages})")
        pages_text = [(page.extract_text() or "") for page in reader.pages]
        info = reader.metadata
    except Unreadable:
        raise
    except (PyPdfError, ValueError, KeyError, TypeError, AttributeError, OSError, RecursionError) as exc:
        raise Unreadable(f"the PDF is damaged ({type(exc).__name__}: {exc})") from exc
    parts: list[str] = []
    pages: list[int] = []
    blocks: list[Block] = []
    pos = 0
    line = 1
    for page_text in pages_text:
        page_text = page_text.replace("\r\n", "\n").replace("\r", "\n").replace("\x00", "")
        pages.append(pos)
        for raw in page_text.split("\n"):
            blocks.append(Block(raw, pos, pos + len(raw), line))
            parts.append(raw)
            pos += len(raw) + 1
            line += 1
        parts.append("")  # blank line between pages
        blocks.append(Block("", pos, pos, line))
        pos += 1
        line += 1
    text = "\n".join(parts)
    if not text.strip():
        raise Unreadable("the PDF has no extractable text (a scan? run OCR first)")
    meta: dict[str, Any] = {}
    if info is not None:
        if info.title:
            meta["title"] = str(info.title)
        if info.subject and ":" not in str(info.subject):
            meta.setdefault("subject", str(info.subject))
        for source in (info.get("/Keywords"), info.subject):
            if source and ":" in str(source):
                for piece in re.split(r"[;\n]", str(source)):
                    key, _, value = piece.partition(":")
                    norm = META_KEYS.get(" ".join(key.lower().split()))
                    if norm and value.strip():
                        meta.setdefault(norm, value.strip())
        created = _pdf_date(info.get("/CreationDate"))
        if created:
            meta["created"] = created
    return Loaded(text=text, blocks=blocks, meta=meta, pages=pages)


def _pdf_date(value: object) -> date | None:
    if not value:
        return None
    m = re.match(r"D?:?(\d{4})(\d{2})(\d{2})", str(value))
    if not m:
        return parse_date(str(value))
    try:
        return date(int(m.group(1)), int(m.group(2)), int(m.group(3)))
    except ValueError:
        return None
