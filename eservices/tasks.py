from celery import shared_task

from accounts.models import User
from accounts.tasks import NOTICE_TASK

from . import emails
from .models import EService


@shared_task(name="eservices.send_eservice_notice", **NOTICE_TASK)
def send_eservice_notice(record_id: int, kind: str, actor_id: int | None, message: str) -> None:
    record = EService.objects.select_related(
        "participant", "maker", "submitted_by", "claimed_by").get(pk=record_id)
    actor = User.objects.filter(pk=actor_id).first() if actor_id else None
    emails.send_notice(record=record, kind=kind, actor=actor, message=message)
