"""DMS listings over 5,000 profiles: a constant number of queries, whatever the size.

A participant's end-user IDs are prefix + 2 characters (SPEC P4), so one prefix has at most
36 * 36 - 1 - 27 = 1,268 end-user IDs: 5,000 profiles of one participant cannot all have
valid User IDs. The listings read the participant's live profiles without checking their
shape, so these tests ``bulk_create`` the profiles (skipping ``full_clean``) with synthetic,
unique 8-character IDs "T0000001"... that no participant prefix of the tests uses. The
3 DAs of the fixtures keep their valid IDs.
"""

import csv
import io
import re

import pytest
from django.contrib.auth.hashers import make_password

from accounts.models import User

pytestmark = pytest.mark.django_db

#: The most queries a listing may take (session, user, OTP device, participant, staffing
#: warning, the rows, the counts, the session save...). It is below SMALL, so one query a row
#: would already fail at 50 profiles, besides the counts differing between SMALL and LARGE.
MAX_QUERIES = 15  # measured: listing 12, Enquire list 10, download 10
SMALL, LARGE = 50, 5000
LISTING = "/dms/listing/"
ENQUIRE_LIST = "/dms/profiles/enquire/?list=1&search_by=user_id&search_filter="
CSV = "/dms/listing.csv"
ENQUIRE_ROW = re.compile(r'href="/dms/profiles/enquire/[A-Z0-9]{8}/"')


def add_profiles(participant, count, *, start=0):
    """``count`` live end-user profiles, without a usable password (created after launch)."""
    unusable = make_password(None)
    User.objects.bulk_create(
        [
            User(username=f"T{n:07d}", participant=participant, surname="TSANG",
                 other_names=f"Profile {n}", email=f"t{n:07d}@abc-securities.example",
                 password=unusable)
            for n in range(start + 1, start + count + 1)
        ],
        batch_size=1000,
    )


@pytest.fixture
def firm(participant, maker_client):
    participant.max_users = 6000
    participant.save(update_fields=["max_users"])
    maker_client.get("/dms/home/")  # anything a first request does once is done here
    return participant


def get(client, url, bound=MAX_QUERIES, *, assert_max):
    with assert_max(bound) as queries:
        response = client.get(url)
    assert response.status_code == 200, url
    return response, len(queries)


def csv_rows(response):
    return list(csv.reader(io.StringIO(response.content.decode())))


def test_the_listings_take_the_same_few_queries_at_50_and_5000_profiles(
    maker_client, firm, django_assert_max_num_queries
):
    add_profiles(firm, SMALL)
    small = {url: get(maker_client, url, assert_max=django_assert_max_num_queries)[1]
             for url in (LISTING, ENQUIRE_LIST, CSV)}
    add_profiles(firm, LARGE - SMALL, start=SMALL)
    assert User.objects.filter(participant=firm, is_active=True).count() == LARGE + 3
    large = {url: get(maker_client, url, assert_max=django_assert_max_num_queries)[1]
             for url in (LISTING, ENQUIRE_LIST, CSV)}
    assert large == small


def test_the_listing_of_5000_profiles_shows_them_all_with_the_totals(
    maker_client, firm, django_assert_max_num_queries
):
    add_profiles(firm, LARGE)
    response, _ = get(maker_client, LISTING, assert_max=django_assert_max_num_queries)
    page = response.text
    assert page.count("<tr>") == 1 + LARGE + 3  # the heading row, then one row a profile
    assert "<td>T0005000</td>" in page and "<td>B01234X3</td>" in page
    assert page.count("Delegated Administrator") == 3
    totals = re.search(r'<pre class="totals">(.*?)</pre>', page, re.S).group(1)
    assert totals.splitlines() == [
        "MAX. NO. OF USERS : 6000",
        "TOTAL NO. OF USERS : 5003",
        "TOTAL NO. OF DELEGATED ADMINISTRATORS : 3",
        "TOTAL NO. OF USERS EXCEPT DELEGATED ADMINISTRATORS : 5000",
        "*** END OF REPORT ***",
    ]


def test_the_enquire_list_of_5000_profiles_lists_them_all(
    maker_client, firm, django_assert_max_num_queries
):
    add_profiles(firm, LARGE)
    response, _ = get(maker_client, ENQUIRE_LIST, assert_max=django_assert_max_num_queries)
    assert len(ENQUIRE_ROW.findall(response.text)) == LARGE + 3
    assert 'href="/dms/profiles/enquire/T0004999/"' in response.text


def test_the_download_of_5000_profiles_is_complete(
    maker_client, firm, django_assert_max_num_queries
):
    add_profiles(firm, LARGE)
    response, _ = get(maker_client, CSV, assert_max=django_assert_max_num_queries)
    table = csv_rows(response)
    profiles = [row for row in table[1:] if row and re.fullmatch(r"[A-Z0-9]{8}", row[0])]
    assert len(profiles) == LARGE + 3
    assert [row[0] for row in profiles] == sorted(row[0] for row in profiles)
    assert ["TOTAL NO. OF USERS", "5003"] in table
    assert table[-1] == ["*** END OF REPORT ***"]
    assert response.content.decode().rstrip().endswith("*** END OF REPORT ***")

