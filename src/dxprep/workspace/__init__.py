"""Reading the inputs: stakeholders, loaders (md/txt/docx/pdf) and the note parser."""

from dxprep.workspace.check import CheckReport, check_workspace
from dxprep.workspace.models import (
    ActionItem,
    BusinessUnit,
    Executive,
    Item,
    LoadedWorkspace,
    Material,
    MeetingNote,
    Organization,
    Person,
    Section,
    WorkspaceWarning,
)
from dxprep.workspace.reader import read_workspace

__all__ = [
    "ActionItem",
    "BusinessUnit",
    "CheckReport",
    "Executive",
    "Item",
    "LoadedWorkspace",
    "Material",
    "MeetingNote",
    "Organization",
    "Person",
    "Section",
    "WorkspaceWarning",
    "check_workspace",
    "read_workspace",
]
