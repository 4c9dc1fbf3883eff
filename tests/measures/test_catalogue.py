"""The built-in catalogue: complete, valid, documented, in sync with the database."""

import dataclasses
import shutil
from pathlib import Path

import pytest
from django.urls import reverse

from dialoq.accounts.roles import Role
from dialoq.catalog.models import (
    IndicatorDefinition,
    IndicatorVersion,
    QualityCriterion,
    QualityDimension,
    QualityPerspective,
    VersionStatus,
)
from dialoq.measures.catalogue import (
    CATALOGUE_DIR,
    CatalogueError,
    SyncSummary,
    load_catalogue,
    sync_catalogue,
)
from dialoq.measures.catalogue.docs import render_catalogue, update_document
from dialoq.measures.spec import parse_spec
from tests.factories import make_organisation, make_user

DOCUMENT = Path(__file__).resolve().parents[2] / "docs" / "indicators.md"
REQUIRED_KEYS = (
    "planned-endings",
    "planned-endings-risk-adjusted",
    "gas-t-score-mean",
    "gas-t-score-median",
    "goals-reached",
    "perspective-agreement",
    "needs-improved",
    "need-change-median",
    "satisfaction",
    "reviews-on-time",
    "plans-with-participation",
    "first-contact-within-10-working-days",
    "contact-density",
    "service-hours-per-case",
    "cost-per-case",
    "cost-per-reached-goal",
    "complaints-answered-on-time",
    "deviations-closed-on-time",
    "caseload-per-fte",
    "qualified-staff-share",
    "sgb2-k1",
    "sgb2-k2",
    "sgb2-k3",
)


@pytest.fixture(scope="module")
def catalogue():
    return load_catalogue()


# --- the data -------------------------------------------------------------------


def test_at_least_25_indicators(catalogue):
    assert len(catalogue.indicators) >= 25


def test_required_indicators_exist(catalogue):
    keys = {indicator.key for indicator in catalogue.indicators}
    assert sorted(set(REQUIRED_KEYS) - keys) == []


def test_every_dimension_and_perspective_is_covered(catalogue):
    criteria = {entry.key: entry for entry in catalogue.criteria}
    used = [criteria[indicator.criterion] for indicator in catalogue.indicators]
    assert {c.dimension for c in used} == set(QualityDimension.values)
    assert {c.perspective for c in used} == set(QualityPerspective.values)


def test_every_definition_parses(catalogue):
    for indicator in catalogue.indicators:
        assert parse_spec(indicator.spec) == indicator.parsed, indicator.key


def test_ordinal_values_get_medians_and_shares_only(catalogue):
    ordinal = [i for i in catalogue.indicators if i.parsed.scale == "ordinal"]
    assert ordinal
    assert {i.parsed.kind for i in ordinal} <= {"median", "rate"}


def test_goal_attainment_and_satisfaction_are_stratified(catalogue):
    """GAS scores and reached goals per perspective, satisfaction per aspect."""
    strata = {i.key: i.parsed.strata for i in catalogue.indicators}
    assert strata["gas-t-score-mean"] == ("perspective",)
    assert strata["gas-t-score-median"] == ("perspective",)
    assert strata["goals-reached"] == ("perspective",)
    assert strata["satisfaction"] == ("aspect",)


def test_sgb2_key_figures_cover_twelve_month_periods_only(catalogue):
    for key in ("sgb2-k1", "sgb2-k2", "sgb2-k3"):
        assert catalogue.indicator(key).parsed.periods == ("year", "rolling12"), key


def test_cost_and_caseload_are_ratios_of_sums(catalogue):
    caseload = catalogue.indicator("caseload-per-fte").parsed
    assert caseload.kind == "ratio"
    assert caseload.units == ("whole", "provider", "team")
    assert caseload.numerator_measure.aggregate == "stock"
    assert caseload.denominator_measure.column == "full_time_equivalent"
    per_goal = catalogue.indicator("cost-per-reached-goal").parsed
    assert (
        per_goal.numerator_measure.aggregate,
        per_goal.numerator_measure.column,
    ) == (
        "sum",
        "cost",
    )
    assert per_goal.denominator_measure.column == "goals_reached"


def test_texts_are_complete(catalogue):
    for indicator in catalogue.indicators:
        for name in ("title", "title_en", "quality_goal", "rationale", "source"):
            assert getattr(indicator, name).strip(), (indicator.key, name)
        assert "  " not in indicator.rationale, indicator.key


# --- broken files fail loudly ---------------------------------------------------


@pytest.fixture
def copy(tmp_path):
    """Return a writable copy of the catalogue folder."""
    for path in CATALOGUE_DIR.glob("*.toml"):
        shutil.copy(path, tmp_path / path.name)
    return tmp_path


def _replace(path: Path, old: str, new: str):
    text = path.read_text(encoding="utf-8")
    assert old in text
    path.write_text(text.replace(old, new, 1), encoding="utf-8")


def test_a_broken_definition_names_file_key_and_problem(copy):
    _replace(
        copy / "process.toml",
        'numerator = "on_time = true"',
        'numerator = "on_tme = true"',
    )
    with pytest.raises(CatalogueError) as raised:
        load_catalogue(copy)
    message = str(raised.value)
    assert "process.toml" in message
    assert "reviews-on-time" in message
    assert "on_tme" in message


def test_an_unknown_criterion_is_refused(copy):
    _replace(copy / "outcome.toml", 'criterion = "satisfaction"', 'criterion = "joy"')
    with pytest.raises(CatalogueError, match=r"satisfaction.*unknown criterion “joy”"):
        load_catalogue(copy)


def test_a_duplicate_key_is_refused(copy):
    _replace(copy / "process.toml", 'key = "review-delay-median"', 'key = "dropouts"')
    with pytest.raises(CatalogueError, match="“dropouts” is declared twice"):
        load_catalogue(copy)


def test_a_missing_field_is_refused(copy):
    _replace(copy / "structure.toml", 'title_en = "Cost per ended help"\n', "")
    with pytest.raises(CatalogueError, match=r"cost-per-case.*missing field.*title_en"):
        load_catalogue(copy)


def test_invalid_toml_is_refused(copy):
    (copy / "sgb2.toml").write_text("[[indicator]\nkey = ", encoding="utf-8")
    with pytest.raises(CatalogueError, match=r"sgb2\.toml: not valid TOML"):
        load_catalogue(copy)


def test_a_criterion_without_indicator_is_refused(copy):
    with (copy / "criteria.toml").open("a", encoding="utf-8") as file:
        file.write(
            '\n[[criterion]]\nkey = "empty"\norder = 999\ndimension = "outcome"\n'
            'perspective = "use"\ntitle = "Leer"\ntitle_en = "Empty"\n'
            'description = "Ohne Indikator."\n'
        )
    with pytest.raises(CatalogueError, match="criterion “empty” has no indicator"):
        load_catalogue(copy)


# --- the database ---------------------------------------------------------------


@pytest.mark.django_db
def test_migrate_put_the_catalogue_in_force(catalogue):
    """Every built-in indicator has one version in force, equal to its file entry."""
    built_in = IndicatorDefinition.objects.filter(owner__isnull=True)
    assert built_in.count() == len(catalogue.indicators)
    for entry in catalogue.indicators:
        version = IndicatorVersion.objects.get(
            definition__key=entry.key, status=VersionStatus.IN_FORCE
        )
        assert version.version == 1
        assert version.spec == entry.spec
        assert version.title == entry.title
        assert version.definition.criterion.key == entry.criterion
        assert version.parsed() == entry.parsed
    criterion = QualityCriterion.objects.get(key="participation")
    assert (criterion.dimension, criterion.perspective) == ("process", "interaction")


@pytest.mark.django_db
def test_sync_without_changes_writes_nothing_in_one_query(
    catalogue, django_assert_num_queries
):
    with django_assert_num_queries(1):
        summary = sync_catalogue(catalogue)
    assert summary == SyncSummary()
    assert not summary.changed


def _changed(catalogue, key, **changes):
    indicators = tuple(
        dataclasses.replace(entry, **changes) if entry.key == key else entry
        for entry in catalogue.indicators
    )
    return dataclasses.replace(catalogue, indicators=indicators)


@pytest.mark.django_db
def test_a_changed_definition_puts_a_new_version_in_force(catalogue):
    entry = catalogue.indicator("reviews-on-time")
    spec = {**entry.spec, "target": 0.9}
    changed = _changed(catalogue, "reviews-on-time", spec=spec)

    summary = sync_catalogue(changed)

    assert summary == SyncSummary(versions_created=1, versions_retired=1)
    versions = IndicatorVersion.objects.filter(definition__key="reviews-on-time")
    old, new = versions.get(version=1), versions.get(version=2)
    assert old.status == VersionStatus.RETIRED
    assert new.status == VersionStatus.IN_FORCE
    assert new.spec["target"] == 0.9
    assert new.change_note == "Aktualisierung des mitgelieferten Katalogs"
    assert sync_catalogue(changed) == SyncSummary()


@pytest.mark.django_db
def test_a_changed_text_puts_a_new_version_in_force_with_its_note(catalogue):
    changed = _changed(
        catalogue,
        "dropouts",
        rationale="Neue Begründung.",
        change_note="Begründung präzisiert",
    )
    sync_catalogue(changed)
    current = IndicatorDefinition.objects.get(key="dropouts").current_version()
    assert (current.version, current.rationale) == (2, "Neue Begründung.")
    assert current.change_note == "Begründung präzisiert"


@pytest.mark.django_db
def test_a_changed_criterion_is_updated_in_place(catalogue):
    criteria = tuple(
        dataclasses.replace(entry, title="Neuer Titel")
        if entry.key == "complaints"
        else entry
        for entry in catalogue.criteria
    )
    summary = sync_catalogue(dataclasses.replace(catalogue, criteria=criteria))
    assert summary == SyncSummary(criteria_written=1)
    assert QualityCriterion.objects.get(key="complaints").title == "Neuer Titel"


@pytest.mark.django_db
def test_an_indicator_moved_to_another_criterion_keeps_its_version(catalogue):
    changed = _changed(catalogue, "dropouts", criterion="goal-attainment")
    sync_catalogue(changed)
    definition = IndicatorDefinition.objects.get(key="dropouts")
    assert definition.criterion.key == "goal-attainment"
    assert definition.versions.count() == 1


@pytest.mark.django_db
def test_an_indicator_removed_from_the_files_is_retired(catalogue):
    indicators = tuple(i for i in catalogue.indicators if i.key != "dropouts")
    summary = sync_catalogue(dataclasses.replace(catalogue, indicators=indicators))
    assert summary == SyncSummary(versions_retired=1)
    assert IndicatorDefinition.objects.get(key="dropouts").current_version() is None


@pytest.mark.django_db
def test_an_organisation_indicator_with_a_built_in_key_is_refused(catalogue):
    indicators = tuple(i for i in catalogue.indicators if i.key != "dropouts")
    sync_catalogue(dataclasses.replace(catalogue, indicators=indicators))
    definition = IndicatorDefinition.objects.get(key="dropouts")
    definition.owner = make_organisation()
    definition.save()
    with pytest.raises(CatalogueError, match="“dropouts” is already used"):
        sync_catalogue(catalogue)


# --- who sees it ----------------------------------------------------------------


@pytest.mark.django_db
def test_funder_and_provider_members_read_the_built_in_catalogue(world, client_for):
    """The built-in indicators belong to no one and are shared by both sides."""
    title = IndicatorDefinition.objects.get(key="planned-endings").current_version()
    for user in (world.people.funder, world.people.provider_a):
        response = client_for(user).get(reverse("catalog:framework"))
        assert response.status_code == 200
        assert title.title in response.content.decode()


@pytest.mark.django_db
def test_without_aggregates_permission_nothing_of_the_catalogue_is_shown(
    world, client, client_for
):
    """A committee viewer gets 403; an anonymous visitor is sent to sign in."""
    viewer = make_user(role=Role.COMMITTEE_VIEWER, organisation=world.funder)
    assert client_for(viewer).get(reverse("catalog:framework")).status_code == 403
    response = client.get(reverse("catalog:framework"))
    assert response.status_code == 302
    assert "planned-endings" not in response.content.decode()


# --- the documentation ----------------------------------------------------------


def test_the_documentation_lists_every_key(catalogue):
    text = DOCUMENT.read_text(encoding="utf-8")
    assert "## Built-in catalogue" in text
    for entry in (*catalogue.criteria, *catalogue.indicators):
        assert f"`{entry.key}`" in text, entry.key


def test_the_documentation_is_current(catalogue):
    """Run scripts/catalogue-docs after changing the catalogue files."""
    text = DOCUMENT.read_text(encoding="utf-8")
    assert update_document(text, render_catalogue(catalogue)) == text
