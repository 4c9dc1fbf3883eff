from django.conf import settings
from django.shortcuts import redirect
from django.urls import reverse

# Paths a signed-in user may reach before confirming the one-time code.
_OPEN_PREFIXES = ("/accounts/", "/i18n/", "/static/", "/favicon.ico")


class TwoFactorRequiredMiddleware:
    """Send users whose role needs two-factor sign-in to the code prompt first."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        user = request.user
        if (
            user.is_authenticated
            and not settings.DEMO_WAIVE_TWO_FACTOR
            and not request.path.startswith(_OPEN_PREFIXES)
            and not user.is_verified()
            and user.needs_two_factor()
        ):
            return redirect(reverse("accounts:two_factor") + f"?next={request.path}")
        return self.get_response(request)
