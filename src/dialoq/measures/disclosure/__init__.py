"""The one disclosure policy: which indicator figures a reader may see.

Every figure that leaves the organisations whose cases it is about (peers'
dashboards, network comparisons, exports, published reports) passes through
``disclose`` (for a signed-in reader) or ``published`` (for committees and
the public). Nothing else decides what is withheld; docs/disclosure.md
explains the rules with examples.

1. **Threshold.** ``thresholds()`` is the one table of how many cases (or
   answers) a figure must rest on, by output kind: counts, shares, means,
   distributions, free text. Each is the setting ``DISCLOSURE_MINIMUM``
   (``DIALOQ_DISCLOSURE_MINIMUM``, default 5; values below 4 are refused, so
   that no output shows one to three cases).
2. **Owners see everything of their own.** A result belongs to its funder
   and its provider (a team result to its provider); a result over all
   organisations belongs to nobody. A reader who is a member of an owner sees
   the result in full, however small.
3. **Everybody else sees the withheld pattern** of the indicator version:
   one pattern for all readers and outputs, so that no two outputs can be
   combined to undo each other. A figure is withheld when
   a. it is of a month or a quarter: only twelve-month figures (calendar
      years, rolling twelve months) leave the owners, because two rolling
      windows a month apart differ by one month in and one out, so a
      withheld month would follow from the windows and the month a year
      earlier;
   b. it is about a team (team figures stay with their provider);
   c. it rests on 1 to threshold − 1 cases (primary suppression);
   d. it is needed to protect another (complementary suppression).
      Figures add up: the funders to all organisations, a funder's providers
      and its service types each to the funder, strata to their unit. For
      every such sum and for every single organisation that adds its own
      figures to what is shown, no primary figure may follow from the rest,
      and where the total is known the withheld parts together must rest on
      at least the threshold. Where this fails, the smallest shown part that
      the organisation does not own is withheld too, else the total; this is
      repeated until nothing changes, so it holds after every roll-up;
   e. it follows a twelve-month figure of the same unit by less than twelve
      months and their difference is a sum of months that is small: where
      the months on one side are known to be empty (before a unit's first
      case, after its last), the difference must be zero or at least the
      threshold, or the later figure is withheld. A calendar year and the
      rolling window of the same months are one figure, withheld together.
4. **Withheld means** only the indicator, unit, period and stratum stay:
   cases, numerator, denominator, value, interval, expected, O/E, funnel,
   reference bounds, decision criterion and method are empty, and the
   evaluation reads ``suppressed``.

The pattern is computed from all stored results of a version, never from
the selection at hand, so no filter can change what is withheld. Limits:
the protection holds against any one organisation's own knowledge, not
against several pooling theirs; different indicators over the same cases are
not linked.
"""

import hashlib
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field

from django.conf import settings
from django.core.cache import cache
from django.core.exceptions import ImproperlyConfigured
from django.db import models
from django.db.models import Count, Max, Sum
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from dialoq.accounts import scoping

from ..models import Result
from .pattern import (
    TWELVE_MONTH_PERIODS,
    Cell,
    Reason,
    owners,
    withheld_pattern,
)

SMALLEST_MINIMUM = 4
SUPPRESSED = "suppressed"
CACHE_SECONDS = 3600


class OutputKind(models.TextChoices):
    COUNT = "count", gettext_lazy("counts")
    SHARE = "share", gettext_lazy("shares")
    MEAN = "mean", gettext_lazy("means, medians and ratios")
    DISTRIBUTION = "distribution", gettext_lazy("distributions")
    FREE_TEXT = "free_text", gettext_lazy("free text")


# The output kind of each kind of indicator (``spec.KINDS``).
INDICATOR_OUTPUT_KINDS = {
    "rate": OutputKind.SHARE,
    "oe": OutputKind.SHARE,
    "mean": OutputKind.MEAN,
    "median": OutputKind.MEAN,
    "ratio": OutputKind.MEAN,
    "change": OutputKind.MEAN,
    "count": OutputKind.COUNT,
}


def configured_minimum() -> int:
    """Return the configured minimum number of cases; refuse one below four."""
    minimum = settings.DISCLOSURE_MINIMUM
    if isinstance(minimum, bool) or not isinstance(minimum, int):
        raise ImproperlyConfigured("DISCLOSURE_MINIMUM must be a whole number.")
    if minimum < SMALLEST_MINIMUM:
        raise ImproperlyConfigured(
            f"DISCLOSURE_MINIMUM={minimum} is below {SMALLEST_MINIMUM}: published "
            "figures could show one to three cases."
        )
    return minimum


def thresholds() -> dict[OutputKind, int]:
    """Return the threshold table: the fewest cases or answers per output kind.

    All kinds share the configured minimum: one number that readers can be
    told. Raise a kind here, never elsewhere, if it ever needs more.
    """
    minimum = configured_minimum()
    return {
        OutputKind.COUNT: minimum,
        OutputKind.SHARE: minimum,
        OutputKind.MEAN: minimum,
        OutputKind.DISTRIBUTION: minimum,
        OutputKind.FREE_TEXT: minimum,
    }


def threshold(kind: OutputKind) -> int:
    """Return the fewest cases or answers a figure of this kind must rest on."""
    return thresholds()[kind]


def indicator_threshold(spec: dict) -> int:
    """Return the threshold of an indicator version's definition (its ``spec``)."""
    kind = INDICATOR_OUTPUT_KINDS.get(spec.get("kind"))
    return threshold(kind) if kind else max(thresholds().values())


# --- What a reader gets -------------------------------------------------------------


def _shown(name, empty=None):
    def read(self):
        return empty if self.suppressed else getattr(self.result, name)

    return property(read, doc=f"The result's {name}, or {empty!r} if suppressed.")


@dataclass(frozen=True)
class Disclosed:
    """A result as one reader may see it.

    ``result`` is for the unit, period and labels; read the figures from the
    properties below, which are empty when the result is suppressed.
    """

    result: Result
    suppressed: bool
    reason: str = ""

    cases = _shown("cases")
    numerator = _shown("numerator")
    denominator = _shown("denominator")
    value = _shown("value")
    ci_lower = _shown("ci_lower")
    ci_upper = _shown("ci_upper")
    expected = _shown("expected")
    oe_ratio = _shown("oe_ratio")
    funnel_target = _shown("funnel_target")
    funnel_lower_95 = _shown("funnel_lower_95")
    funnel_upper_95 = _shown("funnel_upper_95")
    funnel_lower_998 = _shown("funnel_lower_998")
    funnel_upper_998 = _shown("funnel_upper_998")
    reference_lower = _shown("reference_lower")
    reference_upper = _shown("reference_upper")
    decision_criterion = _shown("decision_criterion")
    method = _shown("method", empty={})
    evaluation = _shown("evaluation", empty=SUPPRESSED)

    @property
    def note(self) -> str:
        """Return why the figure is not shown, in words; "" when it is shown."""
        if not self.suppressed:
            return ""
        if self.reason == Reason.SHORT_PERIOD:
            return _("not shown: figures of others are for twelve months only")
        if self.reason == Reason.TEAM:
            return _("not shown: team figures stay with the provider")
        return _("not shown: protects small numbers")


def disclose(results: Iterable[Result], user) -> list[Disclosed]:
    """Return the results as the user may see them, in their order."""
    return list(disclosing(results, owned=scoping.owned_organisations(user)))


def published(results: Iterable[Result]) -> list[Disclosed]:
    """Return the results as a committee or the public may see them."""
    return list(disclosing(results, owned=frozenset()))


def disclosing(results: Iterable[Result], *, owned) -> Iterator[Disclosed]:
    """Yield each stored result as seen by a reader owning ``owned`` organisations.

    Works one by one, so an export can stream (ordered by version, one
    pattern at a time); a list gets all its versions' patterns at once. A
    result may also be a row with the result's field names (``pk``,
    ``version_id``, …), as exports read them.
    """
    known = {}
    if isinstance(results, list | tuple):
        known = patterns({result.version_id for result in results})
    for result in results:
        if result.version_id not in known:
            known.update(patterns([result.version_id]))
            # A version gone meanwhile: an empty pattern withholds everything.
            known.setdefault(result.version_id, Pattern(0, frozenset()))
        if owners(result.unit_type, result.funder_id, result.provider_id) & owned:
            yield Disclosed(result, suppressed=False)
            continue
        reason = known[result.version_id].reason(result)
        yield Disclosed(result, suppressed=bool(reason), reason=reason)


# --- The withheld pattern of one indicator version ----------------------------------


@dataclass(frozen=True)
class Pattern:
    """Which results of a version are withheld from everybody but their owners."""

    minimum: int
    known: frozenset[int]
    withheld: dict[int, str] = field(default_factory=dict)

    def reason(self, result: Result) -> str:
        """Return why the result is withheld, or "" if it may be shown.

        Rules 3a–3c are checked on the result itself as well, so that a
        result stored after the pattern was made is never shown by mistake.
        """
        if result.unit_type == "team":
            return Reason.TEAM
        if result.period_type not in TWELVE_MONTH_PERIODS:
            return Reason.SHORT_PERIOD
        if 0 < result.cases < self.minimum or result.pk not in self.known:
            return Reason.SMALL_NUMBERS
        return self.withheld.get(result.pk, "")


def patterns(version_ids: Iterable[int]) -> dict[int, Pattern]:
    """Return the versions' withheld patterns, from the cache while results stay.

    A pattern is cached under a fingerprint of its version's results (count,
    highest id, cases, last computation) and the threshold, so new or changed
    results make a new one.
    """
    from dialoq.catalog.models import IndicatorVersion

    specs = dict(
        IndicatorVersion.objects.filter(pk__in=set(version_ids)).values_list(
            "pk", "spec"
        )
    )
    stamps = {
        stamp.pop("version_id"): stamp
        for stamp in Result.objects.filter(version_id__in=specs)
        .order_by()
        .values("version_id")
        .annotate(
            count=Count("pk"),
            last=Max("pk"),
            cases=Sum("cases"),
            computed=Max("computed_at"),
        )
    }
    minimums = {
        pk: indicator_threshold(spec if isinstance(spec, dict) else {})
        for pk, spec in specs.items()
    }
    keys = {pk: _cache_key(pk, minimums[pk], stamps.get(pk, {})) for pk in specs}
    cached = cache.get_many(keys.values())
    found, new = {}, {}
    for pk, key in keys.items():
        found[pk] = cached.get(key)
        if found[pk] is None:
            found[pk] = new[key] = _pattern(pk, minimums[pk])
    cache.set_many(new, CACHE_SECONDS)
    return found


def _cache_key(version_id, minimum, stamp) -> str:
    fingerprint = f"{version_id}:{minimum}:" + ":".join(
        f"{name}={stamp[name]}" for name in sorted(stamp)
    )
    return "dialoq:disclosure:" + hashlib.sha256(fingerprint.encode()).hexdigest()


def _pattern(version_id: int, minimum: int) -> Pattern:
    rows = Result.objects.filter(version_id=version_id).values_list(*Cell.FIELDS)
    cells = [Cell(*row) for row in rows]
    return Pattern(
        minimum=minimum,
        known=frozenset(cell.pk for cell in cells),
        withheld=withheld_pattern(cells, minimum),
    )
