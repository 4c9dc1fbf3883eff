"""Forms of the editor of process standards and key processes.

A standard's rule is written as TOML in a text area; it is read with
``rule_from_toml``, checked with ``parse_rule`` and ``check_scope``, and a
``RuleError`` is shown at the rule field, naming the part to change. A key
process is edited as its texts plus two formsets (steps, interfaces);
empty extra rows are ignored, so a QM officer adds rows by saving.
"""

from django import forms
from django.forms import formset_factory
from django.utils.translation import gettext_lazy as _

from dialoq.catalog import process_services
from dialoq.catalog.models import (
    DeviationSeverity,
    InterfaceForm,
    KeyProcess,
    ProcessParty,
    ProcessStandard,
    QualityPerspective,
    ServiceType,
)
from dialoq.catalog.services import editing_organisations
from dialoq.catalog.standards import RuleError
from dialoq.catalog.standards.rule_text import rule_from_toml

RULE_HELP = _(
    'Written in TOML, e.g. kind = "deadline", anchor = "referral", '
    'event = "contact", within = "10 working days". Kinds: deadline, '
    "max_interval, precondition, participation; an optional [scope] table names "
    "service_types and code_books. See the rule language reference."
)


def rule_message(error: RuleError) -> str:
    if error.field == "rule":
        return error.message
    return _("In “%(field)s”: %(message)s") % {
        "field": error.field,
        "message": error.message,
    }


class _OwnedCreate:
    """The key and owning organisation of a new standard or key process."""

    model = None

    def _add_owner_fields(self, user, example: str):
        self.fields["key"] = forms.SlugField(
            label=_("Key"),
            max_length=60,
            help_text=_("A short unique name in lower case, e.g. %(example)s.")
            % {"example": example},
        )
        self.fields["owner"] = forms.ModelChoiceField(
            label=_("Organisation"),
            queryset=editing_organisations(user),
            empty_label=None,
            help_text=_("The organisation that owns and maintains it."),
        )
        self.order_fields(["key", "owner"])

    def clean_key(self):
        key = self.cleaned_data["key"].lower()
        if self.model.objects.filter(key=key).exists():
            raise forms.ValidationError(
                _("The key “%(key)s” is taken already; choose another."),
                params={"key": key},
            )
        return key


class StandardForm(forms.Form):
    """Texts, settings and rule of a draft of a process standard."""

    title = forms.CharField(label=_("Title"), max_length=200)
    title_en = forms.CharField(
        label=_("Title (English)"), max_length=200, required=False
    )
    quality_goal = forms.CharField(
        label=_("Quality goal"), widget=forms.Textarea(attrs={"rows": 2})
    )
    rationale = forms.CharField(
        label=_("Rationale"), widget=forms.Textarea(attrs={"rows": 3}), required=False
    )
    source = forms.CharField(
        label=_("Source"),
        widget=forms.Textarea(attrs={"rows": 2}),
        required=False,
        help_text=_("Legal basis or agreement, e.g. § 36 SGB VIII."),
    )
    perspective = forms.ChoiceField(
        label=_("Perspective"), choices=QualityPerspective.choices
    )
    responsible = forms.ChoiceField(
        label=_("Responsible"),
        choices=ProcessParty.choices,
        help_text=_("Whose duty the standard describes; breaches go to them."),
    )
    severity = forms.ChoiceField(
        label=_("Severity of a breach"), choices=DeviationSeverity.choices
    )
    key_process = forms.ModelChoiceField(
        label=_("Key process"), queryset=KeyProcess.objects.none(), required=False
    )
    step_key = forms.SlugField(
        label=_("Process step"),
        max_length=60,
        required=False,
        help_text=_("Key of the step of the key process the standard governs."),
    )
    rule = forms.CharField(
        label=_("Rule"),
        widget=forms.Textarea(attrs={"rows": 10, "spellcheck": "false"}),
        help_text=RULE_HELP,
    )
    change_note = forms.CharField(
        label=_("What changed"), max_length=300, required=False
    )

    def __init__(self, *args, user, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["key_process"].queryset = process_services.readable_key_processes(
            user
        ).order_by("key")
        self.rule_data = None

    def clean_rule(self):
        text = self.cleaned_data["rule"]
        try:
            rule = rule_from_toml(text)
            process_services.check_rule(rule)
        except RuleError as error:
            raise forms.ValidationError(rule_message(error)) from None
        self.rule_data = rule
        return text

    def clean(self):
        cleaned = super().clean()
        step = cleaned.get("step_key")
        process = cleaned.get("key_process")
        if step and process is None and "key_process" not in self.errors:
            self.add_error("step_key", _("Choose the key process the step belongs to."))
        elif step and process is not None:
            keys = [s.key for s in process_services.process_steps(process)]
            if step not in keys:
                self.add_error(
                    "step_key",
                    _("The key process has no step “%(step)s”. Possible: %(keys)s.")
                    % {"step": step, "keys": ", ".join(keys) or "–"},
                )
        return cleaned

    def standard_fields(self) -> dict:
        data = self.cleaned_data
        return {
            name: data.get(name) if name != "step_key" else data.get(name) or ""
            for name in process_services.STANDARD_FIELDS
        }


class StandardCreateForm(_OwnedCreate, StandardForm):
    """A new process standard of the user's organisation, with its first draft."""

    model = ProcessStandard

    def __init__(self, *args, user, **kwargs):
        super().__init__(*args, user=user, **kwargs)
        self._add_owner_fields(user, "erstkontakt-5-arbeitstage")


class KeyProcessForm(forms.Form):
    """Texts and service types of a draft of a key process."""

    title = forms.CharField(label=_("Title"), max_length=200)
    title_en = forms.CharField(
        label=_("Title (English)"), max_length=200, required=False
    )
    purpose = forms.CharField(
        label=_("Purpose"), widget=forms.Textarea(attrs={"rows": 3})
    )
    legal_basis = forms.CharField(
        label=_("Legal basis"), max_length=200, required=False
    )
    source = forms.CharField(
        label=_("Source"), widget=forms.Textarea(attrs={"rows": 2}), required=False
    )
    service_types = forms.ModelMultipleChoiceField(
        label=_("Service types"),
        queryset=ServiceType.objects.all(),
        widget=forms.CheckboxSelectMultiple,
        required=False,
        help_text=_("Leave empty when the process applies to every service type."),
    )
    change_note = forms.CharField(
        label=_("What changed"), max_length=300, required=False
    )

    def __init__(self, *args, user=None, **kwargs):
        super().__init__(*args, **kwargs)


class KeyProcessCreateForm(_OwnedCreate, KeyProcessForm):
    """A new key process of the user's organisation, with its first draft."""

    model = KeyProcess

    def __init__(self, *args, user, **kwargs):
        super().__init__(*args, user=user, **kwargs)
        self._add_owner_fields(user, "hilfeplanverfahren-eigen")


def _blank(choices):
    """Return the choices after an empty one, so that an untouched row stays empty."""
    return [("", "–"), *choices.choices]


class StepForm(forms.Form):
    """One step of a key process."""

    order = forms.IntegerField(
        label=_("Position"), min_value=1, max_value=999, required=False
    )
    key = forms.SlugField(label=_("Key"), max_length=60)
    title = forms.CharField(label=_("Step"), max_length=200)
    description = forms.CharField(
        label=_("Description"),
        widget=forms.Textarea(attrs={"rows": 2}),
        required=False,
    )
    responsible = forms.ChoiceField(
        label=_("Responsible"), choices=_blank(ProcessParty)
    )


class InterfaceRowForm(forms.Form):
    """One interface: who informs whom about what, when, in which form."""

    order = forms.IntegerField(
        label=_("Position"), min_value=1, max_value=999, required=False
    )
    step = forms.ChoiceField(label=_("At step"), required=False, choices=())
    from_party = forms.ChoiceField(label=_("From"), choices=_blank(ProcessParty))
    to_party = forms.ChoiceField(label=_("To"), choices=_blank(ProcessParty))
    subject = forms.CharField(label=_("About what"), max_length=300)
    trigger = forms.CharField(
        label=_("When or on which trigger"),
        max_length=300,
        help_text=_("e.g. at the latest 14 days before the review"),
    )
    medium = forms.ChoiceField(label=_("In which form"), choices=_blank(InterfaceForm))
    consensus = forms.CharField(
        label=_("How consensus is reached and conflicts are resolved"),
        widget=forms.Textarea(attrs={"rows": 2}),
        required=False,
    )

    def __init__(self, *args, step_keys=(), **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["step"].choices = [("", "–")] + [(k, k) for k in step_keys]


StepFormSet = formset_factory(StepForm, extra=2, can_delete=True, max_num=60)
InterfaceFormSet = formset_factory(
    InterfaceRowForm, extra=2, can_delete=True, max_num=120
)


def step_keys_of(data, prefix: str, initial: list[dict]) -> list[str]:
    """Return the step keys offered for interfaces: saved ones and submitted ones."""
    keys = [step["key"] for step in initial]
    if data:
        total = data.get(f"{prefix}-TOTAL_FORMS", "0")
        count = min(int(total), 60) if str(total).isdigit() else 0
        for index in range(count):
            key = (data.get(f"{prefix}-{index}-key") or "").strip().lower()
            if key and key not in keys:
                keys.append(key)
    return keys


def _rows(formset) -> list[tuple[int, dict, forms.Form]]:
    """Return the filled, kept rows as (position, cleaned data, form), in order."""
    rows = []
    for position, form in enumerate(formset.forms):
        data = getattr(form, "cleaned_data", None)
        if not data or data.get("DELETE"):
            continue
        rows.append((data.get("order") or position + 1, position, data, form))
    rows.sort(key=lambda row: (row[0], row[1]))
    return [(position, data, form) for _order, position, data, form in rows]


def process_content(form, steps, interfaces) -> dict | None:
    """Return the key process content from valid forms, or None after adding errors."""
    step_rows = _rows(steps)
    if not step_rows:
        steps._non_form_errors = steps.error_class(
            [_("Add at least one step.")], renderer=steps.renderer
        )
        return None
    seen, valid = set(), True
    for _position, data, row in step_rows:
        key = data["key"]
        if key in seen:
            row.add_error("key", _("Another step has this key; keys must differ."))
            valid = False
        seen.add(key)
    interface_rows = _rows(interfaces)
    for _position, data, row in interface_rows:
        if data.get("step") and data["step"] not in seen:
            row.add_error(
                "step", _("This step is no longer part of the process; choose another.")
            )
            valid = False
    if not valid:
        return None
    return {
        "texts": {
            name: form.cleaned_data.get(name) or ""
            for name in process_services.PROCESS_FIELDS
        },
        "steps": [
            {name: data.get(name) or "" for name in process_services.STEP_FIELDS}
            for _position, data, _row in step_rows
        ],
        "interfaces": [
            {
                "step": data.get("step") or "",
                "from_party": data["from_party"],
                "to_party": data["to_party"],
                "subject": data["subject"],
                "trigger": data["trigger"],
                "form": data["medium"],
                "consensus": data.get("consensus") or "",
            }
            for _position, data, _row in interface_rows
        ],
        "service_types": list(form.cleaned_data.get("service_types") or []),
    }


def initial_rows(content: dict) -> tuple[list[dict], list[dict]]:
    """Return the formsets' initial rows from stored content."""
    steps = [
        {"order": index, **step} for index, step in enumerate(content["steps"], start=1)
    ]
    interfaces = [
        {
            "order": index,
            "step": item["step"],
            "from_party": item["from_party"],
            "to_party": item["to_party"],
            "subject": item["subject"],
            "trigger": item["trigger"],
            "medium": item["form"],
            "consensus": item["consensus"],
        }
        for index, item in enumerate(content["interfaces"], start=1)
    ]
    return steps, interfaces
