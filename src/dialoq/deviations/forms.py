"""Forms of the register: filters, manual report, the workflow steps, actions."""

from django import forms
from django.db.models import Q
from django.utils import timezone
from django.utils.text import format_lazy
from django.utils.translation import gettext_lazy as _

from dialoq.accounts import scoping as account_scoping
from dialoq.accounts.models import Organisation
from dialoq.cases.forms import DateInput, PlainSelect
from dialoq.catalog.models import (
    DeviationSeverity,
    ProcessStandard,
    ProcessStandardVersion,
    VersionStatus,
)
from dialoq.deviations import scoping, workflow
from dialoq.deviations.models import (
    ActionKind,
    DeviationSource,
    DeviationStatus,
    ReasonCategory,
    Resolution,
)

OPEN = "open"


def _choice_error(what):
    return {"invalid_choice": format_lazy(_("Choose {what} from the list."), what=what)}


class RegisterFilterForm(forms.Form):
    """Filters of the register and the board, with options from the user's scope."""

    q = forms.CharField(
        label=_("Title contains"),
        required=False,
        max_length=100,
        error_messages={"max_length": _("Enter at most 100 characters.")},
    )
    status = forms.ChoiceField(
        label=_("Status"),
        required=False,
        widget=PlainSelect,
        choices=[("", _("all")), (OPEN, _("all open")), *DeviationStatus.choices],
        error_messages=_choice_error(_("a status")),
    )
    source = forms.ChoiceField(
        label=_("Source"),
        required=False,
        widget=PlainSelect,
        choices=[("", _("all")), *DeviationSource.choices],
        error_messages=_choice_error(_("a source")),
    )
    severity = forms.ChoiceField(
        label=_("Severity"),
        required=False,
        widget=PlainSelect,
        choices=[("", _("all")), *DeviationSeverity.choices],
        error_messages=_choice_error(_("a severity")),
    )
    provider = forms.TypedChoiceField(
        label=_("Provider"),
        required=False,
        widget=PlainSelect,
        coerce=int,
        error_messages=_choice_error(_("a provider")),
    )
    funder = forms.TypedChoiceField(
        label=_("Funder"),
        required=False,
        widget=PlainSelect,
        coerce=int,
        error_messages=_choice_error(_("a funder")),
    )
    standard = forms.TypedChoiceField(
        label=_("Process standard"),
        required=False,
        widget=PlainSelect,
        coerce=int,
        error_messages=_choice_error(_("a process standard")),
    )
    case = forms.IntegerField(
        label=_("Case"),
        required=False,
        min_value=1,
        widget=forms.HiddenInput,
        error_messages={"invalid": _("The case is not valid.")},
    )
    overdue = forms.BooleanField(label=_("Only overdue"), required=False)
    mine = forms.BooleanField(
        label=_("Only those I am responsible for"), required=False
    )

    def __init__(self, data, *, user):
        super().__init__(data)
        self.user = user
        visible = scoping.visible_deviations(user)
        organisations = Organisation.objects.order_by("name")
        self.fields["provider"].choices = [
            ("", _("all")),
            *organisations.filter(pk__in=visible.values("provider_id")).values_list(
                "pk", "name"
            ),
        ]
        self.fields["funder"].choices = [
            ("", _("all")),
            *organisations.filter(pk__in=visible.values("funder_id")).values_list(
                "pk", "name"
            ),
        ]
        standards = ProcessStandard.objects.filter(
            versions__in=visible.values("standard_version_id")
        ).distinct()
        self.fields["standard"].choices = [
            ("", _("all")),
            *((standard.pk, _standard_label(standard)) for standard in standards),
        ]

    def clean_q(self):
        return self.cleaned_data["q"].strip()

    def valid_data(self):
        """Return the cleaned values; invalid fields are left out of it."""
        if not self.is_bound:
            return {}
        self.is_valid()
        return self.cleaned_data

    def is_filtered(self):
        return any(self.valid_data().get(name) for name in self.fields)

    def filter(self, deviations, today):
        """Return the deviations narrowed by the valid parts of the form."""
        data = self.valid_data()
        if term := data.get("q"):
            deviations = deviations.filter(title__icontains=term)
        if status := data.get("status"):
            deviations = (
                deviations.open()
                if status == OPEN
                else deviations.filter(status=status)
            )
        for name in ("source", "severity"):
            if value := data.get(name):
                deviations = deviations.filter(**{name: value})
        for name in ("provider", "funder", "case"):
            if value := data.get(name):
                deviations = deviations.filter(**{f"{name}_id": value})
        if standard := data.get("standard"):
            deviations = deviations.filter(standard_version__standard_id=standard)
        if data.get("overdue"):
            deviations = deviations.overdue(today)
        if data.get("mine"):
            deviations = deviations.filter(owner=self.user)
        return deviations

    def query_items(self):
        """Return (name, value) of the valid filters, to hand over to an export."""
        return [
            (name, self.data[name])
            for name, value in self.valid_data().items()
            if value not in ("", None, False)
        ]


def _standard_label(standard):
    version = standard.current_version() or standard.versions.first()
    return version.display_title if version else standard.key


class ReportForm(forms.Form):
    """A deviation reported by hand: crisis, audit finding or other observation."""

    source = forms.ChoiceField(
        label=_("Kind of report"),
        choices=[(source.value, source.label) for source in workflow.MANUAL_SOURCES],
        initial=DeviationSource.MANUAL,
        error_messages=_choice_error(_("a kind of report")),
    )
    title = forms.CharField(
        label=_("What deviates"),
        max_length=300,
        help_text=_("In a few words, without names or other personal data."),
        error_messages={
            "required": _("Say in a few words what deviates."),
            "max_length": _("Enter at most 300 characters."),
        },
    )
    description = forms.CharField(
        label=_("Description"),
        required=False,
        max_length=5000,
        widget=forms.Textarea(attrs={"rows": 5}),
        help_text=_("Without names or other personal data."),
    )
    severity = forms.ChoiceField(
        label=_("Severity"),
        choices=DeviationSeverity.choices,
        initial=DeviationSeverity.MEDIUM,
        error_messages=_choice_error(_("a severity")),
    )
    occurred_on = forms.DateField(
        label=_("Occurred on"),
        required=False,
        widget=DateInput(),
        help_text=_("Empty means today."),
        error_messages={"invalid": _("Enter a valid date.")},
    )
    case_reference = forms.CharField(
        label=_("Case number"),
        required=False,
        max_length=24,
        help_text=_("Optional: the case concerned, by its case number."),
    )
    responsible = forms.ChoiceField(
        label=_("Responsible organisation"),
        required=False,
        choices=[
            ("", _("my organisation")),
            ("funder", _("the funder of the case")),
            ("provider", _("the provider of the case")),
        ],
        error_messages=_choice_error(_("the responsible organisation")),
    )
    organisation = forms.TypedChoiceField(
        label=_("My organisation"),
        required=False,
        coerce=int,
        help_text=_("You belong to several organisations: choose the one reporting."),
        error_messages=_choice_error(_("an organisation")),
    )
    standard = forms.ModelChoiceField(
        label=_("Process standard concerned"),
        required=False,
        queryset=ProcessStandardVersion.objects.none(),
        error_messages=_choice_error(_("a process standard")),
    )

    def __init__(self, data=None, *, user):
        super().__init__(data)
        self.user = user
        reportable = scoping.reportable_organisations(user)
        mine = Organisation.objects.filter(pk__in=reportable).order_by("name")
        if len(reportable) > 1:
            self.fields["organisation"].choices = [
                ("", _("choose")),
                *mine.values_list("pk", "name"),
            ]
        else:
            del self.fields["organisation"]
        self.fields["standard"].queryset = (
            ProcessStandardVersion.objects.filter(status=VersionStatus.IN_FORCE)
            .filter(Q(standard__owner__isnull=True) | Q(standard__owner__in=reportable))
            .select_related("standard")
            .order_by("title")
        )

    def clean_case_reference(self):
        reference = self.cleaned_data["case_reference"].strip().upper()
        if not reference:
            return None
        case = (
            account_scoping.visible_cases(self.user)
            .filter(reference=reference)
            .select_related("funder", "provider", "provider_unit")
            .first()
        )
        if case is None:
            raise forms.ValidationError(
                _("You have no case with this case number."), code="unknown_case"
            )
        return case

    def clean_occurred_on(self):
        day = self.cleaned_data["occurred_on"]
        if day and day > timezone.localdate():
            raise forms.ValidationError(_("The date cannot lie in the future."))
        return day

    def clean(self):
        data = super().clean()
        case = data.get("case_reference")
        responsible = data.get("responsible")
        organisation = data.get("organisation")
        if responsible and case is None and "case_reference" not in self.errors:
            self.add_error(
                "responsible",
                _("Only a deviation on a case can be given to a party of the case."),
            )
        elif responsible and case is not None:
            data["owner_organisation"] = getattr(case, responsible)
        elif organisation:
            data["owner_organisation"] = Organisation.objects.get(pk=organisation)
        else:
            data["owner_organisation"] = None
        return data

    def report_fields(self) -> dict:
        data = self.cleaned_data
        return {
            "source": data["source"],
            "title": data["title"],
            "description": data["description"],
            "severity": data["severity"],
            "occurred_on": data["occurred_on"],
            "case": data["case_reference"],
            "owner_organisation": data["owner_organisation"],
            "standard_version": data["standard"],
        }


class _StepForm(forms.Form):
    to_status = forms.CharField(widget=forms.HiddenInput)


class ReactedForm(_StepForm):
    title = _("Record the immediate reaction")
    button = _("Record the reaction")
    immediate_correction = forms.CharField(
        label=_("Immediate correction"),
        widget=forms.Textarea(attrs={"rows": 4}),
        max_length=5000,
        help_text=_("What was done at once to correct the deviation."),
        error_messages={"required": _("Describe the immediate correction.")},
    )
    consequences = forms.CharField(
        label=_("Consequences dealt with"),
        required=False,
        max_length=5000,
        widget=forms.Textarea(attrs={"rows": 3}),
    )


class AnalysedForm(_StepForm):
    title = _("Record the analysis of causes")
    button = _("Record the analysis")
    reason_category = forms.ChoiceField(
        label=_("Main reason"),
        required=False,
        choices=[("", _("not stated")), *ReasonCategory.choices],
        error_messages=_choice_error(_("a reason")),
    )
    cause_analysis = forms.CharField(
        label=_("Causes"),
        max_length=5000,
        widget=forms.Textarea(attrs={"rows": 4}),
        error_messages={"required": _("Describe the causes of the deviation.")},
    )
    similar_deviations = forms.CharField(
        label=_("Similar deviations that exist or could occur"),
        max_length=5000,
        widget=forms.Textarea(attrs={"rows": 3}),
        error_messages={
            "required": _("Say whether similar deviations exist or could occur.")
        },
    )


class NoteStepForm(_StepForm):
    note = forms.CharField(
        label=_("Note"),
        required=False,
        max_length=5000,
        widget=forms.Textarea(attrs={"rows": 2}),
    )


class ActionsPlannedForm(NoteStepForm):
    title = _("Confirm the actions as planned")
    button = _("Actions are planned")


class ReplanForm(NoteStepForm):
    title = _("Plan further actions")
    button = _("Back to planning")


class ImplementedForm(NoteStepForm):
    title = _("Confirm the actions as implemented")
    button = _("Actions are implemented")


class ReviewedForm(_StepForm):
    title = _("Review the effectiveness of the actions")
    button = _("Record the review")
    effectiveness_review = forms.CharField(
        label=_("Effectiveness review"),
        max_length=5000,
        widget=forms.Textarea(attrs={"rows": 4}),
        help_text=_("How was it checked, and with what result?"),
        error_messages={
            "required": _("Describe how the effectiveness of the actions was checked.")
        },
    )
    effective = forms.TypedChoiceField(
        label=_("Were the actions effective?"),
        choices=[("yes", _("yes")), ("no", _("no – plan further actions"))],
        coerce=lambda value: value == "yes",
        widget=forms.RadioSelect,
        error_messages={
            "required": _("Say whether the actions were effective."),
            "invalid_choice": _("Answer yes or no."),
        },
    )


class CloseForm(_StepForm):
    title = _("Close the deviation")
    button = _("Close")
    note = forms.CharField(
        label=_("Note"),
        required=False,
        max_length=5000,
        widget=forms.Textarea(attrs={"rows": 2}),
    )


class CloseEarlyForm(_StepForm):
    title = _("Close without actions")
    button = _("Close")
    resolution = forms.ChoiceField(
        label=_("Why"),
        choices=[
            (Resolution.UNFOUNDED.value, Resolution.UNFOUNDED.label),
            (Resolution.HEALED.value, Resolution.HEALED.label),
        ],
        widget=forms.RadioSelect,
        error_messages=_choice_error(_("a reason")),
    )
    note = forms.CharField(
        label=_("Reason"),
        required=False,
        max_length=5000,
        widget=forms.Textarea(attrs={"rows": 2}),
        help_text=_("Required when the report was unfounded."),
    )

    def __init__(self, *args, healed=False, **kwargs):
        super().__init__(*args, **kwargs)
        if not healed:
            self.fields["resolution"].choices = self.fields["resolution"].choices[:1]
            self.fields["resolution"].initial = Resolution.UNFOUNDED


def step_form(deviation, to_status, data=None):
    """Return the form for moving the deviation to ``to_status``."""
    initial = {"to_status": to_status}
    if to_status == DeviationStatus.CLOSED:
        if deviation.status == DeviationStatus.REVIEWED:
            return CloseForm(data, initial=initial, prefix=to_status)
        return CloseEarlyForm(
            data,
            initial=initial,
            prefix=to_status,
            healed=deviation.healed_at is not None,
        )
    if to_status == DeviationStatus.ACTIONS_PLANNED and deviation.status in (
        DeviationStatus.IMPLEMENTED,
        DeviationStatus.REVIEWED,
    ):
        return ReplanForm(data, initial=initial, prefix=to_status)
    form_class = {
        DeviationStatus.REACTED: ReactedForm,
        DeviationStatus.ANALYSED: AnalysedForm,
        DeviationStatus.ACTIONS_PLANNED: ActionsPlannedForm,
        DeviationStatus.IMPLEMENTED: ImplementedForm,
        DeviationStatus.REVIEWED: ReviewedForm,
    }[to_status]
    return form_class(data, initial=initial, prefix=to_status)


class ActionForm(forms.Form):
    kind = forms.ChoiceField(
        label=_("Kind"),
        choices=ActionKind.choices,
        error_messages=_choice_error(_("a kind of action")),
    )
    description = forms.CharField(
        label=_("What is to be done"),
        max_length=5000,
        widget=forms.Textarea(attrs={"rows": 3}),
        error_messages={"required": _("Describe what is to be done.")},
    )
    effectiveness_check = forms.CharField(
        label=_("How its effectiveness will be checked"),
        required=False,
        max_length=5000,
        widget=forms.Textarea(attrs={"rows": 2}),
    )
    owner = forms.ModelChoiceField(
        label=_("Responsible person"),
        queryset=None,
        error_messages={
            "required": _("Choose the person responsible for the action."),
            "invalid_choice": _("Choose a person from the list."),
        },
    )
    due_on = forms.DateField(
        label=_("Due on"),
        widget=DateInput(),
        error_messages={
            "required": _("Give a due date for the action."),
            "invalid": _("Enter a valid date."),
        },
    )

    def __init__(self, data=None, *, deviation):
        super().__init__(data, prefix="action")
        self.fields["owner"].queryset = workflow.action_owners(deviation)


class CompleteActionForm(forms.Form):
    done_on = forms.DateField(
        label=_("Done on"),
        required=False,
        widget=DateInput(),
        help_text=_("Empty means today."),
        error_messages={"invalid": _("Enter a valid date.")},
    )
    note = forms.CharField(label=_("Note"), required=False, max_length=5000)


class CancelActionForm(forms.Form):
    reason = forms.CharField(
        label=_("Reason for cancelling"),
        max_length=5000,
        error_messages={"required": _("Give the reason for cancelling the action.")},
    )


class AssignForm(forms.Form):
    owner = forms.ModelChoiceField(
        label=_("Responsible person"),
        queryset=None,
        error_messages={
            "required": _("Choose the responsible person."),
            "invalid_choice": _("Choose a person from the list."),
        },
    )

    def __init__(self, data=None, *, deviation):
        super().__init__(data, prefix="assign")
        self.fields["owner"].queryset = workflow.assignable_people(deviation)
        self.fields["owner"].initial = deviation.owner_id


class CommentForm(forms.Form):
    text = forms.CharField(
        label=_("Comment"),
        max_length=5000,
        widget=forms.Textarea(attrs={"rows": 3}),
        error_messages={
            "required": _("The comment is empty."),
            "max_length": _("A comment may have at most 5,000 characters."),
        },
    )
