"""Build a briefing: dialogue memory + retrieved evidence → engine → validated Briefing.

The facts (goals and concerns as stated, commitments, decisions, cadence) come from the
dialogue memory, never from a model. Evidence is retrieved with the executive as the
audience, so what they may not see is never a candidate; the output is checked again.
"""

from __future__ import annotations

import datetime as dt
import json
import re
from collections.abc import Iterable
from typing import TYPE_CHECKING, Any

from pydantic import ValidationError

from dxprep.briefing.context import INJECTION, BriefingContext, looks_like_injection
from dxprep.briefing.model import (
    AlignmentLine,
    Briefing,
    BriefingHeader,
    CommitmentLine,
    DecisionLine,
    Draft,
    NewForThem,
    ServingInitiative,
    Source,
    StatedLine,
)
from dxprep.engines.base import Engine, Message, ModelReply, ModelRequest
from dxprep.errors import EngineError, IndexError_, IndexLockedError
from dxprep.prompts import load_prompt, prompt_version, role_guidance
from dxprep.workspace.models import Executive, LoadedWorkspace

if TYPE_CHECKING:
    from dxprep.api import Workspace
    from dxprep.dialogue.models import Commitment, History, SourceRef, StatedItem

__all__ = ["EVIDENCE_TOKEN_BUDGET", "build_briefing", "ordinal"]

#: Tokens of evidence sent to a model (counted offline with the bundled tokenizer).
EVIDENCE_TOKEN_BUDGET = 3500
NEW_DOC_TYPES = ("project-status", "threat-brief", "market-scan", "budget", "strategy")


def ordinal(n: int) -> str:
    suffix = "th" if 10 <= n % 100 <= 20 else {1: "st", 2: "nd", 3: "rd"}.get(n % 10, "th")
    return f"{n}{suffix}"


def _cadence_word(days: int) -> str:
    if 25 <= days <= 35:
        return "monthly"
    if 12 <= days <= 16:
        return "fortnightly"
    if 55 <= days <= 65:
        return "bi-monthly"
    if 85 <= days <= 95:
        return "quarterly"
    return f"every-{days}-days"


class _Sources:
    """Numbered evidence, deduplicated by (source, start, end)."""

    def __init__(self) -> None:
        self.items: list[Source] = []
        self.purpose: dict[int, list[str]] = {}
        self._index: dict[tuple[str, int, int], int] = {}

    def add(self, purpose: str, **fields: Any) -> int:
        key = (fields["source"], fields["start"], fields["end"])
        n = self._index.get(key)
        if n is None:
            n = len(self.items) + 1
            self._index[key] = n
            self.items.append(Source(n=n, **fields))
        self.purpose.setdefault(n, [])
        if purpose not in self.purpose[n]:
            self.purpose[n].append(purpose)
        return n


def _location(text: str, start: int, pages: list[int] | None = None, fmt: str = "md") -> str:
    """Where ``start`` is, as a reader finds it: page (PDF), paragraph (Word) or line."""
    if pages:
        page = sum(1 for p in pages if p <= start)
        return f"p. {page}"
    unit = "paragraph" if fmt == "docx" else "line"
    return f"{unit} {text.count(chr(10), 0, start) + 1}"


def build_briefing(
    ws: Workspace,
    executive: str,
    *,
    date: dt.date | None = None,
    minutes: int | None = None,
    engine: Engine | str | None = None,
    fallback: str | None = None,
    refresh_index: bool = True,
) -> Briefing:
    from dxprep.dialogue.history import history as build_history
    from dxprep.engines import resolve_engine

    settings = ws.settings
    data = ws.data
    org = data.organization
    exe = org.executive(executive)
    meeting_date = date or dt.date.today()
    minutes = minutes or settings.meeting_minutes
    if engine is None or isinstance(engine, str):
        engine = resolve_engine(engine or settings.engine, remote_allowed=settings.remote,
                                base_url=settings.openai_base_url, workspace=ws.root, redact=settings.redact)
    elif engine.remote:
        engine = _guarded(engine, ws, settings)
    warnings: list[str] = []

    if refresh_index:
        try:
            ws.ingest()
        except IndexLockedError:
            warnings.append("the index was being updated by another process: evidence is from the last complete ingest")

    hist = _drop_planted(build_history(data, exe.id, as_of=meeting_date, audience=exe.id), data, warnings)
    reg = _Sources()
    texts = {n.path: n for n in data.notes}

    def cite_ref(ref: SourceRef, purpose: str) -> int:
        note = texts[ref.path]
        return reg.add(purpose, source=ref.path, start=ref.start, end=ref.end, text=note.text[ref.start:ref.end],
                       title=note.title, section=_section_of(note, ref.start), date=ref.date, kind="note",
                       doc_type="meeting-note",
                       location=f"{'paragraph' if note.format == 'docx' else 'line'} {ref.line}")

    def stated(items: list[StatedItem], purpose: str) -> list[StatedLine]:
        return [StatedLine(text=i.text, first_stated=i.first_stated, last_stated=i.last_stated,
                           citations=[cite_ref(i.source, f"{purpose}:{k}")]) for k, i in enumerate(items)]

    goals = stated(hist.goals, "goal")
    concerns = stated(hist.concerns, "concern")
    last_met = max((m.date for m in hist.meetings if m.date < meeting_date), default=None)
    decisions = [DecisionLine(text=d.text, date=d.last_stated, citations=[cite_ref(d.source, "decision")])
                 for d in hist.decisions if last_met is None or d.last_stated >= last_met][-8:]

    def line(c: Commitment) -> CommitmentLine:
        last = c.statements[-1].source if c.statements else c.opened_in
        return CommitmentLine(
            id=c.id, text=c.text, owner=" ".join(p for p in (c.owner, f"({c.person})" if c.person else None) if p) or None,
            side=c.side or "unassigned", due=c.due, status=c.status, overdue=c.overdue,
            opened_in=str(c.opened_in), closed_in=str(c.closed_in) if c.closed_in else None,
            citations=[cite_ref(last, "commitment")],
        )

    open_lines = sorted((line(c) for c in hist.commitments if c.status == "open"),
                        key=lambda c: (not c.overdue, c.side != "IT", c.due or dt.date.max, c.text))
    closed_lines = [line(c) for c in hist.commitments if c.status == "done" and c.closed_in is not None
                    and (last_met is None or c.closed_in.date >= last_met)]

    # Retrieved evidence: material for each goal and concern, and what is new for them.
    retriever = None
    try:
        retriever = ws.retriever()
    except IndexError_ as exc:
        warnings.append(f"no index: material was not searched ({exc.message}); run dxprep ingest")
    new_items: list[NewForThem] = []
    material = {m.path: m for m in data.material}
    if retriever is not None:
        unit_name = (u.name if (u := org.unit(exe.business_unit)) else "") or ""
        since = last_met or (meeting_date - dt.timedelta(days=exe.cadence_days))
        focus = " ".join(g.text for g in hist.goals[:1]) or exe.title or exe.role
        fresh = sorted((m for m in material.values() if m.date and since < m.date <= meeting_date
                        and m.doc_type in NEW_DOC_TYPES and _relevant(m.business_units, m.audience, exe)
                        and (not m.audience or exe.id in m.audience)),
                       key=lambda m: m.date or dt.date.min, reverse=True)[:5]
        angle = {"threat-brief": "what happened, the risk to us and what we are doing about it",
                 "project-status": "status, schedule, late or delayed, budget and what it means",
                 "market-scan": "what competitors do, the opportunity and what it means for us",
                 "budget": "total cost, the gap, what changes and what it pays back",
                 "strategy": "direction, priorities and what changes"}
        # Every query of this briefing, embedded in one batch: (query, purpose, k, filters).
        plan: list[tuple[str, str, int, dict[str, Any]]] = []
        plan += [(g.text, f"goal:{k}", 2, {"kind": "material"}) for k, g in enumerate(hist.goals[:5])]
        plan += [(c.text, f"concern:{k}", 1, {"kind": "material"}) for k, c in enumerate(hist.concerns[:3])]
        plan.append((f"where IT is heading: priorities and direction for {unit_name or exe.title or exe.role} "
                     + " ".join(g.text for g in hist.goals[:1]), "direction", 1, {"doc_type": "strategy"}))
        plan.append((f"late delayed red at risk go-live moves slipped behind schedule {unit_name} "
                     + " ".join(g.text for g in hist.goals[:1]), "late", 3,
                     {"doc_type": "project-status", "since": meeting_date - dt.timedelta(days=120)}))
        plan += [(f"{m.title}: {angle.get(m.doc_type, '')}. {focus}", f"new:{m.path}", 3, {"source": m.path})
                 for m in fresh]
        plan = [(" ".join(q.split()[:28]), p, k, f) for q, p, k, f in plan]  # short queries embed fast
        vectors = retriever.embed_queries([q for q, *_ in plan])
        from dxprep.engines.offline import best_sentence

        def add_hit(hit: Any, purpose: str) -> int:
            meta = hit.metadata
            return reg.add(purpose, source=hit.source, start=hit.start, end=hit.end, text=hit.text,
                           title=meta.get("title"), section=meta.get("section"), date=meta.get("date"),
                           kind=meta.get("kind"), doc_type=meta.get("doc_type"),
                           location=_loc(hit.source, hit.start, data))

        for (query, purpose, k, filters), vector in zip(plan, vectors, strict=True):
            hits = retriever.search(query, k, audience=exe.id, vector=vector, **filters).results
            clean = []
            for hit in hits:
                if looks_like_injection(hit.text):
                    warnings.append(f"instruction-like text in {hit.source} ({_loc(hit.source, hit.start, data)}) "
                                    "was treated as data and left out of the evidence")
                else:
                    clean.append(hit)
            if not purpose.startswith("new:"):
                for hit in clean:
                    add_hit(hit, purpose)
                continue
            m = material[purpose[4:]]
            chosen = next(((h, s) for h in clean if (s := best_sentence(h.text, query))), None)
            if chosen is not None:
                n = add_hit(chosen[0], "new")
                new_items.append(NewForThem(title=m.title, doc_type=m.doc_type, date=m.date, summary=chosen[1],
                                            citations=[n]))
    alignment = _alignment_lines(data, exe, meeting_date, reg, retriever, settings.embedding, warnings)
    _check_visibility(reg, data, exe, warnings)

    n_meetings = len([m for m in hist.meetings if m.date < meeting_date])
    label = f"{ordinal(n_meetings + 1)} {_cadence_word(exe.cadence_days)} dialogue"
    days_since = (meeting_date - last_met).days if last_met else None
    if last_met is None:
        status = "first dialogue"
    elif days_since is not None and days_since > exe.cadence_days:
        status = f"overdue by {days_since - exe.cadence_days} days (cadence {exe.cadence_days} days)"
    else:
        status = f"on track (cadence {exe.cadence_days} days)"

    ctx = BriefingContext(
        organization=org.name, it_leader=org.it_leader.name if org.it_leader else None, executive_id=exe.id,
        executive_name=exe.name, title=exe.title, role=exe.role,
        unit=(u.name if (u := org.unit(exe.business_unit)) else exe.business_unit), meeting_date=meeting_date,
        minutes=minutes, dialogue_label=label, last_met=last_met, goals=goals, concerns=concerns,
        open_commitments=open_lines, closed_since_last=closed_lines, decisions=decisions, whats_new=new_items,
        evidence=list(reg.items), purpose=reg.purpose, alignment=alignment,
    )
    request = _request(ctx, engine, exe)
    try:
        reply = engine.draft(ctx, request)
        draft = parse_draft(reply)
    except EngineError as exc:
        if fallback != "offline":
            raise
        from dxprep.engines.offline import OfflineEngine

        warnings.append(f"{engine.name} failed ({exc.message}); this briefing was drafted offline instead")
        engine = OfflineEngine()
        reply = engine.draft(ctx, request)
        draft = parse_draft(reply)
    seen = _sent_numbers(request, ctx) if not engine.drafted_without_model else {s.n for s in reg.items}
    draft = validate_draft(draft, seen, warnings, _hidden_texts(data, exe), {s.n: s.text for s in reg.items})

    header = BriefingHeader(
        executive_id=exe.id, executive_name=exe.name, title=exe.title, role=exe.role,
        business_unit=exe.business_unit,
        business_unit_name=(u.name if (u := org.unit(exe.business_unit)) else None),
        organization=org.name, meeting_date=meeting_date, minutes=minutes, dialogue_number=n_meetings + 1,
        dialogue_label=label, last_met=last_met, days_since=days_since, cadence_days=exe.cadence_days,
        cadence_status=status, prepared_for=(org.it_leader.name if org.it_leader else settings.it_leader),
        engine=engine.name, model=reply.model or engine.model, prompt_version=request.prompt_version,
        drafted_without_model=engine.drafted_without_model,
        generated_at=dt.datetime.now(dt.UTC).replace(microsecond=0),
    )
    briefing = Briefing(
        header=header, goals=goals, concerns=concerns, alignment=ctx.alignment, open_commitments=open_lines,
        closed_since_last=closed_lines,
        decisions=decisions, whats_new=[n.model_copy(update={"summary": draft.whats_new_summaries.get(
            n.title, n.summary)}) for n in new_items],
        talking_points=draft.talking_points, questions_to_ask=draft.questions_to_ask,
        likely_questions=draft.likely_questions, hard_conversations=draft.hard_conversations,
        agenda=draft.agenda, sources=list(reg.items), warnings=warnings + [str(w) for w in hist.warnings],
    )
    return renumber(briefing)


def _drop_planted(hist: History, data: LoadedWorkspace, warnings: list[str]) -> History:
    """The dialogue memory without instruction-like goals, concerns, decisions or commitments
    (it reaches the model outside the evidence fence, and the briefing as stated facts); any
    other instruction-like text in the executive's notes is flagged too, by file."""

    def keep(text: str, ref: SourceRef, what: str) -> bool:
        if looks_like_injection(text):
            warnings.append(f"instruction-like text in {ref.path} (line {ref.line}) was treated as data and "
                            f"left out of the {what}")
            return False
        return True

    hist = hist.model_copy(update={
        "goals": [g for g in hist.goals if keep(g.text, g.source, "goals")],
        "concerns": [c for c in hist.concerns if keep(c.text, c.source, "concerns")],
        "decisions": [d for d in hist.decisions if keep(d.text, d.source, "decisions")],
        "commitments": [c for c in hist.commitments if keep(c.text, c.opened_in, "commitments")],
    })
    notes = {n.path: n for n in data.notes}
    for meeting in hist.meetings:
        note = notes.get(meeting.path)
        hit = INJECTION.search(note.text) if note is not None else None
        if note is not None and hit is not None and not any(meeting.path in w for w in warnings):
            warnings.append(f"instruction-like text in {meeting.path} "
                            f"({_location(note.text, hit.start(), None, note.format)}) is treated as data: "
                            "never followed")
    return hist


def _guarded(engine: Engine, ws: Workspace, settings: Any) -> Engine:
    """A remote engine passed as an object gets the same protection as one named by a string:
    refused when the workspace forbids remote calls, redacted and audited otherwise.

    Wrappers (a recorder around a client) keep their place: the redaction goes around the
    innermost engine, next to the network, so a recording is keyed on what the pipeline asked."""
    from dxprep.engines.guard import RedactingEngine
    from dxprep.errors import ConfigError
    from dxprep.privacy import RedactionPolicy

    if not settings.remote:
        raise ConfigError(f"the engine {engine.name!r} calls a remote model, and this workspace forbids that "
                          "(remote = false)", hint="use --engine offline or replay:<dir>, or set remote = true")
    chain = [engine]
    while isinstance(getattr(chain[-1], "inner", None), Engine):
        chain.append(chain[-1].inner)  # type: ignore[attr-defined]
    if any(isinstance(e, RedactingEngine) for e in chain):
        return engine
    guard = RedactingEngine(chain[-1], RedactionPolicy.for_workspace(ws.root, settings.redact), ws.root)
    if len(chain) == 1:
        return guard
    chain[-2].inner = guard  # type: ignore[attr-defined]
    return engine


def _alignment_lines(data: LoadedWorkspace, exe: Executive, meeting_date: dt.date, reg: _Sources, retriever: Any,
                     embedding: str, warnings: list[str]) -> list[AlignmentLine]:
    """The executive's goals against the initiatives that serve them, as they may see it."""
    from dxprep.dialogue.alignment import Evidence, alignment_map, talking_point_for_gap

    embedder = getattr(retriever, "embedder", None) if embedding != "hash" else None
    amap = alignment_map(data, meeting_date, audience=exe.id, embedder=embedder)
    material = {m.path: m for m in data.material}
    notes = {n.path: n for n in data.notes}

    def cite(ev: Any, purpose: str) -> int | None:
        if looks_like_injection(ev.text):
            warnings.append(f"instruction-like text in {ev.path} was treated as data and left out of the alignment")
            return None
        m, n = material.get(ev.path), notes.get(ev.path)
        return reg.add(purpose, source=ev.path, start=ev.start, end=ev.end, text=ev.text,
                       title=m.title if m else (n.title if n else None),
                       section=_section_of(n, ev.start) if n else None, date=ev.date,
                       kind="material" if m else "note", doc_type=m.doc_type if m else "meeting-note",
                       location=_loc(ev.path, ev.start, data))

    flags = {(f.goal_id, f.initiative_id): f for f in amap.expectations}
    lines = []
    for k, goal in enumerate(amap.for_executive(exe.id)):
        goal_n = cite(goal.source, f"goal:{k}")
        if goal_n is None:  # an instruction planted as a goal: warned about, and left out
            continue
        served = []
        say = None
        for lk in amap.links_of(goal.id):
            ini = amap.initiative(lk.initiative_id)
            cites = {c for c in (cite(lk.evidence[-1], "alignment"),) if c is not None}
            if "status_label" in ini.sources:
                src = ini.sources["status_label"]
                status_n = cite(Evidence(path=src.path, start=src.start, end=src.end, line=src.line, date=src.date,
                                         text=material[src.path].text[src.start:src.end], role="initiative"),
                                "alignment")
                if status_n is not None:
                    cites.add(status_n)
            served.append(ServingInitiative(name=ini.name, status=ini.status_label, red_or_late=ini.red_or_late,
                                            target=ini.target, strength=lk.level, citations=sorted(cites)))
            if (goal.id, ini.id) in flags and say is None:
                say = flags[(goal.id, ini.id)].what_to_say
        line_cites = [goal_n] if goal_n else []
        if not served:
            say = talking_point_for_gap(goal.text, goal.related)
            related_n = cite(goal.related, "alignment") if goal.related is not None else None
            if related_n is not None:
                line_cites.append(related_n)
        if say is not None and looks_like_injection(say):
            warnings.append(f"instruction-like text in the material about \"{goal.text[:60]}\" was left out")
            say = None
        lines.append(AlignmentLine(goal=goal.text, citations=line_cites, served_by=served, what_to_say=say))
    return lines


def _sent_numbers(request: ModelRequest, ctx: BriefingContext) -> set[int]:
    """Source numbers the model could see: evidence sent within the budget, and the numbers
    the dialogue memory cites."""
    text = request.messages[-1].content
    numbers = {int(n) for n in re.findall(r"^\[(\d+)\] ", text, re.MULTILINE)}
    for group in (ctx.goals, ctx.concerns, ctx.open_commitments, ctx.closed_since_last, ctx.decisions,
                  ctx.whats_new, ctx.alignment):
        for item in group:
            numbers.update(item.citations)
    for line in ctx.alignment:
        for ini in line.served_by:
            numbers.update(ini.citations)
    return numbers


def _relevant(units: list[str], audience: list[str], exe: Executive) -> bool:
    if exe.id in audience:
        return True
    if not units or exe.role in ("CEO", "CFO", "COO"):
        return True
    return exe.business_unit in units


def _section_of(note: Any, start: int) -> str | None:
    sec = [s for s in note.sections if s.start <= start <= s.end]
    return sec[-1].heading if sec else None


def _loc(path: str, start: int, data: LoadedWorkspace) -> str:
    for m in data.material:
        if m.path == path:
            return _location(m.text, start, m.pages, m.format)
    for n in data.notes:
        if n.path == path:
            return _location(n.text, start, None, n.format)
    return f"offset {start}"


def _check_visibility(reg: _Sources, data: LoadedWorkspace, exe: Executive, warnings: list[str]) -> None:
    """Defence in depth: drop any source the executive may not see (should never trigger)."""
    notes = {n.path: n for n in data.notes}
    material = {m.path: m for m in data.material}
    keep = []
    for s in reg.items:
        note = notes.get(s.source)
        mat = material.get(s.source)
        hidden = (note is not None and note.confidential and exe.id not in note.executives) or (
            mat is not None and bool(mat.audience) and exe.id not in mat.audience)
        if hidden:
            warnings.append(f"{s.source} is not for {exe.id}'s eyes: removed from the evidence")
        else:
            keep.append(s)
    reg.items = keep


def _hidden_texts(data: LoadedWorkspace, exe: Executive) -> list[str]:
    out = [n.text[n.body_start:] for n in data.notes if n.confidential and exe.id not in n.executives]
    out += [m.text[m.body_start:] for m in data.material if m.audience and exe.id not in m.audience]
    return out


def _count_tokens(text: str) -> int:
    """Tokens of ``text``, counted offline with the bundled WordPiece tokenizer (close to a
    model's BPE count for English prose)."""
    from dxprep.index.minilm import shared_tokenizer

    return int(shared_tokenizer().count(text))


def _memory_text(ctx: BriefingContext) -> str:
    lines = [f"Last met: {ctx.last_met or 'never'}."]
    lines += [f"Goal (stated {g.first_stated}): {g.text} {g.citations}" for g in ctx.goals]
    lines += [f"Concern (stated {c.first_stated}): {c.text} {c.citations}" for c in ctx.concerns]
    lines += [f"Open commitment [{c.side}{', OVERDUE' if c.overdue else ''}] {c.text}"
              f"{f' (due {c.due})' if c.due else ''} {c.citations}" for c in ctx.open_commitments]
    lines += [f"Closed since last time: {c.text} {c.citations}" for c in ctx.closed_since_last]
    lines += [f"Decision ({d.date}): {d.text} {d.citations}" for d in ctx.decisions]
    lines += [f"New since last time ({n.doc_type}, {n.date}): {n.title} {n.citations}" for n in ctx.whats_new]
    for a in ctx.alignment:
        served = "; ".join(f"{i.name} ({i.status or 'status not stated'}{', target ' + i.target if i.target else ''})"
                           f" {i.citations}" for i in a.served_by)
        lines.append(f"Alignment: goal \"{a.goal}\" {a.citations} is served by: {served}" if served else
                     f"Alignment: no IT initiative serves the goal \"{a.goal}\" {a.citations} yet")
    return "\n".join(lines)


def _request(ctx: BriefingContext, engine: Engine, exe: Executive) -> ModelRequest:
    budget = EVIDENCE_TOKEN_BUDGET
    evidence = []
    for e in ctx.evidence:
        cost = _count_tokens(e.text) + 12
        if cost > budget:
            continue
        budget -= cost
        evidence.append({"n": e.n, "source": e.source, "date": e.date, "section": e.section, "text": e.text})
    system = load_prompt("system").render(organization=ctx.organization or "the organization",
                                          it_leader=ctx.it_leader or "the IT leader")
    user = load_prompt("briefing").render(
        executive={"name": exe.name, "title": exe.title, "role": exe.role},
        role_guidance=role_guidance(exe.role).text(), meeting_date=ctx.meeting_date.isoformat(),
        minutes=ctx.minutes, dialogue_label=ctx.dialogue_label, memory=_memory_text(ctx), evidence=evidence,
        max_points=ctx.max_points,
    )
    return ModelRequest(model=engine.model or engine.name, messages=[Message(role="system", content=system),
                                                                      Message(role="user", content=user)],
                        json_schema=Draft.model_json_schema(), prompt_version=prompt_version())


def parse_draft(reply: ModelReply) -> Draft:
    text = reply.text.strip()
    if not text:
        raise EngineError("the model returned an empty answer", hint="try again, or use --fallback offline")
    fenced = re.match(r"^```(?:json)?\s*(.*?)\s*```$", text, re.DOTALL)
    if fenced:
        text = fenced.group(1)
    try:
        data = json.loads(text)
    except json.JSONDecodeError as exc:
        raise EngineError(f"the model's answer is not valid JSON ({exc.msg} at char {exc.pos}; truncated?)",
                          hint="try again, or use --fallback offline") from exc
    if isinstance(data, dict) and set(data) <= {"refusal", "error", "message"}:
        raise EngineError(f"the model refused or failed: {str(next(iter(data.values()), ''))[:200]}",
                          hint="nothing was written; try again, or use --fallback offline")
    try:
        return Draft.model_validate(data)
    except ValidationError as exc:
        err = exc.errors()[0]
        raise EngineError(f"the model's answer does not match the briefing schema: "
                          f"{'.'.join(map(str, err['loc']))}: {err['msg']}",
                          hint="nothing was written; try another model, or use --fallback offline") from exc


def _shingles(text: str, n: int = 8) -> set[str]:
    words = re.findall(r"[a-z0-9$%]+", text.lower())
    return {" ".join(words[i : i + n]) for i in range(max(0, len(words) - n + 1))}


_OK_STATUS = re.compile(r"\b(on track|on schedule|on plan|fully funded|green)\b", re.IGNORECASE)
_BAD_STATUS = re.compile(r"\b(red|late|delayed|behind schedule|slipped|unfunded|not funded)\b", re.IGNORECASE)


def validate_draft(draft: Draft, valid: set[int], warnings: list[str], hidden: Iterable[str],
                   sources: dict[int, str] | None = None) -> Draft:
    """Remove invented citations, flag unsupported points, drop obeyed instructions, leaks and
    points that contradict the status their own sources give."""
    sources = sources or {}
    hidden_shingles: set[str] = set()
    for text in hidden:
        hidden_shingles |= _shingles(text)

    def fix(cites: list[int], what: str) -> list[int]:
        bad = [c for c in cites if c not in valid]
        if bad:
            warnings.append(f"removed invented citation(s) {bad} from {what}")
        return [c for c in cites if c in valid]

    def unsafe(text: str, what: str) -> bool:
        if looks_like_injection(text):
            warnings.append(f"dropped {what}: it repeats an instruction planted in the evidence")
            return True
        if hidden_shingles and _shingles(text) & hidden_shingles:
            # never quote the offending text in the warning: the warning is in the briefing too
            warnings.append("dropped an item: it quotes a document this executive may not see")
            return True
        return False

    points = []
    for p in draft.talking_points:
        what = f"talking point “{p.headline[:60]}”"
        if unsafe(" ".join((p.headline, p.why_it_matters, p.evidence, p.ask)), what):
            continue
        cites = fix(p.citations, what)
        said = " ".join((p.headline, p.why_it_matters, p.evidence))
        if sources and _OK_STATUS.search(said) and any(
                _BAD_STATUS.search(sources[c]) and not _OK_STATUS.search(sources[c]) for c in cites if c in sources):
            warnings.append(f"dropped {what}: it calls on track what its source calls late or red")
            continue
        opinion = p.opinion or not cites
        if opinion and not p.opinion:
            warnings.append(f"{what} has no valid source: flagged as opinion")
        points.append(p.model_copy(update={"citations": cites, "opinion": opinion}))
    likely = [q.model_copy(update={"citations": fix(q.citations, f"answer to “{q.question[:50]}”")})
              for q in draft.likely_questions if not unsafe(q.question + " " + q.answer, "a likely question")]
    hard = [h.model_copy(update={"citations": fix(h.citations, f"hard conversation “{h.topic[:50]}”")})
            for h in draft.hard_conversations if not unsafe(h.topic + " " + h.what_to_say, "a hard conversation")]
    questions = [q for q in draft.questions_to_ask if not unsafe(q, "a question")]
    return draft.model_copy(update={"talking_points": points, "likely_questions": likely,
                                    "hard_conversations": hard, "questions_to_ask": questions})


def renumber(b: Briefing) -> Briefing:
    """Keep only cited sources, numbered 1..n in order of first citation."""
    order: dict[int, int] = {}

    def seen(cites: list[int]) -> list[int]:
        for c in cites:
            order.setdefault(c, len(order) + 1)
        return [order[c] for c in cites]

    def renumbered(group: list[Any]) -> list[Any]:
        return [x.model_copy(update={"citations": seen(x.citations)}) for x in group]

    update: dict[str, Any] = {"goals": renumbered(b.goals), "concerns": renumbered(b.concerns)}
    update["alignment"] = [a.model_copy(update={
        "citations": seen(a.citations),
        "served_by": [i.model_copy(update={"citations": seen(i.citations)}) for i in a.served_by]})
        for a in b.alignment]
    for name in ("open_commitments", "closed_since_last", "decisions", "whats_new", "talking_points",
                 "likely_questions", "hard_conversations"):
        update[name] = renumbered(getattr(b, name))
    by_old = {s.n: s for s in b.sources}
    update["sources"] = [by_old[old].model_copy(update={"n": new})
                         for old, new in sorted(order.items(), key=lambda kv: kv[1]) if old in by_old]
    return b.model_copy(update=update)
