"""Hand-built fact tables for engine tests: only the columns a test needs."""

from datetime import date

import pyarrow as pa

TYPES = {
    "funder_id": pa.int64(),
    "provider_id": pa.int64(),
    "service_type_id": pa.int64(),
    "team_id": pa.int64(),
}


def fact(**columns) -> pa.Table:
    """Return an Arrow table; unit columns default to funder 1, no team."""
    length = len(next(iter(columns.values())))
    columns.setdefault("funder_id", [1] * length)
    columns.setdefault("provider_id", [10] * length)
    columns.setdefault("service_type_id", [5] * length)
    columns.setdefault("team_id", [None] * length)
    arrays = {}
    for name, values in columns.items():
        if name in TYPES:
            arrays[name] = pa.array(values, TYPES[name])
        elif any(isinstance(value, date) for value in values):
            arrays[name] = pa.array(values, pa.date32())
        else:
            arrays[name] = pa.array(values)
    return pa.table(arrays)
