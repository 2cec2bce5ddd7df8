"""Texts the system writes in the background are read in the reader's language, whenever and
by whomever they are read (issue 21): a worker writes in no one's language."""

from __future__ import annotations

import pickle
import socket

import pytest
from django.test import Client
from django.utils import translation
from django.utils.html import escape
from django.utils.translation import gettext, gettext_noop

from erp.accounts.roles import Role
from erp.core.spreadsheet import as_text
from erp.core.texts import Text, from_stored, text_of, to_stored
from erp.mikrotik.client import LOGIN_REFUSED, UNREACHABLE, RouterClient
from erp.mikrotik.exceptions import RouterUnreachable
from erp.mikrotik.models import RouterEvent
from erp.mikrotik.services import test_connection as check_connection
from erp.sites.models import Router

REFUSED_WITH_METHOD = "%(refused)s (Check the login method.)"


def in_language(code: str, msgid: str) -> str:
    with translation.override(code):
        translated = gettext(msgid)
    assert translated != msgid or code == "en", f"{msgid!r} has no {code} translation"
    return translated


def test_a_text_is_read_in_the_language_active_when_it_is_read():
    with translation.override("en"):
        text = Text(UNREACHABLE)
    assert text == UNREACHABLE  # its value: the language it was written in
    for code in ("sw", "fr", "en"):
        with translation.override(code):
            assert str(text) == in_language(code, UNREACHABLE)
            assert f"{text}" == in_language(code, UNREACHABLE)
            assert "%s" % text == in_language(code, UNREACHABLE)  # noqa: UP031 - %s itself


def test_nested_texts_and_parameters_are_translated_together():
    text = Text(REFUSED_WITH_METHOD, refused=Text(LOGIN_REFUSED))
    with translation.override("sw"):
        expected = in_language("sw", REFUSED_WITH_METHOD) % {
            "refused": in_language("sw", LOGIN_REFUSED)
        }
        assert str(text) == expected
    restored = from_stored(to_stored(text, 500))
    assert isinstance(restored, Text) and restored.params["refused"].msgid == LOGIN_REFUSED
    with translation.override("fr"):
        assert str(restored).startswith(in_language("fr", LOGIN_REFUSED))
    assert pickle.loads(pickle.dumps(text)).as_data() == text.as_data()  # noqa: S301 - ours


def test_numbers_keep_their_format_and_a_broken_parameter_set_still_reads():
    text = Text(gettext_noop("try %(n)d: %(reason)s"), n=3, reason="busy")
    with translation.override("en"):
        assert str(text) == "try 3: busy"
    # a row written by an older version whose parameters no longer match: the message id
    assert str(Text("%(gone)s went away")) == "%(gone)s went away"


def test_an_exception_carries_its_text_on():
    exc = RouterUnreachable(Text(UNREACHABLE), detail="cannot reach 10.0.0.1:8728")
    carried = text_of(exc)
    assert isinstance(carried, Text) and carried.msgid == UNREACHABLE
    assert text_of(ValueError("plain")) == "plain"


def test_stored_texts_fit_their_column_and_plain_text_is_left_alone():
    long = Text(REFUSED_WITH_METHOD, refused="x" * 1_000)
    stored = to_stored(long, 300)
    assert len(stored) <= 300
    back = from_stored(stored)
    assert isinstance(back, Text) and back.msgid == REFUSED_WITH_METHOD
    assert back.params["refused"].endswith("…")
    assert to_stored("an operator's note " * 40, 300) == ("an operator's note " * 40)[:300]
    assert from_stored("an operator's note") == "an operator's note"
    not_ours = '{"t": broken json'
    assert from_stored(not_ours) == not_ours and not isinstance(from_stored(not_ours), Text)
    assert from_stored("") == "" and from_stored(None) is None


@pytest.mark.django_db
def test_a_router_down_written_by_the_worker_reads_in_each_readers_language(
    make_router, make_user, api
):
    """The poll runs in the worker's language; the router's status and its event read in the
    Swahili agent's and the French manager's languages, on the API and in the model."""
    closed = socket.socket()
    closed.bind(("127.0.0.1", 0))
    port = closed.getsockname()[1]
    closed.close()  # nothing listens there now
    router = make_router(api_port=port)
    with translation.override("en"):
        report = check_connection(router)
    assert not report.ok
    stored = Router.objects.values_list("last_error", flat=True).get(pk=router.pk)
    assert isinstance(stored, Text) and stored.msgid == UNREACHABLE
    event = RouterEvent.objects.get(router=router)
    with translation.override("sw"):
        assert str(event.message) == in_language("sw", UNREACHABLE)

    for code in ("sw", "fr"):
        reader = make_user(Role.SUPER_ADMIN, language=code)
        body = api(reader).get(f"/api/v1/routers/{router.pk}/").json()
        assert body["last_error"] == in_language(code, UNREACHABLE), body["last_error"]
        events = api(reader).get(f"/api/v1/routers/{router.pk}/events/").json()
        rows = events["results"] if isinstance(events, dict) else events
        assert rows[0]["message"] == in_language(code, UNREACHABLE)
        browser = Client()
        browser.force_login(reader)
        page = browser.get(f"/network/router/{router.pk}/detail/")
        assert page.status_code == 200
        assert escape(in_language(code, UNREACHABLE)) in page.content.decode()
    with pytest.raises(RouterUnreachable) as caught, RouterClient(router):
        pass
    assert text_of(caught.value).msgid == UNREACHABLE


def test_a_spreadsheet_cell_holds_the_text_in_the_files_language():
    text = Text(UNREACHABLE)
    with translation.override("sw"):
        cell = as_text(text)
    assert type(cell) is str and cell == in_language("sw", UNREACHABLE)
