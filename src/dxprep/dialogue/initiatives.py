"""The IT initiatives of the organization, read from its material, every field with its source.

Where they come from (no model, no guessing):

- **Portfolio tables** in project-status documents (Markdown pipe tables, and the
  pipe-separated text tables that PDF extraction gives): a header with an ``Initiative`` /
  ``Project`` / ``Programme`` column, and any of ``Status``, ``Owner``, ``Sponsor``,
  ``Business units``, ``Start``, ``Target``, ``Purpose``. Each row is an initiative; the newest
  document's row wins, older rows become the initiative's status history.
- **Initiative sections** of the same documents (``## 2. WMS at the Dubuque DC (Red — late)``
  followed by ``Owner: …``, ``Sponsor: …``, ``Purpose: …``) fill in the fields the table lacks.
- **Other material** (budget, strategy, roadmap) only *adds* to an initiative already found:
  a ``Serves`` column, a status it reports; it never creates one (a budget line such as
  "device lifecycle" is not an initiative).

A field the material does not state stays empty. Each stated field records where it was
read (workspace-relative path and the exact span of the extracted text), so every cell of the
alignment map can be traced back. Restricted material (``audience:``) is read only for an
audience it names.
"""

from __future__ import annotations

import datetime as dt
import re
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field

from dxprep.dialogue.commitments import _fold, _stem
from dxprep.workspace.dates import DATE_PATTERN, parse_date
from dxprep.workspace.models import LoadedWorkspace, Material

__all__ = [
    "CREATING_DOC_TYPES",
    "FieldSource",
    "Initiative",
    "StatusPoint",
    "initiatives",
    "normalize_status",
    "visible_material",
]

StatusWord = Literal["green", "amber", "red", "paused", "done"]

#: Documents whose portfolio tables and sections *create* initiatives.
CREATING_DOC_TYPES = frozenset({"project-status"})
#: Documents that may add fields (``Serves``) to initiatives found elsewhere.
ENRICHING_DOC_TYPES = frozenset({"project-status", "budget", "strategy"})


class _M(BaseModel):
    model_config = ConfigDict(extra="forbid")


class FieldSource(_M):
    """Where a field was read: ``text[start:end]`` of the material's extracted text."""

    path: str
    start: int
    end: int
    line: int
    date: dt.date | None = None

    def __str__(self) -> str:
        return f"{self.path}:{self.line}"


class StatusPoint(_M):
    """The status one dated document reported."""

    date: dt.date | None
    status: StatusWord | None
    label: str
    source: FieldSource


class Initiative(_M):
    """One IT initiative as the material states it. Empty fields were not stated."""

    id: str
    name: str
    status: StatusWord | None = None
    status_label: str | None = Field(default=None, description="as written: 'Red — late'")
    late: bool = Field(default=False, description="the material says it is late, or moved its target date")
    owner: str | None = None
    sponsor: str | None = None
    sponsor_executive: str | None = Field(default=None, description="the sponsor's executive id, when one")
    business_units: list[str] = Field(default_factory=list)
    start: dt.date | None = None
    target: str | None = Field(default=None, description="as written: 'go-live 2027-01-20 (was 2026-10-15)'")
    target_date: dt.date | None = None
    previous_target_date: dt.date | None = None
    purpose: str | None = None
    serves: list[str] = Field(default_factory=list, description="what the material says it serves, as written")
    sources: dict[str, FieldSource] = Field(default_factory=dict, description="field name -> where it was read")
    serves_sources: list[FieldSource] = Field(default_factory=list)
    history: list[StatusPoint] = Field(default_factory=list, description="statuses reported, oldest first")
    status_stale: bool = Field(default=False,
                               description="the newest portfolio report does not list it: its status is older")
    documents: list[str] = Field(default_factory=list)
    passages: list[FieldSource] = Field(default_factory=list,
                                        description="purpose and scope text used to match goals")
    mentions: list[FieldSource] = Field(default_factory=list,
                                        description="other sentences of its sections (progress, reasons)")

    @property
    def red_or_late(self) -> bool:
        return self.status == "red" or self.late


# --- statuses ---------------------------------------------------------------------------------

_STATUS_WORDS: list[tuple[str, StatusWord]] = [
    (r"\bred\b|off[ -]track|\blate\b|delayed|behind schedule", "red"),
    (r"\bamber\b|\byellow\b|at risk", "amber"),
    (r"\bpaused\b|on hold|suspended|stopped", "paused"),
    (r"\bdone\b|completed?\b|closed\b|delivered\b|live\b(?! \d)", "done"),
    (r"\bgreen\b|on track|on schedule", "green"),
]
_LATE = re.compile(r"\blate\b|delayed|slipp|behind schedule|\bmoved\b|\(was\b", re.I)


def normalize_status(label: str) -> StatusWord | None:
    """``'Red — late'`` → ``red``; ``'Green — awaiting funding'`` → ``green``; unknown → None.

    The first colour word wins ("Green (design)" is green); without one, the words
    (late, at risk, paused, done) decide.
    """
    text = label.casefold()
    colours = [(m.start(), w) for w, pattern in (("green", r"\bgreen\b"), ("amber", r"\bamber\b|\byellow\b"),
                                                  ("red", r"\bred\b")) if (m := re.search(pattern, text))]
    if colours:
        return min(colours)[1]  # type: ignore[return-value]
    for pattern, word in _STATUS_WORDS:
        if re.search(pattern, text):
            return word
    return None


# --- text helpers -----------------------------------------------------------------------------

_GENERIC = frozenset(
    """project programme program initiative replacement upgrade pilot phase wave the and of for at on to in
    a an with its our new system systems platform""".split()
)


def name_tokens(name: str) -> set[str]:
    """Content words of an initiative name, stemmed, without generic project words."""
    words = re.findall(r"[^\W_]+", _fold(name).casefold())
    return {_stem(w) for w in words if w not in _GENERIC and not w.isdigit() and len(w) > 1}


def _proper_tokens(name: str) -> set[str]:
    """Acronyms and capitalised words of a name (a sentence-initial word only before a colon)."""
    words = re.findall(r"[^\W_]+", _fold(_base_name(name)))
    out = set()
    for k, w in enumerate(words):
        acronym = len(w) >= 2 and w.isupper()
        if acronym or (w[:1].isupper() and (k > 0 or name.lstrip().startswith(f"{w}:"))):
            if w.casefold() not in _GENERIC:
                out.add(_stem(w.casefold()))
    return out


def _same_initiative(a: str, b: str) -> bool:
    ta, tb = name_tokens(_base_name(a)), name_tokens(_base_name(b))
    if not ta or not tb:
        return False
    pa, pb = _proper_tokens(a), _proper_tokens(b)
    if pa - pb and pb - pa:
        return False  # WMS at the Dubuque DC vs WMS at the Fresno DC: each names something the other does not
    shared = ta & tb
    return len(shared) >= min(2, len(ta), len(tb)) and len(shared) / min(len(ta), len(tb)) >= 0.5


def _base_name(name: str) -> str:
    """The name without a trailing status in parentheses: ``WMS at the DC (Red — late)`` → ``WMS at the DC``."""
    m = re.match(r"^(.*?)\s*\(([^()]*)\)\s*$", name)
    if m and normalize_status(m.group(2)) is not None:
        return m.group(1).strip()
    return name.strip()


def _slug(name: str) -> str:
    base = re.split(r"[:(,]", _fold(name))[0]
    return re.sub(r"[^a-z0-9]+", "-", base.casefold()).strip("-")[:40] or "initiative"


def _clean_cell(text: str) -> str:
    return " ".join(text.replace("**", "").replace("__", "").split()).strip()


def _line_of(text: str, offset: int) -> int:
    return text.count("\n", 0, offset) + 1


def visible_material(ws: LoadedWorkspace, as_of: dt.date | None, audience: str | None) -> list[Material]:
    """Material dated on or before ``as_of`` (undated: always) that ``audience`` may read.

    ``audience`` None is the IT leader's own view (everything); ``""`` is an executive
    committee: no restricted material at all.
    """
    out = []
    for m in ws.material:
        if as_of is not None and m.date is not None and m.date > as_of:
            continue
        if m.audience and audience is not None and audience not in m.audience:
            continue
        out.append(m)
    return sorted(out, key=lambda m: (m.date or dt.date.min, m.path))


# --- tables -----------------------------------------------------------------------------------

_COLUMNS: list[tuple[str, str]] = [
    ("name", r"^(#\s*)?(initiative|project|programme|program|workstream)s?( name)?$"),
    ("status", r"^(overall |rag |current )?(status|rag)$"),
    ("owner", r"^owner|lead$|manager$"),
    ("sponsor", r"sponsor"),
    ("business_units", r"business units?|^units?$|departments?"),
    ("start", r"^start"),
    ("target", r"target|go-live|due|finish|end date|^date$"),
    ("purpose", r"purpose|objective|benefit|why"),
    ("serves", r"^serves|goals? served|serves goal"),
]


class _Row(_M):
    cells: dict[str, tuple[str, int, int]]  # column -> (text, start, end)
    line: int


def _cells(line: str, offset: int) -> list[tuple[str, int, int]]:
    """The cells of one table line with their absolute spans (outer pipes optional)."""
    out = []
    pos = 0
    parts = line.split("|")
    if line.strip().startswith("|"):
        pos = line.index("|") + 1
        parts = line[pos:].split("|")
    if line.rstrip().endswith("|") and parts:
        parts = parts[:-1]
    for part in parts:
        stripped = part.strip()
        lead = len(part) - len(part.lstrip())
        out.append((stripped, offset + pos + lead, offset + pos + lead + len(stripped)))
        pos += len(part) + 1
    return out


def _tables(m: Material) -> list[list[_Row]]:
    """Initiative tables of ``m``: rows keyed by the columns the header names."""
    text = m.text
    lines = []
    offset = 0
    for raw in text.split("\n"):
        lines.append((raw, offset))
        offset += len(raw) + 1
    tables: list[list[_Row]] = []
    i = 0
    while i < len(lines):
        raw, off = lines[i]
        if raw.count("|") >= 2:
            header = [c[0].replace("*", "").strip().casefold() for c in _cells(raw, off)]
            columns: dict[int, str] = {}
            for k, head in enumerate(header):
                for field, pattern in _COLUMNS:
                    if field not in columns.values() and re.search(pattern, head):
                        columns[k] = field
                        break
            if "status" not in columns.values():  # no exact Status header: a column that says status
                for k, head in enumerate(header):
                    if k not in columns and re.search(r"\bstatus\b|\brag\b", head) and "update" not in head \
                            and "date" not in head:
                        columns[k] = "status"
                        break
            if "name" in columns.values() and len(columns) >= 2:
                rows: list[_Row] = []
                i += 1
                while i < len(lines):
                    raw, off = lines[i]
                    if re.fullmatch(r"\s*\|?\s*:?-{2,}:?\s*(\|\s*:?-{2,}:?\s*)*\|?\s*", raw):
                        i += 1
                        continue
                    if raw.count("|") < 2:
                        # A wrapped cell (PDF text): the previous row's last cell left a bracket open.
                        if rows and raw.strip() and len(raw.strip()) < 40:
                            last_field = max(rows[-1].cells, key=lambda f: rows[-1].cells[f][1])
                            cell, s, _e = rows[-1].cells[last_field]
                            if cell.count("(") > cell.count(")"):
                                rows[-1].cells[last_field] = (f"{cell} {raw.strip()}", s, off + len(raw.rstrip()))
                                i += 1
                                continue
                        break
                    cells = _cells(raw, off)
                    row = {columns[k]: c for k, c in enumerate(cells) if k in columns and c[0]}
                    name = _clean_cell(row.get("name", ("", 0, 0))[0])
                    if name and not re.match(r"(?i)^(total|overall|sum)\b", name):
                        rows.append(_Row(cells=row, line=_line_of(text, off)))
                    i += 1
                if rows:
                    tables.append(rows)
                continue
        i += 1
    return tables


# --- sections ---------------------------------------------------------------------------------

_HEADING = re.compile(r"^(?:#{1,6}\s*)?(?:\d+[.)]\s*)?(?P<name>[^\n()|]{3,90}?)\s*\((?P<status>[^()\n]{2,60})\)\s*$",
                      re.M)
_LABEL = re.compile(r"(?P<label>Owner|Sponsor|Purpose|Status|Vendor|Integrator):\s*(?P<value>[^\n]*?)"
                    r"(?=(?:\s+(?:Owner|Sponsor|Vendor|Integrator):)|\n|$)")


def _section_spans(m: Material) -> list[tuple[str, str, int, int, int]]:
    """(name, status label, heading start, body start, body end) of each initiative heading."""
    found = [h for h in _HEADING.finditer(m.text) if normalize_status(h.group("status")) is not None]
    out = []
    for k, h in enumerate(found):
        end = found[k + 1].start() if k + 1 < len(found) else len(m.text)
        # A section also ends at the next Markdown heading of the same or a higher level.
        nxt = re.compile(r"^#{1,6}\s", re.M).search(m.text, h.end())
        if nxt is not None and nxt.start() < end:
            end = nxt.start()
        out.append((h.group("name").strip(), h.group("status").strip(), h.start(), h.end(), end))
    return out


def _sentences(text: str, start: int, end: int) -> list[tuple[int, int]]:
    """Sentence spans of ``text[start:end]``: a sentence may wrap over lines; a blank line, a
    list item, a table row or a heading starts a new one."""
    out = []
    blocks: list[tuple[int, int]] = []
    block_start = start
    pos = start
    for line in text[start:end].split("\n"):
        stripped = line.strip()
        line_start = pos
        pos += len(line) + 1
        if not stripped or re.match(r"([-*+|#>]|\d+[.)]\s)", stripped):
            if line_start > block_start:
                blocks.append((block_start, line_start))
            block_start = pos if not stripped else line_start
            if stripped:  # the item itself is a block of its own (until the next break)
                continue
    if block_start < end:
        blocks.append((block_start, end))
    for bs, be in blocks:
        s = bs
        for mm in re.finditer(r"[.!?](?=\s|$)", text[bs:be]):
            e = bs + mm.end()
            out.append((s, e))
            s = e
        out.append((s, be))
    spans = []
    for s, e in out:
        while s < e and (text[s].isspace() or text[s] in "-*+|#>"):
            s += 1
        while e > s and text[e - 1].isspace():
            e -= 1
        if e - s > 15:
            spans.append((s, e))
    return spans


_OUT_OF_SCOPE = re.compile(r"out of scope|not in scope|excluded|not part of|does not cover|is not included", re.I)


# --- assembly ---------------------------------------------------------------------------------


def _src(m: Material, start: int, end: int) -> FieldSource:
    return FieldSource(path=m.path, start=start, end=end, line=_line_of(m.text, start), date=m.date)


def _dates_in(text: str) -> list[dt.date]:
    return [d for mm in DATE_PATTERN.finditer(text) if (d := parse_date(mm.group(0))) is not None]


def _set(ini: Initiative, field: str, value: object, source: FieldSource, *, replace: bool) -> None:
    if value in (None, "", []):
        return
    if field in ini.sources and not replace:
        return
    setattr(ini, field, value)
    ini.sources[field] = source


def _apply_row(ini: Initiative, m: Material, row: _Row, ws: LoadedWorkspace, *, replace: bool,
               current: bool = True) -> None:
    """Fields of one table row; ``current``: the row is from the newest document that lists the
    initiative (only that one says whether it is late now)."""
    for field, (raw, start, end) in row.cells.items():
        value = _clean_cell(raw)
        src = _src(m, start, end)
        if field == "status":
            _set(ini, "status_label", value, src, replace=replace)
            if replace or "status" not in ini.sources:
                _set(ini, "status", normalize_status(value), src, replace=True)
            if _LATE.search(value) and current:
                ini.late = True
                ini.sources.setdefault("late", src)
        elif field == "business_units":
            by_key = {k.casefold(): u.id for u in ws.organization.business_units for k in (u.id, u.name)}
            written = [u.strip() for u in re.split(r"[,;/]| and ", value) if u.strip()]
            units = [by_key.get(u.casefold()) or next((uid for k, uid in by_key.items() if k.startswith(u.casefold())),
                                                      u.casefold()) for u in written]
            _set(ini, "business_units", units, src, replace=replace)
        elif field == "start":
            _set(ini, "start", parse_date(value), src, replace=replace)
        elif field == "target":
            _set(ini, "target", value, src, replace=replace)
            was = re.search(r"\((?:was|from|originally)\s+([^)]*)\)", value, re.I)
            dates = _dates_in(value[: was.start()] if was else value)
            if dates:
                _set(ini, "target_date", dates[0], src, replace=replace)
            if was and (old := _dates_in(was.group(1))):
                _set(ini, "previous_target_date", old[0], src, replace=replace)
                if dates and old[0] < dates[0] and current:
                    ini.late = True
                    ini.sources.setdefault("late", src)
        elif field == "serves":
            if value.casefold() not in ("none", "none stated", "-", "—", "n/a", "") and value not in ini.serves:
                ini.serves.append(value)
                ini.serves_sources.append(src)
        elif field in ("owner", "sponsor", "purpose"):
            _set(ini, field, value, src, replace=replace)
            if field == "purpose":
                ini.passages.append(src)


def _apply_section(ini: Initiative, m: Material, span: tuple[str, str, int, int, int], ws: LoadedWorkspace) -> None:
    _name, _label, _h, body, end = span
    for mm in _LABEL.finditer(m.text, body, end):
        label, value = mm.group("label"), mm.group("value").strip().rstrip(".")
        vs, ve = mm.start("value"), mm.start("value") + len(value)
        src = _src(m, vs, ve)
        if label == "Owner":
            _set(ini, "owner", value, src, replace=False)
        elif label == "Sponsor":
            _set(ini, "sponsor", value, src, replace=False)
        elif label == "Purpose":
            # The whole paragraph: up to the next blank line.
            stop = m.text.find("\n\n", vs)
            stop = end if stop < 0 or stop > end else stop
            for s, e in _sentences(m.text, vs, stop):
                if not _OUT_OF_SCOPE.search(m.text[s:e]):
                    ini.passages.append(_src(m, s, e))
            if "purpose" not in ini.sources:
                ini.purpose = " ".join(m.text[vs:stop].split())
                ini.sources["purpose"] = _src(m, vs, stop)
    taken = [(p.start, p.end) for p in ini.passages if p.path == m.path]
    for s, e in _sentences(m.text, body, end):
        line = m.text[s:e]
        if _LABEL.match(line) and not line.startswith("Purpose") or _OUT_OF_SCOPE.search(line):
            continue
        if any(s < pe and ps < e for ps, pe in taken):
            continue
        ini.mentions.append(_src(m, s, e))
    if ini.sponsor and ini.sponsor_executive is None:
        ini.sponsor_executive = _executive_named(ws, ini.sponsor)


def _executive_named(ws: LoadedWorkspace, text: str) -> str | None:
    """The executive a sponsor cell names: ``Daniel Okafor (CFO)`` → ``cfo``."""
    org = ws.organization
    for part in [text, *re.findall(r"\(([^)]*)\)", text), re.sub(r"\(.*?\)", "", text)]:
        try:
            found = org.match_executive(part.strip())
        except Exception:  # ambiguous: not a sponsor we can name
            found = None
        if found is not None:
            return found.id
    return None


def initiatives(ws: LoadedWorkspace, *, as_of: dt.date | None = None, audience: str | None = None) -> list[Initiative]:
    """Every initiative the material (as of ``as_of``, as ``audience`` may read it) states."""
    docs = visible_material(ws, as_of, audience)
    found: list[Initiative] = []

    def lookup(name: str, exclude: tuple[Initiative, ...] = ()) -> Initiative | None:
        return next((i for i in found if _same_initiative(i.name, name) and not any(i is x for x in exclude)), None)

    # Newest project-status document first: its rows set the fields; older rows are history.
    creating = sorted((m for m in docs if m.doc_type in CREATING_DOC_TYPES),
                      key=lambda m: (m.date or dt.date.min, m.path), reverse=True)
    for m in creating:
        for rows in _tables(m):
            if not {"status", "purpose"} & set(rows[0].cells) and not any({"status", "purpose"} & set(r.cells)
                                                                            for r in rows):
                continue  # a list of risks or costs per project is not a portfolio
            in_table: list[Initiative] = []
            for row in rows:
                raw, s, e = row.cells["name"]
                name = re.sub(r"^\d+[.)]?\s+", "", _clean_cell(raw))
                ini = lookup(name, tuple(in_table))  # two rows of one table are two initiatives
                newest = ini is None
                if ini is None:
                    ini = Initiative(id=_slug(name), name=name)
                    ini.sources["name"] = _src(m, s, e)
                    found.append(ini)
                in_table.append(ini)
                _apply_row(ini, m, row, ws, replace=False, current=newest)
                if "status" in row.cells:
                    label = _clean_cell(row.cells["status"][0])
                    st, se = row.cells["status"][1], row.cells["status"][2]
                    ini.history.append(StatusPoint(date=m.date, status=normalize_status(label), label=label,
                                                   source=_src(m, st, se)))
                if m.path not in ini.documents:
                    ini.documents.append(m.path)
        for span in _section_spans(m):
            ini = lookup(span[0])
            if ini is None:
                continue  # a heading that no portfolio table lists: not enough to call it an initiative
            _apply_section(ini, m, span, ws)
            if not any(p.date == m.date and p.source.path == m.path for p in ini.history):
                hs = span[2] + m.text[span[2]:span[3]].rfind("(") + 1
                ini.history.append(StatusPoint(date=m.date, status=normalize_status(span[1]), label=span[1],
                                               source=_src(m, hs, hs + len(span[1]))))
            if m.path not in ini.documents:
                ini.documents.append(m.path)
    # Budget, strategy: what each initiative serves (never a new initiative).
    for m in docs:
        if m.doc_type not in ENRICHING_DOC_TYPES or m.doc_type in CREATING_DOC_TYPES:
            continue
        for rows in _tables(m):
            for row in rows:
                ini = lookup(_clean_cell(row.cells["name"][0]))
                if ini is None or "serves" not in row.cells:
                    continue
                only = _Row(cells={"serves": row.cells["serves"]}, line=row.line)
                _apply_row(ini, m, only, ws, replace=False)
                if m.path not in ini.documents:
                    ini.documents.append(m.path)
    newest_report = max((m.date for m in creating if m.date is not None), default=None)
    for ini in found:
        src = ini.sources.get("status_label")
        ini.status_stale = bool(src and src.date and newest_report and src.date < newest_report)
        ini.history.sort(key=lambda p: (p.date or dt.date.min, p.source.path))
        if "name" in ini.sources and not ini.passages:
            ini.passages.append(ini.sources["name"])
        if ini.sponsor and ini.sponsor_executive is None:
            ini.sponsor_executive = _executive_named(ws, ini.sponsor)
    # Unique ids.
    seen: dict[str, int] = {}
    for ini in found:
        n = seen.get(ini.id, 0)
        seen[ini.id] = n + 1
        if n:
            ini.id = f"{ini.id}-{n + 1}"
    return found
