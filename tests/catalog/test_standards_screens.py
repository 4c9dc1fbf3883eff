"""Process standards on screen: list, page, editor, putting in force; personas."""

import pytest
from django.urls import reverse

from dialoq.catalog import process_services
from dialoq.catalog.models import (
    ProcessStandard,
    ProcessStandardVersion,
    VersionStatus,
)
from dialoq.catalog.standards import RuleError
from tests.catalog.standards_factories import make_standard, make_standard_version

LIST = reverse("catalog:standards")
CREATE = reverse("catalog:standard_create")

RULE = (
    'kind = "deadline"\nanchor = "referral"\nevent = "contact"\n'
    'within = "5 working days"\n'
)


def _form_data(**changes):
    data = {
        "title": "Erstkontakt in 5 Arbeitstagen",
        "title_en": "First contact in 5 working days",
        "quality_goal": "Schneller Beginn.",
        "rationale": "Weniger Abbrüche.",
        "source": "§ 36 SGB VIII",
        "perspective": "interaction",
        "responsible": "provider",
        "severity": "high",
        "key_process": "",
        "step_key": "",
        "rule": RULE,
        "change_note": "",
    }
    data.update(changes)
    return data


def _error_of(html, field):
    marker = f'id="id_{field}_error">'
    assert marker in html, f"no error shown at {field}"
    return html.split(marker)[1].split("</div>")[0]


def _statuses(standard):
    return dict(standard.versions.values_list("version", "status"))


@pytest.fixture
def own(world):
    """Return the version in force of a standard owned by the funder."""
    return make_standard(world.funder, key="jugendamt-erstkontakt")


@pytest.fixture
def draft(own):
    """Return version 2 of the funder's standard, a draft with a shorter deadline."""
    return make_standard_version(
        own.standard,
        status=VersionStatus.DRAFT,
        rule={**own.rule, "within": "7 working days"},
    )


# --- reading ------------------------------------------------------------------


def test_the_list_shows_built_in_standards_with_their_rule_in_words(world, client_for):
    response = client_for(world.people.provider_a).get(LIST)
    assert response.status_code == 200
    assert "First contact at most 10 working days after the referral" in response.text
    assert (
        "The first contact takes place at the latest 10 working days after the "
        "referral." in response.text
    )
    assert "Help plan procedure (§ 36 SGB VIII)" in response.text  # group


def test_the_list_groups_by_perspective(world, client_for):
    response = client_for(world.people.funder).get(LIST, {"group": "perspective"})
    text = response.text
    headings = [
        text.index(f'id="group-{p}"')
        for p in ("business_process", "interaction", "service", "use")
    ]
    assert headings == sorted(headings)
    use = text[headings[3] :]
    assert "The beneficiary took part in the help plan" in use


def test_an_own_standard_is_listed_for_the_owner_and_partners_only(
    world, client_for, own
):
    assert own.title_en in client_for(world.people.funder).get(LIST).text
    assert own.title_en in client_for(world.people.provider_a).get(LIST).text
    outsider = client_for(world.people.outsider).get(LIST)
    assert outsider.status_code == 200
    assert own.title_en not in outsider.text
    assert "First contact at most 10 working days" in outsider.text


def test_the_standard_page_shows_texts_rule_scope_and_versions(world, client_for):
    url = reverse("catalog:standard", args=["spfh-hausbesuch-2-wochen"])
    response = client_for(world.people.provider_a).get(url)
    assert response.status_code == 200
    text = response.text
    assert "Only contacts of these kinds count: face to face or home visit." in text
    assert "every = &quot;2 weeks&quot;" in text  # the rule as TOML
    assert "<code>hze-31-spfh</code>" in text
    assert "§ 31 SGB VIII" in text
    assert "Built-in standards are read-only." in text
    assert (
        reverse("catalog:standard_version", args=["spfh-hausbesuch-2-wochen", 1])
        in text
    )


def test_the_compliance_link_appears_only_when_the_view_exists(world, client_for):
    from dialoq.catalog.process_views import _compliance_url

    standard = ProcessStandard.objects.get(key="kontakt-4-wochen")
    url = _compliance_url(world.people.funder, standard.current_version())
    response = client_for(world.people.funder).get(
        reverse("catalog:standard", args=[standard.key])
    )
    if url is None:
        assert "Compliance with this standard" not in response.text
    else:
        assert url in response.text


@pytest.mark.parametrize("person", ["outsider"])
def test_an_outsider_cannot_see_an_organisations_own_standard(
    world, client_for, own, draft, person
):
    client = client_for(getattr(world.people, person))
    key = own.standard.key
    for url in (
        reverse("catalog:standard", args=[key]),
        reverse("catalog:standard_version", args=[key, 1]),
        reverse("catalog:standard_copy", args=[key]),
        reverse("catalog:standard_version_edit", args=[key, 2]),
        reverse("catalog:standard_put_in_force", args=[key, 2]),
    ):
        assert client.get(url).status_code == 404, url


def test_a_version_page_compares_with_a_chosen_version(world, client_for, draft):
    key = draft.standard.key
    url = reverse("catalog:standard_version", args=[key, 2])
    response = client_for(world.people.funder).get(url, {"compare": 1})
    assert response.status_code == 200
    assert "+ within = &quot;7 working days&quot;" in response.text
    assert "− within = &quot;10 working days&quot;" in response.text
    missing = reverse("catalog:standard_version", args=[key, 9])
    assert client_for(world.people.funder).get(missing).status_code == 404


def test_the_caseworker_reads_but_may_not_change(world, client_for, own, draft):
    client = client_for(world.people.provider_a)
    key = own.standard.key
    page = client.get(reverse("catalog:standard", args=[key]))
    assert page.status_code == 200
    assert "Change draft version" not in page.text
    assert "Copy as a standard" not in page.text
    for url in (
        reverse("catalog:standard_version_create", args=[key]),
        reverse("catalog:standard_version_edit", args=[key, 2]),
        reverse("catalog:standard_put_in_force", args=[key, 2]),
        reverse("catalog:standard_copy", args=[key]),
        CREATE,
    ):
        assert client.get(url).status_code == 403, url
        assert client.post(url, _form_data()).status_code == 403, url
    assert _statuses(own.standard) == {1: "in_force", 2: "draft"}


# --- copying and creating -----------------------------------------------------


def test_funder_qm_officer_copies_a_built_in_standard_as_own_draft(
    world, verified_client_for, qm
):
    client = verified_client_for(qm.funder)
    url = reverse("catalog:standard_copy", args=["erstkontakt-10-arbeitstage"])
    form = client.get(url)
    assert form.status_code == 200
    assert "erstkontakt-10-arbeitstage-eigen" in form.text
    assert "within = &quot;10 working days&quot;" in form.text
    data = _form_data(
        key="erstkontakt-jugendamt",
        owner=world.funder.pk,
        key_process=str(
            process_services.readable_key_processes(qm.funder)
            .get(key="hilfeplanverfahren")
            .pk
        ),
        step_key="erstkontakt",
    )
    response = client.post(url, data)
    assert response.status_code == 302
    version = ProcessStandardVersion.objects.get(standard__key="erstkontakt-jugendamt")
    assert version.standard.owner == world.funder
    assert (version.version, version.status) == (1, VersionStatus.DRAFT)
    assert version.rule == {
        "kind": "deadline",
        "anchor": "referral",
        "event": "contact",
        "within": "5 working days",
    }
    assert (version.key_process.key, version.step_key) == (
        "hilfeplanverfahren",
        "erstkontakt",
    )
    assert version.created_by == qm.funder
    built_in = ProcessStandardVersion.objects.get(
        standard__key="erstkontakt-10-arbeitstage"
    )
    assert built_in.rule["within"] == "10 working days"  # the original is unchanged


def test_built_in_standards_are_read_only_even_for_qm_officers(
    world, verified_client_for, qm
):
    client = verified_client_for(qm.funder)
    key = "erstkontakt-10-arbeitstage"
    page = client.get(reverse("catalog:standard", args=[key]))
    assert "Copy as a standard of your organisation" in page.text
    assert "Start a new version" not in page.text
    assert (
        client.post(reverse("catalog:standard_version_create", args=[key])).status_code
        == 403
    )
    assert (
        client.get(reverse("catalog:standard_version_edit", args=[key, 1])).status_code
        == 403
    )


def test_a_taken_key_is_refused(world, verified_client_for, qm):
    data = _form_data(key="kontakt-4-wochen", owner=world.funder.pk)
    response = verified_client_for(qm.funder).post(CREATE, data)
    assert response.status_code == 200
    assert "The key “kontakt-4-wochen” is taken already" in _error_of(
        response.text, "key"
    )


def test_the_owner_must_be_an_organisation_of_the_qm_officer(
    world, verified_client_for, qm
):
    data = _form_data(key="fremd", owner=world.provider_a.pk)
    response = verified_client_for(qm.funder).post(CREATE, data)
    assert response.status_code == 200
    assert _error_of(response.text, "owner")
    assert not ProcessStandard.objects.filter(key="fremd").exists()


# --- the editor's messages ----------------------------------------------------


@pytest.mark.parametrize(
    ("rule", "message"),
    [
        ('kind = "deadline"\nanchor = ', "The rule is not valid TOML"),
        ('kind = "timer"', "Choose the kind of rule: deadline, max_interval"),
        (
            'kind = "deadline"\nanchor = "referral"\nevent = "contact"\n'
            'within = "zehn Tage"',
            "In “within”: “zehn Tage” is not a duration.",
        ),
        (
            'kind = "max_interval"\nevent = "contact"\nevery = "4 weeks"\n'
            'colour = "red"',
            "In “colour”: “colour” is not part of a rule of this kind.",
        ),
        (
            'kind = "precondition"\nevent = "review"\nbefore = "14 days"',
            "In “requires”: This kind of rule needs “requires”.",
        ),
        (
            'kind = "max_interval"\nevent = "review"\nevery = "6 months"\n'
            '[scope]\nservice_types = ["keine-hilfe"]',
            "In “scope”: Unknown service types: keine-hilfe.",
        ),
        (
            'kind = "max_interval"\nevent = "review"\nevery = "6 months"\n'
            '[scope]\ncode_books = ["SGB 8"]',
            "In “scope”: Unknown: SGB 8.",
        ),
        ("", "This field is required."),
    ],
)
def test_a_bad_rule_is_shown_at_the_rule_field(
    world, verified_client_for, qm, own, draft, rule, message
):
    url = reverse("catalog:standard_version_edit", args=[own.standard.key, 2])
    response = verified_client_for(qm.funder).post(url, _form_data(rule=rule))
    assert response.status_code == 200
    assert message in _error_of(response.text, "rule").replace("&quot;", '"')
    draft.refresh_from_db()
    assert draft.rule["within"] == "7 working days"  # nothing saved


def test_a_step_must_belong_to_the_chosen_key_process(
    world, verified_client_for, qm, own, draft
):
    url = reverse("catalog:standard_version_edit", args=[own.standard.key, 2])
    client = verified_client_for(qm.funder)
    response = client.post(url, _form_data(step_key="erstkontakt"))
    assert "Choose the key process the step belongs to." in _error_of(
        response.text, "step_key"
    )
    process = process_services.readable_key_processes(qm.funder).get(
        key="hilfeplanverfahren"
    )
    response = client.post(
        url, _form_data(key_process=process.pk, step_key="kaffeepause")
    )
    assert "has no step “kaffeepause”. Possible: anfrage, erstkontakt" in _error_of(
        response.text, "step_key"
    )


def test_the_owner_saves_a_draft(world, verified_client_for, qm, own, draft):
    url = reverse("catalog:standard_version_edit", args=[own.standard.key, 2])
    rule = RULE + '\n[scope]\ncode_books = ["SGB VIII"]\n'
    response = verified_client_for(qm.funder).post(
        url, _form_data(rule=rule, change_note="Kürzere Frist")
    )
    assert response["Location"] == reverse(
        "catalog:standard_version", args=[own.standard.key, 2]
    )
    draft.refresh_from_db()
    assert draft.rule["scope"] == {"code_books": ["SGB VIII"]}
    assert (draft.title, draft.perspective, draft.severity) == (
        "Erstkontakt in 5 Arbeitstagen",
        "interaction",
        "high",
    )
    assert draft.change_note == "Kürzere Frist"
    assert _statuses(own.standard) == {1: "in_force", 2: "draft"}


def test_provider_qm_officer_cannot_edit_the_funders_standard(
    world, verified_client_for, qm, own, draft
):
    client = verified_client_for(qm.provider_a)
    key = own.standard.key
    assert client.get(reverse("catalog:standard", args=[key])).status_code == 200
    edit = reverse("catalog:standard_version_edit", args=[key, 2])
    assert client.get(edit).status_code == 403
    assert client.post(edit, _form_data()).status_code == 403
    start = reverse("catalog:standard_version_create", args=[key])
    assert client.post(start).status_code == 403
    # but may copy it as their own
    copy = reverse("catalog:standard_copy", args=[key])
    response = client.post(
        copy, _form_data(key="traeger-a-kopie", owner=world.provider_a.pk)
    )
    assert response.status_code == 302
    assert ProcessStandard.objects.get(key="traeger-a-kopie").owner == world.provider_a
    draft.refresh_from_db()
    assert draft.rule["within"] == "7 working days"


def test_starting_a_new_version_copies_the_newest(world, verified_client_for, qm, own):
    client = verified_client_for(qm.funder)
    url = reverse("catalog:standard_version_create", args=[own.standard.key])
    assert client.get(url).status_code == 200
    response = client.post(url)
    assert response["Location"] == reverse(
        "catalog:standard_version_edit", args=[own.standard.key, 2]
    )
    new = own.standard.versions.get(version=2)
    assert (new.status, new.rule, new.title) == ("draft", own.rule, own.title)
    # a second start returns the open draft
    assert client.post(url)["Location"] == response["Location"]
    assert own.standard.versions.count() == 2


# --- putting in force ---------------------------------------------------------


def test_the_owner_puts_a_draft_in_force_and_the_old_version_retires(
    world, verified_client_for, qm, own, draft
):
    client = verified_client_for(qm.funder)
    url = reverse("catalog:standard_put_in_force", args=[own.standard.key, 2])
    page = client.get(url)
    assert "+ within = &quot;7 working days&quot;" in page.text
    response = client.post(url)
    assert response["Location"] == reverse("catalog:standard", args=[own.standard.key])
    assert _statuses(own.standard) == {1: "retired", 2: "in_force"}


def test_putting_in_force_is_atomic(world, own, draft, monkeypatch):
    """If the second write fails, the first is undone: the old version stays."""
    original_save = ProcessStandardVersion.save

    def failing_save(self, *args, **kwargs):
        if self.pk == draft.pk and self.status == VersionStatus.IN_FORCE:
            raise RuntimeError("database went away")
        return original_save(self, *args, **kwargs)

    monkeypatch.setattr(ProcessStandardVersion, "save", failing_save)
    with pytest.raises(RuntimeError):
        process_services.do_put_standard_in_force(draft)
    assert _statuses(own.standard) == {1: "in_force", 2: "draft"}


def test_a_draft_with_a_broken_rule_does_not_go_into_force(
    world, verified_client_for, qm, own
):
    broken = make_standard_version(
        own.standard,
        status=VersionStatus.DRAFT,
        rule={**own.rule, "scope": {"service_types": ["abgeschafft"]}},
    )
    url = reverse("catalog:standard_put_in_force", args=[own.standard.key, 2])
    response = verified_client_for(qm.funder).post(url)
    assert response.status_code == 200
    assert "Unknown service types: abgeschafft." in response.text
    assert _statuses(own.standard) == {1: "in_force", 2: "draft"}
    with pytest.raises(RuleError):
        process_services.do_put_standard_in_force(broken)


def test_only_a_draft_goes_into_force(world, verified_client_for, qm, own):
    url = reverse("catalog:standard_put_in_force", args=[own.standard.key, 1])
    assert verified_client_for(qm.funder).post(url).status_code == 403
    assert _statuses(own.standard) == {1: "in_force"}


@pytest.mark.parametrize(
    ("person", "status"),
    [("provider_qm", 403), ("case_manager", 403), ("outsider", 404)],
)
def test_others_may_not_put_in_force(
    world, client_for, verified_client_for, qm, own, draft, person, status
):
    client = {
        "provider_qm": lambda: verified_client_for(qm.provider_a),
        "case_manager": lambda: client_for(world.people.funder),
        "outsider": lambda: client_for(world.people.outsider),
    }[person]()
    url = reverse("catalog:standard_put_in_force", args=[own.standard.key, 2])
    assert client.get(url).status_code == status
    assert client.post(url).status_code == status
    assert _statuses(own.standard) == {1: "in_force", 2: "draft"}


def test_the_catalogue_navigation_links_processes_and_standards(world, client_for):
    response = client_for(world.people.funder).get(reverse("catalog:framework"))
    assert "Processes and standards" in response.text
    assert reverse("catalog:processes") in response.text
