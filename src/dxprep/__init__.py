"""dxprep: prepare IT leaders for their recurring DX dialogues with business executives.

The public API is pinned by ``__all__`` (and a test). Names are imported lazily so that
``import dxprep`` and ``dxprep --help`` stay fast.
"""

from __future__ import annotations

from importlib import import_module
from typing import TYPE_CHECKING, Any

__version__ = "0.1.0"

__all__ = [
    "CheckReport",
    "ConfigError",
    "DxprepError",
    "EngineError",
    "Executive",
    "IndexError_",
    "LoadedWorkspace",
    "Material",
    "MeetingNote",
    "Organization",
    "Settings",
    "UnknownExecutiveError",
    "UserError",
    "Workspace",
    "WorkspaceError",
    "__version__",
    "check_workspace",
    "load_settings",
    "read_workspace",
]

_LAZY = {
    "CheckReport": "dxprep.workspace.check",
    "check_workspace": "dxprep.workspace.check",
    "Executive": "dxprep.workspace.models",
    "LoadedWorkspace": "dxprep.workspace.models",
    "Material": "dxprep.workspace.models",
    "MeetingNote": "dxprep.workspace.models",
    "Organization": "dxprep.workspace.models",
    "read_workspace": "dxprep.workspace.reader",
    "Settings": "dxprep.config",
    "load_settings": "dxprep.config",
    "Workspace": "dxprep.api",
    "ConfigError": "dxprep.errors",
    "DxprepError": "dxprep.errors",
    "EngineError": "dxprep.errors",
    "IndexError_": "dxprep.errors",
    "UnknownExecutiveError": "dxprep.errors",
    "UserError": "dxprep.errors",
    "WorkspaceError": "dxprep.errors",
}

if TYPE_CHECKING:
    from dxprep.api import Workspace
    from dxprep.config import Settings, load_settings
    from dxprep.errors import (
        ConfigError,
        DxprepError,
        EngineError,
        IndexError_,
        UnknownExecutiveError,
        UserError,
        WorkspaceError,
    )
    from dxprep.workspace.check import CheckReport, check_workspace
    from dxprep.workspace.models import Executive, LoadedWorkspace, Material, MeetingNote, Organization
    from dxprep.workspace.reader import read_workspace


def __getattr__(name: str) -> Any:
    module = _LAZY.get(name)
    if module is None:
        raise AttributeError(f"module 'dxprep' has no attribute {name!r}")
    value = getattr(import_module(module), name)
    globals()[name] = value
    return value


def __dir__() -> list[str]:
    return sorted(__all__)
