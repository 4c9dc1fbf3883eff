"""The evidence pack: frozen once, unchanged by later data, aggregates only."""

import re
from datetime import date, datetime

import pytest
from django.db import connection
from django.urls import reverse

from dialoq.dialogues import services
from dialoq.dialogues.models import (
    DialogueLocked,
    DialogueStatus,
    EvidencePack,
    canonical_json,
    sha256_of,
)
from dialoq.measures.models import Result
from tests.deviations.factories import make_complaint, make_deviation
from tests.dialogues.factories import make_dialogue, make_results


def _main(response) -> str:
    """Return the page's main content (without the per-request CSRF token)."""
    html = response.content.decode()
    return re.search(r"<main.*</main>", html, re.S).group(0)


def _in_period():
    return datetime(2026, 3, 15, 10, 0).astimezone()


@pytest.fixture
def frozen(world, people):
    make_results(world)
    make_deviation(world.case_a, detected_at=_in_period())
    make_complaint(
        funder=world.funder,
        provider=world.provider_a,
        text="Mein Betreuer Herr X. kam nie.",
        received_at=_in_period(),
    )
    dialogue = make_dialogue(world, people.qm_funder)
    services.do_freeze_pack(people.qm_funder, dialogue)
    return dialogue


def test_pack_holds_the_conspicuous_result_with_interval_and_peers(frozen, world):
    content = frozen.pack.content
    [line] = content["indicators"]
    assert line["conspicuous"] is True
    assert (line["cases"], line["value"]) == (20, 0.4)
    assert line["ci_lower"] < 0.4 < line["ci_upper"]
    assert [peer["own"] for peer in line["peers"]] == [True, False]
    assert "<svg" in line["charts"]["funnel"] and "<svg" in line["charts"]["series"]
    assert [point["value"] for point in line["course"]] == [0.5, 0.4]
    assert frozen.status == DialogueStatus.PACK_FROZEN
    assert [item.kind for item in frozen.agenda_items.all()] == ["result"]


def test_pack_names_no_peer_and_holds_no_complaint_text(frozen, world):
    """Peers are numbered, never named; complaints are counted, never quoted."""
    text = canonical_json(frozen.pack.content).decode()
    assert world.provider_b.name not in text
    assert "Herr X." not in text
    assert frozen.pack.content["complaints"]["received"] == 1
    assert frozen.pack.content["deviations"]["detected"] == 1
    assert frozen.pack.content["feedback"]["suppressed"] is True


def test_frozen_pack_stays_identical_after_data_changes(
    frozen, world, people, verified_client_for
):
    """Results, deviations and complaints change: hash, content and page do not."""
    client = verified_client_for(people.qm_funder)
    url = reverse("dialogues:pack", args=[frozen.pk])
    page_before = _main(client.get(url))
    sha_before = frozen.pack.sha256
    json_before = canonical_json(frozen.pack.content)

    Result.objects.filter(provider=world.provider_a).update(
        value=0.9, numerator=18, evaluation="within_range"
    )
    Result.objects.filter(provider=world.provider_b).delete()
    make_deviation(world.case_a, detected_at=_in_period())
    make_complaint(
        funder=world.funder, provider=world.provider_a, received_at=_in_period()
    )

    pack = EvidencePack.objects.get(pk=frozen.pack.pk)
    assert pack.sha256 == sha_before == sha256_of(pack.content)
    assert canonical_json(pack.content) == json_before
    assert _main(client.get(url)) == page_before
    assert "40.0" in page_before and "Checked" in page_before
    assert services.evidence.gather(frozen)["indicators"][0]["value"] == 0.9


def test_pack_cannot_be_changed_or_frozen_again(frozen, people):
    pack = frozen.pack
    pack.content = {**pack.content, "indicators": []}
    with pytest.raises(DialogueLocked):
        pack.save()
    with pytest.raises(DialogueLocked):
        pack.delete()
    with pytest.raises(DialogueLocked):
        EvidencePack.objects.filter(pk=pack.pk).update(content={})
    with pytest.raises(DialogueLocked):
        EvidencePack.objects.filter(pk=pack.pk).delete()
    with pytest.raises(services.DialogueError):
        services.do_freeze_pack(people.qm_funder, frozen)
    assert EvidencePack.objects.get(pk=pack.pk).intact


def test_altered_pack_is_reported_on_the_page(frozen, people, verified_client_for):
    """A pack changed behind the application's back fails its hash check."""
    with connection.cursor() as cursor:
        cursor.execute(
            "UPDATE dialogues_evidencepack SET content = %s WHERE id = %s",
            ['{"indicators": []}', frozen.pack.pk],
        )
    pack = EvidencePack.objects.get(pk=frozen.pack.pk)
    assert not pack.intact
    page = verified_client_for(people.qm_funder).get(
        reverse("dialogues:pack", args=[frozen.pk])
    )
    assert b"no longer matches its fingerprint" in page.content


def test_only_partners_workers_freeze(world, people, client_for, verified_client_for):
    make_results(world)
    dialogue = make_dialogue(world, people.qm_funder)
    url = reverse("dialogues:freeze", args=[dialogue.pk])
    assert client_for(world.people.provider_a).post(url).status_code == 404
    assert verified_client_for(people.qm_elsewhere).post(url).status_code == 404
    assert not EvidencePack.objects.exists()


def test_freezing_takes_proposals_and_flags_onto_the_agenda(world, people):
    """Self-assessment proposals and review flags of the pair go on the agenda once."""
    from dialoq.deviations.models import ReviewFlagStatus
    from dialoq.self_assessment import services as self_assessment
    from tests.deviations.compliance_data import walk_review_flag
    from tests.self_assessment.factories import fill, make_round

    round_ = make_round(world.funder, world.provider_a)
    fill(round_, "funder", people.qm_funder, lambda item: 2)
    fill(round_, "provider", people.qm_provider, lambda item: 3)
    self_assessment.do_submit(people.qm_funder, round_, "funder")
    self_assessment.do_submit(people.qm_provider, round_, "provider")
    item = round_.template_version.criteria.first().items.first()
    proposal = self_assessment.do_propose_for_agenda(
        people.qm_provider, round_, item, "Schnittstellen klären"
    )
    flag = walk_review_flag(world)

    dialogue = make_dialogue(world, people.qm_funder)
    services.do_freeze_pack(people.qm_funder, dialogue)

    kinds = sorted(item.kind for item in dialogue.agenda_items.all())
    assert kinds == ["review_flag", "self_assessment"]
    proposal.refresh_from_db()
    flag.refresh_from_db()
    assert proposal.status == "on_agenda"
    assert flag.status == ReviewFlagStatus.ON_AGENDA
    # The next dialogue does not propose the same self-assessment item again,
    # while the flag stays open until the funder decides on the standard.
    later = services.do_create_dialogue(
        people.qm_funder,
        own=world.funder,
        partner=world.provider_a,
        period_start=date(2027, 1, 1),
        period_end=date(2027, 12, 31),
        planned_date=date(2028, 2, 1),
    )
    services.do_freeze_pack(people.qm_funder, later)
    assert [item.kind for item in later.agenda_items.all()] == ["review_flag"]
