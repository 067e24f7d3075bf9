"""One way to move a workflow record between statuses (STYLE 11): DMS requests, eServices.

A workflow is a table of named transitions (from which statuses, to which status). A record's
status changes only through :meth:`Workflow.move`, which locks the record, checks the table and
the caller's guard (who may act), applies the caller's effect, saves, adds a history row (who,
when, message) and one audit record, all in one transaction. Pages ask the table which actions
a record offers; they never compare status strings themselves.
"""

from collections.abc import Callable, Iterable
from dataclasses import dataclass

from django.conf import settings
from django.db import models, transaction
from django.utils import timezone

from . import observe
from .audit import record_event
from .services import ActionRefused


class TransitionRefused(ActionRefused):
    """A transition refused with a message for the page; nothing was changed."""


class Step(models.Model):
    """One step of a workflow record's history: who moved it, when, from which status to which,
    with the message they left. Each workflow's history model adds its ``record`` foreign key."""

    transition = models.CharField(max_length=20)
    from_status = models.CharField(max_length=20, blank=True)
    to_status = models.CharField(max_length=20)
    actor = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True,
                              blank=True, related_name="+")
    at = models.DateTimeField(default=timezone.now)
    message = models.CharField(max_length=500, blank=True)

    class Meta:
        abstract = True
        ordering = ["at", "id"]

    def __str__(self):
        return f"{self.record_id} {self.transition} {self.from_status}->{self.to_status}"


@dataclass(frozen=True)
class Transition:
    name: str
    sources: tuple[str, ...]
    target: str
    label: str = ""


class Workflow:
    """The allowed transitions of one model's ``status`` and where its history goes.

    ``history`` is a model with the fields ``record`` (FK to the workflow's model),
    ``transition``, ``from_status``, ``to_status``, ``actor``, ``at`` and ``message``.
    ``event`` names the audit event of a transition of a record.
    """

    def __init__(self, *, model: type[models.Model], transitions: Iterable[Transition],
                 history: type[models.Model], event: Callable[[models.Model, str], str]):
        self.model = model
        self.history = history
        self.event = event
        self.transitions = {t.name: t for t in transitions}

    def available(self, status: str) -> list[Transition]:
        """The transitions the table allows from ``status`` (who may act is checked on move)."""
        return [t for t in self.transitions.values() if status in t.sources]

    def allows(self, status: str, name: str) -> bool:
        return status in self.transitions[name].sources

    def _history(self, record, *, name, from_status, actor, message, at):
        self.history.objects.create(
            record=record, transition=name, from_status=from_status, to_status=record.status,
            actor=actor, at=at, message=(message or "")[:500],
        )

    def _count(self, *, name: str, status: str) -> None:
        """Issue 11: the transition's counter, once the transaction commits."""
        workflow = self.model._meta.label_lower
        transaction.on_commit(
            lambda: observe.transition(workflow=workflow, name=name, status=status), robust=True)

    def start(self, record: models.Model, *, actor, source_ip=None, message: str = "",
              audit: Callable | None = None) -> models.Model:
        """Save a new record in its first status, with its first history row and audit."""
        with transaction.atomic():
            record.save(force_insert=True)
            self._history(record, name="start", from_status="", actor=actor, message=message,
                          at=timezone.now())
            record_event(self.event(record, "start"), actor=actor, source_ip=source_ip,
                         outcome=record.status, **(audit(record) if audit else {}))
            self._count(name="start", status=record.status)
        return record

    def move(self, pk, name: str, *, actor, source_ip=None, message: str = "",
             queryset=None, guard: Callable | None = None, effect: Callable | None = None,
             refused: Callable | None = None, audit: Callable | None = None) -> models.Model:
        """Move record ``pk`` by transition ``name``; returns the record as saved.

        Under a row lock: refuse (``TransitionRefused``) if the table does not allow ``name``
        from the current status (``refused(record)`` may word why), or if ``guard(record)``
        raises; then ``effect(record)`` does the transition's work and returns the other
        fields it changed; then status, history and audit (``audit(record)`` gives the
        keyword arguments of the record, e.g. subject and details).
        """
        transition = self.transitions[name]
        queryset = queryset if queryset is not None else self.model.objects
        with transaction.atomic():
            # The record's row only: related rows are read, and PostgreSQL refuses FOR UPDATE
            # on the nullable side of an outer join.
            record = queryset.select_for_update(of=("self",)).get(pk=pk)
            if record.status not in transition.sources:
                raise TransitionRefused(
                    (refused(record) if refused else None)
                    or f"This record is {record.get_status_display()}: "
                    f"\"{transition.label or name}\" is not possible now."
                )
            if guard is not None:
                guard(record)
            fields = list(effect(record) or []) if effect is not None else []
            from_status, record.status = record.status, transition.target
            record.save(update_fields=["status", *fields])
            self._history(record, name=name, from_status=from_status, actor=actor,
                          message=message, at=timezone.now())
            record_event(
                self.event(record, name), actor=actor, source_ip=source_ip,
                outcome=record.status, **(audit(record) if audit else {}),
            )
            self._count(name=name, status=record.status)
        return record
