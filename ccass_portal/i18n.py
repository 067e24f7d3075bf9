"""Language of the pages (issue 11): English or Traditional Chinese, the admin in English.

The browser's ``Accept-Language`` chooses on the first visit; the switch "English | 繁體中文"
on every page posts to :func:`language_switch`, which keeps the choice in the language cookie
for the browser session and, for a signed-in user, as the language of their emails.
"""

from django.conf import settings
from django.middleware.locale import LocaleMiddleware
from django.utils import translation
from django.views.decorators.http import require_POST
from django.views.i18n import set_language

from accounts.services import user_language_note


class PortalLocaleMiddleware(LocaleMiddleware):
    """Django's LocaleMiddleware, except that HKEX staff's admin stays in English."""

    def process_request(self, request):
        if request.path_info.startswith("/admin/"):
            translation.activate(settings.LANGUAGE_CODE)
            request.LANGUAGE_CODE = settings.LANGUAGE_CODE
            return
        super().process_request(request)


@require_POST
def language_switch(request):
    """Django's ``set_language`` (cookie, safe ``next``), plus the user's email language."""
    response = set_language(request)
    language = request.POST.get("language", "")
    user = getattr(request, "user", None)
    if user is not None and user.is_authenticated and translation.check_for_language(language):
        user_language_note(user=user, language=language)
    return response
