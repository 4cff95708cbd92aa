"""What every command shares: options, output format, error handling."""

from __future__ import annotations

import functools
import json
import os
import sys
from collections.abc import Callable
from enum import StrEnum
from pathlib import Path
from typing import TYPE_CHECKING, Annotated, Any, ParamSpec, TypeVar

import typer

from dxprep.errors import DxprepError

if TYPE_CHECKING:
    from rich.console import Console

P = ParamSpec("P")
R = TypeVar("R")


class OutputFormat(StrEnum):
    table = "table"
    json = "json"


WorkspaceOpt = Annotated[
    Path | None,
    typer.Option(
        "-w", "--workspace",
        help="Workspace folder \\[default: $DXPREP_WORKSPACE, else the current directory].",
        show_default=False,
    ),
]
FormatOpt = Annotated[
    OutputFormat, typer.Option("--format", "-f", help="Output: a table for people, json for scripts.")
]


def stdout() -> Console:
    from rich.console import Console

    return Console(soft_wrap=False)


def stderr() -> Console:
    from rich.console import Console

    return Console(stderr=True)


def print_json(data: Any) -> None:
    """Write JSON to stdout exactly (no markup, no wrapping)."""
    if hasattr(data, "model_dump_json"):
        sys.stdout.write(data.model_dump_json(indent=2) + "\n")
    else:
        sys.stdout.write(json.dumps(data, indent=2, default=str, ensure_ascii=False) + "\n")
    sys.stdout.flush()


def fail(error: DxprepError) -> typer.Exit:
    """Print one clear line (and a hint) on stderr; return the Exit to raise."""
    err = stderr()
    err.print(f"[bold red]error:[/] {error.message}", highlight=False, markup=True, soft_wrap=True)
    if error.hint:
        err.print(f"[dim]hint:[/] {error.hint}", highlight=False, soft_wrap=True)
    return typer.Exit(error.exit_code)


def handle_errors(fn: Callable[P, R]) -> Callable[P, R]:
    """Turn dxprep errors into one line on stderr and exit 2 (user) or 1 (run time).

    With ``DXPREP_DEBUG=1`` the exception is re-raised with its traceback.
    """

    @functools.wraps(fn)
    def wrapper(*args: P.args, **kwargs: P.kwargs) -> R:
        try:
            return fn(*args, **kwargs)
        except DxprepError as exc:
            if os.environ.get("DXPREP_DEBUG"):
                raise
            raise fail(exc) from None
        except KeyboardInterrupt:
            stderr().print("interrupted")
            raise typer.Exit(130) from None

    return wrapper


def warn_lines(warnings: list[Any], limit: int = 20) -> None:
    """Print workspace warnings on stderr (the first ``limit`` of them)."""
    if not warnings:
        return
    err = stderr()
    for w in warnings[:limit]:
        err.print(f"[yellow]warning:[/] {w}", highlight=False, soft_wrap=True, markup=True)
    if len(warnings) > limit:
        err.print(f"[yellow]…and {len(warnings) - limit} more warning(s)[/] (see --format json)")
