"""Issue 10, defect 9: no spreadsheet formula in any CSV or report the portal writes."""

import csv
import datetime as dt
import io

import pytest
from django.utils import timezone

from terminal import reports
from tests.conftest import make_user
from tests.dms.conftest import dms_login, initialised

pytestmark = pytest.mark.django_db

FORMULA = '=HYPERLINK("http://x","y")'


@pytest.mark.parametrize("value, expected", [
    ("=1+1", "'=1+1"), ("+1", "'+1"), ("-1", "'-1"), ("@SUM(A1)", "'@SUM(A1)"),
    ("\tx", "'\tx"), ("\rx", "'\rx"), ("CHAN", "CHAN"), ("", ""), ("a=b", "a=b"), (12, "12"),
])
def test_it_neutralises_the_cells_a_spreadsheet_would_run(value, expected):
    from accounts.spreadsheet import neutralise

    assert neutralise(value) == expected


@pytest.fixture
def attacker_profile(participant):
    user = make_user(participant, "B0123409")
    # Written past the form's validation, as an import or the admin might.
    type(user).objects.filter(pk=user.pk).update(surname=FORMULA, other_names="@evil")
    user.refresh_from_db()
    return user


def test_it_neutralises_the_listing_download(client, participant, attacker_profile):
    from accounts.models import DARole

    maker = initialised(participant, "B01234X1", DARole.MAKER)
    initialised(participant, "B01234X2", DARole.CHECKER)
    dms_login(client, maker)
    response = client.get("/dms/listing.csv")
    rows = list(csv.reader(io.StringIO(response.content.decode())))
    row = next(r for r in rows if r and r[0] == attacker_profile.username)
    assert row[1].startswith("'=HYPERLINK(")
    assert not any(cell[:1] in ("=", "+", "-", "@") for r in rows for cell in r)


def test_it_neutralises_the_overnight_user_profile_listing(participant, attacker_profile):
    text = reports.user_profile_listing(participant, dt.date(2025, 3, 4),
                                        generated_at=timezone.now()).decode()
    line = next(li for li in text.splitlines() if li.startswith(attacker_profile.username))
    assert "'=HYPERLINK(" in line
    cells = [c for li in text.splitlines() for c in li.split("  ") if c.strip()]
    assert not any(c.strip()[:1] in ("=", "+", "@") for c in cells)
