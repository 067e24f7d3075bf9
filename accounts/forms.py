"""Input only: the rules are checked by the services the views call."""

from django import forms
from django.conf import settings
from django.contrib.auth.password_validation import validate_password
from django.utils.translation import gettext_lazy as _

MAX = settings.CCASS_PASSWORD_MAX_LENGTH
#: Django fills in ``limit_value`` (the field's max_length) when it raises it.
TOO_LONG = _("The password may not be longer than %(limit_value)s characters.")


def too_long(form) -> bool:
    """Some field was given more than its ``max_length``: the view answers 400 (issue 10).

    Such input is refused by the form itself, so nothing behind it (hashing, a lookup) runs.
    """
    return any(error.code == "max_length"
               for errors in form.errors.as_data().values() for error in errors)


def _password_field(label, autocomplete="new-password"):
    # max_length refuses absurd input before any hashing, with a clear message.
    return forms.CharField(
        label=label, strip=False, max_length=MAX,
        widget=forms.PasswordInput(attrs={"autocomplete": autocomplete}),
        error_messages={"max_length": TOO_LONG},
    )


class LoginForm(forms.Form):
    user_id = forms.CharField(label=_("User ID"), max_length=150)  # Client Connect: an email
    password = _password_field(_("Password"), autocomplete="off")


SMARTCARD_PASSWORD_SHAPE = _("The smartcard password is 6 to 8 digits.")


class SmartcardForm(forms.Form):
    """SPEC L10: the simulated card reader: the card's SRN and its 6-8 digit "PASSWORD"."""

    srn = forms.CharField(label=_("Smartcard"), max_length=20,
                          help_text=_("The SRN printed on your smartcard, e.g. 0101101200012AB2."))
    password = forms.CharField(
        label=_("PASSWORD"), strip=False, max_length=8,
        widget=forms.PasswordInput(attrs={"autocomplete": "off", "inputmode": "numeric"}),
        error_messages={"max_length": SMARTCARD_PASSWORD_SHAPE},
    )

    def clean_password(self):
        password = self.cleaned_data["password"]
        if not password.isdigit() or not 6 <= len(password) <= 8:
            raise forms.ValidationError(SMARTCARD_PASSWORD_SHAPE)
        return password


class UserIdForm(forms.Form):
    user_id = forms.CharField(label=_("Input User ID"), max_length=150)


class OtpForm(forms.Form):
    otp = forms.CharField(
        label=_("Enter OTP"), max_length=8,
        widget=forms.TextInput(attrs={"autocomplete": "one-time-code", "inputmode": "numeric"}),
    )

    def clean_otp(self):
        otp = self.cleaned_data["otp"].strip()
        if not otp.isdigit():
            raise forms.ValidationError(_("An OTP is made of digits only."))
        return otp


class NewPasswordForm(forms.Form):
    """"Reset Password": "Password" and "Confirm password", checked against the policy."""

    password = _password_field(_("Password"))
    confirm_password = _password_field(_("Confirm password"))

    def __init__(self, *args, user=None, **kwargs):
        self.user = user
        super().__init__(*args, **kwargs)

    def clean(self):
        data = super().clean()
        password, confirm = data.get("password"), data.get("confirm_password")
        if password and confirm and password != confirm:
            raise forms.ValidationError(_("The two passwords do not match."))
        if password:
            try:
                validate_password(password, user=self.user)
            except forms.ValidationError as exc:
                self.add_error("password", exc)
        return data


class ChangePasswordNewForm(NewPasswordForm):
    """"Change Password", step 1: "New password" and "Confirm new password", "Update"."""

    password = _password_field(_("New password"))
    confirm_password = _password_field(_("Confirm new password"))


def _current_password_field():
    return _password_field(_("Current password"), autocomplete="current-password")


class ChangePasswordForm(ChangePasswordNewForm):
    """"Change Password", step 2 (the new password again, then the current one, "Update"), and
    the expired-password page, which asks all three at once."""

    current_password = _current_password_field()


class ReauthenticateForm(forms.Form):
    current_password = _current_password_field()


class OathSettingsForm(ReauthenticateForm):
    """AUTHENTICATION SETTINGS, "Settings": the switch (unticked = email OTP), then "Save"."""

    oath_enabled = forms.BooleanField(
        label=_("Multi-factor authentication using OATH enable"), required=False, initial=True,
    )

    def keeps_oath(self) -> bool:
        """The switch left on: "Save" changes nothing, so no password is needed."""
        return bool(self["oath_enabled"].data)


class StaffLoginForm(forms.Form):
    """The admin's login in one submit: User ID, password and the authenticator app's code."""

    username = forms.CharField(label="User ID", max_length=30)
    password = _password_field("Password", autocomplete="current-password")
    otp_token = forms.CharField(
        label="OTP (ForgeRock Authenticator)", max_length=8,
        widget=forms.TextInput(attrs={"autocomplete": "one-time-code", "inputmode": "numeric"}),
    )
