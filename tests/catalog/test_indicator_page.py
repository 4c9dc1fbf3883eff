"""The indicator page and version pages: texts, words, data, history and changes."""

from django.urls import reverse

from tests.catalog.factories import PLANNED_ENDINGS, make_indicator, make_version


def _url(version):
    return reverse("catalog:indicator", args=[version.definition.key])


def test_funder_member_reads_texts_words_data_and_history(
    world, client_for, funder_indicator
):
    """The page shows the texts, the definition in words and as data, the versions."""
    response = client_for(world.people.funder).get(_url(funder_indicator))
    assert response.status_code == 200
    html = response.text
    assert funder_indicator.title_en in html
    assert funder_indicator.quality_goal in html
    assert "Of these, those where “ended according to the help plan” applies." in html
    assert "&quot;numerator&quot;: &quot;planned_ending = true&quot;" in html
    assert "Jugendamt Testkreis" in html  # the owner
    assert reverse("catalog:version", args=[funder_indicator.key, 1]) in html


def test_provider_member_reads_the_funders_indicator(
    world, client_for, funder_indicator
):
    """A caseworker of a partner provider reads the funder's indicator."""
    response = client_for(world.people.provider_a).get(_url(funder_indicator))
    assert response.status_code == 200
    assert "Start a new version" not in response.text


def test_outsider_gets_404_for_an_indicator_of_others(
    world, client_for, funder_indicator
):
    """An unrelated provider's member does not learn that the indicator exists."""
    client = client_for(world.people.outsider)
    assert client.get(_url(funder_indicator)).status_code == 404
    version_url = reverse("catalog:version", args=[funder_indicator.key, 1])
    assert client.get(version_url).status_code == 404


def test_outsider_reads_the_built_in_catalogue(world, client_for, built_in):
    """Built-in indicators are public to every member who sees aggregates."""
    response = client_for(world.people.outsider).get(_url(built_in))
    assert response.status_code == 200
    assert "Built-in catalogue" in response.text


def test_built_in_indicator_offers_a_copy_to_qm_officers(
    world, verified_client_for, qm, built_in
):
    """A QM officer cannot change a built-in indicator but can copy it."""
    html = verified_client_for(qm.funder).get(_url(built_in)).text
    assert reverse("catalog:indicator_copy", args=[built_in.key]) in html
    assert reverse("catalog:version_create", args=[built_in.key]) not in html


def test_caseworker_gets_no_copy_or_edit_link(world, client_for, built_in):
    """Only members who define indicators are offered to copy one."""
    html = client_for(world.people.provider_a).get(_url(built_in)).text
    assert reverse("catalog:indicator_copy", args=[built_in.key]) not in html


def test_owner_qm_officer_is_offered_a_new_version(
    world, verified_client_for, qm, funder_indicator
):
    """The owner's QM officer may start a new version of an own indicator."""
    html = verified_client_for(qm.funder).get(_url(funder_indicator)).text
    assert reverse("catalog:version_create", args=[funder_indicator.key]) in html


def test_partner_qm_officer_may_copy_but_not_change(
    world, verified_client_for, qm, funder_indicator
):
    """The provider's QM officer sees the funder's indicator and may copy it only."""
    html = verified_client_for(qm.provider_a).get(_url(funder_indicator)).text
    assert reverse("catalog:version_create", args=[funder_indicator.key]) not in html
    assert reverse("catalog:indicator_copy", args=[funder_indicator.key]) in html


def test_results_link_points_to_the_results_page(world, client_for, funder_indicator):
    """A version in force links to the indicator's results."""
    html = client_for(world.people.funder).get(_url(funder_indicator)).text
    assert reverse("measures:indicator", args=[funder_indicator.key]) in html


def test_page_shows_the_version_in_force_and_what_changed(world, client_for):
    """After a change the page shows the version in force and a readable diff."""
    first = make_indicator(world.funder, status="retired")
    make_version(
        first.definition,
        spec={**PLANNED_ENDINGS, "target": 0.8},
        change_note="Target raised after the quality dialogue",
        title_en=first.title_en,
        title=first.title,
    )
    html = client_for(world.people.funder).get(_url(first)).text
    assert "What changed in version 2 (against version 1)" in html
    assert "− " + "  &quot;target&quot;: 0.7" in html
    assert "+ " + "  &quot;target&quot;: 0.8" in html
    assert "Target raised after the quality dialogue" in html
    assert "The agreed target is 80.0" in html


def test_version_page_compares_with_a_chosen_version(world, client_for):
    """A version can be compared with any other version of the indicator."""
    first = make_indicator(world.funder, status="retired")
    make_version(first.definition, status="retired", spec={**PLANNED_ENDINGS})
    make_version(first.definition, spec={**PLANNED_ENDINGS, "minimum_cases": 10})
    url = reverse("catalog:version", args=[first.key, 3])
    client = client_for(world.people.funder)
    against_two = client.get(url).text
    assert "Changes of version 3 against version 2" in against_two
    assert "&quot;minimum_cases&quot;: 10" in against_two
    against_one = client.get(url, {"compare": "1"}).text
    assert "Changes of version 3 against version 1" in against_one


def test_unchanged_version_says_so(world, client_for):
    """Comparing equal versions says that nothing changed."""
    first = make_indicator(world.funder, status="retired")
    make_version(
        first.definition,
        **{name: getattr(first, name) for name in ("title", "title_en", "spec")},
    )
    url = reverse("catalog:version", args=[first.key, 2])
    html = client_for(world.people.funder).get(url).text
    assert "The texts and the definition are unchanged." in html


def test_unknown_version_is_404(world, client_for, funder_indicator):
    """A version number that does not exist gives 404."""
    url = reverse("catalog:version", args=[funder_indicator.key, 99])
    assert client_for(world.people.funder).get(url).status_code == 404
