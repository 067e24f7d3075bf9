"""SPEC A1/A2: the HKEX Password Policy as Django validators, Argon2id, no reuse."""

import pytest
from django.conf import settings
from django.contrib.auth.password_validation import validate_password
from django.core.exceptions import ValidationError

from accounts.password_validation import SPECIAL_CHARACTERS
from tests.conftest import STRONG_PASSWORD


def errors_for(password, user=None):
    try:
        validate_password(password, user=user)
    except ValidationError as exc:
        return exc.messages
    return []


def test_it_accepts_a_compliant_16_character_password():
    assert len("Abcdefghijk1!xyz") == 16
    assert errors_for("Abcdefghijk1!xyz") == []


def test_it_refuses_a_compliant_looking_15_character_password():
    messages = errors_for("Abcdefghij1!xyz")
    assert messages == [
        "This password is too short. It must contain at least 16 characters."
    ]


@pytest.mark.parametrize(
    ("password", "message"),
    [
        ("Abcdefghijklmn!x", "The password must contain at least 1 number."),
        ("ABCDEFGHIJKLM1!X", "The password must contain at least 1 lower-case letter."),
        ("abcdefghijklm1!x", "The password must contain at least 1 capital letter."),
        (
            "Abcdefghijklm1xy",
            "The password must contain at least 1 special character from !@#$%^&*()",
        ),
    ],
)
def test_it_names_each_unmet_rule(password, message):
    assert errors_for(password) == [message]


def test_it_names_every_unmet_rule_at_once():
    messages = errors_for("short")
    assert "This password is too short. It must contain at least 16 characters." in messages
    assert "The password must contain at least 1 number." in messages
    assert "The password must contain at least 1 capital letter." in messages
    assert "The password must contain at least 1 special character from !@#$%^&*()" in messages
    assert "The password must contain at least 1 lower-case letter." not in messages


@pytest.mark.parametrize("special", list(SPECIAL_CHARACTERS))
def test_it_accepts_each_special_character(special):
    assert errors_for(f"Abcdefghijklm1x{special}") == []


@pytest.mark.parametrize("other", ["-", "_", "+", "=", "?", "~", " ", "é"])
def test_it_does_not_count_other_symbols_as_special(other):
    assert errors_for(f"Abcdefghijklm1x{other}") == [
        "The password must contain at least 1 special character from !@#$%^&*()"
    ]


def test_it_checks_a_128_character_password_whole():
    # The only special character is at the very end: it must still be seen.
    password = "Ab1" + "x" * 124 + "!"
    assert len(password) == 128
    assert errors_for(password) == []
    assert errors_for(password[:-1] + "y") == [
        "The password must contain at least 1 special character from !@#$%^&*()"
    ]


def test_it_refuses_absurdly_long_input():
    # Issue 10: the cap is 128 characters (CCASS_PASSWORD_MAX_LENGTH).
    messages = errors_for("Ab1!" + "x" * 125)
    assert messages == ["The password may not be longer than 128 characters."]
    assert errors_for("Ab1!" + "x" * 124) == []


def test_it_keeps_the_common_password_check():
    # Meets every composition rule, but is on Django's list of common passwords.
    assert errors_for("John!20130605at1753") == ["This password is too common."]


@pytest.mark.django_db
def test_it_refuses_the_current_password_as_the_new_one(end_user):
    assert errors_for(STRONG_PASSWORD, user=end_user) == [
        "The new password must be different from the current password."
    ]
    assert errors_for("Another-Strong9Password!", user=end_user) == []


def test_argon2_is_the_first_hasher():
    assert settings.PASSWORD_HASHERS[0] == "django.contrib.auth.hashers.Argon2PasswordHasher"


@pytest.mark.django_db
def test_it_stores_the_password_with_argon2id(end_user):
    assert end_user.password.startswith("argon2$argon2id$")


@pytest.mark.django_db
def test_it_expires_the_password_after_90_days(end_user):
    from datetime import timedelta

    set_at = end_user.password_set_at
    assert not end_user.password_expired(now=set_at + timedelta(days=89, hours=23))
    assert end_user.password_expired(now=set_at + timedelta(days=90))
