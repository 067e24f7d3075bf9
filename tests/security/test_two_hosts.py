"""Several web hosts (issue 10): two gunicorn instances behind HAProxy, no stickiness.

Every rule that decides a login lives in PostgreSQL (lockout rows, half-logins, sessions, OTP
devices) or goes through Redis (the mail queue), never in a web process's memory. So a login may
start on one host and finish on the other, and races between hosts are settled by row locks.

The servers are real processes on loopback ports: two gunicorns (production settings, DEBUG
off), HAProxy from Debian's package (round-robin, no cookies), and a Celery worker on the same
Redis that writes mail to files (the SMTP edge, replaced). They read and write the test
database, so the tests commit their data (``transaction=True``). All of them are started per
module and killed by PID at its end.
"""

import email
import http.cookiejar
import os
import re
import subprocess
import sys
import threading
import time
import urllib.error
import urllib.parse
import urllib.request
from pathlib import Path

import pytest
from django.conf import settings
from django.contrib.sessions.models import Session
from django.db import connection

from accounts.models import LoginFailure, User
from tests.conftest import STRONG_PASSWORD, make_user
from tests.helpers import OTP_EMAIL, app_code, choose_email, free_port, register_app, stop

pytestmark = [
    pytest.mark.postgres,
    pytest.mark.celery_worker,
    pytest.mark.two_hosts,
    pytest.mark.django_db(transaction=True),
]

PROJECT = Path(__file__).resolve().parents[2]
LOOPBACK = "127.0.0.1"
STARTUP_SECONDS = 60
REQUEST_SECONDS = 60
LB_MARK = "via-haproxy"  # a header HAProxy adds, written to each gunicorn's access log


# --- the servers -------------------------------------------------------------------------------


def wait_for(condition, what, timeout=STARTUP_SECONDS, processes=()):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        for proc, log in processes:
            if proc.poll() is not None:
                raise AssertionError(f"{what}: process exited ({proc.returncode}):\n"
                                     f"{Path(log).read_text()[-3000:]}")
        if condition():
            return
        time.sleep(0.1)
    raise AssertionError(f"{what}: not ready within {timeout} s")


def answers(port: int) -> bool:
    try:
        with urllib.request.urlopen(f"http://{LOOPBACK}:{port}/", timeout=2) as response:  # noqa: S310
            return response.status < 500
    except urllib.error.HTTPError as exc:
        return exc.code < 500
    except OSError:
        return False


def database_url() -> str:
    db = connection.settings_dict
    credentials = urllib.parse.quote(db["USER"] or "", safe="")
    if db["PASSWORD"]:
        credentials += ":" + urllib.parse.quote(db["PASSWORD"], safe="")
    return (f"postgres://{credentials}@{db['HOST'] or LOOPBACK}:{db['PORT'] or 5432}/"
            f"{db['NAME']}")


class Cluster:
    def __init__(self, lb_port, host_ports, access_logs, error_logs, mail_dir):
        self.lb = f"http://{LOOPBACK}:{lb_port}"
        self.hosts = {name: f"http://{LOOPBACK}:{port}" for name, port in host_ports.items()}
        self.access_logs = access_logs
        self.error_logs = error_logs
        self.mail_dir = mail_dir

    def error_log_text(self) -> str:
        return "".join(path.read_text() for path in self.error_logs.values())

    def served_via_lb(self, name) -> int:
        return sum(LB_MARK in line for line in self.access_logs[name].read_text().splitlines())

    def served_since(self, before, at_least=1) -> bool:
        """Each host's access log shows ``at_least`` more balanced requests than ``before``.

        Gunicorn writes the line after the response, so it is waited for (briefly).
        """
        deadline = time.monotonic() + 10
        while time.monotonic() < deadline:
            if all(self.served_via_lb(n) - before[n] >= at_least for n in self.hosts):
                return True
            time.sleep(0.05)
        return False


@pytest.fixture(scope="module")
def cluster(django_db_setup, tmp_path_factory):
    if connection.vendor != "postgresql" or not settings.REDIS_URL:
        pytest.skip("needs PostgreSQL and Redis")  # the markers fail it in CI instead
    tmp = tmp_path_factory.mktemp("two_hosts")
    mail_dir = tmp / "mail"
    mail_dir.mkdir()
    # Production settings as they are, but mail goes to files (the SMTP edge) and collected
    # static files stay out of the working tree.
    (tmp / "two_hosts_settings.py").write_text(
        "from ccass_portal.settings import *  # noqa: F403\n"
        "EMAIL_BACKEND = 'django.core.mail.backends.filebased.EmailBackend'\n"
        f"EMAIL_FILE_PATH = {str(mail_dir)!r}\n"
        f"STATIC_ROOT = {str(tmp / 'static')!r}\n"
    )
    environment = {
        **{k: v for k, v in os.environ.items() if not k.startswith(("EMAIL_", "DJANGO_"))},
        "DJANGO_SETTINGS_MODULE": "two_hosts_settings",
        "PYTHONPATH": os.pathsep.join([str(tmp), str(PROJECT)]),
        "DATABASE_URL": database_url(),
        "REDIS_URL": settings.REDIS_URL,
        "SECRET_KEY": settings.SECRET_KEY,  # the same on every host (and here, to read sessions)
        "DEBUG": "0",
        "ALLOWED_HOSTS": f"{LOOPBACK},localhost",
        # Plain HTTP on loopback: cookies marked Secure would never come back.
        "SESSION_COOKIE_SECURE": "0",
        "CSRF_COOKIE_SECURE": "0",
        "SECURE_HSTS_SECONDS": "0",
        "SECURE_SSL_REDIRECT": "0",
        "CCASS_ENFORCE_OPERATION_HOURS": "0",
        "LOG_LEVEL": "WARNING",
        # gunicorn's own access log (which host served what) is the test's evidence; in JSON
        # mode gunicorn.conf.py leaves it out (the portal's request line replaces it).
        "LOG_FORMAT": "console",
    }
    subprocess.run(  # noqa: S603
        [sys.executable, "manage.py", "collectstatic", "--noinput", "-v", "0"],
        cwd=PROJECT, env=environment, check=True, timeout=STARTUP_SECONDS,
    )

    processes = []
    try:
        host_ports = {"a": free_port(), "b": free_port()}
        access_logs, error_logs = {}, {}
        for name, port in host_ports.items():
            access_logs[name] = tmp / f"access-{name}.log"
            log = error_logs[name] = tmp / f"gunicorn-{name}.log"
            proc = subprocess.Popen(  # noqa: S603
                [sys.executable, "-m", "gunicorn", "ccass_portal.wsgi:application",
                 "--bind", f"{LOOPBACK}:{port}", "--workers", "2", "--threads", "4",
                 "--timeout", "60", "--no-control-socket",
                 "--access-logfile", str(access_logs[name]),
                 "--access-logformat", '%({x-two-hosts}i)s "%(r)s" %(s)s',
                 "--error-logfile", str(log), "--capture-output"],
                cwd=PROJECT, env=environment, stdout=subprocess.DEVNULL,
                stderr=subprocess.DEVNULL,
            )
            processes.append(proc)
            wait_for(lambda port=port: answers(port), f"gunicorn {name}",
                     processes=[(proc, log)])

        # The worker logs through the portal's own logging (JSON lines on stderr in production,
        # issue 11), not Celery's --logfile: its output is the log.
        worker_log = tmp / "celery.log"
        worker_output = worker_log.open("w")
        worker = subprocess.Popen(  # noqa: S603
            [sys.executable, "-m", "celery", "-A", "ccass_portal", "worker", "--pool", "solo",
             "--hostname", f"two-hosts-{os.getpid()}@%h", "--without-gossip",
             "--without-mingle", "--without-heartbeat", "--loglevel", "INFO"],
            cwd=PROJECT, env={**environment, "LOG_LEVEL": "INFO"},  # its " ready." line
            stdout=worker_output, stderr=subprocess.STDOUT,
        )
        worker_output.close()
        processes.append(worker)
        worker_log.touch()
        wait_for(lambda: " ready." in worker_log.read_text(), "celery worker",
                 processes=[(worker, worker_log)])

        lb_port = free_port()
        config = tmp / "haproxy.cfg"
        config.write_text(
            "defaults\n"
            "    mode http\n"
            "    timeout connect 5s\n"
            "    timeout client 60s\n"
            "    timeout server 60s\n"
            "frontend portal\n"
            f"    bind {LOOPBACK}:{lb_port}\n"
            "    default_backend web\n"
            "backend web\n"
            "    balance roundrobin\n"  # no cookie, no stick-table: any request, any host
            f"    http-request set-header X-Two-Hosts {LB_MARK}\n"
            f"    server a {LOOPBACK}:{host_ports['a']}\n"
            f"    server b {LOOPBACK}:{host_ports['b']}\n"
        )
        haproxy_log = tmp / "haproxy.log"
        with haproxy_log.open("w") as out:
            haproxy = subprocess.Popen(  # noqa: S603
                ["/usr/sbin/haproxy", "-f", str(config), "-db"],
                stdout=out, stderr=subprocess.STDOUT,
            )
        processes.append(haproxy)
        wait_for(lambda: answers(lb_port), "haproxy", processes=[(haproxy, haproxy_log)])

        yield Cluster(lb_port, host_ports, access_logs, error_logs, mail_dir)
    finally:
        for proc in reversed(processes):
            stop(proc)


# --- a person's browser ------------------------------------------------------------------------


class _NoRedirect(urllib.request.HTTPRedirectHandler):
    def redirect_request(self, *args, **kwargs):
        return None


class Browser:
    """One person's cookie jar, used against any host (cookies do not depend on the port)."""

    def __init__(self):
        self.jar = http.cookiejar.CookieJar()
        self.opener = urllib.request.build_opener(
            urllib.request.HTTPCookieProcessor(self.jar), _NoRedirect)

    def _open(self, request):
        try:
            with self.opener.open(request, timeout=REQUEST_SECONDS) as response:
                return response.status, response.headers, response.read().decode()
        except urllib.error.HTTPError as exc:
            with exc:
                return exc.code, exc.headers, exc.read().decode()

    def get(self, url):
        return self._open(urllib.request.Request(url))  # noqa: S310 - http://127.0.0.1 only

    def post(self, url, fields):
        token = next((c.value for c in self.jar if c.name == "csrftoken"), None)
        assert token, "no csrftoken cookie: GET a form first"
        data = urllib.parse.urlencode({**fields, "csrfmiddlewaretoken": token}).encode()
        return self._open(urllib.request.Request(url, data=data, method="POST"))  # noqa: S310

    def password(self, base, user_id, password=STRONG_PASSWORD):
        """The login page, then "LOG IN" (both at ``base``)."""
        status, _, _ = self.get(f"{base}/login/")
        assert status == 200
        return self.post(f"{base}/login/", {"user_id": user_id, "password": password,
                                             "function": "online"})


def location(headers) -> str:
    return urllib.parse.urlsplit(headers["Location"]).path


def authenticated_sessions(user) -> int:
    return sum(
        s.get_decoded().get("_auth_user_id") == str(user.pk) for s in Session.objects.all()
    )


def read_mailed_code(mail_dir: Path, address: str, timeout=30) -> str:
    def code():
        for path in sorted(mail_dir.iterdir()):
            for raw in re.split(rb"\n-{79}\n", path.read_bytes()):
                if not raw.strip():
                    continue
                message = email.message_from_bytes(raw)
                if address not in (message["To"] or ""):
                    continue
                body = message.get_payload(decode=True).decode()
                if match := OTP_EMAIL.search(body):
                    return match.group(2)
        return None

    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if found := code():
            return found
        time.sleep(0.1)
    raise AssertionError(f"no OTP email to {address} within {timeout} s")


# --- the checks --------------------------------------------------------------------------------


@pytest.fixture
def end_user(participant):
    user = make_user(participant, "B0123401")
    register_app(user)
    return user


@pytest.mark.parametrize("first, second", [("a", "b"), ("b", "a")])
def test_it_finishes_on_one_host_a_login_started_on_the_other(cluster, end_user, first, second):
    browser = Browser()
    status, headers, _ = browser.password(cluster.hosts[first], "B0123401")
    assert (status, location(headers)) == (302, "/login/otp/")
    status, _, body = browser.get(f"{cluster.hosts[second]}/login/otp/")
    assert status == 200 and "ForgeRock Authenticator (OATH)" in body
    status, headers, _ = browser.post(f"{cluster.hosts[second]}/login/otp/",
                                      {"otp": app_code(end_user)})
    assert (status, location(headers)) == (302, "/home/")
    assert authenticated_sessions(end_user) == 1
    # The landing page from whichever host the balancer picks: twice, so both hosts answer.
    before = {name: cluster.served_via_lb(name) for name in cluster.hosts}
    for _ in range(2):
        status, _, body = browser.get(f"{cluster.lb}/home/")
        assert status == 200 and "Online Functions" in body
    assert cluster.served_since(before)


def test_it_counts_exactly_five_of_thirty_parallel_wrong_passwords_over_both_hosts(
    cluster, end_user
):
    browsers = [Browser() for _ in range(30)]
    for browser in browsers:  # each has its CSRF cookie before the race
        assert browser.get(f"{cluster.lb}/login/")[0] == 200
    before = {name: cluster.served_via_lb(name) for name in cluster.hosts}
    barrier = threading.Barrier(len(browsers))
    outcomes = [None] * len(browsers)

    def attempt(i):
        try:
            barrier.wait(timeout=30)
            outcomes[i] = browsers[i].post(f"{cluster.lb}/login/", {
                "user_id": "B0123401", "password": f"Wrong-Password{i:02d}!",
                "function": "online"})
        except Exception as exc:  # noqa: BLE001 - examined below
            outcomes[i] = exc

    threads = [threading.Thread(target=attempt, args=(i,)) for i in range(len(browsers))]
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=REQUEST_SECONDS * 2)
    assert not any(t.is_alive() for t in threads)
    statuses = [o[0] if isinstance(o, tuple) else repr(o) for o in outcomes]
    # Each host took part of the race.
    assert cluster.served_since(before, at_least=5)

    user = User.objects.get(pk=end_user.pk)
    assert user.is_locked
    assert LoginFailure.objects.filter(user=user).count() == 5
    assert authenticated_sessions(user) == 0
    # The right password now meets the lock on either host.
    for base in cluster.hosts.values():
        status, _, body = Browser().password(base, "B0123401")
        assert status == 200 and "locked" in body.lower()
    assert LoginFailure.objects.filter(user=user).count() == 5
    assert authenticated_sessions(user) == 0
    # Every attempt answered (no deadlock: user rows are locked FOR NO KEY UPDATE).
    assert set(statuses) == {200}, statuses


def test_it_logs_in_once_with_one_totp_code_sent_to_both_hosts_at_once(cluster, end_user):
    browsers = {name: Browser() for name in cluster.hosts}
    for name, browser in browsers.items():  # two half-logins, one on each host
        status, headers, _ = browser.password(cluster.hosts[name], "B0123401")
        assert (status, location(headers)) == (302, "/login/otp/")
    code = app_code(end_user)
    barrier = threading.Barrier(len(browsers))
    outcomes = {}

    def submit(name):
        barrier.wait(timeout=30)
        outcomes[name] = browsers[name].post(f"{cluster.hosts[name]}/login/otp/", {"otp": code})

    threads = [threading.Thread(target=submit, args=(name,)) for name in browsers]
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=REQUEST_SECONDS)
    assert not any(t.is_alive() for t in threads)

    landed = [name for name, (status, headers, _) in outcomes.items()
              if status == 302 and location(headers) == "/home/"]
    assert len(landed) == 1, outcomes
    refused = next(name for name in outcomes if name not in landed)
    status, _, body = outcomes[refused]
    assert status == 200 and "The OTP is incorrect or has expired." in body
    assert authenticated_sessions(end_user) == 1


def test_it_checks_on_one_host_an_email_otp_requested_on_the_other(cluster, participant):
    user = make_user(participant, "B0123402")
    choose_email(user)
    browser = Browser()
    status, headers, _ = browser.password(cluster.hosts["a"], "B0123402")
    assert (status, location(headers)) == (302, "/login/otp/")
    # Host A queued the mail in Redis; the worker sent it (to a file, here).
    code = read_mailed_code(cluster.mail_dir, user.email)
    status, _, body = browser.get(f"{cluster.hosts['b']}/login/otp/")
    assert status == 200 and "Please Enter Your One Time Password" in body
    status, headers, _ = browser.post(f"{cluster.hosts['b']}/login/otp/", {"otp": code})
    assert (status, location(headers)) == (302, "/home/")
    status, _, body = browser.get(f"{cluster.lb}/home/")
    assert status == 200 and "Online Functions" in body
    assert authenticated_sessions(user) == 1
