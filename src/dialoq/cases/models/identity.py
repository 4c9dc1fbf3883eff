"""A beneficiary's identifying data, encrypted at rest and kept apart from the case."""

from datetime import date

from django.db import models
from django.utils.translation import gettext_lazy as _

from dialoq.cases.models.beneficiaries import Beneficiary
from dialoq.lib.encryption import decrypt_json, encrypt_json

IDENTITY_FIELDS = ("first_name", "last_name", "date_of_birth", "address")


class BeneficiaryIdentity(models.Model):
    """Name, date of birth and address of a beneficiary, as one encrypted document.

    Only the funder's case manager may read it (see accounts.scoping), and every
    read and write is recorded in the access log by the functions in
    cases.privacy, which are the only callers of ``read`` and ``write``.
    """

    beneficiary = models.OneToOneField(
        Beneficiary,
        on_delete=models.CASCADE,
        related_name="identity",
        verbose_name=_("beneficiary"),
    )
    encrypted = models.BinaryField(_("encrypted identity"))
    updated_at = models.DateTimeField(_("changed"), auto_now=True)

    class Meta:
        verbose_name = _("identity of a beneficiary")
        verbose_name_plural = _("identities of beneficiaries")

    def __str__(self):
        return f"{self.beneficiary} (encrypted)"

    def read(self) -> dict:
        """Return the decrypted identity with date_of_birth as a date."""
        document = decrypt_json(self.encrypted)
        if document.get("date_of_birth"):
            document["date_of_birth"] = date.fromisoformat(document["date_of_birth"])
        return {field: document.get(field) or "" for field in IDENTITY_FIELDS}

    def write(self, **values):
        """Encrypt the given identity fields into this record (not saved)."""
        unknown = set(values) - set(IDENTITY_FIELDS)
        if unknown:
            raise ValueError(f"unknown identity fields: {sorted(unknown)}")
        birth = values.get("date_of_birth")
        document = {
            "first_name": values.get("first_name", ""),
            "last_name": values.get("last_name", ""),
            "date_of_birth": birth.isoformat() if birth else "",
            "address": values.get("address", ""),
        }
        self.encrypted = encrypt_json(document)
