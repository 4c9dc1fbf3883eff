"""The indicator definition form: texts and the definition in structured fields.

The fields are assembled into the definition dictionary of
``dialoq.measures.spec`` and checked by ``parse_spec``; its message is shown
next to the field it concerns. Optional fields left empty are left out of the
definition, so parse_spec's defaults apply.
"""

import re

from django import forms
from django.utils import translation
from django.utils.translation import gettext_lazy as _

from dialoq.catalog.models import IndicatorDefinition, QualityCriterion
from dialoq.catalog.services import editing_organisations
from dialoq.measures.conditions import DefinitionError
from dialoq.measures.describe import (
    PERIOD_LABELS,
    SCALE_LABELS,
    UNIT_LABELS,
    UNIT_TYPE_LABELS,
    value_label,
)
from dialoq.measures.facts import FACTS
from dialoq.measures.spec import PERIOD_TYPES, UNIT_TYPES, parse_spec

KIND_CHOICES = [
    ("rate", _("Rate: share of the counted rows that meet the numerator")),
    ("mean", _("Mean of a value column")),
    ("median", _("Median of a value column")),
    ("count", _("Count of events (sentinel events)")),
    ("oe", _("Risk-adjusted ratio of observed to expected events")),
    ("ratio", _("Ratio of two measures")),
    ("change", _("Change of a measure against the year before")),
]
DIRECTION_CHOICES = [
    ("higher_is_better", _("Higher is better")),
    ("lower_is_better", _("Lower is better")),
    ("neither", _("Neither")),
]
REFERENCE_CHOICES = [
    ("none", _("No reference range")),
    ("fixed", _("Fixed bounds")),
    ("percentile", _("Percentiles of the values of all units")),
]
EVALUATION_CHOICES = [
    ("", _("Automatic: Bayesian for rates and risk-adjusted ratios, else simple")),
    ("bayes", _("Bayesian: probability of lying within the range")),
    ("simple", _("Simple: the value lies outside the range")),
]
INTERVAL_CHOICES = [
    ("wilson", _("Wilson score interval")),
    ("clopper_pearson", _("Exact interval (Clopper–Pearson)")),
]
AGGREGATE_CHOICES = [
    ("", "—"),
    ("count", _("Number of rows")),
    ("sum", _("Sum of a column")),
    ("mean", _("Mean of a column")),
    ("stock", _("Average stock at the month-ends")),
    ("stock_sum", _("Column summed over every month a row is open")),
]
COLUMN_TYPE_LABELS = {
    "text": _("text"),
    "integer": _("whole number"),
    "number": _("number"),
    "boolean": _("yes/no"),
    "date": _("date"),
}
MEASURES = ("numerator_measure", "denominator_measure")
MEASURE_PARTS = ("fact", "aggregate", "column", "date", "end_date", "min_months")
_MEASURE_KEYS = {
    "fact",
    "aggregate",
    "column",
    "date",
    "end_date",
    "min_months",
    "condition",
}
CONDITION_HELP = _(
    "For example: status = 'closed' and code_book = 'SGB VIII'. Comparisons "
    "= != < <= > >=, in (…), not in (…), between … and …, is null, is not null, "
    "combined with and, or, not and brackets; dates as date '2025-01-31'. "
    "The columns of the chosen fact are listed under “Columns you can use in "
    "conditions”."
)
# Field names that parse_spec's messages may quote, mapped to the form field.
_QUOTED = re.compile(r"“([A-Za-z0-9_.\-' ]+)”")
_MESSAGE_FIELDS = {
    "reference": "reference_type",
    "numerator_measure": "numerator_measure_fact",
    "denominator_measure": "denominator_measure_fact",
}
# Messages that name no field: a phrase of the English message → form field.
_PHRASE_FIELDS = (
    ("risk covariate", "risk_covariates"),
    ("risk-adjusted", "risk_covariates"),
    ("stratif", "strata"),
    ("strata", "strata"),
    ("never means", "scale"),
    ("no median", "scale"),
    ("reference range", "reference_lower"),
    ("percentiles", "reference_lower"),
    ("only a mean or a median", "value"),
    ("bayesian evaluation", "evaluation"),
)


def _fact_choices(blank=False):
    choices = [(name, fact.label) for name, fact in FACTS.items()]
    return [("", "—"), *choices] if blank else choices


def _number(**kwargs):
    return forms.FloatField(required=False, localize=True, **kwargs)


def _column_names(text):
    return [name.strip() for name in text.split(",") if name.strip()]


class DefinitionForm(forms.Form):
    """The texts of an indicator version and its definition."""

    title = forms.CharField(label=_("Title"), max_length=200)
    title_en = forms.CharField(
        label=_("Title (English)"), max_length=200, required=False
    )
    quality_goal = forms.CharField(
        label=_("Quality goal"), widget=forms.Textarea(attrs={"rows": 3})
    )
    rationale = forms.CharField(
        label=_("Rationale"), widget=forms.Textarea(attrs={"rows": 4})
    )
    source = forms.CharField(
        label=_("Source"), widget=forms.Textarea(attrs={"rows": 2}), required=False
    )
    change_note = forms.CharField(
        label=_("What changed"),
        max_length=300,
        required=False,
        help_text=_("Shown in the version history."),
    )

    kind = forms.ChoiceField(label=_("Kind of indicator"), choices=KIND_CHOICES)
    fact = forms.ChoiceField(
        label=_("Fact"),
        choices=_fact_choices(blank=True),
        required=False,
        help_text=_(
            "The table whose rows are counted. Ratios and changes name "
            "the facts of their measures instead."
        ),
    )
    period_date = forms.CharField(
        label=_("Period date"),
        max_length=60,
        required=False,
        help_text=_("The date column that places a row in a period, e.g. ended_on."),
    )
    population = forms.CharField(
        label=_("Population (who is counted)"),
        widget=forms.Textarea(attrs={"rows": 3}),
        required=False,
        help_text=CONDITION_HELP,
    )
    numerator = forms.CharField(
        label=_("Numerator (events among them)"),
        widget=forms.Textarea(attrs={"rows": 3}),
        required=False,
        help_text=_("Needed by rates, counts and risk-adjusted ratios."),
    )
    value = forms.CharField(
        label=_("Value column"),
        max_length=60,
        required=False,
        help_text=_("The number column of a mean or median, e.g. t_score."),
    )
    scale = forms.ChoiceField(
        label=_("Scale level"), choices=list(SCALE_LABELS.items())
    )
    unit = forms.ChoiceField(label=_("Unit"), choices=list(UNIT_LABELS.items()))
    direction = forms.ChoiceField(label=_("Direction"), choices=DIRECTION_CHOICES)
    reference_type = forms.ChoiceField(
        label=_("Reference range"), choices=REFERENCE_CHOICES
    )
    reference_lower = _number(
        label=_("Lower bound"),
        help_text=_("Rates as a share: 0.6 for 60 %. Percentiles from 0 to 100."),
    )
    reference_upper = _number(label=_("Upper bound"))
    minimum_standard = _number(label=_("Minimum standard"))
    target = _number(label=_("Target"))
    minimum_cases = forms.IntegerField(
        label=_("Minimum cases"),
        min_value=1,
        max_value=10_000,
        initial=5,
        help_text=_("Fewer cases make a result “not evaluable”."),
    )
    risk_covariates = forms.CharField(
        label=_("Risk covariates"),
        max_length=500,
        required=False,
        help_text=_("Only for risk-adjusted ratios: columns, separated by commas."),
    )
    strata = forms.CharField(
        label=_("Stratify by"),
        max_length=60,
        required=False,
        help_text=_("One text or yes/no column, e.g. perspective."),
    )
    periods = forms.MultipleChoiceField(
        label=_("Periods"),
        choices=[(name, PERIOD_LABELS[name]) for name in PERIOD_TYPES],
        widget=forms.CheckboxSelectMultiple,
        initial=list(PERIOD_TYPES),
    )
    units = forms.MultipleChoiceField(
        label=_("Units"),
        choices=[(name, UNIT_TYPE_LABELS[name]) for name in UNIT_TYPES],
        widget=forms.CheckboxSelectMultiple,
        initial=list(UNIT_TYPES),
    )
    evaluation = forms.ChoiceField(
        label=_("Evaluation"), choices=EVALUATION_CHOICES, required=False
    )
    alpha = _number(
        label=_("Error probability (alpha)"),
        help_text=_("Default 0.05."),
    )
    interval = forms.ChoiceField(
        label=_("Confidence interval of rates"),
        choices=INTERVAL_CHOICES,
        initial="wilson",
    )
    multiplier = _number(
        label=_("Multiplier"), help_text=_("Ratios only, e.g. 100. Default 1.")
    )

    def __init__(self, *args, url=None, **kwargs):
        super().__init__(*args, **kwargs)
        for measure, label in (
            ("numerator_measure", _("Numerator measure")),
            ("denominator_measure", _("Denominator measure")),
        ):
            self.fields.update(_measure_fields(measure, label))
        if url:  # a changed fact lists its columns, with htmx
            for name in ("fact", "numerator_measure_fact"):
                self.fields[name].widget.attrs.update(
                    {
                        "hx-post": url,
                        "hx-trigger": "change",
                        "hx-target": "#fact-columns",
                        "hx-swap": "outerHTML",
                        "hx-vals": '{"action": "columns"}',
                    }
                )
        self.spec = None
        self.raw_spec = None

    # --- groups for the template ------------------------------------------
    def measure_fields(self, measure):
        return [self[f"{measure}_{part}"] for part in (*MEASURE_PARTS, "condition")]

    @property
    def uses_measures(self):
        """Return whether the measures section concerns this definition."""
        names = [
            f"{m}_{part}" for m in MEASURES for part in (*MEASURE_PARTS, "condition")
        ]
        return self["kind"].value() in {"ratio", "change"} or any(
            self[name].value() or self[name].errors for name in names
        )

    @property
    def numerator_measure_fields(self):
        return self.measure_fields("numerator_measure")

    @property
    def denominator_measure_fields(self):
        return self.measure_fields("denominator_measure")

    def chosen_fact(self):
        """Return the fact whose columns to list: the one chosen, else cases."""
        name = self["fact"].value() or self["numerator_measure_fact"].value()
        return FACTS.get(name) or FACTS["cases"]

    def fact_columns(self):
        """Return the columns of the chosen fact for the help table."""
        rows = []
        for column in self.chosen_fact().columns.values():
            if column.type == "boolean":
                values = [("true", _("yes")), ("false", _("no"))]
            else:
                values = [
                    (f"'{value}'", value_label(column.name, value))
                    for value in sorted(column.choices or ())
                ]
            rows.append(
                {
                    "name": column.name,
                    "label": column.label,
                    "type": COLUMN_TYPE_LABELS[column.type],
                    "values": values,
                }
            )
        return rows

    # --- validation -------------------------------------------------------
    def clean(self):
        cleaned = super().clean()
        if cleaned.get("reference_type") == "none" and _given(
            cleaned, "reference_lower", "reference_upper"
        ):
            self.add_error(
                "reference_type",
                _("Choose fixed bounds or percentiles, or leave the bounds empty."),
            )
        if cleaned.get("kind") not in {"ratio", "change"}:
            for measure in MEASURES:
                if any(
                    cleaned.get(f"{measure}_{part}") not in (None, "")
                    for part in (*MEASURE_PARTS, "condition")
                ):
                    self.add_error(
                        f"{measure}_fact",
                        _("Only ratios and changes use measures; leave them empty."),
                    )
        if self.errors:
            return cleaned
        raw = spec_from_fields(cleaned)
        try:
            self.spec = parse_spec(raw)
        except DefinitionError as error:
            self.add_error(_field_of(raw, self), str(error))
        self.raw_spec = raw
        return cleaned

    def texts(self) -> dict:
        return {
            name: self.cleaned_data[name]
            for name in ("title", "title_en", "quality_goal", "rationale", "source")
        }


def _measure_fields(measure, label):
    return {
        f"{measure}_fact": forms.ChoiceField(
            label=_("%(measure)s: fact") % {"measure": label},
            choices=_fact_choices(blank=True),
            required=False,
        ),
        f"{measure}_aggregate": forms.ChoiceField(
            label=_("%(measure)s: aggregate") % {"measure": label},
            choices=AGGREGATE_CHOICES,
            required=False,
        ),
        f"{measure}_column": forms.CharField(
            label=_("%(measure)s: column") % {"measure": label},
            max_length=60,
            required=False,
            help_text=_("For sums, means and stocks of a column."),
        ),
        f"{measure}_date": forms.CharField(
            label=_("%(measure)s: date") % {"measure": label},
            max_length=60,
            required=False,
            help_text=_("The date column that places a row in a period."),
        ),
        f"{measure}_end_date": forms.CharField(
            label=_("%(measure)s: end date") % {"measure": label},
            max_length=60,
            required=False,
            help_text=_("Stocks only: when a row leaves the stock."),
        ),
        f"{measure}_min_months": forms.IntegerField(
            label=_("%(measure)s: minimum months open") % {"measure": label},
            required=False,
            min_value=1,
            max_value=120,
        ),
        f"{measure}_condition": forms.CharField(
            label=_("%(measure)s: condition") % {"measure": label},
            widget=forms.Textarea(attrs={"rows": 2}),
            required=False,
            help_text=CONDITION_HELP,
        ),
    }


class IndicatorCreateForm(DefinitionForm):
    """A new indicator of the user's organisation, with its first draft."""

    key = forms.SlugField(
        label=_("Key"),
        max_length=60,
        help_text=_("A short unique name in lower case, e.g. planned-endings-spfh."),
    )
    criterion = forms.ModelChoiceField(
        label=_("Quality criterion"), queryset=QualityCriterion.objects.all()
    )
    owner = forms.ModelChoiceField(
        label=_("Organisation"),
        queryset=None,
        empty_label=None,
        help_text=_("The organisation that owns and maintains the indicator."),
    )

    field_order = ["key", "criterion", "owner"]

    def __init__(self, *args, user, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["owner"].queryset = editing_organisations(user)
        self.fields["criterion"].label_from_instance = lambda c: c.display_title

    def clean_key(self):
        key = self.cleaned_data["key"].lower()
        if IndicatorDefinition.objects.filter(key=key).exists():
            raise forms.ValidationError(
                _("An indicator with the key “%(key)s” exists already."),
                params={"key": key},
            )
        return key


def spec_from_fields(data: dict) -> dict:
    """Return the definition dictionary from cleaned form data."""
    raw: dict = {"kind": data["kind"]}
    for name in ("fact", "period_date", "population", "numerator", "value"):
        if data.get(name):
            raw[name] = data[name].strip()
    for name in ("scale", "unit", "direction"):
        raw[name] = data[name]
    if data["reference_type"] != "none":
        raw["reference"] = {"type": data["reference_type"]}
        for bound in ("lower", "upper"):
            if data.get(f"reference_{bound}") is not None:
                raw["reference"][bound] = data[f"reference_{bound}"]
    for name in ("minimum_standard", "target", "alpha", "multiplier"):
        if data.get(name) is not None:
            raw[name] = data[name]
    raw["minimum_cases"] = data["minimum_cases"]
    for name in ("risk_covariates", "strata"):
        if _column_names(data.get(name, "")):
            raw[name] = _column_names(data[name])
    for name, every in (("periods", PERIOD_TYPES), ("units", UNIT_TYPES)):
        if set(data[name]) != set(every):
            raw[name] = [value for value in every if value in data[name]]
    if data.get("evaluation"):
        raw["evaluation"] = data["evaluation"]
    if data["interval"] != "wilson":
        raw["interval"] = data["interval"]
    for measure in MEASURES:
        parts = {
            part: data.get(f"{measure}_{part}")
            for part in (*MEASURE_PARTS, "condition")
        }
        if not any(value not in (None, "") for value in parts.values()):
            continue
        raw[measure] = {
            part: value.strip() if isinstance(value, str) else value
            for part, value in parts.items()
            if value not in (None, "")
        }
    return raw


def _given(data, *names):
    return any(data.get(name) is not None for name in names)


def initial_from_spec(spec: dict) -> dict:
    """Return form initial data from a stored definition dictionary."""
    initial = {
        name: spec[name]
        for name in (
            "kind",
            "fact",
            "period_date",
            "population",
            "numerator",
            "value",
            "scale",
            "unit",
            "direction",
            "minimum_standard",
            "target",
            "minimum_cases",
            "evaluation",
            "alpha",
            "interval",
            "multiplier",
        )
        if name in spec
    }
    reference = spec.get("reference") or {}
    initial["reference_type"] = reference.get("type", "none")
    initial["reference_lower"] = reference.get("lower")
    initial["reference_upper"] = reference.get("upper")
    for name in ("risk_covariates", "strata"):
        initial[name] = ", ".join(spec.get(name, []))
    initial["periods"] = spec.get("periods", list(PERIOD_TYPES))
    initial["units"] = spec.get("units", list(UNIT_TYPES))
    for measure in MEASURES:
        for part, value in (spec.get(measure) or {}).items():
            initial[f"{measure}_{part}"] = value
    return initial


def _field_of(raw: dict, form: forms.Form) -> str | None:
    """Return the form field a definition error concerns, or None for the form.

    The message is read in English, where parse_spec quotes field names; a
    quoted column name is matched to the field that holds it.
    """
    with translation.override("en"):
        try:
            parse_spec(raw)
        except DefinitionError as error:
            message = str(error)
        else:
            return None
    quoted = _QUOTED.findall(message)
    named = [q.split(".")[0] for q in quoted if q.split(".")[0] in MEASURES]
    measure = named[0] if named else next((m for m in MEASURES if m in raw), None)
    parts = [q.split(".")[-1] for q in quoted if q.split(".")[-1] in _MEASURE_KEYS]
    if measure and parts:  # a measure's own field, e.g. numerator_measure_column
        return f"{measure}_{parts[0]}"
    for name in quoted:
        field = _MESSAGE_FIELDS.get(name, name.replace(".", "_"))
        if field in form.fields:
            return field
    for name in quoted:
        for field, value in form.cleaned_data.items():
            if isinstance(value, str) and name in re.split(r"[\s,()=<>!']+", value):
                return field
    lowered = message.lower()
    for phrase, field in _PHRASE_FIELDS:
        if phrase in lowered:
            return field
    return None
