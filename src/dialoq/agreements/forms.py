"""Forms of the agreement screens: the proposal with its parts, the decisions."""

from django import forms
from django.db.models import Q
from django.forms.models import model_to_dict
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from dialoq.agreements.models import (
    AgreedIndicator,
    AgreedRate,
    AgreedService,
    AgreedStaffing,
    ReportingDuty,
    Side,
)
from dialoq.agreements.services import (
    CONTENT_FIELDS,
    MAX_DIALOGUE_CADENCE_MONTHS,
    Terms,
)
from dialoq.cases.forms import DateInput
from dialoq.catalog.models import IndicatorDefinition, KeyProcess, ProcessStandard

EXTRA_ROWS = 2
MAX_ROWS = 100


class DayForm(forms.Form):
    """The day for which the agreement in force is shown."""

    on = forms.DateField(label=_("In force on"), required=False, widget=DateInput())

    def day(self):
        """Return the chosen day, today if none or an invalid one was given."""
        if self.is_valid() and self.cleaned_data["on"]:
            return self.cleaned_data["on"]
        return timezone.localdate()


class SideField(forms.ChoiceField):
    def __init__(self, sides, **kwargs):
        choices = [(value, label) for value, label in Side.choices if value in sides]
        super().__init__(choices=choices, label=_("I act for the side of"), **kwargs)


def _add_side(form, sides):
    """Ask for the side only of a person who belongs to both."""
    if len(sides) > 1:
        form.fields["side"] = SideField(sides)


class CatalogueChoiceField(forms.ModelMultipleChoiceField):
    """Standards or key processes of the catalogue, named by their version in force."""

    widget = forms.CheckboxSelectMultiple

    def __init__(self, **kwargs):
        super().__init__(required=False, **kwargs)

    def label_from_instance(self, obj):
        versions = [v for v in obj.versions.all() if v.status == "in_force"]
        return versions[0].display_title if versions else obj.key


class ProposalForm(forms.Form):
    """The validity and the texts of a proposed version."""

    valid_from = forms.DateField(label=_("Valid from"), widget=DateInput())
    valid_until = forms.DateField(
        label=_("Valid until"),
        required=False,
        widget=DateInput(),
        help_text=_("Empty: until a later version takes over."),
    )
    change_note = forms.CharField(
        label=_("What changes and why"),
        widget=forms.Textarea(attrs={"rows": 3}),
        max_length=4000,
    )
    quality_principles = forms.CharField(
        label=_("Principles and standards of quality"),
        widget=forms.Textarea(attrs={"rows": 6}),
        required=False,
        max_length=20000,
        help_text=_(
            "How the partners assess the quality of the service and what ensures "
            "it (§ 78b SGB VIII, § 76 SGB XII)."
        ),
    )
    dialogue_cadence_months = forms.IntegerField(
        label=_("Quality dialogue every … months"),
        min_value=1,
        max_value=MAX_DIALOGUE_CADENCE_MONTHS,
    )

    process_standards = CatalogueChoiceField(
        queryset=ProcessStandard.objects.none(),
        label=_("Agreed process standards"),
    )
    key_processes = CatalogueChoiceField(
        queryset=KeyProcess.objects.none(),
        label=_("Agreed key processes and their interfaces"),
    )

    def __init__(self, *args, agreement, sides=(), **kwargs):
        super().__init__(*args, **kwargs)
        _add_side(self, sides)
        partners = Q(owner__isnull=True) | Q(
            owner__in=[agreement.funder_id, agreement.provider_id]
        )
        for name, model in (
            ("process_standards", ProcessStandard),
            ("key_processes", KeyProcess),
        ):
            self.fields[name].queryset = (
                model.objects.filter(partners)
                .prefetch_related("versions")
                .order_by("key")
            )

    def clean(self):
        cleaned = super().clean()
        start, end = cleaned.get("valid_from"), cleaned.get("valid_until")
        if start and end and end < start:
            self.add_error(
                "valid_until", _("The version must end on or after the day it starts.")
            )
        return cleaned


class ServiceForm(forms.ModelForm):
    class Meta:
        model = AgreedService
        fields = CONTENT_FIELDS["services"]
        widgets = {"target_group": forms.Textarea(attrs={"rows": 2})}
        localized_fields = ["volume"]


class StaffingForm(forms.ModelForm):
    class Meta:
        model = AgreedStaffing
        fields = CONTENT_FIELDS["staffing"]
        localized_fields = ["full_time_equivalents"]


class RateForm(forms.ModelForm):
    class Meta:
        model = AgreedRate
        fields = CONTENT_FIELDS["rates"]
        localized_fields = ["amount"]
        widgets = {"valid_from": DateInput(), "valid_until": DateInput()}


class IndicatorForm(forms.ModelForm):
    class Meta:
        model = AgreedIndicator
        fields = CONTENT_FIELDS["indicators"]
        localized_fields = [
            "target",
            "reference_lower",
            "reference_upper",
            "minimum_standard",
        ]
        help_texts = {
            "target": _("Empty: the catalogue's value. Rates as a share: 0.6 for 60 %.")
        }

    def __init__(self, *args, agreement=None, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["indicator"].queryset = IndicatorDefinition.objects.filter(
            Q(owner__isnull=True)
            | Q(owner__in=[agreement.funder_id, agreement.provider_id])
        ).order_by("key")


class ReportingDutyForm(forms.ModelForm):
    class Meta:
        model = ReportingDuty
        fields = CONTENT_FIELDS["reporting_duties"]


PART_FORMS = {
    "services": (ServiceForm, _("Services")),
    "staffing": (StaffingForm, _("Staffing")),
    "rates": (RateForm, _("Remuneration")),
    "indicators": (IndicatorForm, _("Agreed indicators")),
    "reporting_duties": (ReportingDutyForm, _("Reporting duties")),
}


def part_formsets(data, terms: Terms | None, *, agreement, more=False):
    """Return one formset per part, started from the terms (if any)."""
    formsets = {}
    for part, (form_class, title) in PART_FORMS.items():
        # Submitted forms carry their rows: the management form tells which
        # rows came from the version in force, and those are always checked.
        rows = getattr(terms, part) if terms and data is None else []
        initial = [model_to_dict(row, fields=CONTENT_FIELDS[part]) for row in rows]
        formset_class = forms.formset_factory(
            form_class,
            extra=EXTRA_ROWS,
            can_delete=True,
            max_num=MAX_ROWS,
            absolute_max=MAX_ROWS,
            validate_max=True,
        )
        kwargs = {"agreement": agreement} if part == "indicators" else {}
        if more and data is not None:
            data = _with_more_rows(data, part)
        formset = formset_class(data, initial=initial, prefix=part, form_kwargs=kwargs)
        formset.title = title
        formsets[part] = formset
    return formsets


def _with_more_rows(data, prefix):
    """Return the submitted data with room for more rows of one part."""
    data = data.copy()
    key = f"{prefix}-TOTAL_FORMS"
    try:
        total = int(data.get(key, 0))
    except ValueError:
        total = 0
    data[key] = str(min(total + EXTRA_ROWS, MAX_ROWS))
    return data


def rows_of(formset) -> list:
    """Return the unsaved rows of the filled, not deleted forms of a formset."""
    initial = formset.initial_form_count()
    return [
        form.save(commit=False)
        for index, form in enumerate(formset.forms)
        if (index < initial or form.has_changed())
        and not formset._should_delete_form(form)
    ]


class ApproveForm(forms.Form):
    def __init__(self, *args, sides=(), **kwargs):
        super().__init__(*args, **kwargs)
        _add_side(self, sides)


class RejectForm(forms.Form):
    reason = forms.CharField(
        label=_("Reason for the rejection"),
        widget=forms.Textarea(attrs={"rows": 4}),
        max_length=4000,
    )

    def __init__(self, *args, sides=(), **kwargs):
        super().__init__(*args, **kwargs)
        _add_side(self, sides)
