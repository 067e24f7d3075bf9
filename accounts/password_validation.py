"""The HKEX Password Policy (SPEC A1) as Django password validators.

Each validator checks one rule and names it when unmet, so ``validate_password`` lists every
rule a password misses. The minimum length (16) is Django's own ``MinimumLengthValidator``
(its Traditional Chinese text is Django's own, issue 11).
"""

from django.conf import settings
from django.contrib.auth import password_validation
from django.core.exceptions import ValidationError
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

SPECIAL_CHARACTERS = "!@#$%^&*()"


class _CharacterClassValidator:
    code = ""
    message = ""
    help_text = ""

    def has(self, password: str) -> bool:  # pragma: no cover - overridden
        raise NotImplementedError

    def validate(self, password, user=None):
        if not self.has(password):
            raise ValidationError(self.message, code=self.code,
                                  params={"characters": SPECIAL_CHARACTERS})

    def get_help_text(self):
        return self.help_text % {"characters": SPECIAL_CHARACTERS}


class NumberValidator(_CharacterClassValidator):
    code = "password_no_number"
    message = _("The password must contain at least 1 number.")
    help_text = _("Your password must contain at least 1 number.")

    def has(self, password):
        return any(c.isascii() and c.isdigit() for c in password)


class LowercaseValidator(_CharacterClassValidator):
    code = "password_no_lower"
    message = _("The password must contain at least 1 lower-case letter.")
    help_text = _("Your password must contain at least 1 lower-case letter.")

    def has(self, password):
        return any("a" <= c <= "z" for c in password)


class UppercaseValidator(_CharacterClassValidator):
    code = "password_no_upper"
    message = _("The password must contain at least 1 capital letter.")
    help_text = _("Your password must contain at least 1 capital letter.")

    def has(self, password):
        return any("A" <= c <= "Z" for c in password)


class SpecialCharacterValidator(_CharacterClassValidator):
    code = "password_no_special"
    message = _("The password must contain at least 1 special character from %(characters)s")
    help_text = _("Your password must contain at least 1 special character from %(characters)s")

    def has(self, password):
        return any(c in SPECIAL_CHARACTERS for c in password)


class MaximumLengthValidator:
    """Refuse absurdly long input (a hashing cost attack) with a clear message."""

    code = "password_too_long"

    def __init__(self, max_length=None):
        self.max_length = max_length or settings.CCASS_PASSWORD_MAX_LENGTH

    def validate(self, password, user=None):
        if len(password) > self.max_length:
            raise ValidationError(
                # The same message as the form fields' max_length (accounts.forms.TOO_LONG).
                _("The password may not be longer than %(limit_value)s characters."),
                code=self.code, params={"limit_value": self.max_length},
            )

    def get_help_text(self):
        return _("Your password may be up to %(max_length)s characters long.") % {
            "max_length": self.max_length}


class NotCurrentPasswordValidator:
    """SPEC A2: the new password may not be the current one."""

    code = "password_is_current"

    def validate(self, password, user=None):
        if user is None or not user.has_usable_password():
            return
        if len(password) <= settings.CCASS_PASSWORD_MAX_LENGTH and user.check_password(password):
            raise ValidationError(
                _("The new password must be different from the current password."),
                code=self.code,
            )

    def get_help_text(self):
        return _("Your new password must differ from your current password.")


class UserAttributeSimilarityValidator(password_validation.UserAttributeSimilarityValidator):
    """Django's check, naming the attribute in the page's language (issue 11).

    Django names it by the model field's verbose name ("User ID", "Email"), which it does not
    translate; the portal's catalogue has both labels.
    """

    def validate(self, password, user=None):
        try:
            super().validate(password, user)
        except ValidationError as exc:
            name = (exc.params or {}).get("verbose_name")
            if not name:
                raise
            raise ValidationError(exc.message, code=exc.code,
                                  params={**exc.params, "verbose_name": gettext(name)}) from None
