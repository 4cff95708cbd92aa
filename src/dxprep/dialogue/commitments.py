"""Commitments carried forward: an action item stays open until a later note closes it.

Notes are read oldest first (date, then path). Each action item of a note is linked to
an earlier commitment, or opens a new one, in three passes over the note, so that an
exact link is never taken away by a looser one:

1. **Explicit id.** ``{#ai-12}`` (``ActionItem.item_id``) equal to the id of an earlier
   commitment (its own id or any id written on one of its statements) links to it,
   whatever the text says.
2. **Same text.** The normalised text (case, spacing, dashes, quotes and trailing
   punctuation ignored) equals the text of an earlier commitment as last stated (an
   open one if there is one; ticking a done item again changes nothing).
3. **Reworded text.** The tolerant matcher below scores the item against every *open*
   commitment; a strong, unambiguous match links to it.

Pass 2 and 3 only consider commitments that share an executive with the note (a note
without executives may link to any). A commitment is linked at most once per note, and
never to an item of the note that opened it.

Linking a ``[x]`` item closes the commitment (``closed_in`` is that statement); linking a
``[ ]`` item restates it (and reopens it if it was done). The text, owner and person are
taken as last stated; a due date stated later replaces the earlier one, and a statement
without a due date keeps it. An item first seen already ``[x]`` is done at creation.
Items from a joint meeting belong to every executive of that meeting.

The tolerant matcher
--------------------
``match_score(a, b)`` compares two action texts (owner, person and due date are already
split off by the note parser; any date left in the text is removed):

* **Tokens.** Accents removed, split on anything but letters and digits (so hyphens and
  slashes split words), English stop words dropped (``the``, ``for``, ``with``...), a light
  stemmer for ordinary words (``vendors``/``vendor``, ``onboarding``/``onboard``), British/American
  ``-ise``/``-ize``, and a small table of verbs and abbreviations that mean the same in
  an action item (build = create = develop = make = produce; send = share = provide =
  give; confirm = verify = validate = check; exec = executive...).
* **Key tokens** weigh 2, the others 1: acronyms and capitalised names not at the start
  (``ERP``, ``CRM``, ``LIMS``, ``Dubuque``, ``Lumenboard``), numbers (``20``, ``FY2027``)
  and number words (``two``, ``three``).
* **Score**: the weighted Dice coefficient ``2·w(A∩B) / (w(A) + w(B))``, from 0 to 1.
* **Vetoes** (score 0, never linked, no warning), because they mark *different* work:
  (a) each side has a key token that the other lacks: ``cost model for the ERP upgrade``
  vs ``cost model for the CRM upgrade``, ``top 10`` vs ``top 20``; (b) the leading words
  (the action verb) differ and neither appears in the other text: ``approve the user
  requirements`` vs ``draft the user requirements``; (c) fewer than two tokens shared
  (unless both texts are that one token).

**Threshold.** A score of at least :data:`STRONG` = 0.80 links. It was chosen on the
rewordings in ``tests/unit/test_commitments.py`` (most of them from the sample workspace)
and on every pair of different commitments in the sample workspace:

* real rewordings score 0.83 to 1.0: dropping or adding ``the`` (``list the unsupported
  finance applications...`` / ``list unsupported finance applications...``), ``build`` /
  ``create`` a supplier dashboard, word order (``cost model for the ERP upgrade`` / ``ERP
  upgrade cost model``), plurals and tenses (``plan the data migration rehearsal`` /
  ``planning the data migration rehearsals``), ``organise`` / ``organize``, hyphens
  (``generative-AI`` / ``generative AI``), an abbreviation with a dropped name (``brief the
  exec team on the Dunmore ransomware attack``: 0.88), an added place name (``... plant
  supervisors at Mankato``: 0.83);
* different commitments score at most 0.60 (``confirm the WMS go-live window with the
  Dubuque DC manager`` / ``go-live of the new warehouse management system at the Dubuque
  DC``), or are vetoed: ERP/CRM, top 10/top 20, two/three line leads, Sparta/Eau Claire,
  approve/draft.

A score from :data:`WEAK` = 0.55 up to 0.80 is a possible match that is *not* linked
(``present the three-year DX roadmap`` / ``present DX roadmap``: 0.77): it is reported as
a warning naming both texts and the score, with the advice to write the same ``{#id}``
in both places. Two or more open commitments at or above 0.80 make the item ambiguous: a
warning, and no link. Two earlier commitments with the same text make it ambiguous too.
An item that links to nothing opens a new commitment.

**Ids.** A commitment's id is the explicit id of its first statement, else ``c-`` and
the first 8 hex digits of the SHA-1 of the first statement's path and text: stable for
as long as that line is not edited. ``dxprep notes new`` writes it as ``{#id}`` so the
next note closes the commitment exactly.
"""

from __future__ import annotations

import datetime as dt
import functools
import hashlib
import re
import unicodedata
from dataclasses import dataclass, field
from typing import Literal

from dxprep.dialogue.models import Closing, Commitment, Side, SourceRef, Statement
from dxprep.workspace.dates import DATE_PATTERN
from dxprep.workspace.models import ActionItem, MeetingNote, Person, WorkspaceWarning

__all__ = [
    "STRONG",
    "WEAK",
    "commitment_id",
    "match_score",
    "normalize_text",
    "side_of",
    "thread_commitments",
    "tokens",
]

#: Link two texts at or above this score.
STRONG = 0.80
#: Warn about a possible match from this score up to STRONG (never linked).
WEAK = 0.55

_STOP = frozenset(
    """a an the for of to with and or in on at by from into onto as per via about our their its
    this that these those is are be been being will shall should must can could would we us
    you they he she it all each any every some new please also so if then than
    up out off over under within across""".split()
)
_SYNONYMS = {
    # verbs that say the same thing in an action item
    "create": "build", "develop": "build", "make": "build", "produce": "build", "prepare": "build",
    "share": "send", "provide": "send", "give": "send", "circulate": "send", "forward": "send",
    "verify": "confirm", "validate": "confirm", "check": "confirm",
    "finalise": "finalize", "complete": "finish",
    "show": "present",
    # abbreviations
    "exec": "executive", "execs": "executive", "mgmt": "management", "dept": "department",
    "approx": "approximately", "info": "information", "docs": "document", "doc": "document",
    "programme": "program", "organisation": "organization",
}
_NUMBER_WORDS = frozenset(
    """zero one two three four five six seven eight nine ten eleven twelve thirteen fourteen
    fifteen sixteen seventeen eighteen nineteen twenty thirty forty fifty sixty seventy eighty
    ninety hundred thousand million first second third fourth fifth half quarter
    single double twice""".split()
)
_WORD = re.compile(r"[^\W_]+", re.UNICODE)
_ID = re.compile(r"\{#[^}]*\}")


def _fold(text: str) -> str:
    """Remove accents: ``Tomás`` -> ``Tomas``."""
    return "".join(c for c in unicodedata.normalize("NFKD", text) if not unicodedata.combining(c))


def _stem(word: str) -> str:
    """A light stemmer: plural, -ing, -ed, a final e, a doubled consonant, -ise/-ize."""
    if word.isdigit() or len(word) <= 3:
        return word
    if len(word) > 5:
        word = re.sub(r"is(e|ed|es|ing|ation|ations)$", r"iz\1", word)
    if word.endswith("ies") and len(word) > 4:
        word = word[:-3] + "y"
    elif word.endswith(("sses", "shes", "ches", "xes")):
        word = word[:-2]
    elif word.endswith("s") and not word.endswith(("ss", "us", "is")):
        word = word[:-1]
    if word.endswith("ing") and len(word) > 5:
        word = word[:-3]
    elif word.endswith("ed") and len(word) > 4:
        word = word[:-2]
    if word.endswith("e") and len(word) > 3:
        word = word[:-1]
    if len(word) > 3 and word[-1] == word[-2] and word[-1] not in "aeiouls":
        word = word[:-1]
    return word


_STEM_SYNONYMS = {_stem(k): _stem(v) for k, v in _SYNONYMS.items()}


def tokens(text: str) -> dict[str, int]:
    """Normalised content tokens of an action text, each with its weight (2 for key tokens)."""
    return dict(_tokens(text))


@functools.lru_cache(maxsize=4096)
def _tokens(text: str) -> tuple[tuple[str, int], ...]:
    text = _ID.sub(" ", text)
    text = DATE_PATTERN.sub(" ", text)
    out: dict[str, int] = {}
    for n, m in enumerate(_WORD.finditer(_fold(text))):
        surface = m.group(0)
        low = surface.casefold()
        if low in _STOP:
            continue
        key = (
            any(c.isdigit() for c in surface)
            or low in _NUMBER_WORDS
            or any(c.isupper() for c in surface[1:])
            or (n > 0 and surface[:1].isupper())
        )
        if len(low) == 1 and not low.isdigit():
            continue
        canon = low if key else _STEM_SYNONYMS.get(_stem(low), _stem(low))  # names compared as written
        out[canon] = max(out.get(canon, 1), 2 if key else 1)
    return tuple(out.items())


def match_score(a: str, b: str) -> float:
    """How likely two action texts state the same commitment: 0 (different) to 1 (same).

    Weighted Dice coefficient over :func:`tokens`, with the vetoes described in the
    module docstring (distinguishing key tokens, a different action verb, fewer than
    two shared tokens).
    """
    ta, tb = tokens(a), tokens(b)
    if not ta or not tb:
        return 0.0
    shared = ta.keys() & tb.keys()
    if len(shared) < 2 and not (len(shared) == 1 and len(ta) == 1 and len(tb) == 1):
        return 0.0
    only_a = ta.keys() - tb.keys()
    only_b = tb.keys() - ta.keys()
    if any(ta[t] == 2 for t in only_a) and any(tb[t] == 2 for t in only_b):
        return 0.0  # ERP vs CRM: each side names something the other does not
    lead_a, lead_b = next(iter(ta)), next(iter(tb))
    if lead_a != lead_b and lead_a not in tb and lead_b not in ta:
        return 0.0  # approve vs draft: a different action
    def weight(t: str) -> int:  # a token that is key on either side is key
        return max(ta.get(t, 0), tb.get(t, 0))

    shared_w = sum(weight(t) for t in shared)
    total = sum(weight(t) for t in ta) + sum(weight(t) for t in tb)
    return round(2 * shared_w / total, 4)


def normalize_text(text: str) -> str:
    """Exact-text key: case, spacing, dashes, quotes and trailing punctuation ignored."""
    text = _ID.sub(" ", _fold(text))
    text = text.replace("–", "-").replace("—", "-").replace("’", "'").replace("‘", "'")
    text = text.replace("“", '"').replace("”", '"')
    return " ".join(text.casefold().split()).strip(" .;,:!")


def commitment_id(path: str, text: str) -> str:
    """``c-`` + 8 hex digits of SHA-1(path, text) of a commitment's first statement."""
    digest = hashlib.sha1(f"{path}\n{text}".encode()).hexdigest()
    return f"c-{digest[:8]}"


_IT_WORD = re.compile(r"(?<![A-Za-z])(IT|ICT|IS&T|CIO|CTO|CISO)(?![A-Za-z])")
_IT_OWNERS = {
    "it", "ict", "is", "cio", "cto", "ciso", "it team", "technology", "digital", "it & digital",
    "information technology", "it ops", "it security", "security", "infosec", "cyber",
    "it operations", "service desk", "helpdesk", "help desk", "data team", "enterprise architecture",
}


def _leader_names(leader: Person | None) -> set[str]:
    if leader is None or not leader.name.strip():
        return set()
    full = " ".join(_fold(leader.name).casefold().split())
    return {full, full.split()[0]}


def side_of(owner: str | None, person: str | None, it_leader: Person | None = None) -> Side | None:
    """Whose side a commitment is on.

    IT when the owner is IT (``IT``, ``IT Security``, ``Group IT``, ``CIO``...) or when the
    owner or person is the IT leader (first name or full name); business for any other
    owner; None when no owner is written.
    """
    leader = _leader_names(it_leader)
    for who in (owner, person):
        if who and " ".join(_fold(who).casefold().split()) in leader:
            return "IT"
    if owner is None or not owner.strip():
        return None
    if owner.strip().casefold() in _IT_OWNERS or _IT_WORD.search(owner):
        return "IT"
    return "business"


@dataclass
class _Match:
    """The commitment an item links to, or why it links to none."""

    thread: _Thread | None
    how: Literal["id", "same-text", "reworded"] | None = None
    score: float | None = None
    warning: str | None = None


@dataclass
class _Thread:
    id: str
    ids: set[str]
    key: str
    statements: list[Statement] = field(default_factory=list)
    executives: list[str] = field(default_factory=list)
    done: bool = False
    closed_in: SourceRef | None = None
    closing: Closing | None = None

    @property
    def text(self) -> str:
        return self.statements[-1].text

    def shares(self, executives: list[str]) -> bool:
        return not executives or not self.executives or bool(set(executives) & set(self.executives))


def _best_match(text: str, candidates: list[_Thread]) -> _Match:
    """Link ``text`` to one of the open ``candidates`` by the tolerant matcher."""
    scored = sorted(((match_score(text, t.text), t) for t in candidates), key=lambda p: -p[0])
    strong = [(s, t) for s, t in scored if s >= STRONG]
    if len(strong) == 1:
        score, thread = strong[0]
        return _Match(thread, "reworded", score)
    if len(strong) > 1:
        names = "; ".join(f"{t.text!r} ({t.id}, {s:.2f})" for s, t in strong)
        return _Match(None, warning=f"ambiguous: {text!r} matches several open commitments: {names}; "
                     "not linked (write the same {#id} in both places)")
    weak = [(s, t) for s, t in scored if s >= WEAK]
    if weak:
        score, thread = weak[0]
        return _Match(None, score=score, warning=(
            f"possible match not linked: {text!r} looks like open commitment {thread.text!r} "
            f"({thread.id}, score {score:.2f} < {STRONG:.2f}); write {{#{thread.id}}} on both lines to link them"))
    return _Match(None)


def _source(note: MeetingNote, item: ActionItem) -> SourceRef:
    assert note.date is not None
    return SourceRef(path=note.path, date=note.date, line=item.line, start=item.start, end=item.end)


def thread_commitments(
    notes: list[MeetingNote], as_of: dt.date, it_leader: Person | None = None
) -> tuple[list[Commitment], list[WorkspaceWarning]]:
    """Carry every action item of ``notes`` (dated, in order) forward into commitments.

    ``notes`` must be dated and sorted oldest first (see :func:`dated_notes`); ``as_of``
    decides which open commitments are overdue.
    """
    threads: list[_Thread] = []
    by_id: dict[str, _Thread] = {}
    warnings: list[WorkspaceWarning] = []
    for note in notes:
        if note.date is None:
            continue
        claimed: set[int] = set()
        links: dict[int, _Match] = {}
        items = list(enumerate(note.action_items))
        # pass 1: explicit ids
        for i, item in items:
            if item.item_id and item.item_id in by_id:
                known = by_id[item.item_id]
                if id(known) in claimed:
                    warnings.append(WorkspaceWarning(
                        path=note.path, line=item.line,
                        reason=f"id {{#{item.item_id}}} appears twice in this note: only the first is linked by it"))
                    continue
                claimed.add(id(known))
                links[i] = _Match(known, "id")
        # pass 2: same text
        earlier = list(threads)
        for i, item in items:
            if i in links:
                continue
            key = normalize_text(item.text)
            same = [t for t in earlier if t.key == key and id(t) not in claimed and t.shares(note.executives)]
            open_same = [t for t in same if not t.done]
            pick = open_same or same
            if len(pick) == 1:
                claimed.add(id(pick[0]))
                links[i] = _Match(pick[0], "same-text")
            elif len(pick) > 1:
                ids = ", ".join(t.id for t in pick)
                links[i] = _Match(None, warning=f"ambiguous: {item.text!r} has the same text as several commitments "
                                 f"({ids}); not linked (write the {{#id}} of the one it closes)")
        # pass 3: reworded text, open commitments only
        for i, item in items:
            if i in links:
                continue
            candidates = [t for t in earlier if not t.done and id(t) not in claimed and t.shares(note.executives)]
            found = _best_match(item.text, candidates)
            if found.thread is not None:
                claimed.add(id(found.thread))
            links[i] = found
        # apply, in the note's order
        for i, item in items:
            found = links.get(i, _Match(None))
            if found.warning:
                warnings.append(WorkspaceWarning(path=note.path, line=item.line, reason=found.warning))
            statement = Statement(
                source=_source(note, item), text=item.text, done=item.done, owner=item.owner,
                person=item.person, due=item.due, item_id=item.item_id, confidential=note.confidential,
                executives=list(note.executives), link=found.how, score=found.score,
            )
            thread = found.thread
            if thread is None:
                new_id = item.item_id if item.item_id and item.item_id not in by_id else None
                if new_id is None:
                    new_id = commitment_id(note.path, item.text)
                    while new_id in by_id:  # the same text twice in one note
                        new_id = commitment_id(note.path, f"{item.text}#{item.line}")
                thread = _Thread(id=new_id, ids={new_id}, key=normalize_text(item.text))
                threads.append(thread)
                by_id[new_id] = thread
                if item.done:
                    thread.done, thread.closed_in, thread.closing = True, statement.source, "done-at-creation"
            else:
                if item.done and not thread.done:
                    thread.done, thread.closed_in, thread.closing = True, statement.source, found.how
                elif not item.done and thread.done:
                    thread.done, thread.closed_in, thread.closing = False, None, None  # restated open: reopened
                thread.key = normalize_text(item.text)
            if item.item_id and item.item_id not in by_id:
                by_id[item.item_id] = thread
                thread.ids.add(item.item_id)
            thread.statements.append(statement)
            for exe in note.executives:
                if exe not in thread.executives:
                    thread.executives.append(exe)
    return [_commitment(t, as_of, it_leader) for t in threads], warnings


def _commitment(thread: _Thread, as_of: dt.date, it_leader: Person | None) -> Commitment:
    last = thread.statements[-1]
    owner = next((s.owner for s in reversed(thread.statements) if s.owner), None)
    person = next((s.person for s in reversed(thread.statements) if s.owner or s.person), None)
    due = next((s.due for s in reversed(thread.statements) if s.due is not None), None)
    status = "done" if thread.done else "open"
    return Commitment(
        id=thread.id, text=last.text, owner=owner, person=person, side=side_of(owner, person, it_leader),
        due=due, status=status, overdue=status == "open" and due is not None and due < as_of,
        opened_in=thread.statements[0].source, closed_in=thread.closed_in, closing=thread.closing,
        executives=list(thread.executives), confidential=all(s.confidential for s in thread.statements),
        statements=list(thread.statements),
    )
