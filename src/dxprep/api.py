"""``Workspace``: the library's front door, one object per workspace folder."""

from __future__ import annotations

import datetime as _dt
from functools import cached_property
from pathlib import Path
from typing import Any

from dxprep.config import Settings, load_settings, resolve_workspace
from dxprep.errors import UserError
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

    # ------------------------------------------------------------------ index
    def ingest(self, *, rebuild: bool = False, progress: Any = None, embedder: Any = None) -> Any:
        """Bring the index up to date (incremental); returns :class:`IngestStats`."""
        from dxprep.index.ingest import ingest

        stats = ingest(self.root, rebuild=rebuild, settings=self.settings, embedder=embedder,
                       progress=progress, data=self.data)
        self.__dict__.pop("_retriever", None)
        return stats

    def retriever(self, embedder: Any = None) -> Any:
        """The hybrid retriever over this workspace's index (cached)."""
        cached = self.__dict__.get("_retriever")
        if cached is None:
            from dxprep.index.search import Retriever

            cached = Retriever(self.root, self.settings, embedder)
            self.__dict__["_retriever"] = cached
        return cached

    def search(self, query: str, k: int = 8, **filters: Any) -> Any:
        """Hybrid search; filters: executive, kind, doc_type, since, audience, unit."""
        return self.retriever().search(query, k, **filters)

    # ------------------------------------------------------------------ briefings
    def brief(self, executive: str, *, date: Any = None, minutes: int | None = None, engine: Any = None,
              fallback: str | None = None, refresh_index: bool = True) -> Any:
        """The :class:`~dxprep.briefing.model.Briefing` for ``executive``'s next dialogue."""
        from dxprep.briefing.pipeline import build_briefing

        return build_briefing(self, executive, date=date, minutes=minutes, engine=engine, fallback=fallback,
                              refresh_index=refresh_index)

    # ------------------------------------------------------------------ alignment and report
    def _meaning(self, meaning: bool) -> Any:
        """The embedder for the alignment map's meaning signal (None: words and names only)."""
        spec = self.settings.embedding
        if not meaning or spec == "hash":  # the test embedding carries no meaning
            return None
        from dxprep.index.embeddings import get_embedder

        return get_embedder(spec, remote_allowed=self.settings.remote, base_url=self.settings.openai_base_url,
                            workspace=self.root)

    def alignment(self, *, as_of: Any = None, audience: str | None = "", meaning: bool = True) -> Any:
        """The :class:`~dxprep.dialogue.alignment.AlignmentMap` as of ``as_of`` (default today).

        ``audience``: ``""`` an executive committee (no confidential notes, no restricted
        material), an executive id, or None (the IT leader's own view).
        """
        from dxprep.dialogue.alignment import alignment_map
        from dxprep.workspace.dates import parse_date

        when = parse_date(as_of) if as_of is not None else _dt.date.today()
        if when is None:
            raise UserError(f"{as_of!r} is not a date", hint="write 2026-11-28")
        return alignment_map(self.data, when, audience=audience, embedder=self._meaning(meaning))

    def report(self, *, start: Any = None, end: Any = None, audience: str | None = "", meaning: bool = True) -> Any:
        """The :class:`~dxprep.dialogue.programme.ProgrammeReport` for ``[start, end]``
        (default: the 90 days up to today)."""
        from dxprep.dialogue.programme import programme_report
        from dxprep.workspace.dates import parse_date

        stop = parse_date(end) if end is not None else _dt.date.today()
        if stop is None:
            raise UserError(f"{end!r} is not a date", hint="write 2026-11-28")
        begin = parse_date(start) if start is not None else stop - _dt.timedelta(days=89)
        if begin is None:
            raise UserError(f"{start!r} is not a date", hint="write 2026-09-01")
        if stop > _dt.date.today():
            raise UserError(f"the period ends on {stop}, after today: the report counts what has happened",
                            hint="use --to today or an earlier date")
        if begin > stop:
            raise UserError(f"the period starts ({begin}) after it ends ({stop})", hint="swap --from and --to")
        return programme_report(self.data, begin, stop, audience=audience, embedder=self._meaning(meaning))
