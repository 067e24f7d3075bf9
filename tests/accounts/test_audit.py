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


# --- issue 10: a chain per user, so a login never waits for another user's login ---------------


def test_each_user_has_a_chain_of_their_own(end_user, maker):
    first = record_event(Event.LOGIN_SUCCESS, subject=end_user)
    other = record_event(Event.LOGIN_SUCCESS, subject=maker)
    second = record_event(Event.LOGOUT, subject=end_user)
    anonymous = record_event(Event.LOGIN_FAILURE, reason="Unknown User ID")
    assert (first.chain, other.chain) == (f"user:{end_user.pk}", f"user:{maker.pk}")
    assert second.previous_hash == first.record_hash
    assert other.previous_hash == "0" * 64  # the first of maker's chain
    assert anonymous.chain == "system"
    report = verify_chain()
    assert report.ok and report.checked == 4


def test_the_check_finds_a_user_chain_removed_whole(end_user, maker):
    record_event(Event.LOGIN_SUCCESS, subject=maker)
    gone = record_event(Event.LOGIN_SUCCESS, subject=end_user)
    record_event(Event.LOGIN_SUCCESS, subject=maker)
    _as_intruder("DELETE FROM accounts_auditrecord WHERE id = %s", [gone.pk])
    report = verify_chain()
    assert not report.ok
    assert report.problem == f"every record of user:{end_user.pk} is missing"


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_an_append_waits_only_for_its_own_users_chain(end_user, maker):
    """While one user's record is being written (its transaction open), another user's record
    is written at once; a second record of the same user waits for the first to commit."""
    import threading

    from django.db import OperationalError, transaction

    from tests.helpers import race

    record_event(Event.LOGIN_SUCCESS, subject=end_user)  # both chains exist already
    record_event(Event.LOGIN_SUCCESS, subject=maker)
    holding = threading.Event()
    tried = threading.Barrier(3)  # the holder commits only after both others have tried

    def work(i):
        if i == 0:
            with transaction.atomic():
                record_event(Event.LOGIN_FAILURE, subject=end_user)
                holding.set()
                tried.wait(timeout=30)
            return "held"
        holding.wait(timeout=30)
        try:
            with transaction.atomic():
                with connection.cursor() as cursor:
                    cursor.execute("SET LOCAL lock_timeout = '700ms'")
                record_event(Event.LOGIN_FAILURE, subject=end_user if i == 1 else maker)
            return "written"
        except OperationalError:
            return "waited"
        finally:
            tried.wait(timeout=30)

    outcomes = race(3, work)
    assert outcomes == ["held", "waited", "written"]
    assert verify_chain().ok


@pytest.mark.postgres
def test_postgresql_refuses_deleting_a_chain_head(end_user):
    from django.db import DatabaseError, transaction

    from accounts.models import AuditChainHead

    record_event(Event.LOGIN_SUCCESS, subject=end_user)
    with pytest.raises(DatabaseError, match="never deleted"), transaction.atomic():
        AuditChainHead.objects.filter(chain=f"user:{end_user.pk}").delete()
