"""Charts for the alignment map and the programme report (PNG, matplotlib's Agg canvas).

matplotlib is imported inside each function, so importing dxprep never loads it.
"""

from __future__ import annotations

import textwrap
from pathlib import Path
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from dxprep.dialogue.alignment import AlignmentMap
    from dxprep.dialogue.programme import ProgrammeReport

__all__ = ["alignment_heatmap", "commitments_chart"]

_INK = "#1f2937"
_MUTED = "#6b7280"
_GREEN = "#15803d"
_AMBER = "#d97706"
_RED = "#dc2626"
_GREY = "#cbd5e1"


def _short(text: str, width: int) -> str:
    return text if len(text) <= width else text[: width - 1].rstrip() + "…"


def alignment_heatmap(amap: AlignmentMap, path: str | Path, *, max_goals: int = 150) -> Path:
    """Goals (rows, grouped by executive) × initiatives (columns), coloured by link strength.

    Unserved goals are marked in red on the left; an initiative that serves no goal has its
    column label in red. Returns ``path``.
    """
    import numpy as np
    from matplotlib.backends.backend_agg import FigureCanvasAgg
    from matplotlib.colors import LinearSegmentedColormap
    from matplotlib.figure import Figure

    goals = amap.goals[:max_goals]
    inits = amap.initiatives
    grid = np.zeros((max(len(goals), 1), max(len(inits), 1)))
    col = {ini.id: j for j, ini in enumerate(inits)}
    row = {g.id: i for i, g in enumerate(goals)}
    for lk in amap.links:
        if lk.goal_id in row and lk.initiative_id in col:
            grid[row[lk.goal_id], col[lk.initiative_id]] = lk.strength
    top, bottom, rows_h = 0.45, 1.5, 0.2 * max(len(goals), 1)
    height = top + bottom + rows_h
    fig = Figure(figsize=(11, height), dpi=150)
    FigureCanvasAgg(fig)
    ax = fig.add_axes((0.42, bottom / height, 0.56, rows_h / height))
    cmap = LinearSegmentedColormap.from_list("align", ["#ffffff", "#bfdbfe", "#1d4ed8"])
    ax.imshow(grid, cmap=cmap, vmin=0, vmax=1, aspect="auto")
    ax.set_xticks(range(len(inits)))
    ax.set_xticklabels([_short(i.name.split(":")[0].split("(")[0].strip(), 26) for i in inits], rotation=40,
                       ha="right", fontsize=7, color=_INK)
    for label, ini in zip(ax.get_xticklabels(), inits, strict=True):
        if ini.id in amap.unsponsored_initiatives:
            label.set_color(_RED)
    ax.set_yticks(range(len(goals)))
    ax.set_yticklabels([f"{g.executive}: {_short(g.text, 58)}" for g in goals], fontsize=6.5, color=_INK)
    for label, g in zip(ax.get_yticklabels(), goals, strict=True):
        if not g.served_by:
            label.set_color(_RED)
    for lk in amap.links:
        if lk.goal_id in row and lk.initiative_id in col:
            ax.text(col[lk.initiative_id], row[lk.goal_id], f"{lk.strength:.1f}", ha="center", va="center",
                    fontsize=5.5, color="white" if lk.strength >= 0.6 else _INK)
    # Separate the executives.
    for i in range(1, len(goals)):
        if goals[i].executive != goals[i - 1].executive:
            ax.axhline(i - 0.5, color=_MUTED, linewidth=0.6)
    ax.set_xticks([x - 0.5 for x in range(1, len(inits))], minor=True)
    ax.grid(which="minor", axis="x", color="#e5e7eb", linewidth=0.5)
    ax.tick_params(which="minor", length=0)
    fig.suptitle(f"Alignment map as of {amap.as_of:%d %B %Y}: goals (red: nothing serves it) × initiatives "
                 "(red: no goal)", fontsize=9, color=_INK, x=0.02, ha="left")
    out = Path(path)
    fig.savefig(out, format="png")
    return out


def commitments_chart(report: ProgrammeReport, path: str | Path) -> Path:
    """IT's commitments by month of their first due date: kept on time, kept late, overdue, open."""
    from matplotlib.backends.backend_agg import FigureCanvasAgg
    from matplotlib.figure import Figure

    months = report.months
    fig = Figure(figsize=(8, 3.4), dpi=150)
    FigureCanvasAgg(fig)
    ax = fig.add_axes((0.08, 0.2, 0.62, 0.66))
    labels = [m.month for m in months] or ["(none)"]
    x = range(len(labels))
    bottom = [0] * len(labels)
    series = [("kept on time", [m.kept_on_time for m in months], _GREEN),
              ("kept late", [m.kept_late for m in months], _AMBER),
              ("overdue", [m.overdue for m in months], _RED),
              ("open, not yet due", [m.open_not_due for m in months], _GREY)]
    for name, values, colour in series:
        if not months:
            break
        ax.bar(x, values, bottom=bottom, color=colour, label=name, width=0.6)
        bottom = [b + v for b, v in zip(bottom, values, strict=True)]
    ax.set_xticks(list(x))
    ax.set_xticklabels(labels, fontsize=8, color=_INK)
    ax.set_ylabel("IT commitments", fontsize=8, color=_INK)
    from matplotlib.ticker import MaxNLocator

    ax.yaxis.set_major_locator(MaxNLocator(integer=True))
    for side in ("top", "right"):
        ax.spines[side].set_visible(False)
    it = next((f for f in report.commitments if f.side == "IT"), None)
    rate = f"{it.on_time_rate:.0%}" if it and it.on_time_rate is not None else "n/a"
    fig.suptitle(textwrap.shorten(f"IT's commitments made {report.start:%d %b %Y} – {report.end:%d %b %Y}, by month "
                                  f"due: kept on time {rate} of those fallen due", 110),
                 fontsize=9, color=_INK, x=0.02, ha="left")
    if months:
        ax.legend(loc="upper left", bbox_to_anchor=(1.02, 1.0), fontsize=8, frameon=False)
    out = Path(path)
    fig.savefig(out, format="png")
    return out
