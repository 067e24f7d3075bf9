"""What the landing and login pages may ask of the operation hours (SPEC S2).

The decision is :func:`accounts.login.closed_notice`'s (which asks :mod:`terminal.schedule`);
this tag only lets a template ask it, so no view has to pass it along.
"""

from django import template

from accounts import login

register = template.Library()


@register.simple_tag
def closed_notice(portal):
    """``{% closed_notice "terminal" as closed %}``: "... is closed. It opens on ..." while the
    portal ("terminal", "dms", "connect") is outside its operation hours, else ""."""
    return login.closed_notice(portal) or ""
