"""Read a workspace folder into typed objects: the organization, notes and material.

Broken files never stop the read: each becomes a warning that names the file and the
reason, and everything else is read.
"""

from __future__ import annotations

import hashlib
import os
import re
from datetime import date
from pathlib import Path
from typing import Any

from dxprep.errors import WorkspaceError
from dxprep.workspace.dates import DATE_PATTERN, parse_date
from dxprep.workspace.loaders import DEFAULT_LIMITS, Limits, Loaded, Unreadable, load_file, parse_meta_lines
from dxprep.workspace.models import (
    Executive,
    LoadedWorkspace,
    Material,
    MeetingNote,
    Organization,
    SkippedFile,
    WorkspaceWarning,
)
from dxprep.workspace.stakeholders import STAKEHOLDER_FILES, load_stakeholders
from dxprep.workspace.structure import parse_structure

__all__ = ["FORMATS", "OUTPUT_DIRS", "iter_files", "read_workspace"]

FORMATS = {".md": "md", ".markdown": "md", ".txt": "txt", ".text": "txt", ".docx": "docx", ".pdf": "pdf"}
#: Folders dxprep writes into: never read back as input.
OUTPUT_DIRS = {"briefings", "reports"}
MAX_DEPTH = 24
MAX_FILES = 20_000

DOC_TYPES = {
    "strategy": "strategy", "roadmap": "strategy", "strategies": "strategy",
    "project-status": "project-status", "project status": "project-status", "projects": "project-status",
    "project": "project-status", "status": "project-status", "status-reports": "project-status",
    "budget": "budget", "budgets": "budget", "finance": "budget",
    "threat-brief": "threat-brief", "threat brief": "threat-brief", "threats": "threat-brief",
    "threat": "threat-brief", "security": "threat-brief", "cyber": "threat-brief",
    "market-scan": "market-scan", "market scan": "market-scan", "market": "market-scan",
    "markets": "market-scan", "innovation": "market-scan", "market-scans": "market-scan",
    "other": "other",
}
MEETING_TYPES = {
    "one-on-one": "one-on-one", "one on one": "one-on-one", "1:1": "one-on-one", "1-1": "one-on-one",
    "1-on-1": "one-on-one", "one-to-one": "one-on-one", "steering": "steering",
    "steering committee": "steering", "steerco": "steering", "workshop": "workshop", "other": "other",
}


def iter_files(root: Path, warnings: list[WorkspaceWarning]) -> list[Path]:
    """Every candidate file below ``root``, sorted; no hidden folders, no output folders,
    no symlinks that leave the workspace."""
    root_real = root.resolve()
    found: list[Path] = []
    for dirpath, dirnames, filenames in os.walk(root, followlinks=False):
        current = Path(dirpath)
        rel_dir = current.relative_to(root)
        depth = len(rel_dir.parts)
        keep = []
        for d in sorted(dirnames):
            if d.startswith(".") or (depth == 0 and d in OUTPUT_DIRS) or d == "__pycache__":
                continue
            full = current / d
            if full.is_symlink():
                warnings.append(WorkspaceWarning(path=_rel(full, root), reason="symbolic link to a folder not followed"))
                continue
            if depth + 1 > MAX_DEPTH:
                warnings.append(WorkspaceWarning(path=_rel(full, root), reason=f"folder nested deeper than {MAX_DEPTH} levels: not read"))
                continue
            keep.append(d)
        dirnames[:] = keep
        for name in sorted(filenames):
            if name.startswith(".") or name.startswith("~$"):
                continue
            full = current / name
            if full.is_symlink():
                try:
                    target = full.resolve(strict=True)
                except (OSError, RuntimeError):
                    warnings.append(WorkspaceWarning(path=_rel(full, root), reason="broken symbolic link"))
                    continue
                if not target.is_relative_to(root_real):
                    warnings.append(WorkspaceWarning(path=_rel(full, root), reason="symbolic link points outside the workspace: not followed"))
                    continue
            if len(found) >= MAX_FILES:  # only when a file is really left out
                warnings.append(WorkspaceWarning(
                    path=_rel(full, root), reason=f"more than {MAX_FILES} files: this one and the rest are not read"))
                return found
            found.append(full)
    return found


def _rel(path: Path, root: Path) -> str:
    return path.relative_to(root).as_posix()


def read_workspace(root: str | Path, limits: Limits = DEFAULT_LIMITS) -> LoadedWorkspace:
    """Read every note and material file of the workspace at ``root``."""
    root = Path(root).expanduser()
    if not root.exists():
        raise WorkspaceError(f"workspace {str(root)!r} does not exist",
                             hint="pass -w PATH or set DXPREP_WORKSPACE")
    if not root.is_dir():
        raise WorkspaceError(f"workspace {str(root)!r} is not a folder",
                             hint="point -w at the folder that holds stakeholders.yaml, notes/ and material/")
    org, warnings, stakeholders_file = load_stakeholders(root)
    has_notes = (root / "notes").is_dir()
    has_material = (root / "material").is_dir()
    structured = bool(stakeholders_file) or has_notes or has_material
    if structured and stakeholders_file is None:
        warnings.append(WorkspaceWarning(path="stakeholders.yaml", reason="missing: executives are known only by the ids in notes"))
    ws = LoadedWorkspace(root=str(root), structured=structured, organization=org, warnings=warnings)
    for path in iter_files(root, ws.warnings):
        rel = _rel(path, root)
        top = Path(rel).parts[0]
        if structured and len(Path(rel).parts) == 1:
            if rel not in STAKEHOLDER_FILES and rel != "dxprep.toml":
                ws.ignored.append(rel)
            continue
        if structured and top not in ("notes", "material"):
            ws.ignored.append(rel)
            continue
        fmt = FORMATS.get(path.suffix.lower())
        if fmt is None:
            reason = f"unsupported file type {path.suffix or '(none)'}: supported are .md, .txt, .docx, .pdf"
            ws.skipped.append(SkippedFile(path=rel, reason=reason))
            ws.warnings.append(WorkspaceWarning(path=rel, reason=reason))
            continue
        try:
            loaded = load_file(path, fmt, limits)
        except Unreadable as exc:
            ws.skipped.append(SkippedFile(path=rel, reason=exc.reason))
            ws.warnings.append(WorkspaceWarning(path=rel, reason=exc.reason))
            continue
        except OSError as exc:
            reason = f"cannot be read ({exc.strerror or exc})"
            ws.skipped.append(SkippedFile(path=rel, reason=reason))
            ws.warnings.append(WorkspaceWarning(path=rel, reason=reason))
            continue
        digest = hashlib.sha256(loaded.text.encode("utf-8", "surrogatepass")).hexdigest()
        for reason, line in loaded.warnings:
            ws.warnings.append(WorkspaceWarning(path=rel, reason=reason, line=line))
        if structured and top == "notes":
            ws.notes.append(build_note(rel, fmt, loaded, org, ws.warnings, digest))
        else:
            ws.material.append(build_material(rel, fmt, loaded, org, ws.warnings, digest))
    return ws


# --------------------------------------------------------------------------- notes

def _as_list(value: Any) -> list[str]:
    if value is None:
        return []
    if isinstance(value, (list, tuple, set)):
        return [str(v).strip() for v in value if str(v).strip()]
    return [p.strip() for p in re.split(r"[,;/+&]|\band\b", str(value)) if p.strip()]


def _as_bool(value: Any) -> bool | None:
    if isinstance(value, bool):
        return value
    if value is None:
        return None
    text = str(value).strip().casefold()
    if text in ("yes", "y", "true", "1", "on", "confidential"):
        return True
    if text in ("no", "n", "false", "0", "off", ""):
        return False
    return None


def _resolve_execs(names: list[str], org: Organization, rel: str, warnings: list[WorkspaceWarning]) -> list[str]:
    ids: list[str] = []
    for name in names:
        try:
            exe = org.match_executive(name)
        except Exception:  # ambiguous alias: keep the raw name, warn
            exe = None
        if exe is None:
            slug = name.strip().casefold()
            if org.executives:
                warnings.append(WorkspaceWarning(
                    path=rel, reason=f"unknown executive {name!r} (known: {', '.join(e.id for e in org.executives)})"))
            ids.append(slug)
        elif exe.id not in ids:
            ids.append(exe.id)
    return ids


def _resolve_unit(value: Any, org: Organization, rel: str, warnings: list[WorkspaceWarning]) -> str | None:
    if value is None or not str(value).strip():
        return None
    text = str(value).strip()
    for unit in org.business_units:
        if text.casefold() in (unit.id.casefold(), unit.name.casefold()):
            return unit.id
    if org.business_units:
        warnings.append(WorkspaceWarning(path=rel, reason=f"unknown business unit {text!r}"))
    return text.casefold()


def _known(org: Organization, exec_id: str) -> Executive | None:
    return next((e for e in org.executives if e.id == exec_id), None)


def _from_file_name(rel: str, org: Organization) -> tuple[date | None, list[str]]:
    """Date and executives from a file name such as ``2026-10-14 cfo.docx``."""
    stem = Path(rel).stem
    found = parse_date(stem) if DATE_PATTERN.search(stem) else None
    rest = DATE_PATTERN.sub(" ", stem)
    execs: list[str] = []
    whole = " ".join(re.split(r"[\s_]+", rest.strip(" -_")))
    candidates = [whole] + [t for t in re.split(r"[\s_+&,-]+", rest) if t]
    for cand in candidates:
        if not cand:
            continue
        exe = None
        try:
            exe = org.match_executive(cand)
        except Exception:
            exe = None
        if exe is not None and exe.id not in execs:
            execs.append(exe.id)
            if cand == whole:
                break
    return found, execs


def build_note(rel: str, fmt: str, loaded: Loaded, org: Organization,
               warnings: list[WorkspaceWarning], digest: str = "") -> MeetingNote:
    meta = dict(loaded.meta)
    meta.update({k: v for k, v in parse_meta_lines(loaded.blocks).items() if k not in meta})
    structure = parse_structure(loaded.blocks, len(loaded.text))
    file_date, file_execs = _from_file_name(rel, org)

    raw_date = meta.get("date")
    when = parse_date(raw_date)
    if raw_date is not None and when is None:
        warnings.append(WorkspaceWarning(path=rel, reason=f"unreadable date {raw_date!r}; expected 2026-10-14, 14 Oct 2026 or October 14, 2026"))
    when = when or file_date
    if when is None:
        warnings.append(WorkspaceWarning(path=rel, reason="no meeting date (front matter 'date:', a 'Date:' line, or a file name such as 2026-10-14 cfo.md)"))

    names = _as_list(meta.get("executives")) + _as_list(meta.get("executive"))
    execs = _resolve_execs(names, org, rel, warnings) if names else file_execs
    if not execs:
        warnings.append(WorkspaceWarning(path=rel, reason="no executive named (front matter 'executive:', an 'Executive:' line, or the file name)"))

    unit = _resolve_unit(meta.get("business_unit"), org, rel, warnings)
    if unit is None:  # the contract: defaults to the executive's unit
        units = {e.business_unit for x in execs if (e := _known(org, x)) and e.business_unit}
        unit = units.pop() if len(units) == 1 else None
    raw_type = str(meta.get("type") or "").strip().casefold()
    mtype = MEETING_TYPES.get(raw_type, raw_type or ("one-on-one" if len(execs) == 1 else "other"))
    confidential = _as_bool(meta.get("confidential"))
    if meta.get("confidential") is not None and confidential is None:
        warnings.append(WorkspaceWarning(path=rel, reason=f"confidential: {meta['confidential']!r} is not yes/no; treated as confidential"))
        confidential = True
    title = str(meta.get("title")) if meta.get("title") else structure.title
    return MeetingNote(
        path=rel, format=fmt, text=loaded.text, title=title, date=when, executives=execs,
        business_unit=unit, type=mtype, confidential=bool(confidential),
        sections=structure.sections, goals=structure.goals, concerns=structure.concerns,
        decisions=structure.decisions, action_items=structure.action_items,
        body_start=loaded.body_start, structured=structure.structured, sha256=digest,
    )


# --------------------------------------------------------------------------- material

def infer_doc_type(rel: str) -> str:
    parts = [p.casefold() for p in Path(rel).parts[:-1]]
    for part in reversed(parts):
        if part in DOC_TYPES and part != "other":
            return DOC_TYPES[part]
    return "other"


def build_material(rel: str, fmt: str, loaded: Loaded, org: Organization,
                   warnings: list[WorkspaceWarning], digest: str = "") -> Material:
    meta = dict(loaded.meta)
    if fmt in ("docx", "pdf", "txt"):
        meta.update({k: v for k, v in parse_meta_lines(loaded.blocks).items() if k not in meta})
    structure = parse_structure(loaded.blocks, len(loaded.text))
    title = str(meta.get("title") or structure.title or "").strip()
    if not title:
        title = re.sub(r"[_-]+", " ", Path(rel).stem).strip().capitalize() or rel
    raw_date = meta.get("date")
    when = parse_date(raw_date)
    if raw_date is not None and when is None:
        warnings.append(WorkspaceWarning(path=rel, reason=f"unreadable date {raw_date!r}"))
    when = when or parse_date(Path(rel).stem) or meta.get("created")
    raw_type = meta.get("doc_type")
    if raw_type:
        key = " ".join(str(raw_type).strip().casefold().replace("_", "-").split())
        doc_type = DOC_TYPES.get(key, DOC_TYPES.get(key.replace("-", " "), key))
    else:
        doc_type = infer_doc_type(rel)
    units = [_resolve_unit(u, org, rel, warnings) or u for u in _as_list(meta.get("business_units") or meta.get("business_unit"))]
    audience_names = _as_list(meta.get("audience"))
    audience = _resolve_execs(audience_names, org, rel, warnings) if audience_names else []
    if meta.get("audience") is not None and not audience:
        warnings.append(WorkspaceWarning(path=rel, reason="audience is empty: treated as unrestricted"))
    return Material(
        path=rel, format=fmt, text=loaded.text, title=title, date=when, doc_type=doc_type,
        business_units=units, audience=audience, sections=structure.sections,
        body_start=loaded.body_start, pages=loaded.pages, sha256=digest,
    )
