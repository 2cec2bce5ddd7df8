"""The user's notifications: a list (newest first, unread marked) and 'mark all read'."""

from __future__ import annotations

from django.contrib.auth.mixins import LoginRequiredMixin
from django.http import HttpResponseRedirect
from django.views import View
from django.views.generic import ListView

from . import selectors, services


class NotificationListView(LoginRequiredMixin, ListView):
    template_name = "notifications/list.html"
    context_object_name = "notifications"
    paginate_by = 50
    viewset = None

    def get_queryset(self):
        return selectors.notifications_of(self.request.user)


class MarkReadView(LoginRequiredMixin, View):
    viewset = None

    def post(self, request):
        services.mark_read(user=request.user)
        return HttpResponseRedirect(self.viewset.reverse("index"))
