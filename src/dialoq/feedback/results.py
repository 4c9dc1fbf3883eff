"""Survey results as aggregates only: shares and medians per group, small groups hidden.

A group is one provider, service type and quarter, counted over the responses
the reader may see. Only quarters that have ended are shown, so that a new
answer cannot be read off as the difference between two visits. Answers are
ordinal: the results are shares and the (lower) median, never means.
"""

import secrets
import statistics
from collections import defaultdict
from dataclasses import dataclass, field
from datetime import date

from dialoq.accounts import scoping
from dialoq.accounts.models import Organisation
from dialoq.accounts.roles import Action, OrganisationKind, Role
from dialoq.catalog.models import ServiceType
from dialoq.feedback.survey import ITEMS, Agreement, Aspect, items_of
from dialoq.measures.disclosure import OutputKind, threshold


def min_responses() -> int:
    """Return the fewest respondents a group or aspect needs to be shown.

    The threshold of the one disclosure policy for distributions; free text
    is shown only for groups that also reach its threshold for free text.
    """
    return threshold(OutputKind.DISTRIBUTION)


@dataclass
class AspectResult:
    aspect: Aspect
    suppressed: bool
    respondents: int = 0
    answers: int = 0
    median: Agreement | None = None
    agree_share: float = 0.0
    partly_share: float = 0.0
    disagree_share: float = 0.0


@dataclass
class GroupResult:
    provider: Organisation
    service_type: ServiceType
    year: int
    quarter: int
    suppressed: bool
    respondents: int | None = None
    aspects: list[AspectResult] = field(default_factory=list)
    free_texts: list[str] = field(default_factory=list)


def quarter_start(day: date) -> date:
    """Return the first day of the quarter the day falls in."""
    return date(day.year, 3 * ((day.month - 1) // 3) + 1, 1)


def free_text_provider_ids(user) -> set[int]:
    """Return the providers whose free-text comments the user may read.

    Only a QM officer of the provider reads them, never the funder.
    """
    return {
        grant.organisation_id
        for grant in scoping.grants(user, Action.VIEW_AGGREGATES)
        if grant.role == Role.QM_OFFICER
        and grant.organisation_kind == OrganisationKind.PROVIDER
    }


def aspect_result(aspect, rows) -> AspectResult:
    """Return the shares and median of one aspect over response rows (dicts)."""
    fields = [item.field for item in items_of(aspect)]
    answers, respondents = [], 0
    for row in rows:
        given = [row[name] for name in fields if row[name] is not None]
        respondents += bool(given)
        answers.extend(given)
    if respondents < min_responses():
        return AspectResult(aspect=aspect, suppressed=True)
    count = len(answers)
    return AspectResult(
        aspect=aspect,
        suppressed=False,
        respondents=respondents,
        answers=count,
        median=Agreement(statistics.median_low(answers)),
        agree_share=sum(a >= Agreement.MOSTLY for a in answers) / count,
        partly_share=sum(a == Agreement.PARTLY for a in answers) / count,
        disagree_share=sum(a <= Agreement.MOSTLY_NOT for a in answers) / count,
    )


def survey_results(responses, *, today, free_text_providers=()) -> list[GroupResult]:
    """Return one result per provider, service type and ended quarter."""
    columns = ["provider_id", "service_type_id", "period", "free_text"]
    columns += [item.field for item in ITEMS]
    groups = defaultdict(list)
    for row in responses.filter(period__lt=quarter_start(today)).values(*columns):
        start = quarter_start(row["period"])
        groups[(row["provider_id"], row["service_type_id"], start)].append(row)
    providers = Organisation.objects.in_bulk({key[0] for key in groups})
    service_types = ServiceType.objects.in_bulk({key[1] for key in groups})
    results, minimum = [], min_responses()
    free_text_minimum = threshold(OutputKind.FREE_TEXT)
    for (provider_id, service_type_id, start), rows in groups.items():
        result = GroupResult(
            provider=providers[provider_id],
            service_type=service_types[service_type_id],
            year=start.year,
            quarter=(start.month - 1) // 3 + 1,
            suppressed=len(rows) < minimum,
        )
        if not result.suppressed:
            result.respondents = len(rows)
            result.aspects = [aspect_result(aspect, rows) for aspect in Aspect]
            if provider_id in free_text_providers and len(rows) >= free_text_minimum:
                texts = [row["free_text"] for row in rows if row["free_text"]]
                secrets.SystemRandom().shuffle(texts)
                result.free_texts = texts
        results.append(result)
    results.sort(
        key=lambda r: (-r.year, -r.quarter, r.provider.name, str(r.service_type))
    )
    return results
