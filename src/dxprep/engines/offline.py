"""The offline engine: a deterministic, grounded draft with no model at all.

Every sentence it writes is either a fixed, role-aware template from ``prompts/roles/`` or
text quoted from a numbered source; nothing is invented. Evidence flagged as an instruction
to an AI never reaches it.
"""

from __future__ import annotations

import json
import re
from typing import Any

from dxprep.briefing.context import BriefingContext, looks_like_injection
from dxprep.briefing.model import AgendaItem, Draft, HardConversation, QandA, Source, TalkingPoint
from dxprep.engines.base import Engine, ModelReply, ModelRequest
from dxprep.prompts import role_guidance

__all__ = ["OfflineEngine"]

_WORD = re.compile(r"[a-z0-9$%.]+")
_STOP = frozenset("the a an and or of to in for on by with from at as is are be we our their this that it its "
                  "will can into than then over under more less per".split())
_LATE = re.compile(r"\b(red|late|delay(?:ed|s)?|slipp(?:ed|ing)|slips? (?:to|by)|behind (?:plan|schedule)|overrun|"
                   r"moves? (?:to|from)|postpone\w*|at risk|amber|gap|over plan|over budget|shortfall)\b", re.IGNORECASE)
_MONEY = re.compile(r"(\$|€|£)\s?\d|\d+(?:\.\d+)?\s?(?:k|m|bn|million|%)\b", re.IGNORECASE)


def _terms(text: str) -> set[str]:
    return {w for w in _WORD.findall(text.lower()) if w not in _STOP and len(w) > 2}


_META_LINE = re.compile(r"^(?:prepared|compiled|written|owner|author|distribution|audience|date|period|status|"
                        r"classification|version|reviewed|approved)\b[^:]{0,30}:", re.IGNORECASE)


_TABLE_ROWS: set[str] = set()


def _sentences(text: str) -> list[str]:
    """Sentences of a chunk as a person would quote them: no markup, no metadata lines;
    a table row reads as ``first cell: other cells``."""
    out = []
    for raw in text.split("\n"):
        line = raw.strip()
        if line.startswith("|"):
            cells = [c.strip() for c in line.strip("|").split("|")]
            if all(re.fullmatch(r":?-{2,}:?", c) for c in cells if c):
                continue
            line = f"{cells[0]}: {'; '.join(c for c in cells[1:] if c)}" if len(cells) > 1 else cells[0]
            _TABLE_ROWS.add(" ".join(line.split()))
        line = re.sub(r"^\s*(?:[-*+•]\s+|\d+[.)]\s+|#+\s+)", "", line)
        line = re.sub(r"\*\*|__|`|\[[ xX]\]|(?<!\w)[*_]|[*_](?!\w)", "", line).strip()
        if not line or _META_LINE.match(line):
            continue
        out += [" ".join(p.split()) for p in re.split(r"(?<=[.!?])\s+", line)]
    return [s for s in out if len(s.split()) >= 5 and not looks_like_injection(s)]


def readable(text: str, limit: int = 240) -> str:
    """The start of a chunk as plain sentences (the fallback when no sentence matches)."""
    joined = " ".join(_sentences(text)) or " ".join(text.split())
    return joined if len(joined) <= limit else joined[: limit - 1].rsplit(" ", 1)[0] + "…"


def best_sentence(text: str, topic: str, prefer: re.Pattern[str] | None = None, require: bool = False) -> str | None:
    """The sentence of ``text`` that shares most terms with ``topic`` (ties: the earlier one)."""
    want = _terms(topic)
    best, best_score = None, -1.0
    for s in _sentences(text):
        if prefer is not None and require and not prefer.search(s):
            continue
        score = len(want & _terms(s)) + (0.5 if prefer is not None and prefer.search(s) else 0.0)
        if s in _TABLE_ROWS:  # a table row reads worse than a sentence that says as much
            score -= 1.5
        if score > best_score:
            best, best_score = s, score
    if best is not None and len(best) > 320:
        best = best[:317].rsplit(" ", 1)[0] + "…"
    return best


def _short(text: str, words: int = 9) -> str:
    """A topic for a headline: the first clause, at most ``words`` words, lower-cased start."""
    clause = re.split(r"[:;,(]| - | – | — ", text.rstrip("."), maxsplit=1)[0]
    ws = clause.split()
    if len(ws) < 3:
        ws = text.rstrip(".").split()
    out = " ".join(ws[:words]) + ("…" if len(ws) > words else "")
    return out[:1].lower() + out[1:] if out[:2].istitle() and not out[:2].isupper() else out


class OfflineEngine(Engine):
    name = "offline"
    model = None
    drafted_without_model = True

    def draft(self, context: Any, request: ModelRequest) -> ModelReply:
        draft = self.compose(context)
        return ModelReply(text=json.dumps(draft.model_dump(mode="json")), model=None)

    def compose(self, ctx: BriefingContext) -> Draft:
        guide = role_guidance(ctx.role)
        by_n = {e.n: e for e in ctx.evidence}
        purposes = ctx.purpose

        def evidence_for(tag: str) -> list[Source]:
            return [by_n[n] for n, tags in sorted(purposes.items()) if tag in tags and n in by_n]

        points: list[TalkingPoint] = []
        hard: list[HardConversation] = []
        likely: list[QandA] = []

        # 0. Where IT is heading: the dialogue always reaffirms it (first when it is the first dialogue).
        direction = evidence_for("direction")
        direction_point = None
        if direction:
            top = direction[0]
            quote = best_sentence(top.text, f"{ctx.unit or ''} {' '.join(g.text for g in ctx.goals[:2])} priorities") \
                or readable(top.text)
            direction_point = TalkingPoint(
                headline="Where IT is heading" + (f" for {ctx.unit}" if ctx.unit else ""),
                why_it_matters="The dialogue starts from a shared picture of IT's direction and what it means for you.",
                evidence=f"{top.title or top.source}: {quote}",
                ask="Tell us where this direction misses what you need",
                citations=[top.n],
            )
        if direction_point is not None and ctx.last_met is None:
            points.append(direction_point)

        # 1. Their goals, each with what IT has for it (or honestly: nothing yet).
        for i, goal in enumerate(ctx.goals[:3]):
            topic = _short(goal.text)
            support = [e for e in evidence_for(f"goal:{i}") if e.kind == "material"]
            stated = f"stated {goal.first_stated:%d %b %Y}" if goal.first_stated else "stated earlier"
            if support:
                top = support[0]
                quote = best_sentence(top.text, goal.text, _MONEY if ctx.role == "CFO" else None) or readable(top.text)
                points.append(TalkingPoint(
                    headline=guide.headline.format(topic=topic),
                    why_it_matters=f"It is your goal ({stated}): “{goal.text}”",
                    evidence=f"{top.title or top.source}: {quote}",
                    ask=guide.ask.format(topic=topic),
                    citations=sorted({*goal.citations, top.n}),
                ))
            else:
                points.append(TalkingPoint(
                    headline=f"We have nothing for “{topic}” yet",
                    why_it_matters=f"It is your goal ({stated}): “{goal.text}”; no IT initiative in our material serves it.",
                    evidence=f"Your words: “{goal.text}”",
                    ask=f"Agree the outcome you need and one first step IT can take on {topic}",
                    citations=list(goal.citations),
                ))

        if direction_point is not None and ctx.last_met is not None:
            points.append(direction_point)

        # 2. What we owe them: overdue commitments first.
        overdue = [c for c in ctx.open_commitments if c.overdue]
        ours = [c for c in overdue if c.side == "IT"]
        if overdue:
            lines = "; ".join(f"{c.text} (due {c.due:%d %b})" if c.due else c.text for c in overdue[:4])
            cites = sorted({n for c in overdue for n in c.citations})
            points.append(TalkingPoint(
                headline=f"{len(overdue)} commitment(s) past due: reset the dates honestly",
                why_it_matters="The dialogue only works if what we promise happens; slipping quietly costs trust.",
                evidence=lines,
                ask="Agree a new date and an owner for each, today",
                citations=cites,
            ))
            for c in ours[:2]:
                likely.append(QandA(
                    question=f"Why is “{_short(c.text, 12)}” late?",
                    answer=(f"It was due {c.due:%d %B %Y} and is still open. Say plainly what blocked it and commit "
                            "to a new date you can keep." if c.due else "It is still open: give a date you can keep."),
                    citations=list(c.citations),
                ))

        # 3. What is new for them since the last dialogue.
        for item in ctx.whats_new:
            if len(points) >= ctx.max_points:
                break
            found = by_n.get(item.citations[0]) if item.citations else None
            if found is None:
                continue
            top = found
            quote = ctx_summary(item.summary, top)
            late = bool(_LATE.search(top.text)) and item.doc_type in ("project-status", "budget")
            sentence = best_sentence(top.text, item.title + " late delay red gap", _LATE, require=True) if late else None
            if sentence:
                if ctx.last_met is None:  # a first dialogue still hears the news, not only the reset
                    points.append(TalkingPoint(
                        headline=f"Delivery: {_short(item.title, 10)}", why_it_matters="A project you will hear about.",
                        evidence=quote, ask="Tell us what this changes for your unit", citations=list(item.citations)))
                hard.append(HardConversation(
                    topic=item.title,
                    what_to_say=f"Reset expectations plainly: {sentence}",
                    citations=list(item.citations),
                ))
                likely.append(QandA(question=f"What does {item.title} mean for my plans?",
                                    answer=sentence, citations=list(item.citations)))
                continue
            label = {"threat-brief": "Risk", "market-scan": "Market", "budget": "Budget",
                     "project-status": "Delivery", "strategy": "Direction"}.get(item.doc_type, "New")
            points.append(TalkingPoint(
                headline=f"{label}: {_short(item.title, 10)}",
                why_it_matters=f"New since we last met ({item.date:%d %b %Y})." if item.date else "New since we last met.",
                evidence=quote,
                ask=guide.ask.format(topic=_short(item.title, 6)),
                citations=list(item.citations),
            ))

        # Late or red projects that touch them: expectations to reset.
        seen_hard = {h.topic for h in hard}
        for ev in evidence_for("late"):
            sentence = best_sentence(ev.text, "late delayed red go-live moves behind", _LATE, require=True)
            topic = ev.section or ev.title or ev.source
            if sentence and topic not in seen_hard and ev.n not in {c for h in hard for c in h.citations} \
                    and len(hard) < 3:
                seen_hard.add(topic)
                hard.append(HardConversation(topic=topic, what_to_say=f"Say it plainly: {sentence}",
                                             citations=[ev.n]))

        # 4. Their concerns, answered with what we know.
        for i, concern in enumerate(ctx.concerns[:2]):
            support = evidence_for(f"concern:{i}")
            material = [e for e in support if e.kind == "material"]
            if material:
                answer = best_sentence(material[0].text, concern.text) or readable(material[0].text)
                likely.append(QandA(question=f"What are we doing about: {concern.text}",
                                    answer=answer, citations=sorted({*concern.citations, material[0].n})))
        while len(points) < 3 and ctx.decisions:
            d = ctx.decisions[len(points) % len(ctx.decisions)]
            points.append(TalkingPoint(headline=f"Follow-through on a decision: {_short(d.text)}",
                                       why_it_matters="We agreed this together; show it is happening.",
                                       evidence=d.text, ask="Confirm it still stands", citations=list(d.citations)))
            if len(points) >= 3 or len(ctx.decisions) <= len(points):
                break

        questions = ["Since we last met, what has changed in your priorities?" if ctx.last_met else
                     "What are the two or three results you must deliver this year?"]
        for goal in ctx.goals[:2]:
            questions.append(f"What would success on “{_short(goal.text, 12)}” look like by the end of next quarter?")
        for concern in ctx.concerns[:1]:
            questions.append(f"Is “{_short(concern.text, 12)}” still your biggest worry, or has something replaced it?")
        if ctx.last_met is None:
            area = ctx.unit or "your area"
            questions += [f"What does a good 2027 look like for {area}, in your own measures?",
                          f"Which decisions in {area} are made today without the data you would want?",
                          "What do you hear from your team about IT, good and bad?"]
        questions.append("Where is IT slowing you or your team down today?")
        return Draft(
            talking_points=points[: ctx.max_points],
            questions_to_ask=questions[:5],
            likely_questions=likely[:4],
            hard_conversations=hard[:3],
            agenda=agenda(ctx.minutes, bool(hard), bool(ctx.open_commitments)),
            whats_new_summaries={},
        )


def ctx_summary(summary: str, top: Source) -> str:
    return summary or best_sentence(top.text, top.title or "") or readable(top.text)


def agenda(minutes: int, hard: bool, commitments: bool) -> list[AgendaItem]:
    """A proposed agenda whose minutes add up to ``minutes`` exactly."""
    plan = [("Where IT is heading: a two-minute reaffirmation", 0.1),
            ("Your goals and priorities: listen first", 0.3)]
    if commitments:
        plan.append(("Since last time: commitments, ours and yours", 0.2))
    plan.append(("What's new: threats, market, projects", 0.2))
    if hard:
        plan.append(("Expectations to reset", 0.1))
    plan.append(("Agree next steps and the date of the next dialogue", 0.1))
    total = sum(w for _, w in plan)
    items = [AgendaItem(minutes=max(1, int(minutes * w / total)), topic=t) for t, w in plan]
    diff = minutes - sum(i.minutes for i in items)
    items[1] = AgendaItem(minutes=items[1].minutes + diff, topic=items[1].topic)
    return items
