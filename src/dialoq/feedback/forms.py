"""Forms of the beneficiary's pages (goal rating, survey) and the results filter."""

from django import forms
from django.core.exceptions import ValidationError
from django.utils.translation import gettext_lazy as _

from dialoq.accounts.models import Organisation
from dialoq.catalog.models import ServiceType
from dialoq.feedback.survey import (
    FREE_TEXT_MAX_LENGTH,
    ITEM_FIELDS,
    ITEMS,
    Agreement,
    Aspect,
    items_of,
)

NO_ANSWER = ("", _("No answer"))

# Goal Attainment Scaling levels in plain language, from −2 to +2.
GOAL_LEVELS = [
    (-2, _("Much less than expected")),
    (-1, _("Less than expected")),
    (0, _("As expected")),
    (1, _("More than expected")),
    (2, _("Much more than expected")),
]

CHOICE_ERRORS = {"invalid_choice": _("Please choose one of the answers shown.")}


def _answer_field(label, choices):
    """Return a radio question whose empty answer means "no answer"."""
    return forms.TypedChoiceField(
        label=label,
        choices=[*choices, NO_ANSWER],
        coerce=int,
        empty_value=None,
        required=False,
        initial="",
        widget=forms.RadioSelect,
        error_messages=CHOICE_ERRORS,
    )


class GoalRatingForm(forms.Form):
    """One question per goal of the review's help plan: how far have you come?"""

    def __init__(self, *args, goals, **kwargs):
        super().__init__(*args, **kwargs)
        self.goals = list(goals)
        for goal in self.goals:
            self.fields[f"goal_{goal.pk}"] = _answer_field(goal.title, GOAL_LEVELS)

    def clean(self):
        cleaned = super().clean()
        if not self.errors and not self.levels():
            raise ValidationError(
                _(
                    "Please answer at least one question. If you do not want to "
                    "answer, you can simply close this page."
                ),
                code="no_answer",
            )
        return cleaned

    def levels(self):
        """Return {goal: level} for the goals that were answered."""
        levels = {}
        for goal in self.goals:
            level = self.cleaned_data.get(f"goal_{goal.pk}")
            if level is not None:
                levels[goal] = level
        return levels

    def questions(self):
        """Return (goal, field, [(radio, the goal's own text for the level)])."""
        questions = []
        for goal in self.goals:
            field = self[f"goal_{goal.pk}"]
            own_texts = {str(level): text for level, text in goal.level_descriptions()}
            options = [
                (radio, own_texts.get(str(radio.data["value"]), "")) for radio in field
            ]
            questions.append((goal, field, options))
        return questions


class SurveyForm(forms.Form):
    """The anonymous satisfaction survey: every question may be left unanswered."""

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        for item in ITEMS:
            self.fields[item.field] = _answer_field(item.statement, Agreement.choices)
        self.fields["free_text"] = forms.CharField(
            label=_("Is there anything else you would like to tell us?"),
            help_text=_(
                "Optional. Please write no names. The quality management of the "
                "provider reads these comments only together with those of at "
                "least four other people."
            ),
            required=False,
            max_length=FREE_TEXT_MAX_LENGTH,
            widget=forms.Textarea(attrs={"rows": 5}),
            error_messages={
                "max_length": _(
                    "Please shorten your comment to at most %(limit_value)d "
                    "characters (it has %(show_value)d)."
                )
            },
        )

    def full_clean(self):
        super().full_clean()
        if self.errors.get("free_text"):
            auto_id = self["free_text"].auto_id
            self.fields["free_text"].widget.attrs["aria-describedby"] = (
                f"{auto_id}_helptext {auto_id}_error"
            )

    def answers(self):
        """Return the answers by response field; None is "no answer"."""
        return {field: self.cleaned_data.get(field) for field in ITEM_FIELDS}

    def sections(self):
        """Return (aspect label, [bound fields]) in the order of the aspects."""
        return [
            (aspect.label, [self[item.field] for item in items_of(aspect)])
            for aspect in Aspect
        ]


class ResultsFilterForm(forms.Form):
    """Narrow the survey results to one provider or service type."""

    provider = forms.ModelChoiceField(
        label=_("Provider"),
        queryset=Organisation.objects.none(),
        required=False,
        empty_label=_("all"),
    )
    service_type = forms.ModelChoiceField(
        label=_("Service type"),
        queryset=ServiceType.objects.none(),
        required=False,
        empty_label=_("all"),
    )

    def __init__(self, *args, responses, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["provider"].queryset = Organisation.objects.filter(
            pk__in=responses.values("provider")
        )
        self.fields["service_type"].queryset = ServiceType.objects.filter(
            pk__in=responses.values("service_type")
        )

    def filter(self, responses):
        """Return the responses narrowed by the filters that are valid."""
        if not self.is_bound:
            return responses
        self.is_valid()  # an invalid filter is reported and left out
        for name, value in self.cleaned_data.items():
            if value:
                responses = responses.filter(**{name: value})
        return responses
