"""My notifications: read them, follow their link, mark them read."""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.paginator import Paginator
from django.http import HttpResponseNotAllowed
from django.shortcuts import get_object_or_404, redirect, render
from django.utils import timezone
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import ngettext
from django.views.decorators.http import require_POST

PER_PAGE = 50


@login_required
def notification_list(request):
    """List the user's own notifications, newest first."""
    notifications = request.user.notifications.order_by("-created_at", "-pk")
    page = Paginator(notifications, PER_PAGE).get_page(request.GET.get("page"))
    context = {
        "page": page,
        "unread": request.user.notifications.unread().count(),
    }
    return render(request, "notifications/list.html", context)


@login_required
def mark_read(request, pk):
    """Mark one of the user's notifications read; follow its link if asked."""
    notification = get_object_or_404(request.user.notifications, pk=pk)
    if request.method != "POST":
        return HttpResponseNotAllowed(["POST"])
    if notification.read_at is None:
        notification.read_at = timezone.now()
        notification.save(update_fields=["read_at"])
    if request.POST.get("open") and url_has_allowed_host_and_scheme(
        notification.url, allowed_hosts={request.get_host()}
    ):
        return redirect(notification.url)
    return redirect("notifications:list")


@login_required
@require_POST
def mark_all_read(request):
    """Mark all of the user's notifications read."""
    count = request.user.notifications.unread().update(read_at=timezone.now())
    messages.success(
        request,
        ngettext(
            "%(count)d notification marked as read.",
            "%(count)d notifications marked as read.",
            count,
        )
        % {"count": count},
    )
    return redirect("notifications:list")
