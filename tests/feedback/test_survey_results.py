"""Survey results: aggregates only, scoped, small groups suppressed."""

from datetime import date

from django.urls import reverse

from dialoq.accounts.roles import Role
from dialoq.feedback.models import SurveyResponse
from dialoq.feedback.results import min_responses, quarter_start, survey_results
from dialoq.feedback.survey import Agreement, Aspect
from tests import factories
from tests.feedback.factories import make_responses

URL = reverse("feedback:survey_results")
EN = {"Accept-Language": "en"}
TODAY = date(2026, 11, 23)


def _caption(case, quarter="Q3 2026"):
    return f"{case.provider.name} · {case.service_type} · {quarter}"


def test_each_persona_sees_only_its_organisations(world, client_for):
    """Funder sees A and B, each provider only itself, the outsider nothing."""
    make_responses(world.case_a, 5)
    make_responses(world.case_b, 6)
    expectations = {
        "funder": {"a", "b"},
        "provider_a": {"a"},
        "provider_b": {"b"},
        "outsider": set(),
    }
    for persona, expected in expectations.items():
        response = client_for(getattr(world.people, persona)).get(URL, headers=EN)
        assert response.status_code == 200, persona
        shown = {
            name
            for name, case in (("a", world.case_a), ("b", world.case_b))
            if _caption(case) in response.text
        }
        assert shown == expected, persona


def test_groups_below_the_threshold_are_suppressed(world, client_for):
    """Four answers show "too few answers" and no figure; five show figures."""
    make_responses(world.case_a, min_responses() - 1, framework_time=1)
    make_responses(world.case_b, min_responses(), framework_time=2)
    response = client_for(world.people.funder).get(URL, headers=EN)
    page = response.text
    assert "Too few answers (fewer than 5)" in page
    small = page[page.index(world.provider_a.name) :]
    small = small[: small.index("</table>")]
    assert "%" not in small and "answers" not in small.split("Too few")[0]
    assert "Q3 2026 · 5 answers" in page


def test_aspect_with_too_few_answers_is_suppressed_within_a_group(world):
    """An aspect answered by fewer than five people shows no figures."""
    make_responses(world.case_a, 6, benefit_situation=None, benefit_independence=None)
    make_responses(world.case_a, 3)
    [group] = survey_results(SurveyResponse.objects.all(), today=TODAY)
    by_aspect = {result.aspect: result for result in group.aspects}
    assert by_aspect[Aspect.BENEFIT].suppressed
    assert by_aspect[Aspect.BENEFIT].median is None
    assert not by_aspect[Aspect.FRAMEWORK].suppressed
    assert by_aspect[Aspect.FRAMEWORK].respondents == 9


def test_medians_and_shares_not_means(world):
    """Ordinal answers give the lower median and the shares of each side."""
    make_responses(world.case_a, 2, framework_time=1, framework_reachable=1)
    make_responses(world.case_a, 1, framework_time=3, framework_reachable=3)
    make_responses(world.case_a, 2, framework_time=5, framework_reachable=None)
    [group] = survey_results(SurveyResponse.objects.all(), today=TODAY)
    framework = group.aspects[0]
    assert framework.aspect == Aspect.FRAMEWORK
    # pooled answers 1,1,1,1,3,3,5,5: the lower median is the 4th, 1
    assert framework.answers == 8
    assert framework.median == Agreement.NOT_AT_ALL
    assert framework.disagree_share == 4 / 8
    assert framework.partly_share == 2 / 8
    assert framework.agree_share == 2 / 8
    assert not hasattr(framework, "mean")


def test_only_ended_quarters_are_shown(world):
    """Answers of the running quarter wait until it has ended."""
    make_responses(world.case_a, 5, period=date(2026, 11, 1))
    assert survey_results(SurveyResponse.objects.all(), today=TODAY) == []
    [group] = survey_results(SurveyResponse.objects.all(), today=date(2027, 1, 2))
    assert (group.year, group.quarter, group.respondents) == (2026, 4, 5)
    assert quarter_start(date(2026, 11, 23)) == date(2026, 10, 1)


def test_free_text_only_for_the_providers_qm_officer(
    world, client_for, verified_client_for
):
    """Comments reach a QM officer of the provider in groups of five, nobody else."""
    make_responses(world.case_a, 5)
    SurveyResponse.objects.filter(pk=SurveyResponse.objects.values("pk")[:1]).update(
        free_text="Sehr hilfreich"
    )
    officer_a = factories.make_user(
        "qm_a", role=Role.QM_OFFICER, organisation=world.provider_a
    )
    officer_b = factories.make_user(
        "qm_b", role=Role.QM_OFFICER, organisation=world.provider_b
    )
    funder_officer = factories.make_user(
        "qm_funder", role=Role.QM_OFFICER, organisation=world.funder
    )
    page = verified_client_for(officer_a).get(URL, headers=EN).text
    assert "Sehr hilfreich" in page
    assert "1 comment (in random order)" in page
    for user in (officer_b, funder_officer):
        assert "Sehr hilfreich" not in verified_client_for(user).get(URL).text
    for persona in ("funder", "provider_a", "provider_b", "outsider"):
        client = client_for(getattr(world.people, persona))
        assert "Sehr hilfreich" not in client.get(URL).text


def test_free_text_is_hidden_in_small_groups(world, verified_client_for):
    """Below five responses even the provider's QM officer sees no comment."""
    make_responses(world.case_a, 4)
    SurveyResponse.objects.update(free_text="Einzelstimme")
    officer = factories.make_user(
        "qm_a", role=Role.QM_OFFICER, organisation=world.provider_a
    )
    assert "Einzelstimme" not in verified_client_for(officer).get(URL).text


def test_filters_and_htmx_partial(world, client_for):
    """A filter narrows the groups; htmx gets only the results partial."""
    make_responses(world.case_a, 5)
    make_responses(world.case_b, 5)
    client = client_for(world.people.funder)
    response = client.get(
        URL, {"provider": world.provider_b.pk}, headers=EN | {"HX-Request": "true"}
    )
    assert response.status_code == 200
    assert "<html" not in response.text
    assert response.text.lstrip().startswith('<div id="survey-results">')
    assert _caption(world.case_b) in response.text
    assert _caption(world.case_a) not in response.text


def test_a_bad_filter_gives_a_message_not_an_error(world, client_for):
    """An unknown or foreign provider id is reported and ignored."""
    make_responses(world.case_b, 5)
    client = client_for(world.people.provider_a)
    for value in ("x", world.provider_b.pk, "<script>"):
        response = client.get(URL, {"provider": value}, headers=EN)
        assert response.status_code == 200
        assert "Select a valid choice" in response.text
        assert _caption(world.case_b) not in response.text
        assert "<script>" not in response.text


def test_committee_viewer_without_aggregates_right_is_refused(world, client_for):
    """A role without the right to see aggregates gets 403."""
    viewer = factories.make_user(
        "committee", role=Role.COMMITTEE_VIEWER, organisation=world.funder
    )
    assert client_for(viewer).get(URL).status_code == 403
