"""The alignment map: every executive goal against the IT initiatives that serve it.

A goal (from the dialogue memory) is linked to an initiative (from the material, see
:mod:`dxprep.dialogue.initiatives`) when the texts say so, and every link carries the
evidence that says it: the goal as stated in a note, and the initiative's passage (its name,
purpose, scope sentence or a ``Serves`` cell) that matches it. The match is scored from:

- **shared distinctive words**, weighted by how rare they are among all goals and initiative
  passages (``OEE``, ``LabTrack``, ``forecast error``), stemmed; generic words weigh little;
- **names**: the goal names the initiative (an acronym of its name such as ``WMS``, ``EDI``,
  ``MES``, or a proper name such as ``Keystone``, ``LabTrack``);
- **meaning**: the cosine similarity of the goal and the passage under the embedding model
  (the same model that indexes the workspace), when one is given; it can strengthen a
  link but never makes one alone;
- **the material's own word**: a ``Serves`` cell that names the goal's executive.

A link needs at least one shared distinctive word or a name; scope exclusions ("frontline
access is out of scope") are never used as evidence. Strength is 0–1, shown as strong
(≥ 0.6), moderate (≥ 0.45) or weak.

Gaps are what the dialogue is for: goals that no initiative serves (a talking point for that
executive: "we have nothing for your goal yet"), and initiatives that serve no stated goal
(IT-driven work that needs a business sponsor). Red or late initiatives that serve a goal are
expectation-setting conversations.

Confidentiality: ``audience=""`` (the default of ``dxprep alignment``) is an executive
committee: no confidential note and no restricted material is used. An executive id gives
what that executive may see; ``None`` is the IT leader's private view.
"""

from __future__ import annotations

import datetime as dt
import math
import re
from collections import Counter
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field

from dxprep.dialogue.commitments import _fold, _stem
from dxprep.dialogue.history import history
from dxprep.dialogue.initiatives import FieldSource, Initiative, initiatives, visible_material
from dxprep.workspace.models import LoadedWorkspace

__all__ = [
    "AlignmentMap",
    "Evidence",
    "ExpectationFlag",
    "GoalRow",
    "Link",
    "UnitSummary",
    "alignment_map",
    "talking_point_for_gap",
]

Level = Literal["strong", "moderate", "weak"]

#: A link needs at least this strength.
LINK_THRESHOLD = 0.30
STRONG = 0.60
MODERATE = 0.45
#: At most this many initiatives per goal (the strongest).
MAX_LINKS = 3
#: The audience id of an executive committee: sees no confidential note.
COMMITTEE = "\0committee"


class _M(BaseModel):
    model_config = ConfigDict(extra="forbid")


class Evidence(_M):
    """A span of a source that supports a link: ``text`` is ``extracted_text[start:end]``."""

    path: str
    start: int
    end: int
    line: int
    date: dt.date | None = None
    text: str
    role: Literal["goal", "initiative", "related"]


class Link(_M):
    goal_id: str
    initiative_id: str
    strength: float
    level: Level
    why: str = Field(description="what matched: shared words, a name, the material's Serves column")
    shared: list[str] = Field(default_factory=list)
    evidence: list[Evidence]


class GoalRow(_M):
    id: str
    executive: str
    executive_name: str
    business_unit: str | None = None
    text: str
    first_stated: dt.date
    last_stated: dt.date
    source: Evidence
    served_by: list[str] = Field(default_factory=list, description="initiative ids, strongest first")
    related: Evidence | None = Field(default=None,
                                     description="for an unserved goal: the closest material passage, if any")


class ExpectationFlag(_M):
    """A red or late initiative that serves a goal: a conversation to have."""

    executive: str
    goal_id: str
    goal: str
    initiative_id: str
    initiative: str
    status_label: str | None
    target_date: dt.date | None
    previous_target_date: dt.date | None
    what_to_say: str
    evidence: list[Evidence]


class UnitSummary(_M):
    unit: str
    name: str
    goals: int
    served: int
    unserved: int
    initiatives: int


class AlignmentMap(_M):
    as_of: dt.date
    audience: str | None
    initiatives: list[Initiative]
    goals: list[GoalRow]
    links: list[Link]
    unserved_goals: list[str] = Field(description="goal ids that no initiative serves")
    unsponsored_initiatives: list[str] = Field(description="initiative ids that serve no stated goal")
    expectations: list[ExpectationFlag]
    units: list[UnitSummary]
    method: str
    distinct_goals: int = Field(default=0, description="goal statements counted once (a joint meeting's goal is "
                                                       "a row for every executive in it)")
    distinct_unserved: int = 0

    def goal(self, goal_id: str) -> GoalRow:
        return next(g for g in self.goals if g.id == goal_id)

    def initiative(self, initiative_id: str) -> Initiative:
        return next(i for i in self.initiatives if i.id == initiative_id)

    def links_of(self, goal_id: str) -> list[Link]:
        return sorted((lk for lk in self.links if lk.goal_id == goal_id), key=lambda lk: -lk.strength)

    def for_executive(self, executive: str) -> list[GoalRow]:
        return [g for g in self.goals if g.executive == executive]


# --- words ------------------------------------------------------------------------------------

_STOP = frozenset(
    """a an the for of to with and or in on at by from into as per via about our their its this that these
    those is are be been being will shall should must can could would we us you they it all each any every
    some new also so if then than up out off over under within across more less instead both one two three
    get give keep make take start stop cut raise reduce lift grow improve move have has had do does
    end mid year years month months week weeks today current by before after during q1 q2 q3 q4
    h1 h2 first second next last per cent percent ready full""".split()
)
_NUMBERS = dict(zip("1 2 3 4 5 6 7 8 9 10 11 12".split(),
                    "one two three four five six seven eight nine ten eleven twelve".split(), strict=True))
_WORD = re.compile(r"[^\W_]+(?:-[^\W_]+)*", re.UNICODE)


def _words(text: str) -> list[str]:
    out = []
    for m in _WORD.finditer(_fold(text)):
        for part in m.group(0).split("-"):
            low = _NUMBERS.get(part, part.casefold())
            if low in _STOP or len(low) < 2 or any(c.isdigit() for c in low) and not re.search("[a-z]", low):
                continue
            out.append(_stem(low))
    return out


def _bigrams(words: list[str]) -> set[tuple[str, str]]:
    return set(zip(words, words[1:], strict=False))


def _aliases(ini: Initiative) -> set[str]:
    """Names a goal may use for the initiative: acronyms and proper names in its name."""
    out = set()
    for m in _WORD.finditer(_fold(ini.name)):
        for k, part in enumerate(m.group(0).split("-")):
            del k
            letters = [c for c in part if c.isalpha()]
            if len(part) >= 2 and letters and sum(c.isupper() for c in letters) >= 2 and part.upper() == part:
                out.add(part.casefold())  # WMS, MES, EDI, B2B, OT, ERP, LIMS
            elif part[:1].isupper() and len(part) > 3 and part.casefold() not in _STOP:
                out.add(part.casefold())
    # A capitalised first word is just a sentence start unless the name has a colon (Keystone: ...).
    first = _fold(ini.name).split()[0].strip(":,") if ini.name.split() else ""
    if first and ":" not in ini.name and not (first.isupper() and len(first) >= 2):
        out.discard(first.casefold())
    return {a for a in out if a not in {"project", "programme", "program", "initiative", "phase", "wave", "line"}}


def _alias_hit(goal: str, aliases: set[str]) -> str | None:
    words = {w.casefold() for w in re.findall(r"[^\W_]+", _fold(goal))}
    return next((a for a in sorted(aliases, key=lambda a: (-len(a) if len(a) > 3 else -10 - len(a), a))
                 if a in words), None)


# --- the map ----------------------------------------------------------------------------------


def _evidence(ws_text: str, src: FieldSource, role: Literal["goal", "initiative", "related"]) -> Evidence:
    return Evidence(path=src.path, start=src.start, end=src.end, line=src.line, date=src.date,
                    text=ws_text[src.start:src.end], role=role)


def _level(strength: float) -> Level:
    return "strong" if strength >= STRONG else "moderate" if strength >= MODERATE else "weak"


def alignment_map(
    ws: LoadedWorkspace,
    as_of: dt.date,
    *,
    audience: str | None = "",
    embedder: Any = None,
) -> AlignmentMap:
    """The alignment map as of ``as_of`` for ``audience`` (see the module docstring).

    ``embedder`` (an :class:`~dxprep.index.embeddings.Embedder`) adds the meaning signal;
    without it the map is built from words and names alone.
    """
    org = ws.organization
    texts = {m.path: m.text for m in ws.material} | {n.path: n.text for n in ws.notes}
    inits = initiatives(ws, as_of=as_of, audience=audience)

    # Goals, per executive, as the audience may see them.
    note_audience = None if audience is None else (audience or COMMITTEE)
    goals: list[GoalRow] = []
    for exe in org.executives:
        hist = history(ws, exe.id, as_of, audience=note_audience)
        for k, g in enumerate(hist.goals, start=1):
            src = FieldSource(path=g.source.path, start=g.source.start, end=g.source.end, line=g.source.line,
                              date=g.source.date)
            goals.append(GoalRow(id=f"{exe.id}:{k}", executive=exe.id, executive_name=exe.name,
                                 business_unit=exe.business_unit, text=g.text, first_stated=g.first_stated,
                                 last_stated=g.last_stated, source=_evidence(texts[src.path], src, "goal")))

    # Passages: what each initiative says it does (and what the material says it serves).
    passages: list[tuple[Initiative, FieldSource, str, str]] = []  # (initiative, source, text, kind)
    for ini in inits:
        seen: set[tuple[str, int, int]] = set()
        for src in [ini.sources["name"], *ini.passages] if "name" in ini.sources else ini.passages:
            key = (src.path, src.start, src.end)
            if key not in seen:
                seen.add(key)
                passages.append((ini, src, texts[src.path][src.start:src.end], "text"))
        for src in ini.mentions:
            if (src.path, src.start, src.end) not in seen:
                passages.append((ini, src, texts[src.path][src.start:src.end], "mention"))
        for src in ini.serves_sources:
            passages.append((ini, src, texts[src.path][src.start:src.end], "serves"))

    # Rarity of each word among everything compared.
    docs = [set(_words(g.text)) for g in goals] + [set(_words(p[2])) for p in passages]
    df = Counter(w for d in docs for w in d)
    n_docs = max(len(docs), 1)

    def idf(w: str) -> float:
        return math.log(1 + n_docs / (1 + df.get(w, 0)))

    # A word is distinctive when at most ~8% of the texts compared use it.
    distinctive = math.log(1 + n_docs / (1 + max(3.0, 0.08 * n_docs)))

    cos: dict[tuple[int, int], float] = {}
    if embedder is not None and goals and passages:
        import numpy as np

        gv = np.asarray(embedder.embed_queries([g.text for g in goals]), dtype=np.float32)
        # embed_queries: the light NumPy path of the local model (no torch import); same vectors
        pv = np.asarray(embedder.embed_queries([p[2] for p in passages]), dtype=np.float32)
        gv /= np.linalg.norm(gv, axis=1, keepdims=True) + 1e-9
        pv /= np.linalg.norm(pv, axis=1, keepdims=True) + 1e-9
        sims = gv @ pv.T
        cos = {(i, j): float(sims[i, j]) for i in range(len(goals)) for j in range(len(passages))}

    aliases = {ini.id: _aliases(ini) for ini in inits}
    exec_words = {e.id: {w.casefold() for w in [e.id, e.role, *(e.title or "").split(), *e.name.split()]
                         if len(w) > 1} for e in org.executives}
    from dxprep.dialogue.initiatives import _proper_tokens

    proper = {ini.id: _proper_tokens(ini.name) for ini in inits}
    links: list[Link] = []
    for gi, goal in enumerate(goals):
        goal_proper = _proper_tokens(goal.text)
        # Names the goal uses that belong to some initiative (Fresno, LabTrack, WMS...).
        named = goal_proper & set().union(*proper.values()) if proper else set()
        gw = _words(goal.text)
        gset = set(gw)
        gbig = _bigrams(gw)
        total = sum(idf(w) for w in gset) or 1.0
        best: dict[str, tuple[float, list[str], int, str]] = {}
        for pj, (ini, _src, text, kind) in enumerate(passages):
            if named - proper[ini.id] and proper[ini.id] - goal_proper - named:
                continue  # the goal names another initiative's place or system, and this one's own is absent
            pw = _words(text)
            shared = sorted((gset & set(pw)) - ({"it"}))
            strong_words = [w for w in shared if idf(w) >= distinctive]
            lex = sum(idf(w) for w in shared) / total
            lex += 0.15 * len(gbig & _bigrams(pw))
            alias = _alias_hit(goal.text, aliases[ini.id]) if kind == "text" else None
            names_exec = kind == "serves" and bool(
                {w.casefold().strip('"(),;') for w in text.split()} & exec_words.get(goal.executive, set()))
            if not strong_words and alias is None:
                continue
            if kind == "mention" and len(strong_words) < 3:
                continue  # a progress sentence alone links only when it clearly talks about the goal
            score = min(lex, 1.0)
            if (gi, pj) in cos:
                dense = max(0.0, min(1.0, (cos[(gi, pj)] - 0.15) / 0.55))
                score = 0.6 * score + 0.4 * dense
            if alias is not None:
                score = max(score, 0.5) + 0.2
            if names_exec:
                score += 0.15
            if kind == "mention":
                score *= 0.8  # progress and reasons: weaker evidence of purpose than the purpose itself
            why_parts = []
            if alias is not None:
                why_parts.append(f"the goal names {alias.upper() if len(alias) <= 4 else alias.title()}")
            if shared:
                why_parts.append("shared words: " + ", ".join(shared[:6]))
            if names_exec:
                why_parts.append("the material says it serves this executive")
            score = round(min(score, 1.0), 3)
            if score > best.get(ini.id, (0.0, [], -1, ""))[0]:
                best[ini.id] = (score, shared, pj, "; ".join(why_parts))
        if not best:
            continue
        top = max(s for s, *_ in best.values())
        for ini_id, (score, shared, pj, why) in sorted(best.items(), key=lambda kv: -kv[1][0]):
            if score < LINK_THRESHOLD or score < 0.6 * top:
                continue
            ini, src, _text, _kind = passages[pj]
            links.append(Link(goal_id=goal.id, initiative_id=ini_id, strength=score, level=_level(score),
                              why=why, shared=shared,
                              evidence=[goal.source, _evidence(texts[src.path], src, "initiative")]))
    keep = {id(lk) for goal in goals for lk in links_for(links, goal.id)[:MAX_LINKS]}
    links = [lk for lk in links if id(lk) in keep]
    for goal in goals:
        goal.served_by = [lk.initiative_id for lk in links_for(links, goal.id)]

    unserved = [g.id for g in goals if not g.served_by]
    _relate(ws, goals, unserved, as_of, audience, texts, idf, distinctive)
    linked_inits = {lk.initiative_id for lk in links}
    unsponsored = [i.id for i in inits if i.id not in linked_inits]

    expectations = []
    for lk in links:
        ini = next(i for i in inits if i.id == lk.initiative_id)
        if not ini.red_or_late:
            continue
        goal = next(g for g in goals if g.id == lk.goal_id)
        ev = [goal.source]
        for field in ("status_label", "target"):
            if field in ini.sources:
                ev.append(_evidence(texts[ini.sources[field].path], ini.sources[field], "initiative"))
        moved = (f" Its date moved from {ini.previous_target_date:%d %B %Y} to {ini.target_date:%d %B %Y}."
                 if ini.previous_target_date and ini.target_date else
                 f" Target: {ini.target}." if ini.target else "")
        expectations.append(ExpectationFlag(
            executive=goal.executive, goal_id=goal.id, goal=goal.text, initiative_id=ini.id, initiative=ini.name,
            status_label=ini.status_label, target_date=ini.target_date, previous_target_date=ini.previous_target_date,
            what_to_say=(f"{ini.name} is {ini.status_label or 'late'}.{moved} Reset the expectation for "
                         f"\"{goal.text.rstrip('.')}\" now, with the reason and the new date, before they hear it elsewhere."),
            evidence=ev))

    units = []
    for unit in org.business_units:
        ug = [g for g in goals if g.business_unit == unit.id]
        units.append(UnitSummary(unit=unit.id, name=unit.name, goals=len(ug),
                                 served=sum(1 for g in ug if g.served_by),
                                 unserved=sum(1 for g in ug if not g.served_by),
                                 initiatives=sum(1 for i in inits if unit.id in i.business_units)))
    def distinct(rows: list[GoalRow]) -> int:
        return len({(g.source.path, g.source.start) for g in rows})

    return AlignmentMap(
        distinct_goals=distinct(goals), distinct_unserved=distinct([g for g in goals if not g.served_by]),
        as_of=as_of, audience=audience, initiatives=inits, goals=goals, links=links, unserved_goals=unserved,
        unsponsored_initiatives=unsponsored, expectations=expectations, units=units,
        method=("words (rarity-weighted, stemmed), initiative names and the material's Serves column"
                + (", and meaning (embedding cosine)" if cos else "")),
    )


def talking_point_for_gap(goal: str, related: Evidence | None) -> str:
    """What to say about a goal that nothing serves yet."""
    text = (f"We have nothing for your goal \"{goal.rstrip('.')}\" yet. Here is what we could do: agree the outcome and "
            "who owns it on your side, and we bring options and a rough cost to the next dialogue.")
    if related is not None:
        text += f" The material already says: \"{' '.join(related.text.split())}\" ({related.path}:{related.line})."
    return text


def links_for(links: list[Link], goal_id: str) -> list[Link]:
    return sorted((lk for lk in links if lk.goal_id == goal_id), key=lambda lk: -lk.strength)


def _relate(ws: LoadedWorkspace, goals: list[GoalRow], unserved: list[str], as_of: dt.date, audience: str | None,
            texts: dict[str, str], idf: Any, distinctive: float) -> None:
    """For each unserved goal, the material sentence closest to it (e.g. "not in this budget")."""
    from dxprep.dialogue.initiatives import _sentences

    sentences: list[tuple[str, int, int, dt.date | None, set[str]]] = []
    from dxprep.injection import looks_like_injection

    for m in visible_material(ws, as_of, audience if audience is not None else None):
        for s, e in _sentences(m.text, m.body_start, len(m.text)):
            sentence = m.text[s:e]
            # Quoted to the executive: never a table dump, never text that reads as an instruction.
            if sentence.count("|") >= 2 or e - s > 400 or looks_like_injection(sentence):
                continue
            sentences.append((m.path, s, e, m.date, set(_words(sentence))))
    for goal in goals:
        if goal.id not in unserved:
            continue
        gset = set(_words(goal.text))
        total = sum(idf(w) for w in gset) or 1.0
        best = None
        for path, s, e, date, words in sentences:
            shared = gset & words
            if sum(1 for w in shared if idf(w) >= distinctive) < 2:
                continue
            score = sum(idf(w) for w in shared) / total
            if score >= 0.45 and (best is None or score > best[0]):
                best = (score, path, s, e, date)
        if best is not None:
            _score, path, s, e, date = best
            text = texts[path]
            goal.related = Evidence(path=path, start=s, end=e, line=text.count("\n", 0, s) + 1, date=date,
                                    text=text[s:e], role="related")
