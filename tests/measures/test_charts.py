"""The SVG charts: valid, accessible images with points and lines where they belong."""

import xml.etree.ElementTree as ET

import pytest
from django.utils import translation

from dialoq.measures.charts import (
    ChartText,
    FunnelLimit,
    FunnelPoint,
    SeriesPoint,
    funnel_plot,
    nice_ticks,
    sparkline,
    time_series,
)
from dialoq.measures.formatting import ValueFormat

SVG = "{http://www.w3.org/2000/svg}"
PERCENT = ValueFormat("percent")


def parse(svg: str) -> ET.Element:
    return ET.fromstring(svg)  # noqa: S314 (our own output, not untrusted)


def texts(root: ET.Element) -> list[str]:
    return [element.text or "" for element in root.iter(f"{SVG}text")]


def polyline_points(element: ET.Element) -> list[float]:
    """Return the polyline's coordinates flat: x1, y1, x2, y2, …"""
    return [
        float(number)
        for pair in element.get("points").split()
        for number in pair.split(",")
    ]


def funnel(**changes):
    arguments = {
        "points": [
            FunnelPoint(cases=50, value=0.5, label="Träger A", highlighted=True),
            FunnelPoint(cases=100, value=0.75, label="Provider 1"),
        ],
        "limits": [
            FunnelLimit(50, 0.25, 0.75, 0.0, 1.0),
            FunnelLimit(100, 0.5, 0.75, 0.25, 1.0),
        ],
        "target": 0.5,
        "text": ChartText("funnel", "Planned endings", "Two providers."),
        "value_format": PERCENT,
        "x_label": "Cases",
    }
    arguments.update(changes)
    return funnel_plot(**arguments)


def test_nice_ticks_are_round_and_cover_the_range():
    """Ticks are multiples of 1, 2, 2.5 or 5 times a power of ten around the data."""
    ticks, step = nice_ticks(0.43, 0.87)
    assert step == 0.1
    assert ticks[0] <= 0.43 and ticks[-1] >= 0.87
    assert ticks == [0.4, 0.5, 0.6, 0.7, 0.8, 0.9]
    assert nice_ticks(0, 105)[0] == [0, 25, 50, 75, 100, 125]
    assert nice_ticks(0, 1)[0] == [0, 0.2, 0.4, 0.6, 0.8, 1.0]
    assert nice_ticks(3, 3)[0][0] < 3 < nice_ticks(3, 3)[0][-1]


def test_nice_ticks_end_for_bounds_that_differ_only_by_rounding():
    """Values equal but for float noise (0.1 + 0.7 vs 0.8) give a few ticks."""
    low, high = 0.8, 0.1 + 0.7  # 0.7999999999999999
    ticks, _step = nice_ticks(low, high)
    assert 3 <= len(ticks) <= 8
    assert ticks[0] < 0.8 < ticks[-1]
    assert nice_ticks(0.3, 0.3 + 1e-15)[0] == nice_ticks(0.3, 0.3)[0]


def test_funnel_plot_is_an_accessible_image():
    """The SVG parses, is an image labelled by its own title and description."""
    root = parse(funnel())
    assert root.tag == f"{SVG}svg"
    assert root.get("role") == "img"
    assert root.get("aria-labelledby") == "funnel-title funnel-desc"
    assert root.find(f"{SVG}title").get("id") == "funnel-title"
    assert root.find(f"{SVG}title").text == "Planned endings"
    assert root.find(f"{SVG}desc").text == "Two providers."
    assert "script" not in funnel().lower()
    assert "style=" not in funnel()


def test_funnel_points_and_limits_lie_at_their_coordinates():
    """x runs 0 to 125 cases over 72–616, y 0–100 % over 344–16: values map there."""
    root = parse(funnel())
    # Plot box: left 72, right 616 (640 − 24), top 16, bottom 344 (400 − 56).
    # x ticks 0…125 (nice ticks of 0–105); y ticks 0 … 1 in steps of 0.2.
    x = lambda cases: 72 + cases / 125 * (616 - 72)  # noqa: E731
    y = lambda value: 344 - value * (344 - 16)  # noqa: E731
    circle = root.find(f".//{SVG}circle")
    assert float(circle.get("cx")) == pytest.approx(x(100), abs=0.1)
    assert float(circle.get("cy")) == pytest.approx(y(0.75), abs=0.1)
    diamond = root.find(f".//{SVG}g/{SVG}rect")
    centre_x = float(diamond.get("x")) + 6
    centre_y = float(diamond.get("y")) + 6
    assert (centre_x, centre_y) == pytest.approx((x(50), y(0.5)), abs=0.1)
    dashed = {}
    for line in root.iter(f"{SVG}polyline"):
        dashed.setdefault(line.get("stroke-dasharray"), []).append(
            polyline_points(line)
        )
    lower_95, upper_95 = dashed["6 4"]
    assert lower_95 == pytest.approx([x(50), y(0.25), x(100), y(0.5)], abs=0.1)
    assert upper_95 == pytest.approx([x(50), y(0.75), x(100), y(0.75)], abs=0.1)
    lower_998, upper_998 = dashed["2 3"]
    assert lower_998 == pytest.approx([x(50), y(0.0), x(100), y(0.25)], abs=0.1)
    assert upper_998[1] == pytest.approx(y(1.0), abs=0.1)
    target = next(
        line
        for line in root.iter(f"{SVG}line")
        if line.get("stroke-width") == "2" and line.get("x1") == "72.0"
    )
    assert float(target.get("y1")) == pytest.approx(y(0.5), abs=0.1)


def test_funnel_axis_labels_read_in_german():
    """Ticks and tooltips use German number formats; the highlighted unit is named."""
    with translation.override("de"):
        root = parse(funnel())
    labels = texts(root)
    assert "20\u00a0%" in labels and "100\u00a0%" in labels
    assert "Träger A" in labels
    tooltips = [title.text for title in root.iter(f"{SVG}title")]
    assert any(tip.startswith("Provider 1: 75,0\u00a0%, 100 ") for tip in tooltips)


def test_funnel_escapes_all_text():
    """Labels and titles with markup characters are escaped, not interpreted."""
    svg = funnel(
        points=[FunnelPoint(10, 0.5, '<script>alert("x")</script>')],
        text=ChartText('a"b', "Title & <b>", "Desc <i>"),
    )
    root = parse(svg)
    assert "<script>" not in svg
    assert root.find(f"{SVG}title").text == "Title & <b>"
    assert root.get("aria-labelledby") == "a-b-title a-b-desc"
    assert '<script>alert("x")</script>' in texts(root)


def test_funnel_without_limits_draws_points_and_target_only():
    """An indicator kind without control limits still shows its units."""
    root = parse(funnel(limits=[], target=None))
    assert list(root.iter(f"{SVG}polyline")) == []
    assert len(list(root.iter(f"{SVG}circle"))) == 2  # one unit, one legend marker


def test_time_series_breaks_at_missing_values():
    """A suppressed period leaves a gap in the line and in the interval band."""
    points = [
        SeriesPoint("Jan", 0.5, 0.4, 0.6),
        SeriesPoint("Feb", 0.6, 0.5, 0.7),
        SeriesPoint("Mär", None),
        SeriesPoint("Apr", 0.7, 0.6, 0.8),
        SeriesPoint("Mai", 0.8, 0.7, 0.9),
    ]
    with translation.override("de"):
        svg = time_series(
            points,
            target=0.75,
            reference_lower=0.6,
            reference_upper=None,
            text=ChartText("series", "Trend", "Five months."),
            value_format=PERCENT,
        )
    root = parse(svg)
    lines = [
        polyline_points(line)
        for line in root.iter(f"{SVG}polyline")
        if line.get("stroke-width") == "2.5"
    ]
    assert [len(line) for line in lines] == [4, 4]  # two points each
    band = (616 - 72) / 5
    assert lines[0][::2] == pytest.approx([72 + band / 2, 72 + band * 1.5])
    assert lines[1][::2] == pytest.approx([72 + band * 3.5, 72 + band * 4.5])
    assert len(list(root.iter(f"{SVG}polygon"))) == 2
    assert {"Jan", "Mai"} <= set(texts(root))
    assert len([c for c in root.iter(f"{SVG}circle")]) == 4


def test_time_series_shows_reference_range_and_target():
    """The reference range is a band up to the top; the target a dashed line."""
    svg = time_series(
        [SeriesPoint("Q1", 0.5), SeriesPoint("Q2", 0.7)],
        target=0.8,
        reference_lower=0.6,
        reference_upper=None,
        text=ChartText("series", "Trend", "Two quarters."),
        value_format=PERCENT,
    )
    root = parse(svg)
    # Box 16–272 (320 − 48); ticks 0.5 … 0.8 by 0.05.
    y = lambda value: 272 - (value - 0.5) / 0.3 * (272 - 16)  # noqa: E731
    band = next(
        rect for rect in root.iter(f"{SVG}rect") if rect.get("fill") == "#dcefe0"
    )
    assert float(band.get("y")) == pytest.approx(16, abs=0.1)
    assert float(band.get("y")) + float(band.get("height")) == pytest.approx(
        y(0.6), abs=0.1
    )
    target = next(
        line
        for line in root.iter(f"{SVG}line")
        if line.get("stroke-dasharray") == "6 4" and line.get("x1") == "72.0"
    )
    assert float(target.get("y1")) == pytest.approx(y(0.8), abs=0.1)


def test_euro_axis_uses_german_grouping():
    """Cost values on the axis read like 1.400 € in German; no band without CIs."""
    with translation.override("de"):
        svg = time_series(
            [SeriesPoint("2025", 1234.5), SeriesPoint("2026", 2100.0)],
            target=None,
            reference_lower=None,
            reference_upper=None,
            text=ChartText("cost", "Cost", "Cost per goal."),
            value_format=ValueFormat("euro"),
        )
    root = parse(svg)
    assert "1.400\u00a0€" in texts(root)
    assert list(root.iter(f"{SVG}rect")) == []


def test_sparkline_is_small_labelled_and_gapped():
    """A sparkline names itself and breaks where a figure is suppressed."""
    svg = sparkline(
        [0.5, 0.6, None, 0.7, 0.8], text=ChartText("trend-1", "Trend", "Rising.")
    )
    root = parse(svg)
    assert root.get("role") == "img"
    assert root.get("aria-labelledby") == "trend-1-title trend-1-desc"
    assert root.get("width") == "96"
    lines = list(root.iter(f"{SVG}polyline"))
    assert len(lines) == 2
    first = polyline_points(lines[0])
    assert first[:2] == [3.0, 25.0]  # the lowest value at the bottom
    last_point = root.findall(f"{SVG}circle")[-1]
    assert (float(last_point.get("cx")), float(last_point.get("cy"))) == (93.0, 3.0)


def test_sparkline_marks_an_isolated_value():
    """A value between two gaps is still visible as a dot."""
    root = parse(sparkline([None, 0.5, None, 0.6], text=ChartText("t", "T", "D")))
    assert len(root.findall(f"{SVG}circle")) == 2
    assert list(root.iter(f"{SVG}polyline")) == []


@pytest.mark.parametrize(
    ("value_format", "value", "german", "english"),
    [
        (ValueFormat("percent"), 0.734375, "73,4\u00a0%", "73.4\u00a0%"),
        (ValueFormat("euro"), 1234.5, "1.234,50\u00a0€", "1,234.50\u00a0€"),
        (ValueFormat("t_score"), 52.06, "52,1", "52.1"),
        (ValueFormat("ratio"), 1.0, "1,00", "1.00"),
        (ValueFormat("percent", signed=True), 0.021, "+2,1\u00a0%", "+2.1\u00a0%"),
        (ValueFormat("percent", signed=True), -0.0001, "0,0\u00a0%", "0.0\u00a0%"),
        (ValueFormat("number", decimals=0), 12.0, "12", "12"),
        (ValueFormat("percent"), None, "–", "–"),
    ],
)
def test_values_read_in_the_current_language(value_format, value, german, english):
    """Shares read as percentages; numbers follow German or English formats."""
    with translation.override("de"):
        assert value_format.value(value) == german
    with translation.override("en"):
        assert value_format.value(value) == english


def test_ranges_and_intervals_name_their_open_side():
    """A one-sided reference range reads "≥ 60,0 %"; an interval joins its ends."""
    shares = ValueFormat("percent")
    with translation.override("de"):
        assert shares.range(0.6, None) == "≥ 60,0\u00a0%"
        assert shares.range(None, 0.1) == "≤ 10,0\u00a0%"
        assert shares.range(None, None) == "–"
        assert shares.interval(0.615, 0.827) == "61,5\u00a0% – 82,7\u00a0%"
        assert shares.interval(None, 0.827) == "–"
        assert shares.tick(0.25, 0.05) == "25\u00a0%"
        assert shares.tick(0.125, 0.025) == "12,5\u00a0%"
