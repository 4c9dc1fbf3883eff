"""The radar chart: accessible SVG, one polygon per partner, escaped text."""

import re

import pytest

from dialoq.measures.charts import ChartText
from dialoq.self_assessment.charts import RadarSeries, radar_chart

TEXT = ChartText("radar", "Both <partners>", "Radar chart & table")


def _series(values, marker="circle", dash=""):
    return RadarSeries("Träger A", values, "#0b4f8a", dash, marker)


def test_chart_has_title_description_and_one_polygon_per_series():
    svg = radar_chart(
        ["1 Führung", "2 Personal", "3 Prozesse"],
        [_series([100, 50, 0]), _series([25, 75, None], "square", "6 4")],
        text=TEXT,
    )
    assert svg.startswith(
        '<svg xmlns="http://www.w3.org/2000/svg" class="chart" role="img"'
    )
    assert 'aria-labelledby="radar-title radar-desc"' in svg
    assert '<title id="radar-title">Both &lt;partners&gt;</title>' in svg
    assert '<desc id="radar-desc">Radar chart &amp; table</desc>' in svg
    series = re.findall(r'<polygon points="[^"]+" fill="#0b4f8a"', svg)
    assert len(series) == 2
    assert svg.count("<circle") == 3 + 1 and svg.count("<rect") == 3 + 1
    assert 'stroke-dasharray="6 4"' in svg
    assert "style=" not in svg


def test_points_lie_at_their_share_of_the_radius():
    """100 on the first axis lies straight above the centre at the full radius."""
    svg = radar_chart(["a", "b", "c", "d"], [_series([100, 0, 0, 0])], text=TEXT)
    polygon = re.search(r'<polygon points="([^"]+)" fill="#0b4f8a"', svg).group(1)
    points = [tuple(map(float, p.split(","))) for p in polygon.split()]
    centre = points[1]  # 0 lies at the centre
    assert points[2] == centre == points[3]
    assert points[0][0] == pytest.approx(centre[0]) and points[0][1] < centre[1]


def test_fewer_than_three_axes_or_wrong_lengths_are_refused():
    with pytest.raises(ValueError):
        radar_chart(["a", "b"], [_series([1, 2])], text=TEXT)
    with pytest.raises(ValueError):
        radar_chart(["a", "b", "c"], [_series([1, 2])], text=TEXT)
