#!/usr/bin/env python
"""Benchmark of the DMS listings over 5,000 profiles (README "Performance").

Run from the project:  .venv/bin/python scripts/benchmark.py [--requests 20] [--profiles 5000]
                       .venv/bin/python scripts/benchmark.py --gunicorn [...]

It builds a throwaway SQLite database in a temporary directory (your own database is never
touched), migrates it, creates a participant with 3 DAs and ``--profiles`` end users, logs the
DA maker in through Django's test Client (a session verified by both factors, as after the
OTP step) and times ``--requests`` GETs of each listing, in-process (no network, no server).
It prints a Markdown table: median and 95th percentile in milliseconds, SQL queries a request.

With ``--gunicorn`` (issue 10) the same pages are served by gunicorn (2 sync workers, production
settings) from a throwaway PostgreSQL database ``bench_dms`` on 127.0.0.1:5432 (dropped at the
end), and timed over HTTP from this process, the session made in-process as above. The SQL
queries are still counted in-process, on the same database.

As in tests/dms/test_performance.py, the end users get synthetic unique 8-character IDs
(T0000001...): one User ID prefix has only 1,268 valid end-user IDs (SPEC P4), and the
listings do not check the shape of the IDs they read.
"""

import argparse
import http.client
import os
import platform
import signal
import socket
import sqlite3
import statistics
import subprocess
import sys
import tempfile
import time
import warnings
from pathlib import Path

BASE_DIR = Path(__file__).resolve().parent.parent

#: (name, URL, how many times the page shows something once a profile, what it shows once).
PAGES = [
    ("User Profile Listing", "/dms/listing/", "<tr>", "TOTAL NO. OF USERS : {total}\n"),
    ("Enquire User Profile - List",
     "/dms/profiles/enquire/?list=1&search_by=user_id&search_filter=",
     'href="/dms/profiles/enquire/', "</table>"),
    ("User Profile Listing - Download (CSV)", "/dms/listing.csv", "@abc-securities.example",
     "TOTAL NO. OF USERS,{total}\r\n"),
]


PG_DB = "bench_dms"


def configure(database_url: str) -> None:
    """Production-like settings on a throwaway database; set before Django reads them."""
    os.environ["DJANGO_SETTINGS_MODULE"] = "ccass_portal.settings"
    os.environ.setdefault("SECRET_KEY", "benchmark-only")
    os.environ["ALLOWED_HOSTS"] = "testserver,127.0.0.1"  # the test Client's host, gunicorn's
    os.environ["DATABASE_URL"] = database_url
    os.environ["SESSION_COOKIE_SECURE"] = "0"
    os.environ["CSRF_COOKIE_SECURE"] = "0"
    # Whatever a local .env says, no broker, no mail server, no debug, quiet logs.
    os.environ["DEBUG"] = "0"
    os.environ["REDIS_URL"] = ""
    os.environ["EMAIL_HOST"] = ""
    os.environ["CCASS_ENFORCE_OPERATION_HOURS"] = "0"  # any time of day
    os.environ["LOG_LEVEL"] = "WARNING"
    sys.path.insert(0, str(BASE_DIR))
    warnings.filterwarnings("ignore", message="No directory at")

    import django

    django.setup()


def build(profiles: int):
    """The participant, its 3 DAs and ``profiles`` end users; returns the DA maker."""
    from django.contrib.auth.hashers import make_password
    from django.core.management import call_command
    from django_otp.plugins.otp_totp.models import TOTPDevice

    from accounts.models import DARole, Participant, ParticipantKind, User

    call_command("migrate", verbosity=0)
    participant = Participant.objects.create(
        kind=ParticipantKind.HKSCC_CP, participant_id="B01234", name="ABC SECURITIES",
        user_id_prefix="B01234", max_users=profiles + 1000,
    )
    unusable = make_password(None)
    das = {}
    for user_id, role in (("B01234X1", DARole.MAKER), ("B01234X2", DARole.CHECKER),
                          ("B01234X3", DARole.CHECKER)):
        da = User(username=user_id, participant=participant, da_role=role, surname="CHAN",
                  other_names="Tai Man", email=f"{user_id.lower()}@abc-securities.example",
                  password=unusable)
        da.full_clean(exclude=["password"])
        da.save()
        TOTPDevice.objects.create(user=da, name="ForgeRock Authenticator (OATH)",
                                  confirmed=True)
        das[user_id] = da
    User.objects.bulk_create(
        [
            User(username=f"T{n:07d}", participant=participant, surname="TSANG",
                 other_names=f"Profile {n}", email=f"t{n:07d}@abc-securities.example",
                 password=unusable)
            for n in range(1, profiles + 1)
        ],
        batch_size=1000,
    )
    return das["B01234X1"]


def logged_in_client(user):
    """A test Client whose session is logged in with both factors, at DMS."""
    from django.test import Client
    from django_otp import DEVICE_ID_SESSION_KEY
    from django_otp.plugins.otp_totp.models import TOTPDevice

    from accounts.journey import LOGIN_AT_KEY, Portal

    client = Client()
    client.force_login(user)
    session = client.session
    session[DEVICE_ID_SESSION_KEY] = TOTPDevice.objects.get(user=user).persistent_id
    session["ccass_portal"] = Portal.DMS
    session[LOGIN_AT_KEY] = time.time()
    session.save()
    return client


def measure(client, page, requests: int, total: int):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    _name, url, per_row, once = page
    response = client.get(url)  # warm-up, not timed; and a check that the page is complete
    body = response.content.decode()
    if response.status_code != 200 or body.count(per_row) < total or \
            once.format(total=total) not in body:
        raise SystemExit(f"{url}: not the page expected (status {response.status_code})")
    timings, queries = [], set()
    for _ in range(requests):
        with CaptureQueriesContext(connection) as captured:
            start = time.perf_counter()
            response = client.get(url)
            timings.append((time.perf_counter() - start) * 1000)
        queries.add(len(captured))
        if response.status_code != 200:
            raise SystemExit(f"{url}: status {response.status_code}")
    p95 = statistics.quantiles(timings, n=20, method="inclusive")[18]
    return {"median": statistics.median(timings), "p95": p95, "queries": queries,
            "kb": len(response.content) / 1024}


def measure_http(port: int, cookie: str, page, requests: int, total: int):
    """As :func:`measure`, over HTTP from this process to gunicorn (one kept-alive connection
    per request, as a browser's page load)."""
    _name, url, per_row, once = page
    timings = []
    body = b""
    for i in range(requests + 1):
        conn = http.client.HTTPConnection("127.0.0.1", port, timeout=60)
        start = time.perf_counter()
        conn.request("GET", url, headers={"Cookie": cookie, "Host": "127.0.0.1"})
        response = conn.getresponse()
        body = response.read()
        elapsed = (time.perf_counter() - start) * 1000
        conn.close()
        if response.status != 200:
            raise SystemExit(f"{url}: status {response.status} from gunicorn")
        if i == 0:  # warm-up, not timed; and a check that the page is complete
            text = body.decode()
            if text.count(per_row) < total or once.format(total=total) not in text:
                raise SystemExit(f"{url}: not the page expected from gunicorn")
            continue
        timings.append(elapsed)
    p95 = statistics.quantiles(timings, n=20, method="inclusive")[18]
    return {"median": statistics.median(timings), "p95": p95, "kb": len(body) / 1024}


def serve(port: int) -> subprocess.Popen:
    server = subprocess.Popen(  # noqa: S603
        [str(BASE_DIR / ".venv/bin/gunicorn"), "ccass_portal.wsgi:application",
         "--bind", f"127.0.0.1:{port}", "--workers", "2", "--worker-class", "sync"],
        env={**os.environ, "PYTHONPATH": str(BASE_DIR)}, cwd=BASE_DIR,
        stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    for _ in range(100):
        try:
            socket.create_connection(("127.0.0.1", port), timeout=1).close()
            return server
        except OSError:
            time.sleep(0.1)
    server.kill()
    raise SystemExit("gunicorn did not start")


def main_gunicorn(args) -> None:
    sys.path.insert(0, str(Path(__file__).resolve().parent))
    from bench_login import PG, free_port, psql  # the login benchmark's PostgreSQL helpers

    psql(f"DROP DATABASE IF EXISTS {PG_DB}")
    psql(f"CREATE DATABASE {PG_DB}")
    try:
        configure(f"{PG}/{PG_DB}")
        from django.conf import settings
        from django.core.management import call_command

        call_command("collectstatic", interactive=False, verbosity=0)  # DEBUG off: manifest
        maker = build(args.profiles)
        client = logged_in_client(maker)
        total = args.profiles + 3
        queries = {page[1]: measure(client, page, 3, total)["queries"] for page in PAGES}
        name = settings.SESSION_COOKIE_NAME
        cookie = f"{name}={client.cookies[name].value}"
        port = free_port()
        server = serve(port)
        try:
            rows = [(page[0], page[1], measure_http(port, cookie, page, args.requests, total))
                    for page in PAGES]
        finally:
            server.send_signal(signal.SIGTERM)
            server.wait(timeout=30)
        from django.db import connection

        version = connection.cursor().connection.info.server_version
        connection.close()
    finally:
        psql(f"DROP DATABASE IF EXISTS {PG_DB}")
    print(f"DMS listings, {total:,} live profiles, {args.requests} timed requests each after "
          f"one warm-up; gunicorn 2 sync workers, DEBUG off, PostgreSQL {version // 10000}, "
          f"over HTTP on 127.0.0.1; {platform.machine()} x {os.cpu_count()} CPUs.")
    print()
    print("| Page | URL | median ms | p95 ms | SQL queries / request | response KB |")
    print("|---|---|---:|---:|---:|---:|")
    for name, url, r in rows:
        count = "/".join(str(q) for q in sorted(queries[url]))
        print(f"| {name} | `{url}` | {r['median']:.1f} | {r['p95']:.1f} | {count} | "
              f"{r['kb']:.0f} |")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--requests", type=int, default=20, help="timed GETs a page (20)")
    parser.add_argument("--profiles", type=int, default=5000, help="end users (5000)")
    parser.add_argument("--gunicorn", action="store_true",
                        help="serve with gunicorn from PostgreSQL, time over HTTP")
    args = parser.parse_args()
    if args.gunicorn:
        main_gunicorn(args)
        return

    with tempfile.TemporaryDirectory(prefix="ccass-benchmark-") as tmp:
        configure(f"sqlite:///{Path(tmp) / 'benchmark.sqlite3'}")
        from django.conf import settings
        from django.test.utils import override_settings

        # No collectstatic manifest in a throwaway run: plain static file names.
        storages = {**settings.STORAGES, "staticfiles": {
            "BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"}}
        with override_settings(STORAGES=storages):
            started = time.perf_counter()
            maker = build(args.profiles)
            built = time.perf_counter() - started
            client = logged_in_client(maker)
            total = args.profiles + 3
            rows = [(page[0], page[1], measure(client, page, args.requests, total))
                    for page in PAGES]

        import django

        print(f"DMS listings, {total:,} live profiles (3 DAs + {args.profiles:,} end users), "
              f"{args.requests} timed requests each after one warm-up; in-process Django test "
              f"Client, DEBUG off, SQLite {sqlite3.sqlite_version} (temporary file); "
              f"Python {platform.python_version()}, Django {django.get_version()}, "
              f"{platform.machine()} x {os.cpu_count()} CPUs; set-up {built:.1f} s.")
        print()
        print("| Page | URL | median ms | p95 ms | SQL queries / request | response KB |")
        print("|---|---|---:|---:|---:|---:|")
        for name, url, r in rows:
            queries = "/".join(str(q) for q in sorted(r["queries"]))
            print(f"| {name} | `{url}` | {r['median']:.1f} | {r['p95']:.1f} | {queries} | "
                  f"{r['kb']:.0f} |")


if __name__ == "__main__":
    main()
