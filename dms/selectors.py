"""Reads of the DMS pages; each list is a constant number of queries, whatever its size."""

from django.db.models import Q, QuerySet

from accounts.audit import Event
from accounts.models import AuditRecord, Participant, User

from .models import MaintenanceRequest, RequestStatus


def profiles(participant: Participant) -> QuerySet:
    """Every live profile of the participant, DAs included, in User ID order."""
    return User.objects.filter(participant=participant, is_active=True).order_by("username")


#: What the listings show of a profile (issue 10: 5,000 rows as plain dicts, not model objects).
LIST_FIELDS = ("username", "surname", "other_names", "email", "da_role")


def profile_rows(queryset: QuerySet) -> QuerySet:
    """The listing columns of ``queryset``'s profiles, as dicts, in its order."""
    return queryset.values(*LIST_FIELDS)


def profile_search(participant: Participant, *, search_by: str, text: str) -> QuerySet:
    """"List" on a Prompt page: by User ID prefix or by a part of the name."""
    queryset = profiles(participant)
    text = (text or "").strip()
    if not text:
        return queryset
    if search_by == "user_name":
        for word in text.split():
            queryset = queryset.filter(Q(surname__icontains=word) | Q(other_names__icontains=word))
        return queryset
    return queryset.filter(username__istartswith=text)


def profile_of(participant: Participant, user_id: str) -> User | None:
    return (
        User.objects.filter(participant=participant, username__iexact=(user_id or "").strip())
        .select_related("participant")
        .prefetch_related("business_user_groups")
        .first()
    )


def pending_requests(participant: Participant) -> QuerySet:
    return MaintenanceRequest.objects.filter(
        participant=participant, status=RequestStatus.PENDING
    ).select_related("maker", "subject").order_by("created_at")


def maintenance_activity(participant: Participant) -> QuerySet:
    """"View Reports": who made and who authorised which change, when (SPEC D7)."""
    return MaintenanceRequest.objects.filter(participant=participant).select_related(
        "maker", "checker").order_by("-created_at")


def login_activity(participant: Participant) -> QuerySet:
    return AuditRecord.objects.filter(
        participant=participant,
        event__in=[Event.LOGIN_SUCCESS, Event.LOGIN_FAILURE, Event.ACCOUNT_LOCKED,
                   Event.LOGOUT, Event.OTP_FAILURE],
    ).order_by("-id")
