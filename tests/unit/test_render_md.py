"""The Markdown briefing: same content and order as the Word document."""

from __future__ import annotations

import datetime as dt
import re

import pytest

from briefing_factory import make_briefing
from dxprep.briefing.model import Briefing, CommitmentLine, HardConversation
from dxprep.briefing.render_md import SECTIONS, at_a_glance, cite, excerpt, render_markdown


@pytest.fixture
def md() -> str:
    return render_markdown(make_briefing())


def block(md: str, title: str) -> str:
    """The text under ``## title`` up to the next ``## ``."""
    match = re.search(rf"^## {re.escape(title)}\n(.*?)(?=^## |\Z)", md, re.M | re.S)
    assert match, f"no section {title!r}"
    return match.group(1).strip()


def table_rows(text: str) -> list[list[str]]:
    rows = [line for line in text.splitlines() if line.startswith("|")]
    return [[c.strip() for c in re.split(r"(?<!\\)\|", row)[1:-1]] for row in rows]


def test_sections_and_subsections_in_order(md: str) -> None:
    assert re.findall(r"^# (.+)$", md, re.M) == ["Briefing: Daniel Okafor"]
    assert re.findall(r"^## (.+)$", md, re.M) == list(SECTIONS)
    assert re.findall(r"^### (.+)$", md, re.M) == ["Goals", "Concerns", "What IT has for each goal", "Open commitments",
                                                   "Closed since last meeting", "Decisions"]


def test_title_block(md: str) -> None:
    top = md.split("## At a glance")[0]
    assert "*Confidential*" in top
    assert "**Chief Financial Officer (CFO) · Finance · Harlan Creek Foods, Inc.**" in top
    assert "- **Meeting:** Thu 19 Nov 2026 · 30 minutes · 4th monthly dialogue" in top
    assert "- **Last met:** 15 Oct 2026 (35 days ago) · overdue by 5 days (cadence 30 days)" in top
    assert "- **Prepared for:** Elena Marsh" in top
    assert "> **Drafted without a model.**" in top
    with_model = render_markdown(make_briefing(header={"drafted_without_model": False, "engine": "openai",
                                                       "model": "gpt-4o-mini"}))
    assert "Drafted without a model" not in with_model
    assert "- **Drafted by:** openai (gpt-4o-mini) · prompt 2026.11-1" in with_model


def test_at_a_glance(md: str) -> None:
    bullets = block(md, "At a glance").splitlines()
    assert 2 <= len(bullets) <= 4 and all(b.startswith("- ") for b in bullets)
    assert bullets[0].startswith("- 1 of 3 open commitments is overdue: Cost model for the ERP upgrade")
    assert "1 closed since last time." in bullets[0]


@pytest.mark.parametrize(
    ("updates", "expected"),
    [
        ({"open_commitments": [], "closed_since_last": []}, "No open commitments."),
        ({"header": {"last_met": None, "days_since": None, "cadence_status": "first dialogue"}},
         "First dialogue: no previous meeting on record."),
        ({"hard_conversations": []}, "No hard conversations flagged."),
    ],
)
def test_at_a_glance_variants(updates: dict, expected: str) -> None:
    lines = at_a_glance(make_briefing(**updates))
    assert expected in lines
    assert 2 <= len(lines) <= 4


def test_at_a_glance_counts_several_overdue() -> None:
    b = make_briefing()
    late = [c.model_copy(update={"overdue": True}) for c in b.open_commitments]
    lines = at_a_glance(b.model_copy(update={"open_commitments": late, "warnings": []}))
    assert lines[0] == "3 of 3 open commitments are overdue, 2 of them on the IT side. 1 closed since last time."
    assert len(lines) == 3


def test_commitment_tables(md: str) -> None:
    since = block(md, "Since last time")
    open_part, closed_part = since.split("### Closed since last meeting")
    rows = table_rows(open_part)
    assert rows[0] == ["Status", "Commitment", "Owner / side", "Due", "Source"]
    assert len(rows) == 2 + 3  # header, separator, one row per commitment
    assert rows[2] == ["**OVERDUE**", "Cost model for the ERP upgrade, reviewed with Finance", "IT (Rachel)",
                       "31 Jul 2026 (111 days late)", "[2]"]
    assert [r[0] for r in rows[3:]] == ["Open", "Open"]
    closed = table_rows(closed_part.split("### Decisions")[0])
    assert len(closed) == 2 + 1 and closed[2][0] == "Done"
    assert "- 15 Oct 2026: The full Keystone cost model goes to Lena Fischer before any board paper. [2]" in since


def test_overdue_first_and_cells_escaped() -> None:
    b = make_briefing()
    odd = CommitmentLine(id="c-x", text="Split the A|B\ntest", side="IT", status="open", overdue=True,
                         due=dt.date(2026, 11, 1), citations=[4])
    rows = table_rows(render_markdown(b.model_copy(update={"open_commitments": [*b.open_commitments[1:], odd]})))
    data = rows[2:4]
    assert [r[0] for r in data] == ["**OVERDUE**", "Open"]
    assert data[0][1] == "Split the A\\|B test"
    assert data[0][3] == "1 Nov 2026 (18 days late)"


def test_talking_points_questions_and_answers(md: str) -> None:
    points = block(md, "Talking points")
    assert re.findall(r"^\*\*(\d)\. ", points, re.M) == ["1", "2", "3"]
    assert "**3. Invoice automation in AP can start in Q1, not Q4** *(opinion — no source)*" in points
    assert points.count("(opinion — no source)") == 1
    assert "- *Evidence:* The request is $11.62M against $10.90M guidance; H1 FY2026 ran 3.2% over on WMS " \
           "contractors. [3, 4]" in points
    assert points.count("*Why it matters:*") == points.count("*The ask:*") == 3
    assert block(md, "Questions to ask").splitlines()[0].startswith("1. Which of the FY2027 options")
    qa = block(md, "Likely questions and objections")
    assert re.findall(r"^\*\*Q: ", qa, re.M) and len(re.findall(r"^A: ", qa, re.M)) == 2
    assert block(md, "Hard conversations").startswith("**Vendor master data still has no owner**")


def test_agenda_table_with_total(md: str) -> None:
    rows = table_rows(block(md, "Proposed agenda"))
    assert rows[0] == ["Minutes", "Topic"] and rows[1] == ["--:", "---"]
    assert rows[-1] == ["**30**", "**Total**"]
    assert sum(int(r[0]) for r in rows[2:-1]) == 30
    short = render_markdown(make_briefing(header={"minutes": 45}))
    assert "*The agenda totals 30 minutes for a 45-minute meeting.*" in short


def test_sources_every_one_with_short_quote(md: str) -> None:
    sources = block(md, "Sources").splitlines()
    entries = [line for line in sources if line.startswith("- **[")]
    assert [re.match(r"- \*\*\[(\d+)\]\*\*", e).group(1) for e in entries] == ["1", "2", "3", "4"]
    assert entries[2] == ("- **[3]** material/budget/fy2027-it-budget-proposal.md, line 21 — FY2027 IT Budget "
                          "Proposal (draft 3) › 1. Headline, 16 Nov 2026")
    quotes = [line for line in sources if line.startswith("  > ")]
    assert len(quotes) == 4
    assert quotes[0] == "  > “Close the books in 5 working days instead of 9 by Q3 2027.”"
    assert all(len(q) <= len("  > “”") + 300 for q in quotes)


def test_citations_resolve_to_sources(md: str) -> None:
    body = md.split("## Sources")[0]
    cited = {int(n) for group in re.findall(r"\[(\d+(?:, \d+)*)\]", body) for n in group.split(", ")}
    assert cited == {s.n for s in make_briefing().sources}


def test_warnings_only_when_present(md: str) -> None:
    assert block(md, "Warnings").startswith("- Talking point “Invoice automation")
    assert "## Warnings" not in render_markdown(make_briefing(warnings=[]))


def test_empty_briefing_says_nothing_recorded() -> None:
    b = make_briefing(goals=[], concerns=[], open_commitments=[], closed_since_last=[], decisions=[],
                      whats_new=[], talking_points=[], questions_to_ask=[], likely_questions=[],
                      hard_conversations=[], agenda=[], sources=[], warnings=[])
    md = render_markdown(b)
    assert re.findall(r"^## (.+)$", md, re.M) == list(SECTIONS[:-1])
    assert md.count("*Nothing recorded.*") == 13
    assert "|" not in md


def test_clean_output(md: str) -> None:
    assert md.endswith("\n") and not md.endswith("\n\n")
    assert "\n\n\n" not in md
    assert make_briefing().to_markdown() == md


def test_shared_helpers() -> None:
    assert cite([]) == "" and cite([2]) == "[2]" and cite([2, 5]) == "[2, 5]"
    long = "word " * 100
    cut = excerpt(long)
    assert len(cut) <= 300 and cut.endswith("…") and not cut.endswith(" …")
    assert excerpt("## Heading\x0c text") == "Heading text"


def test_control_characters_and_newlines_do_not_break_markdown() -> None:
    b: Briefing = make_briefing(hard_conversations=[
        HardConversation(topic="Two\nlines", what_to_say="Say\x00 it\tplainly.", citations=[1])])
    text = block(render_markdown(b), "Hard conversations")
    assert text == "**Two lines**\n\nSay it plainly. [1]"
