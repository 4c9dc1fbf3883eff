"""Forms of complaints: the public form, recording by staff, and the handling steps.

The organisation concerned is chosen by a signed token (``organisation_token``),
never by its database id: the public form's select and the printed QR link
carry the same token, and a token that was altered is refused like an unknown
one.
"""

from django import forms
from django.core import signing
from django.core.exceptions import ValidationError
from django.utils.formats import number_format
from django.utils.translation import gettext_lazy as _

from dialoq.accounts import scoping as account_scoping
from dialoq.accounts.models import Organisation
from dialoq.accounts.roles import OrganisationKind
from dialoq.cases.models import Case
from dialoq.catalog.models import DeviationSeverity
from dialoq.deviations import complaints, scoping
from dialoq.deviations.models import (
    ComplaintCategory,
    ComplaintChannel,
    ComplaintOutcome,
    ComplaintSource,
    ComplaintStatus,
)

TOKEN_SALT = "dialoq.deviations.complaint-form"  # noqa: S105 - a salt, not a secret
TOKEN_MAX_LENGTH = 100
CHOICE_ERRORS = {"invalid_choice": _("Please choose one of the options shown.")}


def organisation_token(organisation) -> str:
    """Return the public token naming the organisation in the form and its link."""
    return signing.Signer(salt=TOKEN_SALT, sep=".").sign(str(organisation.pk))


def organisation_from_token(token):
    """Return the funder or provider the token names, or None if it is not valid."""
    if not token or len(token) > TOKEN_MAX_LENGTH:
        return None
    try:
        pk = signing.Signer(salt=TOKEN_SALT, sep=".").unsign(token)
    except signing.BadSignature:
        return None
    return Organisation.objects.filter(
        pk=pk, kind__in=(OrganisationKind.FUNDER, OrganisationKind.PROVIDER)
    ).first()


def _organisation_choices(organisations):
    """Return the select's options grouped by kind, with tokens as values."""
    groups = {OrganisationKind.FUNDER: [], OrganisationKind.PROVIDER: []}
    for organisation in organisations:
        groups[organisation.kind].append(
            (organisation_token(organisation), organisation.name)
        )
    return [
        ("", _("Please choose")),
        *[
            (OrganisationKind(kind).label, options)
            for kind, options in groups.items()
            if options
        ],
    ]


class ComplaintTextField(forms.CharField):
    """Free text with specific messages: null characters, length, nothing written.

    No ``maxlength`` attribute: a browser would cut a pasted text silently;
    the server says how long it is instead.
    """

    def __init__(self, *, limit, too_long, **kwargs):
        super().__init__(**kwargs)
        self.limit = limit
        self.too_long = too_long
        self.validators = []

    def to_python(self, value):
        value = super().to_python(value)
        if "\x00" in value:
            raise ValidationError(
                _(
                    "The text contains a null character, which is not allowed. "
                    "Please type the text again instead of pasting it."
                ),
                code="null_characters",
            )
        value = complaints.clean_text(value)
        if len(value) > self.limit:
            raise ValidationError(
                self.too_long,
                code="max_length",
                params={
                    "length": number_format(len(value), force_grouping=True),
                    "limit": number_format(self.limit, force_grouping=True),
                },
            )
        return value


def _text_field(**kwargs):
    return ComplaintTextField(
        limit=complaints.TEXT_MAX_LENGTH,
        too_long=_(
            "The text is too long: %(length)s characters. At most %(limit)s "
            "characters are possible; please shorten it."
        ),
        widget=forms.Textarea(attrs={"rows": 10}),
        error_messages={"required": _("Please describe your complaint.")},
        **kwargs,
    )


def _contact_field(**kwargs):
    return ComplaintTextField(
        limit=complaints.CONTACT_MAX_LENGTH,
        too_long=_(
            "The contact details are too long: %(length)s characters. At most "
            "%(limit)s characters are possible."
        ),
        required=False,
        widget=forms.Textarea(attrs={"rows": 3}),
        **kwargs,
    )


class ErrorSummaryMixin:
    """List every error once, with the id of the field it belongs to.

    Also counts the characters of the text as sent, for the counter shown
    without JavaScript.
    """

    def text_counter(self) -> dict:
        """Return the characters used and possible in the text, formatted."""
        used = len(self.data.get("text", "")) if self.is_bound else 0
        return {
            "used": number_format(used, force_grouping=True),
            "limit": number_format(complaints.TEXT_MAX_LENGTH, force_grouping=True),
            "limit_raw": complaints.TEXT_MAX_LENGTH,
        }

    def error_summary(self):
        """Return [(anchor id, message)] for the summary above the form.

        Each message reads "label: error"; a label that is a question or ends
        in a colon loses that mark first, so no "?:" appears.
        """
        items = [("", error) for error in self.non_field_errors()]
        for name, errors in self.errors.items():
            if name == forms.forms.NON_FIELD_ERRORS:
                continue
            field = self[name]
            anchor = field.auto_id
            if isinstance(field.field.widget, forms.RadioSelect):
                anchor = f"{field.auto_id}_0"
            label = str(field.label).rstrip().rstrip("?:").rstrip()
            items.extend((anchor, f"{label}: {error}") for error in errors)
        return items


class PublicComplaintForm(ErrorSummaryMixin, forms.Form):
    """The complaint form for everybody, without an account."""

    ANSWER, ANONYMOUS = "answer", "anonymous"

    organisation = forms.ChoiceField(
        label=_("Which organisation is your complaint about?"),
        error_messages={
            "required": _("Please choose the organisation."),
            "invalid_choice": _(
                "Please choose the organisation from the list. The link you "
                "used may be incomplete."
            ),
        },
    )
    source = forms.ChoiceField(
        label=_("You are"),
        choices=[
            (ComplaintSource.BENEFICIARY, _("receiving help, or a relative")),
            (ComplaintSource.PARTNER, _("from a partner organisation")),
            (ComplaintSource.STAFF, _("a member of staff")),
            (ComplaintSource.OTHER, _("someone else")),
        ],
        initial=ComplaintSource.BENEFICIARY,
        widget=forms.RadioSelect,
        error_messages={
            **CHOICE_ERRORS,
            "required": _("Please say who you are."),
        },
    )
    category = forms.ChoiceField(
        label=_("What is your complaint about?"),
        choices=ComplaintCategory.choices,
        widget=forms.RadioSelect,
        error_messages={
            **CHOICE_ERRORS,
            "required": _("Please choose what your complaint is about."),
        },
    )
    text = _text_field(
        label=_("Your complaint"),
        help_text=_(
            "Please describe what happened and, if you like, what you wish for."
        ),
    )
    reply = forms.ChoiceField(
        label=_("Would you like an answer?"),
        choices=[
            (ANSWER, _("Yes, I would like an answer. This is how to reach me:")),
            (ANONYMOUS, _("No, I want to stay anonymous (no answer possible).")),
        ],
        initial=ANSWER,
        widget=forms.RadioSelect,
        error_messages={
            **CHOICE_ERRORS,
            "required": _("Please choose whether you would like an answer."),
        },
    )
    contact = _contact_field(
        label=_("How can we reach you?"),
        help_text=_(
            "An e-mail address, a phone number or a postal address, as you like. "
            "Up to 300 characters. If you stay anonymous, nothing is stored here."
        ),
    )
    # Left empty by people; filled by programs that fill every field.
    website = forms.CharField(
        label=_("Leave this field empty"),
        required=False,
        widget=forms.TextInput(attrs={"autocomplete": "off", "tabindex": "-1"}),
    )

    def __init__(self, *args, organisations, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["organisation"].choices = _organisation_choices(organisations)

    def clean_organisation(self):
        token = self.cleaned_data["organisation"]
        organisation = organisation_from_token(token)
        if organisation is None:
            raise ValidationError(
                self.fields["organisation"].error_messages["invalid_choice"],
                code="invalid_choice",
            )
        return organisation

    def clean(self):
        cleaned = super().clean()
        if (
            cleaned.get("reply") == self.ANSWER
            and not cleaned.get("contact")
            and "contact" not in self.errors
        ):
            self.add_error(
                "contact",
                ValidationError(
                    _("Please say how we can reach you, or choose to stay anonymous."),
                    code="contact_missing",
                ),
            )
        if cleaned.get("reply") == self.ANONYMOUS:
            cleaned["contact"] = ""
        return cleaned

    def is_trap(self) -> bool:
        """Return whether the hidden field was filled (by a program)."""
        return bool(self.data.get("website", "").strip())

    def receive(self):
        """Store the complaint; return it."""
        data = self.cleaned_data
        organisation = data["organisation"]
        is_funder = organisation.kind == OrganisationKind.FUNDER
        return complaints.do_receive(
            source=data["source"],
            channel=ComplaintChannel.PUBLIC_FORM,
            category=data["category"],
            text=data["text"],
            contact=data["contact"],
            anonymous=data["reply"] == self.ANONYMOUS,
            funder=organisation if is_funder else None,
            provider=None if is_funder else organisation,
        )


class StaffComplaintForm(ErrorSummaryMixin, forms.Form):
    """A complaint received in person, by phone, letter or e-mail, recorded by staff."""

    organisation = forms.ModelChoiceField(
        label=_("Organisation concerned"),
        queryset=Organisation.objects.none(),
        error_messages={"invalid_choice": _("Please choose one of the options shown.")},
    )
    source = forms.ChoiceField(
        label=_("From"), choices=ComplaintSource.choices, error_messages=CHOICE_ERRORS
    )
    channel = forms.ChoiceField(
        label=_("Received"),
        choices=[
            (value, label)
            for value, label in ComplaintChannel.choices
            if value != ComplaintChannel.PUBLIC_FORM
        ],
        error_messages=CHOICE_ERRORS,
    )
    category = forms.ChoiceField(
        label=_("About"),
        choices=ComplaintCategory.choices,
        error_messages=CHOICE_ERRORS,
    )
    text = _text_field(
        label=_("The complaint in the complainant's words"),
        help_text=_(
            "Only what is needed to handle it. Only the complaint handlers can read it."
        ),
    )
    anonymous = forms.BooleanField(
        label=_("The complainant wants to stay anonymous"), required=False
    )
    contact = _contact_field(
        label=_("How to reach the complainant"),
        help_text=_("E-mail, phone or postal address. Not stored if anonymous."),
    )
    case_reference = forms.CharField(
        label=_("Case number (optional)"),
        required=False,
        max_length=24,
        help_text=_("Only if the complaint concerns one case you can see."),
    )

    def __init__(self, *args, user, **kwargs):
        super().__init__(*args, **kwargs)
        self.user = user
        self.fields["organisation"].queryset = Organisation.objects.filter(
            pk__in=scoping.reportable_organisations(user),
            kind__in=(OrganisationKind.FUNDER, OrganisationKind.PROVIDER),
        ).order_by("kind", "name")
        if self.fields["organisation"].queryset.count() == 1:
            self.fields["organisation"].initial = self.fields[
                "organisation"
            ].queryset.get()

    def clean_case_reference(self):
        reference = self.cleaned_data["case_reference"].strip()
        if not reference:
            return None
        case = account_scoping.visible_cases(
            self.user, Case.objects.filter(reference=reference)
        )
        case = case.select_related("beneficiary").first()
        if case is None:
            raise ValidationError(
                _("You cannot see a case with this number."), code="unknown_case"
            )
        return case

    def clean(self):
        cleaned = super().clean()
        organisation, case = cleaned.get("organisation"), cleaned.get("case_reference")
        if (
            organisation
            and case
            and organisation.pk
            not in (
                case.funder_id,
                case.provider_id,
            )
        ):
            self.add_error(
                "case_reference",
                ValidationError(
                    _("This case does not belong to the organisation concerned."),
                    code="other_organisation",
                ),
            )
        if cleaned.get("anonymous"):
            cleaned["contact"] = ""
        return cleaned

    def receive(self):
        """Store the complaint as recorded by the user; return it."""
        data = self.cleaned_data
        organisation = data["organisation"]
        is_funder = organisation.kind == OrganisationKind.FUNDER
        return complaints.do_receive(
            source=data["source"],
            channel=data["channel"],
            category=data["category"],
            text=data["text"],
            contact=data["contact"],
            anonymous=data["anonymous"],
            funder=organisation if is_funder else None,
            provider=None if is_funder else organisation,
            case=data["case_reference"],
            recorded_by=self.user,
        )


class AnswerForm(ErrorSummaryMixin, forms.Form):
    outcome = forms.ChoiceField(
        label=_("Was the complaint justified?"),
        choices=ComplaintOutcome.choices,
        widget=forms.RadioSelect,
        error_messages={
            **CHOICE_ERRORS,
            "required": _("Please choose whether the complaint was justified."),
        },
    )
    answer_note = ComplaintTextField(
        label=_("What was answered"),
        limit=complaints.ANSWER_MAX_LENGTH,
        too_long=_(
            "The answer is too long: %(length)s characters. At most %(limit)s "
            "characters are possible."
        ),
        widget=forms.Textarea(attrs={"rows": 6}),
        help_text=_(
            "The answer given, or for an anonymous complaint what was done. Stored "
            "encrypted like the complaint."
        ),
        error_messages={"required": _("Please write down what was answered.")},
    )


class OpenDeviationForm(forms.Form):
    severity = forms.ChoiceField(
        label=_("Severity"),
        choices=DeviationSeverity.choices,
        initial=DeviationSeverity.MEDIUM,
        error_messages=CHOICE_ERRORS,
    )


class ComplaintFilterForm(forms.Form):
    """Filters of the complaint list; invalid values are shown and left out."""

    OVERDUE_ACKNOWLEDGEMENT, OVERDUE_ANSWER = "acknowledgement", "answer"

    status = forms.ChoiceField(
        label=_("Status"),
        required=False,
        choices=[("", _("All open")), *ComplaintStatus.choices, ("all", _("All"))],
        error_messages=CHOICE_ERRORS,
    )
    category = forms.ChoiceField(
        label=_("About"),
        required=False,
        choices=[("", _("All")), *ComplaintCategory.choices],
        error_messages=CHOICE_ERRORS,
    )
    overdue = forms.ChoiceField(
        label=_("Overdue"),
        required=False,
        choices=[
            ("", _("All")),
            (OVERDUE_ACKNOWLEDGEMENT, _("Receipt not confirmed in time")),
            (OVERDUE_ANSWER, _("Not answered in time")),
        ],
        error_messages=CHOICE_ERRORS,
    )

    def filter(self, queryset, today):
        """Return the queryset narrowed by the valid filters."""
        values = {}
        if self.is_bound:
            self.is_valid()
            values = self.cleaned_data  # holds the valid fields only
        status = values.get("status", "")
        if status == "":
            queryset = queryset.open()
        elif status != "all":
            queryset = queryset.filter(status=status)
        if values.get("category"):
            queryset = queryset.filter(category=values["category"])
        if values.get("overdue") == self.OVERDUE_ACKNOWLEDGEMENT:
            queryset = complaints.overdue_acknowledgement(queryset, today)
        elif values.get("overdue") == self.OVERDUE_ANSWER:
            queryset = complaints.overdue_answer(queryset, today)
        return queryset
