"""Every test gets its own fact snapshot file (``measures.snapshot``)."""

import pytest


@pytest.fixture(autouse=True)
def _own_fact_snapshot(settings, tmp_path):
    settings.DIALOQ_FACT_SNAPSHOT = str(tmp_path / "facts" / "facts.duckdb")
