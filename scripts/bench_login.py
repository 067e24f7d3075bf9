#!/usr/bin/env python
"""Benchmark of the full 2FA login under gunicorn on PostgreSQL, beside raw Argon2 (issue 10).

Run from the project (PostgreSQL on 127.0.0.1:5432 with trust auth, as on this machine):

    .venv/bin/python scripts/bench_login.py [--clients 4] [--seconds 20] [--workers 2]

It creates a throwaway database ``bench_login`` (dropped at the end), migrates it, creates bench
users that each have a password and an authenticator app, starts gunicorn (``--workers`` sync
workers, production settings: DEBUG off, eager Celery, hours off) and runs ``--clients``
concurrent clients for ``--seconds``, each doing the whole login a person does: the login page,
"LOG IN" with the password, the app code, the page after login. Each login uses a fresh user
(an app code is accepted once). Then it runs raw Argon2 verifies at the portal's own
parameters with the same concurrency for the same time. It prints logins/s, p50/p95 latency,
failures, CPU per login split into web workers and database, SQL statements per login, and
the ratio logins/s over raw verifies/s.

All traffic goes to 127.0.0.1; every process it starts is stopped by PID at the end.
"""

import argparse
import http.client
import multiprocessing
import os
import signal
import socket
import statistics
import subprocess
import sys
import threading
import time
from pathlib import Path
from urllib.parse import urlencode

BASE_DIR = Path(__file__).resolve().parent.parent
DB = "bench_login"
PG = "postgres://postgres@127.0.0.1:5432"
PASSWORD = "Bench-Login9Password!x"  # noqa: S105 - a throwaway bench user's password


def env(port: int) -> dict:
    return {
        **os.environ,
        "DJANGO_SETTINGS_MODULE": "ccass_portal.settings",
        "SECRET_KEY": "bench-login-only",
        "DEBUG": "0",
        "DATABASE_URL": f"{PG}/{DB}",
        "REDIS_URL": "",
        "EMAIL_HOST": "",
        "CCASS_ENFORCE_OPERATION_HOURS": "0",
        "ALLOWED_HOSTS": "127.0.0.1",
        "SESSION_COOKIE_SECURE": "0",
        "CSRF_COOKIE_SECURE": "0",
        "LOG_LEVEL": "WARNING",
        "PYTHONPATH": str(BASE_DIR),
    }


def psql(sql: str) -> None:
    subprocess.run(["psql", f"{PG}/postgres", "-q", "-c", sql], check=True,  # noqa: S603,S607
                   capture_output=True)


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def prepare(users: int) -> list[tuple[str, str]]:
    """Migrate the throwaway database and create ``users`` bench users: (User ID, TOTP key)."""
    psql(f"DROP DATABASE IF EXISTS {DB}")
    psql(f"CREATE DATABASE {DB}")
    os.environ.update(env(0))
    sys.path.insert(0, str(BASE_DIR))
    import django

    django.setup()
    from django.core.management import call_command

    call_command("migrate", verbosity=0)
    # DEBUG off serves the hashed static files (whitenoise): the manifest must exist.
    call_command("collectstatic", interactive=False, verbosity=0)
    from django.contrib.auth.hashers import make_password
    from django.utils import timezone
    from django_otp.plugins.otp_totp.models import TOTPDevice

    from accounts.models import Participant, ParticipantKind, User

    participant = Participant.objects.create(
        kind=ParticipantKind.HKSCC_CP, participant_id="B09999", name="BENCH SECURITIES",
        user_id_prefix="B09999", max_users=users + 10)
    hashed, now = make_password(PASSWORD), timezone.now()
    # Synthetic unique 8-character IDs (one prefix has too few valid end-user IDs).
    made = User.objects.bulk_create([
        User(username=f"T{i:07d}", participant=participant, password=hashed,
             password_set_at=now, surname="BENCH", other_names=f"User {i}",
             email=f"t{i:07d}@bench.example")
        for i in range(users)])
    # Each bench user stands for a person who logged in on earlier days: their audit chain
    # (issue 10: one per user) exists, as it does for everyone after their first login.
    from accounts.audit import GENESIS_HASH
    from accounts.models import AuditChainHead

    AuditChainHead.objects.bulk_create([
        AuditChainHead(chain=f"user:{u.pk}", last_hash=GENESIS_HASH) for u in made])
    devices = TOTPDevice.objects.bulk_create([
        TOTPDevice(user=u, name="ForgeRock Authenticator (OATH)", confirmed=True)
        for u in made])
    return [(u.username, d.key) for u, d in zip(made, devices, strict=True)]


class Browser:
    """A cookie-keeping HTTP client for one login (the portal's cookies, plain HTTP)."""

    def __init__(self, port: int):
        self.conn = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
        self.cookies: dict[str, str] = {}

    def request(self, method: str, path: str, data: dict | None = None):
        headers = {"Cookie": "; ".join(f"{k}={v}" for k, v in self.cookies.items())}
        body = None
        if data is not None:
            body = urlencode(data)
            headers["Content-Type"] = "application/x-www-form-urlencoded"
        self.conn.request(method, path, body=body, headers=headers)
        response = self.conn.getresponse()
        content = response.read()
        for name, value in response.getheaders():
            if name.lower() == "set-cookie":
                key, _, rest = value.partition("=")
                self.cookies[key] = rest.split(";", 1)[0]
        return response.status, response.getheader("Location", ""), content

    def login(self, user_id: str, key: str) -> bool:
        from django_otp.oath import TOTP

        status, _, _ = self.request("GET", "/login/")
        token = {"csrfmiddlewaretoken": self.cookies.get("csrftoken", "")}
        status, location, _ = self.request("POST", "/login/", {
            **token, "user_id": user_id, "password": PASSWORD, "function": "online"})
        if status != 302 or not location.endswith("/login/otp/"):
            return False
        code = f"{TOTP(bytes.fromhex(key)).token():06d}"
        status, location, _ = self.request("POST", "/login/otp/", {**token, "otp": code})
        if status != 302 or not location.endswith("/home/"):
            return False
        status, _, _ = self.request("GET", "/home/")
        self.conn.close()
        return status == 200


def cpu_seconds(pids: list[int], *, reaped: bool = False) -> float:
    """User + system CPU of processes, from /proc (Linux), in seconds; with ``reaped`` also
    what their ended children used (PostgreSQL backends end with their connection)."""
    tick = os.sysconf("SC_CLK_TCK")
    total = 0
    for pid in pids:
        try:
            fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
        except OSError:
            continue
        total += int(fields[11]) + int(fields[12])  # utime, stime
        if reaped:
            total += int(fields[13]) + int(fields[14])  # cutime, cstime
    return total / tick


def children(pid: int) -> list[int]:
    out = subprocess.run(["pgrep", "-P", str(pid)], capture_output=True, text=True)  # noqa: S603,S607
    return [int(p) for p in out.stdout.split()]


def postgres_cpu() -> float:
    """CPU of the whole PostgreSQL server: the postmaster with its ended backends, and the
    live ones. Other databases' work counts too: run the benchmark on a quiet machine."""
    oldest = subprocess.run(["pgrep", "-o", "-x", "postgres"], capture_output=True,  # noqa: S603,S607
                            text=True).stdout.split()
    every = subprocess.run(["pgrep", "-x", "postgres"], capture_output=True,  # noqa: S603,S607
                           text=True).stdout.split()
    postmaster = [int(p) for p in oldest]
    return (cpu_seconds(postmaster, reaped=True)
            + cpu_seconds([int(p) for p in every if int(p) not in postmaster]))


def statements() -> int:
    query = ("SELECT xact_commit + xact_rollback FROM pg_stat_database "
             "WHERE datname = current_database()")
    out = subprocess.run(["psql", f"{PG}/{DB}", "-tAc", query],  # noqa: S603,S607
                         capture_output=True, text=True)
    return int(out.stdout.strip() or 0)


def statements_per_login(user_id: str, key: str) -> int:
    """SQL statements of one whole login, counted in this process by Django (the same code and
    database as the workers'; transaction control is not a statement Django lists)."""
    from django.db import connection
    from django.test import Client
    from django.test.utils import CaptureQueriesContext
    from django_otp.oath import TOTP

    client = Client(SERVER_NAME="127.0.0.1")
    code = f"{TOTP(bytes.fromhex(key)).token():06d}"
    with CaptureQueriesContext(connection) as queries:
        client.get("/login/")
        client.post("/login/", {"user_id": user_id, "password": PASSWORD, "function": "online"})
        home = client.post("/login/otp/", {"otp": code})
        ok = client.get(home["Location"]).status_code == 200
    if not ok:
        raise SystemExit("the in-process login for counting statements failed")
    return len(queries.captured_queries)


def run_logins(port: int, users: list, clients: int, seconds: float):
    latencies, failures, lock = [], [0], threading.Lock()
    queue = iter(users)
    deadline = time.monotonic() + seconds

    def client():
        while time.monotonic() < deadline:
            with lock:
                user = next(queue, None)
            if user is None:
                return
            started = time.perf_counter()
            ok = Browser(port).login(*user)
            elapsed = time.perf_counter() - started
            with lock:
                (latencies.append(elapsed) if ok else failures.__setitem__(0, failures[0] + 1))

    threads = [threading.Thread(target=client) for _ in range(clients)]
    began = time.monotonic()
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    return latencies, failures[0], time.monotonic() - began


def _verify_loop(encoded: str, seconds: float, counter, cpu) -> None:
    from argon2 import PasswordHasher

    hasher, deadline, done = PasswordHasher(), time.monotonic() + seconds, 0
    started = time.process_time()
    while time.monotonic() < deadline:
        hasher.verify(encoded, PASSWORD)
        done += 1
    with counter.get_lock():
        counter.value += done
        cpu.value += time.process_time() - started


def raw_verifies(clients: int, seconds: float) -> tuple[float, float]:
    """Raw Argon2 verifies/s at the portal's own parameters (Django's Argon2 hasher), and the
    CPU seconds one verify takes."""
    from django.contrib.auth.hashers import make_password

    encoded = make_password(PASSWORD).split("argon2", 1)[1]  # Django prefixes "argon2"
    counter, cpu = multiprocessing.Value("i", 0), multiprocessing.Value("d", 0.0)
    procs = [multiprocessing.Process(target=_verify_loop, args=(encoded, seconds, counter, cpu))
             for _ in range(clients)]
    for p in procs:
        p.start()
    for p in procs:
        p.join()
    return counter.value / seconds, cpu.value / max(counter.value, 1)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--clients", type=int, default=4)
    parser.add_argument("--seconds", type=float, default=20)
    parser.add_argument("--workers", type=int, default=2)
    args = parser.parse_args()

    users = prepare(int(args.seconds * 60) + 200)
    sql_statements = statements_per_login(*users.pop())
    port = free_port()
    server = subprocess.Popen(  # noqa: S603
        [str(BASE_DIR / ".venv/bin/gunicorn"), "ccass_portal.wsgi:application",
         "--bind", f"127.0.0.1:{port}", "--workers", str(args.workers),
         "--worker-class", "sync"], env=env(port), cwd=BASE_DIR,
        stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    try:
        for _ in range(100):
            try:
                socket.create_connection(("127.0.0.1", port), timeout=1).close()
                break
            except OSError:
                time.sleep(0.1)
        Browser(port).login(*users.pop())  # warm-up: imports, connections
        workers = children(server.pid)
        cpu_web, cpu_db, sql = cpu_seconds(workers), postgres_cpu(), statements()
        latencies, failures, elapsed = run_logins(port, users, args.clients, args.seconds)
        cpu_web = cpu_seconds(workers) - cpu_web
        cpu_db = postgres_cpu() - cpu_db
        sql = statements() - sql
    finally:
        server.send_signal(signal.SIGTERM)
        server.wait(timeout=30)
    logins = len(latencies)
    rate = logins / elapsed
    verifies, hash_cpu = raw_verifies(args.clients, args.seconds)
    hash_ms = 1000 * hash_cpu
    per_login_ms = 1000 * (cpu_web + cpu_db) / max(logins, 1)
    print(f"clients {args.clients}, gunicorn sync workers {args.workers}, {elapsed:.1f} s, "
          f"{os.cpu_count()} cores")
    print(f"logins: {logins} ({failures} failed), {rate:.1f}/s, "
          f"p50 {1000 * statistics.median(latencies):.0f} ms, "
          f"p95 {1000 * statistics.quantiles(latencies, n=20)[18]:.0f} ms")
    print(f"raw Argon2 verifies: {verifies:.1f}/s ({hash_ms:.0f} ms of CPU each)")
    print(f"ratio logins/s / verifies/s: {rate / verifies:.2f}")
    print(f"CPU per login: {per_login_ms:.0f} ms (web workers "
          f"{1000 * cpu_web / max(logins, 1):.0f} ms, PostgreSQL "
          f"{1000 * cpu_db / max(logins, 1):.0f} ms); the hash is "
          f"{100 * hash_ms / max(per_login_ms, 1):.0f} % of it")
    print(f"SQL statements per login: {sql_statements} (4 HTTP requests); database "
          f"transactions per login: {sql / max(logins, 1):.1f} "
          "(pg_stat_database commits + rollbacks)")
    from django.db import connection

    connection.close()
    psql(f"DROP DATABASE IF EXISTS {DB}")


if __name__ == "__main__":
    main()
