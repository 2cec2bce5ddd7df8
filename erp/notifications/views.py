"""The user's notifications: a list (newest first, unread marked), opening one (marks it read
and goes to its link), 'mark all read', and the unread count the top bar refreshes on every
page load."""

from __future__ import annotations

import json

from django.contrib import messages
from django.contrib.auth.mixins import LoginRequiredMixin
from django.core.exceptions import ValidationError
from django.http import Http404, HttpResponseRedirect, JsonResponse
from django.urls import reverse
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext as _
from django.views import View
from django.views.generic import ListView

from . import selectors, services
from .forms import ChannelsForm


class NotificationListView(LoginRequiredMixin, ListView):
    template_name = "notifications/list.html"
    context_object_name = "notifications"
    paginate_by = 50
    viewset = None

    def get_queryset(self):
        return selectors.notifications_of(self.request.user)


class OpenNotificationView(LoginRequiredMixin, View):
    """Following a notification marks it read and opens what it links to (one's own only)."""

    viewset = None

    def get(self, request, pk):
        notification = selectors.notifications_of(request.user).filter(pk=pk).first()
        if notification is None:
            raise Http404
        services.mark_read(user=request.user, notification=notification)
        url = notification.url
        if not url or not url_has_allowed_host_and_scheme(
            url, allowed_hosts={request.get_host()}, require_https=request.is_secure()
        ):
            url = self.viewset.reverse("index")
        return HttpResponseRedirect(url)


class MarkReadView(LoginRequiredMixin, View):
    viewset = None

    def post(self, request):
        services.mark_read(user=request.user)
        return HttpResponseRedirect(self.viewset.reverse("index"))


class UnreadCountView(LoginRequiredMixin, View):
    """``{"unread": n}``: the top bar's badge, fetched on every page load (a page shown from
    the browser's or Turbo's cache would show a stale count)."""

    viewset = None
    raise_exception = True  # a script asking, not a person: 403, not the login page

    def get(self, request):
        response = JsonResponse({"unread": selectors.unread_count(request.user)})
        response["Cache-Control"] = "no-store"
        return response


class ChannelsView(LoginRequiredMixin, View):
    """My profile's "How you are told" form."""

    viewset = None

    def post(self, request):
        form = ChannelsForm(request.POST)
        if form.is_valid():
            try:
                services.set_channels(user=request.user, **form.cleaned_data)
            except ValidationError as exc:
                for message in exc.messages:
                    messages.error(request, message, fail_silently=True)
            else:
                messages.success(request, _("Saved."), fail_silently=True)
        return HttpResponseRedirect(reverse("profile") + "#channels")


class PushSubscriptionView(LoginRequiredMixin, View):
    """The field app's push subscription for this device (``PushSubscription.toJSON()``):
    POST to subscribe, DELETE to stop."""

    viewset = None
    raise_exception = True

    def _body(self, request) -> dict:
        try:
            data = json.loads(request.body or b"{}")
        except ValueError:
            data = None
        return data if isinstance(data, dict) else {}

    def post(self, request):
        data = self._body(request)
        keys = data.get("keys") if isinstance(data.get("keys"), dict) else {}
        try:
            services.subscribe_push(
                user=request.user,
                endpoint=str(data.get("endpoint") or ""),
                p256dh=str(keys.get("p256dh") or ""),
                auth=str(keys.get("auth") or ""),
                device=request.headers.get("User-Agent", ""),
            )
        except ValidationError as exc:
            return JsonResponse({"detail": " ".join(exc.messages)}, status=400)
        return JsonResponse({"subscribed": True}, status=201)

    def delete(self, request):
        data = self._body(request)
        removed = services.unsubscribe_push(
            user=request.user, endpoint=str(data.get("endpoint") or "")
        )
        return JsonResponse({"removed": removed})
