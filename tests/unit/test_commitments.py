"""Commitments carried forward: each closing rule, the tolerant matcher and its threshold."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import pytest

from dxprep.dialogue.commitments import (
    STRONG,
    WEAK,
    commitment_id,
    match_score,
    side_of,
    thread_commitments,
    tokens,
)
from dxprep.dialogue.models import Commitment
from dxprep.dialogue.selection import dated_notes
from dxprep.workspace.models import Person, WorkspaceWarning
from dxprep.workspace.reader import read_workspace

STAKEHOLDERS = """organization: Example Corp
it_leader: {name: Sam Rivera, title: CIO}
business_units:
  - {id: finance, name: Finance}
  - {id: ops, name: Operations}
  - {id: sales, name: Sales}
executives:
  - {id: cfo, name: Dana Ortiz, role: CFO, business_unit: finance, aliases: [Dana]}
  - {id: coo, name: Lee Chen, role: COO, business_unit: ops, cadence_days: 45}
  - {id: cmo, name: Kim Park, role: CMO, business_unit: sales}
"""
AS_OF = dt.date(2026, 12, 31)


def note(date: str, execs: str, *actions: str, confidential: bool = False) -> str:
    key = "executives" if "," in execs else "executive"
    value = f"[{execs}]" if "," in execs else execs
    body = "\n".join(actions)
    return (f"---\ndate: {date}\n{key}: {value}\nconfidential: {str(confidential).lower()}\n---\n"
            f"# Meeting\n\n## Action items\n{body}\n")


def threads(tmp_path: Path, notes: dict[str, str], as_of: dt.date = AS_OF) -> tuple[list[Commitment], list[WorkspaceWarning]]:
    (tmp_path / "stakeholders.yaml").write_text(STAKEHOLDERS, encoding="utf-8")
    for name, text in notes.items():
        path = tmp_path / "notes" / name
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(text, encoding="utf-8")
    ws = read_workspace(tmp_path)
    selected, _ = dated_notes(ws, as_of)
    return thread_commitments(selected, as_of, ws.organization.it_leader)


def by_text(commitments: list[Commitment]) -> dict[str, Commitment]:
    return {c.text: c for c in commitments}


# ------------------------------------------------------------------ the matcher

#: Real rewordings (most from the sample workspace's notes): each must link.
REWORDINGS = [
    ("list the unsupported finance applications with a retirement date for each",
     "list unsupported finance applications with a retirement date for each"),
    ("build a supplier on-time-delivery dashboard in Lumenboard",
     "create a supplier on-time-delivery dashboard in Lumenboard"),
    ("present the three-year DX roadmap to the board", "present three-year DX roadmap to the board"),
    ("shortlist LIMS vendors and arrange demos", "shortlist the LIMS vendors and arrange demos"),
    ("send the list of top 20 retail customers for EDI onboarding",
     "send list of top 20 retail customers for EDI onboarding"),
    ("cost model for the ERP upgrade", "ERP upgrade cost model"),
    ("brief the executive team on the Dunmore Creamery ransomware attack",
     "brief the exec team on the Dunmore ransomware attack"),
    ("run a phishing simulation for plant supervisors", "run a phishing simulation for plant supervisors at Mankato"),
    ("propose a generative-AI usage policy", "propose a usage policy for generative AI"),
    ("share the list of validated systems in scope for the audit",
     "send the list of validated systems in scope for the audit"),
    ("confirm the go-live date for the time-and-attendance upgrade",
     "confirm go-live date of the time and attendance upgrade"),
    ("organise the MES pilot workshop", "organize the MES pilot workshops"),
    ("name a data owner for vendor master data", "Name a data owner for the vendor master data."),
    ("plan the data migration rehearsal", "planning the data migration rehearsals"),
    ("share the list of validated systems", "shared list of the validated systems"),
]

#: Different commitments that look alike: none may link (the sample's answer key lists the first four).
MUST_NOT_MATCH = [
    ("cost model for the ERP upgrade", "cost model for the CRM upgrade"),
    ("OT network segmentation assessment for all three plants",
     "include the lab instruments network in the OT segmentation work"),
    ("confirm the WMS go-live window with the Dubuque DC manager",
     "go-live of the new warehouse management system at the Dubuque DC"),
    ("nominate two line leads for the MES pilot at Mankato", "decision on funding the MES pilot at Mankato"),
    ("approve the user requirements for the LIMS replacement", "draft the user requirements for the LIMS replacement"),
    ("send the list of top 20 retail customers", "send the list of top 10 retail customers"),
    ("nominate two line leads for the MES pilot", "nominate three line leads for the MES pilot"),
    ("migrate the Sparta plant to the new ERP", "migrate the Eau Claire plant to the new ERP"),
    ("MES pilot cost and benefit model for Mankato Line 3", "decision on funding the MES pilot at Mankato"),
    ("weekly WMS defect burn-down to Kwame until go-live",
     "go-live of the new warehouse management system at the Dubuque DC"),
]


@pytest.mark.parametrize(("a", "b"), REWORDINGS)
def test_rewordings_score_at_or_above_the_threshold(a: str, b: str) -> None:
    assert match_score(a, b) >= STRONG
    assert match_score(b, a) == match_score(a, b)


@pytest.mark.parametrize(("a", "b"), MUST_NOT_MATCH)
def test_different_commitments_score_below_the_threshold(a: str, b: str) -> None:
    assert match_score(a, b) < STRONG


def test_distinguishing_tokens_veto_the_match() -> None:
    assert match_score("cost model for the ERP upgrade", "cost model for the CRM upgrade") == 0.0
    assert match_score("approve the user requirements", "draft the user requirements") == 0.0
    # one side only adds a name: a more specific restatement, not a veto
    assert match_score("cost model for the upgrade", "cost model for the ERP upgrade") > 0


def test_threshold_leaves_a_margin_between_the_two_sets() -> None:
    worst_rewording = min(match_score(a, b) for a, b in REWORDINGS)
    best_impostor = max(match_score(a, b) for a, b in MUST_NOT_MATCH)
    assert best_impostor < WEAK + 0.1 < STRONG <= worst_rewording


def test_tokens_ignore_dates_ids_and_stop_words() -> None:
    assert tokens("Send the ERP plan by 14 Nov 2026 {#ai-3}") == {"send": 1, "erp": 2, "plan": 1}
    assert tokens("send twenty dashboards to Tomás") == {"send": 1, "twenty": 2, "dashboard": 1, "tomas": 2}


def test_side_of() -> None:
    leader = Person(name="Sam Rivera", title="CIO")
    assert side_of("IT", "Rachel", leader) == "IT"
    assert side_of("IT Security", None, leader) == "IT"
    assert side_of("Group IT", None, leader) == "IT"
    assert side_of("Sam", None, leader) == "IT"
    assert side_of("Finance", "Sam Rivera", leader) == "IT"
    assert side_of("Finance", "Dana", leader) == "business"
    assert side_of("Italy team", None, leader) == "business"
    assert side_of(None, None, leader) is None


# ------------------------------------------------------------------ closing rules


def test_open_until_a_later_note_closes_it_by_the_same_text(tmp_path: Path) -> None:
    cs, warnings = threads(tmp_path, {
        "a.md": note("2026-10-01", "cfo", "- [ ] IT (Sam): cost model for the ERP upgrade, due 2026-11-15"),
        "b.md": note("2026-11-01", "cfo", "- [ ] Finance (Dana): pick the AP pilot team"),
        "c.md": note("2026-12-01", "cfo", "- [x] IT (Sam): Cost model for the ERP upgrade."),
    })
    assert warnings == []
    c = by_text(cs)["Cost model for the ERP upgrade."]
    assert (c.status, c.closing, c.overdue) == ("done", "same-text", False)
    assert (c.opened_in.path, c.opened_in.line) == ("notes/a.md", 9)
    assert c.closed_in is not None and (c.closed_in.path, c.closed_in.line) == ("notes/c.md", 9)
    assert c.due == dt.date(2026, 11, 15)  # not restated: kept
    assert (c.owner, c.person, c.side) == ("IT", "Sam", "IT")
    assert c.id == commitment_id("notes/a.md", "cost model for the ERP upgrade")
    assert by_text(cs)["pick the AP pilot team"].status == "open"


def test_open_item_past_due_is_overdue_and_stays_open_as_of_before_the_closing_note(tmp_path: Path) -> None:
    notes = {
        "a.md": note("2026-10-01", "cfo", "- [ ] IT (Sam): cost model for the ERP upgrade, due 2026-11-15"),
        "c.md": note("2026-12-01", "cfo", "- [x] IT (Sam): cost model for the ERP upgrade"),
    }
    (c,), _ = threads(tmp_path, notes, as_of=dt.date(2026, 11, 30))
    assert (c.status, c.overdue, c.closed_in) == ("open", True, None)
    (c,), _ = threads(tmp_path, notes, as_of=dt.date(2026, 11, 15))
    assert (c.status, c.overdue) == ("open", False)  # due today is not yet overdue


def test_explicit_id_closes_whatever_the_text(tmp_path: Path) -> None:
    cs, _ = threads(tmp_path, {
        "a.md": note("2026-10-01", "cfo", "- [ ] IT (Sam): scope invoice automation for Accounts Payable, due 2026-11-30 {#ai-12}"),
        "b.md": note("2026-11-10", "cfo", "- [x] IT (Sam): AP automation scope signed off by Lena {#AI-12}"),
    })
    (c,) = cs
    assert (c.id, c.status, c.closing, c.text) == ("ai-12", "done", "id", "AP automation scope signed off by Lena")
    assert c.closed_in is not None and c.closed_in.path == "notes/b.md"
    assert [s.link for s in c.statements] == [None, "id"]


def test_reworded_text_closes_and_is_recorded_as_reworded(tmp_path: Path) -> None:
    cs, warnings = threads(tmp_path, {
        "a.md": note("2026-10-01", "coo", "- [ ] IT (Priya): build a supplier on-time-delivery dashboard in Lumenboard, due 2026-11-15"),
        "b.md": note("2026-11-10", "coo", "- [x] IT (Priya): create a supplier on-time-delivery dashboard in Lumenboard"),
    })
    assert warnings == []
    (c,) = cs
    assert (c.status, c.closing) == ("done", "reworded")
    assert c.text == "create a supplier on-time-delivery dashboard in Lumenboard"  # as last stated
    assert c.statements[1].score is not None and c.statements[1].score >= STRONG


def test_erp_is_not_closed_by_crm(tmp_path: Path) -> None:
    cs, warnings = threads(tmp_path, {
        "a.md": note("2026-10-01", "cfo", "- [ ] IT (Sam): cost model for the ERP upgrade, due 2026-11-15"),
        "b.md": note("2026-11-10", "cfo", "- [x] IT (Sam): cost model for the CRM upgrade"),
    })
    found = by_text(cs)
    assert found["cost model for the ERP upgrade"].status == "open"
    assert found["cost model for the ERP upgrade"].overdue is True
    crm = found["cost model for the CRM upgrade"]
    assert (crm.status, crm.closing) == ("done", "done-at-creation")
    assert crm.closed_in == crm.opened_in
    assert warnings == []  # vetoed: different work, not an ambiguity


def test_weak_match_is_a_warning_and_never_closes(tmp_path: Path) -> None:
    cs, warnings = threads(tmp_path, {
        "a.md": note("2026-10-01", "cfo", "- [ ] IT: present the three-year DX roadmap to the board"),
        "b.md": note("2026-11-10", "cfo", "- [x] IT: present DX roadmap to the board"),
    })
    assert by_text(cs)["present the three-year DX roadmap to the board"].status == "open"
    (w,) = warnings
    assert w.path == "notes/b.md" and w.line == 9 and "possible match not linked" in w.reason
    assert "{#c-" in w.reason  # tells the user how to link them


def test_two_strong_candidates_are_ambiguous(tmp_path: Path) -> None:
    cs, warnings = threads(tmp_path, {
        "a.md": note("2026-10-01", "cfo", "- [ ] IT: send the AP invoice samples to the vendors",
                     "- [ ] IT: send AP invoice samples to vendors now"),
        "b.md": note("2026-11-10", "cfo", "- [x] IT: share the AP invoice samples with the vendors"),
    })
    assert [c.status for c in cs if c.opened_in.path == "notes/a.md"] == ["open", "open"]
    assert any("ambiguous" in w.reason for w in warnings)


def test_restated_due_date_keeps_the_latest(tmp_path: Path) -> None:
    cs, _ = threads(tmp_path, {
        "a.md": note("2026-08-01", "coo", "- [ ] IT (Marco): go-live of the new WMS at the Dubuque DC, due 2026-10-15"),
        "b.md": note("2026-10-01", "coo", "- [ ] IT (Marco): go-live of the new WMS at the Dubuque DC, due 20 January 2027"),
        "c.md": note("2026-11-01", "coo", "- [ ] IT (Marco): go-live of the new WMS at the Dubuque DC"),
    })
    (c,) = cs
    assert c.due == dt.date(2027, 1, 20) and c.overdue is False
    assert [s.due for s in c.statements] == [dt.date(2026, 10, 15), dt.date(2027, 1, 20), None]
    (early,), _ = threads(tmp_path, {}, as_of=dt.date(2026, 9, 30))
    assert early.due == dt.date(2026, 10, 15)


def test_done_at_creation(tmp_path: Path) -> None:
    (c,), _ = threads(tmp_path, {"a.md": note("2026-10-01", "cfo", "- [x] Finance (Dana): name a data owner")})
    assert (c.status, c.closing, c.side) == ("done", "done-at-creation", "business")
    assert c.closed_in == c.opened_in


def test_restating_a_done_item_as_open_reopens_it(tmp_path: Path) -> None:
    (c,), _ = threads(tmp_path, {
        "a.md": note("2026-10-01", "cfo", "- [ ] IT: patch the AP server {#ai-4}"),
        "b.md": note("2026-10-15", "cfo", "- [x] IT: patch the AP server {#ai-4}"),
        "c.md": note("2026-11-01", "cfo", "- [ ] IT: patch the AP server again, it failed {#ai-4}"),
    })
    assert (c.status, c.closed_in, c.text) == ("open", None, "patch the AP server again, it failed")


def test_joint_meeting_items_belong_to_every_executive(tmp_path: Path) -> None:
    cs, _ = threads(tmp_path, {
        "a.md": note("2026-10-01", "cfo, coo", "- [ ] IT: MES pilot cost and benefit model for Mankato Line 3"),
        "b.md": note("2026-10-20", "coo", "- [x] IT: MES pilot cost and benefit model for Mankato Line 3"),
    })
    (c,) = cs
    assert c.executives == ["cfo", "coo"] and c.status == "done"


def test_text_matching_needs_a_shared_executive(tmp_path: Path) -> None:
    cs, _ = threads(tmp_path, {
        "a.md": note("2026-10-01", "cfo", "- [ ] IT: refresh the laptops"),
        "b.md": note("2026-10-20", "cmo", "- [x] IT: refresh the laptops"),
    })
    assert sorted((c.executives[0], c.status) for c in cs) == [("cfo", "open"), ("cmo", "done")]


def test_an_item_is_linked_once_per_note_and_not_to_its_own_note(tmp_path: Path) -> None:
    cs, _ = threads(tmp_path, {
        "a.md": note("2026-10-01", "cfo", "- [ ] IT: book the workshop room", "- [x] IT: book the workshop room"),
    })
    assert sorted(c.status for c in cs) == ["done", "open"]
    assert len({c.id for c in cs}) == 2


def test_exact_link_wins_over_a_reworded_one_in_the_same_note(tmp_path: Path) -> None:
    cs, _ = threads(tmp_path, {
        "a.md": note("2026-05-27", "coo", "- [ ] Supply (Kwame): confirm the WMS go-live window with the Dubuque DC manager"),
        "b.md": note("2026-08-26", "coo", "- [ ] IT (Marco): go-live of the new warehouse management system at the Dubuque DC",
                     "- [x] Supply (Kwame): confirm the WMS go-live window with the Dubuque DC manager"),
    })
    found = by_text(cs)
    assert found["confirm the WMS go-live window with the Dubuque DC manager"].closing == "same-text"
    assert found["go-live of the new warehouse management system at the Dubuque DC"].status == "open"


def test_notes_after_as_of_are_ignored(tmp_path: Path) -> None:
    (c,), _ = threads(tmp_path, {
        "a.md": note("2026-10-01", "cfo", "- [ ] IT: cost model for the ERP upgrade, due 2026-10-31"),
        "b.md": note("2026-11-10", "cfo", "- [x] IT: cost model for the ERP upgrade"),
    }, as_of=dt.date(2026, 11, 9))
    assert (c.status, c.overdue, len(c.statements)) == ("open", True, 1)
