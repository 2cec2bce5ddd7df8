"""Correlation ids for log records: every line of one request carries the same id."""

from __future__ import annotations

import contextvars
import logging

request_id_var: contextvars.ContextVar[str] = contextvars.ContextVar("request_id", default="-")


class RequestIdFilter(logging.Filter):
    def filter(self, record: logging.LogRecord) -> bool:
        record.request_id = request_id_var.get()
        return True


def clear_request_id(**kwargs) -> None:
    request_id_var.set("-")


class ClientErrorFilter(logging.Filter):
    """A 4xx answer (403, 404, 429) is the client's doing: one line, no traceback. Django
    logs them with the exception that made them, which buried the real errors (5xx keep it)."""

    def filter(self, record: logging.LogRecord) -> bool:
        status = getattr(record, "status_code", None)
        if status is not None and status < 500:
            record.exc_info = None
            record.exc_text = None
        return True
