"""Creating, copying and changing indicators: who may, and what bad input shows."""

import pytest
from django.db import connection
from django.urls import reverse
from django.utils import translation

from dialoq.catalog.models import IndicatorDefinition, IndicatorVersion, VersionStatus
from dialoq.measures.spec import parse_spec
from tests.catalog.conftest import HTMX
from tests.catalog.factories import PLANNED_ENDINGS, make_criterion

CREATE = reverse("catalog:indicator_create")

TEXTS = {
    "title": "Planmäßige Beendigungen SPFH",
    "title_en": "Planned endings SPFH",
    "quality_goal": "Hilfen enden wie im Hilfeplan vereinbart.",
    "rationale": "Abbrüche sind ein Warnsignal.",
    "source": "§ 36 SGB VIII",
    "change_note": "",
}
DEFINITION = {
    "kind": "rate",
    "fact": "cases",
    "period_date": "ended_on",
    "population": "status = 'closed' and code_book = 'SGB VIII'",
    "numerator": "planned_ending = true",
    "scale": "nominal",
    "unit": "percent",
    "direction": "higher_is_better",
    "reference_type": "fixed",
    "reference_lower": "0.6",
    "target": "0.75",
    "minimum_cases": "5",
    "periods": ["month", "quarter", "year", "rolling12"],
    "units": ["whole", "funder", "provider", "service_type", "team"],
    "interval": "wilson",
}


def _create_data(**changes):
    criterion = make_criterion()
    return {
        "key": "planned-endings-spfh",
        "criterion": criterion.pk,
        **TEXTS,
        **DEFINITION,
        **changes,
    }


def _edit_data(**changes):
    return {**TEXTS, **DEFINITION, **changes}


def _error_of(html, field):
    """Return the text of a field's error box."""
    marker = f'id="id_{field}_error">'
    assert marker in html, f"no error shown at {field}"
    return html.split(marker)[1].split("</div>")[0]


# --- create ----------------------------------------------------------------------


def test_funder_qm_officer_creates_an_own_indicator_as_draft(
    world, verified_client_for, qm
):
    """The new indicator belongs to the officer's organisation; version 1 is a draft."""
    data = _create_data(owner=world.funder.pk)
    response = verified_client_for(qm.funder).post(CREATE, data)
    assert response.status_code == 302
    definition = IndicatorDefinition.objects.get(key="planned-endings-spfh")
    assert definition.owner == world.funder
    version = definition.versions.get()
    assert (version.version, version.status) == (1, VersionStatus.DRAFT)
    assert version.created_by == qm.funder
    assert version.title_en == "Planned endings SPFH"
    assert version.spec["reference"] == {"type": "fixed", "lower": 0.6}
    assert "periods" not in version.spec  # defaults stay implicit
    assert parse_spec(version.spec).target == 0.75


def test_owner_must_be_an_organisation_the_officer_defines_for(
    world, verified_client_for, qm
):
    """A QM officer cannot create an indicator in another organisation's name."""
    data = _create_data(owner=world.provider_a.pk)
    response = verified_client_for(qm.funder).post(CREATE, data)
    assert response.status_code == 200
    assert "Select a valid choice" in _error_of(response.text, "owner")
    assert not IndicatorDefinition.objects.filter(key="planned-endings-spfh").exists()


def test_caseworker_and_outsider_may_not_create(world, client_for):
    """Members who do not define indicators get 403 on the create page."""
    for person in (world.people.provider_a, world.people.funder, world.people.outsider):
        client = client_for(person)
        assert client.get(CREATE).status_code == 403
        assert client.post(CREATE, _create_data()).status_code == 403


def test_key_must_be_unique(world, verified_client_for, qm, funder_indicator):
    """A key in use is refused with a message at the key."""
    data = _create_data(owner=world.funder.pk, key=funder_indicator.key)
    response = verified_client_for(qm.funder).post(CREATE, data)
    assert "exists already" in _error_of(response.text, "key")


# --- bad definitions -------------------------------------------------------------


@pytest.mark.parametrize(
    ("changes", "field", "message"),
    [
        (
            {"population": "unknown_column = 1"},
            "population",
            "Unknown column “unknown_column”",
        ),
        (
            {
                "kind": "mean",
                "numerator": "",
                "value": "days_to_start",
                "scale": "ordinal",
                "unit": "days",
                "reference_type": "none",
                "reference_lower": "",
            },
            "scale",
            "Ordinal and nominal values get medians and shares, never means",
        ),
        (
            {"population": "status = 'x'; drop table catalog_indicatorversion"},
            "population",
            "Cannot read the condition",
        ),
        ({"numerator": "1=1 --"}, "numerator", "Cannot read the condition"),
        (
            {"population": "status = 'closed' or 1=1"},
            "population",
            "Expected a column name",
        ),
        (
            {"population": "status = 'closed' union select 1"},
            "population",
            "Unexpected “union”",
        ),
        ({"strata": "no_such_column"}, "strata", "Unknown column “no_such_column”"),
        ({"reference_lower": "60"}, "reference_lower", "share between 0 and 1"),
        ({"value": "t_score"}, "value", "Only a mean or a median takes"),
        ({"period_date": "status"}, "period_date", "must name a date column"),
        ({"kind": "oe"}, "risk_covariates", "needs at least one risk covariate"),
        (
            {
                "kind": "ratio",
                **{name: "" for name in ("fact", "period_date", "population")},
                "numerator": "",
                "numerator_measure_fact": "cases",
                "numerator_measure_aggregate": "sum",
                "numerator_measure_date": "ended_on",
            },
            "numerator_measure_column",
            "adds up a column",
        ),
        (
            {"numerator_measure_fact": "cases"},
            "numerator_measure_fact",
            "Only ratios and changes use measures",
        ),
    ],
)
def test_invalid_definition_is_refused_with_the_message_at_its_field(
    world, verified_client_for, qm, funder_indicator, changes, field, message
):
    """Nothing is saved; parse_spec's message is shown next to the field."""
    draft = _draft_of(funder_indicator)
    url = reverse("catalog:version_edit", args=[funder_indicator.key, draft.version])
    response = verified_client_for(qm.funder).post(url, _edit_data(**changes))
    assert response.status_code == 200
    assert message in _error_of(response.text, field)
    draft.refresh_from_db()
    assert draft.spec == PLANNED_ENDINGS
    tables = connection.introspection.table_names()
    assert "catalog_indicatorversion" in tables


def test_numerator_with_a_trailing_comment_is_not_read(world, verified_client_for, qm):
    """A comment marker is no part of the condition language."""
    data = _create_data(owner=world.funder.pk, numerator="planned_ending = true --")
    response = verified_client_for(qm.funder).post(CREATE, data)
    assert "Cannot read the condition" in _error_of(response.text, "numerator")


def _draft_of(version):
    from dialoq.catalog.services import do_start_draft

    return do_start_draft(None, version.definition)


# --- check and preview without saving -------------------------------------------


def test_check_without_javascript_shows_the_result_on_the_page(
    world, verified_client_for, qm
):
    """The check button works as a plain form post and saves nothing."""
    data = _create_data(owner=world.funder.pk, action="check")
    response = verified_client_for(qm.funder).post(CREATE, data)
    assert response.status_code == 200
    assert "<html" in response.text
    assert "The definition is valid." in response.text
    assert not IndicatorDefinition.objects.filter(key="planned-endings-spfh").exists()


def test_check_with_htmx_returns_the_form_only(world, verified_client_for, qm):
    """With htmx only the form is swapped, with the check result or the errors."""
    client = verified_client_for(qm.funder)
    data = _create_data(owner=world.funder.pk, action="check")
    response = client.post(CREATE, data, headers=HTMX)
    assert response.status_code == 200
    assert "<html" not in response.text
    assert response.text.lstrip().startswith('<form id="definition-form"')
    assert "The definition is valid." in response.text
    data["population"] = "nonsense ="
    response = client.post(CREATE, data, headers=HTMX)
    assert "<html" not in response.text
    assert "Unknown column “nonsense”" in _error_of(response.text, "population")


def test_choosing_a_fact_lists_its_columns(world, verified_client_for, qm):
    """The column help follows the chosen fact."""
    client = verified_client_for(qm.funder)
    assert "<code>planned_ending</code>" in client.get(CREATE).text
    response = client.post(
        CREATE, {"action": "columns", "fact": "goal_ratings"}, headers=HTMX
    )
    assert response.text.lstrip().startswith('<div id="fact-columns"')
    assert "<code>perspective</code>" in response.text
    assert "<code>&#x27;beneficiary&#x27;</code> (Beneficiary)" in response.text
    assert "<code>planned_ending</code>" not in response.text


# --- copy --------------------------------------------------------------------------


def test_qm_officer_copies_a_built_in_indicator_as_own(
    world, verified_client_for, qm, built_in
):
    """The copy is a new definition of the organisation; the original is untouched."""
    client = verified_client_for(qm.funder)
    url = reverse("catalog:indicator_copy", args=[built_in.key])
    page = client.get(url)
    assert page.status_code == 200
    assert built_in.title in page.text
    form = page.context["form"]
    data = {
        name: form[name].value() if form[name].value() is not None else ""
        for name in form.fields
    }
    data.update(key="own-copy", owner=world.funder.pk)
    data["criterion"] = built_in.definition.criterion_id
    response = client.post(url, data)
    assert response.status_code == 302, response.context["form"].errors
    copy = IndicatorDefinition.objects.get(key="own-copy")
    assert copy.owner == world.funder
    version = copy.versions.get()
    assert version.status == VersionStatus.DRAFT
    assert parse_spec(version.spec) == parse_spec(built_in.spec)
    built_in.refresh_from_db()
    assert built_in.status == VersionStatus.IN_FORCE
    assert built_in.definition.owner is None


def test_every_built_in_definition_survives_the_form(db):
    """Each built-in definition, loaded into the form and saved, means the same."""
    from dialoq.catalog.forms import DefinitionForm, initial_from_spec

    versions = IndicatorVersion.objects.filter(status=VersionStatus.IN_FORCE)
    assert versions.exists()
    for version in versions:
        with translation.override("en"):
            form = DefinitionForm(initial=initial_from_spec(version.spec))
            data = {
                name: "" if form[name].value() is None else form[name].value()
                for name in form.fields
            }
            bound = DefinitionForm({**data, **TEXTS})
            assert bound.is_valid(), (version.definition.key, bound.errors)
        assert parse_spec(bound.raw_spec) == parse_spec(version.spec), (
            version.definition.key
        )


def test_outsider_cannot_copy_an_indicator_of_others(
    world, verified_client_for, qm, funder_indicator
):
    """A QM officer of an unrelated provider gets 404 for another's indicator."""
    url = reverse("catalog:indicator_copy", args=[funder_indicator.key])
    assert verified_client_for(qm.elsewhere).get(url).status_code == 404


def test_caseworker_cannot_copy(world, client_for, built_in):
    """Copying needs the right to define indicators."""
    url = reverse("catalog:indicator_copy", args=[built_in.key])
    assert client_for(world.people.provider_a).get(url).status_code == 403


# --- new version and draft -------------------------------------------------------


def test_owner_starts_a_draft_copied_from_the_version_in_force(
    world, verified_client_for, qm, funder_indicator
):
    """The new draft is version 2 with the texts and definition of version 1."""
    client = verified_client_for(qm.funder)
    url = reverse("catalog:version_create", args=[funder_indicator.key])
    assert client.get(url).status_code == 200
    response = client.post(url)
    draft = funder_indicator.definition.versions.get(version=2)
    assert response["Location"] == reverse(
        "catalog:version_edit", args=[funder_indicator.key, 2]
    )
    assert draft.status == VersionStatus.DRAFT
    assert draft.spec == funder_indicator.spec
    assert draft.title == funder_indicator.title
    assert draft.created_by == qm.funder
    client.post(url)  # a second click opens the same draft
    assert funder_indicator.definition.versions.count() == 2


def test_owner_changes_a_draft(world, verified_client_for, qm, funder_indicator):
    """Saving a draft stores texts and the assembled definition."""
    draft = _draft_of(funder_indicator)
    url = reverse("catalog:version_edit", args=[funder_indicator.key, draft.version])
    client = verified_client_for(qm.funder)
    assert client.get(url).status_code == 200
    data = _edit_data(target="0.8", change_note="Target raised")
    response = client.post(url, data)
    assert response.status_code == 302
    draft.refresh_from_db()
    assert draft.spec["target"] == 0.8
    assert draft.change_note == "Target raised"
    assert draft.title == TEXTS["title"]


def test_german_numbers_are_read_in_german(
    world, verified_client_for, qm, funder_indicator
):
    """In the German interface a share is typed as 0,6."""
    draft = _draft_of(funder_indicator)
    url = reverse("catalog:version_edit", args=[funder_indicator.key, draft.version])
    client = verified_client_for(qm.funder)
    client.defaults["HTTP_ACCEPT_LANGUAGE"] = "de"
    assert 'value="0,6"' in client.get(url).text
    response = client.post(url, _edit_data(reference_lower="0,65", target="0,8"))
    assert response.status_code == 302
    draft.refresh_from_db()
    assert draft.spec["reference"]["lower"] == 0.65


def test_version_in_force_cannot_be_edited(
    world, verified_client_for, qm, funder_indicator
):
    """Only drafts change; a version in force is refused with 403."""
    url = reverse("catalog:version_edit", args=[funder_indicator.key, 1])
    client = verified_client_for(qm.funder)
    assert client.get(url).status_code == 403
    assert client.post(url, _edit_data()).status_code == 403


def test_provider_qm_officer_cannot_change_the_funders_indicator(
    world, verified_client_for, qm, funder_indicator
):
    """Reading the funder's indicator does not allow drafting or editing it."""
    draft = _draft_of(funder_indicator)
    client = verified_client_for(qm.provider_a)
    for url in (
        reverse("catalog:version_create", args=[funder_indicator.key]),
        reverse("catalog:version_edit", args=[funder_indicator.key, draft.version]),
    ):
        assert client.get(url).status_code == 403
        assert client.post(url, _edit_data()).status_code == 403
    draft.refresh_from_db()
    assert draft.spec == PLANNED_ENDINGS


def test_built_in_indicator_cannot_be_drafted(world, verified_client_for, qm, built_in):
    """Built-in indicators are read-only for everybody."""
    url = reverse("catalog:version_create", args=[built_in.key])
    assert verified_client_for(qm.funder).post(url).status_code == 403
