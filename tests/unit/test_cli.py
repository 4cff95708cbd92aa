"""The command line: thin commands, clean errors, exit codes, JSON for scripts."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest
from typer.testing import CliRunner

from dxprep.cli import app
from dxprep.errors import WorkspaceError

runner = CliRunner()


def invoke(*args: str, env: dict[str, str] | None = None):  # type: ignore[no-untyped-def]
    return runner.invoke(app, list(args), env=env)


@pytest.fixture
def ws(tmp_path: Path) -> Path:
    (tmp_path / "notes").mkdir()
    (tmp_path / "stakeholders.yaml").write_text(
        "organization: Example Corp\nexecutives:\n  - {id: cfo, name: Dana Ortiz, role: CFO, aliases: [Dana]}\n"
        "  - {id: coo, name: Lee Chen, role: COO}\n")
    (tmp_path / "notes/a.md").write_text(
        "---\ndate: 2026-10-14\nexecutive: cfo\n---\n# A\n\n## Goals\n- Faster close\n\n"
        "## Action items\n- [ ] IT (Sam): ERP cost model, due 2026-11-15\n")
    (tmp_path / "notes/b.docx").write_bytes(b"not a zip")
    return tmp_path


def test_help_lists_commands() -> None:
    result = invoke("--help")
    assert result.exit_code == 0
    for cmd in ("workspace", "ingest", "search"):
        assert cmd in result.output


def test_every_command_has_an_example_in_its_help() -> None:
    for cmd in (["workspace", "check"], ["ingest"], ["search"]):
        result = invoke(*cmd, "--help")
        assert result.exit_code == 0 and "Example: dxprep" in result.output, cmd
        assert "--workspace" in result.output


def test_workspace_check_json(ws: Path) -> None:
    result = invoke("workspace", "check", "-w", str(ws), "--format", "json")
    assert result.exit_code == 0, result.output
    data = json.loads(result.stdout)
    assert data["counts"]["notes"] == 1 and data["counts"]["executives"] == 2
    assert data["counts"]["action_items"] == 1
    assert [s["path"] for s in data["skipped"]] == ["notes/b.docx"]


def test_workspace_check_table_and_env_default(ws: Path) -> None:
    result = invoke("workspace", "check", env={"DXPREP_WORKSPACE": str(ws)})
    assert result.exit_code == 0
    assert "Example Corp" in result.stdout and "warning: notes/b.docx" in result.stderr


def test_not_a_workspace_exits_2(tmp_path: Path) -> None:
    result = invoke("workspace", "check", "-w", str(tmp_path / "nope"))
    assert result.exit_code == 2
    assert result.stderr.startswith("error: workspace") and "hint:" in result.stderr
    assert "Traceback" not in result.output


def test_malformed_stakeholders_exit_2_with_file_and_line(ws: Path) -> None:
    (ws / "stakeholders.yaml").write_text("executives:\n  - id: cfo\n    name: [unclosed\n")
    result = invoke("workspace", "check", "-w", str(ws))
    assert result.exit_code == 2 and "stakeholders.yaml:" in result.stderr


def test_debug_reraises(tmp_path: Path) -> None:
    result = invoke("workspace", "check", "-w", str(tmp_path / "nope"), env={"DXPREP_DEBUG": "1"})
    assert result.exit_code != 0 and isinstance(result.exception, WorkspaceError)


def test_ingest_and_search_json(ws: Path) -> None:
    env = {"DXPREP_EMBEDDING": "hash"}
    result = invoke("ingest", "-w", str(ws), "--format", "json", env=env)
    assert result.exit_code == 0, result.output
    stats = json.loads(result.stdout)
    assert set(stats) == {"files", "chunks", "embedded", "unchanged", "removed", "skipped"}
    assert stats["files"] == 1 and stats["skipped"][0]["path"] == "notes/b.docx"
    result = invoke("search", "ERP cost model", "-w", str(ws), "-e", "Dana", "--format", "json", env=env)
    assert result.exit_code == 0, result.output
    data = json.loads(result.stdout)
    assert data["query"] == "ERP cost model"
    top = data["results"][0]
    assert set(top) == {"rank", "score", "source", "start", "end", "text", "metadata"}
    text = (ws / top["source"]).read_text()
    assert text[top["start"] : top["end"]] == top["text"]


def test_search_unknown_executive_lists_known(ws: Path) -> None:
    env = {"DXPREP_EMBEDDING": "hash"}
    invoke("ingest", "-w", str(ws), env=env)
    result = invoke("search", "x", "-w", str(ws), "-e", "Lee Chan", env=env)
    assert result.exit_code == 2
    assert "known executives: cfo (Dana Ortiz), coo (Lee Chen)" in result.stderr and "did you mean 'coo'" in result.stderr


def test_search_before_ingest_says_what_to_do(ws: Path) -> None:
    result = invoke("search", "x", "-w", str(ws), env={"DXPREP_EMBEDDING": "hash"})
    assert result.exit_code == 1 and "dxprep ingest" in result.stderr


def test_search_queries_file(ws: Path, tmp_path: Path) -> None:
    env = {"DXPREP_EMBEDDING": "hash"}
    invoke("ingest", "-w", str(ws), env=env)
    qfile = tmp_path / "q.txt"
    qfile.write_text("ERP cost model\n\nfaster close\n")
    result = invoke("search", "-w", str(ws), "--queries", str(qfile), "-k", "2", env=env)
    assert result.exit_code == 0, result.output
    lines = [json.loads(line) for line in result.stdout.splitlines()]
    assert [d["query"] for d in lines] == ["ERP cost model", "faster close"]


def test_help_imports_no_heavy_library() -> None:
    code = ("import sys; from dxprep.cli import app; import dxprep; "
            "heavy = [m for m in ('torch', 'chromadb', 'langchain_core', 'docx', 'sentence_transformers', "
            "'pypdf', 'bm25s', 'openai', 'matplotlib') if m in sys.modules]; print(','.join(heavy))")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, env=os.environ.copy())
    assert out.returncode == 0 and out.stdout.strip() == "", out.stdout + out.stderr
