"""Database sessions that cost one statement per write (issue 10: a login no dearer than its hash).

Django's ``db`` engine, with three changes that keep every guarantee of the original:

- a new session is written once, by one INSERT when the response is sent (Django checks the
  new key's existence, INSERTs an empty row, then UPDATEs it with the data: three statements);
- a rotated key (after the password, after the OTP, SPEC L9) moves the row in place with one
  UPDATE of its primary key, in the same statement that saves the data; the old key no longer
  exists once it commits (Django: existence check, INSERT, SELECT and DELETE of the old row,
  UPDATE of the new one);
- a session saved by the code (e.g. in the login's own transaction) is not written again when
  the response is sent, unless its data changed since;
- the inactivity deadline (SESSION_COOKIE_AGE) is pushed forward when a request finds it more
  than :data:`REFRESH_AFTER_SECONDS` old, not on every request (SESSION_SAVE_EVERY_REQUEST),
  so a session times out between 15 minutes and 15 minutes less that interval after the last
  request. A session whose data changed is saved at once, as always.

Keys are 32 characters from Django's own generator (about 165 bits); a clash with a live key
is refused by the primary key and raises, as Django's own engine does when its check races.
"""

import copy
from datetime import timedelta

from django.conf import settings
from django.contrib.sessions.backends import db
from django.contrib.sessions.backends.base import CreateError, UpdateError
from django.db import IntegrityError, router, transaction
from django.utils import timezone
from django.utils.crypto import get_random_string

#: How stale a session's deadline may get before an unchanged session is saved again.
REFRESH_AFTER_SECONDS = 60

VALID_KEY_CHARS = "abcdefghijklmnopqrstuvwxyz0123456789"


class SessionStore(db.SessionStore):
    def __init__(self, session_key=None):
        super().__init__(session_key)
        self._stored = session_key is not None  # a row exists under ``_rotated_from`` or key
        self._rotated_from = None
        self._loaded_expiry = None
        self._written = None  # the data as last written by this request, if it wrote

    def _get_new_session_key(self):
        return get_random_string(32, VALID_KEY_CHARS)

    def _get_session_from_db(self):
        session = super()._get_session_from_db()
        self._loaded_expiry = session.expire_date if session is not None else None
        if session is None:
            self._stored = False
        return session

    def create(self):
        """A new key, written with its data when the response is saved (no statement now)."""
        self._session_key = self._get_new_session_key()
        self._stored = False
        self._rotated_from = None
        self.modified = True

    def cycle_key(self):
        """A new key for the same data; the row moves to it when the response is saved."""
        data = self._session
        old = self.session_key if self._stored else None
        self._session_key = self._get_new_session_key()
        self._session_cache = data
        self._rotated_from = self._rotated_from or old
        self._stored = old is not None or self._rotated_from is not None
        self.modified = True

    @property
    def deadline_stale(self) -> bool:
        """Whether the stored inactivity deadline is older than the refresh interval."""
        if self._loaded_expiry is None:
            return False
        fresh = timezone.now() + timedelta(seconds=self.get_session_cookie_age())
        return (fresh - self._loaded_expiry).total_seconds() > REFRESH_AFTER_SECONDS

    def save(self, must_create=False):
        if self.session_key is None:
            self.create()
        if (not must_create and self._stored and self._rotated_from is None
                and self._written is not None and self._written == self._session):
            return  # written earlier in this request, unchanged since: nothing to write
        if must_create or not self._stored:
            self._insert()
        elif self._rotated_from is not None:
            self._move()
        else:
            self._update()
        self._loaded_expiry = self.get_expiry_date()
        self._written = copy.deepcopy(self._session)  # values changed in place count

    def _insert(self):
        obj = self.create_model_instance(self._get_session(no_load=True))
        using = router.db_for_write(self.model, instance=obj)
        try:
            if transaction.get_connection(using).in_atomic_block:
                with transaction.atomic(using=using):  # a clash must not spoil the caller's
                    obj.save(force_insert=True, using=using)
            else:  # one INSERT in autocommit: no BEGIN and COMMIT around it
                obj.save(force_insert=True, using=using)
        except IntegrityError as exc:
            raise CreateError from exc
        self._stored = True

    def _update(self):
        """One UPDATE, no transaction of its own; a row that ended meanwhile is refused."""
        updated = self.model.objects.filter(session_key=self.session_key).update(
            session_data=self.encode(self._get_session(no_load=False)),
            expire_date=self.get_expiry_date(),
        )
        if not updated:
            self._stored = False
            raise UpdateError

    def _move(self):
        data = self._get_session(no_load=False)
        moved = self.model.objects.filter(session_key=self._rotated_from).update(
            session_key=self._get_or_create_session_key(),
            session_data=self.encode(data),
            expire_date=self.get_expiry_date(),
        )
        self._rotated_from = None
        if not moved:  # the old row ended meanwhile (logout elsewhere, expiry): refuse
            self._stored = False
            raise UpdateError
        self._stored = True

    def delete(self, session_key=None):
        if session_key is None:
            if self.session_key is None:
                return
            session_key = self._rotated_from or self.session_key
            self._rotated_from = None
            self._stored = False
        self.model.objects.filter(session_key=session_key).delete()


def refresh_deadline(request) -> None:
    """Mark an unchanged session for saving once its deadline is stale (see module doc)."""
    session = getattr(request, "session", None)
    if (isinstance(session, SessionStore) and not session.modified and session.accessed
            and session.session_key and session.deadline_stale):
        session.modified = True


class SessionRefreshMiddleware:
    """After the view: keep a live session's inactivity deadline fresh (SPEC L9, 15 minutes).

    Placed after SessionMiddleware, so it runs before the session is saved.
    """

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        response = self.get_response(request)
        if __name__ == settings.SESSION_ENGINE:
            refresh_deadline(request)
        return response
