"""Forms of the quality dialogue: plain input checks; the rules live in ``services``."""

from datetime import timedelta

from django import forms
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from dialoq.accounts.models import Membership, Organisation, User

from . import access
from .models import ActionStatus, AssessmentCategory, Effectiveness, Side

TEXT_MAX_LENGTH = 8000
DEFAULT_WEEKS_TO_DIALOGUE = 6


def _date_field(label, **kwargs):
    return forms.DateField(
        label=label,
        widget=forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d"),
        **kwargs,
    )


class CreateDialogueForm(forms.Form):
    own = forms.ModelChoiceField(
        label=_("Your organisation"), queryset=Organisation.objects.none()
    )
    partner = forms.ModelChoiceField(
        label=_("Partner organisation"),
        queryset=Organisation.objects.none(),
        help_text=_("Funders and providers with cases in common with yours."),
    )
    period_start = _date_field(_("Period from"))
    period_end = _date_field(_("Period to"))
    planned_date = _date_field(_("Date of the meeting"))
    location = forms.CharField(label=_("Place"), max_length=200, required=False)

    def __init__(self, *args, user, **kwargs):
        super().__init__(*args, **kwargs)
        own = Organisation.objects.filter(
            pk__in=access.working_organisations(user)
        ).order_by("name")
        self.fields["own"].queryset = own
        partner_ids = set()
        for organisation in own:
            partner_ids |= set(
                access.partner_organisations(user, organisation).values_list(
                    "pk", flat=True
                )
            )
        self.fields["partner"].queryset = Organisation.objects.filter(
            pk__in=partner_ids
        ).order_by("kind", "name")
        today = timezone.localdate()
        self.fields["period_start"].initial = today.replace(
            year=today.year - 1, month=1, day=1
        )
        self.fields["period_end"].initial = today.replace(
            year=today.year - 1, month=12, day=31
        )
        self.fields["planned_date"].initial = today + timedelta(
            weeks=DEFAULT_WEEKS_TO_DIALOGUE
        )
        if own.count() == 1:
            self.fields["own"].initial = own.first()

    def clean(self):
        data = super().clean()
        start, end = data.get("period_start"), data.get("period_end")
        if start and end and end < start:
            self.add_error(
                "period_end", _("The period must end on or after its first day.")
            )
        return data


class RescheduleForm(forms.Form):
    planned_date = _date_field(_("Date of the meeting"))
    location = forms.CharField(label=_("Place"), max_length=200, required=False)


class RequestStatementsForm(forms.Form):
    due_on = _date_field(
        _("Statements due by"),
        help_text=_("The provider is reminded a week before."),
    )


class TextForm(forms.Form):
    text = forms.CharField(
        label=_("Text"),
        widget=forms.Textarea(attrs={"rows": 5}),
        max_length=TEXT_MAX_LENGTH,
        required=False,
        help_text=_(
            "About aggregates and the organisations only: nothing about a beneficiary."
        ),
    )


class StatementForm(TextForm):
    result_key = forms.CharField(widget=forms.HiddenInput)


class AgendaItemForm(forms.Form):
    title = forms.CharField(label=_("Further agenda item"), max_length=300)


class HoldMeetingForm(forms.Form):
    held_on = _date_field(_("Held on"))
    location = forms.CharField(label=_("Place"), max_length=200, required=False)


class ParticipantForm(forms.Form):
    person = forms.ModelChoiceField(
        label=_("Member of a partner"),
        queryset=User.objects.none(),
        required=False,
        help_text=_("Or name a guest below."),
    )
    name = forms.CharField(label=_("Guest's name"), max_length=150, required=False)
    organisation = forms.CharField(
        label=_("Guest's organisation"), max_length=200, required=False
    )
    function = forms.CharField(
        label=_("Role"),
        max_length=150,
        required=False,
        help_text=_("Staff and guests only; beneficiaries are not listed."),
    )

    def __init__(self, *args, dialogue, **kwargs):
        super().__init__(*args, **kwargs)
        members = Membership.objects.active().filter(
            organisation__in=[dialogue.funder_id, dialogue.provider_id]
        )
        self.fields["person"].queryset = User.objects.filter(
            is_active=True, pk__in=members.values("user_id")
        ).order_by("last_name", "first_name", "username")
        self.fields["person"].label_from_instance = lambda user: (
            user.get_full_name() or user.get_username()
        )

    def clean(self):
        data = super().clean()
        if not data.get("person") and not (
            data.get("name") and data.get("organisation")
        ):
            raise forms.ValidationError(
                _("Choose a partner's member, or give a guest's name and organisation.")
            )
        return data


class AssessmentForm(forms.Form):
    result_key = forms.CharField(widget=forms.HiddenInput)
    category = forms.ChoiceField(
        label=_("Assessment"),
        choices=AssessmentCategory.choices,
        widget=forms.RadioSelect,
    )
    reasoning = forms.CharField(
        label=_("Reasoning"),
        widget=forms.Textarea(attrs={"rows": 3}),
        max_length=TEXT_MAX_LENGTH,
    )


class AgreedActionForm(forms.Form):
    description = forms.CharField(
        label=_("What is to be done"),
        widget=forms.Textarea(attrs={"rows": 3}),
        max_length=TEXT_MAX_LENGTH,
    )
    result_key = forms.ChoiceField(label=_("Concerns the result"), required=False)
    owner_organisation = forms.ModelChoiceField(
        label=_("Responsible organisation"), queryset=Organisation.objects.none()
    )
    owner = forms.ModelChoiceField(
        label=_("Responsible person"), queryset=User.objects.none()
    )
    due_on = _date_field(_("Due on"))
    effectiveness_check = forms.CharField(
        label=_("How its effectiveness will be checked"),
        widget=forms.Textarea(attrs={"rows": 2}),
        max_length=TEXT_MAX_LENGTH,
        help_text=_(
            "For example: which figure, which target, checked at the next dialogue."
        ),
    )

    def __init__(self, *args, dialogue, results, **kwargs):
        super().__init__(*args, **kwargs)
        organisations = [dialogue.funder_id, dialogue.provider_id]
        self.fields["owner_organisation"].queryset = Organisation.objects.filter(
            pk__in=organisations
        ).order_by("kind")
        members = Membership.objects.active().filter(organisation__in=organisations)
        self.fields["owner"].queryset = User.objects.filter(
            is_active=True, pk__in=members.values("user_id")
        ).order_by("last_name", "first_name", "username")
        self.fields["owner"].label_from_instance = lambda user: (
            user.get_full_name() or user.get_username()
        )
        self.fields["result_key"].choices = [("", "–"), *results]


class ReviewForm(forms.Form):
    verdict = forms.ChoiceField(
        label=_("Effective?"), choices=Effectiveness.choices, widget=forms.RadioSelect
    )
    note = forms.CharField(
        label=_("Reasoning"),
        widget=forms.Textarea(attrs={"rows": 2}),
        max_length=TEXT_MAX_LENGTH,
    )


class TrackForm(forms.Form):
    status = forms.ChoiceField(label=_("Status"), choices=ActionStatus.choices)
    done_on = _date_field(_("Done on"), required=False)


class ApproveForm(forms.Form):
    side = forms.ChoiceField(
        label=_("Approve for"),
        choices=[("", "–"), *Side.choices],
        required=False,
        help_text=_("Only if you belong to both partners."),
    )
