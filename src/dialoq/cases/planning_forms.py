"""Forms for help plans, goals, reviews and need assessments, with plausibility."""

from datetime import timedelta
from decimal import Decimal

from django import forms
from django.utils.formats import date_format
from django.utils.text import capfirst
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

from dialoq.cases import planning
from dialoq.cases.models import (
    NEED_SCALE_MAX,
    NEED_SCALE_MIN,
    Goal,
    HelpPlan,
    NeedOccasion,
)

MAX_HOURS_PER_MONTH = Decimal(744)  # 31 days of 24 hours
MIN_WEIGHT, MAX_WEIGHT = 1, 3

LEVEL_WORDS = {
    -2: _("much less than expected"),
    -1: _("less than expected"),
    0: _("expected outcome"),
    1: _("more than expected"),
    2: _("much more than expected"),
}


def signed(level):
    """Return a GAS level as text with its sign: −2, −1, 0, +1, +2."""
    if level is None:
        return "–"
    return f"+{level}" if level > 0 else str(level).replace("-", "−")


def _short(day):
    return date_format(day, "SHORT_DATE_FORMAT")


class DateInput(forms.DateInput):
    """A browser date picker; its value is always ISO 8601."""

    input_type = "date"

    def __init__(self, attrs=None):
        super().__init__(attrs, format="%Y-%m-%d")


def _date_field(label, required_message, **kwargs):
    return forms.DateField(
        label=capfirst(label),
        widget=DateInput,
        error_messages={
            "required": required_message,
            "invalid": _("Enter a valid date, for example 23.11.2026."),
        },
        **kwargs,
    )


class HelpPlanForm(forms.ModelForm):
    agreed_on = _date_field(
        _("agreed on"), _("Enter the date on which the help plan was agreed.")
    )
    next_review_due = _date_field(
        _("next review due"), _("Enter the date by which the next review is due.")
    )
    confirm_long_interval = forms.BooleanField(
        label=_("I confirm the longer interval"), required=False
    )
    COPIED_FIELDS = (
        "participants",
        "beneficiary_participated",
        "beneficiary_agreed",
        "agreed_hours_per_month",
    )

    class Meta:
        model = HelpPlan
        fields = [
            "agreed_on",
            "participants",
            "beneficiary_participated",
            "beneficiary_agreed",
            "agreed_hours_per_month",
            "next_review_due",
        ]
        localized_fields = ["agreed_hours_per_month"]
        widgets = {
            "participants": forms.Textarea(attrs={"rows": 3}),
            "agreed_hours_per_month": forms.TextInput(attrs={"inputmode": "decimal"}),
        }
        error_messages = {
            "agreed_hours_per_month": {
                "invalid": _("Enter the hours as a number, for example 12,5."),
                "max_digits": _("Enter at most 744 hours per month."),
                "max_whole_digits": _("Enter at most 744 hours per month."),
                "max_decimal_places": _("Enter the hours with at most one decimal."),
            }
        }

    def __init__(self, *args, case, previous=None, today, **kwargs):
        """Start from today and, for a new version, the previous version's facts."""
        initial = {"agreed_on": today}
        if previous:
            initial.update(
                {field: getattr(previous, field) for field in self.COPIED_FIELDS}
            )
        super().__init__(*args, initial=initial, **kwargs)
        self.case, self.previous, self.today = case, previous, today
        self.long_interval = False

    def clean_agreed_on(self):
        agreed_on = self.cleaned_data["agreed_on"]
        if agreed_on > self.today:
            raise forms.ValidationError(
                _("The agreement date lies in the future. Enter the day it was agreed.")
            )
        if agreed_on < self.case.referred_on:
            raise forms.ValidationError(
                _("The help plan cannot be agreed before the referral on %(date)s."),
                params={"date": _short(self.case.referred_on)},
            )
        if self.previous and agreed_on < self.previous.agreed_on:
            raise forms.ValidationError(
                _(
                    "Version %(version)s was agreed on %(date)s; a new version "
                    "cannot be agreed earlier."
                ),
                params={
                    "version": self.previous.version,
                    "date": _short(self.previous.agreed_on),
                },
            )
        return agreed_on

    def clean_agreed_hours_per_month(self):
        hours = self.cleaned_data["agreed_hours_per_month"]
        if hours is not None and hours <= 0:
            raise forms.ValidationError(
                _("Enter more than 0 hours per month, or leave the field empty.")
            )
        if hours is not None and hours > MAX_HOURS_PER_MONTH:
            raise forms.ValidationError(_("Enter at most 744 hours per month."))
        return hours

    def clean(self):
        data = super().clean()
        agreed_on, due = data.get("agreed_on"), data.get("next_review_due")
        if agreed_on and due:
            if due < agreed_on:
                self.add_error(
                    "next_review_due",
                    gettext(
                        "The next review cannot be due before the help plan "
                        "was agreed (%(date)s)."
                    )
                    % {"date": _short(agreed_on)},
                )
            elif planning.is_long_review_interval(agreed_on, due):
                self.long_interval = True
                _require_confirmation(self, "confirm_long_interval")
        return data


def _require_confirmation(form, field):
    """Ask for a confirmation of a review interval longer than six months."""
    if not form.cleaned_data.get(field):
        form.add_error(
            "next_review_due",
            gettext(
                "The next review is due more than six months later. Reviews "
                "usually take place at least every six months; if the longer "
                "interval is intended, tick “I confirm the longer interval”."
            ),
        )


class GoalForm(forms.ModelForm):
    weight = forms.IntegerField(
        label=capfirst(_("weight")),
        min_value=MIN_WEIGHT,
        max_value=MAX_WEIGHT,
        initial=1,
        help_text=_("1 = normal, 2 = important, 3 = very important."),
        error_messages={
            "required": _("Enter a weight from 1 to 3."),
            "invalid": _("Enter the weight as a whole number from 1 to 3."),
            "min_value": _("Enter a weight from 1 to 3."),
            "max_value": _("Enter a weight from 1 to 3."),
        },
    )

    class Meta:
        model = Goal
        fields = [
            "title",
            "baseline_level",
            "level_minus_2",
            "level_minus_1",
            "level_0",
            "level_plus_1",
            "level_plus_2",
            "weight",
            "measures",
            "responsible",
        ]
        widgets = {
            "title": forms.TextInput,
            "level_minus_2": forms.Textarea(attrs={"rows": 2}),
            "level_minus_1": forms.Textarea(attrs={"rows": 2}),
            "level_0": forms.Textarea(attrs={"rows": 2}),
            "level_plus_1": forms.Textarea(attrs={"rows": 2}),
            "level_plus_2": forms.Textarea(attrs={"rows": 2}),
            "measures": forms.Textarea(attrs={"rows": 3}),
        }
        labels = {"baseline_level": _("Level of the situation today (baseline)")}
        help_texts = {
            "baseline_level": _(
                "Goal Attainment Scaling convention: today's situation is −1 or −2."
            ),
            "level_0": _("What will be reached by the next review if all goes well."),
        }
        error_messages = {
            "title": {"required": _("Enter the goal in a short sentence.")},
            "level_0": {
                "required": _(
                    "Describe the expected outcome (level 0): what will be reached "
                    "by the next review."
                )
            },
        }

    def __init__(self, *args, inline=False, **kwargs):
        super().__init__(*args, **kwargs)
        if inline:  # htmx moves the focus into a form swapped into the page
            self.fields["title"].widget.attrs["autofocus"] = True
        self.fields["level_0"].required = True
        self.fields["baseline_level"].choices = [
            (-1, f"−1 – {LEVEL_WORDS[-1]}"),
            (-2, f"−2 – {LEVEL_WORDS[-2]}"),
        ]
        self.fields["baseline_level"].error_messages["invalid_choice"] = _(
            "Choose −1 or −2 as the level of today's situation."
        )
        self.fields["responsible"].error_messages["invalid_choice"] = _(
            "Choose who is responsible from the list."
        )

    def clean(self):
        data = super().clean()
        baseline = data.get("baseline_level")
        field = {-2: "level_minus_2", -1: "level_minus_1"}.get(baseline)
        if field and not data.get(field, "").strip():
            self.add_error(
                field,
                gettext(
                    "Describe today's situation here: you chose level %(level)s "
                    "as the baseline."
                )
                % {"level": signed(baseline)},
            )
        return data


class GoalRatingForm(forms.Form):
    """One perspective's attainment level of each goal, or "not rated"."""

    def __init__(self, *args, goals, levels=None, **kwargs):
        super().__init__(*args, **kwargs)
        self.goals = list(goals)
        levels = levels or {}
        for goal in self.goals:
            choices = [("", _("not rated"))] + [
                (level, _level_label(level, description))
                for level, description in goal.level_descriptions()
            ]
            self.fields[f"goal_{goal.pk}"] = forms.TypedChoiceField(
                label=goal.title,
                choices=choices,
                coerce=int,
                empty_value=None,
                required=False,
                initial=levels.get(goal.pk, ""),
                widget=forms.RadioSelect,
                error_messages={
                    "invalid_choice": _(
                        "Choose a level from −2 to +2 for this goal, or “not rated”."
                    )
                },
            )

    def rating_fields(self):
        """Return (goal, bound field) for each goal, for the template."""
        return [(goal, self[f"goal_{goal.pk}"]) for goal in self.goals]

    def levels(self):
        """Return {goal id: level or None} from the cleaned data."""
        return {goal.pk: self.cleaned_data[f"goal_{goal.pk}"] for goal in self.goals}


def _level_label(level, description):
    label = f"{signed(level)} – {LEVEL_WORDS[level]}"
    return f"{label}: {description}" if description else label


class ReviewForm(GoalRatingForm):
    held_on = _date_field(
        _("held on"), _("Enter the date on which the review took place.")
    )
    is_final = forms.BooleanField(
        label=_("Final review at the end of the help"), required=False
    )
    next_review_due = _date_field(
        _("next review due"),
        _("Enter the date by which the next review is due."),
        required=False,
        help_text=_("Leave empty for the final review."),
    )
    confirm_long_interval = forms.BooleanField(
        label=_("I confirm the longer interval"), required=False
    )

    def __init__(self, *args, plan, today, final_review=None, **kwargs):
        super().__init__(*args, goals=plan.goals.all(), **kwargs)
        self.plan, self.today, self.final_review = plan, today, final_review
        self.long_interval = False

    def review_values(self):
        """Return the keyword arguments of planning.do_hold_review from the form."""
        data = self.cleaned_data
        return {
            "held_on": data["held_on"],
            "is_final": data["is_final"],
            "next_review_due": data["next_review_due"],
            "long_interval_confirmed": self.long_interval,
            "levels": self.levels(),
        }

    def clean_held_on(self):
        held_on = self.cleaned_data["held_on"]
        if held_on > self.today:
            raise forms.ValidationError(
                _("A review cannot be held in the future. Enter the day it took place.")
            )
        if held_on < self.plan.agreed_on:
            raise forms.ValidationError(
                _(
                    "The review cannot be held before the help plan was agreed "
                    "(%(date)s)."
                ),
                params={"date": _short(self.plan.agreed_on)},
            )
        return held_on

    def clean(self):
        data = super().clean()
        held_on, due = data.get("held_on"), data.get("next_review_due")
        if data.get("is_final"):
            if self.final_review:
                self.add_error(
                    "is_final",
                    gettext("The final review was already documented on %(date)s.")
                    % {"date": _short(self.final_review.held_on)},
                )
            return data
        if not due:
            if "next_review_due" not in self.errors:
                self.add_error(
                    "next_review_due",
                    gettext(
                        "Enter when the next review is due, or tick “Final review” "
                        "if the help ends."
                    ),
                )
        elif held_on and due <= held_on:
            self.add_error(
                "next_review_due",
                gettext("The next review must be due after this review (%(date)s).")
                % {"date": _short(held_on)},
            )
        elif held_on and planning.is_long_review_interval(held_on, due):
            self.long_interval = True
            _require_confirmation(self, "confirm_long_interval")
        return data


NEED_LEVEL_LABELS = {
    NEED_SCALE_MIN: _("1 – severe need"),
    NEED_SCALE_MAX: _("7 – no need, a resource"),
}


class NeedAssessmentForm(forms.Form):
    assessed_on = _date_field(_("assessed on"), _("Enter the date of the assessment."))
    confirm_short_interval = forms.BooleanField(
        label=_("I confirm the shorter interval"), required=False
    )

    def __init__(self, *args, case, occasion, assessments, today, **kwargs):
        """Offer the case's dimensions; ``assessments`` maps occasions to the stored."""
        stored_assessment = assessments.get(occasion)
        if stored_assessment:
            kwargs["initial"] = {"assessed_on": stored_assessment.assessed_on}
        super().__init__(*args, **kwargs)
        self.case, self.occasion, self.today = case, occasion, today
        self.start = assessments.get(NeedOccasion.START)
        self.dimensions = planning.need_dimensions(
            case, [stored_assessment] if stored_assessment else []
        )
        self.short_interval = False
        stored = {}
        if stored_assessment:
            stored = {r.dimension_id: r for r in stored_assessment.ratings.all()}
        choices = [
            (level, NEED_LEVEL_LABELS.get(level, str(level)))
            for level in range(NEED_SCALE_MIN, NEED_SCALE_MAX + 1)
        ]
        for dimension in self.dimensions:
            rating = stored.get(dimension.pk)
            message = gettext("Rate “%(dimension)s” on the scale from 1 to 7.") % {
                "dimension": dimension.name
            }
            self.fields[f"level_{dimension.pk}"] = forms.TypedChoiceField(
                label=dimension.name,
                choices=choices,
                coerce=int,
                widget=forms.RadioSelect,
                initial=rating.level if rating else None,
                error_messages={"required": message, "invalid_choice": message},
            )
            self.fields[f"relevant_{dimension.pk}"] = forms.BooleanField(
                label=capfirst(_("relevant for this help")),
                required=False,
                initial=rating.relevant if rating else True,
            )

    def dimension_fields(self):
        """Return (dimension, level field, relevant field) rows for the template."""
        return [
            (d, self[f"level_{d.pk}"], self[f"relevant_{d.pk}"])
            for d in self.dimensions
        ]

    def ratings(self):
        """Return {dimension: (level, relevant)} from the cleaned data."""
        data = self.cleaned_data
        return {
            dimension: (data[f"level_{dimension.pk}"], data[f"relevant_{dimension.pk}"])
            for dimension in self.dimensions
        }

    def clean(self):
        if not self.dimensions:
            raise forms.ValidationError(
                _(
                    "No need dimensions are defined for this service type. Ask your "
                    "QM officer to set them up."
                )
            )
        return self._clean_interim_interval(super().clean())

    def clean_assessed_on(self):
        assessed_on = self.cleaned_data["assessed_on"]
        if assessed_on > self.today:
            raise forms.ValidationError(
                _("The assessment date lies in the future. Enter the day it was made.")
            )
        if assessed_on < self.case.referred_on:
            raise forms.ValidationError(
                _("The assessment cannot be made before the referral on %(date)s."),
                params={"date": _short(self.case.referred_on)},
            )
        start = None if self.occasion == NeedOccasion.START else self.start
        if start and assessed_on < start.assessed_on:
            raise forms.ValidationError(
                _(
                    "This assessment cannot be made before the start assessment "
                    "of %(date)s."
                ),
                params={"date": _short(start.assessed_on)},
            )
        return assessed_on

    def _clean_interim_interval(self, data):
        assessed_on = data.get("assessed_on")
        reference = planning.interim_reference_date(self.case)
        if self.occasion != NeedOccasion.INTERIM or not assessed_on or not reference:
            return data
        if assessed_on < reference + timedelta(weeks=planning.INTERIM_MIN_WEEKS):
            self.short_interval = True
            if not data.get("confirm_short_interval"):
                self.add_error(
                    "assessed_on",
                    gettext(
                        "The interim assessment is meant for about eight weeks after "
                        "the start (%(date)s) and should come at least six weeks "
                        "after it. If the shorter interval is intended, tick "
                        "“I confirm the shorter interval”."
                    )
                    % {"date": _short(reference)},
                )
        return data
