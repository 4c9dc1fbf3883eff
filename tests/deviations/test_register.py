"""The register screens: list with filters, board, deviation page, report, badge."""

from datetime import timedelta
from types import SimpleNamespace

import pytest
from django.urls import reverse
from django.utils import timezone
from django.utils.html import escape
from django.utils.translation import gettext, ngettext

from dialoq.accounts.roles import Role
from dialoq.cases.models import AccessLogEntry
from dialoq.deviations import workflow
from dialoq.deviations.models import Deviation, DeviationStatus
from tests import factories
from tests.deviations.factories import make_deviation, make_standard_version

S = DeviationStatus
TODAY = timezone.localdate()
REGISTER = reverse("deviations:register")
BOARD = reverse("deviations:board")


def counted(singular, plural, count):
    """Return a counted text in the active language; without a count, its words."""
    text = ngettext(singular, plural, count or 1) % {"counter": count or ""}
    return text.strip()


OPEN_DEVIATIONS = ("%(counter)s open deviation", "%(counter)s open deviations")
OPEN_FOR_ME = ("%(counter)s open for me", "%(counter)s open for me")


@pytest.fixture
def qm(world):
    return SimpleNamespace(
        funder=factories.make_user(
            "qm_funder", role=Role.QM_OFFICER, organisation=world.funder
        ),
        provider_a=factories.make_user(
            "qm_a", role=Role.QM_OFFICER, organisation=world.provider_a
        ),
    )


@pytest.fixture
def register(world):
    """Deviations on case A and case B and one of the funder without a case."""
    standard = make_standard_version("erstkontakt", title="Erstkontakt in 10 Tagen")
    return SimpleNamespace(
        a=make_deviation(
            world.case_a,
            title="Erstkontakt verspätet",
            source="standard",
            standard_version=standard,
            severity="high",
            due_on=TODAY - timedelta(days=3),
        ),
        b=make_deviation(
            world.case_b, title="Hilfeplan ohne Beteiligung", source="crisis"
        ),
        funder=make_deviation(
            owner_organisation=world.funder,
            funder=world.funder,
            title="Auditfeststellung Akten",
            source="audit",
        ),
    )


def titles(response):
    return {deviation.title for deviation in response.context["page"].object_list}


class TestRegisterList:
    def test_personas_see_their_deviations(self, world, register, client_for):
        """Funder sees all of theirs, a provider its own, others nothing."""
        funder = client_for(world.people.funder).get(REGISTER)
        assert titles(funder) == {
            "Erstkontakt verspätet",
            "Hilfeplan ohne Beteiligung",
            "Auditfeststellung Akten",
        }
        provider_a = client_for(world.people.provider_a).get(REGISTER)
        assert titles(provider_a) == {"Erstkontakt verspätet"}
        assert titles(client_for(world.people.provider_b).get(REGISTER)) == {
            "Hilfeplan ohne Beteiligung"
        }
        outsider = client_for(world.people.outsider).get(REGISTER)
        assert outsider.status_code == 200
        assert titles(outsider) == set()
        assert "Erstkontakt" not in outsider.content.decode()

    def test_auditor_with_mandate_reads(self, world, register, client_for):
        response = client_for(world.people.auditor).get(REGISTER)
        assert len(titles(response)) == 3

    def test_without_the_right_it_is_forbidden(self, world, client_for):
        viewer = factories.make_user(
            "committee", role=Role.COMMITTEE_VIEWER, organisation=world.funder
        )
        assert client_for(viewer).get(REGISTER).status_code == 403
        assert client_for(viewer).get(BOARD).status_code == 403

    @pytest.mark.parametrize(
        ("query", "expected"),
        [
            ("source=standard", {"Erstkontakt verspätet"}),
            ("source=audit", {"Auditfeststellung Akten"}),
            ("severity=high", {"Erstkontakt verspätet"}),
            ("overdue=on", {"Erstkontakt verspätet"}),
            ("q=hilfeplan", {"Hilfeplan ohne Beteiligung"}),
            ("status=closed", set()),
            (
                "status=open",
                {
                    "Erstkontakt verspätet",
                    "Hilfeplan ohne Beteiligung",
                    "Auditfeststellung Akten",
                },
            ),
        ],
    )
    def test_filters(self, world, register, client_for, query, expected):
        response = client_for(world.people.funder).get(f"{REGISTER}?{query}")
        assert titles(response) == expected

    def test_filters_by_organisation_standard_case_and_mine(
        self, world, register, client_for
    ):
        client = client_for(world.people.funder)
        provider = client.get(f"{REGISTER}?provider={world.provider_b.pk}")
        assert titles(provider) == {"Hilfeplan ohne Beteiligung"}
        funder = client.get(f"{REGISTER}?funder={world.funder.pk}")
        assert len(titles(funder)) == 3
        standard = register.a.standard_version.standard_id
        assert titles(client.get(f"{REGISTER}?standard={standard}")) == {
            "Erstkontakt verspätet"
        }
        assert titles(client.get(f"{REGISTER}?case={world.case_b.pk}")) == {
            "Hilfeplan ohne Beteiligung"
        }
        mine = client_for(world.people.provider_a).get(f"{REGISTER}?mine=on")
        assert titles(mine) == {"Erstkontakt verspätet"}
        assert titles(client.get(f"{REGISTER}?mine=on")) == set()

    def test_bad_filters_are_explained_not_failed(self, world, register, client_for):
        response = client_for(world.people.funder).get(
            f"{REGISTER}?status=nonsense&provider=abc&case=x&severity=1"
        )
        assert response.status_code == 200
        assert len(titles(response)) == 3
        errors = response.context["form"].errors
        assert set(errors) == {"status", "provider", "case", "severity"}
        assert 'role="alert"' in response.content.decode()

    def test_options_come_from_the_scope(self, world, register, client_for):
        response = client_for(world.people.provider_a).get(REGISTER)
        form = response.context["form"]
        assert dict(form.fields["provider"].choices).keys() == {"", world.provider_a.pk}
        response = client_for(world.people.provider_a).get(
            f"{REGISTER}?provider={world.provider_b.pk}"
        )
        assert titles(response) == {"Erstkontakt verspätet"}

    def test_pagination_and_overdue_marked_in_text(self, world, client_for):
        for number in range(52):
            make_deviation(world.case_a, title=f"Nr {number}", due_on=TODAY)
        make_deviation(world.case_a, title="alt", due_on=TODAY - timedelta(days=1))
        client = client_for(world.people.provider_a)
        first = client.get(REGISTER)
        assert len(first.context["page"].object_list) == 50
        second = client.get(f"{REGISTER}?page=2")
        assert len(second.context["page"].object_list) == 3
        html = first.content.decode()
        assert html.count(f"({gettext('overdue')})") == 1

    def test_german_dates(self, world, client_for):
        make_deviation(world.case_a, due_on=timezone.datetime(2027, 3, 9).date())
        client = client_for(world.people.provider_a)
        response = client.get(REGISTER, headers={"accept-language": "de"})
        assert "09.03.2027" in response.content.decode()

    def test_htmx_gets_the_results_only(self, world, register, client_for):
        response = client_for(world.people.funder).get(
            REGISTER, headers={"HX-Request": "true"}
        )
        html = response.content.decode()
        assert 'id="deviation-results"' in html
        assert "<html" not in html

    def test_list_queries_do_not_grow_with_rows(
        self, world, client_for, django_assert_max_num_queries
    ):
        for _number in range(30):
            make_deviation(world.case_a)
        client = client_for(world.people.provider_a)
        client.get(REGISTER)
        with django_assert_max_num_queries(25):
            client.get(REGISTER)


class TestBoard:
    def test_columns_by_state_with_headings(self, world, register, client_for):
        Deviation.objects.filter(pk=register.b.pk).update(status=S.ANALYSED)
        response = client_for(world.people.funder).get(BOARD)
        columns = {c["status"]: c for c in response.context["columns"]}
        assert list(columns) == [*S.values]
        assert {d.title for d in columns[S.ANALYSED]["cards"]} == {
            "Hilfeplan ohne Beteiligung"
        }
        assert columns[S.REPORTED]["count"] == 2
        html = response.content.decode()
        assert html.count('<h2 id="column-') == len(S.values)
        assert "<ul>" in html

    def test_board_is_scoped_and_filtered(self, world, register, client_for):
        response = client_for(world.people.provider_b).get(BOARD)
        cards = [d for c in response.context["columns"] for d in c["cards"]]
        assert [d.title for d in cards] == ["Hilfeplan ohne Beteiligung"]
        response = client_for(world.people.funder).get(f"{BOARD}?source=audit")
        cards = [d for c in response.context["columns"] for d in c["cards"]]
        assert [d.title for d in cards] == ["Auditfeststellung Akten"]
        outsider = client_for(world.people.outsider).get(BOARD)
        assert all(not c["cards"] for c in outsider.context["columns"])


def detail_url(deviation):
    return reverse("deviations:detail", args=[deviation.pk])


class TestDetail:
    def test_who_sees_the_page(self, world, register, client_for):
        url = detail_url(register.a)
        assert client_for(world.people.provider_a).get(url).status_code == 200
        assert client_for(world.people.funder).get(url).status_code == 200
        assert client_for(world.people.auditor).get(url).status_code == 200
        for persona in ("provider_b", "outsider"):
            assert (
                client_for(getattr(world.people, persona)).get(url).status_code == 404
            )
        url = detail_url(register.funder)
        assert client_for(world.people.provider_a).get(url).status_code == 404
        assert (
            client_for(world.people.funder).get("/deviations/99999/").status_code == 404
        )

    def test_page_shows_links_work_and_history(self, world, client_for):
        deviation = workflow.do_report(
            world.people.provider_a,
            source="manual",
            title="Kontakt fehlt",
            case=world.case_a,
            standard_version=make_standard_version(title="Kontakt alle 4 Wochen"),
        )
        workflow.do_comment(world.people.funder, deviation, "Bitte klären")
        response = client_for(world.people.provider_a).get(detail_url(deviation))
        html = response.content.decode()
        assert world.case_a.reference in html
        assert reverse("cases:detail", args=[world.case_a.pk]) in html
        assert "Kontakt alle 4 Wochen" in html
        version = deviation.standard_version
        assert (
            reverse("catalog:standard_version", args=[version.key, version.version])
            in html
        )
        assert "Bitte klären" in html
        assert [e.kind for e in response.context["events"]] == ["created", "comment"]
        assert AccessLogEntry.objects.filter(
            case=world.case_a, user=world.people.provider_a
        ).exists()

    def test_only_the_allowed_next_steps_are_offered(
        self, world, qm, client_for, verified_client_for
    ):
        deviation = make_deviation(world.case_a)
        caseworker = client_for(world.people.provider_a).get(detail_url(deviation))
        steps = [f.initial["to_status"] for f in caseworker.context["step_forms"]]
        assert steps == [S.REACTED]
        verifier = verified_client_for(qm.provider_a).get(detail_url(deviation))
        steps = [f.initial["to_status"] for f in verifier.context["step_forms"]]
        assert steps == [S.REACTED, S.CLOSED]
        auditor = client_for(world.people.auditor).get(detail_url(deviation))
        assert auditor.context["step_forms"] == []
        assert "assign_form" not in auditor.context
        assert not auditor.context["may_comment"]


def step(client, deviation, to_status, **fields):
    data = {f"{to_status}-to_status": to_status, "to_status": to_status}
    data.update({f"{to_status}-{name}": value for name, value in fields.items()})
    return client.post(reverse("deviations:transition", args=[deviation.pk]), data)


class TestSteps:
    def test_the_way_through_the_screens(
        self, world, qm, client_for, verified_client_for
    ):
        deviation = make_deviation(world.case_a)
        worker = client_for(world.people.provider_a)
        response = step(worker, deviation, S.REACTED, immediate_correction="Anruf")
        assert response.status_code == 302
        response = step(
            worker,
            deviation,
            S.ANALYSED,
            cause_analysis="Urlaub",
            similar_deviations="keine",
            reason_category="staffing",
        )
        assert response.status_code == 302
        response = worker.post(
            reverse("deviations:add_action", args=[deviation.pk]),
            {
                "action-kind": "corrective",
                "action-description": "Vertretung regeln",
                "action-owner": world.people.provider_a.pk,
                "action-due_on": (TODAY + timedelta(days=7)).isoformat(),
            },
        )
        assert response.status_code == 302
        assert step(worker, deviation, S.ACTIONS_PLANNED).status_code == 302
        action = deviation.actions.get()
        response = worker.post(
            reverse("deviations:complete_action", args=[deviation.pk, action.pk]),
            {"done_on": TODAY.isoformat()},
        )
        assert response.status_code == 302
        assert step(worker, deviation, S.IMPLEMENTED).status_code == 302
        verifier = verified_client_for(qm.provider_a)
        response = step(
            verifier,
            deviation,
            S.REVIEWED,
            effectiveness_review="Stichprobe gut",
            effective="yes",
        )
        assert response.status_code == 302
        assert step(verifier, deviation, S.CLOSED).status_code == 302
        deviation.refresh_from_db()
        assert (deviation.status, deviation.resolution) == (S.CLOSED, "effective")
        assert deviation.reason_category == "staffing"

    def test_missing_work_is_shown_not_saved(self, world, client_for):
        deviation = make_deviation(world.case_a)
        response = step(client_for(world.people.provider_a), deviation, S.REACTED)
        assert response.status_code == 400
        assert (
            escape(gettext("Describe the immediate correction."))
            in response.content.decode()
        )
        assert Deviation.objects.get(pk=deviation.pk).status == S.REPORTED

    def test_forged_posts_cannot_close_without_review(
        self, world, qm, client_for, verified_client_for
    ):
        """Closing by a forged POST: 403 for a worker, 400 for a verifier."""
        deviation = make_deviation(world.case_a, status=S.IMPLEMENTED)
        worker = client_for(world.people.provider_a)
        assert step(worker, deviation, S.CLOSED).status_code == 403
        verifier = verified_client_for(qm.provider_a)
        assert step(verifier, deviation, S.CLOSED).status_code == 400
        response = verifier.post(
            reverse("deviations:transition", args=[deviation.pk]),
            {"to_status": "closed", "closed-resolution": "effective"},
        )
        assert response.status_code == 400
        reported = make_deviation(world.case_a)
        response = step(verifier, reported, S.CLOSED, resolution="effective")
        assert response.status_code == 400
        response = step(verifier, reported, S.CLOSED, resolution="unfounded")
        assert response.status_code == 400
        assert not Deviation.objects.filter(status=S.CLOSED).exists()
        assert step(verifier, deviation, "gone").status_code == 400

    def test_wrong_people_get_403_or_404(self, world, client_for):
        deviation = make_deviation(world.case_a, status=S.IMPLEMENTED)
        worker = client_for(world.people.provider_a)
        response = step(
            worker, deviation, S.REVIEWED, effectiveness_review="x", effective="yes"
        )
        assert response.status_code == 403
        auditor = client_for(world.people.auditor)
        assert step(auditor, deviation, S.ACTIONS_PLANNED).status_code == 403
        for persona in ("provider_b", "outsider"):
            client = client_for(getattr(world.people, persona))
            assert step(client, deviation, S.REVIEWED).status_code == 404
            url = reverse("deviations:comment", args=[deviation.pk])
            assert client.post(url, {"text": "x"}).status_code == 404
        assert Deviation.objects.get(pk=deviation.pk).status == S.IMPLEMENTED
        assert not deviation.events.exists()

    def test_assign_comment_and_cancel(self, world, qm, client_for):
        deviation = make_deviation(world.case_a, status=S.ANALYSED)
        client = client_for(world.people.provider_a)
        response = client.post(
            reverse("deviations:assign", args=[deviation.pk]),
            {"assign-owner": qm.provider_a.pk},
        )
        assert response.status_code == 302
        response = client.post(
            reverse("deviations:assign", args=[deviation.pk]),
            {"assign-owner": world.people.funder.pk},
        )
        assert response.status_code == 400
        response = client.post(
            reverse("deviations:comment", args=[deviation.pk]), {"text": ""}
        )
        assert response.status_code == 400
        response = client.post(
            reverse("deviations:comment", args=[deviation.pk]), {"text": "Notiz"}
        )
        assert response.status_code == 302
        action = workflow.do_add_action(
            world.people.provider_a,
            deviation,
            kind="preventive",
            description="Schulung",
            owner=world.people.provider_a,
            due_on=TODAY,
        )
        url = reverse("deviations:cancel_action", args=[deviation.pk, action.pk])
        assert client.post(url, {"reason": ""}).status_code == 400
        assert client.post(url, {"reason": "entfällt"}).status_code == 302
        assert [e.kind for e in deviation.events.all()] == [
            "assigned",
            "comment",
            "action_added",
            "comment",
        ]

    def test_bad_action_input_is_explained(self, world, client_for):
        deviation = make_deviation(world.case_a, status=S.ANALYSED)
        response = client_for(world.people.provider_a).post(
            reverse("deviations:add_action", args=[deviation.pk]),
            {
                "action-kind": "corrective",
                "action-description": "x",
                "action-owner": world.people.outsider.pk,
                "action-due_on": "31.02.2026",
            },
        )
        assert response.status_code == 400
        errors = response.context["action_form"].errors
        assert set(errors) == {"owner", "due_on"}


REPORT = reverse("deviations:report")


class TestReportForm:
    def test_case_chosen_by_its_reference(self, world, client_for):
        client = client_for(world.people.funder)
        assert client.get(REPORT).status_code == 200
        response = client.post(
            REPORT,
            {
                "source": "crisis",
                "title": "Krisenmeldung",
                "severity": "critical",
                "case_reference": world.case_b.reference.lower(),
                "responsible": "provider",
            },
        )
        deviation = Deviation.objects.get()
        assert response.status_code == 302
        assert response["Location"] == detail_url(deviation)
        assert deviation.case == world.case_b
        assert deviation.owner_organisation == world.provider_b
        assert deviation.source == "crisis"

    def test_a_case_of_others_is_unknown(self, world, client_for):
        response = client_for(world.people.provider_b).post(
            REPORT,
            {
                "source": "manual",
                "title": "x",
                "severity": "low",
                "case_reference": world.case_a.reference,
            },
        )
        assert response.status_code == 400
        assert "case_reference" in response.context["form"].errors
        assert not Deviation.objects.exists()

    def test_bad_input(self, world, client_for):
        client = client_for(world.people.provider_a)
        response = client.post(
            REPORT,
            {
                "source": "standard",
                "title": "",
                "severity": "x",
                "responsible": "funder",
            },
        )
        assert response.status_code == 400
        assert set(response.context["form"].errors) == {
            "source",
            "title",
            "severity",
            "responsible",
        }

    def test_who_may_not_report_gets_403(self, world, client_for):
        assert client_for(world.people.auditor).get(REPORT).status_code == 403


class TestCaseBadgeAndNavigation:
    def test_case_page_counts_open_deviations(self, world, client_for):
        make_deviation(world.case_a)
        make_deviation(world.case_a, status=S.ANALYSED)
        make_deviation(
            world.case_a,
            status=S.CLOSED,
            closed_at=timezone.now(),
            resolution="unfounded",
        )
        make_deviation(world.case_b)
        client = client_for(world.people.provider_a)
        html = client.get(
            reverse("cases:detail", args=[world.case_a.pk])
        ).content.decode()
        assert counted(*OPEN_DEVIATIONS, 2) in html
        assert f"{REGISTER}?case={world.case_a.pk}&amp;status=open" in html
        response = client.get(f"{REGISTER}?case={world.case_a.pk}&status=open")
        assert len(response.context["page"].object_list) == 2

    def test_no_badge_without_open_deviations(self, world, client_for):
        html = client_for(world.people.provider_a).get(
            reverse("cases:detail", args=[world.case_a.pk])
        )
        # The words of the singular are contained in the plural in both languages.
        assert counted(*OPEN_DEVIATIONS, None) not in html.content.decode()

    def test_navigation_counts_what_i_am_responsible_for(self, world, client_for):
        make_deviation(world.case_a)
        make_deviation(world.case_a)
        make_deviation(world.case_b)
        html = client_for(world.people.provider_a).get(REGISTER).content.decode()
        assert f'href="{REGISTER}"' in html
        assert counted(*OPEN_FOR_ME, 2) in html
        html = client_for(world.people.outsider).get(REGISTER).content.decode()
        assert counted(*OPEN_FOR_ME, None) not in html
