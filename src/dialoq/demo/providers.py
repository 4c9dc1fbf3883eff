"""How the demo's providers differ in quality and case mix: all assumptions [A].

Without differences every provider would sit on the district's mean and the
funnel plots would show nothing. Each effect moves one calibrated quantity
for the cases of one provider while the district's totals stay close to the
calibration: endings are shifted by choosing the provider of a case with odds
that depend on how the case ends (the endings themselves are drawn as
calibrated), the other effects multiply or shift a drawn value.

The district has one clearly conspicuous provider (Weserbogen: harder cases,
and beyond them more broken-off help, late starts and reviews, less
participation and satisfaction, thinner staffing), some better than average
(Caritas, Lebenshilfe, Diakonie) and one whose own goal ratings run high
(AWO), so that the perspectives agree less often there.
"""

from dataclasses import dataclass

import numpy as np

from dialoq.demo import district


@dataclass(frozen=True)
class ProviderEffect:
    """Deviations of one provider from the calibrated district; 1 or 0 is none."""

    planned_odds: float = 1.0  # odds ratio of ending as planned
    difficulty: float = 0.0  # harder case mix: weight exp(d·x) for difficulty x
    start_delay: float = 1.0  # factor on the days from referral to first contact
    late_reviews: float = 1.0  # odds ratio of a review held late
    participation: float = 0.0  # shift of the logit of taking part in planning
    satisfaction: float = 0.0  # shift of the latent survey answer (in sd)
    own_rating: float = 0.0  # added to the provider's own GAS ratings
    contact_intensity: float = 1.0  # factor on contacts and service hours
    need_change: float = 0.0  # added to the change of need levels at closure
    caseload: float = 1.0  # factor on the cases per caseworker
    qualified: float = 0.0  # shift of the share with a degree (to vocational)


NEUTRAL = ProviderEffect()
EFFECTS = {
    "diakonie": ProviderEffect(
        planned_odds=1.15, start_delay=0.85, late_reviews=0.8, satisfaction=0.1
    ),
    "awo": ProviderEffect(own_rating=0.45, participation=0.3, contact_intensity=1.1),
    "caritas": ProviderEffect(
        planned_odds=1.35,
        start_delay=0.8,
        late_reviews=0.6,
        satisfaction=0.3,
        need_change=0.3,
        qualified=0.05,
    ),
    # Residential and day groups with harder cases: raw results below the
    # district, as expected once the case mix is taken into account.
    "sonnenhof": ProviderEffect(difficulty=0.5, contact_intensity=0.95),
    "weserbogen": ProviderEffect(
        planned_odds=0.5,
        difficulty=0.4,
        start_delay=1.7,
        late_reviews=3.0,
        participation=-1.2,
        satisfaction=-0.6,
        own_rating=0.2,
        contact_intensity=0.8,
        need_change=-0.4,
        caseload=1.3,
        qualified=-0.2,
    ),
    "lebenshilfe": ProviderEffect(
        planned_odds=1.25, participation=0.5, satisfaction=0.35, need_change=0.2
    ),
    "drk": ProviderEffect(start_delay=1.3, late_reviews=1.4, caseload=1.1),
    "bildungswerk": ProviderEffect(planned_odds=1.2, satisfaction=0.1),
    "neue-arbeit": ProviderEffect(
        planned_odds=0.8, satisfaction=-0.2, late_reviews=1.3, caseload=1.15
    ),
}
PROVIDER_KEYS = tuple(spec.key for spec in district.PROVIDERS)


def effect(provider_key: str) -> ProviderEffect:
    """Return the effects of a provider (none for an unknown one)."""
    return EFFECTS.get(provider_key, NEUTRAL)


def column(name: str) -> np.ndarray:
    """Return one effect for every provider, in the order of ``PROVIDER_KEYS``."""
    return np.array([getattr(effect(key), name) for key in PROVIDER_KEYS])
