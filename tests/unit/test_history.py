"""History per executive as of a date: what is in it, what is not, who may see it."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import pytest

from dxprep.dialogue.history import history
from dxprep.workspace.models import LoadedWorkspace
from dxprep.workspace.reader import read_workspace

STAKEHOLDERS = """organization: Example Corp
it_leader: {name: Sam Rivera, title: CIO}
business_units:
  - {id: finance, name: Finance}
  - {id: ops, name: Operations}
executives:
  - {id: cfo, name: Dana Ortiz, role: CFO, business_unit: finance, aliases: [Dana]}
  - {id: coo, name: Lee Chen, role: COO, business_unit: ops, cadence_days: 45}
"""

NOTES = {
    "2026/09/cfo.md": """---
date: 2026-09-10
executive: cfo
type: one-on-one
---
# Monthly IT–Finance dialogue

## Goals
- Close the books in 5 days instead of 9 by Q3 2027.

## Concerns
- Audit flagged three unsupported finance applications.

## Decisions
- Pilot invoice automation in Accounts Payable first.

## Action items
- [ ] IT (Sam): cost model for the ERP upgrade, due 2026-10-15
- [ ] Finance (Dana): name a data owner for vendor master data
""",
    "2026/10/joint.md": """---
date: 2026-10-05
executives: [cfo, coo]
business_unit: ops
type: steering
---
# Steering

## Objectives
- Close the books in 5 days instead of 9 by Q3 2027!

## Next steps
- [ ] IT (Sam): MES pilot cost model for Line 3, due 2026-11-30
- [x] Finance (Dana): name a data owner for vendor master data
""",
    "2026/10/cfo-secret.md": """---
date: 2026-10-20
executive: cfo
confidential: true
---
# Confidential

## Concerns
- Project Larkspur: the Sparta plant may close.

## Action items
- [ ] IT (Sam): quiet estimate for Project Larkspur, due 2026-12-01
- [x] IT (Sam): cost model for the ERP upgrade
""",
    "2026/11/cfo-chat.txt": "Date: 2026-11-03\nExecutive: Dana\n\nCaught Dana in the corridor. Nothing formal, she is happy with the close.\n",
    "2026/12/cfo.md": """---
date: 2026-12-02
executive: cfo
---
## Goals
- A future goal that must not be seen before December.
""",
    "undated-cfo.md": "---\nexecutive: cfo\n---\n## Goals\n- Undated goal.\n",
}


@pytest.fixture
def ws(tmp_path: Path) -> LoadedWorkspace:
    (tmp_path / "stakeholders.yaml").write_text(STAKEHOLDERS, encoding="utf-8")
    for name, text in NOTES.items():
        path = tmp_path / "notes" / name
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(text, encoding="utf-8")
    return read_workspace(tmp_path)


def test_history_as_of_a_date(ws: LoadedWorkspace) -> None:
    h = history(ws, "cfo", dt.date(2026, 11, 28))
    assert (h.executive, h.executive_name, h.as_of, h.audience) == ("cfo", "Dana Ortiz", dt.date(2026, 11, 28), None)
    assert [(m.date, m.type, m.joint) for m in h.meetings] == [
        (dt.date(2026, 9, 10), "one-on-one", False),
        (dt.date(2026, 10, 5), "steering", True),
        (dt.date(2026, 10, 20), "one-on-one", False),
        (dt.date(2026, 11, 3), "one-on-one", False),  # a note with no structure is still a meeting
    ]
    assert h.meetings[1].executives == ["cfo", "coo"] and h.meetings[1].path == "notes/2026/10/joint.md"
    assert h.meetings[3].structured is False
    # the goal was restated in the joint meeting: one goal, first and last stated
    (goal,) = h.goals
    assert (goal.first_stated, goal.last_stated) == (dt.date(2026, 9, 10), dt.date(2026, 10, 5))
    assert goal.text == "Close the books in 5 days instead of 9 by Q3 2027!"  # as last stated
    assert [s.path for s in goal.sources] == ["notes/2026/09/cfo.md", "notes/2026/10/joint.md"]
    assert [c.text for c in h.concerns] == ["Audit flagged three unsupported finance applications.",
                                            "Project Larkspur: the Sparta plant may close."]
    assert [d.text for d in h.decisions] == ["Pilot invoice automation in Accounts Payable first."]
    status = {c.text: (c.status, c.overdue) for c in h.commitments}
    assert status == {
        "cost model for the ERP upgrade": ("done", False),
        "name a data owner for vendor master data": ("done", False),
        "MES pilot cost model for Line 3": ("open", False),
        "quiet estimate for Project Larkspur": ("open", False),
    }


def test_sources_point_at_the_text(ws: LoadedWorkspace) -> None:
    h = history(ws, "cfo", dt.date(2026, 11, 28))
    texts = {n.path: n.text for n in ws.notes}
    refs = [s for item in h.goals + h.concerns + h.decisions for s in item.sources]
    refs += [s.source for c in h.commitments for s in c.statements]
    for ref in refs:
        assert ref.line == texts[ref.path].count("\n", 0, ref.start) + 1
    concern = h.concerns[0].source
    assert texts[concern.path][concern.start:concern.end] == "Audit flagged three unsupported finance applications."
    assert str(concern) == "notes/2026/09/cfo.md:12"


def test_nothing_after_as_of(ws: LoadedWorkspace) -> None:
    h = history(ws, "cfo", dt.date(2026, 10, 4))
    assert [m.path for m in h.meetings] == ["notes/2026/09/cfo.md"]
    assert {c.text: (c.status, c.overdue) for c in h.commitments} == {
        "cost model for the ERP upgrade": ("open", False),
        "name a data owner for vendor master data": ("open", False),
    }
    late = history(ws, "cfo", dt.date(2026, 10, 16))
    assert {c.text: c.overdue for c in late.commitments}["cost model for the ERP upgrade"] is True
    assert all(g.text != "A future goal that must not be seen before December." for g in late.goals)
    assert any(g.text.startswith("A future goal") for g in history(ws, "cfo", dt.date(2026, 12, 2)).goals)


def test_undated_notes_are_left_out_with_a_warning(ws: LoadedWorkspace) -> None:
    h = history(ws, "cfo", dt.date(2026, 12, 31))
    assert all(m.path != "notes/undated-cfo.md" for m in h.meetings)
    assert all(g.text != "Undated goal." for g in h.goals)
    assert [w.path for w in h.warnings] == ["notes/undated-cfo.md"]
    assert "cannot be ordered" in h.warnings[0].reason
    assert history(ws, "coo", dt.date(2026, 12, 31)).warnings == []  # not about the COO


def test_joint_meeting_items_appear_in_both_histories(ws: LoadedWorkspace) -> None:
    coo = history(ws, "coo", dt.date(2026, 11, 28))
    assert [m.path for m in coo.meetings] == ["notes/2026/10/joint.md"]
    assert {c.text: c.status for c in coo.commitments} == {
        "MES pilot cost model for Line 3": "open",
        "name a data owner for vendor master data": "done",  # closed in the joint meeting
    }
    owner = next(c for c in coo.commitments if c.text.startswith("name a data owner"))
    assert owner.executives == ["cfo", "coo"] and owner.side == "business"


def test_confidential_notes_only_for_their_own_audience(ws: LoadedWorkspace) -> None:
    as_of = dt.date(2026, 11, 28)
    mine = history(ws, "cfo", as_of, audience="cfo")
    leader = history(ws, "cfo", as_of)
    other = history(ws, "cfo", as_of, audience="coo")
    assert mine.model_dump(exclude={"audience"}) == leader.model_dump(exclude={"audience"})
    assert any(m.confidential for m in mine.meetings)
    assert all(not m.confidential for m in other.meetings)
    dumped = other.model_dump_json()
    assert "Larkspur" not in dumped and "cfo-secret" not in dumped
    # the closing statement was confidential: for another audience the item is still open
    erp = next(c for c in other.commitments if c.text == "cost model for the ERP upgrade")
    assert (erp.status, erp.overdue, erp.closed_in) == ("open", True, None)
    secret = next(c for c in mine.commitments if "Larkspur" in c.text)
    assert secret.confidential is True


def test_unknown_executive_id_gives_an_empty_history(ws: LoadedWorkspace) -> None:
    h = history(ws, "cmo", dt.date(2026, 11, 28))
    assert (h.meetings, h.goals, h.commitments, h.executive_name) == ([], [], [], "cmo")
