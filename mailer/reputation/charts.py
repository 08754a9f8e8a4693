"""Chart geometry for server-rendered SVG: stacked daily bars and threshold gauges (pure)."""

from __future__ import annotations

from dataclasses import dataclass

BAR_GAP = 2.0
AXIS_HEIGHT = 16.0


@dataclass(frozen=True)
class Series:
    """One stacked layer: its name, its CSS class and one value per bar."""

    name: str
    css: str
    values: list[int]


@dataclass(frozen=True)
class Bar:
    x: float
    y: float
    width: float
    height: float
    css: str
    title: str


@dataclass(frozen=True)
class Tick:
    x: float
    label: str


@dataclass(frozen=True)
class Level:
    """A y-axis mark: ``y`` pixels from the top, and the value it stands for."""

    y: float
    label: str


@dataclass(frozen=True)
class BarChart:
    """A stacked bar chart ``width`` x ``height`` pixels; ``maximum`` is the tallest stack;
    ``levels`` mark the y axis (0, half and the maximum)."""

    width: int
    height: int
    bars: list[Bar]
    ticks: list[Tick]
    maximum: int
    legend: list[Series]
    levels: list[Level]

    @property
    def plot_height(self) -> float:
        return self.height - AXIS_HEIGHT


def stacked_bars(
    labels: list[str], series: list[Series], width: int = 720, height: int = 160, every: int = 7
) -> BarChart:
    """One stack per label; a tick under every ``every``-th label, counted from the last."""
    maximum = max((sum(s.values[i] for s in series) for i in range(len(labels))), default=0)
    slot = width / max(len(labels), 1)
    scale = (height - AXIS_HEIGHT) / maximum if maximum else 0.0
    bars = [b for i, label in enumerate(labels) for b in _stack(i, label, series, slot, scale,
                                                                 height)]
    last = len(labels) - 1
    ticks = [Tick(i * slot + slot / 2, label) for i, label in enumerate(labels)
             if (last - i) % every == 0]
    return BarChart(width, height, bars, ticks, maximum, series, _levels(maximum, height))


def _levels(maximum: int, height: float) -> list[Level]:
    """0, the middle and the top of the y axis, labelled with the counts they stand for."""
    plot = height - AXIS_HEIGHT
    if not maximum:
        return [Level(plot, "0")]
    half = maximum // 2  # counts are whole: the middle mark stands at a whole count
    middle = [Level(round(plot * (1 - half / maximum), 1), f"{half:,}")] if half else []
    return [Level(plot, "0"), *middle, Level(0.0, f"{maximum:,}")]


def _stack(
    i: int, label: str, series: list[Series], slot: float, scale: float, height: float
) -> list[Bar]:
    bars, top = [], height - AXIS_HEIGHT
    for s in series:
        size = s.values[i] * scale
        if s.values[i]:
            top -= size
            bars.append(Bar(round(i * slot + BAR_GAP / 2, 1), round(top, 1),
                            round(max(slot - BAR_GAP, 1), 1), round(size, 1), s.css,
                            f"{label}: {s.values[i]} {s.name}"))
    return bars


@dataclass(frozen=True)
class Gauge:
    """A horizontal bar: ``fill`` pixels of ``width``, with labelled marks (thresholds)."""

    width: int
    fill: float
    marks: list[Tick]
    label: str
    css: str


def gauge(
    value: float | None, scale: float, marks: dict[str, float], label: str, width: int = 320
) -> Gauge:
    """``value`` on 0..``scale``; css "bad" past the highest mark, "warn" past another."""
    px = width / scale if scale > 0 else 0.0
    ticks = [Tick(round(min(v, scale) * px, 1), name) for name, v in marks.items()]
    fill = round(min(value or 0.0, scale) * px, 1)
    return Gauge(width, fill, ticks, label, _level(value, sorted(marks.values())))


def _level(value: float | None, marks: list[float]) -> str:
    if value is None or not marks or value < marks[0]:
        return "ok"
    return "bad" if value >= marks[-1] else "warn"
