"""Limits on hostile input, each with a clear warning that names the file, and the rest of the
workspace still read: sizes, counts, depth, symbolic links, encodings, zip and XML bombs in
the body and the comments of a Word file; and output names that cannot leave their folder."""

from __future__ import annotations

import contextlib
import datetime as dt
import os
import shutil
import sys
import threading
import zipfile
from pathlib import Path

import pytest
from typer.testing import CliRunner

from dxprep.cli import app
from dxprep.fsutil import safe_name
from dxprep.workspace import reader
from dxprep.workspace.loaders import Limits
from dxprep.workspace.models import LoadedWorkspace
from dxprep.workspace.reader import read_workspace
from helpers import make_docx, make_docx_with_comments, replace_zip_member

STAKEHOLDERS = "executives:\n  - {id: cfo, name: Dana Ortiz, role: CFO}\n"
GOOD_NOTE = "---\ndate: 2026-10-14\nexecutive: cfo\n---\n# October\n\n## Goals\n- Faster close\n"


def write(path: Path, data: str | bytes) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    if isinstance(data, bytes):
        path.write_bytes(data)
    else:
        path.write_text(data, encoding="utf-8")
    return path


@pytest.fixture
def ws(tmp_path: Path) -> Path:
    root = tmp_path / "ws"
    write(root / "stakeholders.yaml", STAKEHOLDERS)
    write(root / "notes/2026-10-14-cfo.md", GOOD_NOTE)
    return root


def reasons(data: LoadedWorkspace) -> dict[str, str]:
    return {w.path: w.reason for w in data.warnings}


def still_read(data: LoadedWorkspace) -> None:
    """The rest of the workspace is read: the good note with its goal."""
    (note,) = [n for n in data.notes if n.path == "notes/2026-10-14-cfo.md"]
    assert [g.text for g in note.goals] == ["Faster close"] and note.date == dt.date(2026, 10, 14)


# --------------------------------------------------------------------------- sizes and counts

def test_extracted_text_over_the_limit(ws: Path) -> None:
    # a Word file small on disk whose text is large: the limit is on what is extracted
    big = make_docx(write(ws / "material/big.docx", b""), [("quarterly numbers " * 400, None)] * 20)
    assert big.stat().st_size < 50_000
    write(ws / "material/long.txt", "word " * 5_000)
    write(ws / "material/short.txt", "A short memo.\n")
    data = read_workspace(ws, Limits(max_text_chars=20_000))
    why = reasons(data)
    assert why["material/big.docx"].startswith("extracted text is too long (")
    assert "the limit is 20,000" in why["material/big.docx"]
    assert why["material/long.txt"].startswith("extracted text is too long (25,000 characters")
    assert {s.path for s in data.skipped} == {"material/big.docx", "material/long.txt"}
    assert [m.path for m in data.material] == ["material/short.txt"]
    still_read(data)


def test_file_over_the_size_limit(ws: Path) -> None:
    write(ws / "material/huge.md", "x" * 5_000)
    data = read_workspace(ws, Limits(max_file_bytes=4_096))
    assert "file is too large" in reasons(data)["material/huge.md"]
    still_read(data)


def test_too_many_files(ws: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    for i in range(3):
        write(ws / f"material/m{i}.md", f"# Memo {i}\n")
    files = 5  # stakeholders.yaml, the note and three memos
    monkeypatch.setattr(reader, "MAX_FILES", files)
    data = read_workspace(ws)  # exactly at the limit: nothing is left out, nothing to warn about
    assert not [w for w in data.warnings if "more than" in w.reason] and len(data.material) == 3
    monkeypatch.setattr(reader, "MAX_FILES", files - 2)
    data = read_workspace(ws)
    (warning,) = [w for w in data.warnings if "more than" in w.reason]
    assert warning.path == "material/m2.md"
    assert warning.reason == "more than 3 files: this one and the rest are not read"
    # what comes before the limit is read, as usual (files are taken in folder order)
    assert [m.path for m in data.material] == ["material/m0.md", "material/m1.md"]
    assert [e.id for e in data.organization.executives] == ["cfo"] and data.notes == []


def test_folders_nested_too_deep(ws: Path) -> None:
    deep = ws / "material" / Path(*[f"d{i}" for i in range(30)])
    write(deep / "lost.md", "# Too deep\n")
    write(ws / "material" / Path(*[f"d{i}" for i in range(reader.MAX_DEPTH - 1)]) / "found.md", "# Deep enough\n")
    data = read_workspace(ws)
    (warning,) = [w for w in data.warnings if "nested" in w.reason]
    assert warning.reason == f"folder nested deeper than {reader.MAX_DEPTH} levels: not read"
    assert len(Path(warning.path).parts) == reader.MAX_DEPTH + 1 and warning.path.startswith("material/d0/d1/")
    assert [Path(m.path).name for m in data.material] == ["found.md"]
    still_read(data)


# --------------------------------------------------------------------------- links and special files

needs_symlinks = pytest.mark.skipif(sys.platform == "win32", reason="symbolic links need privileges on Windows")


@needs_symlinks
def test_symlinked_folder_loops_are_not_followed(ws: Path) -> None:
    write(ws / "material/a/memo.md", "# Memo\n")
    os.symlink(ws / "material", ws / "material/a/loop")  # material/a/loop -> material
    os.symlink("..", ws / "material/a/up")  # relative, to its own parent
    os.symlink(ws, ws / "notes/root")  # the workspace itself
    data = read_workspace(ws)
    why = reasons(data)
    for link in ("material/a/loop", "material/a/up", "notes/root"):
        assert why[link] == "symbolic link to a folder not followed"
    assert [m.path for m in data.material] == ["material/a/memo.md"]
    still_read(data)


@needs_symlinks
def test_symlinks_to_files_outside_are_not_followed(ws: Path, tmp_path: Path) -> None:
    secret = write(tmp_path / "outside/secret.md", "# Secret\n\nThe outside secret.\n")
    (ws / "material").mkdir()
    os.symlink(secret, ws / "material/secret.md")
    os.symlink(Path(os.path.relpath(secret, ws / "notes")), ws / "notes/relative.md")
    os.symlink(ws / "material/nowhere.md", ws / "material/broken.md")
    data = read_workspace(ws)
    why = reasons(data)
    assert why["material/secret.md"] == "symbolic link points outside the workspace: not followed"
    assert why["notes/relative.md"] == "symbolic link points outside the workspace: not followed"
    assert why["material/broken.md"] == "broken symbolic link"
    assert all("outside secret" not in d.text for d in [*data.notes, *data.material])
    still_read(data)


@pytest.mark.skipif(not hasattr(os, "mkfifo"), reason="named pipes are POSIX")
def test_a_named_pipe_is_not_read(ws: Path) -> None:
    (ws / "material").mkdir()
    pipe = ws / "material/pipe.md"
    os.mkfifo(pipe)  # reading it would block until someone writes

    def unblock() -> None:  # should the reader ever open it, end the wait: the test fails, not hangs
        with contextlib.suppress(OSError):
            os.close(os.open(pipe, os.O_WRONLY | os.O_NONBLOCK))

    watchdog = threading.Timer(10, unblock)
    watchdog.daemon = True
    watchdog.start()
    try:
        data = read_workspace(ws)
    finally:
        watchdog.cancel()
    assert reasons(data)["material/pipe.md"] == "not a regular file (a pipe, socket or device): not read"
    still_read(data)


# --------------------------------------------------------------------------- encodings

def test_non_utf8_text_is_decoded_with_replacement_and_reported(ws: Path) -> None:
    write(ws / "notes/2026-09-01-cfo.md",
          "---\ndate: 2026-09-01\nexecutive: cfo\n---\n# September\n\n## Goals\n- Caf\xe9 budget \u2013 held\n".encode("cp1252"))
    write(ws / "material/latin1.txt", "R\xe9sum\xe9 of the d\xe9cision\n".encode("latin-1"))
    data = read_workspace(ws)
    why = reasons(data)
    for path in ("notes/2026-09-01-cfo.md", "material/latin1.txt"):
        assert why[path].startswith("not valid UTF-8 (first bad byte at offset ")
        assert "replaced with U+FFFD: save the file as UTF-8" in why[path]
    note = next(n for n in data.notes if n.path == "notes/2026-09-01-cfo.md")
    assert note.date == dt.date(2026, 9, 1) and note.executives == ["cfo"]
    assert [g.text for g in note.goals] == ["Caf\ufffd budget \ufffd held"]
    assert "2 character(s) replaced" in why["notes/2026-09-01-cfo.md"]
    assert next(m for m in data.material if m.path == "material/latin1.txt").text.count("\ufffd") == 3
    still_read(data)


# --------------------------------------------------------------------------- Word bombs

BILLION_LAUGHS = (
    b'<?xml version="1.0"?>\n<!DOCTYPE lolz [\n <!ENTITY lol "lol">\n'
    + b"".join(b' <!ENTITY lol%d "%s">\n' % (i, (b"&lol%d;" % (i - 1) if i > 1 else b"&lol;") * 10)
               for i in range(1, 10))
    + b']>\n<w:comments xmlns:w="http://schemas.openxmlformats.org/wordprocessingml/2006/main">'
    b'<w:comment w:id="0" w:author="x"><w:p><w:r><w:t>&lol9;</w:t></w:r></w:p></w:comment></w:comments>'
)


def _commented(path: Path) -> Path:
    return make_docx_with_comments(path, [("Budget review", "Heading 1"), ("The close took 8 days.", None)],
                                   [(1, "Dana", "Check the figure with AP.")])


@pytest.mark.parametrize("part", ["word/document.xml", "word/comments.xml"])
def test_zip_bomb_refused(ws: Path, part: str) -> None:
    bomb = replace_zip_member(_commented(write(ws / "material/bomb.docx", b"")), part,
                              b"<w:x>" + b"0" * 30_000_000 + b"</w:x>")
    assert bomb.stat().st_size < 200_000
    data = read_workspace(ws)
    assert reasons(data)["material/bomb.docx"].startswith(f"refused: {part} inflates ")
    assert "(a zip bomb?)" in reasons(data)["material/bomb.docx"]
    assert data.material == []
    still_read(data)


@pytest.mark.parametrize("part", ["word/document.xml", "word/comments.xml"])
@pytest.mark.parametrize("prolog", [b"", b"<!--" + b" padding " * 20_000 + b"-->\n"], ids=["plain", "after-a-long-comment"])
def test_billion_laughs_refused(ws: Path, part: str, prolog: bytes) -> None:
    xml = BILLION_LAUGHS.replace(b"<!DOCTYPE", prolog + b"<!DOCTYPE", 1)
    write(ws / "material/ok.docx", _commented(ws / "ok.docx").read_bytes())
    replace_zip_member(_commented(write(ws / "material/laughs.docx", b"")), part, xml)
    data = read_workspace(ws)
    assert reasons(data)["material/laughs.docx"] == f"refused: {part} in the Word file declares XML entities (an XML bomb?)"
    (ok,) = data.material
    assert ok.path == "material/ok.docx" and "Comment by Dana: Check the figure with AP." in ok.text
    still_read(data)


def test_many_comments_count_towards_the_text_limit(ws: Path) -> None:
    make_docx_with_comments(write(ws / "material/chatty.docx", b""), [("Short body.", None)],
                            [(0, "Bot", "spam " * 200)] * 30)
    data = read_workspace(ws, Limits(max_text_chars=5_000))
    assert reasons(data)["material/chatty.docx"].startswith("extracted text is too long (")
    still_read(data)


def test_damaged_comments_part(ws: Path) -> None:
    # python-docx parses a comments part when it opens the file: a broken one refuses the file...
    replace_zip_member(_commented(write(ws / "material/torn.docx", b"")), "word/comments.xml", b"<w:comments")
    # ...unless it is not declared as comments: then the body is read, and the comments reported
    loose = _commented(write(ws / "material/loose.docx", b""))
    with zipfile.ZipFile(loose) as z:
        types = z.read("[Content_Types].xml").replace(b"wordprocessingml.comments+xml", b"unknown+xml")
    replace_zip_member(replace_zip_member(loose, "[Content_Types].xml", types), "word/comments.xml", b"<w:comments")
    data = read_workspace(ws)
    why = reasons(data)
    assert why["material/torn.docx"].startswith("the Word document is damaged (XMLSyntaxError")
    (kept,) = data.material
    assert kept.path == "material/loose.docx" and kept.text == "Budget review\nThe close took 8 days."
    assert why["material/loose.docx"] == "the comments of this Word file are damaged and were not read (XMLSyntaxError)"
    still_read(data)


# --------------------------------------------------------------------------- output names

HOSTILE_NAMES = ["../../etc/passwd", "/abs/path", "CON", "nul.txt", "a/../../b", "", "..", ".", "COM1", "con.",
                 "aux.tar.gz", "lpt9", "C:\\Windows\\system32", "~/x", "a" * 79 + ".b", "x" * 200, "Ω", " ",
                 "..\\..\\boot.ini", "a\x00b", "prn.", "-rf"]
RESERVED = {"con", "prn", "aux", "nul", *(f"com{i}" for i in range(1, 10)), *(f"lpt{i}" for i in range(1, 10))}


@pytest.mark.parametrize("text", HOSTILE_NAMES)
def test_safe_name_stays_in_its_folder(text: str, tmp_path: Path) -> None:
    name = safe_name(text, "executive")
    assert name and name not in (".", "..") and not set(name) & set("/\\:\x00 ")
    assert name[0] not in ".-" and name[-1] not in ".-" and len(name) <= 90
    assert name.lower().split(".")[0] not in RESERVED
    out = tmp_path / "briefings"
    assert (out / f"2026-11-28-{name}.md").resolve().parent == out.resolve()
    assert (out / name).resolve().parent == out.resolve()


CLI_IDS = ["../../etc/passwd", "/abs/path", "CON", "nul.txt", "a/../../b"]


@pytest.fixture(scope="module")
def hostile_ws(corpus: Path, tmp_path_factory: pytest.TempPathFactory) -> Path:
    root = tmp_path_factory.mktemp("names") / "corpus"
    shutil.copytree(corpus, root, ignore=shutil.ignore_patterns(".dxprep", "briefings"))
    extra = "".join(f'\n  - {{id: "{i}", name: "Hostile {n}", role: CFO, business_unit: finance}}'
                    for n, i in enumerate(CLI_IDS))
    stakeholders = root / "stakeholders.yaml"
    stakeholders.write_text(stakeholders.read_text(encoding="utf-8").rstrip() + extra + "\n", encoding="utf-8")
    return root


@pytest.mark.parametrize("exe", CLI_IDS)
def test_brief_output_path_stays_in_briefings(hostile_ws: Path, exe: str) -> None:
    result = CliRunner().invoke(app, ["brief", exe, "-w", str(hostile_ws), "--date", "2026-11-28", "--format", "md"],
                                env={"DXPREP_EMBEDDING": "hash"})
    assert result.exit_code == 0, result.output
    written = Path(result.stdout.strip().splitlines()[-1])
    out = (hostile_ws / "briefings").resolve()
    assert written.resolve().parent == out and written.name == f"2026-11-28-{safe_name(exe, 'executive')}.md"
    assert written.read_text(encoding="utf-8").strip()
    assert not (hostile_ws.parent / "etc").exists() and not Path("/abs/path").exists()


def test_brief_refuses_a_hostile_date(hostile_ws: Path) -> None:
    before = sorted((hostile_ws / "briefings").glob("*")) if (hostile_ws / "briefings").exists() else []
    result = CliRunner().invoke(app, ["brief", "cfo", "-w", str(hostile_ws), "--date", "../../etc/passwd"],
                                env={"DXPREP_EMBEDDING": "hash"})
    assert result.exit_code != 0 and "'../../etc/passwd' is not a date" in result.output
    after = sorted((hostile_ws / "briefings").glob("*")) if (hostile_ws / "briefings").exists() else []
    assert after == before


def test_zip_member_names_do_not_matter(ws: Path) -> None:
    """A Word file whose zip holds a member named ../../evil is read, and nothing is extracted."""
    doc = _commented(write(ws / "material/names.docx", b""))
    with zipfile.ZipFile(doc, "a") as z:
        z.writestr("../../evil.txt", b"x")
    data = read_workspace(ws)
    assert [m.path for m in data.material] == ["material/names.docx"]
    assert not (ws.parent / "evil.txt").exists() and not (ws / "evil.txt").exists()
    still_read(data)


def test_stakeholders_link_outside_and_oversized_file_are_refused(tmp_path: Path) -> None:
    from dxprep.errors import StakeholdersError
    from dxprep.workspace import stakeholders

    outside = tmp_path / "outside.yaml"
    outside.write_text("organization: Elsewhere\nexecutives: []\n", encoding="utf-8")
    ws = tmp_path / "ws"
    (ws / "notes").mkdir(parents=True)
    (ws / "stakeholders.yaml").symlink_to(outside)
    with pytest.raises(StakeholdersError, match="outside the workspace: not followed"):
        read_workspace(ws)
    (ws / "stakeholders.yaml").unlink()
    (ws / "stakeholders.yaml").write_text("organization: Big\n# " + "x" * (stakeholders.MAX_STAKEHOLDERS_BYTES + 10),
                                          encoding="utf-8")
    with pytest.raises(StakeholdersError, match="too large"):
        read_workspace(ws)
    (ws / "stakeholders.yaml").write_text("organization: Fine\nexecutives: []\n", encoding="utf-8")
    assert read_workspace(ws).organization.name == "Fine"
