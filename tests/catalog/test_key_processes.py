"""Key processes on screen: list, page with swimlane, editor with formsets, personas."""

import pytest
from django.urls import reverse

from dialoq.catalog import process_services
from dialoq.catalog.models import KeyProcess, KeyProcessVersion, VersionStatus
from tests.catalog.standards_factories import make_key_process

LIST = reverse("catalog:processes")
CREATE = reverse("catalog:process_create")


def _management(prefix, total, initial=0):
    return {
        f"{prefix}-TOTAL_FORMS": str(total),
        f"{prefix}-INITIAL_FORMS": str(initial),
        f"{prefix}-MIN_NUM_FORMS": "0",
        f"{prefix}-MAX_NUM_FORMS": "1000",
    }


def _data(steps, interfaces, *, initial=(0, 0), **changes):
    """Return the posted form: rows, one empty row each, the management forms.

    ``initial`` gives the numbers of steps and interfaces the page showed.
    """
    data = {
        "title": "Hilfeplanung Jugendamt",
        "title_en": "Help planning",
        "purpose": "Gemeinsam planen.",
        "legal_basis": "§ 36 SGB VIII",
        "source": "",
        "change_note": "",
        **_management("steps", len(steps) + 1, initial[0]),
        **_management("interfaces", len(interfaces) + 1, initial[1]),
    }
    for index, step in enumerate(steps):
        for name, value in step.items():
            data[f"steps-{index}-{name}"] = value
    for index, item in enumerate(interfaces):
        for name, value in item.items():
            data[f"interfaces-{index}-{name}"] = value
    # one untouched empty row each, as the page sends them
    data[f"steps-{len(steps)}-responsible"] = ""
    data[f"interfaces-{len(interfaces)}-medium"] = ""
    data.update(changes)
    return data


STEPS = [
    {
        "order": "2",
        "key": "gespraech",
        "title": "Hilfeplangespräch",
        "responsible": "funder",
    },
    {"order": "1", "key": "anfrage", "title": "Anfrage", "responsible": "funder"},
    {"order": "3", "key": "bericht", "title": "Bericht", "responsible": "provider"},
]
INTERFACES = [
    {
        "order": "1",
        "step": "bericht",
        "from_party": "provider",
        "to_party": "funder",
        "subject": "Entwicklungsbericht",
        "trigger": "14 Tage vorher",
        "medium": "written",
        "consensus": "Gespräch",
    },
]


def _error_of(html, field):
    marker = f'id="id_{field}_error">'
    assert marker in html, f"no error shown at {field}"
    return html.split(marker)[1].split("</div>")[0]


@pytest.fixture
def own(world):
    return make_key_process(world.funder, key="jugendamt-hilfeplanung")


@pytest.fixture
def draft(own):
    return process_services.do_start_process_draft(None, own.process)


def test_the_list_shows_the_built_in_processes(world, client_for):
    response = client_for(world.people.provider_a).get(LIST)
    assert response.status_code == 200
    for title in (
        "Help plan procedure (§ 36 SGB VIII)",
        "Counselling and integration into work (SGB II, cooperation plan)",
        "Overall plan procedure of integration assistance (SGB IX)",
        "Complaints procedure",
        "Crisis intervention and child protection (§ 8a SGB VIII)",
    ):
        assert title in response.text


def test_the_process_page_shows_swimlane_tables_and_standards(world, client_for):
    url = reverse("catalog:process", args=["hilfeplanverfahren"])
    response = client_for(world.people.funder).get(url)
    assert response.status_code == 200
    text = response.text
    assert '<svg xmlns="http://www.w3.org/2000/svg" class="swimlane" role="img"' in text
    assert "Entwicklungsbericht zu Verlauf, Zielerreichung und Empfehlung" in text
    assert "mindestens 14 Tage vor der Fortschreibung" in text
    assert '<th scope="col">In which form</th>' in text
    assert reverse("catalog:standard", args=["hilfeplan-6-wochen"]) in text
    assert "Built-in key processes are read-only." in text


def test_an_outsider_cannot_see_an_organisations_own_process(
    world, client_for, own, draft
):
    client = client_for(world.people.outsider)
    assert own.title_en not in client.get(LIST).text
    key = own.process.key
    for url in (
        reverse("catalog:process", args=[key]),
        reverse("catalog:process_version", args=[key, 1]),
        reverse("catalog:process_copy", args=[key]),
        reverse("catalog:process_version_edit", args=[key, 2]),
        reverse("catalog:process_put_in_force", args=[key, 2]),
    ):
        assert client.get(url).status_code == 404, url


def test_partners_read_an_own_process_but_do_not_change_it(
    world, client_for, verified_client_for, qm, own, draft
):
    key = own.process.key
    for client in (
        client_for(world.people.provider_a),
        verified_client_for(qm.provider_a),
    ):
        assert client.get(reverse("catalog:process", args=[key])).status_code == 200
        edit = reverse("catalog:process_version_edit", args=[key, 2])
        assert client.get(edit).status_code == 403
        assert client.post(edit, _data(STEPS, INTERFACES)).status_code == 403
    assert draft.steps.count() == 2


def test_the_owner_edits_steps_and_interfaces_of_a_draft(
    world, verified_client_for, qm, own, draft
):
    url = reverse("catalog:process_version_edit", args=[own.process.key, 2])
    client = verified_client_for(qm.funder)
    page = client.get(url)
    assert page.status_code == 200
    assert 'value="erstkontakt"' in page.text
    response = client.post(url, _data(STEPS, INTERFACES, change_note="Bericht neu"))
    assert response.status_code == 302
    draft.refresh_from_db()
    assert [s.key for s in draft.steps.order_by("order")] == [
        "anfrage",
        "gespraech",
        "bericht",
    ]
    item = draft.interfaces.get()
    assert (item.step.key, item.form, item.subject) == (
        "bericht",
        "written",
        "Entwicklungsbericht",
    )
    assert draft.change_note == "Bericht neu"
    assert own.steps.count() == 2  # the version in force is unchanged


def test_step_and_interface_errors_are_shown_and_nothing_is_saved(
    world, verified_client_for, qm, own, draft
):
    url = reverse("catalog:process_version_edit", args=[own.process.key, 2])
    client = verified_client_for(qm.funder)
    keep = [{**INTERFACES[0], "step": ""}]  # the draft's one interface, kept
    twice = [STEPS[0], {**STEPS[1], "key": "gespraech"}]
    response = client.post(url, _data(twice, keep))
    # rows are taken in the order of their position: "Anfrage" (1) comes first
    assert "Another step has this key" in _error_of(response.text, "steps-0-key")
    unknown = [{**INTERFACES[0], "step": "bericht"}]
    response = client.post(url, _data(STEPS[:2], unknown))
    assert "Select a valid choice. bericht is not one" in _error_of(
        response.text, "interfaces-0-step"
    )
    saved = [
        {"order": "1", "key": "anfrage", "title": "Anfrage", "responsible": "funder"},
        {
            "order": "2",
            "key": "erstkontakt",
            "title": "Erstkontakt",
            "responsible": "provider",
            "DELETE": "on",
        },
    ]
    gone = [{**INTERFACES[0], "step": "erstkontakt"}]
    response = client.post(url, _data(saved, gone, initial=(2, 1)))
    assert "no longer part of the process" in _error_of(
        response.text, "interfaces-0-step"
    )
    removed = [{**row, "DELETE": "on"} for row in saved]
    response = client.post(url, _data(removed, keep, initial=(2, 1)))
    assert "Add at least one step." in response.text
    bad = [{**STEPS[0], "responsible": "court"}]
    response = client.post(url, _data(bad, keep))
    assert _error_of(response.text, "steps-0-responsible")
    assert [s.key for s in draft.steps.order_by("order")] == ["anfrage", "erstkontakt"]


def test_a_removed_row_is_dropped(world, verified_client_for, qm, own, draft):
    url = reverse("catalog:process_version_edit", args=[own.process.key, 2])
    steps = [*STEPS[:2], {**STEPS[2], "DELETE": "on"}]
    interfaces = [{**INTERFACES[0], "step": "anfrage", "DELETE": "on"}]
    response = verified_client_for(qm.funder).post(url, _data(steps, interfaces))
    assert response.status_code == 302
    assert draft.steps.count() == 2
    assert draft.interfaces.count() == 0


def test_qm_officer_copies_a_built_in_process_with_its_steps(
    world, verified_client_for, qm
):
    client = verified_client_for(qm.funder)
    url = reverse("catalog:process_copy", args=["beschwerdeverfahren"])
    page = client.get(url)
    assert page.status_code == 200
    assert "beschwerdeverfahren-eigen" in page.text
    built_in = KeyProcessVersion.objects.get(
        process__key="beschwerdeverfahren", status=VersionStatus.IN_FORCE
    )
    content = process_services.process_content(built_in)
    steps = [
        {"order": str(i), **{k: v for k, v in s.items()}}
        for i, s in enumerate(content["steps"], start=1)
    ]
    interfaces = [
        {
            "order": str(i),
            "step": item["step"],
            "from_party": item["from_party"],
            "to_party": item["to_party"],
            "subject": item["subject"],
            "trigger": item["trigger"],
            "medium": item["form"],
            "consensus": item["consensus"],
        }
        for i, item in enumerate(content["interfaces"], start=1)
    ]
    data = _data(
        steps,
        interfaces,
        initial=(len(steps), len(interfaces)),
        key="beschwerden-jugendamt",
        owner=world.funder.pk,
    )
    response = client.post(url, data)
    ctx = response.context
    assert response.status_code == 302, (
        ctx["form"].errors,
        ctx["interfaces"].errors,
        ctx["steps"].non_form_errors(),
    )
    copy = KeyProcessVersion.objects.get(process__key="beschwerden-jugendamt")
    assert copy.process.owner == world.funder
    assert copy.status == VersionStatus.DRAFT
    assert process_services.process_content(copy)["steps"] == content["steps"]
    assert process_services.process_content(copy)["interfaces"] == content["interfaces"]


def test_a_caseworker_may_not_create_a_process(world, client_for):
    client = client_for(world.people.provider_a)
    assert client.get(CREATE).status_code == 403
    assert client.post(CREATE, _data(STEPS, [])).status_code == 403
    assert not KeyProcess.objects.filter(owner=world.provider_a).exists()


def test_put_in_force_retires_the_old_version(
    world, verified_client_for, qm, own, draft
):
    client = verified_client_for(qm.funder)
    url = reverse("catalog:process_put_in_force", args=[own.process.key, 2])
    assert client.get(url).status_code == 200
    response = client.post(url)
    assert response["Location"] == reverse("catalog:process", args=[own.process.key])
    statuses = dict(own.process.versions.values_list("version", "status"))
    assert statuses == {1: "retired", 2: "in_force"}


def test_a_process_without_steps_does_not_go_into_force(
    world, verified_client_for, qm, own, draft
):
    draft.steps.all().delete()
    url = reverse("catalog:process_put_in_force", args=[own.process.key, 2])
    response = verified_client_for(qm.funder).post(url)
    assert response.status_code == 200
    assert "A key process needs at least one step." in response.text
    statuses = dict(own.process.versions.values_list("version", "status"))
    assert statuses == {1: "in_force", 2: "draft"}


def test_putting_a_process_in_force_is_atomic(world, own, draft, monkeypatch):
    original_save = KeyProcessVersion.save

    def failing_save(self, *args, **kwargs):
        if self.pk == draft.pk and self.status == VersionStatus.IN_FORCE:
            raise RuntimeError("database went away")
        return original_save(self, *args, **kwargs)

    monkeypatch.setattr(KeyProcessVersion, "save", failing_save)
    with pytest.raises(RuntimeError):
        process_services.do_put_process_in_force(draft)
    statuses = dict(own.process.versions.values_list("version", "status"))
    assert statuses == {1: "in_force", 2: "draft"}


def test_the_version_page_shows_the_changes(world, client_for, own, draft):
    step = draft.steps.get(key="erstkontakt")
    step.title = "Erster Kontakt"
    step.save()
    url = reverse("catalog:process_version", args=[own.process.key, 2])
    response = client_for(world.people.funder).get(url)
    assert response.status_code == 200
    assert "+ Step 2 (erstkontakt): Erster Kontakt – Provider" in response.text
    assert "− Step 2 (erstkontakt): Erstkontakt – Provider" in response.text
