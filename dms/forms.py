"""Input of the DMS pages (SPEC D2, D3); the rules are in dms.services."""

from decimal import Decimal

from django import forms
from django.conf import settings
from django.core.exceptions import ValidationError

from accounts.models import (
    AccessChannel,
    BusinessUserGroup,
    InternalExternal,
    TransactionLimit,
    UserStatus,
)

DATE_FORMATS = ["%d/%m/%y", "%d/%m/%Y", "%d-%b-%y", "%d-%b-%Y", "%Y-%m-%d"]


class PromptForm(forms.Form):
    user_id = forms.CharField(label="User ID", max_length=30, required=False)
    search_by = forms.ChoiceField(
        label="Search by", choices=[("user_id", "User ID"), ("user_name", "User Name")],
        widget=forms.RadioSelect, initial="user_id", required=False,
    )
    search_filter = forms.CharField(label="Search Filter", max_length=60, required=False)


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
                f"Transaction limit (HKD) - {self.label}: enter an amount of 0.00 or more "
                "with at most 2 decimals, e.g. 9,999,999,999.99.", code="invalid") from None


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
    return [(row.label, amount_shown(limits.get(row.value))) for row in TransactionLimit]


class ProfileForm(forms.Form):
    """The Detail page of Create/Change User Profile.

    "Internal/External" and "Access Channel" are fixed text, not inputs (the documents' screens):
    the form keeps the profile's stored values (EXTERNAL and CST for a new profile).
    """

    status = forms.ChoiceField(label="User Status", choices=UserStatus.choices,
                               widget=forms.RadioSelect, initial=UserStatus.ENABLED)
    surname = forms.CharField(label="Surname", max_length=60)
    other_names = forms.CharField(label="Other Names", max_length=100)
    email = forms.EmailField(label="Email")
    enable_from = forms.DateField(label="Enable From", required=False, input_formats=DATE_FORMATS,
                                  help_text="DD/MM/YY")
    disable_after = forms.DateField(label="Disable After", required=False,
                                    input_formats=DATE_FORMATS, help_text="DD/MM/YY")
    clearing_house_options = forms.ChoiceField(label="Clearing House Options")
    business_user_groups = forms.MultipleChoiceField(
        label="Selected User Groups", required=False, widget=forms.CheckboxSelectMultiple)

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
            self.fields[name] = AmountField(label=row.label)
            self.initial.setdefault(name, amount_shown(limits.get(row)))

    @property
    def internal_external_shown(self) -> str:
        return InternalExternal(self.fixed["internal_external"]).label

    @property
    def access_channel_shown(self) -> str:
        return AccessChannel(self.fixed["access_channel"]).label

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
            self.add_error("disable_after", "Disable After cannot be before Enable From.")
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
    user_id = forms.CharField(label="User ID", max_length=8, min_length=8)
    field_order = ["user_id"]


class ChangeProfileForm(ProfileForm):
    # The documents show one radio button beside "Locked"; "Refresh" clears it.
    reset_otp = forms.BooleanField(label="Unlock/Reset OTP Device Registration", required=False,
                                   widget=LoneRadio)


def _authorisation_code_field():
    # The checker's password: the same cap as every password field, refused before hashing
    # (issue 10).
    limit = settings.CCASS_PASSWORD_MAX_LENGTH
    return forms.CharField(
        label="Authorisation Code", strip=False, max_length=limit, widget=forms.PasswordInput,
        error_messages={"max_length": f"The Authorisation Code may not be longer than {limit} "
                                      "characters."},
    )


class CheckerForm(forms.Form):
    checker_id = forms.CharField(label="Checker ID", max_length=30)
    authorisation_code = _authorisation_code_field()


class CodeForm(forms.Form):
    """A checker acting from their own session: only their Authorisation Code."""

    authorisation_code = _authorisation_code_field()


class RejectForm(CodeForm):
    reason = forms.CharField(label="Reason", max_length=200, required=False)


#: How the documents show the clearing house in "Clearing House Options".
CLEARING_HOUSE_OPTION = {"HKSCC": "Cash", "HKCC": "Futures", "SEOCH": "Options"}
