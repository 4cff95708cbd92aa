"""stakeholders.yaml: the organization, its business units and executives."""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

import yaml
from pydantic import ValidationError

from dxprep.errors import StakeholdersError
from dxprep.workspace.models import Organization, WorkspaceWarning

__all__ = ["STAKEHOLDER_FILES", "load_stakeholders", "parse_stakeholders", "slugify"]

STAKEHOLDER_FILES = ("stakeholders.yaml", "stakeholders.yml")

_ROLES = {"CEO", "COO", "CFO", "CHRO", "CMO", "CRO", "CTO", "CISO", "CIO", "BU", "OTHER"}


def slugify(text: str) -> str:
    return re.sub(r"[^a-z0-9]+", "-", text.casefold()).strip("-")


#: stakeholders.yaml larger than this is refused (a list of executives is a few kilobytes).
MAX_STAKEHOLDERS_BYTES = 2_000_000


def load_stakeholders(root: Path) -> tuple[Organization, list[WorkspaceWarning], str | None]:
    """(organization, warnings, file name) of the workspace; an empty one when there is no file."""
    for name in STAKEHOLDER_FILES:
        path = root / name
        if path.is_symlink() and not path.resolve().is_relative_to(root.resolve()):
            raise StakeholdersError("a link to a file outside the workspace: not followed", path=name,
                                    hint=f"copy the file into the workspace instead of linking to {path.resolve()}")
        if path.is_file():
            size = path.stat().st_size
            if size > MAX_STAKEHOLDERS_BYTES:
                raise StakeholdersError(f"{size / 1e6:.1f} MB is too large for a list of executives "
                                        f"(limit {MAX_STAKEHOLDERS_BYTES // 1_000_000} MB)", path=name,
                                        hint="is this the right file?")
            try:
                text = path.read_text(encoding="utf-8-sig")
            except UnicodeDecodeError as exc:
                raise StakeholdersError(
                    f"not valid UTF-8 (byte {exc.start})", path=name, hint="save it as UTF-8"
                ) from exc
            org, warnings = parse_stakeholders(text, name)
            return org, warnings, name
    return Organization(), [], None


def _node_line(root: yaml.Node | None, loc: tuple[Any, ...]) -> int | None:
    """1-based line of the YAML node at ``loc`` (a pydantic error location)."""
    node = root
    line = node.start_mark.line + 1 if node is not None else None
    for key in loc:
        if isinstance(node, yaml.MappingNode):
            nxt = None
            for k, v in node.value:
                if isinstance(k, yaml.ScalarNode) and k.value == str(key):
                    nxt = v
                    line = k.start_mark.line + 1
                    break
            node = nxt
        elif isinstance(node, yaml.SequenceNode) and isinstance(key, int) and key < len(node.value):
            node = node.value[key]
            line = node.start_mark.line + 1
        else:
            break
        if node is None:
            break
    return line


def parse_stakeholders(text: str, name: str = "stakeholders.yaml") -> tuple[Organization, list[WorkspaceWarning]]:
    try:
        node = yaml.compose(text, Loader=yaml.SafeLoader)
        data = yaml.safe_load(text)
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        line = mark.line + 1 if mark is not None else None
        problem = getattr(exc, "problem", None) or str(exc).splitlines()[0]
        raise StakeholdersError(
            f"not valid YAML: {problem}", path=name, line=line,
            hint="check the indentation and quoting on that line",
        ) from exc
    except (ValueError, TypeError, IndexError, AttributeError, OverflowError) as exc:
        # PyYAML's constructors raise these on e.g. "2026-02-30" or a bare "!!int" tag
        raise StakeholdersError(f"a value YAML cannot read: {exc}", path=name,
                                hint="check dates and '!!' tags") from exc
    if data is None:
        return Organization(), [WorkspaceWarning(path=name, reason="file is empty")]
    if not isinstance(data, dict):
        raise StakeholdersError("expected a mapping with 'executives' and 'business_units'",
                                path=name, line=1)
    warnings: list[WorkspaceWarning] = []
    data = dict(data)
    for key in ("business_units", "executives"):
        if data.get(key) is not None and not isinstance(data[key], list):
            raise StakeholdersError(f"{key} must be a list (one '- ' entry each)", path=name,
                                    line=_node_line(node, (key,)), hint="see the stakeholders.yaml example in the README")
    known = {"organization", "it_leader", "business_units", "executives"}
    for key in list(data):
        if key not in known:
            warnings.append(WorkspaceWarning(path=name, line=_node_line(node, (key,)),
                                             reason=f"unknown key {key!r} ignored"))
            data.pop(key)
    if isinstance(data.get("organization"), dict):
        data["organization"] = data["organization"].get("name")
    data["name"] = data.pop("organization", None)
    for i, exe in enumerate(data.get("executives") or []):
        if isinstance(exe, dict):
            if exe.get("role") is not None:
                role = str(exe["role"]).strip().upper()
                if role not in _ROLES:
                    warnings.append(WorkspaceWarning(
                        path=name, line=_node_line(node, ("executives", i, "role")),
                        reason=f"unknown role {exe['role']!r} for {exe.get('id')!r}; using 'other'"))
                    role = "OTHER"
                exe["role"] = "other" if role == "OTHER" else role
            if exe.get("id") is None and exe.get("name"):
                exe["id"] = slugify(str(exe["name"]))
            for key in ("id", "name", "title", "business_unit"):
                if exe.get(key) is not None:
                    exe[key] = str(exe[key])
            if isinstance(exe.get("aliases"), str):
                exe["aliases"] = [exe["aliases"]]
            if exe.get("cadence_days") is None:
                exe.pop("cadence_days", None)
    for unit in data.get("business_units") or []:
        if isinstance(unit, dict):
            if unit.get("id") is None and unit.get("name"):
                unit["id"] = slugify(str(unit["name"]))
            if unit.get("name") is None and unit.get("id"):
                unit["name"] = str(unit["id"])
    for key in ("business_units", "executives"):
        if data.get(key) is None:
            data[key] = []
    try:
        org = Organization.model_validate(data)
    except ValidationError as exc:
        err = exc.errors()[0]
        loc = tuple(err["loc"])
        if loc and loc[0] == "name":
            loc = ("organization",) + loc[1:]
        field = ".".join(str(p) for p in loc)
        raise StakeholdersError(
            f"{field}: {err['msg']}", path=name, line=_node_line(node, loc),
            hint="see the stakeholders.yaml example in the README",
        ) from exc
    seen: dict[str, int] = {}
    for i, exe in enumerate(org.executives):
        if exe.id.casefold() in seen:
            raise StakeholdersError(
                f"duplicate executive id {exe.id!r}", path=name,
                line=_node_line(node, ("executives", i, "id")), hint="ids must be unique",
            )
        seen[exe.id.casefold()] = i
        if exe.business_unit and org.business_units and org.unit(exe.business_unit) is None:
            warnings.append(WorkspaceWarning(
                path=name, line=_node_line(node, ("executives", i, "business_unit")),
                reason=f"executive {exe.id!r}: unknown business unit {exe.business_unit!r}"))
    names: dict[str, str] = {}
    for exe in org.executives:
        for alias in exe.names():
            owner = names.setdefault(alias.casefold(), exe.id)
            if owner != exe.id:
                warnings.append(WorkspaceWarning(
                    path=name, reason=f"{alias!r} names both {owner!r} and {exe.id!r}: use ids"))
    return org, warnings
