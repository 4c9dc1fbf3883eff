"""Both partners' scores side by side: per item, per criterion and in total.

Item values are in the item's unit (scale steps 0–4 or CAF points 0–100),
criterion scores and totals on the 0–100 scale (``dialoq.self_assessment.
scoring``). A difference is the provider's value minus the funder's; it is
flagged when it is at least the threshold, in the items' unit.
"""

from dataclasses import dataclass

from dialoq.self_assessment import scoring
from dialoq.self_assessment.models import (
    AgendaProposal,
    Criterion,
    Item,
    ProposalStatus,
    Round,
    Side,
)
from dialoq.self_assessment.services import answers_by_item, item_value, items_of


@dataclass(frozen=True)
class ItemRow:
    item: Item
    funder: float | None
    provider: float | None
    difference: float | None
    flagged: bool
    proposal: AgendaProposal | None


@dataclass(frozen=True)
class CriterionRow:
    criterion: Criterion
    funder: float | None
    provider: float | None
    difference: float | None


@dataclass(frozen=True)
class Comparison:
    items: list[ItemRow]
    criteria: list[CriterionRow]
    funder_total: float | None
    provider_total: float | None
    total_maximum: int
    threshold: int
    ordinal: bool

    @property
    def total_difference(self) -> float | None:
        return scoring.difference(self.funder_total, self.provider_total)

    @property
    def flagged_count(self) -> int:
        return sum(row.flagged for row in self.items)


def side_values(round_: Round, items: list[Item]) -> dict[str, dict[int, float | None]]:
    """Return each side's item values in the items' units, by item id."""
    values = {}
    for response in round_.responses.prefetch_related("answers"):
        answers = answers_by_item(response)
        values[response.side] = {
            item.pk: item_value(round_, item, answers.get(item.pk)) for item in items
        }
    return values


def criterion_scores(
    round_: Round, items: list[Item], values: dict[int, float | None]
) -> dict[int, float | None]:
    """Return a side's criterion scores (0–100) by criterion id."""
    by_criterion: dict[int, list[float | None]] = {}
    for item in items:
        native = values.get(item.pk)
        points = (
            None
            if native is None
            else native * scoring.POINTS_PER_STEP
            if item.scheme == scoring.Scheme.ORDINAL
            else native
        )
        by_criterion.setdefault(item.criterion_id, []).append(points)
    return {
        criterion_id: scoring.criterion_points(points)
        for criterion_id, points in by_criterion.items()
    }


def compare(round_: Round, threshold: int | None = None) -> Comparison:
    """Return the comparison of both sides' answers (call once both submitted)."""
    version = round_.template_version
    threshold = version.flag_threshold if threshold is None else threshold
    items = items_of(round_)
    values = side_values(round_, items)
    funder, provider = values.get(Side.FUNDER, {}), values.get(Side.PROVIDER, {})
    proposals = {
        proposal.item_id: proposal
        for proposal in round_.proposals.filter(
            status=ProposalStatus.OPEN
        ).select_related("proposed_by")
    }
    rows = []
    for item in items:
        gap = scoring.difference(funder.get(item.pk), provider.get(item.pk))
        rows.append(
            ItemRow(
                item=item,
                funder=funder.get(item.pk),
                provider=provider.get(item.pk),
                difference=gap,
                flagged=scoring.is_flagged(gap, threshold),
                proposal=proposals.get(item.pk),
            )
        )
    criteria = []
    seen = {}
    for item in items:
        seen.setdefault(item.criterion_id, item.criterion)
    funder_scores = criterion_scores(round_, items, funder)
    provider_scores = criterion_scores(round_, items, provider)
    for criterion_id, criterion in seen.items():
        criteria.append(
            CriterionRow(
                criterion=criterion,
                funder=funder_scores[criterion_id],
                provider=provider_scores[criterion_id],
                difference=scoring.difference(
                    funder_scores[criterion_id], provider_scores[criterion_id]
                ),
            )
        )
    rule = version.total_rule
    return Comparison(
        items=rows,
        criteria=criteria,
        funder_total=scoring.total_points([row.funder for row in criteria], rule),
        provider_total=scoring.total_points([row.provider for row in criteria], rule),
        total_maximum=scoring.total_maximum(len(criteria), rule),
        threshold=threshold,
        ordinal=all(item.scheme == scoring.Scheme.ORDINAL for item in items),
    )
