"""How often each standard was met: ``StandardCompliance`` rows of a run.

Per standard version, funder, provider and team, and per provider in total
(a row without team), over the occurrences due in the compliance window
(the twelve months up to the check date, as far as decided on that day):

- ``cases_checked``: cases with at least one such occurrence;
- ``cases_met``: those of them without a breach;
- ``breaches``: breached occurrences;
- ``workers``: distinct caseworkers of the cases checked;
- ``workers_with_breach``: distinct caseworkers of the cases with a breach.

Cases without a team count in the provider's total only. The rows of the
previous run are replaced in one transaction, so readers see either the old
or the new figures.
"""

from datetime import date

from django.db import transaction
from django.utils import timezone

from dialoq.deviations.models import StandardCompliance

COMPLIANCE_SQL = """
    WITH per_case AS (
        SELECT version_id, case_id, COUNT(*) FILTER (WHERE NOT met) AS breaches
        FROM occ GROUP BY version_id, case_id
    ),
    joined AS (
        SELECT p.version_id, p.breaches, c.case_id, c.funder_id, c.provider_id,
               c.provider_unit_id, c.caseworker_id
        FROM per_case p JOIN case_view c USING (case_id)
    )
    SELECT version_id, funder_id, provider_id, provider_unit_id,
           GROUPING(provider_unit_id) = 1 AS total,
           COUNT(*) AS cases_checked,
           COUNT(*) FILTER (WHERE breaches = 0) AS cases_met,
           SUM(breaches) AS breaches,
           COUNT(DISTINCT caseworker_id) AS workers,
           COUNT(DISTINCT caseworker_id) FILTER (WHERE breaches > 0)
               AS workers_with_breach
    FROM joined
    GROUP BY GROUPING SETS (
        (version_id, funder_id, provider_id, provider_unit_id),
        (version_id, funder_id, provider_id)
    )
    ORDER BY version_id, funder_id, provider_id, total, provider_unit_id
"""


def compliance_rows(con) -> list[dict]:
    """Return the figures per version, funder, provider and team (DuckDB ``occ``)."""
    rows = con.sql(COMPLIANCE_SQL).to_arrow_table().to_pylist()
    return [row for row in rows if row["total"] or row["provider_unit_id"] is not None]


def store_compliance(con, since: date, today: date) -> int:
    """Replace every ``StandardCompliance`` row with this run's; return how many."""
    computed_at = timezone.now()
    rows = [
        StandardCompliance(
            standard_version_id=row["version_id"],
            funder_id=row["funder_id"],
            provider_id=row["provider_id"],
            provider_unit_id=None if row["total"] else row["provider_unit_id"],
            period_start=since,
            period_end=today,
            cases_checked=row["cases_checked"],
            cases_met=row["cases_met"],
            breaches=int(row["breaches"]),
            workers=row["workers"],
            workers_with_breach=row["workers_with_breach"],
            computed_at=computed_at,
        )
        for row in compliance_rows(con)
    ]
    with transaction.atomic():
        StandardCompliance.objects.all().delete()
        StandardCompliance.objects.bulk_create(rows, batch_size=1000)
    return len(rows)
