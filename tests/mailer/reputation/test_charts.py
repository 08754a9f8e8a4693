"""SVG geometry: stacked bars scale to the tallest day, gauges mark the thresholds."""

from __future__ import annotations

from mailer.reputation import charts
from mailer.reputation.charts import Series


def test_stacked_bars_scale_to_the_tallest_stack():
    chart = charts.stacked_bars(
        ["a", "b", "c"], [Series("sent", "sent", [10, 0, 5]), Series("failed", "bad", [10, 0, 0])],
        width=300, height=116,
    )
    assert chart.maximum == 20 and chart.plot_height == 100
    heights = [(b.css, b.height, b.y) for b in chart.bars]
    assert heights == [("sent", 50.0, 50.0), ("bad", 50.0, 0.0), ("sent", 25.0, 75.0)]
    assert chart.bars[0].x == 1.0 and chart.bars[0].width == 98.0
    assert chart.bars[0].title == "a: 10 sent"


def test_ticks_count_back_from_the_last_label():
    chart = charts.stacked_bars([str(n) for n in range(10)], [Series("s", "s", [1] * 10)],
                                every=4)
    assert [t.label for t in chart.ticks] == ["1", "5", "9"]


def test_an_empty_chart_has_no_bars():
    chart = charts.stacked_bars(["a", "b"], [Series("s", "s", [0, 0])])
    assert chart.bars == [] and chart.maximum == 0


def test_a_gauge_is_ok_warn_or_bad_against_its_marks():
    marks = {"warn": 0.02, "pause": 0.04}
    assert charts.gauge(0.01, 0.06, marks, "1 %", width=600).css == "ok"
    warn = charts.gauge(0.03, 0.06, marks, "3 %", width=600)
    assert (warn.css, warn.fill, [m.x for m in warn.marks]) == ("warn", 300.0, [200.0, 400.0])
    assert charts.gauge(0.5, 0.06, marks, "50 %", width=600).fill == 600.0
    assert charts.gauge(0.05, 0.06, marks, "5 %").css == "bad"
    assert charts.gauge(None, 0.06, marks, "n/a").css == "ok"


def test_the_y_axis_marks_zero_a_whole_middle_and_the_tallest_stack():
    chart = charts.stacked_bars(["a", "b"], [Series("s", "s", [401, 7])], width=200, height=116)
    assert [(level.y, level.label) for level in chart.levels] == [
        (100, "0"), (50.1, "200"), (0.0, "401")
    ]
    one = charts.stacked_bars(["a"], [Series("s", "s", [1])], width=200, height=116)
    assert [level.label for level in one.levels] == ["0", "1"]
