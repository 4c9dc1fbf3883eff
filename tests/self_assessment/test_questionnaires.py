"""The built-in questionnaires: files load, sync after migrate, versions on change."""

import dataclasses

import pytest

from dialoq.self_assessment.models import Item, TemplateVersion, VersionStatus
from dialoq.self_assessment.questionnaires import (
    QuestionnaireError,
    load_questionnaires,
    sync_questionnaires,
)
from tests.self_assessment.factories import CAF, ECKPUNKTE, make_round, version


def _by_key():
    return {entry.key: entry for entry in load_questionnaires()}


def test_caf_has_nine_criteria_and_twenty_eight_sub_criteria():
    caf = _by_key()[CAF]
    assert [criterion.code for criterion in caf.criteria] == list("123456789")
    counts = [len(criterion.items) for criterion in caf.criteria]
    assert counts == [4, 4, 3, 6, 3, 2, 2, 2, 2]
    assert sum(counts) == 28
    schemes = [item.scheme for criterion in caf.criteria for item in criterion.items]
    assert schemes == ["enabler"] * 20 + ["result"] * 8
    assert caf.total == "sum"


def test_eckpunkte_has_the_six_core_elements_on_the_ordinal_scale():
    eckpunkte = _by_key()[ECKPUNKTE]
    assert [criterion.title_en for criterion in eckpunkte.criteria] == [
        "Leadership, policy and strategy",
        "Staff",
        "Partnerships and resources",
        "Key processes",
        "Verification of outcome quality",
        "Reflection of the cooperation",
    ]
    items = [item for criterion in eckpunkte.criteria for item in criterion.items]
    assert {item.scheme for item in items} == {"ordinal"}
    assert "Eckpunkte" in eckpunkte.source and "2010" in eckpunkte.source


def test_migrate_put_one_version_of_each_template_in_force(db):
    in_force = TemplateVersion.objects.filter(status=VersionStatus.IN_FORCE)
    assert sorted(v.template.key for v in in_force) == [CAF, ECKPUNKTE]
    assert Item.objects.filter(criterion__version=version(CAF)).count() == 28
    assert sync_questionnaires() == 0  # nothing changed, nothing written


def test_changed_template_gets_a_new_version_and_rounds_keep_theirs(world):
    old = version(ECKPUNKTE)
    round_ = make_round(world.funder, world.provider_a)
    changed = [
        dataclasses.replace(entry, title=entry.title + " (2026)")
        if entry.key == ECKPUNKTE
        else entry
        for entry in load_questionnaires()
    ]
    assert sync_questionnaires(tuple(changed)) == 1
    new = version(ECKPUNKTE)
    old.refresh_from_db()
    assert (old.status, new.version, new.title.endswith("(2026)")) == (
        "retired",
        old.version + 1,
        True,
    )
    round_.refresh_from_db()
    assert round_.template_version == old
    assert new.criteria.count() == old.criteria.count() == 6


def test_removed_template_is_retired(db):
    remaining = tuple(e for e in load_questionnaires() if e.key != CAF)
    assert sync_questionnaires(remaining) == 0
    assert not TemplateVersion.objects.filter(
        template__key=CAF, status=VersionStatus.IN_FORCE
    ).exists()


@pytest.mark.parametrize(
    ("change", "message"),
    [
        ('total = "sum"', "must be one of"),
        ('scheme = "ordinal"', "cannot be mixed"),
        ("flag_threshold = 0", "flag_threshold"),
        ('colour = "red"', "unknown field"),
    ],
)
def test_broken_file_fails_naming_the_problem(tmp_path, change, message):
    text = _by_key_file(CAF)
    if change.startswith("total"):
        text = text.replace('total = "sum"', 'total = "median"')
    elif change.startswith("scheme"):
        text = text.replace('scheme = "result"', 'scheme = "ordinal"', 1)
    elif change.startswith("flag"):
        text = text.replace("flag_threshold = 20", change)
    else:
        text = text.replace('key = "caf-2020"', f'key = "caf-2020"\n{change}')
    (tmp_path / "caf.toml").write_text(text)
    with pytest.raises(QuestionnaireError, match=message):
        load_questionnaires(tmp_path)


def _by_key_file(key):
    from dialoq.self_assessment.questionnaires import QUESTIONNAIRE_DIR

    return (QUESTIONNAIRE_DIR / f"{key}.toml").read_text()
