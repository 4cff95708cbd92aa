"""The cadence as a picture for a slide: executives × months, a mark per meeting.

matplotlib is imported inside :func:`cadence_chart` only (Agg canvas, no pyplot state),
so importing dxprep never loads it.
"""

from __future__ import annotations

import datetime as dt
from pathlib import Path

from dxprep.dialogue.models import CadenceReport

__all__ = ["cadence_chart"]

_INK = "#1f2937"
_MUTED = "#6b7280"
_GRID = "#e5e7eb"
_ONE = "#1d4ed8"
_JOINT = "#0d9488"
_RED = "#dc2626"
_RED_BAND = "#fee2e2"


def _month_start(d: dt.date) -> dt.date:
    return d.replace(day=1)


def _next_month(d: dt.date) -> dt.date:
    return (d.replace(day=28) + dt.timedelta(days=4)).replace(day=1)


def cadence_chart(
    report: CadenceReport,
    path: str | Path,
    *,
    unit_names: dict[str, str] | None = None,
    organization: str | None = None,
    months: int | None = None,
) -> Path:
    """Draw ``report`` to ``path`` (PNG) and return the path.

    Rows are the executives (overdue ones in red on a red band, with the days since
    they were last met); columns are months up to the as-of date; a dot is a one-to-one
    meeting, a diamond a joint one; a line runs from each executive's last meeting to
    the as-of date. Units never engaged are listed under the chart. ``months`` limits
    the span (default: from the first meeting's month, at least six months).
    """
    from matplotlib.backends.backend_agg import FigureCanvasAgg
    from matplotlib.dates import DateFormatter, MonthLocator, date2num
    from matplotlib.figure import Figure
    from matplotlib.lines import Line2D

    rows = report.executives
    as_of = report.as_of
    all_dates = [d for r in rows for d in r.meeting_dates]
    end = _next_month(as_of)
    start = _month_start(min(all_dates)) if all_dates else _month_start(as_of)
    floor = _month_start(as_of)
    for _ in range(5):
        floor = _month_start(floor - dt.timedelta(days=1))
    start = min(start, floor)
    if months is not None:
        limit = _month_start(as_of)
        for _ in range(max(months, 1) - 1):
            limit = _month_start(limit - dt.timedelta(days=1))
        start = max(start, limit)

    n = max(len(rows), 1)
    top_in, bottom_in = 1.05, 0.85 + (0.35 if report.business_units_never_engaged else 0.0)
    height = top_in + bottom_in + 0.52 * n
    fig = Figure(figsize=(40 / 3, height), dpi=150)
    FigureCanvasAgg(fig)
    ax = fig.add_axes((0.21, bottom_in / height, 0.555, 1 - (top_in + bottom_in) / height))
    x0, x1 = date2num(start), date2num(end)
    ax.set_xlim(x0, x1)
    ax.set_ylim(n - 0.5, -0.5)

    for y, row in enumerate(rows):
        if row.overdue:
            ax.axhspan(y - 0.42, y + 0.42, color=_RED_BAND, zorder=0, lw=0)
        ax.axhline(y, color=_GRID, lw=0.8, zorder=1)
        if row.last_met is not None:
            ax.plot([date2num(max(row.last_met, start)), date2num(as_of)], [y, y],
                    color=_RED if row.overdue else _MUTED, lw=1.6 if row.overdue else 1.0,
                    ls=(0, (3, 2)), zorder=2)
        joint = set(row.joint_dates)
        shown = [d for d in row.meeting_dates if d >= start]
        ones = [date2num(d) for d in shown if d not in joint]
        joints = [date2num(d) for d in shown if d in joint]
        ax.scatter(ones, [y] * len(ones), s=90, color=_ONE, zorder=3, edgecolor="white", linewidth=1.2)
        ax.scatter(joints, [y] * len(joints), s=110, marker="D", color=_JOINT, zorder=3,
                   edgecolor="white", linewidth=1.2)
        if row.last_met is None:
            status = "never met"
        else:
            status = f"{row.days_since} d since last met"
        status += f" · cadence {row.cadence_days} d"
        ax.annotate(status, xy=(1.01, y), xycoords=("axes fraction", "data"), va="center", ha="left",
                    fontsize=9, color=_RED if row.overdue else _MUTED,
                    fontweight="bold" if row.overdue else "normal", annotation_clip=False)

    ax.set_yticks(range(len(rows)))
    ax.set_yticklabels([f"{r.name}  ({r.id})" for r in rows], fontsize=10)
    for label, row in zip(ax.get_yticklabels(), rows, strict=True):
        label.set_color(_RED if row.overdue else _INK)
        if row.overdue:
            label.set_fontweight("bold")
    ax.xaxis.set_major_locator(MonthLocator())
    ax.xaxis.set_major_formatter(DateFormatter("%b\n%Y"))
    ax.tick_params(axis="x", labelsize=9, colors=_INK, length=0)
    ax.tick_params(axis="y", length=0)
    ax.grid(axis="x", color=_GRID, lw=0.8)
    ax.set_axisbelow(True)
    for side in ("top", "right", "left"):
        ax.spines[side].set_visible(False)
    ax.spines["bottom"].set_color(_GRID)
    ax.axvline(date2num(as_of), color=_INK, lw=1.2, zorder=4)
    ax.annotate(f"as of {as_of.day} {as_of:%b %Y}", xy=(date2num(as_of), -0.5), xytext=(0, 4),
                textcoords="offset points", ha="center", va="bottom", fontsize=9, color=_INK,
                annotation_clip=False)

    overdue = [r for r in rows if r.overdue]
    title = "Executive dialogue cadence" + (f" — {organization}" if organization else "")
    fig.text(0.02, 1 - 0.15 / height, title, fontsize=16, fontweight="bold", color=_INK, va="top")
    never = len(report.never_met)
    subtitle = f"{len(overdue)} of {len(rows)} executives overdue for their dialogue"
    if never:
        subtitle += f" ({never} never met)"
    if report.next:
        names = {r.id: r.name for r in rows}
        subtitle += f" · talk to next: {', '.join(names.get(i, i) for i in report.next[:3])}"
    fig.text(0.02, 1 - 0.55 / height, subtitle, fontsize=11, color=_MUTED, va="top")

    handles = [
        Line2D([], [], marker="o", ls="", color=_ONE, markersize=8, label="one-to-one"),
        Line2D([], [], marker="D", ls="", color=_JOINT, markersize=7, label="joint meeting"),
        Line2D([], [], color=_RED, ls=(0, (3, 2)), lw=1.6, label="overdue: time since last met"),
    ]
    fig.legend(handles=handles, loc="lower left", bbox_to_anchor=(0.21, 0.08 / height), ncol=3,
               frameon=False, fontsize=9)

    if report.business_units_never_engaged:
        units = [(unit_names or {}).get(u, u) for u in report.business_units_never_engaged]
        fig.text(0.02, 0.42 / height, "Business units never engaged: " + ", ".join(units), fontsize=11,
                 color=_RED, fontweight="bold", va="bottom")

    target = Path(path)
    target.parent.mkdir(parents=True, exist_ok=True)
    fig.savefig(target, format="png", facecolor="white")
    return target
