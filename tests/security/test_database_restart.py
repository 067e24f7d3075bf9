"""Issue 10: PostgreSQL restarts under login traffic; nobody sees a 500, nothing is half-done.

The test starts its own throwaway PostgreSQL from Debian's binaries (``initdb`` into a
temporary folder, ``pg_ctl`` on port 55433 with its socket there, trust auth; the machine's
server on 5432 is never touched), migrates a database in it, creates users that each have a
password and an authenticator app (as ``scripts/bench_login.py`` does), and starts gunicorn
(2 sync workers, production settings: DEBUG off, persistent connections with health checks as
in production, eager Celery). A few threads log in over HTTP the whole way (the login page,
"LOG IN", the app code, the page after login), each a fresh user, and answer a 503 as a person
does: they press the button again a moment later. Meanwhile the server stops (``-m fast``: the
open connections are cut) and starts again after 2 s.

It asserts what a person and an auditor would see: every answer is a 200, a 302 or the
portal's 503 page with ``Retry-After`` (never a 500); full logins succeed again within
seconds of the server being back; every user's LOGIN_SUCCESS records match their logged-in
sessions one for one (no login half-done, none counted twice); nobody has a counted failure;
and ``manage.py verify_audit_chain`` finds the chain intact. Every process it starts is
stopped by PID at the end, also when an assertion fails.
"""

import glob
import http.client
import json
import os
import re
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path
from urllib.parse import urlencode, urlsplit

import pytest
from django_otp.oath import TOTP

from tests.conftest import POSTGRES_SERVER
from tests.helpers import free_port, stop

pytestmark = [pytest.mark.postgres, pytest.mark.postgres_server]

PROJECT = Path(__file__).resolve().parents[2]
LOOPBACK = "127.0.0.1"
PG_PORT = 55433  # the throwaway server's own port: never the machine's 5432
DATABASE = "portal"
PASSWORD = "Restart-Login9Password!"  # noqa: S105 - a throwaway user's password
USERS = 200
CLIENTS = 4
BEFORE_SECONDS = 3  # traffic before the server stops
DOWN_SECONDS = 2  # the server is down this long (connections refused)
AFTER_SECONDS = 6  # traffic after it is back
RECOVERY_LIMIT = 10  # a whole login succeeds again within this many seconds
UNAVAILABLE = "The portal is temporarily unavailable"

# Migrate, collect static files (DEBUG off serves them from the manifest) and create the users
# with their app devices: prints [User ID, TOTP key hex] pairs as JSON on its last line.
PREPARE = f"""
import json
import django
django.setup()
from django.core.management import call_command
call_command("migrate", interactive=False, verbosity=0)
call_command("collectstatic", interactive=False, verbosity=0)
from django.contrib.auth.hashers import make_password
from django.utils import timezone
from django_otp.plugins.otp_totp.models import TOTPDevice
from accounts.models import Participant, ParticipantKind, User

participant = Participant.objects.create(
    kind=ParticipantKind.HKSCC_CP, participant_id="B09999", name="RESTART SECURITIES",
    user_id_prefix="B09999", max_users={USERS + 10})
hashed, now = make_password({PASSWORD!r}), timezone.now()
made = User.objects.bulk_create([
    User(username=f"T{{i:07d}}", participant=participant, password=hashed,
         password_set_at=now, surname="RESTART", other_names=f"User {{i}}",
         email=f"t{{i:07d}}@restart.example")
    for i in range({USERS})])
devices = TOTPDevice.objects.bulk_create([
    TOTPDevice(user=u, name="ForgeRock Authenticator (OATH)", confirmed=True) for u in made])
print(json.dumps([[u.username, d.key] for u, d in zip(made, devices, strict=True)]))
"""

# What the database holds afterwards, per user: LOGIN_SUCCESS records, logged-in sessions,
# lock and OTP streak; and the counted failures and events of everyone.
INSPECT = """
import json
from collections import Counter
import django
django.setup()
from django.contrib.sessions.models import Session
from accounts.models import AuditRecord, LoginFailure, User

sessions = Counter(s.get_decoded().get("_auth_user_id") for s in Session.objects.all())
successes = Counter(str(pk) for pk in AuditRecord.objects.filter(
    event="LOGIN_SUCCESS").values_list("subject_id", flat=True))
print(json.dumps({
    "users": {u.username: {"successes": successes[str(u.pk)], "sessions": sessions[str(u.pk)],
                           "locked": u.is_locked, "streak": u.otp_failure_streak}
              for u in User.objects.all()},
    "login_failures": LoginFailure.objects.count(),
    "events": Counter(AuditRecord.objects.values_list("event", flat=True)),
}))
"""


# --- the throwaway PostgreSQL ------------------------------------------------------------------


def postgres_bin() -> Path:
    found = sorted(glob.glob(POSTGRES_SERVER), key=lambda p: int(Path(p).parts[-3]))
    assert found, f"no PostgreSQL server binaries at {POSTGRES_SERVER}"
    return Path(found[-1]).parent


def port_in_use(port: int) -> bool:
    with socket.socket() as probe:
        return probe.connect_ex((LOOPBACK, port)) == 0


class ThrowawayPostgres:
    """A PostgreSQL cluster in a temporary folder, run as the ``postgres`` account (initdb and
    pg_ctl refuse root). Stopped with pg_ctl, and by the postmaster's PID if that fails."""

    def __init__(self):
        self.bin = postgres_bin()
        # Short path: the server's Unix socket lives here too (sun_path is 107 bytes).
        self.root = Path(tempfile.mkdtemp(prefix="pgrestart-"))
        self.data, self.log = self.root / "data", self.root / "server.log"
        self.as_owner = []
        if os.geteuid() == 0:
            shutil.chown(self.root, user="postgres", group="postgres")
            self.as_owner = ["runuser", "-u", "postgres", "--"]

    def _run(self, *args, timeout=60):
        return subprocess.run(  # noqa: S603 - fixed local binaries, no shell
            [*self.as_owner, *args], check=True, capture_output=True, text=True,
            timeout=timeout)

    def init(self):
        self._run(str(self.bin / "initdb"), "-D", str(self.data), "-U", "postgres",
                  "--auth=trust", "--encoding=UTF8", "--locale=C", "--no-sync",
                  "--no-instructions")

    def start(self):
        # fsync off: durability of a throwaway cluster does not matter; the restart does.
        options = (f"-p {PG_PORT} -k {self.root} -c listen_addresses={LOOPBACK} "
                   "-c fsync=off -c max_connections=40")
        self._run(str(self.bin / "pg_ctl"), "-D", str(self.data), "-l", str(self.log), "-w",
                  "-t", "30", "-o", options, "start")

    def stop(self, mode="fast"):
        self._run(str(self.bin / "pg_ctl"), "-D", str(self.data), "-m", mode, "-w", "-t", "30",
                  "stop")

    def pid(self) -> int | None:
        try:
            return int((self.data / "postmaster.pid").read_text().split()[0])
        except (OSError, ValueError, IndexError):
            return None

    def destroy(self):
        """Stop the server whatever state it is in, then remove the cluster's folder."""
        if (pid := self.pid()) is not None:
            try:
                self.stop(mode="immediate")
            except (subprocess.SubprocessError, OSError):
                try:  # the postmaster by its PID; it ends its backends itself
                    os.kill(pid, signal.SIGQUIT)
                    time.sleep(2)
                    os.kill(pid, signal.SIGKILL)
                except ProcessLookupError:
                    pass
        shutil.rmtree(self.root, ignore_errors=True)


# --- the portal ----------------------------------------------------------------------------


def portal_environment(tmp: Path) -> dict:
    (tmp / "restart_settings.py").write_text(
        "from ccass_portal.settings import *  # noqa: F403\n"
        f"STATIC_ROOT = {str(tmp / 'static')!r}\n"
    )
    return {
        **{k: v for k, v in os.environ.items()
           if not k.startswith(("EMAIL_", "DJANGO_", "CONN_"))},
        "DJANGO_SETTINGS_MODULE": "restart_settings",
        "PYTHONPATH": os.pathsep.join([str(tmp), str(PROJECT)]),
        "DATABASE_URL": f"postgres://postgres@{LOOPBACK}:{PG_PORT}/{DATABASE}",
        "REDIS_URL": "",  # eager Celery: these users have apps, nobody is mailed
        "SECRET_KEY": "database-restart-test-only",
        "DEBUG": "0",
        "ALLOWED_HOSTS": LOOPBACK,
        # Plain HTTP on loopback: cookies marked Secure would never come back.
        "SESSION_COOKIE_SECURE": "0",
        "CSRF_COOKIE_SECURE": "0",
        "SECURE_HSTS_SECONDS": "0",
        "SECURE_SSL_REDIRECT": "0",
        "CCASS_ENFORCE_OPERATION_HOURS": "0",
        "LOG_LEVEL": "WARNING",
    }


def python(code: str, environment: dict) -> str:
    done = subprocess.run(  # noqa: S603 - this interpreter, our own code
        [sys.executable, "-c", code], cwd=PROJECT, env=environment, capture_output=True,
        text=True, timeout=180)
    assert done.returncode == 0, done.stderr[-3000:]
    return done.stdout.strip().splitlines()[-1]


@pytest.fixture
def portal(tmp_path):
    """The throwaway server with a migrated database and users, and gunicorn in front."""
    assert not port_in_use(PG_PORT), f"port {PG_PORT} is taken: is this test running already?"
    server = ThrowawayPostgres()
    gunicorn = None
    try:
        server.init()
        server.start()
        subprocess.run(["createdb", "-h", LOOPBACK, "-p", str(PG_PORT), "-U", "postgres",  # noqa: S603,S607
                        DATABASE], check=True, capture_output=True, timeout=30)
        environment = portal_environment(tmp_path)
        users = json.loads(python(PREPARE, environment))
        port, log = free_port(), tmp_path / "gunicorn.log"
        gunicorn = subprocess.Popen(  # noqa: S603
            [sys.executable, "-m", "gunicorn", "ccass_portal.wsgi:application",
             "--bind", f"{LOOPBACK}:{port}", "--workers", "2", "--worker-class", "sync",
             "--timeout", "60", "--no-control-socket", "--error-logfile", str(log),
             "--capture-output"],
            cwd=PROJECT, env=environment, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        deadline = time.monotonic() + 60
        while not port_in_use(port):
            assert gunicorn.poll() is None, log.read_text()[-3000:]
            assert time.monotonic() < deadline, "gunicorn did not start within 60 s"
            time.sleep(0.1)
        yield server, port, users, environment, log
    finally:
        if gunicorn is not None:
            stop(gunicorn)
        server.destroy()


# --- a person logging in ---------------------------------------------------------------------


class Traffic:
    """Every answer the clients got: (started, ended, step, status, detail)."""

    def __init__(self):
        self.lock = threading.Lock()
        self.answers = []
        self.logins = []  # (user, LOG IN answered at, landing page answered at)
        self.wrong = []  # answers no person should see

    def note(self, started, ended, step, status, detail=""):
        with self.lock:
            self.answers.append((started, ended, step, status, detail))


def title(page: str) -> str:
    """A page's title and first heading: enough to tell which page a person saw."""
    found = re.findall(r"<(title|h1)[^>]*>(.*?)</\1>", page, re.S)
    return " / ".join(" ".join(text.split()) for _, text in found) or page[:200]


class Person:
    """One person's cookies; a 503 is answered by pressing the button again shortly after."""

    def __init__(self, port: int, traffic: Traffic, user_id: str, key: str):
        self.port, self.traffic, self.user_id, self.key = port, traffic, user_id, key
        self.cookies: dict[str, str] = {}

    def request(self, step, method, path, data=None):
        while True:
            started = time.monotonic()
            conn = http.client.HTTPConnection(LOOPBACK, self.port, timeout=30)
            headers = {"Cookie": "; ".join(f"{k}={v}" for k, v in self.cookies.items())}
            body = None
            if data is not None:
                token = {"csrfmiddlewaretoken": self.cookies.get("csrftoken", "")}
                body = urlencode({**data, **token})
                headers["Content-Type"] = "application/x-www-form-urlencoded"
            try:
                conn.request(method, path, body=body, headers=headers)
                response = conn.getresponse()
                page = response.read().decode()
            finally:
                conn.close()
            for name, value in response.getheaders():
                if name.lower() == "set-cookie":
                    cookie, _, rest = value.partition("=")
                    self.cookies[cookie] = rest.split(";", 1)[0]
            location = urlsplit(response.getheader("Location", "")).path
            status = response.status
            self.traffic.note(started, time.monotonic(), step, status, location)
            if status not in (200, 302, 503):
                self.traffic.wrong.append((step, status, title(page)))
            if status == 503:
                if response.getheader("Retry-After") != "30" or UNAVAILABLE not in page:
                    self.traffic.wrong.append((step, "503 without the portal's page", title(page)))
                time.sleep(0.3)
                continue
            return status, location, page

    def code(self, steps_ahead: int) -> str:
        totp = TOTP(bytes.fromhex(self.key))
        totp.time = totp.time + 30 * steps_ahead
        return f"{totp.token():06d}"

    def login(self, deadline: float) -> bool:
        """The whole login; started again (with the app's next code, since a code is accepted
        once) when an interrupted OTP step finds its half-login over. True once landed."""
        for attempt in range(2):  # the app accepts the next 30 s step's code, not later ones
            if time.monotonic() > deadline:
                return False
            status, _, _ = self.request("page", "GET", "/login/")
            if status != 200:
                self.traffic.wrong.append(("page", status, ""))
                return False
            status, location, page = self.request("LOG IN", "POST", "/login/", {
                "user_id": self.user_id, "password": PASSWORD, "function": "online"})
            if (status, location) != (302, "/login/otp/"):
                self.traffic.wrong.append(("LOG IN", status, location or title(page)))
                return False
            logged_in_at = time.monotonic()
            status, location, page = self.request("app code", "POST", "/login/otp/",
                                                  {"otp": self.code(attempt)})
            if (status, location) == (302, "/login/"):
                continue  # the half-login ended while the database went away: start again
            if (status, location) != (302, "/home/"):
                self.traffic.wrong.append(("app code", status, location or title(page)))
                return False
            status, _, page = self.request("landing", "GET", "/home/")
            if status != 200 or "Online Functions" not in page:
                self.traffic.wrong.append(("landing", status, title(page)))
                return False
            with self.traffic.lock:
                self.traffic.logins.append((self.user_id, logged_in_at, time.monotonic()))
            return True
        return False


def run_traffic(port, users, traffic, stop_at):
    queue, lock = iter(users), threading.Lock()

    def client():
        while time.monotonic() < stop_at:
            with lock:
                user = next(queue, None)
            if user is None:
                return
            try:
                Person(port, traffic, *user).login(stop_at + 20)
            except Exception as exc:  # noqa: BLE001 - a refused connection, a timeout: wrong
                traffic.wrong.append(("client", repr(exc), user[0]))

    threads = [threading.Thread(target=client, daemon=True) for _ in range(CLIENTS)]
    for t in threads:
        t.start()
    return threads


# --- the check -----------------------------------------------------------------------------


def test_it_survives_a_database_restart_under_login_traffic(portal):
    server, port, users, environment, log = portal
    traffic = Traffic()
    assert Person(port, traffic, *users.pop()).login(time.monotonic() + 30)  # warm-up

    began = time.monotonic()
    threads = run_traffic(port, users, traffic,
                          stop_at=began + BEFORE_SECONDS + DOWN_SECONDS + AFTER_SECONDS)
    time.sleep(BEFORE_SECONDS)
    server.stop(mode="fast")  # the open connections are cut, new ones refused
    down_at = time.monotonic()
    time.sleep(DOWN_SECONDS)
    server.start()  # -w: returns once the server accepts connections
    back_at = time.monotonic()
    for t in threads:
        t.join(timeout=AFTER_SECONDS + 60)
    assert not any(t.is_alive() for t in threads), "a client hung"

    # What the people saw: nothing but 200, 302 and, while the server was away, the portal's
    # 503 page with Retry-After; never a 500, a refused connection or an unexpected page.
    statuses = {status for *_, status, _ in traffic.answers}
    assert not traffic.wrong, (traffic.wrong[:5], log.read_text()[-2000:])
    assert statuses <= {200, 302, 503}, statuses

    # What the database holds: each user's LOGIN_SUCCESS records are their logged-in sessions,
    # one for one (no login half-done, none counted twice); nobody has a counted failure.
    state = json.loads(python(INSPECT, environment))
    landed = {user for user, *_ in traffic.logins}
    half_done = {user: row for user, row in state["users"].items()
                 if row["successes"] != row["sessions"]}
    assert not half_done, half_done
    for user in landed:
        assert state["users"][user]["successes"] == 1, (user, state["users"][user])
    assert sum(row["successes"] for row in state["users"].values()) == len(landed)
    assert not [u for u, row in state["users"].items() if row["locked"] or row["streak"]]
    assert state["login_failures"] == 0
    assert set(state["events"]) == {"LOGIN_SUCCESS"}, state["events"]

    # The audit chain is intact, checked as an operator does.
    verified = subprocess.run(  # noqa: S603
        [sys.executable, "manage.py", "verify_audit_chain"], cwd=PROJECT, env=environment,
        capture_output=True, text=True, timeout=60)
    assert verified.returncode == 0, verified.stderr
    assert f"Audit chain intact: {len(landed)} records." in verified.stdout

    # The outage was met (else the test proved nothing) and ended with the restart: whole
    # logins succeed again soon after, and nothing begun a second after it answers 503.
    assert 503 in statuses, "no request met the outage"
    assert [login for login in traffic.logins if login[2] < down_at], "no login before it"
    after = [landed for _, logged_in, landed in traffic.logins if logged_in > back_at]
    assert after, "no login succeeded after the restart"
    recovery = min(after) - back_at
    assert recovery < RECOVERY_LIMIT, f"first whole login {recovery:.1f} s after the restart"
    late = [answer for answer in traffic.answers if answer[3] == 503 and answer[0] > back_at + 1]
    assert not late, late
    print(f"{len(traffic.logins)} logins, {sum(a[3] == 503 for a in traffic.answers)} answers "
          f"503, first login {recovery:.2f} s after the restart")
