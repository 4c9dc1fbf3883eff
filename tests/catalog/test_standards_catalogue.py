"""The built-in key processes and standards: files checked loudly, synced once."""

import dataclasses

import pytest

from dialoq.catalog.models import (
    KeyProcess,
    KeyProcessVersion,
    ProcessStandard,
    ProcessStandardVersion,
    VersionStatus,
)
from dialoq.catalog.standards import in_force, parse_rule
from dialoq.catalog.standards.catalogue import (
    CatalogueError,
    load_catalogue,
    sync_catalogue,
)

PROCESS = """
[[key_process]]
key = "mini"
title = "Mini"
title_en = "Mini"
purpose = "Zweck"
legal_basis = "§ 36 SGB VIII"
source = "Quelle"

[[key_process.step]]
key = "eins"
title = "Eins"
responsible = "funder"

[[key_process.step]]
key = "zwei"
title = "Zwei"
responsible = "provider"

[[key_process.interface]]
step = "zwei"
from = "provider"
to = "funder"
subject = "Bericht"
trigger = "vor der Fortschreibung"
form = "written"
"""

STANDARD = """
[[standard]]
key = "mini-standard"
title = "Mini"
title_en = "Mini"
quality_goal = "Ziel"
rationale = "Grund"
source = "Quelle"
perspective = "interaction"
responsible = "provider"
severity = "low"
key_process = "mini"
step = "zwei"

[standard.rule]
kind = "max_interval"
event = "contact"
every = "4 weeks"
"""


def _write(tmp_path, process=PROCESS, standard=STANDARD):
    (tmp_path / "key_processes.toml").write_text(process, encoding="utf-8")
    (tmp_path / "standards.toml").write_text(standard, encoding="utf-8")
    return tmp_path


def _error(tmp_path, **files) -> str:
    with pytest.raises(CatalogueError) as caught:
        load_catalogue(_write(tmp_path, **files))
    return str(caught.value)


# --- the shipped files --------------------------------------------------------


def test_the_shipped_catalogue_covers_every_kind_and_perspective():
    catalogue = load_catalogue()
    assert len(catalogue.key_processes) >= 4
    assert len(catalogue.standards) >= 12
    assert {entry.parsed.kind for entry in catalogue.standards} == {
        "deadline",
        "max_interval",
        "precondition",
        "participation",
    }
    assert {entry.perspective for entry in catalogue.standards} == {
        "business_process",
        "interaction",
        "service",
        "use",
    }
    scoped = [e for e in catalogue.standards if e.parsed.scope.service_types]
    assert scoped, "at least one standard is scoped by service type"
    assert sum(bool(e.parsed.scope.code_books) for e in catalogue.standards) >= 5
    for process in catalogue.key_processes:
        parties = {step.responsible for step in process.steps}
        assert process.interfaces, process.key
        assert parties & {"funder", "provider"}, process.key


def test_the_first_contact_standard_is_shipped_as_the_issue_describes():
    entry = load_catalogue().standard("erstkontakt-10-arbeitstage")
    assert entry.rule == {
        "kind": "deadline",
        "anchor": "referral",
        "event": "contact",
        "within": "10 working days",
        "scope": {"code_books": ["SGB VIII"]},
    }
    assert (entry.key_process, entry.step_key) == ("hilfeplanverfahren", "erstkontakt")


def test_the_catalogue_is_in_the_database_after_migrate(db):
    catalogue = load_catalogue()
    versions = ProcessStandardVersion.objects.filter(
        standard__owner=None, status=VersionStatus.IN_FORCE
    )
    assert versions.count() == len(catalogue.standards)
    process = KeyProcessVersion.objects.get(
        process__key="hilfeplanverfahren", status=VersionStatus.IN_FORCE
    )
    entry = catalogue.key_process("hilfeplanverfahren")
    assert [s.key for s in process.steps.order_by("order")] == [
        s.key for s in entry.steps
    ]
    assert process.interfaces.count() == len(entry.interfaces)
    assert process.interfaces.filter(step__isnull=True).count() == 0


def test_in_force_returns_parsed_versions_of_built_in_and_own_standards(db, world):
    own = ProcessStandard.objects.create(key="own-standard", owner=world.funder)
    rule = {"kind": "max_interval", "event": "review", "every": "3 months"}
    ProcessStandardVersion.objects.create(
        standard=own,
        version=1,
        status=VersionStatus.IN_FORCE,
        title="Eigen",
        quality_goal="Ziel",
        perspective="service",
        responsible="funder",
        rule=rule,
    )
    ProcessStandardVersion.objects.create(
        standard=ProcessStandard.objects.create(key="draft-only", owner=world.funder),
        version=1,
        status=VersionStatus.DRAFT,
        title="Entwurf",
        quality_goal="Ziel",
        perspective="service",
        responsible="funder",
        rule=rule,
    )
    versions = in_force()
    keys = [version.standard.key for version in versions]
    assert "own-standard" in keys and "draft-only" not in keys
    assert keys == sorted(keys)
    assert len(keys) == len(load_catalogue().standards) + 1
    mine = versions[keys.index("own-standard")]
    assert mine.parsed() == parse_rule(rule)
    assert mine.standard.owner == world.funder


# --- synchronising ------------------------------------------------------------


def test_sync_is_idempotent_and_writes_nothing_when_unchanged(
    db, django_assert_max_num_queries
):
    """After migrate the database matches; a second sync finds that out by reading."""
    with django_assert_max_num_queries(6):
        summary = sync_catalogue()
    assert not summary.changed
    assert ProcessStandardVersion.objects.filter(version__gt=1).count() == 0


def test_a_changed_rule_gives_a_new_version_and_retires_the_old(db):
    catalogue = load_catalogue()
    entry = catalogue.standard("kontakt-4-wochen")
    rule = {**entry.rule, "every": "3 weeks"}
    changed = dataclasses.replace(entry, rule=rule, parsed=parse_rule(rule))
    standards = tuple(changed if e.key == entry.key else e for e in catalogue.standards)
    summary = sync_catalogue(dataclasses.replace(catalogue, standards=standards))
    assert (summary.versions_created, summary.versions_retired) == (1, 1)
    versions = ProcessStandardVersion.objects.filter(
        standard__key="kontakt-4-wochen"
    ).order_by("version")
    assert [(v.version, v.status) for v in versions] == [
        (1, VersionStatus.RETIRED),
        (2, VersionStatus.IN_FORCE),
    ]
    assert versions[1].rule["every"] == "3 weeks"
    assert versions[1].change_note == "Aktualisierung des mitgelieferten Katalogs"
    assert not sync_catalogue(
        dataclasses.replace(catalogue, standards=standards)
    ).changed
    # back to the files: version 3, equal in content to version 1
    assert sync_catalogue().versions_created == 1
    assert versions.get(status=VersionStatus.IN_FORCE).version == 3


def test_a_changed_step_gives_the_process_a_new_version(db):
    catalogue = load_catalogue()
    entry = catalogue.key_process("beschwerdeverfahren")
    steps = (dataclasses.replace(entry.steps[0], title="Beschwerde äußern"),)
    changed = dataclasses.replace(entry, steps=steps + entry.steps[1:])
    processes = tuple(
        changed if e.key == entry.key else e for e in catalogue.key_processes
    )
    summary = sync_catalogue(dataclasses.replace(catalogue, key_processes=processes))
    assert (summary.versions_created, summary.versions_retired) == (1, 1)
    current = KeyProcessVersion.objects.get(
        process__key="beschwerdeverfahren", status=VersionStatus.IN_FORCE
    )
    assert current.version == 2
    assert current.steps.get(order=1).title == "Beschwerde äußern"
    assert current.interfaces.count() == len(entry.interfaces)
    retired = KeyProcessVersion.objects.get(
        process__key="beschwerdeverfahren", version=1
    )
    assert retired.status == VersionStatus.RETIRED
    assert retired.steps.get(order=1).title == entry.steps[0].title


def test_a_standard_removed_from_the_files_is_retired(db):
    catalogue = load_catalogue()
    standards = tuple(e for e in catalogue.standards if e.key != "kontakt-4-wochen")
    summary = sync_catalogue(dataclasses.replace(catalogue, standards=standards))
    assert (summary.versions_created, summary.versions_retired) == (0, 1)
    assert not ProcessStandardVersion.objects.filter(
        standard__key="kontakt-4-wochen", status=VersionStatus.IN_FORCE
    ).exists()


def test_a_key_taken_by_an_organisation_stops_the_sync(db, world):
    ProcessStandard.objects.filter(key="kontakt-4-wochen").update(owner=world.funder)
    with pytest.raises(CatalogueError, match="already used by organisation"):
        sync_catalogue()


def test_a_new_database_gets_processes_then_standards(db):
    ProcessStandardVersion.objects.all().delete()
    ProcessStandard.objects.all().delete()
    KeyProcessVersion.objects.all().delete()
    KeyProcess.objects.all().delete()
    summary = sync_catalogue()
    catalogue = load_catalogue()
    assert summary.processes_created == len(catalogue.key_processes)
    assert summary.standards_created == len(catalogue.standards)
    standard = ProcessStandardVersion.objects.get(standard__key="hilfeplan-6-wochen")
    assert standard.key_process.key == "hilfeplanverfahren"


# --- broken files fail loudly -------------------------------------------------


def test_a_small_catalogue_loads(tmp_path):
    catalogue = load_catalogue(_write(tmp_path))
    assert [e.key for e in catalogue.standards] == ["mini-standard"]
    assert catalogue.key_process("mini").interfaces[0].from_party == "provider"


@pytest.mark.parametrize(
    ("process", "standard", "message"),
    [
        (
            PROCESS.replace('key = "mini"', 'key = "Mini Prozess"'),
            STANDARD,
            "key process key “Mini Prozess” must be lower-case words",
        ),
        (
            PROCESS.replace('step = "zwei"', 'step = "drei"'),
            STANDARD,
            "unknown step “drei”",
        ),
        (
            PROCESS.replace('form = "written"', 'form = "fax"'),
            STANDARD,
            "“form” must be one of written",
        ),
        (
            PROCESS.replace('responsible = "funder"', 'responsible = "court"'),
            STANDARD,
            "“responsible” must be one of funder",
        ),
        (
            PROCESS + '\n[[key_process.step]]\nkey = "eins"\ntitle = "X"\n'
            'responsible = "funder"\n',
            STANDARD,
            "step key “eins” is used twice",
        ),
        (
            PROCESS.replace('purpose = "Zweck"\n', ""),
            STANDARD,
            "missing field(s) purpose",
        ),
        (
            PROCESS,
            STANDARD.replace('every = "4 weeks"', 'every = "4 Jahre"'),
            "rule field “every”: “4 Jahre” is not a duration",
        ),
        (
            PROCESS,
            STANDARD.replace('event = "contact"', 'event = "visit"'),
            "rule field “event”: “visit” cannot be used here",
        ),
        (
            PROCESS,
            STANDARD.replace('step = "zwei"', 'step = "drei"'),
            "key process “mini” has no step “drei”",
        ),
        (
            PROCESS,
            STANDARD.replace('key_process = "mini"', 'key_process = "maxi"'),
            "unknown key process “maxi”",
        ),
        (
            PROCESS,
            STANDARD.replace('severity = "low"', 'severity = "dire"'),
            "“severity” must be one of low",
        ),
        (
            PROCESS,
            STANDARD.replace('perspective = "interaction"', 'perspective = "x"'),
            "“perspective” must be one of business_process",
        ),
        (
            PROCESS,
            STANDARD.replace('source = "Quelle"', 'source = "Quelle"\nnote = 1'),
            "unknown field(s) note",
        ),
        (
            PROCESS,
            STANDARD.replace('title = "Mini"', 'title = "  "'),
            "“title” must be a non-empty text",
        ),
        (
            PROCESS,
            STANDARD + STANDARD,
            "standard key “mini-standard” is declared twice",
        ),
        (PROCESS, "[[standard]\n", "not valid TOML"),
        (PROCESS, "[[indicator]]\nkey = 'x'\n", "unexpected table(s) indicator"),
    ],
)
def test_a_broken_file_names_file_key_and_problem(tmp_path, process, standard, message):
    text = _error(tmp_path, process=process, standard=standard)
    assert message in text
    assert str(tmp_path) in text


def test_a_missing_process_file_is_named(tmp_path):
    (tmp_path / "standards.toml").write_text(STANDARD, encoding="utf-8")
    with pytest.raises(
        CatalogueError, match=r"key_processes\.toml: the file is missing"
    ):
        load_catalogue(tmp_path)
