"""Small builders for test inputs: Word and PDF files made on the fly."""

from __future__ import annotations

from pathlib import Path


def make_pdf(path: Path, pages: list[list[str]], title: str | None = None, keywords: str | None = None) -> Path:
    """Write a real, minimal PDF (Helvetica text, one line per string) that pypdf can read."""
    objects: list[bytes] = []

    def esc(s: str) -> str:
        return s.replace("\\", "\\\\").replace("(", "\\(").replace(")", "\\)")

    page_ids = []
    n_pages = len(pages)
    # object numbering: 1 catalog, 2 pages, 3 font, then (page, content) pairs, then info
    for i, lines in enumerate(pages):
        page_id = 4 + 2 * i
        content_id = page_id + 1
        page_ids.append(page_id)
        stream = "BT /F1 11 Tf 14 TL 72 760 Td " + " ".join(f"({esc(line)}) Tj T*" for line in lines) + " ET"
        objects.append(
            f"{page_id} 0 obj << /Type /Page /Parent 2 0 R /MediaBox [0 0 612 792] "
            f"/Resources << /Font << /F1 3 0 R >> >> /Contents {content_id} 0 R >> endobj\n".encode()
        )
        data = stream.encode("latin-1")
        objects.append(f"{content_id} 0 obj << /Length {len(data)} >> stream\n".encode() + data + b"\nendstream endobj\n")
    info_id = 4 + 2 * n_pages
    head = [
        b"1 0 obj << /Type /Catalog /Pages 2 0 R >> endobj\n",
        f"2 0 obj << /Type /Pages /Kids [{' '.join(f'{p} 0 R' for p in page_ids)}] /Count {n_pages} >> endobj\n".encode(),
        b"3 0 obj << /Type /Font /Subtype /Type1 /BaseFont /Helvetica /Encoding /WinAnsiEncoding >> endobj\n",
    ]
    info = "<< /Producer (dxprep tests)"
    if title:
        info += f" /Title ({esc(title)})"
    if keywords:
        info += f" /Keywords ({esc(keywords)})"
    info += " /CreationDate (D:20261102090000) >>"
    tail = [f"{info_id} 0 obj {info} endobj\n".encode()]
    body = head + objects + tail
    out = bytearray(b"%PDF-1.4\n")
    offsets = []
    for obj in body:
        offsets.append(len(out))
        out += obj
    xref = len(out)
    out += f"xref\n0 {len(body) + 1}\n0000000000 65535 f \n".encode()
    for off in offsets:
        out += f"{off:010d} 00000 n \n".encode()
    out += f"trailer << /Size {len(body) + 1} /Root 1 0 R /Info {info_id} 0 R >>\nstartxref\n{xref}\n%%EOF\n".encode()
    path.write_bytes(bytes(out))
    return path


def make_docx(path: Path, paragraphs: list[tuple[str, str | None]], *, title: str | None = None,
              category: str | None = None, keywords: str | None = None) -> Path:
    """Write a Word file: each (text, style) is a paragraph; style None is Normal."""
    import datetime as dt

    import docx

    document = docx.Document()
    for text, style in paragraphs:
        document.add_paragraph(text, style=style)
    props = document.core_properties
    props.created = dt.datetime(2026, 11, 2, 9, 0, 0)
    if title:
        props.title = title
    if category:
        props.category = category
    if keywords:
        props.keywords = keywords
    document.save(str(path))
    return path


def make_docx_with_comments(path: Path, paragraphs: list[tuple[str, str | None]],
                            comments: list[tuple[int, str, str]]) -> Path:
    """A Word file with comments: each (paragraph index, author, text) is a comment anchored on
    that paragraph (python-docx >= 1.2 writes word/comments.xml and its relationship)."""
    import datetime as dt

    import docx

    document = docx.Document()
    added = [document.add_paragraph(text, style=style) for text, style in paragraphs]
    for index, author, text in comments:
        runs = added[index].runs or [added[index].add_run(" ")]
        document.add_comment(runs, text=text, author=author)
    document.core_properties.created = dt.datetime(2026, 11, 2, 9, 0, 0)
    document.save(str(path))
    return path


def replace_zip_member(path: Path, name: str, data: bytes, *, compress: bool = True) -> Path:
    """Rewrite the zip at ``path`` with member ``name`` replaced (or added) by ``data``."""
    import io
    import zipfile

    old = path.read_bytes()
    out = io.BytesIO()
    with zipfile.ZipFile(io.BytesIO(old)) as src, zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as dst:
        for info in src.infolist():
            if info.filename != name:
                dst.writestr(info, src.read(info))
        dst.writestr(name, data, compress_type=zipfile.ZIP_DEFLATED if compress else zipfile.ZIP_STORED)
    path.write_bytes(out.getvalue())
    return path
