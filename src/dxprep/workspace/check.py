"""``dxprep workspace check``: what a workspace holds, and what could not be read."""

from __future__ import annotations

import datetime as dt
from collections import Counter

from pydantic import BaseModel, Field

from dxprep.errors import WorkspaceError
from dxprep.workspace.models import LoadedWorkspace, SkippedFile, WorkspaceWarning
from dxprep.workspace.reader import read_workspace

__all__ = ["CheckReport", "check_workspace", "summarize"]


class ExecutiveSummary(BaseModel):
    id: str
    name: str
    title: str | None
    role: str
    business_unit: str | None
    cadence_days: int
    aliases: list[str]
    notes: int


class NoteSummary(BaseModel):
    path: str
    format: str
    date: dt.date | None
    executives: list[str]
    business_unit: str | None
    type: str
    confidential: bool
    structured: bool
    goals: int
    concerns: int
    decisions: int
    action_items: int
    open_action_items: int


class MaterialSummary(BaseModel):
    path: str
    format: str
    title: str
    date: dt.date | None
    doc_type: str
    business_units: list[str]
    audience: list[str]


class CheckReport(BaseModel):
    workspace: str
    structured: bool
    organization: str | None
    it_leader: str | None
    counts: dict[str, int]
    notes_by_format: dict[str, int]
    material_by_format: dict[str, int]
    material_by_doc_type: dict[str, int]
    business_units: list[dict[str, str]]
    executives: list[ExecutiveSummary]
    notes: list[NoteSummary]
    material: list[MaterialSummary]
    skipped: list[SkippedFile] = Field(default_factory=list)
    ignored: list[str] = Field(default_factory=list)
    warnings: list[WorkspaceWarning] = Field(default_factory=list)


def summarize(ws: LoadedWorkspace) -> CheckReport:
    org = ws.organization
    per_exec = Counter(x for n in ws.notes for x in n.executives)
    notes = [
        NoteSummary(
            path=n.path, format=n.format, date=n.date, executives=n.executives,
            business_unit=n.business_unit, type=n.type, confidential=n.confidential,
            structured=n.structured, goals=len(n.goals), concerns=len(n.concerns),
            decisions=len(n.decisions), action_items=len(n.action_items),
            open_action_items=sum(not a.done for a in n.action_items),
        )
        for n in ws.notes
    ]
    material = [
        MaterialSummary(path=m.path, format=m.format, title=m.title, date=m.date,
                        doc_type=m.doc_type, business_units=m.business_units, audience=m.audience)
        for m in ws.material
    ]
    return CheckReport(
        workspace=ws.root,
        structured=ws.structured,
        organization=org.name,
        it_leader=org.it_leader.name if org.it_leader else None,
        counts={
            "executives": len(org.executives),
            "business_units": len(org.business_units),
            "notes": len(ws.notes),
            "material": len(ws.material),
            "goals": sum(len(n.goals) for n in ws.notes),
            "concerns": sum(len(n.concerns) for n in ws.notes),
            "decisions": sum(len(n.decisions) for n in ws.notes),
            "action_items": sum(len(n.action_items) for n in ws.notes),
            "confidential_notes": sum(n.confidential for n in ws.notes),
            "restricted_material": sum(bool(m.audience) for m in ws.material),
            "skipped": len(ws.skipped),
            "warnings": len(ws.warnings),
        },
        notes_by_format=dict(sorted(Counter(n.format for n in ws.notes).items())),
        material_by_format=dict(sorted(Counter(m.format for m in ws.material).items())),
        material_by_doc_type=dict(sorted(Counter(m.doc_type for m in ws.material).items())),
        business_units=[{"id": u.id, "name": u.name} for u in org.business_units],
        executives=[
            ExecutiveSummary(id=e.id, name=e.name, title=e.title, role=e.role,
                             business_unit=e.business_unit, cadence_days=e.cadence_days,
                             aliases=e.aliases, notes=per_exec.get(e.id, 0))
            for e in org.executives
        ],
        notes=notes,
        material=material,
        skipped=ws.skipped,
        ignored=ws.ignored,
        warnings=ws.warnings,
    )


def check_workspace(path: str) -> CheckReport:
    """Read the workspace at ``path`` and summarize it.

    Raises :class:`WorkspaceError` when ``path`` is not a workspace at all: missing, not
    a folder, or a folder with nothing dxprep can read.
    """
    ws = read_workspace(path)
    if not ws.structured and not ws.material and not ws.skipped:
        raise WorkspaceError(
            f"{path!r} is not a workspace: no stakeholders.yaml, notes/, material/ or documents",
            hint="create stakeholders.yaml, notes/ and material/ (see the README), or point -w at one",
        )
    return summarize(ws)
