"""Nothing of the user's is lost: ingest, brief and search change no file outside
``.dxprep/`` but the briefing asked for, and a briefing is never written over (or into) the
workspace's notes, material, stakeholders.yaml or index.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import faultkit
import pytest
from typer.testing import CliRunner

ENV = {"DXPREP_EMBEDDING": "hash"}


def _cli(*args: str) -> Any:
    from dxprep.cli import app

    return CliRunner().invoke(app, list(args), env=ENV)


@pytest.fixture(scope="module")
def ws(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return faultkit.copy_corpus(tmp_path_factory.mktemp("lost") / "ws")


def test_ingest_brief_search_touch_nothing_but_the_output(ws: Path, tmp_path: Path) -> None:
    before = faultkit.tree_digest(ws)
    modes = {p.relative_to(ws).as_posix(): p.stat().st_mode for p in ws.rglob("*") if p.is_file()}
    for args in (["ingest", "-w", str(ws)],
                 ["search", "ERP cost model", "-w", str(ws)],
                 ["brief", "cfo", "-w", str(ws), "--date", "2026-11-28", "--engine", "offline"],
                 ["brief", "coo", "-w", str(ws), "--date", "2026-11-28", "--format", "md", "-o",
                  str(tmp_path / "coo.md")],
                 ["ingest", "-w", str(ws), "--rebuild"]):
        result = _cli(*args)
        assert result.exit_code == 0, (args, result.output)
    after = faultkit.tree_digest(ws)
    assert {k: v for k, v in after.items() if k != "briefings/2026-11-28-cfo.docx"} == before
    assert set(after) - set(before) == {"briefings/2026-11-28-cfo.docx"}
    assert {p.relative_to(ws).as_posix(): p.stat().st_mode for p in ws.rglob("*")
            if p.is_file() and p.relative_to(ws).parts[0] not in (".dxprep", "briefings")} == modes
    assert (tmp_path / "coo.md").is_file()


NOTE = "notes/2026/11/cmo-2026-11-19.txt"


@pytest.mark.parametrize(("target", "fmt"), [
    (NOTE, "md"),                                        # an existing note
    ("notes/2026/11/cmo-2026-11-19.docx", "docx"),       # a new file among the notes: it would be ingested
    ("material/budget/fy2027-it-budget-proposal.md", "md"),
    ("material/new-briefing.json", "json"),
    ("stakeholders.yaml", "json"),
    (".dxprep/index.sqlite", "docx"),
])
def test_brief_output_onto_workspace_sources_is_refused(ws: Path, target: str, fmt: str) -> None:
    _cli("ingest", "-w", str(ws))
    before = faultkit.tree_digest(ws, skip=())
    for spelled in (str(ws / target), str(ws / "notes" / ".." / target)):
        result = _cli("brief", "cmo", "-w", str(ws), "--date", "2026-11-28", "--engine", "offline",
                      "--format", fmt, "-o", spelled)
        assert result.exit_code == 2, result.output
        err = result.stderr
        assert err.startswith("error: ") and "hint:" in err and "Traceback" not in err, err
    assert faultkit.tree_digest(ws, skip=()) == before  # byte-identical, and no new or temporary file


def test_brief_over_its_own_previous_output_is_allowed(ws: Path) -> None:
    """Writing the same briefing again (the default path) replaces the previous briefing."""
    for _ in range(2):
        result = _cli("brief", "cfo", "-w", str(ws), "--date", "2026-11-28", "--engine", "offline")
        assert result.exit_code == 0, result.output
    assert sorted(p.name for p in (ws / "briefings").iterdir()) == ["2026-11-28-cfo.docx"]
