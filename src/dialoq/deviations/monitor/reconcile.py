"""Turn breaches of process standards into deviations, and heal them, idempotently.

Every occurrence has a stable key, ``standard:<standard_key>:case:<case_id>:
<occurrence ISO date>``; a deviation with that key is opened at most once
(the key is unique in the database), so running the monitor twice opens
nothing new.

Which breaches open a deviation: breaches on cases still open that persist
on the check date, and breaches that healed since the previous completed
run's check date (they persisted at some time between the two runs; the
first run ever opens only persisting ones). Breaches already healed before
that, and breaches in closed cases, count in the compliance figures only:
there is nothing left to react to, and a register filled with history hides
what needs work. A deviation opened for a breach that has healed meanwhile
is closed as healed at once, without a notification.

Healing (the occurrence is met now, or its late event has happened): a
deviation nobody has taken up yet (status ``reported``) is closed with the
resolution ``healed``; one in work gets ``healed_at`` and a "healed" event,
and its owner is told; the work goes on, as the causes still deserve a look.
A healed breach that persists again (a record was removed or re-dated) gets
a "recurred" event and loses ``healed_at``; a deviation that the monitor
closed as healed is reopened (status ``reported``), one closed by a person
stays closed. Deviations whose occurrence no longer exists (the standard
was retired, the case's next review moved) are left as they are.

Writes go in transactions of ``BATCH`` deviations: a deviation and its
events are always written together, and a run never holds SQLite's write
lock for long.
"""

import logging
from contextlib import closing
from dataclasses import dataclass
from datetime import date

import pyarrow as pa
from django.conf import settings
from django.db import connection, transaction
from django.urls import reverse
from django.utils import formats, timezone, translation
from django.utils.translation import gettext as _

from dialoq.catalog.models import ProcessParty
from dialoq.deviations.models import (
    Deviation,
    DeviationEvent,
    DeviationEventKind,
    DeviationSource,
    DeviationStatus,
    Resolution,
)
from dialoq.deviations.workflow import default_due_on, do_record_event
from dialoq.notifications.services import Message, notify, notify_many

from .bulk import insert_rows, large_page_cache, placeholder, raw_cursor

logger = logging.getLogger(__name__)

BATCH = 5000
KEY_PREFIX = "standard:"
NO_PREVIOUS_RUN = date(9999, 12, 31)


@dataclass
class Outcome:
    opened: int = 0
    healed: int = 0
    recurred: int = 0


def occurrence_key(standard_key: str, case_id: int, occurred_on: date) -> str:
    """Return the stable key of a standard's occurrence in a case."""
    return f"{KEY_PREFIX}{standard_key}:case:{case_id}:{occurred_on.isoformat()}"


def reconcile(con, versions: dict, today: date, previous: date | None) -> Outcome:
    """Open, heal and reopen deviations from the occurrences in DuckDB's ``occ``.

    ``occ`` holds every occurrence with ``version_id`` and ``key``; the
    cases are in ``case_view``. ``versions`` maps version ids to the
    ``ProcessStandardVersion`` objects; ``previous`` is the check date of the
    previous completed run.
    """
    outcome = Outcome()
    con.register("existing", _existing())
    new = con.sql(
        """
        SELECT o.key, o.version_id, o.case_id, o.occurred_on, o.due_on,
               o.healed_on, c.funder_id, c.provider_id, c.provider_unit_id,
               c.caseworker_id, c.case_manager_id
        FROM occ o JOIN case_view c USING (case_id)
        WHERE NOT o.met AND c.is_open AND (o.ongoing OR o.healed_on >= $previous)
          AND NOT EXISTS (SELECT 1 FROM existing e WHERE e.key = o.key)
        ORDER BY o.key
        """,
        params={"previous": previous or NO_PREVIOUS_RUN},
    ).to_arrow_table()
    with large_page_cache():
        for start in range(0, new.num_rows, BATCH):
            rows = new.slice(start, BATCH).to_pylist()
            outcome.opened += _open(rows, versions, today)

    con.register("existing", _existing())
    heal = _ids(
        con,
        """
        SELECT e.id FROM existing e JOIN occ o USING (key)
        WHERE (o.met OR o.healed_on IS NOT NULL) AND NOT e.healed
        ORDER BY e.id
        """,
    )
    for start in range(0, len(heal), BATCH):
        outcome.healed += _heal(heal[start : start + BATCH], today)
    recur = _ids(
        con,
        """
        SELECT e.id FROM existing e JOIN occ o USING (key)
        WHERE NOT o.met AND o.ongoing AND e.healed
        ORDER BY e.id
        """,
    )
    for start in range(0, len(recur), BATCH):
        outcome.recurred += _recur(recur[start : start + BATCH], today)
    con.unregister("existing")
    return outcome


def _existing() -> pa.Table:
    """Return the key, id and healing state of every standard deviation."""
    rows = Deviation.objects.filter(
        source=DeviationSource.STANDARD, key__startswith=KEY_PREFIX
    ).values_list("key", "id", "healed_at")
    keys, ids, healed = [], [], []
    for key, pk, healed_at in rows.iterator(chunk_size=10_000):
        keys.append(key)
        ids.append(pk)
        healed.append(healed_at is not None)
    return pa.table(
        {
            "key": pa.array(keys, pa.string()),
            "id": pa.array(ids, pa.int64()),
            "healed": pa.array(healed, pa.bool_()),
        }
    )


def _ids(con, query: str) -> list[int]:
    return con.sql(query).to_arrow_table().column("id").to_pylist()


def _open(rows: list[dict], versions: dict, today: date) -> int:
    """Open the deviations of one batch of breaches, each with its first event.

    Written in bulk in one transaction: the deviations (a key that exists
    already is skipped by the unique constraint), their "created" events
    (the rows ``workflow.do_record_event`` writes) and the owners'
    notifications (``notifications.services.notify_many``). The ids of the
    new deviations are those above the largest id before the insert.
    """
    now = timezone.now()
    with translation.override(settings.LANGUAGE_CODE), transaction.atomic():
        before = _largest_id()
        inserted = insert_rows(
            Deviation,
            _deviation_columns(rows, versions, today, now),
            len(rows),
            ignore_conflicts=True,
        )
        if not inserted:
            return 0
        ids = _new_ids(before)
        fresh = [(ids[row["key"]], row) for row in rows if row["key"] in ids]
        insert_rows(
            DeviationEvent,
            {
                "deviation_id": [pk for pk, _row in fresh],
                "at": now,
                "kind": str(DeviationEventKind.CREATED),
                "note": _("Detected by the monitoring of process standards."),
                "to_status": str(DeviationStatus.REPORTED),
            },
            len(fresh),
        )
        subject = _("New deviation from a process standard")
        link = reverse("deviations:detail", args=[0])
        notify_many(
            Message(
                row["owner_id"],
                row["key"],
                subject,
                _("Deviation %(number)s: %(title)s")
                % {"number": f"A-{pk}", "title": row["title"]},
                link.replace("/0/", f"/{pk}/"),
            )
            for pk, row in fresh
            if row["healed_on"] is None and row["owner_id"] is not None
        )
    return len(fresh)


def _deviations() -> str:
    return connection.ops.quote_name(Deviation._meta.db_table)


def _largest_id() -> int:
    with closing(raw_cursor()) as cursor:
        cursor.execute(f"SELECT MAX(id) FROM {_deviations()}")  # noqa: S608
        return cursor.fetchone()[0] or 0


def _new_ids(before: int) -> dict[str, int]:
    """Return key → id of the standard deviations with an id above ``before``."""
    with closing(raw_cursor()) as cursor:
        cursor.execute(
            f"SELECT {connection.ops.quote_name('key')}, id FROM {_deviations()} "  # noqa: S608
            f"WHERE id > {placeholder()}",
            [before],
        )
        return {key: pk for key, pk in cursor.fetchall() if key.startswith(KEY_PREFIX)}


def _deviation_columns(rows: list[dict], versions: dict, today: date, now) -> dict:
    """Return the columns of new deviations; adds ``title`` and ``owner_id`` to rows."""
    day = _short_dates()
    for row in rows:
        version = versions[row["version_id"]]
        funder_side = version.responsible in (
            ProcessParty.FUNDER,
            ProcessParty.BENEFICIARY,
        )
        row["title"] = _("%(standard)s (%(day)s)") % {
            "standard": version.title,
            "day": day(row["occurred_on"]),
        }
        row["owner_organisation_id"] = (
            row["funder_id"] if funder_side else row["provider_id"]
        )
        row["owner_id"] = (
            row["case_manager_id"] if funder_side else row["caseworker_id"]
        )
    checked = day(today)
    due_on = {}
    for version in versions.values():
        if version.severity not in due_on:
            due_on[version.severity] = default_due_on(version.severity, today)
    return {
        "key": [row["key"] for row in rows],
        "source": str(DeviationSource.STANDARD),
        "severity": [str(versions[row["version_id"]].severity) for row in rows],
        "title": [row["title"][:300] for row in rows],
        "description": [
            _("Required by %(due)s according to the standard; found on %(today)s.")
            % {"due": day(row["due_on"]), "today": checked}
            for row in rows
        ],
        "status": str(DeviationStatus.REPORTED),
        "case_id": [row["case_id"] for row in rows],
        "funder_id": [row["funder_id"] for row in rows],
        "provider_id": [row["provider_id"] for row in rows],
        "provider_unit_id": [row["provider_unit_id"] for row in rows],
        "standard_version_id": [row["version_id"] for row in rows],
        "key_process_id": [versions[row["version_id"]].key_process_id for row in rows],
        "occurred_on": [row["occurred_on"] for row in rows],
        "owner_organisation_id": [row["owner_organisation_id"] for row in rows],
        "owner_id": [row["owner_id"] for row in rows],
        "auto_detected": True,
        "detected_at": now,
        "due_on": [due_on[versions[row["version_id"]].severity] for row in rows],
    }


def _short_dates():
    """Return a function formatting dates in the short local format, cached."""
    cache = {}

    def day(value: date) -> str:
        if value not in cache:
            cache[value] = formats.date_format(value, "SHORT_DATE_FORMAT")
        return cache[value]

    return day


def _heal(ids: list[int], today: date) -> int:
    """Heal one batch of deviations whose breach no longer persists."""
    now = timezone.now()
    healed = 0
    with translation.override(settings.LANGUAGE_CODE), transaction.atomic():
        locked = Deviation.objects.select_for_update(of=("self",)).filter(
            pk__in=ids, healed_at__isnull=True
        )
        for deviation in locked.select_related("owner"):
            healed += 1
            if deviation.status == DeviationStatus.REPORTED:
                Deviation.objects.filter(pk=deviation.pk).update(
                    status=DeviationStatus.CLOSED,
                    resolution=Resolution.HEALED,
                    closed_at=now,
                    healed_at=now,
                )
                do_record_event(
                    deviation,
                    DeviationEventKind.HEALED,
                    note=_("The monitoring found the breach healed; closed."),
                    from_status=DeviationStatus.REPORTED,
                    to_status=DeviationStatus.CLOSED,
                )
                continue
            Deviation.objects.filter(pk=deviation.pk).update(healed_at=now)
            do_record_event(
                deviation,
                DeviationEventKind.HEALED,
                note=_("The monitoring found the breach healed."),
            )
            if deviation.is_open:
                _notify(
                    deviation,
                    deviation.owner,
                    key=f"{deviation.key}:healed:{today.isoformat()}",
                    subject=_("A deviation from a process standard has healed"),
                )
    return healed


def _recur(ids: list[int], today: date) -> int:
    """Record that the breaches of one batch of healed deviations persist again."""
    recurred = 0
    with translation.override(settings.LANGUAGE_CODE), transaction.atomic():
        locked = Deviation.objects.select_for_update(of=("self",)).filter(
            pk__in=ids, healed_at__isnull=False
        )
        for deviation in locked.select_related("owner"):
            recurred += 1
            auto_closed = (
                deviation.status == DeviationStatus.CLOSED
                and deviation.resolution == Resolution.HEALED
                and deviation.closed_by_id is None
            )
            if auto_closed:
                Deviation.objects.filter(pk=deviation.pk).update(
                    status=DeviationStatus.REPORTED,
                    resolution="",
                    closed_at=None,
                    healed_at=None,
                )
                do_record_event(
                    deviation,
                    DeviationEventKind.RECURRED,
                    note=_("The breach persists again; reopened."),
                    from_status=DeviationStatus.CLOSED,
                    to_status=DeviationStatus.REPORTED,
                )
            else:
                Deviation.objects.filter(pk=deviation.pk).update(healed_at=None)
                do_record_event(
                    deviation,
                    DeviationEventKind.RECURRED,
                    note=_("The breach persists again."),
                )
            _notify(
                deviation,
                deviation.owner,
                key=f"{deviation.key}:recurred:{today.isoformat()}",
                subject=_("A healed deviation from a process standard persists again"),
            )
    return recurred


def _notify(deviation, person, *, key: str, subject: str) -> None:
    notify(
        [person],
        key=key,
        subject=subject,
        body=_("Deviation %(number)s: %(title)s")
        % {"number": deviation.number, "title": deviation.title},
        url=reverse("deviations:detail", args=[deviation.pk]),
    )
