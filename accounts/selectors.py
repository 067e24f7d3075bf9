"""Reads about participants that more than one app needs."""

from .models import DARole, Participant, User, UserStatus


def da_staffing(participant: Participant) -> dict:
    """SPEC D5: at least one DA maker and two DA checkers, counting enabled live DAs."""
    das = User.objects.filter(participant=participant, is_active=True, status=UserStatus.ENABLED)
    return {
        "makers": das.filter(da_role=DARole.MAKER).count(),
        "checkers": das.filter(da_role=DARole.CHECKER).count(),
    }


def da_staffing_warning(participant: Participant) -> str | None:
    counts = da_staffing(participant)
    if counts["makers"] >= 1 and counts["checkers"] >= 2:
        return None
    return (
        f"{participant} should have at least one DA maker and two DA checkers; it has "
        f"{counts['makers']} maker(s) and {counts['checkers']} checker(s). Please submit "
        "eService DA3."
    )
