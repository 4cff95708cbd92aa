"""``dxprep history``, ``dxprep cadence`` and ``dxprep notes new`` through typer's CliRunner."""

from __future__ import annotations

import datetime as dt
import json
from pathlib import Path

import pytest
import typer
from typer.testing import CliRunner, Result

from dxprep.cli import dialogue_cmd
from dxprep.cli.dialogue_cmd import register

runner = CliRunner()


def make_app() -> typer.Typer:
    app = typer.Typer()

    @app.callback()
    def _root() -> None:
        """Test app."""

    register(app)
    return app


APP = make_app()


def invoke(*args: str) -> Result:
    return runner.invoke(APP, list(args))


STAKEHOLDERS = """organization: Example Corp
it_leader: {name: Sam Rivera, title: CIO}
business_units:
  - {id: finance, name: Finance}
  - {id: ops, name: Operations}
executives:
  - {id: cfo, name: Dana Ortiz, role: CFO, business_unit: finance, aliases: [Dana]}
  - {id: coo, name: Lee Chen, role: COO, business_unit: ops, cadence_days: 45}
"""


@pytest.fixture
def ws(tmp_path: Path) -> Path:
    (tmp_path / "stakeholders.yaml").write_text(STAKEHOLDERS, encoding="utf-8")
    (tmp_path / "notes").mkdir()
    (tmp_path / "notes/2026-10-14-cfo.md").write_text(
        "---\ndate: 2026-10-14\nexecutive: cfo\n---\n# Monthly IT–Finance dialogue\n\n## Goals\n- Faster close\n\n"
        "## Action items\n- [ ] IT (Sam): cost model for the ERP upgrade, due 2026-11-15\n"
        "- [ ] Finance (Dana): name a data owner for vendor master data\n"
        "- [x] IT (Sam): send the audit findings\n", encoding="utf-8")
    (tmp_path / "notes/2026-11-02-secret.md").write_text(
        "---\ndate: 2026-11-02\nexecutive: cfo\nconfidential: true\n---\n# Secret\n\n"
        "## Action items\n- [ ] IT (Sam): estimate for Project Larkspur, due 2026-12-20\n", encoding="utf-8")
    return tmp_path


@pytest.fixture(autouse=True)
def _today(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(dialogue_cmd, "today", lambda: dt.date(2026, 11, 28))


def test_every_command_has_an_example_and_the_common_options() -> None:
    for cmd in (["history"], ["cadence"], ["notes", "new"]):
        result = invoke(*cmd, "--help")
        assert result.exit_code == 0, result.output
        assert "Example: dxprep" in result.output, cmd
        assert "--workspace" in result.output and "--format" in result.output, cmd


def test_history_json(ws: Path) -> None:
    result = invoke("history", "Dana", "-w", str(ws), "--as-of", "28 Nov 2026", "--format", "json")
    assert result.exit_code == 0, result.output
    data = json.loads(result.stdout)
    assert {"executive", "as_of", "meetings", "goals", "concerns", "decisions", "commitments"} <= set(data)
    assert (data["executive"], data["as_of"]) == ("cfo", "2026-11-28")
    assert [m["date"] for m in data["meetings"]] == ["2026-10-14", "2026-11-02"]
    assert data["goals"][0]["text"] == "Faster close"
    erp = data["commitments"][0]
    assert {"id", "text", "owner", "side", "due", "status", "overdue", "opened_in", "closed_in"} <= set(erp)
    assert (erp["text"], erp["owner"], erp["side"], erp["due"], erp["status"], erp["overdue"]) == (
        "cost model for the ERP upgrade", "IT", "IT", "2026-11-15", "open", True)
    assert erp["opened_in"]["path"] == "notes/2026-10-14-cfo.md" and erp["opened_in"]["line"] == 11
    assert erp["closed_in"] is None
    sent = data["commitments"][2]
    assert (sent["status"], sent["closed_in"]["path"]) == ("done", "notes/2026-10-14-cfo.md")


def test_history_default_as_of_is_today(ws: Path) -> None:
    data = json.loads(invoke("history", "cfo", "-w", str(ws), "-f", "json").stdout)
    assert data["as_of"] == "2026-11-28"


def test_history_audience_hides_confidential_notes(ws: Path) -> None:
    result = invoke("history", "cfo", "-w", str(ws), "--audience", "coo", "-f", "json")
    assert result.exit_code == 0, result.output
    assert "Larkspur" not in result.stdout and json.loads(result.stdout)["audience"] == "coo"
    assert "Larkspur" in invoke("history", "cfo", "-w", str(ws), "-a", "cfo", "-f", "json").stdout


def test_history_table(ws: Path) -> None:
    result = runner.invoke(APP, ["history", "cfo", "-w", str(ws)], env={"COLUMNS": "200"})
    assert result.exit_code == 0, result.output
    out = result.stdout
    assert "Dana Ortiz" in out and "Commitments" in out and "cost model for the ERP upgrade" in out
    assert "overdue" in out and "notes/2026-10-14-cfo.md:11" in out


def test_bad_date_and_unknown_executive_exit_2(ws: Path) -> None:
    result = invoke("history", "cfo", "-w", str(ws), "--as-of", "someday")
    assert result.exit_code == 2 and "is not a date" in result.stderr and "hint:" in result.stderr
    result = invoke("history", "nobody", "-w", str(ws))
    assert result.exit_code == 2 and "unknown executive 'nobody'" in result.stderr and "cfo (Dana Ortiz)" in result.stderr
    assert invoke("cadence", "-w", str(ws / "missing")).exit_code == 2


def test_cadence_json_and_chart(ws: Path, tmp_path: Path) -> None:
    chart = tmp_path / "charts" / "cadence.png"
    result = invoke("cadence", "-w", str(ws), "--as-of", "2026-11-28", "--format", "json", "--chart", str(chart))
    assert result.exit_code == 0, result.output
    data = json.loads(result.stdout)
    assert {"as_of", "executives", "never_met", "business_units_never_engaged", "next"} <= set(data)
    cfo = data["executives"][0]
    assert {k: cfo[k] for k in ("id", "name", "last_met", "meetings", "days_since", "cadence_days", "overdue")} == {
        "id": "cfo", "name": "Dana Ortiz", "last_met": "2026-11-02", "meetings": 2, "days_since": 26,
        "cadence_days": 30, "overdue": False}
    assert data["never_met"] == ["coo"] and data["business_units_never_engaged"] == ["ops"]
    assert data["next"] == ["coo", "cfo"]
    assert chart.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
    assert "chart written" in result.stderr


def test_cadence_table(ws: Path) -> None:
    result = runner.invoke(APP, ["cadence", "-w", str(ws)], env={"COLUMNS": "200"})
    assert result.exit_code == 0, result.output
    assert "Never met: coo" in result.stdout and "Operations (ops)" in result.stdout
    assert "Talk to next: coo, cfo" in result.stdout


def test_cadence_chart_must_be_png(ws: Path, tmp_path: Path) -> None:
    result = invoke("cadence", "-w", str(ws), "--chart", str(tmp_path / "c.jpg"))
    assert result.exit_code == 2 and ".png" in result.stderr
    assert not (tmp_path / "c.jpg").exists()


def test_notes_new_then_tick_then_history_shows_done(ws: Path) -> None:
    result = invoke("notes", "new", "cfo", "-w", str(ws), "--date", "2026-12-01", "-f", "json")
    assert result.exit_code == 0, result.output
    written = json.loads(result.stdout)
    assert written["path"] == "notes/2026-12-01-cfo.md" and written["confidential"] is True
    note = ws / written["path"]
    text = note.read_text(encoding="utf-8")
    assert text.startswith("---\ndate: 2026-12-01\nexecutive: cfo\nbusiness_unit: finance\ntype: one-on-one\n")
    for heading in ("## Goals", "## Concerns", "## Decisions", "## Action items", "## Notes"):
        assert heading in text
    before = json.loads(invoke("history", "cfo", "-w", str(ws), "--as-of", "2026-12-01", "-f", "json").stdout)
    open_ids = [c["id"] for c in before["commitments"] if c["status"] == "open"]
    assert sorted(written["commitments"]) == sorted(open_ids) and len(open_ids) == 3  # ERP, data owner, Larkspur
    listed = [ln for ln in text.splitlines() if ln.startswith("- [ ]")]
    assert [ln.split("{#")[1].rstrip("}") for ln in listed] == written["commitments"]
    assert "due 2026-11-15" in listed[0] and "due 2026-12-20" in listed[1] and "due" not in listed[2]
    erp = before["commitments"][0]
    line = f"- [ ] IT (Sam): cost model for the ERP upgrade, due 2026-11-15 {{#{erp['id']}}}"
    assert line in text.splitlines()
    assert "send the audit findings" not in text  # done items are not carried forward

    note.write_text(text.replace(line, line.replace("- [ ]", "- [x]", 1)), encoding="utf-8")
    after = json.loads(invoke("history", "cfo", "-w", str(ws), "--as-of", "2026-12-01", "-f", "json").stdout)
    assert after["warnings"] == []
    done = {c["id"]: c for c in after["commitments"]}
    assert done[erp["id"]]["status"] == "done" and done[erp["id"]]["closing"] == "id"
    assert done[erp["id"]]["closed_in"]["path"] == "notes/2026-12-01-cfo.md"
    assert done[erp["id"]]["text"] == "cost model for the ERP upgrade"
    still_open = [c["id"] for c in after["commitments"] if c["status"] == "open"]
    assert still_open == open_ids[1:]  # the others are restated, still open, same ids
    assert len(after["commitments"]) == len(before["commitments"])


def test_notes_new_without_confidential_items_is_not_confidential(ws: Path) -> None:
    (ws / "notes/2026-11-02-secret.md").unlink()
    result = invoke("notes", "new", "Dana", "-w", str(ws), "--date", "1 December 2026")
    assert result.exit_code == 0, result.output
    assert "2 open commitment(s)" in result.stdout
    assert "confidential: false\n" in (ws / "notes/2026-12-01-cfo.md").read_text(encoding="utf-8")


def test_notes_new_for_someone_never_met_and_default_date(ws: Path) -> None:
    result = invoke("notes", "new", "coo", "-w", str(ws))
    assert result.exit_code == 0, result.output
    text = (ws / "notes/2026-11-28-coo.md").read_text(encoding="utf-8")
    assert "## Action items\n\n## Notes\n" in text and "confidential: false" in text


def test_notes_new_refuses_to_overwrite(ws: Path) -> None:
    target = ws / "notes/2026-12-01-cfo.md"
    target.write_text("my own notes\n", encoding="utf-8")
    result = invoke("notes", "new", "cfo", "-w", str(ws), "--date", "2026-12-01")
    assert result.exit_code == 2
    assert "already exists" in result.stderr and "Traceback" not in result.output
    assert target.read_text(encoding="utf-8") == "my own notes\n"
    assert sorted(p.name for p in (ws / "notes").iterdir()) == [
        "2026-10-14-cfo.md", "2026-11-02-secret.md", "2026-12-01-cfo.md"]  # no temp file left


def test_notes_new_bad_date(ws: Path) -> None:
    result = invoke("notes", "new", "cfo", "-w", str(ws), "--date", "2026-02-30")
    assert result.exit_code == 2 and "--date '2026-02-30' is not a date" in result.stderr
