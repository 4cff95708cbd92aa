"""History and cadence on the sample workspace (corpus/), pinned against its answer key.

The key (tests/fixtures/corpus_expected.json) states every commitment thread as of
2026-11-28; the facts pinned by hand below (before a closing note) were read from the
corpus files themselves.
"""

from __future__ import annotations

import datetime as dt
from pathlib import Path
from typing import Any

import pytest

from dxprep.dialogue.cadence import cadence
from dxprep.dialogue.commitments import STRONG, match_score
from dxprep.dialogue.history import history
from dxprep.dialogue.models import Commitment, History
from dxprep.workspace.models import LoadedWorkspace
from dxprep.workspace.reader import read_workspace

KEY_DATE = dt.date(2026, 11, 28)
EXECUTIVES = ["ceo", "cfo", "coo", "chro", "cmo", "vp-quality", "svp-supply", "pres-foodservice"]


@pytest.fixture(scope="module")
def data(corpus: Path) -> LoadedWorkspace:
    return read_workspace(corpus)


def thread_of(c: Commitment) -> dict[str, Any]:
    """A commitment in the answer key's terms."""
    return {
        "text_as_last_stated": c.text,
        "owner_side": c.side,
        "opened_in": c.opened_in.path,
        "closed_in": c.closed_in.path if c.closed_in else None,
        "closing": c.closing or "open",
        "due_final": c.due.isoformat() if c.due else None,
        "status_as_of_2026_11_28": c.status,
        "overdue_as_of_2026_11_28": c.overdue,
        "executives": sorted(c.executives),
    }


def find(h: History, text: str) -> Commitment:
    (c,) = [c for c in h.commitments if c.text == text]
    return c


@pytest.mark.parametrize("exe", EXECUTIVES)
def test_commitments_as_of_the_key_date(data: LoadedWorkspace, expected: dict[str, Any], exe: str) -> None:
    h = history(data, exe, KEY_DATE)
    want = [dict(t, executives=sorted(t["executives"])) for t in expected["commitment_threads"] if exe in t["executives"]]
    got = [thread_of(c) for c in h.commitments]
    key = "opened_in", "text_as_last_stated"
    assert sorted(got, key=lambda t: [t[k] for k in key]) == sorted(want, key=lambda t: [t[k] for k in key])
    assert h.warnings == []


@pytest.mark.parametrize("exe", EXECUTIVES)
def test_meetings_and_stated_items_as_of_the_key_date(data: LoadedWorkspace, expected: dict[str, Any], exe: str) -> None:
    h = history(data, exe, KEY_DATE)
    notes = [n for n in expected["notes"] if exe in n["executives"]]
    assert [(m.path, m.date.isoformat(), m.type, m.joint) for m in h.meetings] == [
        (n["path"], n["date"], n["type"], len(n["executives"]) > 1) for n in sorted(notes, key=lambda n: (n["date"], n["path"]))]
    assert len(h.meetings) == expected["meetings_count"][exe]
    texts = {n.path: n.text for n in data.notes}
    for kind in ("goals", "concerns", "decisions"):
        stated = sorted(texts[s.path][s.start:s.end] for item in getattr(h, kind) for s in item.sources)
        assert stated == sorted(t for n in notes for t in n[kind]), kind


def test_cadence_as_of_the_key_date(data: LoadedWorkspace, expected: dict[str, Any]) -> None:
    report = cadence(data, KEY_DATE)
    rows = {r.id: r for r in report.executives}
    assert list(rows) == [e["id"] for e in expected["executives"]]
    for exe in EXECUTIVES:
        row = rows[exe]
        last = expected["last_met_as_of_2026_11_28"][exe]
        assert (row.last_met.isoformat() if row.last_met else None) == last, exe
        assert row.meetings == expected["meetings_count"][exe], exe
        assert row.days_since == expected["days_since_last_met_as_of_2026_11_28"][exe], exe
        assert row.cadence_days == next(e["cadence_days"] for e in expected["executives"] if e["id"] == exe)
    assert report.never_met == expected["never_met_executives"]
    assert report.business_units_never_engaged == expected["never_engaged_units"]
    # the key lists the executives met but overdue; never met counts as overdue too
    overdue = {r.id for r in report.executives if r.overdue}
    assert overdue == set(expected["cadence_overdue_as_of_2026_11_28"]) | set(expected["never_met_executives"])
    assert report.next == ["pres-foodservice", "chro", "cfo", "vp-quality", "coo", "svp-supply", "ceo", "cmo"]
    assert report.warnings == []


def test_cadence_earlier_follows_the_notes(data: LoadedWorkspace, expected: dict[str, Any]) -> None:
    as_of = dt.date(2026, 9, 30)
    report = cadence(data, as_of)
    notes = [n for n in expected["notes"] if n["date"] <= as_of.isoformat()]
    for row in report.executives:
        dates = sorted(n["date"] for n in notes if row.id in n["executives"])
        assert row.meetings == len(dates), row.id
        assert (row.last_met.isoformat() if row.last_met else None) == (dates[-1] if dates else None), row.id
    units = {e["id"]: e["business_unit"] for e in expected["executives"]}
    engaged = {n["business_unit"] or units[x] for n in notes for x in n["executives"]}
    assert report.business_units_never_engaged == [u for u in expected["business_units"] if u not in engaged]
    assert report.never_met == ["pres-foodservice"]
    rows = {r.id: r for r in report.executives}
    assert (rows["chro"].days_since, rows["chro"].overdue) == (42, False)  # cadence 60
    assert (rows["cfo"].days_since, rows["cfo"].overdue) == (13, False)  # the joint meeting of 17 Sep counts


def test_cfo_before_and_after_the_july_note(data: LoadedWorkspace) -> None:
    before = history(data, "cfo", dt.date(2026, 7, 14))
    assert [(c.text, c.status, c.overdue, c.due) for c in before.commitments] == [
        ("cost model for the ERP upgrade", "open", False, dt.date(2026, 7, 31)),
        ("name a data owner for vendor master data", "open", False, None),
        ("list the unsupported finance applications with a retirement date for each", "open", True, dt.date(2026, 6, 30)),
    ]
    after = history(data, "cfo", dt.date(2026, 7, 15))
    closings = {c.text: (c.status, c.closing, c.closed_in.path if c.closed_in else None) for c in after.commitments}
    july = "notes/2026/07/cfo-july.txt"
    assert closings == {
        "cost model for the ERP upgrade": ("done", "same-text", july),
        "name a data owner for vendor master data": ("done", "same-text", july),
        "list unsupported finance applications with a retirement date for each": ("done", "reworded", july),
        "scope invoice automation for Accounts Payable": ("open", None, None),
        "provide three months of AP invoice samples for the automation vendors": ("open", None, None),
    }
    assert find(after, "scope invoice automation for Accounts Payable").id == "ai-12"
    october = history(data, "cfo", dt.date(2026, 10, 14))
    ai12 = find(october, "AP invoice automation scope signed off by Lena")
    assert (ai12.id, ai12.status, ai12.closing, ai12.due) == ("ai-12", "done", "id", dt.date(2026, 9, 30))


def test_coo_before_and_after_the_id_closing(data: LoadedWorkspace) -> None:
    before = history(data, "coo", dt.date(2026, 9, 2))
    seg = find(before, "OT network segmentation assessment for all three plants")
    assert (seg.id, seg.status, seg.overdue, seg.due) == ("ai-07", "open", True, dt.date(2026, 8, 31))
    after = history(data, "coo", dt.date(2026, 9, 3))
    seg = find(after, "segmentation assessment delivered, findings logged in the OT risk register")
    assert (seg.id, seg.status, seg.overdue, seg.due, seg.closing) == ("ai-07", "done", False, dt.date(2026, 8, 31), "id")
    assert seg.closed_in is not None and (seg.closed_in.path, seg.closed_in.line) == ("notes/2026/09/2026-09-03 coo.docx", 14)


def test_ceo_roadmap_reworded_and_due_restated_in_the_closing_note(data: LoadedWorkspace) -> None:
    before = history(data, "ceo", dt.date(2026, 9, 9))
    roadmap = find(before, "present the three-year DX roadmap to the board")
    assert (roadmap.status, roadmap.due, roadmap.overdue) == ("open", dt.date(2026, 9, 15), False)
    policy = find(before, "propose a generative-AI usage policy")
    assert (policy.due, policy.overdue) == (dt.date(2026, 9, 30), False)
    after = history(data, "ceo", dt.date(2026, 9, 10))
    roadmap = find(after, "present three-year DX roadmap to the board")
    assert (roadmap.status, roadmap.closing, roadmap.due, roadmap.id) == ("done", "reworded", dt.date(2026, 9, 9), find(
        before, "present the three-year DX roadmap to the board").id)
    assert find(after, "propose a generative-AI usage policy").due == dt.date(2026, 11, 30)


def test_svp_supply_wms_go_live_slips(data: LoadedWorkspace) -> None:
    text = "go-live of the new warehouse management system at the Dubuque DC"
    before = find(history(data, "svp-supply", dt.date(2026, 10, 20)), text)
    assert (before.status, before.due, before.overdue) == ("open", dt.date(2026, 10, 15), True)
    after = find(history(data, "svp-supply", dt.date(2026, 10, 21)), text)
    assert (after.status, after.due, after.overdue) == ("open", dt.date(2027, 1, 20), False)
    assert before.id == after.id and len(after.statements) == 2
    # restated, not closed: the WMS window item was closed by its own line, not this one
    window = find(history(data, "svp-supply", dt.date(2026, 10, 21)), "confirm the WMS go-live window with the Dubuque DC manager")
    assert window.closing == "same-text"


def test_must_not_match_pairs_stay_apart(data: LoadedWorkspace, expected: dict[str, Any]) -> None:
    everyone = {c.text: c for exe in EXECUTIVES for c in history(data, exe, KEY_DATE).commitments}
    for a, b in expected["must_not_match"]:
        assert match_score(a, b) < STRONG, (a, b)
        ids_a = {c.id for c in everyone.values() if any(s.text == a for s in c.statements)}
        ids_b = {c.id for c in everyone.values() if any(s.text == b for s in c.statements)}
        assert ids_a and ids_b and not ids_a & ids_b, (a, b)
    erp = everyone["cost model for the ERP upgrade"]
    crm = everyone["cost model for the CRM upgrade"]
    assert (erp.status, crm.status, crm.overdue) == ("done", "open", True)


def test_no_two_different_commitments_of_the_sample_come_close(data: LoadedWorkspace) -> None:
    everyone = {c.id: c for exe in EXECUTIVES for c in history(data, exe, KEY_DATE).commitments}
    assert len(everyone) == 42
    texts = [(c.id, s.text) for c in everyone.values() for s in c.statements]
    worst = max(match_score(a, b) for i, (ia, a) in enumerate(texts) for ib, b in texts[i + 1:] if ia != ib)
    assert worst < STRONG - 0.15


def test_confidential_note_only_for_its_audience(data: LoadedWorkspace, expected: dict[str, Any]) -> None:
    secret = expected["confidential"]
    (exe,) = secret["executives"]
    own = history(data, exe, KEY_DATE, audience=exe)
    assert secret["note"] in {m.path for m in own.meetings}
    assert secret["secret_phrase"] in own.model_dump_json()
    for other in ("cfo", "cmo"):
        seen = history(data, exe, KEY_DATE, audience=other).model_dump_json()
        assert secret["secret_phrase"] not in seen and secret["note"] not in seen
    # the IT leader's own cadence counts the meeting; another audience's does not
    leader = {r.id: r for r in cadence(data, KEY_DATE).executives}[exe]
    other = {r.id: r for r in cadence(data, KEY_DATE, audience="cfo").executives}[exe]
    assert (leader.last_met, other.last_met) == (dt.date(2026, 11, 12), dt.date(2026, 10, 8))
