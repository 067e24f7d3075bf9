"""Input of the DMS pages (SPEC D2, D3); the rules are in dms.services."""

from decimal import Decimal

from django import forms
from django.conf import settings
from django.core.exceptions import ValidationError
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from accounts.models import (
    AccessChannel,
    BusinessUserGroup,
    InternalExternal,
    TransactionLimit,
    UserStatus,
)

DATE_FORMATS = ["%d/%m/%y", "%d/%m/%Y", "%d-%b-%y", "%d-%b-%Y", "%Y-%m-%d"]

#: How the DMS pages name the stored choices of a profile (issue 11). Translated where they are
#: shown only: the stored values, and the audit's texts built from accounts.models' labels,
#: stay English. A row of "Transaction limit (HKD)" that is a code (DI, ISI, ATI, SI) is not
#: translated.
STATUS_LABELS = {UserStatus.ENABLED: gettext_lazy("ENABLED"),
                 UserStatus.DISABLED: gettext_lazy("DISABLED")}
INTERNAL_EXTERNAL_LABELS = {InternalExternal.INTERNAL: gettext_lazy("INTERNAL"),
                            InternalExternal.EXTERNAL: gettext_lazy("EXTERNAL")}
ACCESS_CHANNEL_LABELS = {
    AccessChannel.TERMINAL: gettext_lazy("CST"),
    AccessChannel.PARTICIPANT_GATEWAY: gettext_lazy("Participant Gateway"),
    AccessChannel.BOTH: gettext_lazy("Terminal and Participant Gateway"),
}
LIMIT_LABELS = {
    TransactionLimit.DEFAULT: gettext_lazy("Default"),
    TransactionLimit.CASH_COMPENSATION: gettext_lazy("Cash Compensation Indicator"),
    TransactionLimit.CASH_PREPAYMENT: gettext_lazy("Cash Prepayment"),
    TransactionLimit.DI_REQUIREMENT: gettext_lazy("DI Requirement"),
    TransactionLimit.RECALL_REQUEST: gettext_lazy("Recall Request"),
}


def label_shown(labels: dict, choice) -> str:
    """A stored choice as the page shows it, in the page's language."""
    return str(labels.get(choice, choice.label))


class PromptForm(forms.Form):
    user_id = forms.CharField(label=gettext_lazy("User ID"), max_length=30, required=False)
    search_by = forms.ChoiceField(
        label=gettext_lazy("Search by"),
        choices=[("user_id", gettext_lazy("User ID")), ("user_name", gettext_lazy("User Name"))],
        widget=forms.RadioSelect, initial="user_id", required=False,
    )
    search_filter = forms.CharField(label=gettext_lazy("Search Filter"), max_length=60,
                                    required=False)


class AmountField(forms.DecimalField):
    """One row of "Transaction limit (HKD)": blank, or 0.00 or more with at most 2 decimals.

    Typed as the documents show amounts ("9,999,999,999.99") or without the commas.
    """

    def __init__(self, **kwargs):
        super().__init__(max_digits=15, decimal_places=2, min_value=Decimal(0), required=False,
                         widget=forms.TextInput(attrs={"inputmode": "decimal"}), **kwargs)

    def to_python(self, value):
        if isinstance(value, str):
            value = value.replace(",", "").strip()
        return super().to_python(value)

    def clean(self, value):
        try:
            return super().clean(value)
        except ValidationError:
            # One message that names the row, whatever the reason (not a number, negative,
            # 3 decimals, too large).
            raise ValidationError(
                _("Transaction limit (HKD) - %(row)s: enter an amount of 0.00 or more "
                  "with at most 2 decimals, e.g. 9,999,999,999.99.") % {"row": self.label},
                code="invalid") from None


def amount_shown(value) -> str:
    """An amount as the documents show it: 9,999,999,999.99 (blank when not set)."""
    if value in (None, ""):
        return ""
    return f"{Decimal(str(value).replace(',', '')):,.2f}"


def limit_field_name(row: str) -> str:
    return f"limit_{row.lower()}"


def as_limits(value) -> dict:
    """A stored "Transaction limit (HKD)" as row code -> amount.

    Requests and audit records made before the rows existed hold one amount (or none): it was
    the default limit.
    """
    if isinstance(value, dict):
        return value
    return {} if value in (None, "") else {TransactionLimit.DEFAULT.value: str(value)}


def limit_rows(value) -> list[tuple[str, str]]:
    """(label, amount as shown) for every row, in the documents' order; blank when not set."""
    limits = as_limits(value)
    return [(label_shown(LIMIT_LABELS, row), amount_shown(limits.get(row.value)))
            for row in TransactionLimit]


class ProfileForm(forms.Form):
    """The Detail page of Create/Change User Profile.

    "Internal/External" and "Access Channel" are fixed text, not inputs (the documents' screens):
    the form keeps the profile's stored values (EXTERNAL and CST for a new profile).
    """

    status = forms.ChoiceField(label=gettext_lazy("User Status"),
                               choices=list(STATUS_LABELS.items()),
                               widget=forms.RadioSelect, initial=UserStatus.ENABLED)
    surname = forms.CharField(label=gettext_lazy("Surname"), max_length=60)
    other_names = forms.CharField(label=gettext_lazy("Other Names"), max_length=100)
    email = forms.EmailField(label=gettext_lazy("Email"))
    enable_from = forms.DateField(label=gettext_lazy("Enable From"), required=False,
                                  input_formats=DATE_FORMATS, help_text=gettext_lazy("DD/MM/YY"))
    disable_after = forms.DateField(label=gettext_lazy("Disable After"), required=False,
                                    input_formats=DATE_FORMATS,
                                    help_text=gettext_lazy("DD/MM/YY"))
    clearing_house_options = forms.ChoiceField(label=gettext_lazy("Clearing House Options"))
    business_user_groups = forms.MultipleChoiceField(
        label=gettext_lazy("Selected User Groups"), required=False,
        widget=forms.CheckboxSelectMultiple)

    def __init__(self, *args, participant, **kwargs):
        super().__init__(*args, **kwargs)
        house = participant.clearing_house
        self.fields["clearing_house_options"].choices = [(house, CLEARING_HOUSE_OPTION[house])]
        self.fields["clearing_house_options"].initial = house
        # Codes only, as the documents list "Selected User Groups".
        self.fields["business_user_groups"].choices = [
            (g.code, g.code) for g in BusinessUserGroup.objects.filter(clearing_house=house)
        ]
        self.fixed = {
            "internal_external": self.initial.get("internal_external")
            or InternalExternal.EXTERNAL,
            "access_channel": self.initial.get("access_channel") or AccessChannel.TERMINAL,
        }
        limits = as_limits(self.initial.get("transaction_limit"))
        for row in TransactionLimit:
            name = limit_field_name(row)
            self.fields[name] = AmountField(label=label_shown(LIMIT_LABELS, row))
            self.initial.setdefault(name, amount_shown(limits.get(row)))

    @property
    def internal_external_shown(self) -> str:
        return label_shown(INTERNAL_EXTERNAL_LABELS,
                           InternalExternal(self.fixed["internal_external"]))

    @property
    def access_channel_shown(self) -> str:
        return label_shown(ACCESS_CHANNEL_LABELS, AccessChannel(self.fixed["access_channel"]))

    @property
    def limit_fields(self):
        """The bound fields of "Transaction limit (HKD)", one per row, in the documents' order."""
        return [self[limit_field_name(row)] for row in TransactionLimit]

    def clean_clearing_house_options(self):
        return [self.cleaned_data["clearing_house_options"]]

    def clean(self):
        data = super().clean()
        start, end = data.get("enable_from"), data.get("disable_after")
        if start and end and end < start:
            self.add_error("disable_after", _("Disable After cannot be before Enable From."))
        data.update(self.fixed)
        # Row code -> amount with 2 decimals; a blank row is not set.
        amounts = {row.value: data.pop(limit_field_name(row), None) for row in TransactionLimit}
        data["transaction_limit"] = {
            row: f"{amount:.2f}" for row, amount in amounts.items() if amount is not None}
        return data


class LoneRadio(forms.CheckboxInput):
    """A single radio button with a checkbox's meaning: chosen or not."""

    input_type = "radio"


class CreateProfileForm(ProfileForm):
    user_id = forms.CharField(label=gettext_lazy("User ID"), max_length=8, min_length=8)
    field_order = ["user_id"]


class ChangeProfileForm(ProfileForm):
    # The documents show one radio button beside "Locked"; "Refresh" clears it.
    reset_otp = forms.BooleanField(label=gettext_lazy("Unlock/Reset OTP Device Registration"),
                                   required=False, widget=LoneRadio)


def _authorisation_code_field():
    # The checker's password: the same cap as every password field, refused before hashing
    # (issue 10).
    limit = settings.CCASS_PASSWORD_MAX_LENGTH
    return forms.CharField(
        label=gettext_lazy("Authorisation Code"), strip=False, max_length=limit,
        widget=forms.PasswordInput,
        error_messages={"max_length": gettext_lazy(
            "The Authorisation Code may not be longer than %(limit_value)s characters.")},
    )


class CheckerForm(forms.Form):
    checker_id = forms.CharField(label=gettext_lazy("Checker ID"), max_length=30)
    authorisation_code = _authorisation_code_field()


class CodeForm(forms.Form):
    """A checker acting from their own session: only their Authorisation Code."""

    authorisation_code = _authorisation_code_field()


class RejectForm(CodeForm):
    reason = forms.CharField(label=gettext_lazy("Reason"), max_length=200, required=False)


#: How the documents show the clearing house in "Clearing House Options".
CLEARING_HOUSE_OPTION = {"HKSCC": gettext_lazy("Cash"), "HKCC": gettext_lazy("Futures"),
                         "SEOCH": gettext_lazy("Options")}
