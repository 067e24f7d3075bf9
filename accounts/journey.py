"""The login and reset journeys as short-lived stage markers in the session (STYLE 5).

After a correct password nobody is logged in: the session holds only who, which stage and
since when (never the password). Each page accepts only its own stage, so no step can be
skipped by posting to a later URL, and a marker older than 5 minutes is void.
"""

import time
from dataclasses import asdict, dataclass, field

from django.conf import settings

SESSION_KEY = "ccass_journey"
#: Where a person whose journey lapsed starts again ("LOG IN" of the terminal or of DMS).
LANDING_KEY = "ccass_login_portal"
#: After login: the portal and function the person logged in to.
PORTAL_KEY = "ccass_portal"
FUNCTION_KEY = "ccass_function"
#: After login: when (epoch seconds), for the 12-hour limit (SPEC L9).
LOGIN_AT_KEY = "ccass_login_at"
#: After login: how the second factor was given ("APP", "EMAIL" or "SMARTCARD").
CHANNEL_KEY = "ccass_channel"


class Stage:
    # login
    PASSWORD_EXPIRED = "PASSWORD_EXPIRED"  # noqa: S105 - a stage name
    LOGIN_OTP = "LOGIN_OTP"
    SETUP = "SETUP"
    SETUP_REGISTER = "SETUP_REGISTER"
    SETUP_SKIP = "SETUP_SKIP"
    SETUP_EMAIL_OTP = "SETUP_EMAIL_OTP"
    # Forgot/Reset your password?
    RESET_OTP = "RESET_OTP"
    RESET_PASSWORD = "RESET_PASSWORD"  # noqa: S105 - a stage name


class Portal:
    TERMINAL = "terminal"
    DMS = "dms"
    CONNECT = "connect"  # Client Connect (SPEC E1)

    ALL = (TERMINAL, DMS, CONNECT)


class Function:
    ONLINE = "online"
    OVERNIGHT = "overnight"
    SECURITY = "security"  # DMS
    CONNECT = "connect"  # Client Connect eServices


@dataclass
class Journey:
    stage: str
    user_id: int | None
    portal: str = Portal.TERMINAL
    function: str = Function.ONLINE
    at: float = field(default_factory=time.time)
    last_code_at: float | None = None
    #: The half-login row (:class:`accounts.models.LoginChallenge`) its OTP is evaluated on.
    challenge_id: int | None = None
    #: A reset of a User ID with an app device asks for the app's code (SPEC L7).
    by_app: bool = False

    @property
    def expired(self) -> bool:
        return time.time() - self.at > settings.CCASS_JOURNEY_STAGE_SECONDS

    def seconds_until_new_code(self) -> int:
        """SPEC L4: REQUEST OTP is refused until 5 minutes after the last code."""
        if self.last_code_at is None:
            return 0
        wait = self.last_code_at + settings.CCASS_EMAIL_OTP_VALIDITY_SECONDS - time.time()
        return max(0, int(wait + 0.999))


def start(request, *, stage, user_id, portal, function, challenge_id, code_sent=False,
          by_app=False) -> Journey:
    journey = Journey(stage=stage, user_id=user_id, portal=portal, function=function,
                      challenge_id=challenge_id, by_app=by_app)
    if code_sent:
        journey.last_code_at = journey.at
    save(request, journey)
    return journey


def current(request, *stages) -> Journey | None:
    """The journey if it is at one of ``stages`` and not older than 5 minutes, else None."""
    data = request.session.get(SESSION_KEY)
    if not data:
        return None
    try:
        journey = Journey(**data)
    except TypeError:
        end(request)
        return None
    if journey.expired:
        end(request)
        return None
    return journey if journey.stage in stages else None


def advance(request, journey: Journey, stage: str, *, code_sent=False) -> None:
    journey.stage = stage
    journey.at = time.time()
    if code_sent:
        journey.last_code_at = journey.at
    save(request, journey)


def code_sent(request, journey: Journey) -> None:
    journey.last_code_at = time.time()
    save(request, journey)


def save(request, journey: Journey) -> None:
    request.session[SESSION_KEY] = asdict(journey)


def end(request) -> None:
    request.session.pop(SESSION_KEY, None)
