"""Case list and case page for each persona."""

from django.urls import reverse


def test_case_list_shows_each_persona_its_cases(world, client_for):
    """The list shows the funder both cases and each provider only its own."""
    expectations = {
        "funder": {world.case_a.reference, world.case_b.reference},
        "provider_a": {world.case_a.reference},
        "provider_b": {world.case_b.reference},
        "outsider": set(),
    }
    every = {world.case_a.reference, world.case_b.reference}
    for persona, expected in expectations.items():
        response = client_for(getattr(world.people, persona)).get(reverse("cases:list"))
        assert response.status_code == 200
        shown = {reference for reference in every if reference in response.text}
        assert shown == expected, persona


def test_case_page_for_each_persona(world, client_for):
    """The case page opens for funder and own provider, and is 404 for others."""
    url = world.case_a.get_absolute_url()
    assert client_for(world.people.funder).get(url).status_code == 200
    assert client_for(world.people.provider_a).get(url).status_code == 200
    assert client_for(world.people.auditor).get(url).status_code == 200
    assert client_for(world.people.provider_b).get(url).status_code == 404
    assert client_for(world.people.outsider).get(url).status_code == 404


def test_bad_filter_and_page_are_ignored_not_errors(world, client_for):
    """Unknown status filters and page numbers give the list, not an error."""
    client = client_for(world.people.funder)
    response = client.get(reverse("cases:list"), {"status": "<script>", "page": "x"})
    assert response.status_code == 200
    assert "&lt;script&gt;" not in response.text
    assert world.case_a.reference in response.text


def test_case_list_query_count_does_not_grow_with_cases(
    world, client_for, django_assert_max_num_queries
):
    """The list loads related objects in bulk: a fixed number of queries."""
    from tests import factories

    for _ in range(30):
        factories.make_case(world.funder, world.provider_a)
    client = client_for(world.people.funder)
    with django_assert_max_num_queries(20):
        client.get(reverse("cases:list"))
