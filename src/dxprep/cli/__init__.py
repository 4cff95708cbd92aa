"""The ``dxprep`` command line: a thin typer app; each command calls one library function.

Heavy libraries (torch, chromadb, langchain, docx) are imported inside the commands that
need them, never here, so ``dxprep --help`` stays fast.
"""

from __future__ import annotations

import typer

from dxprep.cli import alignment_cmd, brief_cmd, dialogue_cmd, eval_cmd, index_cmd
from dxprep.cli.workspace_cmd import workspace_app

__all__ = ["app", "main"]

app = typer.Typer(
    name="dxprep",
    help=(
        "Prepare the monthly IT–business dialogue with each executive: index the DX material "
        "and meeting notes, remember every commitment, and write a grounded briefing.\n\n"
        "Example: dxprep workspace check -w corpus"
    ),
    no_args_is_help=True,
    add_completion=False,
    pretty_exceptions_enable=False,
    context_settings={"help_option_names": ["-h", "--help"]},
)
app.add_typer(workspace_app, name="workspace")
index_cmd.register(app)
brief_cmd.register(app)
dialogue_cmd.register(app)
eval_cmd.register(app)
alignment_cmd.register(app)
__import__("dxprep.cli.audit_cmd", fromlist=["register"]).register(app)  # dxprep audit


@app.callback()
def _root(
    version: bool = typer.Option(False, "--version", help="Show the version and exit.", is_eager=True),
) -> None:
    if version:
        from dxprep import __version__

        typer.echo(f"dxprep {__version__}")
        raise typer.Exit()


def main() -> None:
    app()
