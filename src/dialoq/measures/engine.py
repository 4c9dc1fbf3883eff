"""The indicator engine: facts in, stored results out.

``evaluate`` is pure: it takes one validated definition and Arrow fact
tables, aggregates them in in-process DuckDB for every period and unit in one
``GROUPING SETS`` query, and applies the statistics (intervals, reference-range
evaluation, risk adjustment, funnel limits) to the aggregates with NumPy.
``compute`` refreshes the fact snapshot (``snapshot``: the fact extracts kept
in a DuckDB file, updated for the cases that changed), derives each fact it
needs once into a DuckDB table of the columns the definitions read, evaluates
every indicator version in force on those tables and replaces its stored
results in one transaction per version, so a crash leaves no half-written
period. ``evaluate`` takes the facts either as Arrow tables or as such
``FactView`` tables.
``preview`` evaluates a draft on current data without storing anything.

Conditions come from ``conditions.compile_condition``: column names from the
fact schema, every value a bound parameter.
"""

import logging
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from typing import Any

import duckdb
import numpy as np
import pyarrow as pa
from django.conf import settings
from django.db import connection, transaction
from django.db.models import Q
from django.utils import timezone

from . import statistics as st
from .conditions import compile_condition
from .facts import FACTS, UNIT_COLUMNS, FactView
from .periods import Period, add_months, periods_containing, periods_until
from .spec import IndicatorSpec, Measure

logger = logging.getLogger(__name__)

UNIT_ID_COLUMNS = ("funder_id", "provider_id", "service_type_id", "team_id")
# The unit whose providers, teams or funders are compared in one funnel plot.
FUNNEL_PARENTS = {
    "provider": ("funder_id",),
    "team": ("provider_id",),
    "funder": (),
}
# A unit type is computed only where the fact has its identifying column.
UNIT_KEY_COLUMN = {
    "funder": "funder_id",
    "provider": "provider_id",
    "service_type": "service_type_id",
    "team": "team_id",
}
# Overdispersion is estimated only from comparison groups with at least this
# many units; with fewer, φ and τ² cannot be told apart from chance.
MIN_UNITS_FOR_DISPERSION = 10
Progress = Callable[[int, int, str], None]


def unit_key(unit_type: str, ids) -> str:
    """Return the stable text key of a unit, e.g. ``provider:3:12::``."""
    return ":".join([unit_type, *("" if i is None else str(i) for i in ids)])


@dataclass
class ResultRow:
    """One computed figure; field names are those of ``models.Result``."""

    unit_type: str
    funder_id: int | None
    provider_id: int | None
    service_type_id: int | None
    team_id: int | None
    period_type: str
    period_start: date
    period_end: date
    stratum: str
    cases: int
    numerator: float | None = None
    denominator: float | None = None
    value: float | None = None
    ci_lower: float | None = None
    ci_upper: float | None = None
    expected: float | None = None
    oe_ratio: float | None = None
    funnel_target: float | None = None
    funnel_lower_95: float | None = None
    funnel_upper_95: float | None = None
    funnel_lower_998: float | None = None
    funnel_upper_998: float | None = None
    reference_lower: float | None = None
    reference_upper: float | None = None
    evaluation: str = st.Evaluation.NO_RANGE
    decision_criterion: float | None = None
    method: dict[str, Any] = field(default_factory=dict)

    @property
    def unit_key(self) -> str:
        ids = (self.funder_id, self.provider_id, self.service_type_id, self.team_id)
        return unit_key(self.unit_type, ids)


@dataclass(frozen=True)
class ComputeSummary:
    results_written: int
    steps: int
    seconds: float
    data_until: date
    periods: int


# --- evaluate ------------------------------------------------------------------


def evaluate(
    spec: IndicatorSpec,
    facts: dict[str, pa.Table],
    periods: list[Period],
    data_until: date,
) -> list[ResultRow]:
    """Return the results of one definition for every period and unit."""
    columns = evaluate_columns(spec, facts, periods, data_until)
    names = [name for name in columns if name != "unit_key"]
    return [
        ResultRow(**dict(zip(names, values, strict=True)))
        for values in zip(*(columns[name] for name in names), strict=True)
    ]


def evaluate_columns(
    spec: IndicatorSpec,
    facts: dict[str, pa.Table],
    periods: list[Period],
    data_until: date,
    risk: dict | None = None,
) -> dict[str, list]:
    """Return the results of one definition as columns (field → values).

    ``risk`` (O/E only): a dictionary whose ``"model"``, when given, is a
    fitted risk model to reuse (``RiskModelFit.model``); a model fitted
    here is put there.
    """
    periods = [period for period in periods if period.type in spec.periods]
    if not periods:
        return {}
    # Facts given as views (``snapshot.fact_views``) are read in their own
    # connection; Arrow tables in a new one.
    views = [facts[name] for name in spec.facts if isinstance(facts[name], FactView)]
    con = views[0].con if views else duckdb.connect()
    try:
        _use_periods(con, periods)
        if spec.kind in {"ratio", "change"}:
            groups = _measure_groups(con, spec, facts, periods)
        else:
            groups = _aggregate(con, spec, facts[spec.fact], risk)
    finally:
        if views:
            for table in _TEMPORARY_TABLES:
                con.execute(f"DROP TABLE IF EXISTS {table}")
            con.unregister("periods")
            con.unregister("period_months")
        else:
            con.close()
    if not groups["cases"].size:
        return {}
    return _columns(spec, groups)


_TEMPORARY_TABLES = ("monthly", "unit_months", "month_ends")


def _column_names(fact) -> list[str]:
    return list(fact.column_names)


def _use_fact(con, fact, keep: set[str] | None = None) -> None:
    """Make a fact readable as the view ``fact`` with all four unit columns.

    Unit columns the fact lacks, or not in ``keep``, are empty, so that one
    query fits all facts.
    """
    columns = _column_names(fact)
    if isinstance(fact, pa.Table):
        con.register("fact_input", fact)
        source = "fact_input"
    else:
        source = fact.view
    units = [
        f'"{column}"'
        if column in columns and (keep is None or column in keep)
        else f'CAST(NULL AS BIGINT) AS "{column}"'
        for column in UNIT_ID_COLUMNS
    ]
    others = [f'"{column}"' for column in columns if column not in UNIT_ID_COLUMNS]
    con.execute(
        f"CREATE OR REPLACE TEMP VIEW fact AS "
        f"SELECT {', '.join(others + units)} FROM {source}"
    )


def used_columns(specs) -> dict[str, set[str]]:
    """Return per fact the columns the definitions may read (a superset).

    Every fact column named anywhere in a definition, and the unit columns.
    """
    import re

    used: dict[str, set[str]] = {}
    for spec in specs:
        words = set(re.findall(r"[a-z_][a-z0-9_]*", repr(spec)))
        for name in spec.facts:
            columns = set(FACTS[name].columns)
            used.setdefault(name, set()).update(
                (words & columns) | (set(UNIT_ID_COLUMNS) & columns)
            )
    return used


def _within_periods(column: str) -> str:
    """Return the condition that a date lies in one of the periods' months.

    Periods start on the first of a month and end on the last day of one, so
    this keeps exactly the rows whose month joins a period later; it only
    spares the aggregation the rows outside (and is never true for NULL).
    """
    return (
        f"CAST({column} AS DATE) BETWEEN (SELECT MIN(month) FROM period_months) "
        f"AND (SELECT LAST_DAY(MAX(month)) FROM period_months)"
    )


def _use_periods(con, periods: list[Period]) -> None:
    """Register the periods, and each month of each period (an equi-join)."""
    con.register("periods", _periods_table(periods))
    months = [(period, period.months()) for period in periods]
    rows = [(period, month, len(all_)) for period, all_ in months for month in all_]
    con.register(
        "period_months",
        pa.table(
            {
                "month": pa.array([row[1] for row in rows], pa.date32()),
                "period_type": pa.array([row[0].type for row in rows], pa.string()),
                "period_start": pa.array([row[0].start for row in rows], pa.date32()),
                "period_end": pa.array([row[0].end for row in rows], pa.date32()),
                "period_months": pa.array([row[2] for row in rows], pa.int64()),
            }
        ),
    )


def _periods_table(periods: list[Period]) -> pa.Table:
    return pa.table(
        {
            "period_type": pa.array([p.type for p in periods], pa.string()),
            "period_start": pa.array([p.start for p in periods], pa.date32()),
            "period_end": pa.array([p.end for p in periods], pa.date32()),
            "period_months": pa.array([len(p.months()) for p in periods], pa.int64()),
        }
    )


def _unit_types(spec: IndicatorSpec, columns: set[str]) -> list[str]:
    return [
        unit
        for unit in spec.units
        if unit == "whole" or UNIT_KEY_COLUMN[unit] in columns
    ]


def _grouping_sets(unit_types, extra=(), prefix="m."):
    """Return the GROUPING SETS clause and each unit type's grouping bitmask.

    A set with every unit column is always added (and its rows dropped
    later): GROUPING() may only name columns that some set groups by.
    """
    sets, masks = [], {}
    for unit in unit_types:
        columns = UNIT_COLUMNS[unit]
        sets.append("(" + ", ".join([*extra, *(prefix + c for c in columns)]) + ")")
        # GROUPING(a, b, c, d) sets bit (3 - i) when column i is NOT grouped.
        mask = 0
        for index, column in enumerate(UNIT_ID_COLUMNS):
            if column not in columns:
                mask |= 1 << (len(UNIT_ID_COLUMNS) - 1 - index)
        masks[mask] = unit
    if 0 not in masks:
        sets.append(
            "(" + ", ".join([*extra, *(prefix + c for c in UNIT_ID_COLUMNS)]) + ")"
        )
    return "GROUPING SETS (" + ", ".join(sets) + ")", masks


def _condition(text: str, schema) -> tuple[str, list]:
    if not text:
        return "TRUE", []
    sql, params = compile_condition(text, schema)
    return f"COALESCE({sql}, FALSE)", params


def _aggregate(
    con, spec: IndicatorSpec, table: pa.Table, risk: dict | None = None
) -> dict[str, np.ndarray]:
    """Aggregate one fact for the rate, mean, median, count and oe kinds.

    Two steps keep this fast: the fact rows are first summed per month and
    finest unit (funder × provider × service type × team × stratum; for a
    median also per value rounded to one decimal, a histogram), then the
    small monthly table is
    rolled up into every period and unit type with GROUPING SETS. Counts and
    sums add up exactly; a median is read off the cumulative histogram.
    """
    schema = FACTS[spec.fact].schema
    if spec.kind == "oe":
        if isinstance(table, FactView):
            table = table.to_arrow()
        risk = {} if risk is None else risk
        table, risk["model"] = _with_risk(
            _with_unit_columns(table), spec, risk.get("model")
        )
    _use_fact(con, table)
    population, population_params = _condition(spec.population, schema)
    numerator, numerator_params = _condition(spec.numerator, schema)
    stratum = f'CAST(f."{spec.strata[0]}" AS VARCHAR)' if spec.strata else "''"
    value = f'CAST(f."{spec.value}" AS DOUBLE)' if spec.value else "NULL"
    histogram = spec.kind == "median"
    params = [*numerator_params, *population_params]
    con.execute(
        f"""
        CREATE OR REPLACE TEMP TABLE monthly AS
        SELECT {", ".join(f"f.{c} AS {c}" for c in UNIT_ID_COLUMNS)},
               {stratum} AS stratum,
               CAST(DATE_TRUNC('month', CAST(f."{spec.period_date}" AS DATE)) AS DATE)
                 AS month,
               {"ROUND(" + value + ", 1) AS value," if histogram else ""}
               COUNT(*) AS rows_,
               SUM(CASE WHEN {numerator} THEN 1 ELSE 0 END) AS numerator,
               {"SUM(f._p)" if spec.kind == "oe" else "NULL"} AS expected,
               COUNT({value}) AS n_values,
               SUM({value}) AS sum_x,
               SUM({value} * {value}) AS sum_xx
        FROM fact AS f
        WHERE {population} AND {_within_periods(f'f."{spec.period_date}"')}
              {"AND " + value + " IS NOT NULL" if histogram else ""}
        GROUP BY ALL
        """,
        params,
    )
    unit_types = _unit_types(spec, set(_column_names(table)))
    extra = ["m.month", "m.stratum"]
    if histogram:
        extra.append("m.value")
    grouping, masks = _grouping_sets(unit_types, extra=extra)
    ids = ", ".join(f"m.{column}" for column in UNIT_ID_COLUMNS)
    # Units per month first (small), then months into periods.
    con.execute(
        f"""
        CREATE OR REPLACE TEMP TABLE unit_months AS
        SELECT m.month, m.stratum, {"m.value," if histogram else ""}
               {", ".join(f"m.{c} AS {c}" for c in UNIT_ID_COLUMNS)},
               GROUPING({ids}) AS grouping_,
               SUM(m.rows_) AS rows_, SUM(m.numerator) AS numerator,
               SUM(m.expected) AS expected, SUM(m.n_values) AS n_values,
               SUM(m.sum_x) AS sum_x, SUM(m.sum_xx) AS sum_xx
        FROM monthly AS m
        GROUP BY {grouping}
        HAVING GROUPING({ids}) IN ({", ".join(map(str, masks))})
        """
    )
    keys = ", ".join(
        ["u.stratum", "u.grouping_", *(f"u.{c}" for c in UNIT_ID_COLUMNS)]
        + (["u.value"] if histogram else [])
    )
    rollup = f"""
        SELECT p.period_type, p.period_start, p.period_end, {keys},
               SUM(u.rows_) AS rows_, SUM(u.numerator) AS numerator,
               SUM(u.expected) AS expected, SUM(u.n_values) AS n_values,
               SUM(u.sum_x) AS sum_x, SUM(u.sum_xx) AS sum_xx
        FROM unit_months AS u
        JOIN period_months AS p ON u.month = p.month
        GROUP BY p.period_type, p.period_start, p.period_end, {keys}
    """
    if histogram:
        return _groups(_median_rollup(con), masks, spec)
    return _groups(con.sql(rollup).to_arrow_table(), masks, spec)


def _median_rollup(con) -> pa.Table:
    """Read medians and their order-statistic intervals off the histograms.

    With n values per group and rank k from ``median_ranks``, the median is
    the mean of the values at ranks ⌊(n+1)/2⌋ and ⌊n/2⌋+1, the interval
    [x(k), x(n−k+1)]; x(r) is the smallest value whose cumulative count
    reaches r — the same as ``statistics.median_estimate`` on the raw values.

    The histograms of ``unit_months`` are not joined to the periods (a month
    lies in up to 15 of them, and each copy would be grouped and sorted
    again): each (group, value) is one column of a months × columns matrix
    of counts, summed up over the months once. A period's histogram is then
    the difference of two rows of it, and with the columns sorted by group
    and value, the cumulative counts of all groups run on in one array, so
    every rank of every group is found with one binary search.
    """
    keys = ["stratum", "grouping_", *UNIT_ID_COLUMNS]
    listed = ", ".join(keys)
    table = con.sql(
        f"""
        SELECT {listed}, month, value, n_values
        FROM unit_months
        ORDER BY {listed}, value
        """
    ).to_arrow_table()
    calendar = con.sql(
        "SELECT period_type, period_start, period_end, month FROM period_months"
    ).to_arrow_table()
    months = np.unique(calendar.column("month").to_numpy())
    new_group = np.zeros(table.num_rows, dtype=bool)
    new_group[:1] = True
    for key in keys:
        new_group[1:] |= _changes(table.column(key))
    group = np.cumsum(new_group) - 1
    values = table.column("value").to_numpy().astype(float)
    counts = table.column("n_values").to_numpy().astype(np.int64)
    month = table.column("month").to_numpy()
    month_index = np.searchsorted(months, month)
    known = (month_index < len(months)) & (
        months[np.minimum(month_index, len(months) - 1)] == month
    )
    # One column per (group, value), in the order of the rows.
    new_pair = np.ones(len(group), dtype=bool)
    new_pair[1:] = (group[1:] != group[:-1]) | (values[1:] != values[:-1])
    pair = np.cumsum(new_pair) - 1
    pair_value = values[new_pair]
    pair_group = group[new_pair]
    group_start = (
        np.flatnonzero(np.concatenate([[True], pair_group[1:] != pair_group[:-1]]))
        if len(pair_group)
        else np.zeros(0, dtype=np.int64)
    )
    group_rows = (
        np.flatnonzero(np.concatenate([[True], group[1:] != group[:-1]]))
        if len(group)
        else np.zeros(0, dtype=np.int64)
    )
    group_keys = table.select(keys).take(pa.array(group_rows, pa.int64()))
    # cumulative[m] = counts of the months before month m (index 0: none).
    cumulative_months = np.zeros((len(months) + 1, len(pair_value)), dtype=np.int32)
    cumulative_months[month_index[known] + 1, pair[known]] = counts[known]
    np.cumsum(cumulative_months, axis=0, out=cumulative_months)
    by_period: dict[tuple, list[int]] = {}
    for period_type, start, end, first in zip(
        calendar.column("period_type").to_pylist(),
        calendar.column("period_start").to_pylist(),
        calendar.column("period_end").to_pylist(),
        np.searchsorted(months, calendar.column("month").to_numpy()).tolist(),
        strict=True,
    ):
        by_period.setdefault((period_type, start, end), []).append(first)
    parts = []
    for (period_type, start, end), indices in by_period.items():
        if not len(group_start):
            break
        # A period's months are consecutive, so they are consecutive here too.
        low, high = min(indices), max(indices)
        period_counts = cumulative_months[high + 1] - cumulative_months[low]
        cumulative = np.cumsum(period_counts)
        before = cumulative[group_start] - period_counts[group_start]
        n = np.add.reduceat(period_counts, group_start)
        present = np.flatnonzero(n > 0)
        if not len(present):
            continue
        n, before = n[present], before[present]
        sizes, inverse = np.unique(n, return_inverse=True)
        ranks = _median_ranks(sizes)
        k = np.zeros(len(sizes), dtype=np.int64)
        k[np.searchsorted(sizes, ranks.column("n").to_numpy())] = ranks.column(
            "k"
        ).to_numpy()
        k = k[inverse]

        def at_rank(rank, cumulative=cumulative, before=before):
            return pair_value[np.searchsorted(cumulative, before + rank, side="left")]

        median = (at_rank((n + 1) // 2) + at_rank(n // 2 + 1)) / 2
        has_interval = k > 0
        lower = np.where(has_interval, at_rank(np.where(has_interval, k, 1)), np.nan)
        upper = np.where(
            has_interval, at_rank(np.where(has_interval, n - k + 1, 1)), np.nan
        )
        size = len(present)
        rows = group_keys.take(pa.array(present, pa.int64()))
        parts.append(
            pa.table(
                {
                    "period_type": pa.array([period_type] * size, pa.string()),
                    "period_start": pa.array([start] * size, pa.date32()),
                    "period_end": pa.array([end] * size, pa.date32()),
                    **{key: rows.column(key) for key in keys},
                    "rows_": pa.array(n, pa.int64()),
                    "n_values": pa.array(n, pa.int64()),
                    "median": pa.array(median, pa.float64()),
                    "median_lower": pa.array(lower, pa.float64()),
                    "median_upper": pa.array(upper, pa.float64()),
                }
            )
        )
    if parts:
        return pa.concat_tables(parts)
    return pa.table(
        {
            "period_type": pa.array([], pa.string()),
            "period_start": pa.array([], pa.date32()),
            "period_end": pa.array([], pa.date32()),
            **{key: group_keys.column(key).slice(0, 0) for key in keys},
            **{
                name: pa.array(
                    [], pa.int64() if name in {"rows_", "n_values"} else pa.float64()
                )
                for name in (
                    "rows_",
                    "n_values",
                    "median",
                    "median_lower",
                    "median_upper",
                )
            },
        }
    )


def _changes(column: pa.ChunkedArray) -> np.ndarray:
    """Return for each row after the first whether it differs from the one before.

    Missing values equal each other and differ from any value.
    """
    import pyarrow.compute as pc

    if len(column) < 2:
        return np.zeros(0, dtype=bool)
    after, before = column.slice(1), column.slice(0, len(column) - 1)
    differs = pc.fill_null(pc.not_equal(after, before), False)
    missing = pc.not_equal(pc.is_null(after), pc.is_null(before))
    return pc.or_(differs, missing).to_numpy(zero_copy_only=False).astype(bool)


def _median_ranks(sizes: np.ndarray, confidence: float = 0.95) -> pa.Table:
    """Return for each n the rank k of the median's order-statistic interval.

    k is the number of j in 0…n with P(B ≤ j) ≤ α/2, B ~ Bin(n, ½) (0: no
    interval), as in ``statistics.median_estimate``.
    """
    from scipy import stats

    alpha = 1 - confidence
    sizes = sizes[sizes > 0]
    quantile = stats.binom.ppf(alpha / 2, sizes, 0.5)
    at_quantile = stats.binom.cdf(quantile, sizes, 0.5)
    ranks = np.where(at_quantile <= alpha / 2 + 1e-12, quantile + 1, quantile)
    return pa.table(
        {
            "n": pa.array(sizes, pa.int64()),
            "k": pa.array(ranks.astype(np.int64), pa.int64()),
        }
    )


def _with_unit_columns(table: pa.Table) -> pa.Table:
    """Add empty unit columns a fact does not have, so one query fits all."""
    for column in UNIT_ID_COLUMNS:
        if column not in table.column_names:
            table = table.append_column(column, pa.nulls(len(table), pa.int64()))
    return table


def _groups(result: pa.Table, masks: dict[int, str], spec) -> dict[str, np.ndarray]:
    """Turn the aggregate into arrays; drop groups whose unit is unknown."""
    data = {
        name: result.column(name).to_numpy(zero_copy_only=False)
        for name in (
            "period_type",
            "period_start",
            "period_end",
            "stratum",
            "grouping_",
        )
    }
    lookup = np.array(
        [masks.get(mask, "") for mask in range(2 ** len(UNIT_ID_COLUMNS))], object
    )
    unit_type = lookup[data["grouping_"].astype(np.int64)]
    keep = unit_type != ""
    missing = {}
    for column in UNIT_ID_COLUMNS:
        data[column] = np.array(result.column(column).to_pylist(), dtype=object)
        missing[column] = result.column(column).is_null().to_numpy(zero_copy_only=False)
    for unit, key in UNIT_KEY_COLUMN.items():
        keep &= ~((unit_type == unit) & missing[key])
    names = result.column_names
    for name in (
        "rows_",
        "numerator",
        "expected",
        "n_values",
        "sum_x",
        "sum_xx",
        "median",
        "median_lower",
        "median_upper",
    ):
        if name in names:
            data[name] = _floats(result.column(name))
    if spec.kind in {"mean", "median"}:
        data["cases"] = data["n_values"].astype(np.int64)
    else:
        data["cases"] = data["rows_"].astype(np.int64)
    data["unit_type"] = unit_type
    return {name: array[keep] for name, array in data.items()}


def _floats(column: pa.ChunkedArray) -> np.ndarray:
    import pyarrow.compute as pc

    return pc.cast(column, pa.float64()).to_numpy(zero_copy_only=False).astype(float)


def _row_groups(*columns) -> list[np.ndarray]:
    """Return the rows of each distinct combination of values, in ascending order.

    Groups come in the order of their first row, as a dictionary of lists
    filled row by row would give them; missing values form groups of their own.
    """
    import pandas as pd

    if not columns or not len(columns[0]):
        return []
    frame = pd.DataFrame({str(i): np.asarray(c) for i, c in enumerate(columns)})
    codes = (
        frame.groupby(list(frame.columns), sort=False, dropna=False).ngroup().to_numpy()
    )
    order = np.argsort(codes, kind="stable")
    return np.split(order, np.cumsum(np.bincount(codes))[:-1])


# --- risk adjustment -----------------------------------------------------------


def _with_risk(
    table: pa.Table, spec: IndicatorSpec, stored: dict | None = None
) -> tuple[pa.Table, dict | None]:
    """Add each row's predicted probability ``_p`` from a logistic risk model.

    The model is fitted on the population rows of the whole fact (all units,
    the whole window), outcome = the numerator condition. Cases that share a
    covariate pattern are fitted together with frequency weights (the same
    estimate as case by case) and get the same prediction.

    With ``stored`` (a model described by ``_describe_model``, from the last
    full compute) nothing is fitted: its coefficients, and its means for
    missing numbers, predict the rows. It is refitted only when the rows
    have a category it does not know. Returns the table and the model's
    description (None when no model could be fitted).
    """
    schema = FACTS[spec.fact].schema
    population, population_params = _condition(spec.population, schema)
    numerator, numerator_params = _condition(spec.numerator, schema)
    covariate_names = [f"c{index}" for index in range(len(spec.risk_covariates))]
    with duckdb.connect() as con:
        con.register("fact", table)
        if stored is not None:
            means = stored["means"]
        else:
            # Missing numbers take the mean of the window's rows.
            numbers = [
                name
                for name in spec.risk_covariates
                if schema.column(name).type in {"integer", "number"}
            ]
            averages = (
                con.execute(
                    "SELECT "
                    + ", ".join(f'AVG(CAST(f."{name}" AS DOUBLE))' for name in numbers)
                    + " FROM fact AS f"
                ).fetchone()
                if numbers
                else ()
            )
            means = {
                name: 0.0 if mean is None else float(mean)
                for name, mean in zip(numbers, averages, strict=True)
            }
        expressions, mean_params = [], []
        for index, name in enumerate(spec.risk_covariates):
            kind = schema.column(name).type
            column = f'f."{name}"'
            if kind == "boolean":
                expression = f"CAST(COALESCE({column}, FALSE) AS DOUBLE)"
            elif kind in {"integer", "number"}:
                # Rounded to one decimal, so that cases share patterns.
                expression = (
                    f"ROUND(COALESCE(CAST({column} AS DOUBLE), CAST(? AS DOUBLE)), 1)"
                )
                mean_params.append(means[name])
            else:
                expression = f"COALESCE(CAST({column} AS VARCHAR), '?')"
            expressions.append(f"{expression} AS c{index}")
        con.execute(
            f"""
            CREATE TEMP TABLE rows_ AS
            SELECT ROW_NUMBER() OVER () - 1 AS row_, {", ".join(expressions)},
                   CASE WHEN {numerator} THEN 1 ELSE 0 END AS outcome_,
                   {population} AS in_population_
            FROM fact AS f
            """,
            [*mean_params, *numerator_params, *population_params],
        )
        patterns = con.sql(
            f"""
            SELECT {", ".join(covariate_names)},
                   SUM(outcome_) AS events, COUNT(*) AS cases
            FROM rows_ WHERE in_population_
            GROUP BY ALL
            """
        ).to_arrow_table()
        values = {
            name: _covariate_values(
                patterns.column(covariate), schema.column(name).type
            )
            for name, covariate in zip(
                spec.risk_covariates, covariate_names, strict=True
            )
        }
        probabilities = np.full(len(table), np.nan)
        predicted = None
        if stored is not None:
            try:
                predicted = _stored_model(stored).predict(values)
            except st.StatisticsError as error:
                logger.info("Stored risk model not usable, refitted: %s", error)
                return _with_risk(table, spec)
            description = stored
        else:
            events = patterns.column("events").to_numpy().astype(float)
            cases = patterns.column("cases").to_numpy().astype(float)
            # Two rows per pattern: its events and its non-events, as weights.
            outcomes = np.concatenate([np.ones(len(events)), np.zeros(len(events))])
            weights = np.concatenate([events, cases - events])
            keep = weights > 0
            doubled = {
                name: np.concatenate([array, array])[keep]
                for name, array in values.items()
            }
            try:
                model = st.fit_risk_model(
                    outcomes[keep], doubled, weights=weights[keep]
                )
            except st.StatisticsError as error:
                logger.info("Risk model not fitted: %s", error)
                return table.append_column("_p", pa.array(probabilities)), None
            predicted = model.predict(values)
            description = _describe_model(model, means)
        con.register("patterns", patterns.append_column("p_", pa.array(predicted)))
        joined = con.sql(
            f"""
            SELECT r.row_, p.p_
            FROM rows_ AS r
            JOIN patterns AS p
              ON {" AND ".join(f"r.{c} = p.{c}" for c in covariate_names)}
            WHERE r.in_population_
            """
        ).fetchnumpy()
    probabilities[joined["row_"].astype(np.int64)] = joined["p_"]
    return table.append_column("_p", pa.array(probabilities)), description


def _describe_model(model, means: dict[str, float]) -> dict:
    """Return a fitted risk model as JSON data (``RiskModelFit.model``)."""
    return {
        "covariates": [
            {
                "name": covariate.name,
                "levels": None if covariate.levels is None else list(covariate.levels),
                "reference": covariate.reference,
            }
            for covariate in model.covariates
        ],
        "coefficients": [[name, value] for name, value in model.coefficients.items()],
        "means": dict(means),
        "cases": model.cases,
        "converged": model.converged,
        "regularised": model.regularised,
        "penalty": model.penalty,
        "iterations": model.iterations,
    }


def _stored_model(description: dict):
    """Return the risk model described by ``_describe_model``."""
    from .statistics.risk import Covariate, RiskModel

    return RiskModel(
        tuple(
            Covariate(
                item["name"],
                None if item["levels"] is None else tuple(item["levels"]),
                item["reference"],
            )
            for item in description["covariates"]
        ),
        {name: float(value) for name, value in description["coefficients"]},
        int(description["cases"]),
        converged=bool(description["converged"]),
        regularised=bool(description["regularised"]),
        penalty=float(description["penalty"]),
        iterations=int(description["iterations"]),
    )


def _covariate_values(column: pa.ChunkedArray, kind: str) -> np.ndarray:
    """Return a pattern column: numbers for yes/no and numbers, else labels."""
    if kind in {"boolean", "integer", "number"}:
        return column.to_numpy().astype(float)
    return np.array(column.to_pylist(), dtype=object)


# --- ratios and changes ------------------------------------------------------------


def _measure_groups(con, spec: IndicatorSpec, facts, periods) -> dict[str, np.ndarray]:
    """Aggregate the measures of a ratio or change and combine them."""
    measures = [spec.numerator_measure]
    if spec.kind == "ratio":
        measures.append(spec.denominator_measure)
    columns = set.intersection(
        *(set(_column_names(facts[measure.fact])) for measure in measures)
    )
    unit_types = _unit_types(spec, columns)
    if spec.kind == "change":
        earlier = [period.year_before() for period in periods]
        _use_periods(con, sorted(set(periods + earlier)))
    # Group every measure by the unit columns all its facts have, so that for
    # example staff (no funder) and cases meet per provider.
    tables = [
        _measure(con, measure, facts[measure.fact], columns, unit_types)
        for measure in measures
    ]
    numerators = tables[0]
    if spec.kind == "ratio":
        denominators = tables[1]
    else:  # change: the same measure a year earlier
        denominators = {
            (*key[:-1], add_months(key[-1], 12)): row for key, row in numerators.items()
        }
    # A ratio exists where its denominator does; a change where either year
    # does. A missing count, sum or stock is 0; a missing mean is unknown.
    wanted = {(period.type, period.start): period for period in periods}
    keys = set(denominators) | (set(numerators) if spec.kind == "change" else set())
    empty = np.nan if spec.numerator_measure.aggregate == "mean" else 0.0
    rows = []
    for key in sorted(keys, key=str):
        if key[-2:] not in wanted:
            continue
        row, other = numerators.get(key), denominators.get(key)
        base = row or other
        rows.append(
            {
                **base,
                "period_type": key[-2],
                "period_start": key[-1],
                "period_end": wanted[key[-2:]].end,
                "amount": row["amount"] if row else empty,
                "cases": row["cases"] if row else 0,
                "den": other["amount"] if other else np.nan,
                "den_cases": other["cases"] if other else 0,
            }
        )
    if not rows:
        return {"cases": np.array([], dtype=np.int64)}
    data: dict[str, np.ndarray] = {}
    for name in (
        "unit_type",
        "period_type",
        "period_start",
        "period_end",
        *UNIT_ID_COLUMNS,
    ):
        data[name] = np.array([row[name] for row in rows], dtype=object)
    data["stratum"] = np.array([""] * len(rows), dtype=object)
    data["numerator"] = np.array([row["amount"] for row in rows], dtype=float)
    data["denominator"] = np.array([row["den"] for row in rows], dtype=float)
    # The figure rests on the smaller of its two bases (disclosure, evaluation).
    cases = [
        row["den_cases"]
        if spec.kind == "ratio"
        else min(row["cases"], row["den_cases"])
        for row in rows
    ]
    data["cases"] = np.array(cases, dtype=np.int64)
    return data


def _measure(
    con, measure: Measure, table, columns: set[str], unit_types
) -> dict[tuple, dict]:
    """Return one measure per unit and period, keyed by (unit…, type, start).

    As in ``_aggregate``: rows are summed per month and finest unit, then per
    unit type, then into periods. A stock counts the rows open at each
    month-end (start ≤ month-end < end): "stock" is the average over the
    months of the period, "stock_sum" the column added up over them.
    """
    schema = FACTS[measure.fact].schema
    _use_fact(con, table, keep=columns)
    condition, params = _condition(measure.condition, schema)
    column = f'CAST(f."{measure.column}" AS DOUBLE)' if measure.column else "NULL"
    units = ", ".join(f"f.{c} AS {c}" for c in UNIT_ID_COLUMNS)
    if measure.aggregate in {"count", "sum", "mean"}:
        con.execute(
            f"""
            CREATE OR REPLACE TEMP TABLE monthly AS
            SELECT {units},
                   CAST(DATE_TRUNC('month', CAST(f."{measure.date}" AS DATE)) AS DATE)
                     AS month,
                   COUNT(*) AS rows_, COUNT({column}) AS n_values,
                   SUM({column}) AS total
            FROM fact AS f
            WHERE {condition} AND {_within_periods(f'f."{measure.date}"')}
            GROUP BY ALL
            """,
            params,
        )
    else:
        minimum = (
            f'AND CAST(f."{measure.date}" AS DATE) <= '
            f"e.month_end - INTERVAL {int(measure.min_months)} MONTH"
            if measure.min_months
            else ""
        )
        con.execute(
            """
            CREATE OR REPLACE TEMP TABLE month_ends AS
            SELECT DISTINCT CAST(month_start AS DATE) AS month,
                   CAST(LAST_DAY(month_start) AS DATE) AS month_end
            FROM (
                SELECT UNNEST(generate_series(
                    CAST(period_start AS TIMESTAMP), CAST(period_end AS TIMESTAMP),
                    INTERVAL 1 MONTH)) AS month_start
                FROM periods
            )
            """
        )
        con.execute(
            f"""
            CREATE OR REPLACE TEMP TABLE monthly AS
            SELECT {units}, e.month,
                   COUNT(*) AS rows_, COUNT({column}) AS n_values,
                   SUM({column}) AS total
            FROM (SELECT * FROM fact AS f WHERE {condition}) AS f
            JOIN month_ends AS e
              ON CAST(f."{measure.date}" AS DATE) <= e.month_end
             AND (f."{measure.end_date}" IS NULL
                  OR CAST(f."{measure.end_date}" AS DATE) > e.month_end)
             {minimum}
            GROUP BY ALL
            """,
            params,
        )
    grouping, masks = _grouping_sets(unit_types, extra=("m.month",))
    ids = ", ".join(f"m.{c}" for c in UNIT_ID_COLUMNS)
    keys = ", ".join(["u.grouping_", *(f"u.{c}" for c in UNIT_ID_COLUMNS)])
    months = "ANY_VALUE(p.period_months)"
    amount = {
        "count": "SUM(u.rows_)",
        "sum": "COALESCE(SUM(u.total), 0)",
        "mean": "SUM(u.total) / NULLIF(SUM(u.n_values), 0)",
        "stock": (
            f"SUM(u.total) / {months}" if measure.column else f"SUM(u.rows_) / {months}"
        ),
        "stock_sum": "COALESCE(SUM(u.total), 0)",
    }[measure.aggregate]
    cases = (
        f"SUM(u.rows_) / {months}"
        if measure.aggregate in {"stock", "stock_sum"}
        else "SUM(u.rows_)"
    )
    result = con.sql(
        f"""
        WITH unit_months AS (
            SELECT m.month, {", ".join(f"m.{c} AS {c}" for c in UNIT_ID_COLUMNS)},
                   GROUPING({ids}) AS grouping_,
                   SUM(m.rows_) AS rows_, SUM(m.n_values) AS n_values,
                   SUM(m.total) AS total
            FROM monthly AS m
            GROUP BY {grouping}
            HAVING GROUPING({ids}) IN ({", ".join(map(str, masks))})
        )
        SELECT p.period_type, p.period_start, p.period_end, {keys},
               {amount} AS amount, {cases} AS cases
        FROM unit_months AS u
        JOIN period_months AS p ON u.month = p.month
        GROUP BY p.period_type, p.period_start, p.period_end, {keys}
        """
    ).to_arrow_table()
    rows = {}
    for record in result.to_pylist():
        unit = masks.get(int(record["grouping_"]))
        if unit is None or (unit != "whole" and record[UNIT_KEY_COLUMN[unit]] is None):
            continue
        ids_ = tuple(record[c] for c in UNIT_ID_COLUMNS)
        amount_ = record["amount"]
        rows[(unit, *ids_, record["period_type"], record["period_start"])] = {
            "unit_type": unit,
            **{c: record[c] for c in UNIT_ID_COLUMNS},
            "period_type": record["period_type"],
            "period_start": record["period_start"],
            "period_end": record["period_end"],
            "amount": np.nan if amount_ is None else float(amount_),
            "cases": round(record["cases"] or 0),
        }
    return rows


# --- statistics per row --------------------------------------------------------


def _columns(spec: IndicatorSpec, g: dict[str, np.ndarray]) -> dict[str, list]:
    """Apply the statistics to the aggregated groups; return result columns."""
    size = len(g["cases"])
    cases = g["cases"]
    nan = np.full(size, np.nan)
    numerator, denominator, expected = nan.copy(), nan.copy(), nan.copy()
    lower, upper = nan.copy(), nan.copy()
    method: dict[str, Any] = {"kind": spec.kind}
    if spec.kind in {"rate", "count", "oe"}:
        numerator = g["numerator"]
        denominator = cases.astype(float)
    if spec.kind == "rate":
        with np.errstate(divide="ignore", invalid="ignore"):
            value = np.where(cases > 0, numerator / denominator, np.nan)
        intervals = st.rate_intervals(numerator, cases, method=spec.interval)
        lower, upper = intervals.lower, intervals.upper
        method["interval"] = spec.interval
    elif spec.kind == "count":
        value = numerator.copy()
    elif spec.kind == "oe":
        expected = g["expected"]
        with np.errstate(divide="ignore", invalid="ignore"):
            value = np.where(expected > 0, numerator / expected, np.nan)
        intervals = st.ratio_intervals(numerator, np.nan_to_num(expected))
        lower, upper = intervals.lower, intervals.upper
        method["interval"] = intervals.method
        method["risk_covariates"] = list(spec.risk_covariates)
    elif spec.kind == "mean":
        denominator = cases.astype(float)
        with np.errstate(divide="ignore", invalid="ignore"):
            value = np.where(cases > 0, g["sum_x"] / cases, np.nan)
            variance = (g["sum_xx"] - cases * value**2) / (cases - 1)
        sd = np.sqrt(np.clip(np.where(cases > 1, variance, np.nan), 0, None))
        lower, upper = _t_intervals(value, sd, cases)
        method["interval"] = "t"
    elif spec.kind == "median":
        denominator = cases.astype(float)
        value, lower, upper = g["median"], g["median_lower"], g["median_upper"]
        method["interval"] = "order_statistics"
    else:  # ratio, change
        numerator, denominator = g["numerator"], g["denominator"]
        with np.errstate(divide="ignore", invalid="ignore"):
            if spec.kind == "ratio":
                value = np.where(
                    denominator > 0, numerator / denominator * spec.multiplier, np.nan
                )
            else:
                value = np.where(
                    denominator > 0, (numerator - denominator) / denominator, np.nan
                )
    reference_lower, reference_upper = _reference_bounds(spec, g, value)
    evaluation, criterion, evaluation_method = _evaluate(
        spec, g, value, numerator, expected, reference_lower, reference_upper
    )
    method.update(evaluation_method)
    funnel = _funnels(spec, g, value, numerator, expected)
    group_methods = funnel.pop("method")
    columns = {
        "numerator": _numbers(numerator),
        "denominator": _numbers(denominator),
        "value": _numbers(value),
        "ci_lower": _numbers(lower),
        "ci_upper": _numbers(upper),
        "expected": _numbers(expected),
        "oe_ratio": _numbers(value) if spec.kind == "oe" else [None] * size,
        "funnel_target": _numbers(funnel["target"]),
        "funnel_lower_95": _numbers(funnel["lower_95"]),
        "funnel_upper_95": _numbers(funnel["upper_95"]),
        "funnel_lower_998": _numbers(funnel["lower_998"]),
        "funnel_upper_998": _numbers(funnel["upper_998"]),
        "reference_lower": _numbers(reference_lower),
        "reference_upper": _numbers(reference_upper),
        "decision_criterion": _numbers(criterion),
    }
    merged: dict[int, dict] = {}  # one method dictionary per funnel group
    methods = [
        method if group is None else merged.setdefault(id(group), {**method, **group})
        for group in group_methods
    ]
    ids = {column: [_id(v) for v in g[column]] for column in UNIT_ID_COLUMNS}
    unit_types = [str(v) for v in g["unit_type"]]
    keys: dict[tuple, str] = {}  # few units, many rows
    columns.update(
        unit_type=unit_types,
        unit_key=[
            keys.get(row) or keys.setdefault(row, unit_key(row[0], row[1:]))
            for row in zip(unit_types, *(ids[c] for c in UNIT_ID_COLUMNS), strict=True)
        ],
        **ids,
        period_type=[str(v) for v in g["period_type"]],
        period_start=_dates(g["period_start"]),
        period_end=_dates(g["period_end"]),
        stratum=[str(v or "") for v in g["stratum"]],
        cases=cases.astype(np.int64).tolist(),
        evaluation=[str(v) for v in evaluation],
        method=methods,
    )
    return columns


def _dates(values: np.ndarray) -> list[date]:
    if np.issubdtype(values.dtype, np.datetime64):
        return values.astype("datetime64[D]").astype(object).tolist()
    return [_date(v) for v in values]


def _t_intervals(mean, sd, cases):
    from scipy import stats

    lower = np.full(len(mean), np.nan)
    upper = lower.copy()
    usable = (cases >= 2) & np.isfinite(sd)
    if usable.any():
        t = stats.t.ppf(0.975, cases[usable] - 1)
        half = t * sd[usable] / np.sqrt(cases[usable])
        lower[usable] = mean[usable] - half
        upper[usable] = mean[usable] + half
    return lower, upper


def _reference_bounds(spec, g, value):
    """Return the reference range per row: fixed, or percentiles of the units."""
    size = len(value)
    reference = spec.reference
    if reference.type != "percentile":
        return (
            np.full(size, np.nan if reference.lower is None else reference.lower),
            np.full(size, np.nan if reference.upper is None else reference.upper),
        )
    lower, upper = np.full(size, np.nan), np.full(size, np.nan)
    evaluable = (g["cases"] >= spec.minimum_cases) & np.isfinite(value)
    groups = _row_groups(
        *(
            g[column]
            for column in ("period_type", "period_start", "unit_type", "stratum")
        )
    )
    for members in groups:
        values = value[members][evaluable[members]]
        if not len(values):
            continue
        if reference.lower is not None:
            lower[members] = np.percentile(values, reference.lower)
        if reference.upper is not None:
            upper[members] = np.percentile(values, reference.upper)
    return lower, upper


def _evaluate(spec, g, value, numerator, expected, lower, upper):
    """Evaluate every row against its reference range."""
    size = len(value)
    evaluation = np.full(size, st.Evaluation.NO_RANGE, dtype=object)
    criterion = np.full(size, np.nan)
    if not spec.reference.is_defined:
        not_enough = g["cases"] < spec.minimum_cases
        evaluation[not_enough] = st.Evaluation.NOT_EVALUABLE
        return evaluation, criterion, {"minimum_cases": spec.minimum_cases}
    parameters: dict[str, Any] = {}
    for members in _row_groups(lower, upper):
        first = members[0]
        low = None if np.isnan(lower[first]) else float(lower[first])
        high = None if np.isnan(upper[first]) else float(upper[first])
        if low is None and high is None:
            evaluation[members] = st.Evaluation.NOT_EVALUABLE
            continue
        reference_range = st.ReferenceRange(low, high)
        if spec.evaluation == "bayes" and spec.kind == "rate":
            result = st.evaluate_rates_bayes(
                numerator[members],
                g["cases"][members],
                reference_range,
                alpha=spec.alpha,
                minimum_cases=spec.minimum_cases,
            )
        elif spec.evaluation == "bayes" and spec.kind == "oe":
            result = st.evaluate_ratios_bayes(
                numerator[members],
                np.nan_to_num(expected[members]),
                g["cases"][members],
                reference_range,
                alpha=spec.alpha,
                minimum_cases=spec.minimum_cases,
            )
        else:
            result = st.evaluate_simple(
                value[members],
                g["cases"][members],
                reference_range,
                minimum_cases=spec.minimum_cases,
            )
        evaluation[members] = result.evaluation
        criterion[members] = result.decision_criterion
        parameters = {
            key: val
            for key, val in result.parameters.items()
            if not key.startswith("reference_")
        }
        parameters["evaluation"] = result.method
    parameters["reference"] = spec.reference.type
    return evaluation, criterion, parameters


def _funnels(spec, g, value, numerator, expected):
    """Return funnel targets and limits per row for rates and O/E ratios.

    Units are compared with the other units of the same parent: a funder's
    providers, a provider's teams, all funders. Service types are not compared
    with each other: they are different kinds of help.
    """
    size = len(value)
    out = {
        name: np.full(size, np.nan)
        for name in ("target", "lower_95", "upper_95", "lower_998", "upper_998")
    }
    out["method"] = [None] * size
    if spec.kind not in {"rate", "oe"}:
        return out
    adjustment = settings.DIALOQ_FUNNEL_ADJUSTMENT
    kind = "proportion" if spec.kind == "rate" else "ratio"
    groups = []
    for unit, parents in FUNNEL_PARENTS.items():
        rows = np.flatnonzero(g["unit_type"] == unit)
        keys = ("period_type", "period_start", "stratum", *parents)
        groups += [
            rows[members] for members in _row_groups(*(g[key][rows] for key in keys))
        ]
    batch_rows, batch_targets = [], []
    for members in groups:
        indices = members.tolist()
        precision = (
            g["cases"][members].astype(float)
            if kind == "proportion"
            else np.nan_to_num(expected[members])
        )
        total = precision.sum()
        if total <= 0:
            continue
        target = float(numerator[members].sum() / total)
        if kind == "proportion":
            target = min(max(target, 0.0), 1.0)
        dispersion = None
        if adjustment != "none" and len(members) >= MIN_UNITS_FOR_DISPERSION:
            dispersion = st.estimate_dispersion(
                value[members], precision, target, kind=kind
            )
        out["target"][members] = target
        if dispersion is None or not dispersion.overdispersed:
            # Exact limits: computed below for all such groups in one pass.
            batch_rows.extend(indices)
            batch_targets.extend([target] * len(indices))
            group_method = {
                "funnel": "exact",
                "funnel_kind": kind,
                "adjustment": "none",
            }
        else:
            limits = st.funnel_limits(
                target,
                precision,
                kind=kind,
                adjustment=adjustment,
                dispersion=dispersion,
            )
            out["lower_95"][members] = limits.lower_95
            out["upper_95"][members] = limits.upper_95
            out["lower_998"][members] = limits.lower_998
            out["upper_998"][members] = limits.upper_998
            group_method = {"funnel": limits.method, **_rounded(limits.parameters)}
        for index in indices:
            out["method"][index] = group_method
    if batch_rows:
        rows = np.array(batch_rows)
        precision = (
            g["cases"][rows].astype(float)
            if kind == "proportion"
            else np.nan_to_num(expected[rows])
        )
        limits = st.grouped_exact_limits(batch_targets, precision, kind=kind)
        for name, values in limits.items():
            out[name][rows] = values
    return out


def _rounded(parameters: dict[str, Any]) -> dict[str, Any]:
    return {
        f"funnel_{key}" if key in {"kind", "target"} else key: (
            round(value, 6) if isinstance(value, float) else value
        )
        for key, value in parameters.items()
    }


def _id(value) -> int | None:
    return None if value is None else int(value)


def _date(value) -> date:
    if isinstance(value, datetime):
        return value.date()
    if isinstance(value, date):
        return value
    return date.fromisoformat(str(value)[:10])


def _numbers(values) -> list[float | None]:
    """Return floats as a list with None where a value is missing or infinite."""
    array = np.asarray(values, dtype=float)
    return [
        None if missing else number
        for number, missing in zip(
            array.tolist(), (~np.isfinite(array)).tolist(), strict=True
        )
    ]


# --- compute and store ---------------------------------------------------------

RESULT_FIELDS = (
    "unit_type",
    "unit_key",
    "funder_id",
    "provider_id",
    "service_type_id",
    "team_id",
    "period_type",
    "period_start",
    "period_end",
    "stratum",
    "cases",
    "numerator",
    "denominator",
    "value",
    "ci_lower",
    "ci_upper",
    "expected",
    "oe_ratio",
    "funnel_target",
    "funnel_lower_95",
    "funnel_upper_95",
    "funnel_lower_998",
    "funnel_upper_998",
    "reference_lower",
    "reference_upper",
    "evaluation",
    "decision_criterion",
    "method",
)


def default_data_until() -> date:
    """Return yesterday: today's data are not complete yet."""
    return timezone.localdate() - timedelta(days=1)


def compute(
    *,
    keys: list[str] | None = None,
    months: list[date] | None = None,
    data_until: date | None = None,
    progress: Progress | None = None,
) -> ComputeSummary:
    """Compute and store the results of the indicator versions in force.

    ``keys`` limits the indicators, ``months`` the periods (those containing
    any of the months). Each version's results for the periods are replaced
    in one transaction.

    A full compute (no ``months``) fits the risk models of O/E indicators on
    the whole window and stores them with the results (``RiskModelFit``);
    a compute of some months reuses the stored model (refitting on its own
    window only where none is stored), so its expectations equal those of a
    full compute. Only the indicators with a period type among the periods,
    and the facts they read, are derived and evaluated.
    """
    from dialoq.catalog.models import IndicatorVersion, VersionStatus

    from .models import RiskModelFit

    started = time.perf_counter()
    data_until = data_until or default_data_until()
    periods = (
        periods_containing(months, data_until) if months else periods_until(data_until)
    )
    versions = list(
        IndicatorVersion.objects.filter(status=VersionStatus.IN_FORCE)
        .select_related("definition")
        .order_by("definition__key")
    )
    if keys is not None:
        versions = [v for v in versions if v.definition.key in set(keys)]
    specs = [(version, version.parsed()) for version in versions]
    full = not months
    if not full:
        # Indicators without a period among those containing the months
        # have nothing to recompute; neither are their facts derived.
        types = {period.type for period in periods}
        specs = [(v, spec) for v, spec in specs if types & set(spec.periods)]
    fact_names = sorted({name for _v, spec in specs for name in spec.facts})
    total = len(fact_names) + len(specs)
    done = 0
    report = progress or (lambda *_args: None)
    if not periods or not specs:
        report(total, total, "")
        return ComputeSummary(0, total, time.perf_counter() - started, data_until, 0)
    start = min(period.start for period in periods)
    # A change compares with the year before: its facts from 12 months earlier.
    earlier = {
        name for _v, spec in specs if spec.kind == "change" for name in spec.facts
    }
    starts = {name: add_months(start, -12) for name in earlier}
    end = max(period.end for period in periods)
    from . import snapshot

    report(done, total, ", ".join(str(FACTS[name].label) for name in fact_names))
    written = 0
    computed_at = timezone.now()
    stored_fits = (
        {}
        if full
        else {
            fit.version_id: fit.model
            for fit in RiskModelFit.objects.filter(
                version__in=[v for v, spec in specs if spec.kind == "oe"]
            )
        }
    )
    with snapshot.fact_views(
        fact_names,
        start=start,
        starts=starts,
        end=end,
        columns=used_columns(spec for _v, spec in specs),
    ) as facts:
        done += len(fact_names)
        for version, spec in specs:
            report(done, total, version.display_title)
            risk = {}
            if version.pk in stored_fits:
                risk["model"] = stored_fits[version.pk]
            columns = evaluate_columns(spec, facts, periods, data_until, risk)
            written += _store(
                version,
                periods,
                columns,
                computed_at,
                data_until,
                risk_model=risk.get("model") if full and spec.kind == "oe" else None,
                refitted=full and spec.kind == "oe",
            )
            done += 1
    report(total, total, "")
    return ComputeSummary(
        written, total, time.perf_counter() - started, data_until, len(periods)
    )


def _store(
    version,
    periods,
    columns,
    computed_at,
    data_until,
    *,
    risk_model: dict | None = None,
    refitted: bool = False,
) -> int:
    """Replace the version's results for the periods with new ones, atomically.

    With ``refitted`` the version's stored risk model is replaced by
    ``risk_model`` (or removed, when none could be fitted) in the same
    transaction.
    """
    from .models import Result, RiskModelFit

    selected = Q()
    for period_type in {period.type for period in periods}:
        starts = [period.start for period in periods if period.type == period_type]
        selected |= Q(period_type=period_type, period_start__in=starts)
    table = Result._meta.db_table
    names = ["version_id", *RESULT_FIELDS, "computed_at", "data_until"]
    sql = "INSERT INTO {} ({}) VALUES ({})".format(
        connection.ops.quote_name(table),
        ", ".join(connection.ops.quote_name(name) for name in names),
        ", ".join(["%s"] * len(names)),
    )
    size = len(columns.get("cases", []))
    encoder = Result._meta.get_field("method")
    encoded: dict[int, Any] = {}  # rows share few method dictionaries
    methods = []
    for description in columns.get("method", []):
        if id(description) not in encoded:
            encoded[id(description)] = encoder.get_db_prep_save(description, connection)
        methods.append(encoded[id(description)])
    values = (
        []
        if not size
        else list(
            zip(
                [version.pk] * size,
                *(
                    methods if name == "method" else columns[name]
                    for name in RESULT_FIELDS
                ),
                [computed_at] * size,
                [data_until] * size,
                strict=True,
            )
        )
    )
    with transaction.atomic():
        Result.objects.filter(version=version).filter(selected).delete()
        with connection.cursor() as cursor:
            for offset in range(0, len(values), 5000):
                cursor.executemany(sql, values[offset : offset + 5000])
        if refitted and risk_model is None:
            RiskModelFit.objects.filter(version=version).delete()
        elif refitted:
            RiskModelFit.objects.update_or_create(
                version=version,
                defaults={
                    "model": risk_model,
                    "fitted_at": computed_at,
                    "data_until": data_until,
                },
            )
    return len(values)


def preview(
    spec: IndicatorSpec,
    *,
    user,
    period_type: str = "rolling12",
    data_until: date | None = None,
) -> list[ResultRow]:
    """Evaluate a definition on current data of the user's own organisations.

    Nothing is stored. Only the rows of facts that belong to the user's
    funders or providers are read, and only units of those organisations are
    returned, for the latest complete period of the type.
    """
    from dialoq.accounts import scoping

    from .facts import load_fact

    owned = scoping.owned_organisations(user)
    if not owned:
        return []
    data_until = data_until or default_data_until()
    candidates = [
        p for p in periods_until(data_until, years=1) if p.type == period_type
    ]
    if not candidates:
        return []
    period = candidates[-1]
    start = add_months(period.start, -12) if spec.kind == "change" else period.start
    facts = {}
    for name in spec.facts:
        table = load_fact(name, start=start, end=period.end)
        facts[name] = _owned_rows(table, owned)
    rows = evaluate(spec, facts, [period], data_until)
    return [row for row in rows if row.funder_id in owned or row.provider_id in owned]


def _owned_rows(table: pa.Table, owned: set[int]) -> pa.Table:
    import pyarrow.compute as pc

    values = pa.array(sorted(owned), pa.int64())
    mask = None
    for column in ("funder_id", "provider_id"):
        if column in table.column_names:
            member = pc.is_in(table.column(column), value_set=values)
            mask = member if mask is None else pc.or_(mask, member)
    return table if mask is None else table.filter(pc.fill_null(mask, False))
