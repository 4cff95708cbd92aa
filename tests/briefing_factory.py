"""A realistic, hand-built Briefing for renderer tests (and any other test that needs one).

The CFO of the sample organization, the day of the November dialogue: two goals, one
concern, three open commitments (one overdue), one closed, one decision, one new
document, three talking points (one of them an opinion), two likely questions, one hard
conversation, a 30-minute agenda, four sources and one warning.

``make_briefing(**updates)`` returns a fresh copy; keyword arguments replace whole fields
(``make_briefing(warnings=[])``), and ``header={...}`` updates single header fields.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from dxprep.briefing.model import (
    AgendaItem,
    Briefing,
    BriefingHeader,
    CommitmentLine,
    DecisionLine,
    HardConversation,
    NewForThem,
    QandA,
    Source,
    StatedLine,
    TalkingPoint,
)

__all__ = ["MEETING_DATE", "make_briefing", "make_header"]

MEETING_DATE = dt.date(2026, 11, 19)

MAY_NOTE = "notes/2026/05/2026-05-20-cfo.md"
OCT_NOTE = "notes/2026/10/finance/cfo-october.docx"
BUDGET = "material/budget/fy2027-it-budget-proposal.md"
SPEND = "material/budget/fy2026-h1-it-spend-review.pdf"


def make_header(**updates: Any) -> BriefingHeader:
    header = BriefingHeader(
        executive_id="cfo",
        executive_name="Daniel Okafor",
        title="Chief Financial Officer",
        role="CFO",
        business_unit="finance",
        business_unit_name="Finance",
        organization="Harlan Creek Foods, Inc.",
        meeting_date=MEETING_DATE,
        minutes=30,
        dialogue_number=4,
        dialogue_label="4th monthly dialogue",
        last_met=dt.date(2026, 10, 15),
        days_since=35,
        cadence_days=30,
        cadence_status="overdue by 5 days (cadence 30 days)",
        prepared_for="Elena Marsh",
        engine="offline",
        model=None,
        prompt_version="2026.11-1",
        drafted_without_model=True,
        generated_at=dt.datetime(2026, 11, 18, 7, 30, tzinfo=dt.UTC),
    )
    return header.model_copy(update=updates)


def _sources() -> list[Source]:
    return [
        Source(
            n=1, source=MAY_NOTE, start=182, end=262, location="line 10", kind="note", doc_type="meeting-note",
            title="Monthly IT–Finance dialogue — May 2026", section="Goals", date=dt.date(2026, 5, 20),
            text="- Close the books in 5 working days instead of 9 by Q3 2027.",
        ),
        Source(
            n=2, source=OCT_NOTE, start=1204, end=1730, location="paragraph 9", kind="note", doc_type="meeting-note",
            title="CFO monthly dialogue — October 2026", section="Action items", date=dt.date(2026, 10, 15),
            text=("Keystone cost model: Rachel confirmed the model is still not finished. The data migration and "
                  "testing lines are now in, but the second payroll interface is still an estimate from Tallowby. "
                  "Daniel was clear that he will not take anything to the board that Finance has not reviewed line "
                  "by line, and that the September date has already slipped once. We agreed IT sends the full model "
                  "to Lena Fischer first, with the open assumptions listed on one page, so Finance can start its "
                  "review before the numbers are final."),
        ),
        Source(
            n=3, source=BUDGET, start=410, end=720, location="line 21", kind="material", doc_type="budget",
            title="FY2027 IT Budget Proposal (draft 3)", section="1. Headline", date=dt.date(2026, 11, 16),
            text=("Finance guidance for FY2027 IT spend is $10.90M. The request is $0.72M above guidance. "
                  "Section 5 sets out the options to close the gap; the executive decisions they need are "
                  "listed in section 6."),
        ),
        Source(
            n=4, source=SPEND, start=95, end=300, location="p. 2", kind="material", doc_type="budget",
            title="FY2026 H1 IT spend review", section=None, date=dt.date(2026, 7, 31),
            text=("H1 IT spend was $5.21M against a phased budget of $5.05M (+3.2%). The overrun is almost "
                  "entirely WMS contractor time at Dubuque; run costs are on plan."),
        ),
    ]


def make_briefing(**updates: Any) -> Briefing:
    header_updates = updates.pop("header", {})
    briefing = Briefing(
        header=make_header(**header_updates),
        goals=[
            StatedLine(text="Close the books in 5 working days instead of 9 by Q3 2027.",
                       first_stated=dt.date(2026, 5, 20), last_stated=dt.date(2026, 10, 15), citations=[1]),
            StatedLine(text="Hold FY2026 IT spend at or under the approved $10.1M.",
                       first_stated=dt.date(2026, 5, 20), last_stated=dt.date(2026, 5, 20), citations=[4]),
        ],
        concerns=[
            StatedLine(text="The Tallowby estimate for Keystone (the ERP upgrade) is light by 20–30%; "
                            "he does not want to defend it to the board.",
                       first_stated=dt.date(2026, 5, 20), last_stated=dt.date(2026, 10, 15), citations=[2]),
        ],
        open_commitments=[
            CommitmentLine(id="c-erp-cost-model", text="Cost model for the ERP upgrade, reviewed with Finance",
                           owner="IT (Rachel)", side="IT", due=dt.date(2026, 7, 31), status="open", overdue=True,
                           opened_in="notes/2026/05/2026-05-20-cfo.md:line 24", citations=[2]),
            CommitmentLine(id="c-fy27-options", text="Options to close the $0.72M gap to FY2027 guidance",
                           owner="IT (Elena)", side="IT", due=dt.date(2026, 12, 5), status="open",
                           opened_in="notes/2026/10/finance/cfo-october.docx:paragraph 11", citations=[3]),
            CommitmentLine(id="c-vendor-master", text="Name a data owner for vendor master data",
                           owner="Finance (Daniel)", side="business", due=None, status="open",
                           opened_in="notes/2026/05/2026-05-20-cfo.md:line 25", citations=[1]),
        ],
        closed_since_last=[
            CommitmentLine(id="c-unsupported-apps", text="List the unsupported finance applications with a "
                           "retirement date for each", owner="IT (Owen)", side="IT", due=dt.date(2026, 6, 30),
                           status="done", opened_in="notes/2026/05/2026-05-20-cfo.md:line 26",
                           closed_in="notes/2026/10/finance/cfo-october.docx:paragraph 12", citations=[2]),
        ],
        decisions=[
            DecisionLine(text="The full Keystone cost model goes to Lena Fischer before any board paper.",
                         date=dt.date(2026, 10, 15), citations=[2]),
        ],
        whats_new=[
            NewForThem(title="FY2027 IT Budget Proposal (draft 3)", doc_type="budget", date=dt.date(2026, 11, 16),
                       summary="The FY2027 request is $11.62M, $0.72M above Finance guidance; section 5 sets "
                               "out the options to close the gap.", citations=[3]),
        ],
        talking_points=[
            TalkingPoint(
                headline="The Keystone cost model is late: show what is done and when the rest lands",
                why_it_matters="Daniel will not take an unreviewed number to the board, and the date has slipped once.",
                evidence="Migration and testing lines are in; the payroll interface is still Tallowby's estimate.",
                ask="Agree that Lena Fischer reviews the model in two parts, starting next week.",
                citations=[2],
            ),
            TalkingPoint(
                headline="FY2027: $0.72M above guidance, with options to close the gap",
                why_it_matters="He wants no surprises on IT spend; the steering committee decides on 5 December.",
                evidence="The request is $11.62M against $10.90M guidance; H1 FY2026 ran 3.2% over on WMS contractors.",
                ask="Pick the two options Finance can support before the committee meets.",
                citations=[3, 4],
            ),
            TalkingPoint(
                headline="Invoice automation in AP can start in Q1, not Q4",
                why_it_matters="A faster close is his first goal, and AP is where the days are lost.",
                evidence="Rachel's team frees up once Keystone design is signed off.",
                ask="Name an AP process owner for the pilot.",
                citations=[],
                opinion=True,
            ),
        ],
        questions_to_ask=[
            "Which of the FY2027 options would you defend in front of the steering committee?",
            "Who in Finance will own vendor master data, and by when?",
        ],
        likely_questions=[
            QandA(question="Why is the cost model still not finished after four months?",
                  answer="The payroll interface estimate depends on Tallowby; the rest is done and can go to "
                         "Lena this week.", citations=[2]),
            QandA(question="Can IT absorb the overrun instead of asking for more?",
                  answer="Run costs are on plan; the overrun is WMS contractor time, which ends after "
                         "hypercare.", citations=[4]),
        ],
        hard_conversations=[
            HardConversation(topic="Vendor master data still has no owner",
                             what_to_say="Six months on, the duplicate-supplier risk is unchanged; IT cannot fix "
                                         "a data-ownership gap with a system.", citations=[1]),
        ],
        agenda=[
            AgendaItem(minutes=5, topic="Since last time: commitments and the Keystone cost model"),
            AgendaItem(minutes=12, topic="FY2027 IT budget: the gap to guidance and the options"),
            AgendaItem(minutes=8, topic="Vendor master data ownership"),
            AgendaItem(minutes=5, topic="Next steps and date of the next dialogue"),
        ],
        sources=_sources(),
        warnings=["talking point “Invoice automation in AP can start in Q1, not Q4” has no valid source: "
                  "flagged as opinion"],
    )
    return briefing.model_copy(update=updates)
