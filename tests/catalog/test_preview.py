"""Check and preview: the definition computed on current data, never stored."""

from datetime import timedelta

import pytest
from django.utils import timezone

from dialoq.cases.models import CaseStatus
from dialoq.measures.models import Result
from tests import factories
from tests.catalog.test_editor import CREATE, _create_data


@pytest.fixture
def closed_cases(world):
    """Close four cases of the funder at provider A last month: three as planned."""
    ended_on = timezone.localdate().replace(day=1) - timedelta(days=10)
    for reason in ("planned", "planned", "planned", "dropout_beneficiary"):
        factories.make_case(
            world.funder,
            world.provider_a,
            status=CaseStatus.CLOSED,
            started_on=ended_on - timedelta(days=200),
            ended_on=ended_on,
            closure_reason=reason,
        )


def _preview_table(html):
    return html.split('<table id="preview">')[1].split("</table>")[0]


def _check(client, organisation):
    data = _create_data(owner=organisation.pk, action="check", reference_lower="0.8")
    return client.post(CREATE, data)


def test_funder_qm_officer_previews_its_figures(
    world, verified_client_for, qm, closed_cases
):
    """The funder's officer sees the funder and its providers; nothing is stored."""
    response = _check(verified_client_for(qm.funder), world.funder)
    html = response.text
    assert "The definition is valid." in html
    assert "Preview for 12 months to" in html
    table = _preview_table(html)
    assert "<td>Jugendamt Testkreis</td>" in table
    assert "Träger A for Jugendamt Testkreis" in table
    assert "75.0\u00a0%" in table
    assert "30.1\u00a0% – 95.4\u00a0%" in table  # Wilson interval of 3 of 4
    assert "<td>not evaluable</td>" in table  # 4 cases, fewer than the minimum 5
    assert not Result.objects.exists()


def test_provider_qm_officer_previews_only_its_own_figures(
    world, verified_client_for, qm, closed_cases
):
    """A provider's officer sees the provider's rows, not the funder as a whole."""
    response = _check(verified_client_for(qm.provider_a), world.provider_a)
    table = _preview_table(response.text)
    assert "Träger A for Jugendamt Testkreis" in table
    assert "<td>Jugendamt Testkreis</td>" not in table


def test_unrelated_qm_officer_previews_no_data_of_others(
    world, verified_client_for, qm, closed_cases
):
    """An officer of an unrelated provider sees none of the funder's figures."""
    response = _check(verified_client_for(qm.elsewhere), world.elsewhere)
    assert "The definition is valid." in response.text
    assert "There are no data of your organisation" in response.text
    assert "Jugendamt Testkreis" not in response.text
