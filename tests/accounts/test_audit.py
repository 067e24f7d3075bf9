"""SPEC R1: the audit trail is append-only, hash-chained and read-only in the admin."""

import pytest
from django.core.management import CommandError, call_command
from django.db import connection

from accounts.audit import Event, record_event, verify_chain
from accounts.models import AuditRecord

pytestmark = pytest.mark.django_db


def test_each_record_chains_to_the_one_before(end_user):
    first = record_event(Event.LOGIN_SUCCESS, subject=end_user, source_ip="10.1.1.1")
    second = record_event(Event.LOGOUT, subject=end_user, before={"a": 1}, after={"a": 2})
    assert second.previous_hash == first.record_hash
    assert first.participant == end_user.participant
    assert verify_chain().ok


def test_the_command_reports_an_intact_chain(end_user, capsys):
    record_event(Event.LOGIN_SUCCESS, subject=end_user)
    call_command("verify_audit_chain")
    assert "Audit chain intact: 1 records." in capsys.readouterr().out


def _as_intruder(sql, params):
    # Bypass the append-only trigger as a database superuser could, to prove the chain tells.
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            cursor.execute("SET LOCAL session_replication_role = replica")
        cursor.execute(sql, params)
        if connection.vendor == "postgresql":
            cursor.execute("SET LOCAL session_replication_role = origin")


def _tamper(record_id, reason):
    _as_intruder("UPDATE accounts_auditrecord SET reason = %s WHERE id = %s", [reason, record_id])


def test_the_command_finds_an_edited_record(end_user):
    record_event(Event.LOGIN_SUCCESS, subject=end_user)
    edited = record_event(Event.LOGIN_FAILURE, subject=end_user, reason="Wrong password")
    record_event(Event.LOGIN_SUCCESS, subject=end_user)
    _tamper(edited.pk, "nothing to see")
    with pytest.raises(CommandError, match=f"at record {edited.pk}: content does not match"):
        call_command("verify_audit_chain")


def test_the_command_finds_a_removed_newest_record(end_user):
    record_event(Event.LOGIN_SUCCESS, subject=end_user)
    last = record_event(Event.LOGIN_FAILURE, subject=end_user)
    _as_intruder("DELETE FROM accounts_auditrecord WHERE id = %s", [last.pk])
    assert not verify_chain().ok


@pytest.mark.postgres
def test_postgresql_refuses_updates_and_deletes(end_user):
    from django.db import DatabaseError, transaction

    record = record_event(Event.LOGIN_SUCCESS, subject=end_user)
    with pytest.raises(DatabaseError, match="append-only"), transaction.atomic():
        AuditRecord.objects.filter(pk=record.pk).update(reason="edited")
    with pytest.raises(DatabaseError, match="append-only"), transaction.atomic():
        AuditRecord.objects.filter(pk=record.pk).delete()


def test_the_admin_shows_records_read_only(admin_client, end_user):
    record = record_event(Event.LOGIN_SUCCESS, subject=end_user)
    listing = admin_client.get("/admin/accounts/auditrecord/")
    assert listing.status_code == 200
    assert "LOGIN_SUCCESS" in listing.text
    assert admin_client.get("/admin/accounts/auditrecord/add/").status_code == 403
    change = admin_client.post(
        f"/admin/accounts/auditrecord/{record.pk}/change/", {"reason": "edited"}
    )
    assert change.status_code == 403
    assert admin_client.post(f"/admin/accounts/auditrecord/{record.pk}/delete/").status_code == 403
    assert AuditRecord.objects.get(pk=record.pk).reason == ""
