"""Evaluators: small classes, each one number or pass/fail, run on every briefing case.

Each has a ``name`` (the column of the report and the key of its thresholds), a
``better`` direction (``"higher"``, ``"lower"`` or ``None`` for plain measurements) and
``evaluate(ctx) -> bool | float``. Details for the report go into ``ctx.notes[name]``.

Grounding, documented: a talking point (or hard conversation) presented as fact is
*grounded* when its claim (the ``evidence`` field; ``what_to_say`` for a hard conversation)
is supported by the text of the sources it cites, either

- lexically: at least :data:`LEXICAL_THRESHOLD` (50 %) of the claim's content terms
  (BM25 tokens: lower-cased, stop words removed, light stemming) occur in the cited text, or
- semantically: the cosine similarity between the claim and one cited source, embedded with
  the bundled all-MiniLM-L6-v2 (NumPy encoder, no torch), is at least
  :data:`EMBEDDING_THRESHOLD` (0.55; paraphrases of a source score about 0.6 to 0.9,
  unrelated text from the same corpus about 0.1 to 0.4).

Points flagged as opinion (no valid citation) are not presented as fact and are not scored.
Grounding cannot see a claim that reuses its source's words to say the opposite; the
``contradictions`` evaluator looks for that: a figure the cited text does not contain, or a
status the cited text contradicts (on track / green against red / late / delayed).
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass, field
from functools import lru_cache
from typing import TYPE_CHECKING, Any, ClassVar

from dxprep.index.lexical import tokenize

if TYPE_CHECKING:
    import numpy as np

    from dxprep.api import Workspace
    from dxprep.briefing.model import Briefing, Source
    from dxprep.engines.base import ModelReply, ModelRequest
    from dxprep.evals.cases import BriefingCase

__all__ = ["EMBEDDING_THRESHOLD", "EVALUATORS", "LEXICAL_THRESHOLD", "EvalContext", "Evaluator"]

LEXICAL_THRESHOLD = 0.5
EMBEDDING_THRESHOLD = 0.55
WORDS_PER_MINUTE = 40  # default reading budget: a 30-minute dialogue gets a 1,200-word briefing


@dataclass
class EvalContext:
    case: BriefingCase
    briefing: Briefing
    workspace: Workspace
    requests: list[ModelRequest] = field(default_factory=list)
    replies: list[ModelReply] = field(default_factory=list)
    notes: dict[str, str] = field(default_factory=dict)

    def source_texts(self, citations: list[int]) -> list[str]:
        """The cited sources as a reader sees them: title, section and text."""
        out = []
        for n in citations:
            s = self.briefing.source(n)
            if s is not None:
                out.append("\n".join(t for t in (s.title, s.section, s.text) if t))
        return out


class Evaluator:
    name: ClassVar[str] = ""
    better: ClassVar[str | None] = "higher"
    description: ClassVar[str] = ""

    def evaluate(self, ctx: EvalContext) -> bool | float:  # pragma: no cover - abstract
        raise NotImplementedError


def _norm(text: str) -> str:
    return " ".join(re.sub(r"[^\w$%.]+", " ", text.lower()).split()).strip(". ")


def _same(a: str, b: str) -> bool:
    x, y = _norm(a), _norm(b)
    return bool(x) and bool(y) and (x == y or x in y or y in x)


def _visible_text(b: Briefing) -> str:
    """Everything a renderer shows, warnings included (they are printed in the document)."""
    return json.dumps(b.model_dump(mode="json", exclude={"sources"}), ensure_ascii=False) + "\n" + \
        "\n".join(s.text for s in b.sources)


def _generated_texts(b: Briefing) -> list[str]:
    out = [" ".join((p.headline, p.why_it_matters, p.evidence, p.ask)) for p in b.talking_points]
    out += b.questions_to_ask
    out += [q.question + " " + q.answer for q in b.likely_questions]
    out += [h.topic + " " + h.what_to_say for h in b.hard_conversations]
    return out


class CommitmentsRecall(Evaluator):
    name = "commitments_recall"
    description = "share of the expected open commitments shown as open"

    def evaluate(self, ctx: EvalContext) -> float:
        want = ctx.case.open_commitments
        if not want:
            return 1.0
        shown = [c.text for c in ctx.briefing.open_commitments if c.status == "open"]
        missing = [w for w in want if not any(_same(w, s) for s in shown)]
        if missing:
            ctx.notes[self.name] = "missing: " + "; ".join(missing)
        return (len(want) - len(missing)) / len(want)


class ClosedShownAsOpen(Evaluator):
    name = "closed_as_open"
    better = "lower"
    description = "closed commitments presented as open"

    def evaluate(self, ctx: EvalContext) -> float:
        b = ctx.briefing
        wrong = [c.text for c in b.open_commitments
                 if c.status != "open" or any(_same(c.text, closed) for closed in ctx.case.closed_commitments)]
        if wrong:
            ctx.notes[self.name] = "; ".join(wrong)
        return float(len(wrong))


class LeakCheck(Evaluator):
    name = "leaks"
    better = "lower"
    description = "strings and documents the audience must not see"

    def evaluate(self, ctx: EvalContext) -> float:
        b = ctx.briefing
        data = ctx.workspace.data
        exe = data.organization.executive(b.header.executive_id)
        text = _visible_text(b)
        found = [s for s in ctx.case.must_not_contain if s.lower() in text.lower()]
        hidden_notes = {n.path: n.text[n.body_start:] for n in data.notes if n.confidential and exe.id not in n.executives}
        hidden_mat = {m.path: m.text[m.body_start:] for m in data.material if m.audience and exe.id not in m.audience}
        hidden = {**hidden_notes, **hidden_mat}
        found += [f"source {s.source}" for s in b.sources if s.source in hidden]
        generated = " ".join(_generated_texts(b) + b.warnings)
        mine = _shingles(generated)
        for path, body in hidden.items():
            if mine & _shingles(body):
                found.append(f"quotes {path}")
        if found:
            ctx.notes[self.name] = "; ".join(found)
        return float(len(found))


def _shingles(text: str, n: int = 8) -> set[str]:
    words = re.findall(r"[a-z0-9$%]+", text.lower())
    return {" ".join(words[i : i + n]) for i in range(max(0, len(words) - n + 1))}


def _citing(b: Briefing) -> list[tuple[str, list[int]]]:
    groups: list[tuple[str, list[Any]]] = [
        ("goal", b.goals), ("concern", b.concerns), ("commitment", b.open_commitments),
        ("closed", b.closed_since_last), ("decision", b.decisions), ("new", b.whats_new),
        ("talking point", b.talking_points), ("answer", b.likely_questions), ("hard conversation", b.hard_conversations)]
    return [(what, list(item.citations)) for what, items in groups for item in items]


class CitationValidity(Evaluator):
    name = "citation_validity"
    description = "share of citations that resolve to a source whose text is the file's slice"

    def evaluate(self, ctx: EvalContext) -> float:
        b = ctx.briefing
        data = ctx.workspace.data
        files = {n.path: n.text for n in data.notes} | {m.path: m.text for m in data.material}

        def resolves(s: Source | None) -> bool:
            return s is not None and s.source in files and files[s.source][s.start : s.end] == s.text

        cites = [(what, n) for what, ns in _citing(b) for n in ns]
        bad = [f"[{n}] in a {what}" for what, n in cites if not resolves(b.source(n))]
        if bad:
            ctx.notes[self.name] = "unresolved: " + ", ".join(bad[:6])
        return 1.0 if not cites else (len(cites) - len(bad)) / len(cites)


@lru_cache(maxsize=1)
def _encoder() -> Any:
    from dxprep.index.minilm import NumpyMiniLM

    return NumpyMiniLM()


def embed(texts: list[str]) -> np.ndarray:
    import numpy as np

    vectors = np.asarray(_encoder().encode(texts), dtype=np.float32)
    norms = np.linalg.norm(vectors, axis=1, keepdims=True)
    return vectors / np.where(norms == 0, 1.0, norms)


def lexical_support(claim: str, sources: list[str]) -> float:
    terms = set(tokenize(claim))
    if not terms:
        return 1.0
    have = set(tokenize(" ".join(sources)))
    return len(terms & have) / len(terms)


class Grounding(Evaluator):
    name = "grounding"
    description = (f"share of factual points supported by their cited text (lexical >= {LEXICAL_THRESHOLD} "
                   f"or embedding cosine >= {EMBEDDING_THRESHOLD})")

    def evaluate(self, ctx: EvalContext) -> float:
        b = ctx.briefing
        claims = [(p.headline, p.evidence, p.citations) for p in b.talking_points if not p.opinion]
        claims += [(h.topic, h.what_to_say, h.citations) for h in b.hard_conversations if h.citations]
        if not claims:
            return 1.0
        pending: list[tuple[str, str, list[str]]] = []
        for label, claim, cites in claims:
            texts = ctx.source_texts(cites)
            if texts and lexical_support(claim, texts) >= LEXICAL_THRESHOLD:
                continue
            pending.append((label, claim, texts))
        unsupported = []
        if pending:
            flat = [t for _, _, texts in pending for t in texts]
            vecs = embed([c for _, c, _ in pending] + flat)
            offset = len(pending)
            for i, (label, _claim, texts) in enumerate(pending):
                sims = [float(vecs[i] @ vecs[offset + j]) for j in range(len(texts))]
                offset += len(texts)
                best = max(sims, default=0.0)
                if best < EMBEDDING_THRESHOLD:
                    unsupported.append(f"“{label[:50]}” (cosine {best:.2f})")
        if unsupported:
            ctx.notes[self.name] = "unsupported: " + "; ".join(unsupported)
        return (len(claims) - len(unsupported)) / len(claims)


#: A figure: money, a percentage, a number with a unit or a decimal point, or any number from 100 up
#: (years included). Small bare counts ("2 commitments past due") are not figures.
_NUMBER = re.compile(r"(?<![\w.])(\$)?(\d+(?:[.,]\d+)*)(\s?(?:%|m\b|k\b|bn\b|million|billion))?", re.IGNORECASE)
_GOOD = re.compile(r"\b(on track|on schedule|on time|on plan|on budget|green|fully funded|no delays?|"
                   r"ahead of schedule|holding)\b", re.IGNORECASE)
_BAD = re.compile(r"\b(red|late|delay(?:ed|s)?|slipp(?:ed|ing)|behind (?:schedule|plan)|overrun|over budget|at risk|"
                  r"failed|did not meet|moves? (?:to|past))\b", re.IGNORECASE)


def _numbers(text: str) -> set[str]:
    out = set()
    for m in _NUMBER.finditer(text):
        value = m.group(2).replace(",", "")
        if m.group(1) or m.group(3) or "." in value or float(value) >= 100:
            out.add(value)
    return out


def _all_numbers(text: str) -> set[str]:
    return {m.group(2).replace(",", "") for m in _NUMBER.finditer(text)}


class Contradictions(Evaluator):
    name = "contradictions"
    better = "lower"
    description = "factual claims that state a figure their sources lack, or a status their sources contradict"

    def evaluate(self, ctx: EvalContext) -> float:
        b = ctx.briefing
        claims = [(p.headline, p.headline + " " + p.evidence, p.citations) for p in b.talking_points if not p.opinion]
        claims += [(h.topic, h.what_to_say, h.citations) for h in b.hard_conversations if h.citations]
        claims += [(q.question, q.answer, q.citations) for q in b.likely_questions if q.citations]
        found = []
        for label, claim, cites in claims:
            texts = " ".join(ctx.source_texts(cites))
            if not texts:
                continue
            extra = sorted(_numbers(claim) - _all_numbers(texts))
            if extra:
                found.append(f"“{label[:50]}”: {', '.join(extra)} not in its sources")
                continue
            good, bad_claim, bad_src = _GOOD.search(claim), _BAD.search(_GOOD.sub(" ", claim)), _BAD.search(texts)
            if good and not bad_claim and bad_src and len(_BAD.findall(texts)) > len(_GOOD.findall(texts)):
                found.append(f"“{label[:50]}”: “{good.group(0)}” against “{bad_src.group(0)}” in its sources")
        if found:
            ctx.notes[self.name] = "; ".join(found)
        return float(len(found))


class GoalCoverage(Evaluator):
    name = "goal_coverage"
    description = "share of the top three stated goals that a talking point addresses"

    def evaluate(self, ctx: EvalContext) -> float:
        b = ctx.briefing
        goals = b.goals[:3]
        if not goals:
            return 1.0
        points = [(set(tokenize(" ".join((p.headline, p.why_it_matters, p.evidence, p.ask)))), set(p.citations))
                  for p in b.talking_points]
        missed = []
        for g in goals:
            terms = set(tokenize(g.text))
            hit = any(set(g.citations) & cites or (terms and len(terms & words) / len(terms) >= 0.4)
                      for words, cites in points)
            if not hit:
                missed.append(g.text[:60])
        if missed:
            ctx.notes[self.name] = "not addressed: " + "; ".join(missed)
        return (len(goals) - len(missed)) / len(goals)


class SectionCompleteness(Evaluator):
    name = "sections"
    description = "share of sections filled: 3+ talking points, 3+ questions, 1+ likely question, agenda = minutes"

    def evaluate(self, ctx: EvalContext) -> float:
        b = ctx.briefing
        checks = {
            "talking points (3+)": len(b.talking_points) >= 3,
            "questions to ask (3+)": len(b.questions_to_ask) >= 3,
            "likely questions (1+)": len(b.likely_questions) >= 1,
            "agenda adds up to the minutes": bool(b.agenda) and sum(a.minutes for a in b.agenda) == b.header.minutes,
        }
        missing = [k for k, ok in checks.items() if not ok]
        if missing:
            ctx.notes[self.name] = "missing: " + "; ".join(missing)
        return sum(checks.values()) / len(checks)


class RoleFit(Evaluator):
    name = "role_fit"
    description = "share of talking points using the executive's vocabulary (prompts/roles/<ROLE>.yaml)"

    def evaluate(self, ctx: EvalContext) -> float:
        from dxprep.prompts import role_guidance

        b = ctx.briefing
        if not b.talking_points:
            return 0.0
        vocab = {t for word in role_guidance(b.header.role).vocabulary for t in tokenize(word)}
        fit = [p for p in b.talking_points
               if vocab & set(tokenize(" ".join((p.headline, p.why_it_matters, p.evidence, p.ask))))]
        ctx.notes[self.name] = f"{len(fit)}/{len(b.talking_points)} points speak {b.header.role}"
        return len(fit) / len(b.talking_points)


class LengthWithinBudget(Evaluator):
    name = "length_ok"
    description = f"generated words within the budget (default {WORDS_PER_MINUTE} per meeting minute)"

    def evaluate(self, ctx: EvalContext) -> bool:
        b = ctx.briefing
        words = sum(len(t.split()) for t in _generated_texts(b))
        budget = ctx.case.word_budget or WORDS_PER_MINUTE * b.header.minutes
        ctx.notes[self.name] = f"{words} of {budget} words"
        return words <= budget


class Tokens(Evaluator):
    name = "tokens"
    better = None
    description = "model tokens (prompt + completion) per briefing; 0 offline"

    def evaluate(self, ctx: EvalContext) -> float:
        return float(sum(r.usage.total for r in ctx.replies))


class Cost(Evaluator):
    name = "cost_usd"
    better = "lower"
    description = "dollars per briefing at list price (dxprep.evals.prices); NaN for an unpriced model"

    def evaluate(self, ctx: EvalContext) -> float:
        from dxprep.evals.prices import cost_usd

        total = 0.0
        for req, reply in zip(ctx.requests, ctx.replies, strict=False):
            if reply.usage.total == 0:
                continue
            c = cost_usd(reply.model or req.model, reply.usage.prompt_tokens, reply.usage.completion_tokens)
            if c is None:
                ctx.notes[self.name] = f"no price for {reply.model or req.model}"
                return float("nan")
            total += c
        return total


EVALUATORS: list[Evaluator] = [
    CommitmentsRecall(), ClosedShownAsOpen(), LeakCheck(), CitationValidity(), Grounding(), Contradictions(),
    GoalCoverage(), SectionCompleteness(), RoleFit(), LengthWithinBudget(), Tokens(), Cost(),
]
