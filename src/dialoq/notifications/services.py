"""Notify people in the app and by e-mail, once per subject matter."""

import logging

from django.conf import settings
from django.core.mail import send_mail
from django.db import transaction
from django.utils import timezone

from dialoq.notifications.models import Notification

logger = logging.getLogger(__name__)


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
