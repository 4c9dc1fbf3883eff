"""Putting a draft in force: only the owner's QM officers, atomically, one in force."""

import pytest
from django.urls import reverse

from dialoq.catalog import services
from dialoq.catalog.models import IndicatorVersion, VersionStatus
from dialoq.measures.conditions import DefinitionError
from tests.catalog.factories import PLANNED_ENDINGS, make_indicator, make_version


@pytest.fixture
def draft(funder_indicator):
    """Return version 2 (a draft with a higher target) of the funder's indicator."""
    return make_version(
        funder_indicator.definition,
        status=VersionStatus.DRAFT,
        spec={**PLANNED_ENDINGS, "target": 0.8},
    )


def _url(version):
    return reverse(
        "catalog:version_put_in_force", args=[version.definition.key, version.version]
    )


def _statuses(definition):
    return dict(definition.versions.values_list("version", "status"))


def test_owner_puts_a_draft_in_force_and_the_old_version_retires(
    world, verified_client_for, qm, draft
):
    """Exactly one version is in force afterwards: the former draft."""
    client = verified_client_for(qm.funder)
    page = client.get(_url(draft))
    assert page.status_code == 200
    assert "+ " + "  &quot;target&quot;: 0.8" in page.text  # the change is shown
    response = client.post(_url(draft))
    assert response["Location"] == reverse("catalog:indicator", args=[draft.key])
    assert _statuses(draft.definition) == {1: "retired", 2: "in_force"}
    assert draft.definition.current_version().pk == draft.pk


def test_first_version_goes_into_force(world, verified_client_for, qm):
    """A new indicator's first draft goes into force with nothing to retire."""
    first = make_indicator(world.funder, status=VersionStatus.DRAFT)
    response = verified_client_for(qm.funder).post(_url(first))
    assert response.status_code == 302
    assert _statuses(first.definition) == {1: "in_force"}


def test_failure_while_putting_in_force_changes_nothing(
    world, draft, funder_indicator, monkeypatch
):
    """If the second write fails, the first is undone: the old version stays."""
    original_save = IndicatorVersion.save

    def failing_save(self, *args, **kwargs):
        if self.pk == draft.pk and self.status == VersionStatus.IN_FORCE:
            raise RuntimeError("database went away")
        return original_save(self, *args, **kwargs)

    monkeypatch.setattr(IndicatorVersion, "save", failing_save)
    with pytest.raises(RuntimeError):
        services.do_put_in_force(draft)
    assert _statuses(draft.definition) == {1: "in_force", 2: "draft"}


def test_invalid_draft_does_not_go_into_force(world, verified_client_for, qm):
    """A draft whose definition no longer parses is refused with the message."""
    first = make_indicator(world.funder)
    broken = make_version(
        first.definition,
        status=VersionStatus.DRAFT,
        spec={**PLANNED_ENDINGS, "population": "gone_column = 1"},
    )
    response = verified_client_for(qm.funder).post(_url(broken))
    assert response.status_code == 200
    assert "Unknown column “gone_column”" in response.text
    assert _statuses(first.definition) == {1: "in_force", 2: "draft"}
    with pytest.raises(DefinitionError):
        services.do_put_in_force(broken)


def test_only_a_draft_goes_into_force(world, verified_client_for, qm, draft):
    """Versions in force or retired are refused with 403."""
    client = verified_client_for(qm.funder)
    in_force = draft.definition.versions.get(version=1)
    assert client.get(_url(in_force)).status_code == 403
    assert client.post(_url(in_force)).status_code == 403
    with pytest.raises(services.VersionStateError):
        services.do_put_in_force(in_force)


@pytest.mark.parametrize(
    ("person", "status"),
    [("provider_qm", 403), ("case_manager", 403), ("outsider", 404)],
)
def test_others_may_not_put_in_force(
    world, client_for, verified_client_for, qm, draft, person, status
):
    """The provider QM officer and the funder case manager get 403, outsiders 404."""
    client = {
        "provider_qm": lambda: verified_client_for(qm.provider_a),
        "case_manager": lambda: client_for(world.people.funder),
        "outsider": lambda: client_for(world.people.outsider),
    }[person]()
    assert client.get(_url(draft)).status_code == status
    assert client.post(_url(draft)).status_code == status
    assert _statuses(draft.definition) == {1: "in_force", 2: "draft"}
