"""SPEC D6, D8: "User Profile Listing" of the DA's own participant, on the page and downloaded."""

import csv
import io
import re

import pytest
from django_otp import DEVICE_ID_SESSION_KEY
from django_otp.plugins.otp_totp.models import TOTPDevice

from accounts.models import DARole, UserStatus
from dms import services
from tests.conftest import make_user
from tests.dms.conftest import PROFILE, dms_login, initialised

pytestmark = pytest.mark.django_db

ROW = re.compile(r"<tr>\s*<td>(?P<user_id>[^<]*)</td>\s*<td>(?P<name>[^<]*)</td>\s*"
                 r"<td>(?P<email>[^<]*)</td>\s*<td>(?P<remarks>[^<]*)</td>\s*</tr>")
TOTALS = re.compile(r'<pre class="totals">(.*?)</pre>', re.S)
END_USERS = ["B0123401", "B0123402", "B0123403", "B0123404"]
DAS = ["B01234X1", "B01234X2", "B01234X3"]


def named(user, surname, other_names):
    user.surname, user.other_names = surname, other_names
    user.save(update_fields=["surname", "other_names"])
    return user


@pytest.fixture
def firm(participant, maker, checker, checker2, outsider):
    """ABC SECURITIES: MAX. NO. OF USERS 70, 3 DAs and 4 end users live, 2 profiles deleted;
    XYZ BANK (the outsider's participant) has profiles of its own."""
    participant.max_users = 70
    participant.save(update_fields=["max_users"])
    named(make_user(participant, "B0123401"), "LEE", "Ka Yan")
    named(make_user(participant, "B0123402"), "HO", "Wing")
    make_user(participant, "B0123403", password=None)  # created after launch, not initialised
    make_user(participant, "B0123404", status=UserStatus.DISABLED)  # disabled is still a profile
    for user_id, role in (("B0123405", DARole.NONE), ("B01234Z9", DARole.CHECKER)):
        gone = make_user(participant, user_id, role=role)
        gone.is_active = False
        gone.save(update_fields=["is_active"])
    named(make_user(outsider.participant, "BNK99901"), "OUTSIDER", "Bank User")
    return participant


def rows(page):
    return {m["user_id"]: m for m in ROW.finditer(page)}


def totals(page):
    return TOTALS.search(page).group(1).splitlines()


def listing_csv(client):
    response = client.get("/dms/listing.csv")
    assert response.status_code == 200
    assert response["Content-Type"].startswith("text/csv")
    assert 'filename="user_profile_listing_B01234.csv"' in response["Content-Disposition"]
    return list(csv.reader(io.StringIO(response.content.decode())))


def test_the_listing_shows_every_live_profile_with_the_documents_totals(maker_client, firm):
    response = maker_client.get("/dms/listing/")
    assert response.status_code == 200
    page = response.text
    assert "User Profile Listing" in page
    listed = rows(page)
    assert list(listed) == sorted(DAS + END_USERS)  # User ID order, DAs included
    assert totals(page) == [
        "MAX. NO. OF USERS : 70",
        "TOTAL NO. OF USERS : 7",
        "TOTAL NO. OF DELEGATED ADMINISTRATORS : 3",
        "TOTAL NO. OF USERS EXCEPT DELEGATED ADMINISTRATORS : 4",
        "*** END OF REPORT ***",
    ]
    assert page.rstrip().endswith("</html>")
    assert page.index("*** END OF REPORT ***") > page.index(listed["B0123404"]["user_id"])


def test_remarks_say_delegated_administrator_on_da_rows_only(maker_client, firm):
    listed = rows(maker_client.get("/dms/listing/").text)
    for user_id in DAS:
        assert listed[user_id]["remarks"].strip() == "Delegated Administrator", user_id
    for user_id in END_USERS:
        assert listed[user_id]["remarks"].strip() == "", user_id


def test_the_listing_shows_name_and_email(maker_client, firm):
    listed = rows(maker_client.get("/dms/listing/").text)
    assert listed["B0123401"]["name"].split() == ["LEE", "Ka", "Yan"]
    assert listed["B0123401"]["email"] == "b0123401@abc-securities.example"
    assert listed["B01234X2"]["name"].split() == ["CHAN", "Tai", "Man"]


def test_deleted_profiles_are_neither_listed_nor_counted(maker_client, firm):
    page = maker_client.get("/dms/listing/").text
    assert "B0123405" not in page and "B01234Z9" not in page
    assert services.user_counts(firm) == {"max": 70, "total": 7, "das": 3, "users": 4}


def test_a_pending_create_is_not_a_profile_yet(maker_client, firm):
    response = maker_client.post("/dms/profiles/create/", {**PROFILE, "user_id": "B0123406"})
    assert response.status_code == 302
    page = maker_client.get("/dms/listing/").text
    assert "B0123406" not in page
    assert "TOTAL NO. OF USERS : 7\n" in page


def test_another_participants_profiles_are_never_shown(maker_client, firm):
    """SPEC D8, both ways: each DA sees only their own participant's profiles."""
    page = maker_client.get("/dms/listing/").text
    assert "BNK999" not in page and "OUTSIDER" not in page
    enquire = maker_client.get("/dms/profiles/enquire/?list=1&search_by=user_id&search_filter=")
    assert "BNK999" not in enquire.text
    assert maker_client.get("/dms/profiles/enquire/?list=1&search_by=user_id"
                            "&search_filter=BNK").text.count("No user profile matches.") == 1
    assert all("BNK999" not in cell for row in listing_csv(maker_client) for cell in row)


def test_the_other_participants_da_sees_only_their_own(client, firm, outsider):
    dms_login(client, outsider)
    page = client.get("/dms/listing/").text
    assert list(rows(page)) == ["BNK99901", "BNK999X2"]
    assert "B01234" not in page and "ABC SECURITIES" not in page
    assert totals(page)[:4] == [
        "MAX. NO. OF USERS : 20",
        "TOTAL NO. OF USERS : 2",
        "TOTAL NO. OF DELEGATED ADMINISTRATORS : 1",
        "TOTAL NO. OF USERS EXCEPT DELEGATED ADMINISTRATORS : 1",
    ]


def test_the_download_has_the_same_rows_and_totals(maker_client, firm):
    table = listing_csv(maker_client)
    assert table[0] == ["User ID", "User Name", "Email", "Remarks"]
    body = {row[0]: row for row in table[1:] if row and re.fullmatch(r"[A-Z0-9]{8}", row[0])}
    assert list(body) == sorted(DAS + END_USERS)
    assert body["B0123401"] == ["B0123401", "LEE Ka Yan", "b0123401@abc-securities.example", ""]
    assert body["B01234X1"][3] == "Delegated Administrator"
    assert [r for r in table if r and r[0].startswith(("MAX.", "TOTAL"))] == [
        ["MAX. NO. OF USERS", "70"],
        ["TOTAL NO. OF USERS", "7"],
        ["TOTAL NO. OF DELEGATED ADMINISTRATORS", "3"],
        ["TOTAL NO. OF USERS EXCEPT DELEGATED ADMINISTRATORS", "4"],
    ]
    assert table[-1] == ["*** END OF REPORT ***"]


def test_an_end_user_cannot_see_the_listing(client, participant, maker, checker, checker2):
    """Even with a session verified by both factors, an end user is not let into DMS."""

    def verified_session(user):
        client.force_login(user)
        session = client.session
        session[DEVICE_ID_SESSION_KEY] = TOTPDevice.objects.get(user=user).persistent_id
        session["ccass_portal"] = "dms"
        session["ccass_login_at"] = __import__("time").time()
        session.save()

    verified_session(maker)  # the control: the same session lets a DA in
    assert client.get("/dms/listing/").status_code == 200
    user = initialised(participant, "B0123401")
    for url in ("/dms/listing/", "/dms/listing.csv"):
        verified_session(user)
        response = client.get(url)
        assert response.status_code == 302 and response.url == "/dms/login/", url
        assert "B01234X1" not in response.content.decode()


def test_names_typed_by_people_are_escaped_in_both_listings(maker_client, firm, participant):
    """Issue 10: the rows are written in Python for speed; every value is still escaped."""
    from accounts.models import User

    User.objects.filter(username="B0123401").update(
        surname='<script>alert("x")</script>', other_names="A & B", email="a&b@ex.example")
    for url in ("/dms/listing/",
                "/dms/profiles/enquire/?list=1&search_by=user_id&search_filter="):
        page = maker_client.get(url).text
        assert "<script>alert" not in page
        assert "&lt;script&gt;alert(&quot;x&quot;)&lt;/script&gt; A &amp; B" in page
    listing = maker_client.get("/dms/listing/").text
    assert "<td>a&amp;b@ex.example</td>" in listing
    enquire = maker_client.get(
        "/dms/profiles/enquire/?list=1&search_by=user_id&search_filter=B0123401").text
    assert '<a href="/dms/profiles/enquire/B0123401/">B0123401</a>' in enquire
