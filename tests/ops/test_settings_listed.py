"""Every setting the portal reads is in .env.example, and docker-compose.yml passes it through
(issue 11 item 3; STYLE "Our way" 6). Read from the files themselves, so they cannot drift.
"""

import re
from pathlib import Path

import yaml  # PyYAML, installed with djlint

ROOT = Path(__file__).resolve().parents[2]
APP_SERVICES = ("web", "worker", "beat")
#: Set by docker-compose.yml itself, from its own services and volumes.
COMPOSE_SETS = {"DATABASE_URL", "REDIS_URL", "CCASS_REPORTS_STORAGE_DIR"}
#: Production never runs with DEBUG on, so compose does not offer it.
COMPOSE_LEAVES_OUT = {"DEBUG"}

SETTINGS_READ = re.compile(r"""\benv(?:\.\w+)?\(\s*["']([A-Z][A-Z0-9_]*)["']""")
CODE_READS = re.compile(
    r"""\bos\.(?:environ\.get\(|getenv\(|environ\[)\s*["']([A-Z][A-Z0-9_]*)["']""")
PROJECT_CODE = ("ccass_portal", "accounts", "dms", "terminal", "eservices", "ops")


def read_by_portal() -> set[str]:
    names = set(SETTINGS_READ.findall((ROOT / "ccass_portal" / "settings.py").read_text()))
    for package in PROJECT_CODE:
        for module in (ROOT / package).rglob("*.py"):
            names |= set(CODE_READS.findall(module.read_text()))
    names.discard("DJANGO_SETTINGS_MODULE")  # set by manage.py, wsgi.py, celery.py
    return names


def listed_in_env_example() -> set[str]:
    text = (ROOT / ".env.example").read_text()
    return set(re.findall(r"^([A-Z][A-Z0-9_]*)=", text, flags=re.MULTILINE))


def compose() -> dict:
    return yaml.safe_load((ROOT / "docker-compose.yml").read_text())


def compose_only() -> set[str]:
    """Variables compose itself interpolates that the portal does not read."""
    text = (ROOT / "docker-compose.yml").read_text()
    return set(re.findall(r"\$\{([A-Z][A-Z0-9_]*)", text)) - read_by_portal()


def test_it_lists_every_setting_the_portal_reads_in_env_example():
    missing = read_by_portal() - listed_in_env_example()
    assert not missing, f".env.example lacks {sorted(missing)}"


def test_it_lists_nothing_in_env_example_that_nobody_reads():
    stale = listed_in_env_example() - read_by_portal() - compose_only()
    assert not stale, f".env.example lists {sorted(stale)}, read by neither the portal nor compose"


def test_it_passes_every_production_setting_through_compose():
    expected = listed_in_env_example() - compose_only() - COMPOSE_LEAVES_OUT
    for service in APP_SERVICES:
        environment = compose()["services"][service]["environment"]
        missing = expected - set(environment)
        assert not missing, f"compose service {service} lacks {sorted(missing)}"
        # The operator's value reaches the portal: ${NAME}, ${NAME:-default} or ${NAME:?...}.
        fixed = {name for name, value in environment.items()
                 if name not in COMPOSE_SETS and not str(value).startswith(f"${{{name}")}
        assert not fixed, f"compose service {service} fixes {sorted(fixed)}; pass them through"
        unknown = set(environment) - read_by_portal()
        assert not unknown, f"compose service {service} sets {sorted(unknown)}, read by nobody"


def test_it_checks_the_web_service_with_healthz():
    check = compose()["services"]["web"]["healthcheck"]["test"]
    assert check == ["CMD", "python", "scripts/healthz_probe.py"]
    assert (ROOT / "scripts" / "healthz_probe.py").is_file()
    assert "/healthz" in (ROOT / "scripts" / "healthz_probe.py").read_text()
