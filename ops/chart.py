"""The logins-by-hour chart as plain SVG geometry, drawn on the server (no script, no CDN).

The template turns these numbers into ``<rect>``/``<text>`` elements; the same figures stand
in a table beside the chart for screen readers and for anyone who wants the exact counts.
"""

from dataclasses import dataclass

from .selectors import OUTCOMES, HourRow

WIDTH, HEIGHT = 760, 240
LEFT, RIGHT, TOP, BOTTOM = 44, 8, 12, 28
PLOT_W, PLOT_H = WIDTH - LEFT - RIGHT, HEIGHT - TOP - BOTTOM
SLOT = PLOT_W / 24
BAR_W = SLOT * 0.7


@dataclass(frozen=True)
class Bar:
    x: float
    y: float
    width: float
    height: float
    colour: str
    title: str


@dataclass(frozen=True)
class Tick:
    position: float
    label: str


@dataclass(frozen=True)
class Chart:
    width: int
    height: int
    bars: list[Bar]
    y_ticks: list[Tick]
    x_ticks: list[Tick]
    now_x: float | None
    slot: float
    plot_left: int
    plot_right: int
    plot_top: int
    plot_bottom: int
    axis_label_x: int

    @property
    def plot_height(self) -> int:
        return self.plot_bottom - self.plot_top

    @property
    def x_label_y(self) -> int:
        return self.plot_bottom + 18


def nice_step(value: int) -> int:
    """The smallest 1, 2 or 5 x 10^n at or above ``value`` (at least 1)."""
    step = 1
    while True:
        for m in (1, 2, 5):
            if m * step >= value:
                return m * step
        step *= 10


def axis(peak: int, *, ticks: int = 4) -> tuple[int, int]:
    """The y axis's top and step: whole, round steps (1, 2, 5, 10...), at most ``ticks``."""
    step = nice_step(-(-max(peak, 1) // ticks))
    return step * max(-(-peak // step), 1), step


def _r(v: float) -> float:
    return round(v, 1)


def logins_chart(hours: list[HourRow], *, current_hour: int | None) -> Chart:
    top, step = axis(max(h.total for h in hours))
    scale = PLOT_H / top
    bars = []
    for row in hours:
        x = LEFT + row.hour * SLOT + (SLOT - BAR_W) / 2
        y = TOP + PLOT_H
        for outcome in OUTCOMES:
            n = row.counts[outcome.key]
            if not n:
                continue
            height = n * scale
            y -= height
            bars.append(Bar(_r(x), _r(y), _r(BAR_W), _r(height), outcome.colour,
                            f"{row.label} {outcome.label}: {n}"))
    y_ticks = [Tick(_r(TOP + PLOT_H - value * scale), str(value))
               for value in range(0, top + 1, step)]
    x_ticks = [Tick(_r(LEFT + h * SLOT + SLOT / 2), f"{h:02d}") for h in range(0, 24, 2)]
    now_x = _r(LEFT + current_hour * SLOT) if current_hour is not None else None
    return Chart(WIDTH, HEIGHT, bars, y_ticks, x_ticks, now_x, _r(SLOT),
                 LEFT, WIDTH - RIGHT, TOP, TOP + PLOT_H, LEFT - 6)
