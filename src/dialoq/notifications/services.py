"""Notify people in the app and by e-mail, once per subject matter."""

import logging
from contextlib import closing
from typing import NamedTuple

from django.conf import settings
from django.core.mail import EmailMessage, mailers, send_mail
from django.db import connection, transaction
from django.utils import timezone

from dialoq.notifications.models import Notification

logger = logging.getLogger(__name__)

# Rows per query when looking notifications up by key.
KEYS_PER_QUERY = 500


class Message(NamedTuple):
    """One notification for ``notify_many``: the recipient's user id and the texts."""

    recipient_id: int
    key: str
    subject: str
    body: str = ""
    url: str = ""


def notify(recipients, *, key: str, subject: str, body: str = "", url: str = "") -> int:
    """Create one notification per recipient unless they already have ``key``.

    Sends an e-mail to each new recipient with an address after the
    transaction commits. Subject and body must not contain personal data of a
    beneficiary: they go out by e-mail. Returns how many were created.
    """
    recipients = {user.pk: user for user in recipients if user is not None}
    if not recipients:
        return 0
    known = set(
        Notification.objects.filter(recipient_id__in=recipients, key=key).values_list(
            "recipient_id", flat=True
        )
    )
    new = [
        Notification(recipient=user, key=key, subject=subject, body=body, url=url)
        for pk, user in recipients.items()
        if pk not in known
    ]
    Notification.objects.bulk_create(new, ignore_conflicts=True)
    addressed = [n for n in new if n.recipient.email]
    if addressed:
        keys = [(n.recipient_id, key) for n in addressed]
        transaction.on_commit(lambda: _send(keys))
    return len(new)


def _send(keys) -> None:
    for recipient_id, key in keys:
        notification = (
            Notification.objects.select_related("recipient")
            .filter(recipient_id=recipient_id, key=key, emailed_at__isnull=True)
            .first()
        )
        if notification is None:
            continue
        link = (
            settings.DIALOQ_BASE_URL.rstrip("/") + notification.url
            if notification.url
            else ""
        )
        try:
            send_mail(
                notification.subject,
                "\n\n".join(part for part in (notification.body, link) if part),
                None,
                [notification.recipient.email],
            )
        except OSError:
            logger.warning(
                "e-mail for notification %s could not be sent", notification.pk
            )
            continue
        Notification.objects.filter(pk=notification.pk).update(
            emailed_at=timezone.now()
        )


def notify_many(messages) -> int:
    """Create many notifications at once: ``Message`` items (or such tuples).

    The same rule as ``notify``, for jobs that notify thousands of people:
    a recipient gets a key once (an item whose recipient already has the key,
    or repeats an earlier item, is skipped by the database's unique
    constraint), and the new notifications of people with an e-mail address
    are e-mailed after the transaction commits, over one mail connection.
    Rows are written with the driver's ``executemany``, without a model
    instance each. Subject and body must not contain personal data of a
    beneficiary. Returns how many were created.
    """
    messages = [Message(*message) for message in messages]
    messages = [message for message in messages if message.recipient_id is not None]
    if not messages:
        return 0
    created_at = connection.ops.adapt_datetimefield_value(timezone.now())
    table = connection.ops.quote_name(Notification._meta.db_table)
    columns = ("recipient_id", "key", "subject", "body", "url", "created_at")
    names = ", ".join(connection.ops.quote_name(name) for name in columns)
    mark = "?" if connection.vendor == "sqlite" else "%s"
    statement = (
        f"INSERT INTO {table} ({names}) "  # noqa: S608 - names from the model
        f"VALUES ({', '.join([mark] * len(columns))}) ON CONFLICT DO NOTHING"
    )
    with transaction.atomic():
        connection.ensure_connection()
        with closing(connection.connection.cursor()) as cursor:
            cursor.executemany(
                statement,
                [
                    (m.recipient_id, m.key, m.subject, m.body, m.url, created_at)
                    for m in messages
                ],
            )
            created = cursor.rowcount
        addressed = _addressed({message.recipient_id for message in messages})
        pairs = sorted(
            {(m.recipient_id, m.key) for m in messages if m.recipient_id in addressed}
        )
        if pairs:
            transaction.on_commit(lambda: _send_many(pairs))
    return created if created >= 0 else len(messages)


def _addressed(recipient_ids) -> set:
    from dialoq.accounts.models import User

    ids = sorted(recipient_ids)
    found = set()
    for start in range(0, len(ids), KEYS_PER_QUERY):
        found.update(
            User.objects.filter(
                pk__in=ids[start : start + KEYS_PER_QUERY], email__gt=""
            ).values_list("pk", flat=True)
        )
    return found


def _send_many(pairs) -> None:
    """E-mail the notifications (recipient id, key) not e-mailed yet."""
    wanted = set(pairs)
    keys = sorted({key for _recipient, key in pairs})
    base = settings.DIALOQ_BASE_URL.rstrip("/")
    try:
        mail = mailers.default
        mail.open()
    except OSError:
        logger.warning(
            "e-mail connection failed; %s notifications not sent", len(pairs)
        )
        return
    try:
        for start in range(0, len(keys), KEYS_PER_QUERY):
            _send_part(mail, base, wanted, keys[start : start + KEYS_PER_QUERY])
    finally:
        mail.close()


def _send_part(mail, base: str, wanted: set, keys: list) -> None:
    found = Notification.objects.select_related("recipient").filter(
        key__in=keys, emailed_at__isnull=True
    )
    sent = []
    for notification in found:
        if (notification.recipient_id, notification.key) not in wanted:
            continue
        link = base + notification.url if notification.url else ""
        message = EmailMessage(
            notification.subject,
            "\n\n".join(part for part in (notification.body, link) if part),
            None,
            [notification.recipient.email],
        )
        try:
            mail.send_messages([message])
        except OSError:
            logger.warning(
                "e-mail for notification %s could not be sent", notification.pk
            )
            continue
        sent.append(notification.pk)
    if sent:
        Notification.objects.filter(pk__in=sent).update(emailed_at=timezone.now())
