"""``Cache-Control: no-store`` on every page the portal renders (issue 10, defect 7).

Nearly every page shows a secret (REGISTER DEVICE's key), an OTP or password form, personal
data (DMS, Client Connect, the admin) or at least a CSRF token, and the few that show none (the
landing pages) cost nothing to render. One rule for all is simpler to trust than a list of
views to remember: no browser, proxy or shared cache keeps a copy, and "Back" after logout shows
nothing. Static files are served by WhiteNoise above this middleware and keep their own
long-lived caching.
"""

from django.utils.cache import add_never_cache_headers


class NoStoreMiddleware:
    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        response = self.get_response(request)
        add_never_cache_headers(response)  # no-cache, no-store, must-revalidate, private
        return response
