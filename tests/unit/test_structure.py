from datetime import date

import pytest

from dxprep.workspace.structure import blocks_from_lines, parse_action_text, parse_structure, section_kind


@pytest.mark.parametrize(
    ("heading", "kind"),
    [
        ("Goals", "goals"), ("Priorities", "goals"), ("OBJECTIVES", "goals"),
        ("Concerns", "concerns"), ("Risks", "concerns"), ("Issues", "concerns"), ("Worries", "concerns"),
        ("Decisions", "decisions"), ("Agreed", "decisions"),
        ("Action items", "actions"), ("Commitments", "actions"), ("Next steps", "actions"),
        ("Follow-ups", "actions"), ("To do", "actions"), ("2. Next Steps:", "actions"),
        ("Risks and issues", "concerns"), ("Their goals for 2027", "goals"),
        ("Notes", "notes"), ("Monthly IT–Finance dialogue", None), ("Attendees", None),
    ],
)
def test_heading_synonyms(heading: str, kind: str | None) -> None:
    assert section_kind(heading) == kind


@pytest.mark.parametrize(
    ("raw", "expected"),
    [
        ("IT (Sam): cost model for the ERP upgrade, due 2026-11-15",
         ("cost model for the ERP upgrade", "IT", "Sam", date(2026, 11, 15), None)),
        ("Finance (Dana): name a data owner for vendor master data",
         ("name a data owner for vendor master data", "Finance", "Dana", None, None)),
        ("send the revised roadmap due 14 Nov 2026 {#ai-12}",
         ("send the revised roadmap", None, None, date(2026, 11, 14), "ai-12")),
        ("{#AI-7} IT: patch the VPN appliances (due: November 3, 2026)",
         ("patch the VPN appliances", "IT", None, date(2026, 11, 3), "ai-7")),
        ("book the workshop room", ("book the workshop room", None, None, None, None)),
    ],
)
def test_action_text(raw: str, expected: tuple[object, ...]) -> None:
    assert parse_action_text(raw) == expected


NOTE = """# Monthly dialogue

## Priorities
- Close the books in 5 days
  instead of 9.
- Second goal

## Risks
Audit flagged three unsupported applications.

## Agreed
1. Pilot invoice automation first.

## Next steps
- [ ] IT (Sam): cost model, due 2026-11-15 {#ai-1}
- [X] Finance (Dana): name a data owner
* ☐ call the vendor
- plain bullet in an action section

## Notes
Some free text.
- [x] a checkbox in the notes still counts
"""


def test_parse_markdown_sections_and_offsets() -> None:
    s = parse_structure(blocks_from_lines(NOTE), len(NOTE))
    assert s.title == "Monthly dialogue"
    assert [sec.kind for sec in s.sections] == ["other", "goals", "concerns", "decisions", "actions", "notes"]
    assert [g.text for g in s.goals] == ["Close the books in 5 days instead of 9.", "Second goal"]
    assert [c.text for c in s.concerns] == ["Audit flagged three unsupported applications."]
    assert [d.text for d in s.decisions] == ["Pilot invoice automation first."]
    texts = [(a.text, a.done, a.owner, a.item_id) for a in s.action_items]
    assert texts == [
        ("cost model", False, "IT", "ai-1"),
        ("name a data owner", True, "Finance", None),
        ("call the vendor", False, None, None),
        ("plain bullet in an action section", False, None, None),
        ("a checkbox in the notes still counts", True, None, None),
    ]
    for item in [*s.goals, *s.concerns, *s.decisions, *s.action_items]:
        assert NOTE[item.start : item.end].strip()
        assert NOTE.count("\n", 0, item.start) + 1 == item.line
    assert NOTE[s.goals[0].start : s.goals[0].end] == "Close the books in 5 days\n  instead of 9."


def test_text_note_label_and_setext_headings() -> None:
    text = "Goals:\n- grow online sales\n\nRisks\n=====\n- churn\n\nTO DO\n- [ ] send deck\n"
    s = parse_structure(blocks_from_lines(text), len(text))
    assert [g.text for g in s.goals] == ["grow online sales"]
    assert [c.text for c in s.concerns] == ["churn"]
    assert [a.text for a in s.action_items] == ["send deck"]


def test_no_structure() -> None:
    text = "We talked about the budget for a while.\nNothing was decided.\n"
    s = parse_structure(blocks_from_lines(text), len(text))
    assert not s.structured
    assert s.goals == [] and s.action_items == []
