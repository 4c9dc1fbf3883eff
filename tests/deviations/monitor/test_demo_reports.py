"""The demo's progress reports: mostly two to four weeks ahead, Weserbogen later."""

from datetime import date

import numpy as np

from dialoq.demo import generator, planning, processes, providers

TODAY = date(2026, 3, 2)


def _drawn(count=20_000, seed=11):
    rng = np.random.default_rng(seed)
    cases = generator.settle(rng, generator.draw_cases(rng, count), TODAY)
    rows = planning.draw_chunk(rng, cases)
    return cases, rows, processes.draw_reports(rng, cases, rows)


def test_reports_come_before_their_review_and_never_in_the_future():
    cases, rows, reports = _drawn()
    assert len(reports.case) > 0.8 * len(rows.reviews_case)
    assert (reports.day <= 0).all()
    assert (reports.day >= cases.started[reports.case]).all()
    assert (np.diff(reports.case) >= 0).all()  # ordered by case


def test_most_reports_arrive_two_to_four_weeks_ahead_and_weserbogen_later():
    cases, rows, reports = _drawn()
    # Reports of held reviews: match each to its review by case and due date.
    held = {
        (case, due): meeting
        for case, due, meeting in zip(
            rows.reviews_case, rows.reviews_due, rows.reviews_held, strict=True
        )
    }
    ahead, provider = [], []
    for case, day, due in zip(
        reports.case, reports.day, reports.for_review_due, strict=True
    ):
        meeting = held.get((case, due))
        if meeting is not None:
            ahead.append(meeting - day)
            provider.append(cases.provider[case])
    ahead, provider = np.array(ahead), np.array(provider)
    in_time = (ahead >= 14) & (ahead <= 28)
    assert in_time.mean() > 0.7
    weserbogen = provider == providers.PROVIDER_KEYS.index("weserbogen")
    assert (ahead[weserbogen] < 14).mean() > 2 * (ahead[~weserbogen] < 14).mean()


def test_missing_reports_are_more_common_at_weserbogen():
    cases, rows, reports = _drawn()
    weserbogen = providers.PROVIDER_KEYS.index("weserbogen")
    reviewed = cases.provider[rows.reviews_case]
    reported = cases.provider[reports.case]
    share = {
        mine: (reported == weserbogen).sum() / (reviewed == weserbogen).sum()
        if mine
        else (reported != weserbogen).sum() / (reviewed != weserbogen).sum()
        for mine in (True, False)
    }
    assert share[True] < share[False]
