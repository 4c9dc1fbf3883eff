from datetime import timedelta

from django import forms
from django.core.validators import MaxValueValidator
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from dialoq.accounts.models import Organisation
from dialoq.self_assessment import access, scoring
from dialoq.self_assessment.models import TemplateVersion
from dialoq.self_assessment.services import in_force_versions

EVIDENCE_MAX_LENGTH = 4000
NOTE_MAX_LENGTH = 2000
DEFAULT_WEEKS_TO_DUE = 12


class StartRoundForm(forms.Form):
    own = forms.ModelChoiceField(
        label=_("Your organisation"), queryset=Organisation.objects.none()
    )
    partner = forms.ModelChoiceField(
        label=_("Partner organisation"),
        queryset=Organisation.objects.none(),
        help_text=_("Funders and providers with cases in common with yours."),
    )
    template_version = forms.ModelChoiceField(
        label=_("Questionnaire"), queryset=TemplateVersion.objects.none()
    )
    method = forms.ChoiceField(
        label=_("Scoring method (CAF only)"),
        choices=scoring.Method.choices,
        initial=scoring.Method.CLASSICAL,
        help_text=_(
            "Classical: one score per sub-criterion. Fine-tuned: a score for each "
            "of Plan, Do, Check and Act, or for trends and targets."
        ),
    )
    due_date = forms.DateField(
        label=_("Due date"),
        widget=forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d"),
        help_text=_("By when both sides should have submitted their answers."),
    )
    period_label = forms.CharField(
        label=_("Period (optional)"),
        max_length=80,
        required=False,
        help_text=_("For example “2025/2026”."),
    )

    def __init__(self, *args, user, **kwargs):
        super().__init__(*args, **kwargs)
        self.user = user
        own = Organisation.objects.filter(
            pk__in=access.answering_organisations(user)
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
        self.fields["template_version"].queryset = in_force_versions()
        self.fields["template_version"].label_from_instance = lambda v: v.title
        self.fields["due_date"].initial = timezone.localdate() + timedelta(
            weeks=DEFAULT_WEEKS_TO_DUE
        )
        if own.count() == 1:
            self.fields["own"].initial = own.first()

    def clean_due_date(self):
        due = self.cleaned_data["due_date"]
        if due < timezone.localdate():
            raise forms.ValidationError(_("The due date cannot lie in the past."))
        return due

    def clean(self):
        cleaned = super().clean()
        own, partner = cleaned.get("own"), cleaned.get("partner")
        if own and partner:
            partners = access.partner_organisations(self.user, own)
            if not partners.filter(pk=partner.pk).exists():
                self.add_error(
                    "partner",
                    _("%(partner)s has no cases in common with %(own)s.")
                    % {"partner": partner, "own": own},
                )
        version = cleaned.get("template_version")
        if version is not None and version.is_ordinal:
            cleaned["method"] = scoring.Method.CLASSICAL
        return cleaned


def _number_field(scheme, label):
    top = scoring.maximum(scheme)
    message = _("Enter a whole number from 0 to %(maximum)d.") % {"maximum": top}
    return forms.IntegerField(
        label=label,
        required=False,
        min_value=0,
        max_value=top,
        error_messages={"invalid": message, "min_value": message, "max_value": message},
        widget=forms.NumberInput(
            attrs={"min": 0, "max": top, "step": 1, "inputmode": "numeric"}
        ),
    )


class AnswerForm(forms.Form):
    """The answers to one criterion's items; fields are named by item id."""

    def __init__(self, *args, round_, items, answers, values=None, **kwargs):
        super().__init__(*args, **kwargs)
        self.round = round_
        self.items = items
        self.values = values or {}
        for item in items:
            answer = answers.get(item.pk)
            for name in scoring.score_fields(item.scheme, round_.method):
                key = f"item_{item.pk}_{name}"
                if item.scheme == scoring.Scheme.ORDINAL:
                    self.fields[key] = forms.TypedChoiceField(
                        label=_("Rating"),
                        choices=[
                            (step, f"{step} – {label}")
                            for step, label in scoring.ORDINAL_LEVELS
                        ],
                        coerce=int,
                        empty_value=None,
                        required=False,
                        widget=forms.RadioSelect,
                        error_messages={
                            "invalid_choice": _("Choose one of the five steps.")
                        },
                    )
                else:
                    self.fields[key] = _number_field(
                        item.scheme, scoring.FIELD_LABELS[name]
                    )
                if answer is not None:
                    self.fields[key].initial = getattr(answer, name)
            evidence = f"item_{item.pk}_evidence"
            self.fields[evidence] = forms.CharField(
                label=_("Evidence and comment"),
                required=False,
                max_length=EVIDENCE_MAX_LENGTH,
                widget=forms.Textarea(attrs={"rows": 3}),
                help_text=_(
                    "What supports the rating (documents, figures, examples). "
                    "No personal data of beneficiaries."
                ),
            )
            if answer is not None:
                self.fields[evidence].initial = answer.evidence

    def groups(self):
        """Return each item with its bound number fields and evidence field."""
        return [
            {
                "item": item,
                "numbers": [
                    self[f"item_{item.pk}_{name}"]
                    for name in scoring.score_fields(item.scheme, self.round.method)
                ],
                "evidence": self[f"item_{item.pk}_evidence"],
                "ordinal": item.scheme == scoring.Scheme.ORDINAL,
                "value": self.values.get(item.pk),
            }
            for item in self.items
        ]

    def answers(self) -> dict[int, dict]:
        """Return the cleaned answers by item id, for ``do_save_answers``."""
        result = {}
        for item in self.items:
            values = {
                name: self.cleaned_data.get(f"item_{item.pk}_{name}")
                for name in scoring.score_fields(item.scheme, self.round.method)
            }
            values["evidence"] = self.cleaned_data.get(f"item_{item.pk}_evidence", "")
            result[item.pk] = values
        return result


class ProposalForm(forms.Form):
    note = forms.CharField(
        label=_("Note for the dialogue (optional)"),
        required=False,
        max_length=NOTE_MAX_LENGTH,
        widget=forms.Textarea(attrs={"rows": 4}),
        help_text=_("Why should the partners talk about this item?"),
    )


class ThresholdForm(forms.Form):
    threshold = forms.IntegerField(label=_("Flag differences from"), min_value=1)

    def __init__(self, *args, ordinal, **kwargs):
        super().__init__(*args, **kwargs)
        top = scoring.ORDINAL_MAX_STEP if ordinal else scoring.MAX_POINTS
        message = _("Enter a whole number from 1 to %(maximum)d.") % {"maximum": top}
        field = self.fields["threshold"]
        field.max_value = top
        field.validators.append(MaxValueValidator(top))
        field.error_messages.update(
            {"invalid": message, "min_value": message, "max_value": message}
        )
        field.widget.attrs.update({"min": 1, "max": top, "step": 1})
        field.help_text = _("In scale steps.") if ordinal else _("In points (0–100).")
