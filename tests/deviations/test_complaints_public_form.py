"""The public complaint form against good, bad and abusive input."""

import html
import logging
import re

import pytest
from django.core.cache import cache
from django.test import Client
from django.urls import reverse
from django.utils.translation import gettext as _

from dialoq.deviations.complaint_forms import organisation_token
from dialoq.deviations.models import Complaint, ComplaintChannel
from dialoq.deviations.public_views import RECEIPT_SESSION_KEY

URL = "/beschwerde/"
SECRET_TEXT = "Herr Unverwechselbar-Muster wurde am Telefon abgewiesen"
SECRET_CONTACT = "0171 5550199 unverwechselbar"
INVALID_LINK = (
    "The link you used is not valid; it may be incomplete. Please choose the "
    "organisation from the list below."
)
NULL_CHARACTER = (
    "The text contains a null character, which is not allowed. Please type the "
    "text again instead of pasting it."
)


@pytest.fixture(autouse=True)
def empty_cache():
    """Start each test with no sending counted."""
    cache.clear()
    yield
    cache.clear()


def post(client, world, **fields):
    data = {
        "organisation": organisation_token(world.provider_a),
        "source": "beneficiary",
        "category": "waiting",
        "text": SECRET_TEXT,
        "reply": "answer",
        "contact": SECRET_CONTACT,
        "website": "",
    }
    data.update(fields)
    return client.post(URL, {k: v for k, v in data.items() if v is not None})


def test_the_url_is_the_german_path():
    assert reverse("complaints_public:form") == URL
    assert reverse("complaints_public:thanks") == "/beschwerde/danke/"


def test_form_is_shown_without_an_account(client, world):
    response = client.get(URL)
    assert response.status_code == 200
    page = response.content.decode()
    assert world.provider_a.name in page
    assert world.funder.name in page
    assert 'name="csrfmiddlewaretoken"' in page
    # Options carry signed tokens, never bare ids; networks are not offered.
    assert f'value="{world.provider_a.pk}"' not in page
    assert organisation_token(world.provider_a) in page
    assert world.network.name not in page
    # Labels and the data protection information.
    assert 'for="id_text"' in page
    assert 'aria-describedby="id_text_helptext"' in page
    assert f'<h2 id="privacy-heading">{_("Data protection")}</h2>' in page
    assert response["X-Robots-Tag"] == "noindex"


def test_link_with_token_preselects_the_organisation(client, world):
    token = organisation_token(world.funder)
    response = client.get(URL, {"org": token})
    page = response.content.decode()
    assert response.status_code == 200
    assert selected_organisations(page) == [token]
    assert "form-errors" not in page


def selected_organisations(page):
    select = page.split('id="id_organisation"')[1].split("</select>")[0]
    return re.findall(r'<option value="([^"]*)" selected>', select)


@pytest.mark.parametrize(
    "token", ["garbage", "1.abc", "", "x" * 5000, "\x00", "1:2:3", "\N{PILE OF POO}"]
)
def test_invalid_token_in_link_shows_the_form_with_a_notice(client, world, token):
    response = client.get(URL, {"org": token})
    assert response.status_code == 200
    page = response.content.decode()
    assert _(INVALID_LINK) in page
    assert selected_organisations(page) == [""]


def test_tampered_token_is_refused(client, world):
    """Changing the id in a token, keeping its signature, names no organisation."""
    token = organisation_token(world.provider_a)
    signature = token.split(".", 1)[1]
    tampered = f"{world.provider_b.pk}.{signature}"
    response = client.get(URL, {"org": tampered})
    assert _(INVALID_LINK) in response.content.decode()
    response = post(client, world, organisation=tampered)
    assert response.status_code == 200
    assert not Complaint.objects.exists()
    message = _(
        "Please choose the organisation from the list. The link you used may be "
        "incomplete."
    )
    assert message in response.content.decode()


def test_token_of_a_network_is_refused(client, world):
    response = post(client, world, organisation=organisation_token(world.network))
    assert response.status_code == 200
    assert not Complaint.objects.exists()


def test_sending_stores_and_thanks_with_reference_and_deadlines(client, world):
    response = post(client, world)
    assert response.status_code == 302
    assert response["Location"] == reverse("complaints_public:thanks")
    complaint = Complaint.objects.get()
    assert complaint.provider == world.provider_a
    assert complaint.funder is None
    assert complaint.channel == ComplaintChannel.PUBLIC_FORM
    assert complaint.recorded_by is None
    assert complaint.case is None
    assert complaint.read() == {"text": SECRET_TEXT, "contact": SECRET_CONTACT}
    # The address of the thanks page names nothing; the session holds the receipt.
    assert complaint.reference not in response["Location"]
    page = client.get(response["Location"]).content.decode()
    assert complaint.reference in page
    assert complaint.answer_due_on.strftime("%Y") in page
    assert SECRET_TEXT not in page
    assert SECRET_CONTACT not in page


def test_thanks_page_without_a_receipt_names_nothing(client, world):
    response = client.get(reverse("complaints_public:thanks"))
    assert response.status_code == 200
    assert "B-" not in response.content.decode().split("<main")[1]


def test_a_fresh_visitor_cannot_see_anothers_receipt(client, world):
    post(client, world)
    reference = Complaint.objects.get().reference
    stranger = Client()
    page = stranger.get(reverse("complaints_public:thanks")).content.decode()
    assert reference not in page


def test_anonymous_sending_stores_no_contact(client, world):
    response = post(client, world, reply="anonymous")
    assert response.status_code == 302
    complaint = Complaint.objects.get()
    assert complaint.anonymous is True
    assert complaint.read()["contact"] == ""
    assert client.session[RECEIPT_SESSION_KEY]["anonymous"] is True


def test_answer_wanted_needs_a_contact(client, world):
    response = post(client, world, contact="   ")
    assert response.status_code == 200
    assert not Complaint.objects.exists()
    page = response.content.decode()
    assert 'href="#id_contact"' in page
    assert _("Please say how we can reach you, or choose to stay anonymous.") in page


def error_summary_items(page):
    """Return [(anchor, text)] of the links in the error summary above the form."""
    summary = page.split('id="error-summary"')[1].split("</ul>")[0]
    return [
        (anchor, html.unescape(text))
        for anchor, text in re.findall(
            r'<li><a href="#([^"]*)">(.*?)</a></li>', summary
        )
    ]


def test_error_summary_joins_question_labels_without_a_doubled_mark(client, world):
    """A label that is a question loses its "?" before ": " and the message."""
    response = post(client, world, category=None, reply=None)
    assert response.status_code == 200
    assert not Complaint.objects.exists()
    items = error_summary_items(response.content.decode())
    category = _("What is your complaint about?").removesuffix("?")
    reply = _("Would you like an answer?").removesuffix("?")
    assert items == [
        (
            "id_category_0",
            f"{category}: {_('Please choose what your complaint is about.')}",
        ),
        (
            "id_reply_0",
            f"{reply}: {_('Please choose whether you would like an answer.')}",
        ),
    ]
    assert not any("?:" in text for _anchor, text in items)


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("", "Please describe your complaint."),
        ("   \n\t \r\n ", "Please describe your complaint."),
        (None, "Please describe your complaint."),
        ("Hallo\x00Welt", NULL_CHARACTER),
    ],
)
def test_bad_text_is_refused_with_a_specific_message(client, world, text, message):
    response = post(client, world, text=text)
    assert response.status_code == 200
    assert not Complaint.objects.exists()
    page = response.content.decode()
    assert _(message) in page
    # The error summary links to the field.
    assert 'href="#id_text"' in page
    assert 'aria-invalid="true"' in page


def test_a_text_of_100000_characters_is_refused(client, world):
    response = post(client, world, text="A" * 100_000)
    assert response.status_code == 200
    assert not Complaint.objects.exists()
    page = response.content.decode()
    assert "100.000" in page or "100,000" in page
    # The counter without JavaScript shows the length sent.
    assert "id_text_status" in page


def test_text_at_the_limit_is_accepted(client, world):
    assert post(client, world, text="A" * 5_000).status_code == 302


def test_contact_over_300_characters_is_refused(client, world):
    response = post(client, world, contact="x" * 301)
    assert response.status_code == 200
    assert not Complaint.objects.exists()


def test_control_characters_are_removed(client, world):
    post(client, world, text="Zeile\x01\x02 eins\r\nZeile\x7f zwei\x1b")
    assert Complaint.objects.get().read()["text"] == "Zeile eins\nZeile zwei"


def test_html_and_script_are_stored_as_text_and_shown_escaped(
    client, world, verified_client_for
):
    from dialoq.accounts.roles import Role
    from tests import factories

    script = '<script>alert("x")</script><b onmouseover="x()">fett</b>'
    post(client, world, text=script, contact="<img src=x onerror=alert(1)>")
    complaint = Complaint.objects.get()
    assert complaint.read()["text"] == script
    qm = factories.make_user(
        "qm_a", role=Role.QM_OFFICER, organisation=world.provider_a
    )
    page = (
        verified_client_for(qm)
        .get(reverse("deviations:complaint_detail", args=[complaint.pk]))
        .content.decode()
    )
    assert "<script>alert" not in page
    assert "&lt;script&gt;alert(&quot;x&quot;)&lt;/script&gt;" in page
    assert "<img src=x" not in page


def test_html_in_a_sent_back_form_is_escaped(client, world):
    response = post(client, world, text="<script>alert(1)</script>", reply="bogus")
    page = response.content.decode()
    assert "<script>alert(1)</script>" not in page
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in page


@pytest.mark.parametrize(
    ("field", "value"),
    [("category", "bogus"), ("source", "admin"), ("reply", "maybe")],
)
def test_unknown_choices_are_refused(client, world, field, value):
    response = post(client, world, **{field: value})
    assert response.status_code == 200
    assert not Complaint.objects.exists()
    assert _("Please choose one of the options shown.") in response.content.decode()


def test_no_way_to_attach_a_case(client, world):
    """Extra fields naming a case or another organisation are ignored."""
    post(client, world, case=world.case_a.pk, case_id=world.case_a.pk, funder=1)
    complaint = Complaint.objects.get()
    assert complaint.case is None
    assert complaint.funder is None
    assert "case" not in client.get(URL).content.decode().lower().split("<form")[1]


def test_honeypot_pretends_success_and_stores_nothing(client, world):
    response = post(client, world, website="http://spam.example")
    assert response.status_code == 302
    assert not Complaint.objects.exists()
    page = client.get(response["Location"]).content.decode()
    assert "B-" not in page.split("<main")[1]


def test_rate_limit_per_address(world, settings):
    """After the hourly limit, the form answers 429 with an explanation."""
    settings.COMPLAINT_FORM_LIMIT_PER_HOUR = 2
    client = Client(REMOTE_ADDR="203.0.113.7")
    assert post(client, world).status_code == 302
    assert post(client, world).status_code == 302
    response = post(client, world)
    assert response.status_code == 429
    assert response["Retry-After"] == "3600"
    page = response.content.decode()
    assert _("Too many complaints from this connection") in page
    assert _("Your complaint has not been saved.") in page
    assert Complaint.objects.count() == 2
    # Another address may still send; reading the form stays possible.
    assert post(Client(REMOTE_ADDR="203.0.113.8"), world).status_code == 302
    assert client.get(URL).status_code == 200


def test_rate_limit_counts_the_honeypot(world, settings):
    settings.COMPLAINT_FORM_LIMIT_PER_HOUR = 1
    client = Client(REMOTE_ADDR="203.0.113.9")
    post(client, world, website="spam")
    assert post(client, world).status_code == 429
    assert not Complaint.objects.exists()


def test_the_address_is_never_stored(world, settings):
    """Neither the cache key nor the database holds the client address."""
    client = Client(REMOTE_ADDR="198.51.100.23")
    post(client, world)
    keys = list(cache._cache.keys())
    assert keys
    assert not any("198.51.100.23" in key for key in keys)
    complaint = Complaint.objects.get()
    assert "198.51.100.23" not in str(complaint.__dict__)


def test_missing_csrf_token_is_refused(world):
    client = Client(enforce_csrf_checks=True)
    response = post(client, world)
    assert response.status_code == 403
    assert not Complaint.objects.exists()


@pytest.mark.parametrize("method", ["put", "patch", "delete"])
def test_other_methods_are_not_allowed(db, client, method):
    assert getattr(client, method)(URL).status_code == 405
    assert getattr(client, method)("/beschwerde/danke/").status_code == 405


def test_non_utf8_bytes_give_no_error(client, world):
    token = organisation_token(world.provider_a)
    body = (
        b"organisation=" + token.encode() + b"&source=beneficiary&category=help"
        b"&reply=anonymous&text=Ung%FCltig+%FF%FE+\xff\xfe+Bytes"
    )
    response = client.post(URL, body, content_type="application/x-www-form-urlencoded")
    assert response.status_code in {200, 302}
    response = client.get(URL + "?org=%FF%FE")
    assert response.status_code == 200
    response = client.post(
        URL, b"\xff\xfe\x00garbage", content_type="application/x-www-form-urlencoded"
    )
    assert response.status_code == 200


def test_logs_and_notifications_hold_no_personal_data(client, world, caplog):
    from dialoq.accounts.roles import Role
    from dialoq.notifications.models import Notification
    from tests import factories

    factories.make_user("qm_b", role=Role.QM_OFFICER, organisation=world.provider_a)
    caplog.set_level(logging.DEBUG)
    post(client, world)
    client.get(reverse("complaints_public:thanks"))
    assert Complaint.objects.get().reference in caplog.text
    assert SECRET_TEXT not in caplog.text
    assert SECRET_CONTACT not in caplog.text
    notice = Notification.objects.get()
    assert SECRET_TEXT not in notice.subject + notice.body
    assert SECRET_CONTACT not in notice.subject + notice.body


def test_english_version(client, world):
    client.post(reverse("set_language"), {"language": "en", "next": URL})
    page = client.get(URL).content.decode()
    assert 'lang="en"' in page
    assert "Make a complaint" in page
