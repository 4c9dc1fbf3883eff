"""Forms of the case screens: list filters, opening, status, closure, contacts."""

import re
from datetime import timedelta

from django import forms
from django.db import models
from django.db.models import Exists, F, OuterRef, Q
from django.db.models.fields import BLANK_CHOICE_LABEL
from django.forms.utils import flatatt
from django.utils import timezone
from django.utils.html import format_html, format_html_join
from django.utils.translation import gettext_lazy as _

from dialoq.accounts import scoping
from dialoq.accounts.models import Membership, Organisation, OrganisationUnit, User
from dialoq.accounts.roles import Action, OrganisationKind, Role
from dialoq.cases.models import (
    Case,
    CaseStatus,
    ClosureReason,
    ContactKind,
    IntegrationOutcome,
)
from dialoq.cases.services import is_sgb_ii, next_statuses
from dialoq.catalog.models import ServiceType

MAX_CONTACT_MINUTES = 600
REVIEW_SOON_DAYS = 14
OPEN_STATUSES = [status for status in CaseStatus.values if status != CaseStatus.CLOSED]
REFERENCE_PATTERN = re.compile(r"[A-Z0-9][A-Z0-9./_-]{0,23}")


class PlainSelect(forms.Select):
    """A select rendered in Python, so lists of hundreds of people stay fast."""

    def render(self, name, value, attrs=None, renderer=None):
        chosen = "" if value is None else str(value)
        options = format_html_join(
            "",
            "{}",
            ((self._options(chosen, key, label),) for key, label in self.choices),
        )
        return format_html(
            '<select name="{}"{}>{}</select>',
            name,
            flatatt(self.build_attrs(self.attrs, attrs)),
            options,
        )

    def _options(self, chosen, key, label):
        if isinstance(label, list | tuple):  # a group of options
            inner = format_html_join(
                "", "{}", ((self._options(chosen, *option),) for option in label)
            )
            return format_html('<optgroup label="{}">{}</optgroup>', key, inner)
        selected = " selected" if str(key) == chosen else ""
        return format_html('<option value="{}"{}>{}</option>', key, selected, label)


class DateInput(forms.DateInput):
    """A native date picker; the server still checks every date."""

    input_type = "date"

    def __init__(self, attrs=None):
        super().__init__(attrs, format="%Y-%m-%d")


def _date_field(label, *, required=True, help_text=""):
    return forms.DateField(
        label=label,
        required=required,
        help_text=help_text,
        widget=DateInput(),
        error_messages={
            "required": _("Enter a date."),
            "invalid": _("Enter a real date, for example 23.11.2026."),
        },
    )


def _check_not_in_future(day):
    if day and day > timezone.localdate():
        raise forms.ValidationError(_("The date cannot be in the future."))
    return day


# --- Case list ---------------------------------------------------------------

SORTS = {
    "-referred_on": (
        _("Referred on, newest first"),
        (F("referred_on").desc(), F("pk").desc()),
    ),
    "referred_on": (_("Referred on, oldest first"), (F("referred_on").asc(), F("pk"))),
    "reference": (_("Case number, ascending"), (F("reference").asc(),)),
    "-reference": (_("Case number, descending"), (F("reference").desc(),)),
    "next_review_due": (
        _("Next review due, earliest first"),
        (F("next_review_due").asc(nulls_last=True), F("pk")),
    ),
    "-next_review_due": (
        _("Next review due, latest first"),
        (F("next_review_due").desc(nulls_last=True), F("pk").desc()),
    ),
}
DEFAULT_SORT = "-referred_on"


class ReviewDue(models.TextChoices):
    OVERDUE = "overdue", _("overdue")
    SOON = "soon", _("due within 14 days")


class CaseFilterForm(forms.Form):
    """Search, filters and sorting of the case list, with options from the scope."""

    q = forms.CharField(
        label=_("Case number or pseudonym"),
        required=False,
        max_length=24,
        help_text=_("The beginning is enough, e.g. JA-2026 or LB-7KQ2."),
        error_messages={"max_length": _("Enter at most 24 characters.")},
    )
    status = forms.ChoiceField(
        label=_("Status"),
        required=False,
        widget=PlainSelect,
        choices=[("", _("all")), *CaseStatus.choices],
        error_messages={"invalid_choice": _("Choose a status from the list.")},
    )
    service_type = forms.TypedChoiceField(
        label=_("Service type"),
        required=False,
        widget=PlainSelect,
        coerce=int,
        error_messages={"invalid_choice": _("Choose a service type from the list.")},
    )
    provider = forms.TypedChoiceField(
        label=_("Provider"),
        required=False,
        widget=PlainSelect,
        coerce=int,
        error_messages={"invalid_choice": _("Choose a provider from the list.")},
    )
    worker = forms.TypedChoiceField(
        label=_("Responsible staff"),
        required=False,
        widget=PlainSelect,
        coerce=int,
        error_messages={"invalid_choice": _("Choose a person from the list.")},
    )
    review = forms.ChoiceField(
        label=_("Review"),
        required=False,
        widget=PlainSelect,
        choices=[("", _("any")), *ReviewDue.choices],
        error_messages={"invalid_choice": _("Choose a review option from the list.")},
    )
    sort = forms.ChoiceField(
        label=_("Sort by"),
        required=False,
        widget=PlainSelect,
        choices=[(key, label) for key, (label, _order) in SORTS.items()],
        error_messages={"invalid_choice": _("Choose a sort order from the list.")},
    )

    def __init__(self, data, *, user):
        super().__init__(data)
        self.user = user
        grants = scoping.grants(user, Action.VIEW_CASE)
        fields = self.fields
        fields["service_type"].choices = _all(ServiceType.objects.all())
        fields["provider"].choices = _all(_provider_options(grants))
        workers = _people(_worker_options(grants))
        worker = self.data.get("worker", "")
        if worker.isdigit() and int(worker) not in dict(workers):
            workers += _people(_visible_worker(user, int(worker)))
        fields["worker"].choices = [("", _("all")), *_me_first(user, workers)]

    def clean_q(self):
        return self.cleaned_data["q"].strip().upper()

    def _valid_data(self):
        """Return the cleaned values; invalid fields are left out of it."""
        if not self.is_bound:
            return {}
        self.is_valid()
        return self.cleaned_data

    def is_filtered(self):
        """Return whether any search or filter (not the sort order) is applied."""
        data = self._valid_data()
        return any(data.get(name) for name in self.fields if name != "sort")

    def filter(self, cases, today):
        """Return the cases narrowed and ordered by the valid parts of the form."""
        data = self._valid_data()
        if term := data.get("q"):
            # Pseudonyms all begin with "LB-"; both columns have prefix indexes.
            if term.startswith("LB-"):
                cases = cases.filter(beneficiary__pseudonym__startswith=term)
            else:
                cases = cases.filter(reference__startswith=term)
        if status := data.get("status"):
            cases = cases.filter(status=status)
        if service_type := data.get("service_type"):
            cases = cases.filter(service_type_id=service_type)
        if provider := data.get("provider"):
            cases = cases.filter(provider_id=provider)
        if worker := data.get("worker"):
            cases = cases.filter(Q(case_manager_id=worker) | Q(caseworker_id=worker))
        review = data.get("review")
        if review == ReviewDue.OVERDUE:
            cases = cases.filter(status__in=OPEN_STATUSES, next_review_due__lt=today)
        elif review == ReviewDue.SOON:
            cases = cases.filter(
                status__in=OPEN_STATUSES,
                next_review_due__gte=today,
                next_review_due__lte=today + timedelta(days=REVIEW_SOON_DAYS),
            )
        _label, order = SORTS[data.get("sort") or DEFAULT_SORT]
        return cases.order_by(*order)


def _all(queryset):
    return [("", _("all")), *((item.pk, str(item)) for item in queryset)]


# The options come from the user's grants, not from a scan of their cases: the
# catalogue's service types, the provider organisations a funder may commission
# (or the user's own provider), and the staff of the user's own organisation or
# team. Someone else responsible for a visible case (e.g. a provider's
# caseworker, linked from a case page) is accepted and then shown as an option.


def _people(users):
    """Return (pk, name) pairs of users, read as plain values."""
    rows = users.values_list("pk", "first_name", "last_name", "username")
    return [
        (pk, f"{first} {last}".strip() or username)
        for pk, first, last, username in rows
    ]


def _me_first(user, people):
    mine = [name for pk, name in people if pk == user.pk]
    if not mine:
        return people
    me = (user.pk, _("Me (%(name)s)") % {"name": mine[0]})
    return [me, *(person for person in people if person[0] != user.pk)]


def _provider_options(grants):
    providers = Organisation.objects.filter(kind=OrganisationKind.PROVIDER)
    if any(grant.organisation_kind == OrganisationKind.FUNDER for grant in grants):
        return providers.order_by("name")
    return providers.filter(pk__in={g.organisation_id for g in grants}).order_by("name")


def _worker_options(grants):
    if not grants:
        return User.objects.none()
    where = Q(pk__in=[])
    for grant in grants:
        if grant.unit_id:
            where |= Q(organisation_id=grant.organisation_id, unit_id=grant.unit_id)
        else:
            where |= Q(organisation_id=grant.organisation_id)
    staff = Membership.objects.active().filter(
        where, role__in=[Role.CASE_MANAGER, Role.CASEWORKER], user=OuterRef("pk")
    )
    return User.objects.filter(Exists(staff)).order_by(
        "last_name", "first_name", "username"
    )


def _visible_worker(user, pk):
    visible = scoping.visible_cases(user)
    responsible = Q(Exists(visible.filter(case_manager=OuterRef("pk")))) | Q(
        Exists(visible.filter(caseworker=OuterRef("pk")))
    )
    return User.objects.filter(responsible, pk=pk)


# --- Opening a case ----------------------------------------------------------


def funder_grants(user):
    """Return the user's grants to open cases, one per funder: case managers only."""
    return [
        grant
        for grant in scoping.grants(user, Action.CHANGE_CASE)
        if grant.organisation_kind == OrganisationKind.FUNDER
        and grant.role == Role.CASE_MANAGER
    ]


def _own_teams(grants):
    """Return a filter on units: the user's team, or all of an organisation's."""
    where = Q(pk__in=[])
    for grant in grants:
        if grant.unit_id:
            where |= Q(pk=grant.unit_id)
        else:
            where |= Q(organisation_id=grant.organisation_id)
    return where


def _own_staff(grants):
    """Return a filter on memberships of the user's organisations, within the team."""
    where = Q(pk__in=[])
    for grant in grants:
        team = Q(unit__isnull=True) | Q(unit_id=grant.unit_id) if grant.unit_id else Q()
        where |= Q(organisation_id=grant.organisation_id) & team
    return where


class StaffField(forms.TypedChoiceField):
    """Choose a person by their membership, from options grouped by organisation.

    The options are read as plain values: thousands of staff stay quick to list.
    The cleaned value is the Membership.
    """

    widget = PlainSelect

    def __init__(self, **kwargs):
        super().__init__(coerce=int, empty_value=None, **kwargs)
        self.queryset = Membership.objects.none()

    def set_queryset(self, queryset):
        self.queryset = queryset
        groups = {}
        rows = queryset.values_list(
            "pk",
            "organisation__name",
            "unit__name",
            "user__first_name",
            "user__last_name",
            "user__username",
        )
        for pk, organisation, unit, first_name, last_name, username in rows:
            name = f"{first_name} {last_name}".strip() or username
            label = f"{name} ({unit})" if unit else name
            groups.setdefault(organisation, []).append((pk, label))
        self.choices = [("", BLANK_CHOICE_LABEL), *groups.items()]

    def clean(self, value):
        pk = super().clean(value)
        if pk is None:
            return None
        return self.queryset.select_related("user", "unit").get(pk=pk)


class CaseCreateForm(forms.ModelForm):
    """Open a case: who funds and delivers what, for whom (case-mix), since when."""

    reference = forms.CharField(
        label=_("Case number"),
        required=False,
        max_length=24,
        help_text=_(
            "Your file number, in capitals, digits and - / . _ "
            "Leave empty to have Dialoq assign the next number."
        ),
        error_messages={
            "max_length": _("A case number has at most 24 characters."),
            "unique": _("This case number is already in use."),
        },
    )
    case_manager = StaffField(
        label=_("Case manager"),
        error_messages={
            "required": _("Choose the responsible case manager."),
            "invalid_choice": _("Choose a case manager from the list."),
        },
    )
    caseworker = StaffField(
        label=_("Caseworker"),
        required=False,
        help_text=_("Can be left empty until the provider has named someone."),
        error_messages={"invalid_choice": _("Choose a caseworker from the list.")},
    )
    referred_on = _date_field(_("Referred on"))

    class Meta:
        model = Case
        fields = [
            "reference",
            "funder",
            "funder_unit",
            "case_manager",
            "service_type",
            "provider",
            "provider_unit",
            "caseworker",
            "referred_on",
            "age_band",
            "sex",
            "household_type",
            "prior_help",
            "transfer_benefits",
            "non_german_at_home",
        ]
        error_messages = {
            "funder": {"invalid_choice": _("Choose a funder from the list.")},
            "funder_unit": {"invalid_choice": _("Choose a team from the list.")},
            "service_type": {
                "required": _("Choose the service type."),
                "invalid_choice": _("Choose a service type from the list."),
            },
            "provider": {
                "required": _("Choose the provider who delivers the help."),
                "invalid_choice": _("Choose a provider from the list."),
            },
            "provider_unit": {"invalid_choice": _("Choose a team from the list.")},
            "age_band": {"required": _("Choose the age band.")},
            "household_type": {"required": _("Choose the household type.")},
        }

    def __init__(self, *args, user, **kwargs):
        super().__init__(*args, **kwargs)
        self.grants = {grant.organisation_id: grant for grant in funder_grants(user)}
        own_teams = _own_teams(self.grants.values())
        fields = self.fields
        for field in fields.values():
            if type(field.widget) is forms.Select:
                field.widget = PlainSelect(choices=field.widget.choices)
        fields["funder"].queryset = Organisation.objects.filter(pk__in=self.grants)
        fields["funder"].empty_label = None
        fields["funder_unit"].queryset = OrganisationUnit.objects.filter(
            own_teams
        ).select_related("organisation")
        fields["provider"].queryset = Organisation.objects.filter(
            kind=OrganisationKind.PROVIDER
        )
        fields["provider_unit"].queryset = OrganisationUnit.objects.filter(
            organisation__kind=OrganisationKind.PROVIDER
        ).select_related("organisation")
        staff = Membership.objects.active().order_by(
            "organisation__name", "user__last_name", "user__first_name", "pk"
        )
        fields["case_manager"].set_queryset(
            staff.filter(_own_staff(self.grants.values()), role=Role.CASE_MANAGER)
        )
        fields["caseworker"].set_queryset(
            staff.filter(
                role=Role.CASEWORKER, organisation__kind=OrganisationKind.PROVIDER
            )
        )
        if not self.is_bound:
            own = fields["case_manager"].queryset.filter(user=user).first()
            self.initial.setdefault("case_manager", own.pk if own else None)
            self.initial.setdefault("referred_on", timezone.localdate())

    def clean_reference(self):
        reference = self.cleaned_data["reference"].strip().upper()
        if reference and not REFERENCE_PATTERN.fullmatch(reference):
            raise forms.ValidationError(
                _("Use only capital letters, digits and - / . _ in a case number.")
            )
        return reference

    def clean_referred_on(self):
        return _check_not_in_future(self.cleaned_data["referred_on"])

    def clean(self):
        data = super().clean()
        self._clean_side(
            data, "funder", "funder_unit", "case_manager", self._funder_unit_rule
        )
        self._clean_side(data, "provider", "provider_unit", "caseworker", None)
        return data

    def _funder_unit_rule(self, funder, unit):
        """Return an error if a unit-limited grant would lose sight of the case."""
        grant = self.grants.get(funder.pk)
        if grant and grant.unit_id and (unit is None or unit.pk != grant.unit_id):
            return _("You may open cases only for your own team; choose it.")
        return None

    def _clean_side(self, data, organisation_field, unit_field, staff_field, rule):
        organisation = data.get(organisation_field)
        unit = data.get(unit_field)
        membership = data.get(staff_field)
        if organisation is None:
            return
        if unit and unit.organisation_id != organisation.pk:
            self.add_error(unit_field, _("This team belongs to another organisation."))
            return
        if membership:
            if membership.organisation_id != organisation.pk:
                self.add_error(
                    staff_field, _("This person works for another organisation.")
                )
                return
            if membership.unit_id and unit is None:
                unit = data[unit_field] = membership.unit
            elif membership.unit_id and membership.unit_id != unit.pk:
                self.add_error(
                    staff_field,
                    _("This person works in another team; choose their team."),
                )
                return
        if rule and (message := rule(organisation, unit)):
            self.add_error(unit_field, message)

    def _post_clean(self):
        # The staff fields hold memberships in the form, users on the model.
        for name in ("case_manager", "caseworker"):
            value = self.cleaned_data.get(name)
            if isinstance(value, Membership):
                self.cleaned_data[name] = value.user
        super()._post_clean()

    def case_fields(self):
        """Return the cleaned values as Case fields for ``do_create_case``."""
        return {
            name: self.cleaned_data[name]
            for name in self.Meta.fields
            if name != "reference"
        }


# --- Status and closure ------------------------------------------------------


class CaseStatusForm(forms.Form):
    """Move a case on; only the sensible next statuses are offered."""

    status = forms.ChoiceField(
        label=_("New status"),
        widget=forms.RadioSelect,
        error_messages={
            "required": _("Choose the new status."),
            "invalid_choice": _(
                "The case cannot move to this status from its current one."
            ),
        },
    )
    started_on = _date_field(
        _("Help started on"),
        required=False,
        help_text=_("Needed to set the case running."),
    )

    def __init__(self, *args, case, **kwargs):
        super().__init__(*args, **kwargs)
        self.case = case
        self.fields["status"].choices = [
            (status.value, status.label) for status in next_statuses(case)
        ]
        if case.started_on:
            del self.fields["started_on"]

    def clean_started_on(self):
        started_on = _check_not_in_future(self.cleaned_data["started_on"])
        if started_on and started_on < self.case.referred_on:
            raise forms.ValidationError(_("The help cannot start before the referral."))
        return started_on

    def clean(self):
        data = super().clean()
        if (
            data.get("status") == CaseStatus.RUNNING
            and not self.case.started_on
            and not data.get("started_on")
            and "started_on" not in self.errors
        ):
            self.add_error(
                "started_on",
                _("Enter the date the help started; a running help needs it."),
            )
        return data


class CaseClosureForm(forms.Form):
    """End the help with a date, a reason and, for SGB II, the integration outcome."""

    ended_on = _date_field(_("Help ended on"))
    closure_reason = forms.ChoiceField(
        label=_("Reason for ending"),
        choices=ClosureReason.choices,
        widget=forms.RadioSelect,
        error_messages={
            "required": _("Choose the reason the help ended."),
            "invalid_choice": _("Choose a reason from the list."),
        },
    )
    integration_outcome = forms.ChoiceField(
        label=_("Integration outcome"),
        required=False,
        choices=IntegrationOutcome.choices,
        widget=forms.RadioSelect,
        error_messages={"invalid_choice": _("Choose an outcome from the list.")},
    )

    def __init__(self, *args, case, **kwargs):
        super().__init__(*args, **kwargs)
        self.case = case
        self.sgb_ii = is_sgb_ii(case)

    def clean_ended_on(self):
        ended_on = _check_not_in_future(self.cleaned_data["ended_on"])
        if self.case.started_on and ended_on < self.case.started_on:
            raise forms.ValidationError(_("The help cannot end before it started."))
        if ended_on < self.case.referred_on:
            raise forms.ValidationError(_("The help cannot end before the referral."))
        return ended_on

    def clean_integration_outcome(self):
        outcome = self.cleaned_data["integration_outcome"]
        if self.sgb_ii and not outcome:
            raise forms.ValidationError(
                _("For SGB II help, state the integration outcome.")
            )
        if not self.sgb_ii and outcome:
            raise forms.ValidationError(
                _("Only SGB II help records an integration outcome; leave it empty.")
            )
        return outcome


# --- Contacts ----------------------------------------------------------------


class ContactForm(forms.Form):
    """Document one contact; its duration counts as service hours."""

    occurred_on = _date_field(_("Date of the contact"))
    duration_minutes = forms.IntegerField(
        label=_("Duration in minutes"),
        min_value=1,
        max_value=MAX_CONTACT_MINUTES,
        help_text=_("1 to 600 minutes; document longer work as several contacts."),
        error_messages={
            "required": _("Enter how many minutes the contact took."),
            "invalid": _("Enter the duration as a whole number of minutes, e.g. 45."),
            "min_value": _("Enter a duration between 1 and 600 minutes."),
            "max_value": _("Enter a duration between 1 and 600 minutes."),
        },
    )
    kind = forms.ChoiceField(
        label=_("Kind of contact"),
        choices=ContactKind.choices,
        widget=forms.RadioSelect,
        error_messages={
            "required": _("Choose the kind of contact."),
            "invalid_choice": _("Choose a kind of contact from the list."),
        },
    )

    def __init__(self, *args, case, **kwargs):
        super().__init__(*args, **kwargs)
        self.case = case

    def clean_occurred_on(self):
        day = _check_not_in_future(self.cleaned_data["occurred_on"])
        if day < self.case.referred_on:
            raise forms.ValidationError(
                _("A contact cannot take place before the referral.")
            )
        if self.case.ended_on and day > self.case.ended_on:
            raise forms.ValidationError(
                _("A contact cannot take place after the help ended.")
            )
        return day
