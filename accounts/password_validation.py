"""The HKEX Password Policy (SPEC A1) as Django password validators.

Each validator checks one rule and names it when unmet, so ``validate_password`` lists every
rule a password misses. The minimum length (16) is Django's own ``MinimumLengthValidator``.
"""

from django.conf import settings
from django.core.exceptions import ValidationError

SPECIAL_CHARACTERS = "!@#$%^&*()"


class _CharacterClassValidator:
    code = ""
    message = ""

    def has(self, password: str) -> bool:  # pragma: no cover - overridden
        raise NotImplementedError

    def validate(self, password, user=None):
        if not self.has(password):
            raise ValidationError(self.message, code=self.code)

    def get_help_text(self):
        return self.message.replace("The password must contain", "Your password must contain")


class NumberValidator(_CharacterClassValidator):
    code = "password_no_number"
    message = "The password must contain at least 1 number."

    def has(self, password):
        return any(c.isascii() and c.isdigit() for c in password)


class LowercaseValidator(_CharacterClassValidator):
    code = "password_no_lower"
    message = "The password must contain at least 1 lower-case letter."

    def has(self, password):
        return any("a" <= c <= "z" for c in password)


class UppercaseValidator(_CharacterClassValidator):
    code = "password_no_upper"
    message = "The password must contain at least 1 capital letter."

    def has(self, password):
        return any("A" <= c <= "Z" for c in password)


class SpecialCharacterValidator(_CharacterClassValidator):
    code = "password_no_special"
    message = f"The password must contain at least 1 special character from {SPECIAL_CHARACTERS}"

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
                f"The password may not be longer than {self.max_length} characters.",
                code=self.code,
            )

    def get_help_text(self):
        return f"Your password may be up to {self.max_length} characters long."


class NotCurrentPasswordValidator:
    """SPEC A2: the new password may not be the current one."""

    code = "password_is_current"

    def validate(self, password, user=None):
        if user is None or not user.has_usable_password():
            return
        if len(password) <= settings.CCASS_PASSWORD_MAX_LENGTH and user.check_password(password):
            raise ValidationError(
                "The new password must be different from the current password.", code=self.code
            )

    def get_help_text(self):
        return "Your new password must differ from your current password."
