#!/usr/bin/env python3
"""Build the binary files of the sample workspace in ``corpus/``.

Every ``.docx`` and ``.pdf`` under ``corpus/`` is generated here, deterministically, from
text held in this script:

- Word files are written with python-docx, then re-zipped with fixed timestamps so the
  bytes do not change from one run to the next. Core properties (title, category,
  created/modified dates, keywords) are fixed.
- PDF files are written by a small hand-rolled PDF 1.4 writer (Helvetica, WinAnsi
  text, an /Info dictionary with /Title and fixed dates), so no PDF library is needed
  and pypdf can extract the text.

Usage::

    python scripts/build_corpus_binaries.py            # writes into corpus/
    python scripts/build_corpus_binaries.py --check    # fails if a file would change

Only python-docx is required (it is already a dxprep dependency).
"""

from __future__ import annotations

import argparse
import datetime as dt
import io
import sys
import textwrap
import zipfile
from dataclasses import dataclass, field
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
CORPUS = ROOT / "corpus"
FIXED_ZIP_TIME = (2026, 1, 1, 0, 0, 0)

# --------------------------------------------------------------------------------------
# Document model: a list of blocks
#   ("meta", text)    plain paragraph before the first heading (Date:, Executive: ...)
#   ("h1", text)      Heading 1
#   ("h2", text)      Heading 2
#   ("bullet", text)  List Bullet paragraph
#   ("p", text)       Normal paragraph
#   ("table", rows)   table, first row is the header (docx and pdf)
# --------------------------------------------------------------------------------------

Block = tuple[str, object]


@dataclass
class DocxSpec:
    path: str
    title: str
    created: dt.datetime
    author: str
    blocks: list[Block]
    category: str = ""
    keywords: str = ""
    subject: str = ""


@dataclass
class PdfSpec:
    path: str
    title: str
    created: dt.datetime
    author: str
    subject: str
    blocks: list[Block] = field(default_factory=list)


def d(y: int, m: int, day: int, hour: int = 9) -> dt.datetime:
    return dt.datetime(y, m, day, hour, 0, 0, tzinfo=dt.UTC)


# --------------------------------------------------------------------------------------
# Meeting notes (.docx)
# --------------------------------------------------------------------------------------

NOTE_COO_JUNE = DocxSpec(
    path="notes/2026/06/coo-monthly-june.docx",
    title="Monthly IT–Operations dialogue — June 2026",
    created=d(2026, 6, 10, 15),
    author="Elena Marsh",
    blocks=[
        ("meta", "Date: June 10, 2026"),
        ("meta", "Executive: coo"),
        ("meta", "Confidential: no"),
        ("h1", "Monthly IT–Operations dialogue — June 2026"),
        ("h2", "Objectives"),
        ("bullet", "Raise OEE on the Mankato ready-meal lines from 61% to 70% by the end of 2027."),
        ("bullet", "Zero unplanned downtime caused by IT or OT systems during the peak season."),
        ("bullet", "Replace paper batch records at Eau Claire with electronic records."),
        ("h2", "Risks"),
        ("bullet", "The plant networks are flat: an infected office laptop could reach the line controllers at all three plants."),
        ("bullet", "Plant supervisors click on phishing emails at twice the office rate (last simulation: 19% against 9%)."),
        ("bullet", "Two of the three OT technicians retire within 18 months."),
        ("h2", "Decisions"),
        ("bullet", "The MES pilot runs at Mankato first, on one line, before any rollout decision."),
        ("bullet", "OT segmentation is assessed at all three plants before any new equipment is connected."),
        ("h2", "Action items"),
        ("bullet", "[ ] IT (Owen): run a phishing simulation for plant supervisors, due 2026-07-15"),
        ("p", "[ ] IT (Tomás): OT network segmentation assessment for all three plants, due 2026-08-31 {#ai-07}"),
        ("p", "☐ Ops (Jim): nominate two line leads for the MES pilot at Mankato"),
        ("h2", "Notes"),
        ("p", "Met Rosa at Mankato, walked Line 3 with Jim Sorensen (plant manager) first. Rosa's agenda is simple: "
              "more output from the lines we have, because Harlan 2028 has no fourth plant in it. Every point of "
              "OEE at Mankato is worth roughly $1.1M of extra sales capacity a year."),
        ("p", "She asked what IT would do for her this year, and I was honest: the big items (Keystone, WMS) "
              "mostly serve Finance and Supply Chain in 2026. What Operations gets this year is the plant "
              "network assessment and the MES pilot design, with the pilot itself running in 2027."),
        ("p", "Security was the longer conversation. Jim had not realised that the line controllers and the "
              "office PCs share a network. Rosa wants the assessment to cover all three plants, not only "
              "Mankato, and does not want new equipment connected until it is done. That will annoy the "
              "engineering team, which has two new packaging machines arriving in August."),
        ("p", "The retirement of two OT technicians is a risk nobody owns yet. I raised it; Rosa will take it "
              "to Grace as a succession issue."),
    ],
)

NOTE_SUPPLY_AUGUST = DocxSpec(
    path="notes/2026/08/supply-chain-dialogue.docx",
    title="IT–Supply Chain dialogue — August 2026",
    created=d(2026, 8, 26, 16),
    author="Elena Marsh",
    blocks=[
        ("meta", "Date: 26 Aug 2026"),
        ("meta", "Executive: Kwame Mensah"),
        ("meta", "Confidential: no"),
        ("h1", "IT–Supply Chain dialogue — August 2026"),
        ("h2", "Goals"),
        ("bullet", "Supplier on-time delivery to 95% by the end of 2027; it is 88% today."),
        ("bullet", "The new WMS live at the Dubuque DC before the peak."),
        ("h2", "Concerns"),
        ("bullet", "Stratalink's ERP adapter failed system integration testing: 37 defects, 9 of them severity 1."),
        ("bullet", "The RF scanners for the DC are back-ordered by seven weeks."),
        ("bullet", "Mis-picks at Dubuque ran at 0.8% in July, and Bluestem charges back $250 per mis-shipped pallet."),
        ("h2", "Agreed"),
        ("bullet", "The supplier dashboard becomes the tool for the weekly supplier review from September."),
        ("bullet", "Go or no-go for the WMS on 25 September: if more than 5 severity-1 defects are open, go-live moves to January 2027."),
        ("h2", "Action items"),
        ("bullet", "☑ IT (Priya): create a supplier on-time-delivery dashboard in Lumenboard"),
        ("bullet", "[x] Supply Chain (Kwame): confirm the WMS go-live window with the Dubuque DC manager, due 2026-06-30"),
        ("p", "☐ IT (Marco): go-live of the new warehouse management system at the Dubuque DC, due 2026-10-15"),
        ("p", "[ ] Supply Chain (Kwame): agree the peak-season change freeze dates with IT, due 2026-09-15"),
        ("h2", "Notes"),
        ("p", "Good news first: the supplier on-time-delivery dashboard went live on 10 August and Kwame's buyers "
              "used it in two supplier reviews already. On-time delivery is 88%, up from 86% in May, mostly "
              "because two packaging suppliers now know they are being measured."),
        ("p", "The WMS is the hard part. System integration testing found 37 defects in the Stratalink adapter, "
              "9 of them severity 1, mostly in how lots and expiry dates map to the ERP and how ship notices are "
              "built for mixed pallets. Marco Ruiz thinks 15 October is still possible but only just. I told "
              "Kwame my own view: it is more likely than not that we go in January."),
        ("p", "Kwame took it well because we agreed the rule in May. He would rather have a January go-live "
              "that works than an October one that breaks during the peak. We set an objective go or no-go "
              "test for 25 September so that the decision is not a debate on the day."),
        ("p", "He asked whether Stratalink pays for the delay. The contract has service credits for missed "
              "milestones caused by the vendor; I will pursue them."),
    ],
)

NOTE_COO_SEPTEMBER = DocxSpec(
    path="notes/2026/09/2026-09-03 coo.docx",
    title="IT–Operations monthly — September 2026",
    created=d(2026, 9, 3, 14),
    author="Elena Marsh",
    blocks=[
        ("h1", "IT–Operations monthly — September 2026"),
        ("h2", "Goals"),
        ("bullet", "OEE at Mankato to 70% by the end of 2027; it is 62% today."),
        ("bullet", "Electronic batch records on the MES pilot line by mid-2027."),
        ("h2", "Concerns"),
        ("bullet", "After the Dunmore Creamery attack, Rosa wants to know how long the plants could run without IT."),
        ("bullet", "The segmentation assessment found 212 devices on the Mankato plant network, 46 of them unknown to IT."),
        ("bullet", "Line 3 at Mankato has Veltrix operator panels on 2019 firmware."),
        ("h2", "Decisions"),
        ("bullet", "Mankato Line 3 hosts the MES pilot."),
        ("bullet", "Plants keep a paper fallback for batch records until the MES pilot has run for six months."),
        ("h2", "Next steps"),
        ("bullet", "[x] IT (Owen): run a phishing simulation for plant supervisors, due 2026-07-15"),
        ("bullet", "☑ IT (Tomás): segmentation assessment delivered, findings logged in the OT risk register {#ai-07}"),
        ("p", "[x] Ops (Jim): nominate two line leads for the MES pilot at Mankato"),
        ("p", "[ ] IT (Owen): ransomware tabletop exercise with the plant managers, due 2026-11-15"),
        ("h2", "Notes"),
        ("p", "Rosa had read about Dunmore Creamery in the trade press and opened with it: their plants stopped "
              "for nine days because scheduling and label printing sat on the same network as the office. She "
              "asked the question every executive is now asking, how many days could we ship without IT, and "
              "I told her we do not have a tested answer yet. The tabletop exercise with the plant managers is "
              "how we get one."),
        ("p", "The segmentation assessment landed on 28 August. The headline for Mankato is 212 devices on the "
              "plant network, 46 of which nobody in IT knew about, including two remote-access boxes installed "
              "by machine builders. Eau Claire and Sparta are flat networks too, but smaller."),
        ("p", "Phishing simulation results for plant supervisors: the click rate fell from 19% in the spring to "
              "12% in July. Better, still far from the 5% target."),
        ("p", "MES: Line 3 is the pilot line; Jim nominated two line leads in July. Tomás will build the cost and "
              "benefit model with Finance, because Daniel will decide the funding."),
    ],
)

NOTE_CFO_OCTOBER = DocxSpec(
    path="notes/2026/10/finance/cfo-october.docx",
    title="Monthly IT–Finance dialogue — October 2026",
    created=d(2026, 10, 14, 11),
    author="Elena Marsh",
    blocks=[
        ("meta", "Date: 14 Oct 2026"),
        ("meta", "Executive: cfo"),
        ("meta", "Confidential: no"),
        ("h1", "Monthly IT–Finance dialogue — October 2026"),
        ("h2", "Goals"),
        ("bullet", "A five-day close by Q3 2027; the September close took 8 days."),
        ("bullet", "FY2027 IT spend within the guidance of $10.9M."),
        ("h2", "Concerns"),
        ("bullet", "On 9 October AP almost paid $186,400 to a fraudster who had taken over a Corrugo Packaging mailbox."),
        ("bullet", "The first FY2027 IT budget draft is $11.6M against guidance of $10.9M."),
        ("h2", "Decisions"),
        ("bullet", "Invoice automation goes ahead with Paperwise, starting in January with the top 150 suppliers."),
        ("h2", "Action items"),
        ("bullet", "☑ IT (Rachel): AP invoice automation scope signed off by Lena {#ai-12}"),
        ("bullet", "[x] Finance (Lena): provide three months of AP invoice samples for the automation vendors, due 2026-08-15"),
        ("bullet", "[x] IT (Tomás): MES pilot cost and benefit model for Mankato Line 3, due 2026-10-09"),
        ("p", "- [ ] Finance (Daniel): decision on funding the MES pilot at Mankato, due 2026-12-15"),
        ("p", "☐ Finance (Lena): enforce call-back verification for all supplier bank-detail changes"),
        ("h2", "Notes"),
        ("p", "Most of the hour went on the near-miss of 9 October. A Corrugo Packaging account manager's mailbox "
              "was taken over and used to send a bank-change request inside a real email thread. Nothing in our "
              "email security could have caught it, because the message genuinely came from Corrugo. A senior "
              "AP clerk caught it by calling the supplier. Daniel wants call-back verification to be a rule, "
              "not the habit of one careful person, and Lena will own it."),
        ("p", "The invoice automation scope was signed off by Lena on 12 October. Paperwise won on price and on "
              "purchase-order matching; build starts after the peak freeze."),
        ("p", "Tomás delivered the MES cost and benefit model on 9 October: $620k in 2027 and a payback of 2.4 "
              "years on Line 3, using the maintenance-log downtime figures agreed in September. Daniel will "
              "decide by mid-December, together with the rest of the budget."),
        ("p", "Budget: the first draft is $11.6M against his guidance of $10.9M. I set the expectation that "
              "the gap cannot be closed without giving something up, and that I would bring options with "
              "consequences rather than a number that quietly cuts security."),
    ],
)

# --------------------------------------------------------------------------------------
# Material (.docx)
# --------------------------------------------------------------------------------------

MAT_CHARTER = DocxSpec(
    path="material/strategy/dx-steering-committee-charter.docx",
    title="DX Steering Committee Charter",
    created=d(2026, 2, 9, 10),
    author="Elena Marsh",
    category="strategy",
    keywords="business_units: corporate, finance, ops, sales",
    subject="Governance of the digital transformation portfolio",
    blocks=[
        ("h1", "DX Steering Committee Charter"),
        ("p", "Harlan Creek Foods, Inc. Approved by the executive team on 9 February 2026. Review date: February 2027."),
        ("h2", "Purpose"),
        ("p", "The DX Steering Committee owns the company's digital transformation portfolio. It decides which "
              "initiatives run, in what order and with what money, and it makes sure that every initiative "
              "serves a goal that an executive has stated and owns. It does not manage projects day to day; "
              "project owners do."),
        ("h2", "Membership"),
        ("bullet", "Chief Executive Officer (chair)"),
        ("bullet", "Chief Financial Officer"),
        ("bullet", "Chief Operating Officer"),
        ("bullet", "Chief Marketing & Sales Officer"),
        ("bullet", "Chief Information Officer (secretary; prepares the portfolio report)"),
        ("p", "The SVP Supply Chain, the VP Quality & Food Safety and the Chief People Officer attend when an "
              "initiative they sponsor is on the agenda. Project owners attend for their own items."),
        ("h2", "Decision rights"),
        ("p", "The committee decides on:"),
        ("bullet", "starting, pausing or stopping a major initiative;"),
        ("bullet", "any change to an initiative's scope, budget or go-live date of more than 10%;"),
        ("bullet", "the priority order when initiatives compete for the same people or shutdown windows;"),
        ("bullet", "the IT budget proposal before it goes to the CFO and the board."),
        ("p", "Changes below the 10% threshold are decided by the sponsor and the CIO and reported at the next meeting."),
        ("h2", "Rules the committee applies"),
        ("bullet", "No more than eight major initiatives run at the same time."),
        ("bullet", "Every initiative names the executive goal it serves; an initiative without one is paused."),
        ("bullet", "No go-live in a plant, the distribution centre or a customer-facing system between 2 November and 8 January."),
        ("bullet", "Status is reported honestly on one page, with a reason for every amber or red."),
        ("h2", "Cadence and inputs"),
        ("p", "The committee meets monthly for 60 minutes, on the second Thursday. Inputs, circulated three "
              "working days before: the one-page portfolio report, decisions requested with options and "
              "consequences, and any threat brief that changes priorities."),
        ("h2", "Quorum and escalation"),
        ("p", "Quorum is the chair plus two members. Where the committee cannot agree, the CEO decides. Decisions "
              "that exceed the approved annual IT budget go to the board through the CFO."),
        ("h2", "Records"),
        ("p", "The CIO keeps the minutes, the decision log and the list of open actions, and follows actions up "
              "at the next meeting."),
    ],
)

MAT_MES_CASE = DocxSpec(
    path="material/projects/mes-pilot-business-case.docx",
    title="MES Pilot on Mankato Line 3: Business Case",
    created=d(2026, 10, 9, 9),
    author="Tomás Herrera",
    category="project-status",
    keywords="business_units: ops, finance",
    subject="Business case and funding request for the MES pilot",
    blocks=[
        ("h1", "MES Pilot on Mankato Line 3: Business Case"),
        ("p", "Prepared by Tomás Herrera (Infrastructure and OT Lead) with Lena Fischer (Controller). Sponsor: "
              "Rosa Delgado, COO. Version 1.0, 9 October 2026. Decision requested from the CFO by 15 December 2026."),
        ("h2", "Summary"),
        ("p", "We propose a six-month pilot of Fabrion MES on Mankato Line 3 in 2027, at a cost of $620,000, to "
              "capture downtime, yield and OEE automatically and to replace paper batch records on that line. "
              "The expected benefit on Line 3 alone is about $258,000 a year, a payback of 2.4 years. The larger "
              "value is the decision it enables: whether to roll MES out to the other five Mankato lines "
              "(estimated $2.1M) on the basis of measured results rather than vendor claims."),
        ("h2", "Problem"),
        ("p", "Mankato's OEE is 62% against a target of 70% by the end of 2027. Nobody can say with confidence "
              "where the lost 38% goes: shift logs report 11% unplanned downtime on Line 3, Finance's standard "
              "cost model assumes 6%, and the maintenance system records 9.4%. Batch records are on paper, "
              "checked by hand, and take about 0.8 FTE of supervisor and quality time per line."),
        ("h2", "Scope"),
        ("bullet", "Line 3 only: two fillers, one sealer, one case packer, one checkweigher."),
        ("bullet", "Automatic downtime capture with reason codes entered by operators at the line."),
        ("bullet", "Electronic batch record for the line, validated for food safety records."),
        ("bullet", "Integration with the ERP (production orders, consumption) and with the Veltrix operator panels."),
        ("bullet", "Out of scope: other lines, scheduling optimisation, predictive maintenance."),
        ("h2", "Costs (2027)"),
        ("table", [
            ["Item", "Amount"],
            ["Fabrion MES subscription, year 1", "$145,000"],
            ["Line sensors and edge hardware", "$118,000"],
            ["Integration with ERP and operator panels", "$164,000"],
            ["Validation and operator training", "$71,000"],
            ["Fabrion implementation services", "$122,000"],
            ["Total", "$620,000"],
        ]),
        ("h2", "Benefits (Line 3, per year from 2028)"),
        ("table", [
            ["Benefit", "Amount"],
            ["Unplanned downtime from 9.4% to 7.0%: extra contribution", "$162,000"],
            ["Paper batch records removed: 0.8 FTE", "$52,000"],
            ["Yield: 0.3% less overfill giveaway", "$44,000"],
            ["Total", "$258,000"],
        ]),
        ("h2", "Status"),
        ("p", "Green, awaiting funding. Line 3 selected; two line leads nominated; design complete; the cost "
              "model uses the maintenance-log downtime figures agreed by Finance and Operations on 17 September."),
        ("h2", "Risks"),
        ("bullet", "Cyber: the Line 3 operator panels run 2019 firmware and the plant network is flat. The pilot "
                   "must wait for segmentation at Mankato (January 2027)."),
        ("bullet", "People: the line leads also run the January changeover programme; operators need training "
                   "during production."),
        ("bullet", "Capacity: the OT team has one engineer with the right skills, shared with the segmentation work."),
        ("h2", "If the pilot is not funded"),
        ("p", "The pilot moves to 2028, the 70% OEE target for the end of 2027 is not reachable, and the MES "
              "rollout decision moves to 2029. Paper batch records stay on all Mankato lines."),
    ],
)

DOCX_SPECS = [NOTE_COO_JUNE, NOTE_SUPPLY_AUGUST, NOTE_COO_SEPTEMBER, NOTE_CFO_OCTOBER, MAT_CHARTER, MAT_MES_CASE]

# --------------------------------------------------------------------------------------
# Material (.pdf)
# --------------------------------------------------------------------------------------

PDF_PORTFOLIO_AUG = PdfSpec(
    path="material/projects/portfolio-status-2026-08.pdf",
    title="IT Portfolio Status Report - August 2026",
    created=d(2026, 8, 21, 8),
    author="Elena Marsh",
    subject="Monthly portfolio status for the executive team",
    blocks=[
        ("h1", "IT Portfolio Status Report - August 2026"),
        ("p", "Harlan Creek Foods, Inc. Date: 21 August 2026. Prepared by Elena Marsh (CIO). Period: 17 July - 21 August 2026."),
        ("h2", "Summary"),
        ("table", [
            ["Initiative", "Status", "Owner", "Target"],
            ["Keystone: ERP upgrade", "Green", "Rachel Kim", "go-live 2027-10-04"],
            ["WMS at the Dubuque DC", "Amber", "Marco Ruiz", "go-live 2026-10-15 (at risk)"],
            ["MES pilot, Mankato Line 3", "Green (design)", "Tomas Herrera", "pilot 2027"],
            ["OT segmentation", "Green", "Owen Park", "assessment 2026-08-31"],
            ["AP invoice automation", "Green (scoping)", "Rachel Kim", "scope 2026-09-30"],
            ["LIMS replacement", "Green (selection)", "Sofia Lind", "go-live H2 2027"],
            ["Retail EDI and B2B portal", "Green", "Dev Malhotra", "EDI wave 1 2026-12-18"],
            ["Supplier performance and forecasting", "Green", "Priya Shah", "dashboard live 2026-08-10"],
            ["Project Commons: intranet", "Green", "Luis Moreno", "launch 2026-12"],
        ]),
        ("h2", "WMS at the Dubuque DC (Amber)"),
        ("p", "System integration testing of the Stratalink adapter between the WMS and the ERP started on 3 August, "
              "two weeks late, because the adapter design was only signed off on 24 July. The first test cycle "
              "raised 37 defects, 9 of them severity 1, mainly in ship-notice (ASN) message mapping and lot and "
              "expiry handling. The RF scanners ordered in June have been back-ordered by the distributor; the "
              "new delivery date is mid-October."),
        ("p", "The 15 October go-live is at risk. A go or no-go review is set for 25 September with the SVP "
              "Supply Chain. If more than 5 severity-1 defects are open on that date, or the scanners have not "
              "arrived, the go-live moves to January 2027, after the peak change freeze. We reported this project "
              "green until July; that was wrong, and the status now carries the reason."),
        ("h2", "Keystone: ERP upgrade (Green)"),
        ("p", "Order-to-cash design workshops are complete. Procure-to-pay workshops finish on 4 September. The "
              "board will consider the business case at $4.2M plus 10% contingency in September. Data-migration "
              "trial 2 is planned for 2 October."),
        ("h2", "OT segmentation (Green)"),
        ("p", "The assessment of all three plants is on schedule for 31 August. Early findings at Mankato: more "
              "than 200 devices on the plant network, a significant share unknown to IT, and two remote-access "
              "devices installed by machine builders without IT's knowledge."),
        ("h2", "Supplier performance and forecasting (Green)"),
        ("p", "The supplier on-time-delivery dashboard went live on 10 August and is used in the weekly supplier "
              "review. On-time delivery is 88%, up from 86% in May."),
        ("h2", "Retail EDI and B2B portal (Green)"),
        ("p", "The top 20 retail customer list for EDI onboarding is awaited from Sales. The Bluestem Grocers "
              "sell-through pilot is running; first store-level reports go to key-account managers in September."),
        ("h2", "Budget"),
        ("p", "Change budget consumed: $1.46M of $2.70M (54%). Full-year forecast for change: $2.78M, 3% over, "
              "driven by WMS change requests."),
        ("h2", "Decisions needed"),
        ("p", "None this month. The WMS go or no-go on 25 September will be reported to the executive team on the same day."),
    ],
)

PDF_H1_SPEND = PdfSpec(
    path="material/budget/fy2026-h1-it-spend-review.pdf",
    title="FY2026 H1 IT Spend Review",
    created=d(2026, 7, 24, 8),
    author="Lena Fischer",
    subject="First-half IT spend against plan",
    blocks=[
        ("h1", "FY2026 H1 IT Spend Review"),
        ("p", "Harlan Creek Foods, Inc. Date: 24 July 2026. Prepared by Lena Fischer (Controller) and Elena Marsh (CIO) for Daniel Okafor (CFO)."),
        ("h2", "Headline"),
        ("p", "IT spent $5.23M in the first half of 2026 against a plan of $5.02M, an overspend of $0.21M (4.1%). "
              "Run costs were $0.09M over plan and change costs $0.12M over plan. The full-year forecast is "
              "$10.45M against the approved budget of $10.10M (3.5% over)."),
        ("table", [
            ["", "H1 plan", "H1 actual", "Variance"],
            ["Run (opex)", "$3.70M", "$3.79M", "+$0.09M"],
            ["Change (capex)", "$1.32M", "$1.44M", "+$0.12M"],
            ["Total", "$5.02M", "$5.23M", "+$0.21M (4.1%)"],
        ]),
        ("h2", "Drivers of the overspend"),
        ("table", [
            ["Driver", "Amount", "Type"],
            ["WMS change requests (lot and expiry handling, ASN formats)", "$112,000", "change"],
            ["Emergency firewall replacement at the Mankato plant (end of life, failed in April)", "$64,000", "run"],
            ["Licence true-up after the Corvex audit (Meridian ERP users)", "$38,000", "run"],
            ["Other change items", "$8,000", "change"],
            ["Savings on telecom contract renewal", "-$12,000", "run"],
            ["Net", "$210,000", ""],
        ]),
        ("h2", "Per project, change spend H1"),
        ("table", [
            ["Initiative", "H1 plan", "H1 actual"],
            ["Keystone: ERP upgrade", "$0.52M", "$0.51M"],
            ["WMS at the Dubuque DC", "$0.41M", "$0.53M"],
            ["OT segmentation", "$0.12M", "$0.12M"],
            ["Supplier performance and forecasting", "$0.08M", "$0.09M"],
            ["Retail EDI and B2B portal", "$0.05M", "$0.05M"],
            ["LIMS replacement", "$0.04M", "$0.04M"],
            ["Project Commons: intranet", "$0.04M", "$0.03M"],
            ["Device lifecycle", "$0.06M", "$0.07M"],
            ["Total", "$1.32M", "$1.44M"],
        ]),
        ("h2", "Outlook for H2"),
        ("p", "H2 will not fully recover the overspend. The WMS integration work continues and immutable backups "
              "may be needed before the cyber insurance renewal. Options to reduce the full-year variance "
              "below 3% would mean deferring device replacement or slowing Project Commons. IT recommends "
              "accepting a forecast of $10.45M rather than deferring work that reduces risk."),
        ("h2", "Observations"),
        ("p", "Unsupported infrastructure is an avoidable cost: the Mankato firewall had been flagged as end of "
              "life in 2024 and failed before its planned replacement. The other two plants have firewalls of "
              "the same model, scheduled for replacement in the OT segmentation work."),
    ],
)

PDF_SPECS = [PDF_PORTFOLIO_AUG, PDF_H1_SPEND]


# --------------------------------------------------------------------------------------
# Writers
# --------------------------------------------------------------------------------------


def _rezip_deterministic(data: bytes) -> bytes:
    """Rewrite a zip with fixed timestamps and attributes, keeping member order."""
    src = zipfile.ZipFile(io.BytesIO(data))
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", compression=zipfile.ZIP_DEFLATED) as dst:
        for info in src.infolist():
            zi = zipfile.ZipInfo(info.filename, date_time=FIXED_ZIP_TIME)
            zi.compress_type = zipfile.ZIP_DEFLATED
            zi.external_attr = 0o644 << 16
            zi.create_system = 3
            dst.writestr(zi, src.read(info.filename))
    return out.getvalue()


def build_docx(spec: DocxSpec) -> bytes:
    import docx  # python-docx

    document = docx.Document()
    cp = document.core_properties
    cp.title = spec.title
    cp.author = spec.author
    cp.last_modified_by = spec.author
    cp.created = spec.created.replace(tzinfo=None)
    cp.modified = spec.created.replace(tzinfo=None)
    cp.last_printed = spec.created.replace(tzinfo=None)
    cp.revision = 1
    cp.category = spec.category
    cp.keywords = spec.keywords
    cp.subject = spec.subject
    cp.comments = ""
    cp.content_status = ""
    cp.identifier = ""
    cp.language = "en-US"
    cp.version = ""

    for kind, value in spec.blocks:
        if kind == "meta" or kind == "p":
            document.add_paragraph(str(value))
        elif kind == "h1":
            document.add_heading(str(value), level=1)
        elif kind == "h2":
            document.add_heading(str(value), level=2)
        elif kind == "bullet":
            document.add_paragraph(str(value), style="List Bullet")
        elif kind == "table":
            rows = value  # type: ignore[assignment]
            assert isinstance(rows, list)
            table = document.add_table(rows=len(rows), cols=len(rows[0]))
            table.style = "Table Grid"
            for r, row in enumerate(rows):
                for c, cell in enumerate(row):
                    table.cell(r, c).text = cell
        else:  # pragma: no cover - programming error
            raise ValueError(f"unknown block kind {kind!r}")

    buf = io.BytesIO()
    document.save(buf)
    return _rezip_deterministic(buf.getvalue())


# ---- minimal PDF writer ---------------------------------------------------------------

PAGE_W, PAGE_H = 612, 792  # US Letter
MARGIN_L, MARGIN_T, MARGIN_B = 72, 72, 72
STYLES = {  # kind: (font resource, size, leading, wrap width in characters, space before)
    "h1": ("F2", 16, 22, 60, 0),
    "h2": ("F2", 12, 17, 80, 8),
    "p": ("F1", 10, 13, 95, 4),
    "row": ("F1", 9, 12, 100, 0),
}


def _pdf_escape(text: str) -> str:
    text = (text.replace("–", "-").replace("—", "-").replace("’", "'")
            .replace("“", '"').replace("”", '"').replace("á", "a"))
    text.encode("ascii")  # fail loudly on anything not plain ASCII
    return text.replace("\\", "\\\\").replace("(", "\\(").replace(")", "\\)")


def _pdf_lines(blocks: list[Block]) -> list[tuple[str, str, int]]:
    """Flatten blocks into (kind, line, space_before) tuples, wrapped."""
    lines: list[tuple[str, str, int]] = []
    for kind, value in blocks:
        if kind == "table":
            rows = value
            assert isinstance(rows, list)
            widths = [max(len(r[c]) for r in rows) for c in range(len(rows[0]))]
            first = True
            for row in rows:
                cells = [cell.ljust(widths[c]) for c, cell in enumerate(row)]
                text = " | ".join(cells).rstrip()
                for part in textwrap.wrap(text, STYLES["row"][3]) or [""]:
                    lines.append(("row", part, 4 if first else 0))
                    first = False
            continue
        style = "p" if kind in ("p", "meta", "bullet") else kind
        text = str(value)
        if kind == "bullet":
            text = "- " + text
        wrapped = textwrap.wrap(text, STYLES[style][3]) or [""]
        for i, part in enumerate(wrapped):
            lines.append((style, part, STYLES[style][4] if i == 0 else 0))
    return lines


def build_pdf(spec: PdfSpec) -> bytes:
    # Lay out lines on pages.
    pages: list[list[str]] = []
    ops: list[str] = []
    y = PAGE_H - MARGIN_T
    for kind, line, before in _pdf_lines(spec.blocks):
        font, size, leading, _, _ = STYLES[kind]
        need = before + leading
        if y - need < MARGIN_B and ops:
            pages.append(ops)
            ops = []
            y = PAGE_H - MARGIN_T
        y -= need
        ops.append(f"BT /{font} {size} Tf {MARGIN_L} {y} Td ({_pdf_escape(line)}) Tj ET")
    if ops:
        pages.append(ops)
    n_pages = len(pages)
    for i, page_ops in enumerate(pages, start=1):
        page_ops.append(f"BT /F1 8 Tf {MARGIN_L} 40 Td (Harlan Creek Foods - internal - page {i} of {n_pages}) Tj ET")

    # Objects: 1 catalog, 2 pages, 3 font F1, 4 font F2, 5 info, then (page, content) pairs.
    objects: list[bytes] = []
    page_ids = [6 + 2 * i for i in range(n_pages)]
    objects.append(b"<< /Type /Catalog /Pages 2 0 R >>")
    kids = " ".join(f"{pid} 0 R" for pid in page_ids)
    objects.append(f"<< /Type /Pages /Kids [{kids}] /Count {n_pages} >>".encode())
    objects.append(b"<< /Type /Font /Subtype /Type1 /BaseFont /Helvetica /Encoding /WinAnsiEncoding >>")
    objects.append(b"<< /Type /Font /Subtype /Type1 /BaseFont /Helvetica-Bold /Encoding /WinAnsiEncoding >>")
    stamp = spec.created.strftime("D:%Y%m%d%H%M%SZ")
    info = (f"<< /Title ({_pdf_escape(spec.title)}) /Author ({_pdf_escape(spec.author)}) "
            f"/Subject ({_pdf_escape(spec.subject)}) /Creator (build_corpus_binaries.py) "
            f"/Producer (dxprep sample corpus) /CreationDate ({stamp}) /ModDate ({stamp}) >>")
    objects.append(info.encode())
    for i, page_ops in enumerate(pages):
        content = "\n".join(page_ops).encode("latin-1")
        page = (f"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 {PAGE_W} {PAGE_H}] "
                f"/Resources << /Font << /F1 3 0 R /F2 4 0 R >> >> /Contents {page_ids[i] + 1} 0 R >>")
        objects.append(page.encode())
        objects.append(b"<< /Length " + str(len(content)).encode() + b" >>\nstream\n" + content + b"\nendstream")

    out = io.BytesIO()
    out.write(b"%PDF-1.4\n%\xe2\xe3\xcf\xd3\n")
    offsets = []
    for num, body in enumerate(objects, start=1):
        offsets.append(out.tell())
        out.write(f"{num} 0 obj\n".encode() + body + b"\nendobj\n")
    xref = out.tell()
    out.write(f"xref\n0 {len(objects) + 1}\n".encode())
    out.write(b"0000000000 65535 f \n")
    for off in offsets:
        out.write(f"{off:010d} 00000 n \n".encode())
    out.write(f"trailer\n<< /Size {len(objects) + 1} /Root 1 0 R /Info 5 0 R >>\n".encode())
    out.write(f"startxref\n{xref}\n%%EOF\n".encode())
    return out.getvalue()


# --------------------------------------------------------------------------------------


def build_all() -> dict[Path, bytes]:
    files: dict[Path, bytes] = {}
    for dspec in DOCX_SPECS:
        files[CORPUS / dspec.path] = build_docx(dspec)
    for pspec in PDF_SPECS:
        files[CORPUS / pspec.path] = build_pdf(pspec)
    return files


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--check", action="store_true", help="exit 1 if any file is missing or would change")
    args = parser.parse_args(argv)

    changed = []
    for path, data in build_all().items():
        old = path.read_bytes() if path.exists() else None
        if old == data:
            continue
        changed.append(path)
        if not args.check:
            path.parent.mkdir(parents=True, exist_ok=True)
            path.write_bytes(data)
    for path in changed:
        print(("would change: " if args.check else "wrote: ") + str(path.relative_to(ROOT)))
    if args.check and changed:
        return 1
    if not changed:
        print("corpus binaries up to date")
    return 0


if __name__ == "__main__":
    sys.exit(main())
