"""Load the calibrated demo district: the entry point `dialoq demo` calls.

The small tables (organisations, teams, service types, people) go through the
ORM; cases and everything below them are drawn column-wise by
:mod:`dialoq.demo.generator` and written in bulk, chunk by chunk, with primary
keys assigned here so children can point at parents without reading back.
"""

import time
import uuid
from importlib import import_module

import numpy as np
from django.apps import apps
from django.core.management import call_command
from django.db import connection, transaction
from django.utils import timezone

from dialoq.accounts.models import Organisation, OrganisationUnit
from dialoq.cases.models import (
    GAS_INSTRUMENT,
    PSEUDONYM_ALPHABET,
    Beneficiary,
    Case,
    Contact,
    Goal,
    GoalRating,
    HelpPlan,
    NeedAssessment,
    NeedDimension,
    NeedRating,
    Review,
)
from dialoq.catalog.models import ServiceType
from dialoq.demo import activity, district, generator, planning, processes, writer
from dialoq.demo import calibration as cal
from dialoq.demo.agreements import create_agreements
from dialoq.demo.complaints import create_complaints
from dialoq.demo.staff import create_staff
from dialoq.feedback.models import SurveyResponse
from dialoq.feedback.survey import ITEM_FIELDS, SURVEY_INSTRUMENT

DEMO_PASSWORD = district.DEMO_PASSWORD
DEMO_LOGINS = [
    {
        "username": login.username,
        "password": login.password,
        "role": login.role_label,
        "organisation": district.ORGANISATIONS_BY_KEY[login.organisation].short_name
        + (f" – {login.unit}" if login.unit else ""),
    }
    for login in district.LOGINS
]
CHUNK_CASES = 25_000
NUMBERED_MODELS = (
    Beneficiary,
    Case,
    HelpPlan,
    Goal,
    Review,
    GoalRating,
    Contact,
    NeedAssessment,
    NeedRating,
)
BULK_MODELS = (*NUMBERED_MODELS, SurveyResponse)
# Indexes over staff, whose values are scattered: built once after loading.
LATE_INDEXES = (
    (Case, "case_manager"),
    (Case, "caseworker"),
    (HelpPlan, "created_by"),
    (GoalRating, "rated_by"),
    (Contact, "staff"),
    (NeedAssessment, "assessed_by"),
)


def reset_database():
    """Delete all data, so that the demo can be generated anew."""
    if connection.vendor == "postgresql" and connection.in_atomic_block:
        # Deferred foreign-key checks of rows written earlier in the same
        # transaction would make TRUNCATE fail ("pending trigger events").
        with connection.cursor() as cursor:
            cursor.execute("SET CONSTRAINTS ALL IMMEDIATE")
    call_command("flush", interactive=False, verbosity=0)


def is_loaded() -> bool:
    """Return whether the demo district is in the database."""
    name = district.ORGANISATIONS_BY_KEY[district.YOUTH_OFFICE].name
    return Organisation.objects.filter(name=name).exists()


def load(cases: int, seed: int, out):
    """Generate the demo district with the given number of cases."""
    if is_loaded():
        raise RuntimeError(
            "The demo data are already loaded; reset the database first."
        )
    began = time.monotonic()
    today = timezone.localdate()
    rng = np.random.default_rng(seed)
    out.write(f"Demo-Landkreis Wesertal: {_cases(cases)}, Startwert {seed}\n")

    drawn = generator.draw_cases(rng, cases)
    managers, workers = generator.team_sizes(drawn)
    with transaction.atomic():
        ids = _create_district()
        staff = create_staff(rng, ids, managers, workers, today)
        create_agreements(ids.organisations, today)
    out.write(
        f"Organisationen, Teams, Leistungsarten und {_number(staff.headcount)} "
        "Beschäftigte angelegt\n"
    )
    generator.assign_staff(rng, drawn, managers, workers)
    generator.showcase(rng, drawn, _showcases())
    drawn = generator.settle(rng, drawn, today)

    target = _Target(rng, ids, staff, today)
    with (
        writer.fast_writes(),
        writer.foreign_keys_checked_once(BULK_MODELS),
        writer.indexes_built_after(LATE_INDEXES),
    ):
        for start in range(0, cases, CHUNK_CASES):
            chunk = drawn.take(slice(start, min(start + CHUNK_CASES, cases)))
            with transaction.atomic():
                target.write(rng, chunk)
            done = start + len(chunk)
            out.write(f"Fälle: {_number(done)} / {_number(cases)}\n")
            out.flush()
        writer.reset_sequences(NUMBERED_MODELS)
    out.write(f"{create_complaints(seed, ids.organisations, today)} Beschwerden\n")

    _print_summary(out, drawn, target.bulk, time.monotonic() - began)
    return target.bulk.rows


def print_logins(out):
    """Print the demo logins as a table."""
    headers = ("Benutzername", "Rolle", "Organisation")
    rows = [(x["username"], x["role"], x["organisation"]) for x in DEMO_LOGINS]
    widths = [max(len(row[i]) for row in [headers, *rows]) for i in range(3)]
    out.write(f"\nDemo-Zugänge (Passwort für alle: {DEMO_PASSWORD})\n")
    for row in [headers, *rows]:
        out.write(
            "  ".join(
                cell.ljust(width) for cell, width in zip(row, widths, strict=True)
            ).rstrip()
            + "\n"
        )


class _Ids:
    """Database ids of the district, indexed like the generator's codes."""

    def __init__(self, organisations, units, services):
        self.organisations = organisations  # key → Organisation
        self.units = units  # (organisation key, unit name) → OrganisationUnit
        self.service = np.array([services[key].pk for key in generator.SERVICE_KEYS])
        # The need dimensions of each service type, in order.
        self.need_dimensions = [
            np.array(
                NeedDimension.for_service_type(services[key]).values_list(
                    "pk", flat=True
                )
            )
            for key in generator.SERVICE_KEYS
        ]
        self.funder = np.array([organisations[key].pk for key in generator.FUNDER_KEYS])
        self.funder_unit = np.array([units[u].pk for u in generator.FUNDER_UNITS])
        self.provider_unit = np.array([units[u].pk for u in generator.PROVIDER_UNITS])
        self.provider = np.array(
            [organisations[key].pk for key, _ in generator.PROVIDER_UNITS]
        )


def _create_district() -> _Ids:
    services = {}
    for spec in district.SERVICE_TYPES:
        service, _created = ServiceType.objects.update_or_create(
            key=spec.key,
            defaults={
                "name": spec.name,
                "legal_basis": spec.legal_basis,
                "code_book": spec.code_book,
                "category": spec.category,
                "setting": spec.setting,
                "reference_rate_per_hour": cal.rate_per_hour(spec.key),
            },
        )
        services[spec.key] = service
    organisations, units = {}, {}
    for spec in district.ORGANISATIONS:
        organisation = Organisation.objects.create(
            kind=spec.kind,
            name=spec.name,
            short_name=spec.short_name,
            funder_type=spec.funder_type,
            federal_state="NI",
        )
        organisations[spec.key] = organisation
        for unit in spec.units:
            units[spec.key, unit.name] = OrganisationUnit.objects.create(
                organisation=organisation,
                kind=unit.kind,
                name=unit.name,
                parent=units[spec.key, unit.parent] if unit.parent else None,
            )
    for spec in district.ORGANISATIONS:
        for network in spec.networks:
            organisations[spec.key].networks.add(organisations[network])
    _ensure_need_dimensions()
    return _Ids(organisations, units, services)


def _ensure_need_dimensions():
    """Create the default need dimensions again if a reset emptied the table.

    ``flush`` empties tables that data migrations filled; the defaults come
    from that migration, so both stay one list.
    """
    if NeedDimension.objects.exists():
        return
    defaults = import_module("dialoq.cases.migrations.0002_default_need_dimensions")
    defaults.create(apps, None)


def _showcases():
    """Return what each demo login with own cases should find."""
    result = []
    for login in district.LOGINS:
        if login.role == "case_manager":
            units = generator.FUNDER_UNITS
        elif login.role == "caseworker":
            units = generator.PROVIDER_UNITS
        else:
            continue
        team = units.index((login.organisation, login.unit))
        result.append(generator.Showcase(login.role, team))
    return result


class _Target:
    """Where the chunks go: the district's ids and the next free primary keys."""

    def __init__(self, rng, ids, staff, today):
        self.bulk = writer.BulkWriter()
        self.ids = ids
        self.staff = staff
        self.today = today
        self.dates = _Dates(today)
        self.pseudonyms = generator.Pseudonyms(rng, PSEUDONYM_ALPHABET)
        self.next_ids = {model: writer.next_id(model) for model in BULK_MODELS}
        self.cases_written = 0

    def new_ids(self, model, count):
        """Return the primary keys for count new rows of a model."""
        first = self.next_ids[model]
        self.next_ids[model] += count
        return np.arange(first, first + count)

    def write(self, rng, chunk):
        """Draw and write one chunk of cases with everything below them."""
        case_ids = self.new_ids(Case, len(chunk))
        managers = self.staff.case_managers(chunk.funder_unit, chunk.case_manager)
        workers = self.staff.caseworkers(chunk.provider_unit, chunk.caseworker)
        self._write_cases(chunk, case_ids, managers, workers)
        rows = planning.draw_chunk(rng, chunk)
        self._write_plans(rows, case_ids, managers, workers)
        reports = processes.draw_reports(rng, chunk, rows)
        processes.write_reports(self.bulk, self.dates, reports, case_ids, workers)
        self._write_contacts(
            activity.draw_contacts(rng, chunk, rows), case_ids, workers
        )
        self._write_needs(
            activity.draw_needs(rng, chunk, self._dimension_counts),
            chunk,
            case_ids,
            workers,
        )
        self._write_survey(activity.draw_survey(rng, chunk, rows), chunk, rng)

    def _write_cases(self, chunk, case_ids, managers, workers):
        index = self.cases_written + np.arange(len(chunk))
        self.cases_written += len(chunk)
        beneficiary_ids = self.new_ids(Beneficiary, len(chunk))
        dates, ids = self.dates, self.ids
        started, closed = chunk.is_started, chunk.is_closed
        start_dates = np.where(started, chunk.started, chunk.referred)
        age = np.floor(chunk.age).astype(int)
        sex = generator.SEXES[chunk.sex]
        self.bulk.write(
            Beneficiary,
            {
                "id": beneficiary_ids,
                "pseudonym": self.pseudonyms(index),
                "sex": sex,
                "birth_year": generator.years(self.today, start_dates) - age,
            },
        )
        integrated = closed & (chunk.funder == generator.JOBCENTER)
        self.bulk.write(
            Case,
            {
                "id": case_ids,
                "reference": generator.references(self.today, chunk),
                "beneficiary": beneficiary_ids,
                "service_type": ids.service[chunk.service],
                "funder": ids.funder[chunk.funder],
                "provider": ids.provider[chunk.provider_unit],
                "funder_unit": ids.funder_unit[chunk.funder_unit],
                "provider_unit": ids.provider_unit[chunk.provider_unit],
                "case_manager": managers,
                "caseworker": workers,
                "status": _statuses(chunk),
                "referred_on": dates(chunk.referred),
                "started_on": dates(chunk.started, where=started),
                "ended_on": dates(chunk.ended, where=closed),
                "next_review_due": dates(chunk.next_review, where=chunk.is_running),
                "closure_reason": np.where(closed, generator.REASONS[chunk.reason], ""),
                "integration_outcome": np.where(
                    integrated, generator.INTEGRATIONS[chunk.integration], ""
                ),
                "age_band": generator.AGE_BANDS[
                    np.searchsorted(generator.AGE_BAND_LIMITS, chunk.age, side="right")
                ],
                "sex": sex,
                "household_type": generator.HOUSEHOLDS[chunk.household],
                "prior_help": chunk.prior_help,
                "transfer_benefits": chunk.transfer_benefits,
                "non_german_at_home": chunk.non_german,
                "subsistence_benefit_per_month": np.where(
                    np.isnan(chunk.benefit), None, chunk.benefit.astype(object)
                ),
            },
        )

    def _write_plans(self, rows, case_ids, managers, workers):
        dates = self.dates
        plan_ids = self.new_ids(HelpPlan, len(rows.plans_case))
        self.bulk.write(
            HelpPlan,
            {
                "id": plan_ids,
                "case": case_ids[rows.plans_case],
                "version": rows.plans_version,
                "agreed_on": dates(rows.plans_agreed),
                "beneficiary_participated": rows.plans_participated,
                "beneficiary_agreed": rows.plans_agreed_by_beneficiary,
                "participants": rows.plans_participants,
                "agreed_hours_per_month": np.where(
                    np.isnan(rows.plans_hours), None, rows.plans_hours.astype(object)
                ),
                "next_review_due": dates(rows.plans_next_review),
                "created_by": managers[rows.plans_case],
            },
        )
        goal_ids = self.new_ids(Goal, len(rows.goals_plan))
        self.bulk.write(
            Goal,
            {
                "id": goal_ids,
                "help_plan": plan_ids[rows.goals_plan],
                "title": _GOAL_TITLES[rows.goals_title],
                "weight": rows.goals_weight,
                "baseline_level": rows.goals_baseline,
                "responsible": rows.goals_responsible,
            },
        )
        review_ids = self.new_ids(Review, len(rows.reviews_case))
        self.bulk.write(
            Review,
            {
                "id": review_ids,
                "case": case_ids[rows.reviews_case],
                "help_plan": plan_ids[rows.reviews_plan],
                "due_on": dates(rows.reviews_due),
                "held_on": dates(rows.reviews_held),
                "is_final": rows.reviews_final,
            },
        )
        # Funder and provider ratings are given by the case's staff; the
        # beneficiary's own rating has no user.
        raters = np.stack(
            [managers, workers, np.full(len(case_ids), None, dtype=object)]
        ).astype(object)
        rating_case = rows.reviews_case[rows.ratings_review]
        rating_ids = self.new_ids(GoalRating, len(rows.ratings_review))
        self.bulk.write(
            GoalRating,
            {
                "id": rating_ids,
                "review": review_ids[rows.ratings_review],
                "goal": goal_ids[rows.ratings_goal],
                "perspective": generator.PERSPECTIVES[rows.ratings_perspective],
                "level": rows.ratings_level,
                "instrument": np.full(len(rating_ids), GAS_INSTRUMENT),
                "rated_by": raters[rows.ratings_perspective, rating_case],
                "rated_at": dates.at_rating_time(rows.ratings_day),
            },
        )

    @property
    def _dimension_counts(self):
        return [len(ids) for ids in self.ids.need_dimensions]

    def _write_contacts(self, contacts, case_ids, workers):
        self.bulk.write(
            Contact,
            {
                "id": self.new_ids(Contact, len(contacts.case)),
                "case": case_ids[contacts.case],
                "occurred_on": self.dates(contacts.day),
                "duration_minutes": contacts.minutes,
                "kind": activity.CONTACT_KINDS[contacts.kind],
                "staff": workers[contacts.case],
            },
        )

    def _write_needs(self, needs, chunk, case_ids, workers):
        assessment_ids = self.new_ids(NeedAssessment, len(needs.assessments_case))
        self.bulk.write(
            NeedAssessment,
            {
                "id": assessment_ids,
                "case": case_ids[needs.assessments_case],
                "occasion": np.where(needs.assessments_closure, "closure", "start"),
                "assessed_on": self.dates(needs.assessments_day),
                "assessed_by": workers[needs.assessments_case],
            },
        )
        service = chunk.service[needs.assessments_case[needs.ratings_assessment]]
        dimension = np.empty(len(service), dtype=np.int64)
        for index, ids in enumerate(self.ids.need_dimensions):
            chosen = service == index
            dimension[chosen] = ids[needs.ratings_dimension[chosen]]
        self.bulk.write(
            NeedRating,
            {
                "id": self.new_ids(NeedRating, len(needs.ratings_assessment)),
                "assessment": assessment_ids[needs.ratings_assessment],
                "dimension": dimension,
                "level": needs.ratings_level,
                "relevant": needs.ratings_relevant,
            },
        )

    def _write_survey(self, survey, chunk, rng):
        ids = self.ids
        case = survey.case
        # Random keys, sorted so that they go into the key's index in order;
        # the answers are in random order already.
        keys = rng.bytes(16 * len(case))
        columns = {
            "id": sorted(
                uuid.UUID(bytes=keys[16 * i : 16 * i + 16], version=4).hex
                for i in range(len(case))
            ),
            "funder": ids.funder[chunk.funder[case]],
            "provider": ids.provider[chunk.provider_unit[case]],
            "service_type": ids.service[chunk.service[case]],
            "period": self.dates.month_starts(survey.day),
            "instrument": np.full(len(case), SURVEY_INSTRUMENT),
            "free_text": np.full(len(case), ""),
        }
        for field in ITEM_FIELDS:
            answers = survey.answers[field]
            columns[field] = np.where(answers == 0, None, answers.astype(object))
        self.bulk.write(SurveyResponse, columns)


_GOAL_TITLES = np.array(planning.GOAL_TITLES, dtype=object)


class _Dates:
    """Convert day offsets to ISO dates through a table, None where a mask is false."""

    def __init__(self, today):
        self.first = -(cal.WINDOW_DAYS + cal.HISTORY_DAYS)
        days = np.arange(self.first, cal.WINDOW_DAYS)
        self.table = generator.iso_dates(today, days).astype(object)
        self.times = self.table + f" {cal.RATING_TIME}"
        self.months = np.array([day[:8] + "01" for day in self.table], dtype=object)

    def __call__(self, offsets, where=None):
        if where is None:
            return self.table[offsets - self.first]
        result = np.full(len(offsets), None, dtype=object)
        result[where] = self.table[offsets[where] - self.first]
        return result

    def at_rating_time(self, offsets):
        """Return date-times at the time of day ratings are recorded (UTC)."""
        return self.times[offsets - self.first]

    def month_starts(self, offsets):
        """Return the first day of each offset's month as an ISO date."""
        return self.months[offsets - self.first]


def _statuses(chunk):
    since_referral = -chunk.referred
    waiting = np.select(
        [since_referral <= cal.REFERRAL_DAYS, since_referral <= cal.INTAKE_DAYS],
        ["referral", "intake"],
        "planning",
    )
    return np.where(
        chunk.is_closed, "closed", np.where(chunk.is_running, "running", waiting)
    )


def _cases(count):
    return "1 Fall" if count == 1 else f"{_number(count)} Fälle"


def _number(value):
    return f"{value:,}".replace(",", ".")


def _print_summary(out, drawn, bulk, seconds):
    open_cases = int((~drawn.is_closed).sum())
    out.write(
        f"Fertig: {_cases(len(drawn))} ({_number(open_cases)} offen), "
        f"{_number(bulk.rows['cases.HelpPlan'])} Hilfepläne, "
        f"{_number(bulk.rows['cases.Goal'])} Ziele, "
        f"{_number(bulk.rows['cases.Review'])} Fortschreibungen, "
        f"{_number(bulk.rows['cases.GoalRating'])} Zielbewertungen, "
        f"{_number(bulk.rows['cases.Contact'])} Kontakte, "
        f"{_number(bulk.rows['cases.NeedAssessment'])} Bedarfseinschätzungen, "
        f"{_number(bulk.rows['feedback.SurveyResponse'])} Befragungsantworten "
        f"in {seconds:.1f} s\n"
    )
