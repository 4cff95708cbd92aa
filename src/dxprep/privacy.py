"""Redaction of personal and financial data before anything leaves the machine.

Before a remote model or embedding call, text passes through a :class:`Redactor`: e-mail
addresses, phone numbers, payment card numbers (Luhn-checked), bank data (IBAN with its
mod-97 check; US routing, account and UK sort-code numbers when a label says so) and,
optionally, the names of the people in ``stakeholders.yaml`` become placeholders such as
``[EMAIL_1]``, ``[PHONE_2]``, ``[CARD_1]``, ``[IBAN_1]``, ``[PERSON_3]``. The same value gets the
same placeholder within one redactor (one model call, one embedding batch), so the model can
still tell that two mentions are one person or one address; :meth:`Redactor.restore` puts the
originals back into what the model returned.

What is redacted is configured with ``redact`` (``dxprep.toml``, ``DXPREP_REDACT``): any of
``email``, ``phone``, ``card``, ``bank``, ``names``; the default is all but ``names``.

The patterns prefer missing a rare format to mangling the evidence: dates (``2026-11-05``),
amounts (``$4.2M``), percentages, years and ids (``ai-21``) are left alone; phone numbers
need a ``+``, the US ``(555) 123-4567`` / ``555-123-4567`` shapes, or a label (``tel``,
``phone``, ``mobile``…); routing and account numbers need their label.
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from pathlib import Path

__all__ = ["DEFAULT_REDACT", "LABELS", "RedactionPolicy", "Redactor", "find_sensitive", "iban_valid", "luhn_valid"]

DEFAULT_REDACT = ("email", "phone", "card", "bank")
#: Placeholder label → the ``redact`` kind that enables it.
LABELS = {"EMAIL": "email", "PHONE": "phone", "CARD": "card", "IBAN": "bank", "ROUTING": "bank",
          "ACCOUNT": "bank", "SORTCODE": "bank", "PERSON": "names"}
_LABEL_ALT = "|".join(LABELS)
#: Placeholders as we write them, and as a model may echo them (brackets dropped, case changed).
_PLACEHOLDER = re.compile(rf"\[({_LABEL_ALT})_(\d+)\]|\b({_LABEL_ALT})_(\d+)\b", re.IGNORECASE)

# ------------------------------------------------------------------------------------ patterns
_EMAIL = re.compile(
    r"(?<![\w.%+-])[A-Za-z0-9](?:[A-Za-z0-9._%+-]{0,62}[A-Za-z0-9_%+-])?"
    r"@(?:[A-Za-z0-9](?:[A-Za-z0-9-]{0,61}[A-Za-z0-9])?\.)+[A-Za-z]{2,24}(?![\w-]|\.[A-Za-z0-9])")
_CARD = re.compile(r"(?<![\d.,/$€£+-])(?<![A-Za-z]-)\d(?:[ -]?\d){12,18}(?![\d%]|[.,/-]\d)")
_IBAN = re.compile(r"(?<![\w-])[A-Z]{2}\d{2}(?: ?[A-Z0-9]{1,4}){3,8}(?![\w-])", re.IGNORECASE)
_ROUTING = re.compile(r"\b(?:routing|aba|rtn)(?:\s+(?:number|no\.?|num|#|transit))?\s*[:#]?\s*(\d{9})(?![\d-])",
                      re.IGNORECASE)
_ACCOUNT = re.compile(r"\b(?:(?:bank\s+)?account|acct\.?|a/c)(?:\s+(?:number|no\.?|num|#))?\s*[:#]?\s*"
                      r"(\d(?:[ -]?\d){5,16})(?![\w-])", re.IGNORECASE)
_SORTCODE = re.compile(r"\bsort\s*code\s*[:#]?\s*(\d{2}-\d{2}-\d{2})(?![\d-])", re.IGNORECASE)
_PHONE_LABELLED = re.compile(
    r"\b(?:tel(?:ephone)?|phone|mobile|mob|cell(?:phone)?|fax|whatsapp)\.?(?:\s+(?:no\.?|number|#))?\s*[:.]?\s*"
    r"(\+?\(?\d[\d ().-]{5,22}\d)(?![\w%]|[.,]\d)", re.IGNORECASE)
_PHONE_INTL = re.compile(r"(?<![\w+])\+\d{1,3}(?:[ .-]?\(\d{1,4}\)|[ .-]?\d{1,5}){2,7}(?![\w%]|[.,]\d)")
_PHONE_US = re.compile(
    r"(?<![\w$€£.,/+-])(?:1[ .-])?(?:\(\d{3}\) ?\d{3}[ .-]\d{4}|\d{3}([.-])\d{3}\1\d{4})(?![\w%-]|[.,]\d)")
_DATE_LIKE = re.compile(r"\d{4}[-./]\d{1,2}[-./]\d{1,2}|\d{1,2}[-./]\d{1,2}[-./]\d{2,4}")


def luhn_valid(digits: str) -> bool:
    """The Luhn checksum of a card number (digits only)."""
    total = 0
    for i, ch in enumerate(reversed(digits)):
        d = int(ch)
        if i % 2:
            d = d * 2 - 9 if d > 4 else d * 2
        total += d
    return total % 10 == 0


def iban_valid(candidate: str) -> bool:
    """ISO 13616: 15 to 34 letters and digits whose mod-97 check gives 1."""
    iban = candidate.replace(" ", "").upper()
    if not (15 <= len(iban) <= 34) or not iban[:2].isalpha() or not iban[2:4].isdigit() or not iban.isalnum():
        return False
    moved = iban[4:] + iban[:4]
    return int("".join(str(int(ch, 36)) for ch in moved)) % 97 == 1


def _card_ok(text: str) -> bool:
    digits = re.sub(r"\D", "", text)
    if not 13 <= len(digits) <= 19 or len(set(digits)) == 1 or not luhn_valid(digits):
        return False
    groups = re.split(r"[ -]", text)
    if len(groups) == 1:
        return True
    if len(set(re.findall(r"[ -]", text))) > 1:  # 4111-1111 1111-1111: not how a card is written
        return False
    sizes = [len(g) for g in groups]
    return all(s == 4 for s in sizes[:-1]) and 1 <= sizes[-1] <= 4 or sizes in ([4, 6, 5], [4, 6, 4])


def _phone_ok(text: str, lo: int = 7) -> bool:
    digits = re.sub(r"\D", "", text)
    return lo <= len(digits) <= 15 and not _DATE_LIKE.fullmatch(text.strip()) and len(set(digits)) > 1


@dataclass(frozen=True)
class Span:
    start: int
    end: int
    label: str


def _spans(kinds: frozenset[str], text: str, names: re.Pattern[str] | None) -> list[Span]:
    """Candidate spans, most specific first (the first claim on a stretch of text wins)."""
    out: list[Span] = []

    def group_span(m: re.Match[str], label: str) -> None:
        out.append(Span(m.start(1), m.end(1), label))

    if "email" in kinds:
        out += [Span(m.start(), m.end(), "EMAIL") for m in _EMAIL.finditer(text)]
    if "bank" in kinds:
        for m in _IBAN.finditer(text):
            tokens = m.group().split(" ")
            for k in range(len(tokens), 0, -1):  # a trailing word may have been swallowed
                cand = " ".join(tokens[:k])
                if iban_valid(cand):
                    out.append(Span(m.start(), m.start() + len(cand), "IBAN"))
                    break
        for m in _ROUTING.finditer(text):
            group_span(m, "ROUTING")
        for m in _ACCOUNT.finditer(text):
            if not _DATE_LIKE.fullmatch(m.group(1)):
                group_span(m, "ACCOUNT")
        for m in _SORTCODE.finditer(text):
            group_span(m, "SORTCODE")
    if "card" in kinds:
        out += [Span(m.start(), m.end(), "CARD") for m in _CARD.finditer(text) if _card_ok(m.group())]
    if "phone" in kinds:
        for m in _PHONE_LABELLED.finditer(text):
            value = m.group(1).rstrip(" .-(")
            if _phone_ok(value):
                out.append(Span(m.start(1), m.start(1) + len(value), "PHONE"))
        out += [Span(m.start(), m.end(), "PHONE") for m in _PHONE_INTL.finditer(text) if _phone_ok(m.group(), 8)]
        out += [Span(m.start(), m.end(), "PHONE") for m in _PHONE_US.finditer(text) if _phone_ok(m.group(), 10)]
    if names is not None:
        out += [Span(m.start(), m.end(), "PERSON") for m in names.finditer(text)]
    return out


def _claim(spans: Iterable[Span]) -> list[Span]:
    """Non-overlapping spans, earlier candidates first; returned in text order."""
    taken: list[Span] = []
    for s in spans:
        if s.end > s.start and all(s.end <= t.start or s.start >= t.end for t in taken):
            taken.append(s)
    return sorted(taken, key=lambda s: s.start)


def _names_pattern(names: Sequence[str]) -> re.Pattern[str] | None:
    words = sorted({" ".join(n.split()) for n in names if len(" ".join(n.split())) >= 2}, key=len, reverse=True)
    if not words:
        return None
    alts = "|".join(r"\s+".join(re.escape(part) for part in w.split(" ")) for w in words)
    return re.compile(rf"(?<!\w)(?:{alts})(?!\w)", re.IGNORECASE)


def find_sensitive(text: str, kinds: Iterable[str] = DEFAULT_REDACT, names: Sequence[str] = ()) -> list[tuple[str, str]]:
    """(label, value) of everything :class:`Redactor` would replace in ``text``, in order."""
    policy = RedactionPolicy(frozenset(kinds), tuple(names))
    return [(s.label, text[s.start : s.end]) for s in _claim(_spans(policy.kinds, text, policy.names_pattern))]


# ------------------------------------------------------------------------------------ policy
@dataclass(frozen=True)
class RedactionPolicy:
    """What to redact: the kinds (``email``, ``phone``, ``card``, ``bank``, ``names``) and the
    people's names and aliases (used when ``names`` is one of the kinds)."""

    kinds: frozenset[str] = frozenset(DEFAULT_REDACT)
    names: tuple[str, ...] = ()
    names_pattern: re.Pattern[str] | None = field(default=None, compare=False, repr=False)

    def __post_init__(self) -> None:
        pattern = _names_pattern(self.names) if "names" in self.kinds else None
        object.__setattr__(self, "names_pattern", pattern)

    @classmethod
    def for_workspace(cls, root: Path | None, kinds: Sequence[str] | None = None) -> RedactionPolicy:
        """The policy of ``root``: ``kinds`` or the workspace's ``redact`` setting; with
        ``names``, every executive's name and aliases and the IT leader's name from
        ``stakeholders.yaml``."""
        from dxprep.config import load_settings

        if kinds is None:
            kinds = load_settings(root).redact if root is not None else _env_kinds()
        names: list[str] = []
        if "names" in kinds and root is not None:
            from dxprep.workspace.stakeholders import load_stakeholders

            org, _, _ = load_stakeholders(Path(root))
            for exe in org.executives:
                names += [exe.name, *exe.aliases]
            if org.it_leader is not None:
                names.append(org.it_leader.name)
        return cls(frozenset(kinds), tuple(names))

    def redactor(self) -> Redactor:
        return Redactor(self)


def _env_kinds() -> list[str]:
    """``redact`` from the environment alone (no workspace): DXPREP_REDACT or the default."""
    import os

    from dxprep.config import Settings

    raw = os.environ.get("DXPREP_REDACT")
    return Settings.model_validate({"redact": raw} if raw else {}).redact


class Redactor:
    """Replaces sensitive values with numbered placeholders, remembering them for
    :meth:`restore`. One redactor per call: the numbering is stable within it."""

    def __init__(self, policy: RedactionPolicy | None = None) -> None:
        self.policy = policy or RedactionPolicy()
        self.originals: dict[str, str] = {}  # "EMAIL_1" → the value
        self._by_value: dict[tuple[str, str], str] = {}
        self._next: dict[str, int] = {}
        self._reserved: set[str] = set()
        #: Replacements made, per label (lower case): occurrences, not distinct values.
        self.counts: dict[str, int] = {}

    def _reserve(self, text: str) -> None:
        """Placeholder-like words already in the text are never issued (so restore cannot
        turn them into something else)."""
        for m in _PLACEHOLDER.finditer(text):
            label, number = (m.group(1), m.group(2)) if m.group(1) else (m.group(3), m.group(4))
            self._reserved.add(f"{label.upper()}_{int(number)}")

    def _placeholder(self, label: str, value: str) -> str:
        key = (label, value)
        found = self._by_value.get(key)
        if found is None:
            n = self._next.get(label, 0)
            while True:
                n += 1
                found = f"{label}_{n}"
                if found not in self._reserved:
                    break
            self._next[label] = n
            self._by_value[key] = found
            self.originals[found] = value
        self.counts[label.lower()] = self.counts.get(label.lower(), 0) + 1
        return f"[{found}]"

    def redact(self, text: str) -> str:
        return self.redact_many([text])[0]

    def redact_many(self, texts: Sequence[str]) -> list[str]:
        """Redact several texts that travel together (the messages of one request)."""
        for text in texts:
            self._reserve(text)
        out = []
        for text in texts:
            parts, pos = [], 0
            for span in _claim(_spans(self.policy.kinds, text, self.policy.names_pattern)):
                parts += [text[pos : span.start], self._placeholder(span.label, text[span.start : span.end])]
                pos = span.end
            parts.append(text[pos:])
            out.append("".join(parts))
        return out

    @property
    def total(self) -> int:
        return sum(self.counts.values())

    def restore(self, text: str, *, json_escape: bool = False) -> str:
        """``text`` with every placeholder this redactor issued replaced by its original.

        ``json_escape``: the text is JSON (a model's answer), so originals are escaped as a
        JSON string's content would be.
        """
        if not self.originals:
            return text

        def back(m: re.Match[str]) -> str:
            if m.group(1):
                label, number = m.group(1), m.group(2)
            else:
                label, number = m.group(3), m.group(4)
                if label != label.upper():  # a bare word must be written as we wrote it
                    return m.group(0)
            original = self.originals.get(f"{label.upper()}_{int(number)}")
            if original is None:
                return m.group(0)
            return json.dumps(original, ensure_ascii=False)[1:-1] if json_escape else original

        return _PLACEHOLDER.sub(back, text)
