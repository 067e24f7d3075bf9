"""SPEC T2 (and S3): the overnight reports, written each business night, downloaded after
"Login with OTP - Overnight Report Download"; only one's own participant's."""

import datetime as dt
from zoneinfo import ZoneInfo

import pytest
from celery.schedules import crontab
from django.conf import settings as django_settings
from django.contrib.auth.hashers import make_password
from django.core.management import CommandError, call_command

from accounts.models import DARole, Participant, ParticipantKind
from accounts.services import user_email_change
from terminal import reports, selectors
from terminal.models import ConnectivityTestWindow, OvernightReport, ReportKind
from terminal.tasks import write_overnight_reports
from tests.conftest import make_user
from tests.dms.conftest import PROFILE, confirm, dms_login, initialised
from tests.terminal import test_smartcard_and_phases as smartcard
from tests.terminal.test_menu import terminal_login

pytestmark = pytest.mark.django_db

HKT = ZoneInfo("Asia/Hong_Kong")
DAY = dt.date(2026, 11, 24)  # a Tuesday, no Hong Kong holiday
DAY_TEXT = "24-Nov-2026"


@pytest.fixture(autouse=True)
def report_dir(settings, tmp_path):
    """The reports' storage is a folder of this test only."""
    settings.STORAGES = {**settings.STORAGES, "overnight_reports": {
        "BACKEND": "django.core.files.storage.FileSystemStorage",
        "OPTIONS": {"location": tmp_path / "reports"},
    }}
    return tmp_path / "reports"


@pytest.fixture
def at(clock):
    """Move the clock to ``hh:mm`` HKT of a day (default :data:`DAY`)."""

    def move(hour, minute=0, day=DAY):
        clock.now = dt.datetime.combine(day, dt.time(hour, minute), tzinfo=HKT)

    return move


@pytest.fixture
def people(participant):
    return {
        "maker": initialised(participant, "B01234X1", DARole.MAKER),
        "checker": initialised(participant, "B01234X2", DARole.CHECKER),
        "user": initialised(participant, "B0123401"),
    }


@pytest.fixture
def bank(db):
    bank = Participant.objects.create(kind=ParticipantKind.HKSCC_DB, participant_id="BNK999",
                                      name="XYZ BANK", user_id_prefix="BNK999", max_users=20)
    initialised(bank, "BNK99901")
    return bank


def files(folder):
    return sorted(p.relative_to(folder).as_posix() for p in folder.rglob("*") if p.is_file())


def read(report):
    return reports.storage().open(report.file_name).read().decode()


def a_day_of_activity(client, people, bank, at):
    """A login the day before; on the day a maker's Create authorised by a checker, a login of
    the participant's user, and a login and an email change of another participant's user."""
    at(10, day=DAY - dt.timedelta(days=1))
    terminal_login(client, people["user"])
    client.post("/logout/")
    at(10)
    dms_login(client, people["maker"])
    response = client.post("/dms/profiles/create/", {**PROFILE, "user_id": "B0123405"})
    at(10, 5)
    assert "CREATED SUCCESSFULLY" in confirm(client, response.url, "B01234X2").text
    client.post("/logout/")
    at(11)
    terminal_login(client, people["user"], again=True)
    client.post("/logout/")
    terminal_login(client, bank.users.get())
    client.post("/logout/")
    user_email_change(target=bank.users.get(), actor=None, email="new@xyz-bank.example")


def test_the_nightly_job_writes_the_three_reports_of_the_day(
    client, people, bank, at, report_dir
):
    a_day_of_activity(client, people, bank, at)
    at(22)
    write_overnight_reports.delay()

    participant = people["user"].participant
    own = {r.kind: r for r in OvernightReport.objects.filter(participant=participant)}
    assert set(own) == set(ReportKind.values)
    assert {r.business_date for r in own.values()} == {DAY}
    assert OvernightReport.objects.filter(participant=bank).count() == 3
    assert files(report_dir) == sorted([
        "B01234/2026-11-24/B01234_20261124_login_activity.txt",
        "B01234/2026-11-24/B01234_20261124_user_maintenance_activity.txt",
        "B01234/2026-11-24/B01234_20261124_user_profile_listing.txt",
        "BNK999/2026-11-24/BNK999_20261124_login_activity.txt",
        "BNK999/2026-11-24/BNK999_20261124_user_maintenance_activity.txt",
        "BNK999/2026-11-24/BNK999_20261124_user_profile_listing.txt",
    ])

    listing = read(own[ReportKind.USER_PROFILE_LISTING])
    assert listing.startswith("CCASS  USER PROFILE LISTING\nPARTICIPANT : B01234 ABC SECURITIES")
    assert f"BUSINESS DATE : {DAY_TEXT}" in listing
    for user_id in ("B0123401", "B0123405", "B01234X1", "B01234X2"):
        assert user_id in listing
    assert "Delegated Administrator" in listing and "BNK99901" not in listing
    assert listing.endswith(
        "MAX. NO. OF USERS : 20\n"
        "TOTAL NO. OF USERS : 4\n"
        "TOTAL NO. OF DELEGATED ADMINISTRATORS : 2\n"
        "TOTAL NO. OF USERS EXCEPT DELEGATED ADMINISTRATORS : 2\n"
        "*** END OF REPORT ***\n")
    assert own[ReportKind.USER_PROFILE_LISTING].size == len(listing.encode())

    maintenance = read(own[ReportKind.USER_MAINTENANCE])
    request_line = next(line for line in maintenance.splitlines() if "B0123405" in line)
    # (Its "Made at" is the real time: the model's default holds the unpatched clock.)
    for value in ("Create User Profile", "B01234X1", "B01234X2", "Authorised",
                  f"{DAY_TEXT} 10:05:00"):
        assert value in request_line
    assert "TOTAL NO. OF MAINTENANCE REQUESTS : 1" in maintenance
    event_line = next(line for line in maintenance.splitlines() if "PROFILE_CREATED" in line)
    assert "B0123405" in event_line and "B01234X2" in event_line
    assert "TOTAL NO. OF PROFILE EVENTS : 1" in maintenance  # not the bank's email change
    assert "PROFILE_CHANGED" in read(OvernightReport.objects.get(
        participant=bank, kind=ReportKind.USER_MAINTENANCE))
    assert maintenance.endswith("*** END OF REPORT ***\n")

    logins = read(own[ReportKind.LOGIN_ACTIVITY])
    rows = [line for line in logins.splitlines() if "LOGIN_SUCCESS" in line]
    assert [row.split()[:3] for row in rows] == [
        [DAY_TEXT, "10:00:00", "B01234X1"],  # the maker's DMS login
        [DAY_TEXT, "11:00:00", "B0123401"],
    ]
    assert "BNK99901" not in logins  # another participant's user
    assert "TOTAL NO. OF SUCCESSFUL LOGINS : 2" in logins
    assert logins.endswith("*** END OF REPORT ***\n")
    assert "BNK99901" in read(OvernightReport.objects.get(
        participant=bank, kind=ReportKind.LOGIN_ACTIVITY))


def test_a_user_downloads_their_own_participants_reports(client, people, bank, at):
    at(22)
    write_overnight_reports.delay()
    at(9, day=DAY + dt.timedelta(days=1))
    terminal_login(client, people["user"], function="overnight")
    page = client.get("/home/").text
    assert "Overnight Report Download" in page and DAY_TEXT in page
    listing = OvernightReport.objects.get(participant=people["user"].participant,
                                          kind=ReportKind.USER_PROFILE_LISTING)
    assert f'href="/reports/{listing.pk}/"' in page
    assert "User Profile Listing" in page and "Login Activity Report" in page
    assert page.count('href="/reports/') == 3  # the bank's are not offered

    response = client.get(f"/reports/{listing.pk}/")
    assert response.status_code == 200
    assert response["Content-Disposition"] == (
        'attachment; filename="B01234_20261124_user_profile_listing.txt"')
    assert "no-store" in response["Cache-Control"]
    assert b"".join(response.streaming_content).decode() == read(listing)


def test_another_participants_report_is_not_found_even_by_its_address(client, people, bank, at):
    at(22)
    write_overnight_reports.delay()
    at(9, day=DAY + dt.timedelta(days=1))
    theirs = OvernightReport.objects.filter(participant=bank).first()
    terminal_login(client, people["user"], function="overnight")
    assert client.get(f"/reports/{theirs.pk}/").status_code == 404
    assert client.get("/reports/999999/").status_code == 404
    # Nor one's own after "Login with OTP - Online Functions".
    own = OvernightReport.objects.filter(participant=people["user"].participant).first()
    assert client.get(f"/reports/{own.pk}/").status_code == 200
    client.post("/logout/")
    terminal_login(client, people["user"], function="online", again=True)
    assert client.get(f"/reports/{own.pk}/").status_code == 404


def test_a_rerun_replaces_the_reports_never_duplicates_them(
    client, people, bank, at, report_dir
):
    at(22)
    write_overnight_reports.delay()
    before = {r.pk: r.generated_at for r in OvernightReport.objects.all()}
    at(23)
    terminal_login(client, people["user"])  # activity after the first run
    at(23, 30)
    write_overnight_reports.delay()

    after = OvernightReport.objects.all()
    assert {r.pk for r in after} == set(before) and len(after) == 6
    assert len(files(report_dir)) == 6
    logins = OvernightReport.objects.get(participant=people["user"].participant,
                                         kind=ReportKind.LOGIN_ACTIVITY)
    assert logins.generated_at > before[logins.pk]
    content = read(logins)
    assert "B0123401" in content and "TOTAL NO. OF SUCCESSFUL LOGINS : 1" in content
    assert logins.size == len(content.encode())
    assert "RUN AT : 24-Nov-2026 23:30:00 HKT" in content


def test_hkex_staff_run_the_job_for_a_date(people, bank, at, report_dir, capsys):
    at(9, day=DAY + dt.timedelta(days=2))
    call_command("overnight_reports", "--date", "2026-11-20")
    assert "Wrote 6 overnight reports for 20-Nov-2026." in capsys.readouterr().out
    assert set(OvernightReport.objects.values_list("business_date", flat=True)) == {
        dt.date(2026, 11, 20)}
    call_command("overnight_reports", "--date", "2026-11-20", "--participant", "bnk999")
    assert OvernightReport.objects.count() == 6 and len(files(report_dir)) == 6

    with pytest.raises(CommandError, match="is not a business day"):
        call_command("overnight_reports", "--date", "2026-12-25")  # Christmas Day
    with pytest.raises(CommandError, match="is not a business day"):
        call_command("overnight_reports", "--date", "2026-11-22")  # a Sunday
    with pytest.raises(CommandError, match="not a date as YYYY-MM-DD"):
        call_command("overnight_reports", "--date", "20-11-2026")
    with pytest.raises(CommandError, match="Unknown participant ID: NOPE"):
        call_command("overnight_reports", "--date", "2026-11-20", "--participant", "NOPE")
    assert OvernightReport.objects.count() == 6


def test_the_job_runs_each_business_night_and_not_on_a_public_holiday(people, at):
    entry = next(e for e in django_settings.CELERY_BEAT_SCHEDULE.values()
                 if e["task"] == "terminal.write_overnight_reports")
    assert entry["schedule"] == crontab(hour=22, minute=0, day_of_week="mon-fri")
    at(22, day=dt.date(2026, 12, 25))  # Christmas Day, a Friday
    write_overnight_reports.delay()
    assert not OvernightReport.objects.exists()


def fake_report(participant, day, kind=ReportKind.LOGIN_ACTIVITY):
    return OvernightReport.objects.create(participant=participant, business_date=day, kind=kind,
                                          file_name=f"x/{day}/{kind}.txt", size=1)


def test_only_the_last_30_business_days_are_listed(
    client, people, at, django_assert_max_num_queries
):
    participant = people["user"].participant
    at(23)  # after the night's run: the 30 business days up to today
    days = reports.recent_business_days(31, today=DAY)
    assert days[0] == DAY and dt.date(2026, 11, 22) not in days  # newest first, no Sunday
    for day in days:
        fake_report(participant, day)
    terminal_login(client, people["user"], function="overnight")
    with django_assert_max_num_queries(15):
        page = client.get("/home/").text
    shown = [day for day in days if f"{day:%d-%b-%Y}" in page]
    assert shown == days[:30]
    assert page.index(f"{days[0]:%d-%b-%Y}") < page.index(f"{days[29]:%d-%b-%Y}")
    oldest = OvernightReport.objects.get(business_date=days[30])
    assert client.get(f"/reports/{oldest.pk}/").status_code == 404
    assert [d.business_date for d in selectors.report_days(participant, today=DAY)] == days[:30]


def test_the_report_page_takes_the_same_queries_whatever_the_number_of_days(
    client, people, at, django_assert_max_num_queries
):
    participant = people["user"].participant
    at(9, day=DAY + dt.timedelta(days=1))
    fake_report(participant, DAY)
    terminal_login(client, people["user"], function="overnight")
    client.get("/home/")
    with django_assert_max_num_queries(15) as one_day:
        client.get("/home/")
    for day in reports.recent_business_days(30, today=DAY)[1:]:
        for kind in ReportKind.values:
            fake_report(participant, day, kind)
    with django_assert_max_num_queries(len(one_day.captured_queries)):
        client.get("/home/")


def test_no_reports_are_offered_during_a_connectivity_test(client, people, at):
    at(22)
    write_overnight_reports.delay()
    at(9, day=DAY + dt.timedelta(days=1))
    own = OvernightReport.objects.filter(participant=people["user"].participant).first()
    terminal_login(client, people["user"], function="overnight")
    ConnectivityTestWindow.objects.create(
        starts_at=dt.datetime(2026, 11, 25, 8, tzinfo=HKT),
        ends_at=dt.datetime(2026, 11, 25, 10, tzinfo=HKT))
    page = client.get("/home/").text
    assert "Function not available" in page and 'href="/reports/' not in page
    response = client.get(f"/reports/{own.pk}/")
    assert response.status_code == 302 and response.url == "/home/"


def test_a_smartcard_logon_offers_the_menu_and_the_reports(client, participant, at):
    """"Login with Smartcard - Online Functions and Overnight Report Download" (SPEC L10)."""
    at(23)
    card_holder = make_user(participant, "B0123401", smartcard_srn=smartcard.SRN,
                            smartcard_password=make_password(smartcard.PIN))
    smartcard.arrangement(-10, 10)
    fake_report(participant, DAY)
    assert smartcard.logon(client).url == "/home/"
    page = client.get("/home/").text
    assert "Online Functions" in page and "Overnight Report Download" in page
    report = OvernightReport.objects.get()
    assert f'href="/reports/{report.pk}/"' in page
    assert card_holder.username in page
