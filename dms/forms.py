"""Input of the DMS pages (SPEC D2, D3); the rules are in dms.services."""

from django import forms

from accounts.models import AccessChannel, BusinessUserGroup, InternalExternal, UserStatus

DATE_FORMATS = ["%d/%m/%y", "%d/%m/%Y", "%d-%b-%y", "%d-%b-%Y", "%Y-%m-%d"]


class PromptForm(forms.Form):
    user_id = forms.CharField(label="User ID", max_length=30, required=False)
    search_by = forms.ChoiceField(
        label="Search by", choices=[("user_id", "User ID"), ("user_name", "User Name")],
        widget=forms.RadioSelect, initial="user_id", required=False,
    )
    search_filter = forms.CharField(label="Search Filter", max_length=60, required=False)


class ProfileForm(forms.Form):
    """The Detail page of Create/Change User Profile."""

    internal_external = forms.ChoiceField(
        label="Internal/External", choices=InternalExternal.choices,
        initial=InternalExternal.EXTERNAL,
    )
    status = forms.ChoiceField(label="User Status", choices=UserStatus.choices,
                               widget=forms.RadioSelect, initial=UserStatus.ENABLED)
    surname = forms.CharField(label="Surname", max_length=60)
    other_names = forms.CharField(label="Other Names", max_length=100)
    email = forms.EmailField(label="Email")
    enable_from = forms.DateField(label="Enable From", required=False, input_formats=DATE_FORMATS,
                                  help_text="DD/MM/YY")
    disable_after = forms.DateField(label="Disable After", required=False,
                                    input_formats=DATE_FORMATS, help_text="DD/MM/YY")
    clearing_house_options = forms.MultipleChoiceField(
        label="Clearing House Options", widget=forms.CheckboxSelectMultiple)
    access_channel = forms.ChoiceField(label="Access Channel", choices=AccessChannel.choices,
                                       initial=AccessChannel.TERMINAL)
    transaction_limit = forms.DecimalField(label="Transaction limit (HKD)", required=False,
                                           max_digits=18, decimal_places=2, min_value=0)
    business_user_groups = forms.MultipleChoiceField(
        label="Selected User Groups", required=False, widget=forms.CheckboxSelectMultiple)

    def __init__(self, *args, participant, **kwargs):
        super().__init__(*args, **kwargs)
        house = participant.clearing_house
        self.fields["clearing_house_options"].choices = [(house, CLEARING_HOUSE_OPTION[house])]
        self.fields["clearing_house_options"].initial = [house]
        self.fields["business_user_groups"].choices = [
            (g.code, f"{g.code} {g.name}")
            for g in BusinessUserGroup.objects.filter(clearing_house=house)
        ]

    def clean(self):
        data = super().clean()
        start, end = data.get("enable_from"), data.get("disable_after")
        if start and end and end < start:
            self.add_error("disable_after", "Disable After cannot be before Enable From.")
        return data


class CreateProfileForm(ProfileForm):
    user_id = forms.CharField(label="User ID", max_length=8, min_length=8)
    field_order = ["internal_external", "user_id"]


class ChangeProfileForm(ProfileForm):
    reset_otp = forms.BooleanField(label="Unlock/Reset OTP Device Registration", required=False)


class CheckerForm(forms.Form):
    checker_id = forms.CharField(label="Checker ID", max_length=30)
    authorisation_code = forms.CharField(label="Authorisation Code", strip=False, max_length=4096,
                                         widget=forms.PasswordInput)


class CodeForm(forms.Form):
    """A checker acting from their own session: only their Authorisation Code."""

    authorisation_code = forms.CharField(label="Authorisation Code", strip=False, max_length=4096,
                                         widget=forms.PasswordInput)


class RejectForm(CodeForm):
    reason = forms.CharField(label="Reason", max_length=200, required=False)


#: How the documents show the clearing house in "Clearing House Options".
CLEARING_HOUSE_OPTION = {"HKSCC": "Cash", "HKCC": "Futures", "SEOCH": "Options"}
