from django.conf import settings
from django.urls import reverse
from django.utils.translation import gettext as _

from dialoq.accounts import scoping
from dialoq.accounts.roles import Action


def navigation(request):
    """Return the main navigation for the signed-in user's roles."""
    user = request.user
    context = {"demo_mode": settings.DEMO_MODE}
    if not user.is_authenticated:
        return context
    items = [(_("Start"), reverse("start"))]
    if scoping.has_permission(user, Action.VIEW_CASE):
        items.append((_("Cases"), reverse("cases:list")))
    if scoping.has_permission(user, Action.VIEW_AGGREGATES):
        items.append((_("Indicators"), reverse("measures:dashboard")))
        items.append((_("Catalogue"), reverse("catalog:framework")))
    if scoping.has_permission(user, Action.VIEW_ACCESS_LOG):
        items.append((_("Access log"), reverse("cases:access_log")))
    if scoping.is_global(user, Action.ADMINISTER):
        items.append((_("Administration"), reverse("admin:index")))
    current = _current_url(request.path, [url for _label, url in items])
    context["navigation"] = [
        {"label": label, "url": url, "current": url == current} for label, url in items
    ]
    context["two_factor_waived"] = (
        settings.DEMO_WAIVE_TWO_FACTOR and user.needs_two_factor()
    )
    return context


def _current_url(path, urls):
    """Return the navigation URL that is the longest prefix of the path, if any."""
    matches = [
        url for url in urls if path == url or (url != "/" and path.startswith(url))
    ]
    return max(matches, key=len, default=None)
