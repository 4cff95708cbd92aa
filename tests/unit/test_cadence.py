"""Cadence and coverage: last met, overdue, never met, never engaged, who is next, the chart."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import pytest

from dxprep.dialogue.cadence import cadence
from dxprep.dialogue.chart import cadence_chart
from dxprep.workspace.models import LoadedWorkspace
from dxprep.workspace.reader import read_workspace

STAKEHOLDERS = """organization: Example Corp
it_leader: {name: Sam Rivera, title: CIO}
business_units:
  - {id: finance, name: Finance}
  - {id: ops, name: Operations}
  - {id: sales, name: Sales}
  - {id: hr, name: People}
  - {id: legal, name: Legal}
executives:
  - {id: cfo, name: Dana Ortiz, business_unit: finance}
  - {id: coo, name: Lee Chen, business_unit: ops, cadence_days: 45}
  - {id: cmo, name: Kim Park, business_unit: sales}
  - {id: chro, name: Ann Lee, business_unit: hr, cadence_days: 60}
  - {id: clo, name: Bo Ruiz, business_unit: legal}
"""

NOTES = {
    # cfo: met on 2026-10-30, exactly 30 days before the as-of date: due, not overdue
    "cfo-1.md": "---\ndate: 2026-09-01\nexecutive: cfo\n---\n# A\n",
    "cfo-2.md": "---\ndate: 2026-10-30\nexecutive: cfo\n---\n# B\n",
    # coo and cmo in a joint meeting whose unit is named: it engages ops only
    "joint.md": ("---\ndate: 2026-10-01\nexecutives: [coo, cmo]\nbusiness_unit: ops\n---\n# Joint\n\n"
                 "## Action items\n- [ ] Sales (Kim): send the promotion calendar, due 2026-11-20\n"
                 "- [ ] IT: dashboard for the sales pipeline, due 2026-12-15\n"),
    # chro: a confidential meeting still counts in the IT leader's view
    "chro.md": "---\ndate: 2026-11-20\nexecutive: chro\nconfidential: true\n---\n# C\n",
    # after the as-of date: does not count
    "clo-future.md": "---\ndate: 2026-12-10\nexecutive: clo\n---\n# D\n",
    "undated.md": "---\nexecutive: clo\n---\n# E\n",
}
AS_OF = dt.date(2026, 11, 29)


@pytest.fixture
def ws(tmp_path: Path) -> LoadedWorkspace:
    (tmp_path / "stakeholders.yaml").write_text(STAKEHOLDERS, encoding="utf-8")
    for name, text in NOTES.items():
        path = tmp_path / "notes" / name
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(text, encoding="utf-8")
    return read_workspace(tmp_path)


def test_rows(ws: LoadedWorkspace) -> None:
    report = cadence(ws, AS_OF)
    rows = {r.id: r for r in report.executives}
    assert [r.id for r in report.executives] == ["cfo", "coo", "cmo", "chro", "clo"]
    cfo = rows["cfo"]
    assert (cfo.last_met, cfo.meetings, cfo.days_since, cfo.cadence_days, cfo.overdue) == (
        dt.date(2026, 10, 30), 2, 30, 30, False)
    assert cfo.next_due == dt.date(2026, 11, 29) and cfo.days_past_cadence == 0
    coo, cmo = rows["coo"], rows["cmo"]
    assert (coo.last_met, coo.days_since, coo.overdue, coo.days_past_cadence) == (dt.date(2026, 10, 1), 59, True, 14)
    assert (cmo.last_met, cmo.days_since, cmo.overdue, cmo.days_past_cadence) == (dt.date(2026, 10, 1), 59, True, 29)
    assert coo.joint_dates == [dt.date(2026, 10, 1)] and cfo.joint_dates == []
    assert (cmo.open_commitments, cmo.overdue_commitments, cmo.next_commitment_due) == (2, 1, dt.date(2026, 11, 20))
    assert (rows["chro"].meetings, rows["chro"].overdue) == (1, False)
    clo = rows["clo"]
    assert (clo.last_met, clo.meetings, clo.days_since, clo.overdue) == (None, 0, None, True)  # never met
    assert [w.path for w in report.warnings] == ["notes/undated.md"]


def test_never_met_and_never_engaged(ws: LoadedWorkspace) -> None:
    report = cadence(ws, AS_OF)
    assert report.never_met == ["clo"]
    # sales: the cmo was met, but only in a meeting that named ops as its unit
    assert report.business_units_never_engaged == ["sales", "legal"]
    later = cadence(ws, dt.date(2026, 12, 10))
    assert later.never_met == [] and later.business_units_never_engaged == ["sales"]


def test_unit_falls_back_to_the_executives_units(tmp_path: Path) -> None:
    (tmp_path / "stakeholders.yaml").write_text(STAKEHOLDERS, encoding="utf-8")
    (tmp_path / "notes").mkdir()
    (tmp_path / "notes/j.md").write_text("---\ndate: 2026-10-01\nexecutives: [coo, cmo]\n---\n# J\n")
    report = cadence(read_workspace(tmp_path), AS_OF)
    assert report.business_units_never_engaged == ["finance", "hr", "legal"]


def test_who_to_talk_to_next(ws: LoadedWorkspace) -> None:
    report = cadence(ws, AS_OF)
    # overdue first (never met ranks as the most overdue), then most days past cadence
    assert report.next == ["clo", "cmo", "coo", "cfo", "chro"]


def test_ties_are_broken_by_the_open_commitment_due_soonest(tmp_path: Path) -> None:
    (tmp_path / "stakeholders.yaml").write_text(STAKEHOLDERS, encoding="utf-8")
    (tmp_path / "notes").mkdir()
    for exe, due in (("cfo", "2026-12-20"), ("cmo", "2026-12-05"), ("chro", None)):
        item = f"- [ ] IT: follow-up for {exe}" + (f", due {due}" if due else "")
        (tmp_path / f"notes/{exe}.md").write_text(
            f"---\ndate: 2026-11-01\nexecutive: {exe}\n---\n# M\n\n## Action items\n{item}\n")
    report = cadence(read_workspace(tmp_path), dt.date(2026, 11, 21))
    # coo and clo never met; cfo and cmo are both 20 days in, 10 days short of their cadence
    assert report.next[:2] == ["clo", "coo"]
    assert report.next[2:] == ["cmo", "cfo", "chro"]


def test_confidential_meetings_for_another_audience(ws: LoadedWorkspace) -> None:
    rows = {r.id: r for r in cadence(ws, AS_OF, audience="cfo").executives}
    assert rows["chro"].meetings == 0


def test_chart_is_a_png(ws: LoadedWorkspace, tmp_path: Path) -> None:
    report = cadence(ws, AS_OF)
    path = cadence_chart(report, tmp_path / "out" / "cadence.png", unit_names={"sales": "Sales", "legal": "Legal"},
                         organization="Example Corp")
    data = path.read_bytes()
    assert data[:8] == b"\x89PNG\r\n\x1a\n" and len(data) > 20_000
    width, height = int.from_bytes(data[16:20], "big"), int.from_bytes(data[20:24], "big")
    assert width == 2000 and height > 600  # 13.33 in at 150 dpi: a 16:9 slide's width


def test_chart_with_nobody_met(tmp_path: Path) -> None:
    (tmp_path / "stakeholders.yaml").write_text(STAKEHOLDERS, encoding="utf-8")
    report = cadence(read_workspace(tmp_path), AS_OF)
    assert report.never_met == ["cfo", "coo", "cmo", "chro", "clo"]
    path = cadence_chart(report, tmp_path / "empty.png")
    assert path.read_bytes()[:4] == b"\x89PNG"
