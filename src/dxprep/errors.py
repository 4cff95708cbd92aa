"""The one exception tree of dxprep.

Every error dxprep raises on purpose derives from :class:`DxprepError`. User errors
(bad input or usage: the user can fix them) exit with code 2 on the command line;
run-time failures exit with 1. Each error may carry a ``hint``: what to do next.

::

    DxprepError                      exit 1, run-time failure
    ├── UserError                    exit 2, bad input or usage
    │   ├── ConfigError              bad dxprep.toml, environment or argument
    │   ├── WorkspaceError           not a workspace, malformed stakeholders.yaml
    │   │   └── StakeholdersError    stakeholders.yaml that cannot be used (file:line)
    │   ├── UnknownExecutiveError    a name that matches no executive (lists the known ones)
    │   └── IndexMismatchError       index built with another embedding model (--rebuild)
    ├── IndexError_                  the Chroma store failed (embedded or server)
    │   └── IndexLockedError         another ingest holds the workspace lock
    ├── EmbeddingError               the embedding model could not be loaded or run
    └── EngineError                  a generation engine failed (model call, replay miss)
"""

from __future__ import annotations

__all__ = [
    "ConfigError",
    "DxprepError",
    "EmbeddingError",
    "EngineError",
    "IndexError_",
    "IndexLockedError",
    "IndexMismatchError",
    "StakeholdersError",
    "UnknownExecutiveError",
    "UserError",
    "WorkspaceError",
]


class DxprepError(Exception):
    """Base of every dxprep error. ``hint`` says what to do next, when we know."""

    exit_code: int = 1

    def __init__(self, message: str, *, hint: str | None = None) -> None:
        super().__init__(message)
        self.message = message
        self.hint = hint

    def __str__(self) -> str:
        return self.message


class UserError(DxprepError):
    """Bad input or usage: the user can fix it. Exit code 2."""

    exit_code = 2


class ConfigError(UserError):
    """A setting (dxprep.toml, DXPREP_* variable or argument) is invalid."""


class WorkspaceError(UserError):
    """The path is not a usable workspace."""


class StakeholdersError(WorkspaceError):
    """stakeholders.yaml cannot be used; the message names the file and line."""

    def __init__(
        self, message: str, *, path: str, line: int | None = None, hint: str | None = None
    ) -> None:
        where = f"{path}:{line}" if line else path
        super().__init__(f"{where}: {message}", hint=hint)
        self.path = path
        self.line = line


class UnknownExecutiveError(UserError):
    """A name, id or alias that matches no executive of the workspace."""

    def __init__(self, query: str, known: list[str], closest: str | None = None) -> None:
        known_txt = ", ".join(known) if known else "(none: add them to stakeholders.yaml)"
        message = f"unknown executive {query!r}; known executives: {known_txt}"
        hint = f"did you mean {closest!r}?" if closest else None
        super().__init__(message, hint=hint)
        self.query = query
        self.known = known
        self.closest = closest


class IndexMismatchError(UserError):
    """The index was built with another embedding model than the one configured."""


class IndexError_(DxprepError):  # noqa: N801 - trailing underscore: do not shadow IndexError
    """The vector store failed: embedded Chroma or a Chroma server."""


class IndexLockedError(IndexError_):
    """Another process is ingesting this workspace."""


class EmbeddingError(DxprepError):
    """The embedding model could not be loaded or run."""


class EngineError(DxprepError):
    """A generation engine failed: a model call, a replay miss, invalid output."""
