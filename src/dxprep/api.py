"""``Workspace``: the library's front door, one object per workspace folder."""

from __future__ import annotations

from functools import cached_property
from pathlib import Path
from typing import Any

from dxprep.config import Settings, load_settings, resolve_workspace
from dxprep.workspace.check import CheckReport, check_workspace
from dxprep.workspace.models import Executive, LoadedWorkspace
from dxprep.workspace.reader import read_workspace

__all__ = ["Workspace"]


class Workspace:
    """A workspace folder: ``Workspace("corpus").executive("Dana")``.

    Reading is lazy and cached; call :meth:`reload` after the files change.
    """

    def __init__(self, path: str | Path | None = None, **settings: Any) -> None:
        self.root = resolve_workspace(path)
        self._overrides = settings

    def __repr__(self) -> str:
        return f"Workspace({str(self.root)!r})"

    @cached_property
    def settings(self) -> Settings:
        return load_settings(self.root, **self._overrides)

    @cached_property
    def data(self) -> LoadedWorkspace:
        return read_workspace(self.root)

    def reload(self) -> LoadedWorkspace:
        self.__dict__.pop("data", None)
        return self.data

    def executive(self, query: str) -> Executive:
        """Look up an executive by id, name or alias (case-insensitive)."""
        return self.data.organization.executive(query)

    def check(self) -> CheckReport:
        return check_workspace(str(self.root))
