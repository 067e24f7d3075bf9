"""A profile's maintainable values (SPEC D3) as plain, JSON-ready values.

Maker-checker requests (DMS) and eServices freeze these values when they are made and compare
them when they are applied; :mod:`accounts.services` writes them back. Reads only: nothing here
saves.
"""

import datetime as dt
from decimal import Decimal

from .models import User

#: The profile fields a DA maker may set (SPEC D3); DA role, status of the lock and OTP devices
#: are security state, changed only by the actions of :mod:`accounts.services`.
PROFILE_FIELDS = [
    "internal_external", "status", "surname", "other_names", "email", "enable_from",
    "disable_after", "clearing_house_options", "access_channel", "transaction_limit",
    "business_user_groups",
]


def _plain(value):
    if isinstance(value, dt.date):
        return value.isoformat()
    if isinstance(value, Decimal):
        return str(value)
    return value


def profile_values(user: User) -> dict:
    """The maintainable values of a profile, as JSON-ready plain values."""
    values = {name: _plain(getattr(user, name)) for name in PROFILE_FIELDS
              if name != "business_user_groups"}
    values["business_user_groups"] = sorted(g.code for g in user.business_user_groups.all())
    return values


def clean_values(values: dict) -> dict:
    """Form input reduced to the profile fields, in the shape :func:`profile_values` gives."""
    values = {k: _plain(v) for k, v in values.items() if k in PROFILE_FIELDS}
    values["business_user_groups"] = sorted(values.get("business_user_groups") or [])
    values["email"] = (values.get("email") or "").strip().lower()
    return values


def set_values(user: User, values: dict) -> list[str]:
    """Put plain ``values`` on ``user`` (unsaved); returns the field names to save.

    Business user groups are a relation, set by the caller after the save.
    """
    fields = []
    for name in PROFILE_FIELDS:
        if name == "business_user_groups" or name not in values:
            continue
        value = values[name]
        if name in ("enable_from", "disable_after"):
            value = dt.date.fromisoformat(value) if value else None
        elif name == "transaction_limit":
            value = dict(value or {})  # row code -> amount "0.00" (SPEC D3)
        setattr(user, name, value)
        fields.append(name)
    return fields
