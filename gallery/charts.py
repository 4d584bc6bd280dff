"""The impact dashboard's charts as plain geometry; a template draws them as inline SVG.

The same approach as judging's results charts (judging/results/charts.py): numbers are
computed here (pure, no query) and the SVG uses attributes only, so the site's
Content-Security-Policy needs nothing more and no chart library is loaded.

- Bars: one horizontal bar per label (a department, a category), longest first as given.
- Columns: one column per month, oldest on the left, with a value on top of each column.
"""

from collections.abc import Sequence
from dataclasses import dataclass

from judging.results.charts import Tick

WIDTH = 720
PAD_RIGHT = 56  # room for the value right of the longest bar
PAD_TOP = 16
BAR_HEIGHT = 18
ROW_HEIGHT = 26
LABEL_WIDTH = 200
LABEL_CHARS = 14
COLUMN_AREA = 180
PAD_LEFT = 48
PAD_BOTTOM = 40


def _label(text: str) -> str:
    return text if len(text) <= LABEL_CHARS else text[: LABEL_CHARS - 1] + "…"


def _figure(value: float) -> str:
    return f"{value:,.0f}" if value == int(value) else f"{value:,.1f}"


@dataclass(frozen=True)
class Bar:
    label: str
    y: float
    text_y: float
    width: float
    value_x: float
    value: str
    title: str


@dataclass(frozen=True)
class BarChart:
    width: int
    height: int
    plot_left: float
    label_x: float
    bars: list[Bar]


def bar_chart(rows: Sequence[tuple[str, float]]) -> BarChart:
    """(label, value) per bar, drawn in the order given, scaled to the largest value."""
    left, right = LABEL_WIDTH, WIDTH - PAD_RIGHT
    largest = max((value for _, value in rows), default=0) or 1
    bars = []
    for index, (label, value) in enumerate(rows):
        top = PAD_TOP + ROW_HEIGHT * index
        width = round(value / largest * (right - left), 1)
        bars.append(
            Bar(
                label=_label(label),
                y=top,
                text_y=top + BAR_HEIGHT / 2,
                width=width,
                value_x=round(left + width + 6, 1),
                value=_figure(value),
                title=f"{label}: {_figure(value)}",
            )
        )
    return BarChart(
        width=WIDTH,
        height=PAD_TOP * 2 + ROW_HEIGHT * max(len(rows), 1),
        plot_left=left,
        label_x=left - 8,
        bars=bars,
    )


@dataclass(frozen=True)
class Column:
    label: str
    x: float
    centre: float
    y: float
    height: float
    value: str
    value_y: float
    title: str


@dataclass(frozen=True)
class ColumnChart:
    width: int
    height: int
    plot_left: float
    plot_right: float
    plot_bottom: float
    label_y: float
    column_width: float
    tick_x: float
    ticks: list[Tick]
    columns: list[Column]


def column_chart(rows: Sequence[tuple[str, float]]) -> ColumnChart:
    """(label, value) per column, left to right, from zero to the largest value."""
    left, right = PAD_LEFT, WIDTH - 16
    top, bottom = PAD_TOP + 12, PAD_TOP + 12 + COLUMN_AREA
    largest = max((value for _, value in rows), default=0) or 1
    step = (right - left) / max(len(rows), 1)
    column_width = round(min(step * 0.7, 40), 1)

    def y(value: float) -> float:
        return round(bottom - value / largest * (bottom - top), 1)

    columns = []
    for index, (label, value) in enumerate(rows):
        centre = round(left + step * (index + 0.5), 1)
        columns.append(
            Column(
                label=label,
                x=round(centre - column_width / 2, 1),
                centre=centre,
                y=y(value),
                height=round(bottom - y(value), 1),
                value=_figure(value) if value else "",
                value_y=y(value) - 4,
                title=f"{label}: {_figure(value)}",
            )
        )
    return ColumnChart(
        width=WIDTH,
        height=bottom + PAD_BOTTOM,
        plot_left=left,
        plot_right=right,
        plot_bottom=bottom,
        label_y=bottom + 18,
        column_width=column_width,
        tick_x=left - 8,
        ticks=[Tick(y(largest * share), _figure(largest * share)) for share in (0, 0.5, 1)],
        columns=columns,
    )
