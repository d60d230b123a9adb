"""The bell: its unread count (loaded by htmx, so no page pays a query for it)
and the list of a person's notifications, each linking to the thing it is about."""

from __future__ import annotations

from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.http import url_has_allowed_host_and_scheme
from django.views.decorators.http import require_POST

from accounts.actor import Actor, actor_from_request
from accounts.models import Employee
from core.errors import DomainError
from core.pagination import keyset_page
from notifications.models import Notification
from notifications.services import notification_mark_read, notifications_mark_all_read, unread_count

PAGE_SIZE = 50


def _me(request: HttpRequest) -> tuple[Actor, Employee]:
    a = actor_from_request(request)
    if a.employee is None:
        raise PermissionDenied("Notifications are for employees.")
    return a, a.employee


@login_required
def bell(request: HttpRequest) -> HttpResponse:
    """The navigation's unread count; the page swaps it only when it changed."""
    _, me = _me(request)
    return render(request, "notifications/_count.html", {"count": unread_count(me)})


@login_required
def notification_list(request: HttpRequest) -> HttpResponse:
    _, me = _me(request)
    show = "unread" if request.GET.get("show") == "unread" else "all"
    qs = Notification.objects.filter(employee=me)
    if show == "unread":
        qs = qs.filter(read_at__isnull=True)
    items, next_cursor = keyset_page(
        qs, order=("-created_at", "-id"), cursor=request.GET.get("cursor"), limit=PAGE_SIZE
    )
    context = {
        "items": items,
        "next_cursor": next_cursor,
        "show": show,
        "unread": unread_count(me),
        "nav": "notifications",
    }
    return render(request, "notifications/list.html", context)


def _back(request: HttpRequest) -> str:
    target = request.POST.get("next", "")
    if url_has_allowed_host_and_scheme(target, allowed_hosts={request.get_host()}) and target.startswith("/"):
        return target
    return "/notifications/"


@login_required
@require_POST
def notification_open(request: HttpRequest, pk: int) -> HttpResponse:
    """Mark it read and go to the thing it is about (only ever a path on this site)."""
    a, _ = _me(request)
    try:
        note = notification_mark_read(actor=a, notification_id=pk)
    except DomainError as exc:
        raise Http404(exc.detail) from None
    url = note.url
    safe = url.startswith("/") and url_has_allowed_host_and_scheme(url, allowed_hosts={request.get_host()})
    return redirect(url if safe else "notifications")


@login_required
@require_POST
def notification_read(request: HttpRequest, pk: int) -> HttpResponse:
    a, _ = _me(request)
    try:
        notification_mark_read(actor=a, notification_id=pk)
    except DomainError as exc:
        raise Http404(exc.detail) from None
    return redirect(_back(request))


@login_required
@require_POST
def notification_read_all(request: HttpRequest) -> HttpResponse:
    a, _ = _me(request)
    notifications_mark_all_read(actor=a)
    return redirect(_back(request))
