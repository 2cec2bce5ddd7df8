"""The OpenAPI schema's error answers: what every operation may answer besides its success.

drf-spectacular documents what a view returns; the answers the stack around it gives (a
validation error, no or a bad token, a refused role, an unknown id, a rate limit, a body too
large or of an unknown media type, a delete still referenced) are the same for every
operation, so a postprocessing hook adds them where they apply instead of each view
repeating them. A view that documents one of these codes itself keeps its own.
"""

from __future__ import annotations

from typing import Any

from django.utils.translation import gettext_lazy as _

DETAIL = "ErrorDetail"
FIELDS = "ValidationErrorBody"

COMPONENTS: dict[str, dict[str, Any]] = {
    DETAIL: {
        "type": "object",
        "description": "An error: what was wrong, in the user's language.",
        "properties": {"detail": {"type": "string"}},
        "required": ["detail"],
    },
    FIELDS: {
        "type": "object",
        "description": (
            "Invalid input: each field's messages (``non_field_errors`` for the whole "
            'request), or ``{"detail": "..."}`` when the body could not be read at all.'
        ),
        "additionalProperties": {},
    },
}

BODY_METHODS = {"post", "put", "patch"}
OPERATION_METHODS = {"get", "post", "put", "patch", "delete", "head", "options", "trace"}


def _answer(description: str, component: str, *, retry_after: bool = False) -> dict[str, Any]:
    answer: dict[str, Any] = {
        "description": description,
        "content": {"application/json": {"schema": {"$ref": f"#/components/schemas/{component}"}}},
    }
    if retry_after:
        answer["headers"] = {
            "Retry-After": {
                "description": str(_("Seconds to wait before asking again.")),
                "schema": {"type": "integer", "minimum": 1},
            }
        }
    return answer


def error_answers(path: str, method: str, operation: dict[str, Any]) -> dict[str, dict]:
    """The error answers an operation may give, by status code."""
    answers = {
        "400": _answer(str(_("Invalid input; nothing was changed.")), FIELDS),
        "429": _answer(
            str(_("Too many requests: wait Retry-After seconds.")), DETAIL, retry_after=True
        ),
    }
    # A public operation too: a bad or expired bearer token is refused before the view.
    answers["401"] = _answer(str(_("No token, or an expired or invalid one.")), DETAIL)
    answers["403"] = _answer(str(_("This user may not do this.")), DETAIL)
    # An id in the path, a lookup, or an id in the body (a voucher, an agent) not found.
    answers["404"] = _answer(str(_("No such record, or not one this user may see.")), DETAIL)
    if method in BODY_METHODS:
        answers["413"] = _answer(str(_("The request body is too large.")), DETAIL)
        answers["415"] = _answer(str(_("The body's media type is not accepted.")), DETAIL)
    if method == "delete":
        answers["409"] = _answer(str(_("Still in use by other records; not deleted.")), DETAIL)
    return answers


def add_error_answers(result: dict[str, Any], generator, request, public) -> dict[str, Any]:
    """drf-spectacular postprocessing hook (``SPECTACULAR_SETTINGS["POSTPROCESSING_HOOKS"]``)."""
    schemas = result.setdefault("components", {}).setdefault("schemas", {})
    for name, component in COMPONENTS.items():
        schemas.setdefault(name, component)
    for path, item in (result.get("paths") or {}).items():
        for method, operation in item.items():
            if method not in OPERATION_METHODS:
                continue
            responses = operation.setdefault("responses", {})
            for code, answer in error_answers(path, method, operation).items():
                responses.setdefault(code, answer)
    return result
