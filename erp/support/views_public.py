"""The customer's one-tap satisfaction rating, from the link in the resolution SMS or e-mail.

No login: the link carries a signed token naming the ticket. A forged or altered link is a
clear 404 page, never another ticket's."""

from __future__ import annotations

from django.core.exceptions import ValidationError
from django.shortcuts import render
from django.views import View

from . import services


class RateView(View):
    template_name = "support/rate.html"

    def _ticket(self, token):
        try:
            return services.ticket_from_rating_token(token), ""
        except ValidationError as error:
            return None, " ".join(error.messages)

    def get(self, request, token):
        ticket, error = self._ticket(token)
        return render(
            request,
            self.template_name,
            {"ticket": ticket, "error": error, "scores": range(1, 6)},
            status=404 if ticket is None else 200,
        )

    def post(self, request, token):
        ticket, error = self._ticket(token)
        if ticket is None:
            return render(request, self.template_name, {"error": error}, status=404)
        try:
            score = int(request.POST.get("score", ""))
        except ValueError:
            score = 0
        try:
            ticket = services.rate(ticket=ticket, score=score)
        except ValidationError as exc:
            return render(
                request,
                self.template_name,
                {"ticket": ticket, "error": " ".join(exc.messages), "scores": range(1, 6)},
                status=400,
            )
        return render(request, self.template_name, {"ticket": ticket, "thanks": True})
