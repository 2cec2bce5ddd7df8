"""Errors services raise that are not about the input.

A service that refuses because of *who* the actor is (a permission, four eyes, a role) raises
``NotAllowed``: the API answers 403 and a page shows the 403 page. A refusal because of *what*
was asked (a negative amount, a batch already decided) stays Django's ValidationError: 400, or
the form shows it next to the field.
"""

from __future__ import annotations

from django.core.exceptions import PermissionDenied


class NotAllowed(PermissionDenied):
    """The actor may not do this (whatever the input): 403, with a message a person can read."""

    def __init__(self, message: str) -> None:
        super().__init__(message)
        self.message = message

    def __str__(self) -> str:
        return str(self.message)
