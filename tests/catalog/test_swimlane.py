"""The swimlane diagram: valid XML, every step and interface, accessible texts."""

import xml.etree.ElementTree as ET

import pytest
from django.utils import translation

from dialoq.catalog.models import KeyProcessVersion, VersionStatus
from dialoq.catalog.swimlane import (
    LaneInterface,
    LaneStep,
    key_process_swimlane,
    swimlane_svg,
)
from dialoq.measures.charts import ChartText

SVG = "{http://www.w3.org/2000/svg}"


@pytest.fixture(autouse=True)
def english():
    with translation.override("en"):
        yield


def _texts(root) -> str:
    return " ".join(" ".join(node.itertext()) for node in root.iter(f"{SVG}text"))


def test_a_built_in_process_draws_every_step_and_interface(db):
    version = KeyProcessVersion.objects.get(
        process__key="hilfeplanverfahren", status=VersionStatus.IN_FORCE
    )
    root = ET.fromstring(  # noqa: S314
        str(key_process_swimlane(version))
    )
    assert root.get("role") == "img"
    title = root.find(f"{SVG}title")
    desc = root.find(f"{SVG}desc")
    assert root.get("aria-labelledby") == f"{title.get('id')} {desc.get('id')}"
    assert "Help plan procedure" in title.text
    steps = list(version.steps.order_by("order"))
    interfaces = list(version.interfaces.all())
    assert f"{len(steps)} steps" in desc.text
    assert f"{len(interfaces)} interfaces" in desc.text
    tooltips = [group.find(f"{SVG}title").text for group in root.iter(f"{SVG}g")]
    for number, step in enumerate(steps, start=1):
        assert any(t.startswith(f"Step {number}: {step.title}") for t in tooltips)
    for item in interfaces:
        assert any(item.subject in t and item.trigger in t for t in tooltips)
    assert len(root.findall(f".//{SVG}line")) == len(interfaces)
    text = _texts(root)
    for lane in ("Funder", "Provider", "Beneficiary"):
        assert lane in text


def test_steps_sit_in_the_lane_of_their_party_and_run_downwards():
    steps = [
        LaneStep(1, "a", "Anfrage", "funder"),
        LaneStep(2, "b", "Erstkontakt", "provider"),
        LaneStep(3, "c", "Mitwirkung", "beneficiary"),
    ]
    interfaces = [
        LaneInterface("a", "funder", "provider", "Anfrage", "sofort", "written"),
        LaneInterface("", "beneficiary", "funder", "Beschwerde", "jederzeit"),
        LaneInterface("b", "provider", "provider", "Übergabe", "intern"),
    ]
    svg = str(swimlane_svg(steps, interfaces, text=ChartText("t", "T", "D")))
    root = ET.fromstring(  # noqa: S314
        svg
    )
    boxes = [g.find(f"{SVG}rect") for g in root.iter(f"{SVG}g")]
    boxes = [box for box in boxes if box is not None]
    centres = [float(b.get("x")) + float(b.get("width")) / 2 for b in boxes]
    assert centres == sorted(centres)  # funder, provider, beneficiary lanes
    tops = [float(b.get("y")) for b in boxes]
    assert tops == sorted(tops)
    lines = root.findall(f".//{SVG}line")
    first = lines[0]
    assert float(first.get("x1")) < float(first.get("x2"))  # funder → provider
    # the interface without a step comes last and points from right to left
    assert "Beschwerde" in svg.split("Übergabe")[-1]
    last = lines[-1]
    assert float(last.get("x1")) > float(last.get("x2"))
    assert all(line.get("marker-end") for line in lines)
    assert "When: jederzeit" in _texts(root)


def test_texts_are_escaped_and_long_texts_wrapped():
    steps = [LaneStep(1, "a", '<script>alert("x")</script> & mehr ' * 4, "funder")]
    interfaces = [LaneInterface("a", "funder", "beneficiary", "Sehr " * 60, "bald")]
    svg = str(swimlane_svg(steps, interfaces, text=ChartText("x&y", "T & U", "D")))
    root = ET.fromstring(  # noqa: S314
        svg
    )  # still valid XML
    assert "<script>" not in svg
    assert root.find(f"{SVG}title").text == "T & U"
    lines = [node.text for node in root.iter(f"{SVG}text")]
    assert any(line.endswith("…") for line in lines)
    assert max(len(line) for line in lines) < 80
