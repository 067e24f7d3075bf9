"""What a DA3 or DA4 must say to be submitted (SPEC E2, E3, D5): checks that name the field.

The form data is plain JSON, the same shape in a draft, in the frozen submission and in the PDF:

DA3::

    {"as": "HKSCC", "types": ["ADD", "CHANGE"],
     "requests": [
        {"type": "ADD", "surname": "CHAN", "other_names": "Tai Man",
         "email": "tm.chan@abc.example", "role": "MAKER"},          # or "CHECKER"
        {"type": "CHANGE", "user_id": "B01234X1", "email": "new@abc.example"},
        {"type": "UNLOCK", "user_id": "B01234X2", "action": "UNLOCK"},  # ENABLE, DISABLE
        {"type": "DELETE", "user_id": "B01234X3"}],
     "remarks": "", "declaration": true,
     "contacts": [{"name": "AAA", "email": "aaa@abc.example", "phone": "29797111"}]}

DA4::

    {"accounts": 2, "remarks": "", "declaration": true, "contacts": [...]}
"""

from decimal import Decimal

from django.core.exceptions import ValidationError
from django.core.validators import validate_email
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from accounts.models import DARole, Participant, User, UserStatus

from .models import DA3_MAX_PROFILES, DA4_FEE_PER_ACCOUNT_HKD, FormKind, RequestType, UnlockAction

DECLARATION = gettext_lazy("We confirm that we understand and accept the above.")
DA3_DECLARATION_TEXT = gettext_lazy(
    "We declare that the information provided in this eService relating to us is complete, "
    "true and correct and that we have not made any statements or omissions which are "
    "misleading or false in any material particular."
)
MAX_DA4_ACCOUNTS = 500


def too_many_requests() -> str:
    """SPEC E2: the refusal of a fifth DA profile (on the page, and when checking the form)."""
    return _("DETAILS OF REQUESTS: at most %(most)s DA profiles per eService.") % {
        "most": DA3_MAX_PROFILES}


def empty(form: str, participant: Participant) -> dict:
    """A new record's form: COMPANY INFORMATION from the company, one empty block."""
    contacts = [{"name": "", "email": "", "phone": ""}]
    if form == FormKind.DA4:
        return {"accounts": 1, "remarks": "", "declaration": False, "contacts": contacts}
    return {"as": participant.clearing_house, "types": [RequestType.CHANGE.value],
            "requests": [{"type": RequestType.CHANGE.value, "user_id": "", "email": ""}],
            "remarks": "", "declaration": False, "contacts": contacts}


def fee(data: dict) -> Decimal:
    """SPEC E3: HK$250 for each additional user account."""
    return DA4_FEE_PER_ACCOUNT_HKD * int(data.get("accounts") or 0)


def _email_problem(value: str) -> str | None:
    try:
        validate_email(value or "")
    except ValidationError:
        return _("Enter a valid email address.")
    return None


def _da_of(participant: Participant, user_id: str) -> User | None:
    return User.objects.filter(participant=participant, is_active=True,
                               username__iexact=(user_id or "").strip()).exclude(
        da_role=DARole.NONE).first()


def _contacts_problems(data: dict) -> list[tuple[str, str]]:
    problems = []
    contacts = data.get("contacts") or []
    if not any((c.get("name") or "").strip() for c in contacts):
        problems.append(("contacts.0.name", _("Name of Contact Person: please enter at least "
                                              "one contact person.")))
    for i, contact in enumerate(contacts):
        if not any((contact.get(k) or "").strip() for k in ("name", "email", "phone")):
            continue
        if not (contact.get("name") or "").strip():
            problems.append((f"contacts.{i}.name", _("Name of Contact Person: please enter it.")))
        if problem := _email_problem(contact.get("email")):
            problems.append((f"contacts.{i}.email",
                             _("Email Address: %(problem)s") % {"problem": problem}))
        phone = (contact.get("phone") or "").replace(" ", "")
        if not phone.lstrip("+").isdigit() or not 8 <= len(phone.lstrip("+")) <= 15:
            problems.append((f"contacts.{i}.phone", _("Telephone Number: 8 to 15 digits.")))
    return problems


def problems(form: str, participant: Participant, data: dict) -> list[tuple[str, str]]:
    """Every reason the form cannot be submitted, as (field, message); empty when it can."""
    found = []
    if form == FormKind.DA4:
        try:
            accounts = int(data.get("accounts"))
        except (TypeError, ValueError):
            accounts = 0
        if not 1 <= accounts <= MAX_DA4_ACCOUNTS:
            found.append(("accounts", _("Number of additional user accounts: enter a whole "
                                        "number from 1 to %(most)s.") % {"most": MAX_DA4_ACCOUNTS}))
    else:
        found += _da3_problems(participant, data)
    if not data.get("declaration"):
        found.append(("declaration", _("Please tick “%(declaration)s”")
                      % {"declaration": DECLARATION}))
    return found + _contacts_problems(data)


def _da3_problems(participant: Participant, data: dict) -> list[tuple[str, str]]:
    found = []
    types = set(data.get("types") or [])
    requests = data.get("requests") or []
    if not types:
        found.append(("types", _("MAINTENANCE REQUEST: select at least one.")))
    if not requests:
        found.append(("requests", _("DETAILS OF REQUESTS: add at least one request.")))
    if len(requests) > DA3_MAX_PROFILES:
        found.append(("requests", too_many_requests()))
    seen = set()
    for i, req in enumerate(requests):
        kind = req.get("type")
        where = f"requests.{i}"
        n = {"number": i + 1}
        if kind not in RequestType.values:
            found.append((f"{where}.type", _("Request %(number)s: choose the type of request.")
                          % n))
            continue
        if kind not in types:
            found.append((f"{where}.type", _("Request %(number)s: “%(type)s” is not "
                                             "selected under MAINTENANCE REQUEST.")
                          % {**n, "type": RequestType(kind).label}))
        if kind == RequestType.ADD:
            if not (req.get("surname") or "").strip():
                found.append((f"{where}.surname", _("Request %(number)s (Add): Surname is "
                                                    "required.") % n))
            if not (req.get("other_names") or "").strip():
                found.append((f"{where}.other_names", _("Request %(number)s (Add): Other Names "
                                                        "is required.") % n))
            if problem := _email_problem(req.get("email")):
                found.append((f"{where}.email", _("Request %(number)s (Add): Email Address: "
                                                  "%(problem)s") % {**n, "problem": problem}))
            if req.get("role") not in (DARole.MAKER, DARole.CHECKER):
                found.append((f"{where}.role", _("Request %(number)s (Add): choose DA maker or "
                                                 "DA checker.") % n))
            continue
        user_id = (req.get("user_id") or "").strip().upper()
        if _da_of(participant, user_id) is None:
            found.append((f"{where}.user_id", _(
                "Request %(number)s: User ID %(user_id)s is not a Delegated Administrator of "
                "%(participant)s.") % {**n, "user_id": user_id or _("(blank)"),
                                       "participant": participant}))
        elif user_id in seen:
            found.append((f"{where}.user_id", _("Request %(number)s: User ID %(user_id)s appears "
                                                "twice.") % {**n, "user_id": user_id}))
        seen.add(user_id)
        if kind == RequestType.CHANGE and (problem := _email_problem(req.get("email"))):
            found.append((f"{where}.email", _("Request %(number)s (Change): Email Address: "
                                              "%(problem)s") % {**n, "problem": problem}))
        if kind == RequestType.UNLOCK and req.get("action") not in UnlockAction.values:
            found.append((f"{where}.action", _("Request %(number)s: choose Unlock DA Account, "
                                               "Enable or Disable.") % n))
    return found


def staffing_warning(participant: Participant, data: dict) -> str | None:
    """SPEC D5: would the participant be left without one DA maker and two DA checkers?"""
    das = {u.username: u for u in User.objects.filter(
        participant=participant, is_active=True).exclude(da_role=DARole.NONE)}
    roles = {uid: (u.da_role, u.status == UserStatus.ENABLED) for uid, u in das.items()}
    added = []
    for req in data.get("requests") or []:
        uid = (req.get("user_id") or "").strip().upper()
        if req.get("type") == RequestType.ADD and req.get("role") in DARole.values:
            added.append((req["role"], True))
        elif req.get("type") == RequestType.DELETE:
            roles.pop(uid, None)
        elif (req.get("type") == RequestType.UNLOCK and uid in roles
              and req.get("action") in (UnlockAction.ENABLE, UnlockAction.DISABLE)):
            roles[uid] = (roles[uid][0], req["action"] == UnlockAction.ENABLE)
    live = [role for role, enabled in [*roles.values(), *added] if enabled]
    makers, checkers = live.count(DARole.MAKER), live.count(DARole.CHECKER)
    if makers >= 1 and checkers >= 2:
        return None
    return _("After this eService %(participant)s would have %(makers)s DA maker(s) and "
             "%(checkers)s DA checker(s): each participant should have at least one DA maker and "
             "two DA checkers.") % {"participant": participant, "makers": makers,
                                    "checkers": checkers}
