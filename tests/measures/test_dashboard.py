"""The indicator dashboard and indicator page: who sees which figures, and how."""

import re
from types import SimpleNamespace

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import translation

from dialoq.accounts.roles import OrganisationKind, Role
from dialoq.measures import statistics as st
from tests import factories
from tests.measures import results_data as data

DASHBOARD = reverse("measures:dashboard")


def indicator_url(version, **params):
    url = reverse("measures:indicator", args=[version.definition.key])
    if params:
        url += "?" + "&".join(f"{key}={value}" for key, value in params.items())
    return url


def text_of(response) -> str:
    """Return the page as text: tags removed, entities kept, spaces joined."""
    content = response.content.decode()
    content = re.sub(r"<svg.*?</svg>", " ", content, flags=re.S)
    # Spaces only: a no-break space belongs to the number it follows.
    return re.sub(r"[ \t\r\n]+", " ", re.sub(r"<[^>]+>", " ", content))


def line_of(response, version):
    """Return the dashboard line of the indicator version."""
    return next(
        line
        for dimension in response.context["dimensions"]
        for criterion in dimension.criteria
        for line in criterion.lines
        if line.version == version
    )


@pytest.fixture
def figures(world):
    """Return planned endings for the funder, its five providers and a team.

    Provider C has two cases only: a peer too small to be shown to others,
    which the disclosure policy protects with further peers (complementary
    suppression); the largest peers stay visible.
    """
    version = data.make_indicator()
    others = {
        name: factories.make_organisation(OrganisationKind.PROVIDER, name)
        for name in ("Träger C", "Träger D", "Träger E")
    }
    for provider in others.values():
        factories.make_case(world.funder, provider)
    team = factories.make_unit(world.provider_a, "Team Nord")
    funder = data.make_result(
        version, "funder", funder=world.funder, cases=107, numerator=78
    )
    providers = [
        data.make_result(
            version,
            "provider",
            funder=world.funder,
            provider=provider,
            cases=cases,
            numerator=numerator,
            evaluation=evaluation,
        )
        for provider, cases, numerator, evaluation in [
            (world.provider_a, 40, 30, st.Evaluation.WITHIN_RANGE),
            (world.provider_b, 30, 20, st.Evaluation.CONSPICUOUS),
            (others["Träger D"], 25, 20, st.Evaluation.WITHIN_RANGE),
            (others["Träger E"], 10, 7, st.Evaluation.WITHIN_RANGE),
            (others["Träger C"], 2, 1, st.Evaluation.NOT_EVALUABLE),
        ]
    ]
    data.add_funnel(providers)
    data.make_result(
        version, "team", provider=world.provider_a, team=team, cases=12, numerator=9
    )
    for back in range(1, 12):
        data.make_result(
            version,
            "funder",
            funder=world.funder,
            period=data.rolling(back),
            cases=100,
            numerator=70 + back % 3,
        )
    return SimpleNamespace(
        version=version,
        funder=funder,
        providers=providers,
        small=others["Träger C"],
        team=team,
    )


def test_funder_dashboard_shows_values_in_german_formats(world, client_for, figures):
    """The funder's default view: value, interval, target, range, cases, as of."""
    response = client_for(world.people.funder).get(DASHBOARD)
    assert response.status_code == 200
    text = text_of(response)
    assert "Beendigung gemäß Hilfeplan" in text
    assert "72,9\u00a0%" in text  # 78 of 107
    interval = st.rate_interval(78, 107)
    assert f"{interval.lower * 100:.1f}".replace(".", ",") in text
    assert "70,0\u00a0%" in text  # target
    assert "≥ 60,0\u00a0%" in text  # reference range
    assert "107" in text
    assert "31.10.2026" in text  # data up to
    assert response.context["selection"].view.key == figures.funder.unit_key
    assert response.context["selection"].period == data.LATEST


def test_dashboard_evaluation_is_told_in_text_not_colour_alone(
    world, client_for, figures
):
    """The traffic light carries a symbol and a label besides its colour class."""
    view = figures.providers[1].unit_key  # provider B: conspicuous
    response = client_for(world.people.funder).get(DASHBOARD, {"view": view})
    with translation.override("de"):
        label = str(st.Evaluation.CONSPICUOUS.label)
    marked = re.search(
        r'<span class="evaluation evaluation-conspicuous">'
        r'<span class="evaluation-symbol" aria-hidden="true">!</span> ([^<]+)</span>',
        response.content.decode(),
    )
    assert marked is not None
    assert marked.group(1) == label


def test_dashboard_trend_is_a_labelled_sparkline(world, client_for, figures):
    """The last twelve rolling periods form a sparkline with title and description."""
    response = client_for(world.people.funder).get(DASHBOARD)
    content = response.content.decode()
    svg = re.search(
        r'<svg[^>]*aria-labelledby="trend-\d+-title[^>]*>.*?</svg>', content
    )
    assert svg is not None
    line = line_of(response, figures.version)
    assert len(line.trend) == 12
    assert line.sparkline in content
    description = re.search(r"<desc[^>]*>(.*?)</desc>", svg.group()).group(1)
    assert "72,9\u00a0%" in description and "71,0\u00a0%" in description


def test_funder_sees_its_providers_by_name(world, client_for, figures):
    """On the indicator page the funder compares its providers, each named."""
    response = client_for(world.people.funder).get(indicator_url(figures.version))
    assert response.status_code == 200
    text = text_of(response)
    compared = response.context["panels"][0].compared
    names = ["Träger C", "Träger E", "Träger D", "Träger B", "Träger A"]
    assert [figure.label for figure in compared] == names  # by cases
    assert not any(figure.suppressed for figure in compared)  # their own cases
    assert "75,0\u00a0%" in text and "66,7\u00a0%" in text
    assert "50,0\u00a0%" in text  # even the small provider: the funder's cases
    funnel = response.context["panels"][0].funnel
    assert all(name in funnel for name in names)


def test_provider_sees_own_point_named_and_peers_unnamed(world, client_for, figures):
    """A provider's own point is named and marked; peers are numbered, not named."""
    own = figures.providers[0].unit_key
    response = client_for(world.people.provider_a).get(
        indicator_url(figures.version, view=own)
    )
    assert response.status_code == 200
    text = text_of(response)
    funnel = response.context["panels"][0].funnel
    for name in ("Träger B", "Träger C", "Träger D", "Träger E"):
        assert name not in text and name not in funnel
    compared = response.context["panels"][0].compared
    highlighted = [figure for figure in compared if figure.highlighted]
    assert [figure.label for figure in highlighted] == ["Träger A"]
    assert not highlighted[0].suppressed
    # Shown peers first (B), then the withheld (C, D, E); never by name or value.
    peers = [figure.label for figure in compared if not figure.highlighted]
    assert [label.rsplit(" ", 1)[1] for label in peers] == ["1", "2", "3", "4"]
    assert len({label.rsplit(" ", 1)[0] for label in peers}) == 1
    provider_b = next(
        f for f in compared if f.result.provider_id == world.provider_b.pk
    )
    assert not provider_b.suppressed  # the largest peer stays comparable
    assert peers[0] == provider_b.label
    assert [f.suppressed for f in compared] == [False, False, True, True, True]
    assert "66,7\u00a0%" in text and provider_b.label in funnel


def test_provider_does_not_see_small_peer_figures(world, client_for, figures):
    """A peer with two cases is suppressed: its value and cases never appear."""
    own = figures.providers[0].unit_key
    response = client_for(world.people.provider_a).get(
        indicator_url(figures.version, view=own)
    )
    small = next(
        figure
        for figure in response.context["panels"][0].compared
        if figure.result.provider_id == figures.small.pk
    )
    assert small.suppressed
    assert small.value == small.shown.note and small.shown.note
    assert "50,0\u00a0%" not in text_of(response)
    assert small.cases == "–"
    assert small.evaluation is None  # "not evaluable" would hint at the size
    assert small.label not in response.context["panels"][0].funnel
    for figure in response.context["panels"][0].compared:
        if figure.suppressed:  # complementary suppression: same treatment
            assert figure.value == figure.shown.note and figure.number is None


def test_provider_dashboard_offers_own_views_not_peers(world, client_for, figures):
    """A provider picks its own results and its team; no peer is on offer."""
    response = client_for(world.people.provider_a).get(DASHBOARD)
    keys = [view.key for view in response.context["selection"].views]
    assert figures.providers[0].unit_key in keys
    assert data.unit_key("team", provider=world.provider_a, team=figures.team) in keys
    assert figures.providers[1].unit_key not in keys
    assert response.context["selection"].view.key == figures.providers[0].unit_key


def test_asking_for_a_peer_view_shows_own_with_a_message(world, client_for, figures):
    """A view the user may not pick is refused clearly, never shown."""
    response = client_for(world.people.provider_a).get(
        DASHBOARD, {"view": figures.providers[1].unit_key}
    )
    assert response.status_code == 200
    selection = response.context["selection"]
    assert selection.view.key == figures.providers[0].unit_key
    assert len(selection.errors) == 1
    assert 'role="alert"' in response.content.decode()


@pytest.mark.parametrize(
    "params",
    [
        {"period": "garbage"},
        {"period": "rolling12:1900-01-01"},
        {"view": "<script>", "period": "month:2026-13-45"},
    ],
)
def test_bad_selection_falls_back_to_defaults(world, client_for, figures, params):
    """Unknown views or periods give a message and the default figures, never a 500."""
    response = client_for(world.people.funder).get(DASHBOARD, params)
    assert response.status_code == 200
    selection = response.context["selection"]
    assert selection.errors
    assert selection.period == data.LATEST
    assert "<script>" not in response.content.decode()


def test_outsider_sees_no_figures(world, client_for, figures):
    """A caseworker elsewhere gets the empty dashboard and no indicator page."""
    client = client_for(world.people.outsider)
    response = client.get(DASHBOARD)
    assert response.status_code == 200
    assert response.context["selection"].views == []
    assert "72,9" not in text_of(response)
    assert client.get(indicator_url(figures.version)).status_code == 404


def test_user_without_aggregates_gets_403(world, client_for, figures):
    """A committee viewer reads published reports only, not the dashboard."""
    viewer = factories.make_user(role=Role.COMMITTEE_VIEWER, organisation=world.funder)
    client = client_for(viewer)
    assert client.get(DASHBOARD).status_code == 403
    assert client.get(indicator_url(figures.version)).status_code == 404
    navigation = client.get(reverse("start")).context["navigation"]
    assert DASHBOARD not in [item["url"] for item in navigation]


def test_navigation_leads_to_the_dashboard(world, client_for, figures):
    """Whoever may see aggregates finds the indicators in the main navigation."""
    response = client_for(world.people.provider_a).get(indicator_url(figures.version))
    current = [
        item["url"] for item in response.context["navigation"] if item["current"]
    ]
    assert current == [DASHBOARD]


def test_network_coordinator_sees_member_figures_but_no_teams(
    world, client_for, figures
):
    """The network sees its member funder and unnamed providers, never a team."""
    coordinator = factories.make_user(
        role=Role.NETWORK_COORDINATOR, organisation=world.network
    )
    client = client_for(coordinator)
    response = client.get(DASHBOARD)
    keys = [view.key for view in response.context["selection"].views]
    assert keys == [figures.funder.unit_key]
    assert "72,9\u00a0%" in text_of(response)
    team_key = data.unit_key("team", provider=world.provider_a, team=figures.team)
    page = client.get(indicator_url(figures.version, view=team_key))
    assert page.status_code == 200
    assert page.context["selection"].view.key == figures.funder.unit_key
    assert "Team Nord" not in text_of(page)
    assert "Träger A" not in text_of(page)


def test_empty_dashboard_points_qm_officers_to_computations(world, verified_client_for):
    """Without results a QM officer is told so and led to the computations."""
    officer = factories.make_user(role=Role.QM_OFFICER, organisation=world.funder)
    response = verified_client_for(officer).get(DASHBOARD)
    assert response.status_code == 200
    assert reverse("measures:runs") in response.content.decode()


def test_empty_dashboard_has_no_computation_link_for_caseworkers(world, client_for):
    """Caseworkers cannot compute, so no link leads them there."""
    response = client_for(world.people.provider_a).get(DASHBOARD)
    assert response.status_code == 200
    assert reverse("measures:runs") not in response.content.decode()
    assert 'class="empty-state"' in response.content.decode()


def test_indicator_page_shows_definition_funnel_and_course(world, client_for, figures):
    """The page explains the definition and gives funnel and course with tables."""
    response = client_for(world.people.funder).get(indicator_url(figures.version))
    content = response.content.decode()
    assert "Hilfen enden wie geplant." in content
    assert response.context["statements"]
    assert content.count('role="img"') == 2
    assert len(response.context["panels"]) == 1
    course = response.context["panels"][0].course
    assert len(course) == 12
    assert course[-1].result.period_start == data.LATEST.start
    assert "funnel-" in response.context["panels"][0].funnel


def test_funnel_limits_pass_through_the_stored_limits(world, client_for, figures):
    """The drawn control limits are those the engine stored for each provider."""
    from dialoq.measures.dashboard import limit_curve

    response = client_for(world.people.funder).get(indicator_url(figures.version))
    shown = [f for f in response.context["panels"][0].compared if not f.suppressed]
    curve = {limit.cases: limit for limit in limit_curve(shown, by_expected=False)}
    for figure in shown:
        limit = curve[figure.result.cases]
        assert limit.lower_95 == pytest.approx(figure.result.funnel_lower_95)
        assert limit.upper_998 == pytest.approx(figure.result.funnel_upper_998)


def test_funnel_shows_limits_around_a_lone_own_point(world, client_for, figures):
    """With every peer withheld, the provider still sees the funnel around itself."""
    from dialoq.measures.dashboard import limit_curve

    own = next(
        figure
        for figure in client_for(world.people.funder)
        .get(indicator_url(figures.version))
        .context["panels"][0]
        .compared
        if figure.result.provider_id == world.provider_a.pk
    )
    curve = limit_curve([own], by_expected=False)
    assert curve[0].cases == 10 and curve[-1].cases == 42  # 40 / 4 … 40 × 1.05
    assert all(limit.lower_95 <= own.number <= limit.upper_95 for limit in curve[-5:])


def test_unknown_or_draft_indicator_is_not_found(world, client_for, figures):
    """Only indicators with a version in force have a page."""
    client = client_for(world.people.funder)
    assert (
        client.get(reverse("measures:indicator", args=["nothing"])).status_code == 404
    )
    draft = data.make_indicator("draft_only", status="draft")
    assert client.get(indicator_url(draft)).status_code == 404


def test_cost_and_t_score_values_read_in_german(world, client_for):
    """Euro values have grouping and two decimals; T-scores one decimal."""
    cost = data.make_indicator(
        "cost_per_goal",
        spec={
            "kind": "ratio",
            "numerator_measure": {
                "fact": "cases",
                "aggregate": "sum",
                "column": "cost",
                "date": "ended_on",
            },
            "denominator_measure": {
                "fact": "cases",
                "aggregate": "sum",
                "column": "goals_reached",
                "date": "ended_on",
            },
            "scale": "ratio",
            "unit": "euro",
            "direction": "lower_is_better",
        },
        title="Kosten je erreichtem Ziel",
    )
    data.make_result(cost, "funder", funder=world.funder, cases=30, value=1234.5)
    response = client_for(world.people.funder).get(DASHBOARD)
    assert "1.234,50\u00a0€" in text_of(response)


def test_dashboard_queries_grow_only_by_the_disclosure_check(
    world, client_for, figures
):
    """Each further indicator costs at most the policy's two checks of its version."""
    client = client_for(world.people.funder)

    def queries():
        client.get(DASHBOARD)  # warm the disclosure cache
        with CaptureQueriesContext(connection) as captured:
            client.get(DASHBOARD)
        return len(captured)

    before = queries()
    for number in range(5):
        version = data.make_indicator(f"extra_{number}")
        data.make_result(version, "funder", funder=world.funder, cases=20, numerator=9)
    assert queries() - before <= 5 * 2


def test_export_links_carry_the_chosen_period_and_unit(world, client_for, figures):
    """The export form opens with the dashboard's period, unit type and indicator."""
    client = client_for(world.people.funder)
    content = client.get(DASHBOARD).content.decode()
    link = re.search(r'href="(/indicators/exports/results/\?[^"]+)"', content)
    assert link is not None
    url = link.group(1).replace("&amp;", "&")
    assert "period_type=rolling12" in url and "unit_type=funder" in url
    assert "period_from=2025-11-01" in url and "period_to=2026-10-31" in url
    assert client.get(url).status_code == 200
    page = client.get(indicator_url(figures.version)).content.decode()
    assert f"indicator={figures.version.definition.key}" in page
