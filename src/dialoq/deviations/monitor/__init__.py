"""Monitoring of process standards: every case to check against every standard in force.

``timelines`` reads the dated events of the cases from the database into
Arrow, ``rules`` evaluates each standard over all cases at once in DuckDB
(``reference`` is an independent evaluator of the same semantics, one case
at a time, for the tests), ``reconcile`` turns breaches into deviations and
heals them, ``compliance`` stores how often each standard was met, and
``job`` runs the whole in order with progress (``tasks`` in the background,
``dialoq monitor`` in the foreground). See ``docs/monitoring.md``.
"""
