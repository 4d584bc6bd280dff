"""The results page's charts as plain geometry; a template draws them as inline SVG.

No JavaScript and no chart library: the numbers are computed here (pure, no query) and the
SVG uses attributes only, which the site's Content-Security-Policy allows.

- Judges side by side: one column per judge with a dot per sheet total and a bar at their
  mean, on the criteria's scale. A harsh judge's column sits low, a lenient one's high.
- Rank intervals: one row per ranked entry, a line from the best to the worst rank the
  bootstrap gave it (90 %) and a dot at its rank; overlapping lines mean the order
  between those entries is not settled.
"""

from collections.abc import Sequence
from dataclasses import dataclass

WIDTH = 720
PAD_LEFT = 48
PAD_RIGHT = 16
PAD_TOP = 16
PAD_BOTTOM = 56
COLUMN_HEIGHT = 240
ROW_HEIGHT = 22
LABEL_WIDTH = 240  # an entry's title, cut to LABEL_CHARS, left of its interval
LABEL_CHARS = 16
DOT_JITTER = 6


@dataclass(frozen=True)
class Tick:
    position: float
    label: str


@dataclass(frozen=True)
class Dot:
    x: float
    y: float
    title: str


@dataclass(frozen=True)
class JudgeColumn:
    label: str
    x: float
    label_y: float
    dots: list[Dot]
    mean_y: float | None
    mean_label: str
    mean_x: float  # the mean bar's left end
    mean_width: float


@dataclass(frozen=True)
class JudgeChart:
    width: int
    height: int
    plot_left: float
    plot_right: float
    plot_top: float
    plot_bottom: float
    tick_x: float
    ticks: list[Tick]
    columns: list[JudgeColumn]


def _number(value: float) -> str:
    return f"{value:.2f}"


def judge_chart(
    judges: Sequence[tuple[str, Sequence[float], float | None]], low: float, high: float
) -> JudgeChart:
    """(label, sheet totals, mean) per judge, on the scale from `low` to `high`."""
    top, bottom = PAD_TOP, PAD_TOP + COLUMN_HEIGHT
    span = (high - low) or 1.0

    def y(value: float) -> float:
        return round(bottom - (value - low) / span * (bottom - top), 1)

    step = (WIDTH - PAD_LEFT - PAD_RIGHT) / max(len(judges), 1)
    columns = []
    for index, (label, totals, mean) in enumerate(judges):
        centre = PAD_LEFT + step * (index + 0.5)
        dots = [
            # Sheets with the same total sit side by side rather than on top of each other.
            Dot(
                x=round(centre + ((n % 5) - 2) * DOT_JITTER, 1),
                y=y(total),
                title=f"{label}: {_number(total)}",
            )
            for n, total in enumerate(sorted(totals))
        ]
        width = round(min(step * 0.6, 48), 1)
        columns.append(
            JudgeColumn(
                label=label,
                x=round(centre, 1),
                label_y=bottom + 20,
                dots=dots,
                mean_y=y(mean) - 1.5 if mean is not None else None,
                mean_label=_number(mean) if mean is not None else "",
                mean_x=round(centre - width / 2, 1),
                mean_width=width,
            )
        )
    levels = range(int(low), int(high) + 1)
    return JudgeChart(
        width=WIDTH,
        height=bottom + PAD_BOTTOM,
        plot_left=PAD_LEFT,
        plot_right=WIDTH - PAD_RIGHT,
        plot_top=top,
        plot_bottom=bottom,
        tick_x=PAD_LEFT - 8,
        ticks=[Tick(y(level), str(level)) for level in levels],
        columns=columns,
    )


@dataclass(frozen=True)
class IntervalRow:
    label: str
    y: float
    x_low: float
    x_high: float
    x_rank: float
    title: str


@dataclass(frozen=True)
class IntervalChart:
    width: int
    height: int
    plot_left: float
    plot_right: float
    label_x: float
    axis_y: float
    tick_label_y: float
    ticks: list[Tick]
    rows: list[IntervalRow]


def interval_chart(rows: Sequence[tuple[str, int, int, int]], count: int) -> IntervalChart:
    """(label, rank, best rank, worst rank) per entry, ranks 1..`count` left to right."""
    left, right = LABEL_WIDTH, WIDTH - PAD_RIGHT
    span = max(count - 1, 1)

    def x(rank: int) -> float:
        return round(left + (rank - 1) / span * (right - left), 1)

    shown = []
    for index, (label, rank, low, high) in enumerate(rows):
        shown.append(
            IntervalRow(
                label=label if len(label) <= LABEL_CHARS else label[: LABEL_CHARS - 1] + "…",
                y=PAD_TOP + ROW_HEIGHT * index + ROW_HEIGHT / 2,
                x_low=x(low),
                x_high=x(high),
                x_rank=x(rank),
                title=f"{label}: {rank} ({low}–{high})",
            )
        )
    axis_y = PAD_TOP + ROW_HEIGHT * len(rows) + 4
    every = max(1, count // 10)
    ticks = [Tick(x(r), str(r)) for r in range(1, count + 1) if r == 1 or r % every == 0]
    return IntervalChart(
        width=WIDTH,
        height=int(axis_y + 28),
        plot_left=left,
        plot_right=right,
        label_x=left - 8,
        axis_y=axis_y,
        tick_label_y=axis_y + 16,
        ticks=ticks,
        rows=shown,
    )
