"""Vectorised draws of the providers' progress reports (Entwicklungsberichte).

A report goes to the funder ahead of each review: most arrive two to four
weeks before the meeting, some later (under the 14 days the built-in
standard asks for, at the latest on the day), some never [A]. The odds of a
late or missing report follow the provider's odds of a late review
(``providers.ProviderEffect.late_reviews``), so Weserbogen, conspicuous for
late reviews, is conspicuous here too. Open cases whose next review is less
than four weeks away may have sent their report already.

Dates are whole days relative to today and indices local to the chunk, as in
:mod:`.planning`, whose reviews the reports belong to.
"""

from dataclasses import dataclass

import numpy as np

from dialoq.cases.models import ProgressReport
from dialoq.demo import providers
from dialoq.demo.generator import Cases
from dialoq.demo.planning import Chunk

ON_TIME_DAYS = (14, 28)  # [A] days before the review
LATE_DAYS = (0, 13)  # [A]
LATE_SHARE = 0.10  # [A] of reports, at a provider with neutral odds
MISSING_SHARE = 0.06  # [A]


@dataclass
class Reports:
    """Progress reports of a chunk: case, day received, review due it is for."""

    case: np.ndarray
    day: np.ndarray
    for_review_due: np.ndarray


def draw_reports(rng, cases: Cases, rows: Chunk) -> Reports:
    """Draw the reports for the reviews held and for next reviews due soon.

    The draws come from a stream of their own (spawned from ``rng``), so that
    the later draws of the chunk stay as they were without reports.
    """
    rng = rng.spawn(1)[0]
    upcoming = np.flatnonzero(cases.is_running & (cases.next_review <= ON_TIME_DAYS[1]))
    case = np.concatenate([rows.reviews_case, upcoming])
    meeting = np.concatenate([rows.reviews_held, cases.next_review[upcoming]])
    due = np.concatenate([rows.reviews_due, cases.next_review[upcoming]])

    odds_factor = providers.column("late_reviews")[cases.provider[case]]
    late_odds = LATE_SHARE / (1 - LATE_SHARE) * odds_factor
    missing_odds = MISSING_SHARE / (1 - MISSING_SHARE) * odds_factor
    draw = rng.random(len(case))
    missing = draw < missing_odds / (1 + missing_odds)
    late = ~missing & (rng.random(len(case)) < late_odds / (1 + late_odds))
    before = np.where(
        late,
        rng.integers(LATE_DAYS[0], LATE_DAYS[1] + 1, len(case)),
        rng.integers(ON_TIME_DAYS[0], ON_TIME_DAYS[1] + 1, len(case)),
    )
    day = np.maximum(meeting - before, cases.started[case])
    keep = ~missing & (day <= 0)
    order = np.lexsort((day[keep], case[keep]))
    return Reports(
        case=case[keep][order], day=day[keep][order], for_review_due=due[keep][order]
    )


def write_reports(bulk, dates, reports: Reports, case_ids, workers) -> None:
    """Write a chunk's reports in bulk (recorded by the case's caseworker)."""
    bulk.write(
        ProgressReport,
        {
            "case": case_ids[reports.case],
            "submitted_on": dates(reports.day),
            "for_review_due": dates(reports.for_review_due),
            "recorded_by": workers[reports.case],
            "recorded_at": dates.at_rating_time(reports.day),
        },
    )
