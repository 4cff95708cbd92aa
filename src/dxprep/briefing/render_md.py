"""The briefing as Markdown, for terminals and e-mail.

Same content and order as the Word document (:mod:`dxprep.briefing.render_docx`). The
wording both renderers share (section titles, the "at a glance" summary, citation markers,
source lines, dates) lives here, as plain functions on the :class:`Briefing`; this module
imports nothing heavy.
"""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Iterable
from typing import Any

from dxprep.briefing.model import Briefing, CommitmentLine, Source, StatedLine

__all__ = [
    "ALIGNMENT_TITLE",
    "alignment_line",
    "DRAFTED_WITHOUT_MODEL",
    "DRAFTED_WITHOUT_MODEL_NOTE",
    "NOTHING",
    "OPINION_LABEL",
    "SECTIONS",
    "at_a_glance",
    "cite",
    "clean",
    "commitment_owner",
    "drafted_by",
    "excerpt",
    "fmt_date",
    "last_met_line",
    "long_date",
    "meeting_line",
    "open_in_order",
    "overdue_days",
    "render_markdown",
    "sentence",
    "source_label",
    "stated_dates",
    "subtitle",
]

#: Top-level sections, in order. "Warnings" appears only when there are any.
SECTIONS = (
    "At a glance",
    "Where they stand",
    "Since last time",
    "What's new for them",
    "Talking points",
    "Questions to ask",
    "Likely questions and objections",
    "Hard conversations",
    "Proposed agenda",
    "Sources",
    "Warnings",
)
NOTHING = "Nothing recorded."
ALIGNMENT_TITLE = "What IT has for each goal"


def alignment_line(a: Any, with_cite: Any) -> str:
    """``goal [1] → served by: WMS (Red — late) [4]`` or ``→ nothing yet: what to say``."""
    if a.served_by:
        served = "; ".join(with_cite(f"{i.name} ({i.status or 'status not stated'}, {i.strength})", i.citations)
                           for i in a.served_by)
        text = f"{with_cite(a.goal, a.citations)} → {served}"
    else:
        text = f"{with_cite(a.goal, a.citations)} → **nothing yet**"
    if a.what_to_say:
        text += f". *Say: {a.what_to_say}*"
    return text
OPINION_LABEL = "(opinion — no source)"
DRAFTED_WITHOUT_MODEL = "Drafted without a model"
DRAFTED_WITHOUT_MODEL_NOTE = (
    "The talking points, questions, answers and agenda were assembled from the sources by "
    "the offline engine, not written by a language model. Check them before you rely on them."
)
EXCERPT_CHARS = 300

_CONTROL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f\ufffe\uffff]")


# --------------------------------------------------------------------------- shared wording


def clean(text: str | None) -> str:
    """One line of text: control characters removed (they are not valid XML), whitespace collapsed."""
    return " ".join(_CONTROL.sub(" ", text or "").split())


def sentence(text: str) -> str:
    """``clean`` text starting with a capital letter (warnings are written as phrases)."""
    flat = clean(text)
    return flat[:1].upper() + flat[1:]


def fmt_date(d: dt.date | None) -> str:
    """``3 Nov 2026``: unambiguous in every locale; an em dash when unknown."""
    return f"{d.day} {d:%b %Y}" if d else "—"


def long_date(d: dt.date) -> str:
    return f"{d:%a} {d.day} {d:%b %Y}"


def cite(citations: Iterable[int]) -> str:
    """``[1]``, ``[2, 5]``, or an empty string."""
    ns = list(citations)
    return f"[{', '.join(str(n) for n in ns)}]" if ns else ""


def _plural(n: int, word: str, plural: str | None = None) -> str:
    return f"{n} {word if n == 1 else (plural or word + 's')}"


def subtitle(b: Briefing) -> str:
    h = b.header
    who = h.title or h.role
    if h.title and h.role and h.role.lower() not in h.title.lower():
        who = f"{h.title} ({h.role})"
    unit = h.business_unit_name or h.business_unit
    return " · ".join(clean(p) for p in (who, unit, h.organization) if p)


def meeting_line(b: Briefing) -> str:
    h = b.header
    return f"{long_date(h.meeting_date)} · {h.minutes} minutes · {clean(h.dialogue_label)}"


def last_met_line(b: Briefing) -> str:
    h = b.header
    if h.last_met is None:
        status = clean(h.cadence_status)
        return "Never (first dialogue)" if status == "first dialogue" else f"Never · {status}"
    days = h.days_since if h.days_since is not None else (h.meeting_date - h.last_met).days
    return f"{fmt_date(h.last_met)} ({_plural(days, 'day')} ago) · {clean(h.cadence_status)}"


def drafted_by(b: Briefing) -> str:
    h = b.header
    engine = clean(h.engine)
    if h.model and clean(h.model) not in engine:
        engine = f"{engine} ({clean(h.model)})"
    at = h.generated_at
    if at.tzinfo is not None:
        at = at.astimezone(dt.UTC)
    stamp = f"{at.day} {at:%b %Y %H:%M}" + (" UTC" if at.tzinfo is not None else "")
    return f"{engine} · prompt {clean(h.prompt_version)} · generated {stamp}"


def overdue_days(c: CommitmentLine, meeting_date: dt.date) -> int | None:
    if c.due is None or c.due >= meeting_date:
        return None
    return (meeting_date - c.due).days


def commitment_owner(c: CommitmentLine) -> str:
    """``IT (Rachel)``, ``Finance (Daniel) · business``, or the side alone."""
    owner, side = clean(c.owner), clean(c.side)
    if not owner:
        return side or "unassigned"
    if not side or owner.lower().startswith(side.lower()):
        return owner
    return f"{owner} · {side}"


def open_in_order(b: Briefing) -> list[CommitmentLine]:
    """Open commitments, overdue first (otherwise in the briefing's order)."""
    return sorted(b.open_commitments, key=lambda c: not c.overdue)


def stated_dates(item: StatedLine) -> str:
    first, last = item.first_stated, item.last_stated
    if first and last and first != last:
        return f"first stated {fmt_date(first)}, last stated {fmt_date(last)}"
    if first or last:
        return f"stated {fmt_date(first or last)}"
    return ""


def source_label(s: Source) -> str:
    """``notes/x.md, line 14 — Title › Section, 3 Nov 2026``."""
    where = ", ".join(p for p in (clean(s.source), clean(s.location)) if p)
    what = " › ".join(p for p in (clean(s.title), clean(s.section)) if p)
    tail = ", ".join(p for p in (what, fmt_date(s.date) if s.date else "") if p)
    return f"{where} — {tail}" if tail else where


def excerpt(text: str, limit: int = EXCERPT_CHARS) -> str:
    """A short quote of a source: at most ``limit`` characters, cut at a word, marked with …."""
    flat = re.sub(r"^(?:[-*+>#]+|\d+[.)])\s+", "", clean(text))  # a list or heading marker is not the quote
    if len(flat) <= limit:
        return flat
    cut = flat[: limit - 1]
    if " " in cut[limit // 2 :]:
        cut = cut[: cut.rfind(" ")]
    return cut.rstrip(" ,;:.-–—") + "…"


def at_a_glance(b: Briefing) -> list[str]:
    """Two to four bullets computed from the briefing: commitments, cadence, hard talks, warnings."""
    h = b.header
    opened = b.open_commitments
    overdue = [c for c in opened if c.overdue]
    if not opened:
        first = "No open commitments"
    elif len(overdue) == 1:
        c = overdue[0]
        due = f", due {fmt_date(c.due)}" if c.due else ""
        first = (f"1 of {_plural(len(opened), 'open commitment')} is overdue: "
                 f"{clean(c.text).rstrip('.')} — {commitment_owner(c)}{due}")
    elif overdue:
        ours = sum(1 for c in overdue if clean(c.side).upper() == "IT")
        whose = f", {ours} of them on the IT side" if ours else ""
        first = f"{len(overdue)} of {_plural(len(opened), 'open commitment')} are overdue{whose}"
    else:
        first = f"{_plural(len(opened), 'open commitment')}, none overdue"
    if b.closed_since_last:
        first += f". {len(b.closed_since_last)} closed since last time"
    lines = [first + "."]
    if h.last_met is None:
        lines.append("First dialogue: no previous meeting on record.")
    else:
        days = h.days_since if h.days_since is not None else (h.meeting_date - h.last_met).days
        lines.append(f"Last met {fmt_date(h.last_met)}, {_plural(days, 'day')} ago: {clean(h.cadence_status)}.")
    if b.hard_conversations:
        topics = "; ".join(clean(x.topic) for x in b.hard_conversations[:3])
        lines.append(f"{_plural(len(b.hard_conversations), 'hard conversation')} to have: {topics}.")
    else:
        lines.append("No hard conversations flagged.")
    if b.warnings:
        lines.append(f"{_plural(len(b.warnings), 'warning')} about this briefing: see Warnings at the end.")
    return lines


# --------------------------------------------------------------------------- Markdown


def _md_cell(text: str) -> str:
    return clean(text).replace("|", "\\|") or " "


def _with_cite(text: str, citations: Iterable[int]) -> str:
    marker = cite(citations)
    return f"{clean(text)} {marker}" if marker else clean(text)


def _table(head: list[str], rows: list[list[str]], align: list[str]) -> list[str]:
    out = ["| " + " | ".join(head) + " |", "|" + "|".join(align) + "|"]
    out += ["| " + " | ".join(row) + " |" for row in rows]
    return out + [""]


def _commitment_table(b: Briefing, items: list[CommitmentLine], closed: bool) -> list[str]:
    rows = []
    for c in items:
        status = "Done" if closed else ("**OVERDUE**" if c.overdue else "Open")
        due = fmt_date(c.due)
        late = overdue_days(c, b.header.meeting_date)
        if c.overdue and late:
            due += f" ({_plural(late, 'day')} late)"
        rows.append([status, _md_cell(c.text), _md_cell(commitment_owner(c)), due, cite(c.citations) or "—"])
    return _table(["Status", "Commitment", "Owner / side", "Due", "Source"], rows,
                  ["---", "---", "---", "---", "---"])


def render_markdown(briefing: Briefing) -> str:
    b = briefing
    h = b.header
    out: list[str] = [f"# Briefing: {clean(h.executive_name)}", "", "*Confidential*", "", f"**{subtitle(b)}**", ""]
    if h.drafted_without_model:
        out += [f"> **{DRAFTED_WITHOUT_MODEL}.** {DRAFTED_WITHOUT_MODEL_NOTE}", ""]
    out += [f"- **Meeting:** {meeting_line(b)}", f"- **Last met:** {last_met_line(b)}"]
    if h.prepared_for:
        out.append(f"- **Prepared for:** {clean(h.prepared_for)}")
    out += [f"- **Drafted by:** {drafted_by(b)}", ""]

    def section(title: str) -> None:
        out.extend([f"## {title}", ""])

    def sub(title: str) -> None:
        out.extend([f"### {title}", ""])

    def nothing() -> None:
        out.extend([f"*{NOTHING}*", ""])

    def bullets(lines: list[str]) -> None:
        if lines:
            out.extend([f"- {line}" for line in lines] + [""])
        else:
            nothing()

    def stated(items: list[StatedLine]) -> list[str]:
        return [_with_cite(i.text + (f" *({d})*" if (d := stated_dates(i)) else ""), i.citations) for i in items]

    section(SECTIONS[0])
    bullets(at_a_glance(b))

    section(SECTIONS[1])
    sub("Goals")
    bullets(stated(b.goals))
    sub("Concerns")
    bullets(stated(b.concerns))
    sub(ALIGNMENT_TITLE)
    bullets([alignment_line(a, _with_cite) for a in b.alignment])

    section(SECTIONS[2])
    sub("Open commitments")
    if b.open_commitments:
        out.extend(_commitment_table(b, open_in_order(b), closed=False))
    else:
        nothing()
    sub("Closed since last meeting")
    if b.closed_since_last:
        out.extend(_commitment_table(b, b.closed_since_last, closed=True))
    else:
        nothing()
    sub("Decisions")
    bullets([_with_cite(f"{fmt_date(d.date)}: {clean(d.text)}" if d.date else d.text, d.citations)
             for d in b.decisions])

    section(SECTIONS[3])
    bullets([_with_cite(f"**{clean(n.title)}** ({clean(n.doc_type).replace('-', ' ')}"
                        f"{', ' + fmt_date(n.date) if n.date else ''}): {clean(n.summary)}", n.citations)
             for n in b.whats_new])

    section(SECTIONS[4])
    if not b.talking_points:
        nothing()
    for i, p in enumerate(b.talking_points, 1):
        label = f" *{OPINION_LABEL}*" if p.opinion else ""
        head_cite = "" if clean(p.evidence) or not p.citations else f" {cite(p.citations)}"
        out += [f"**{i}. {clean(p.headline)}**{label}{head_cite}", ""]
        if clean(p.why_it_matters):
            out.append(f"- *Why it matters:* {clean(p.why_it_matters)}")
        if clean(p.evidence):
            out.append(f"- *Evidence:* {_with_cite(p.evidence, p.citations)}")
        if clean(p.ask):
            out.append(f"- *The ask:* {clean(p.ask)}")
        out.append("")

    section(SECTIONS[5])
    if b.questions_to_ask:
        out.extend([f"{i}. {clean(q)}" for i, q in enumerate(b.questions_to_ask, 1)] + [""])
    else:
        nothing()

    section(SECTIONS[6])
    if not b.likely_questions:
        nothing()
    for q in b.likely_questions:
        out += [f"**Q: {clean(q.question)}**  ", f"A: {_with_cite(q.answer, q.citations)}", ""]

    section(SECTIONS[7])
    if not b.hard_conversations:
        nothing()
    for x in b.hard_conversations:
        out += [f"**{clean(x.topic)}**", "", _with_cite(x.what_to_say, x.citations), ""]

    section(SECTIONS[8])
    if b.agenda:
        total = sum(a.minutes for a in b.agenda)
        rows = [[str(a.minutes), _md_cell(a.topic)] for a in b.agenda] + [[f"**{total}**", "**Total**"]]
        out.extend(_table(["Minutes", "Topic"], rows, ["--:", "---"]))
        if total != h.minutes:
            out += [f"*The agenda totals {total} minutes for a {h.minutes}-minute meeting.*", ""]
    else:
        nothing()

    section(SECTIONS[9])
    if not b.sources:
        nothing()
    for s in b.sources:
        out.append(f"- **[{s.n}]** {source_label(s)}")
        if quote := excerpt(s.text):
            out.append(f"  > “{quote}”")
    if b.sources:
        out.append("")

    if b.warnings:
        section(SECTIONS[10])
        bullets([sentence(w) for w in b.warnings])
    return "\n".join(out).rstrip("\n") + "\n"
