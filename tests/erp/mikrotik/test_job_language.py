"""Issue 21: a router job's error is stored as text, so it is written in the language of the
person who asked for the job and reads its page (not the worker's)."""

from __future__ import annotations

import pytest
from django.utils import translation

from erp.accounts.roles import Role
from erp.mikrotik.client import UNREACHABLE
from erp.mikrotik.services import open_job, run_job
from tests.ports import free_port

pytestmark = pytest.mark.django_db


@pytest.mark.parametrize("language", ["sw", "fr"])
def test_a_failed_jobs_error_is_in_the_requesters_language(
    make_router, make_user, settings, language
):
    settings.ROUTER_TIMEOUT = 0.5
    router = make_router(api_port=free_port())  # nothing listens there: refused
    technician = make_user(Role.TECHNICAL, f"fundi_{language}", language=language)
    job, _created = open_job(router, "test", actor=technician)
    finished = run_job(job.pk)
    with translation.override(language):
        expected = translation.gettext(UNREACHABLE)
    assert expected != UNREACHABLE  # the catalog has it
    assert finished.status == "failed" and finished.error == expected
    assert translation.get_language() == "en"  # the worker's own language is left as it was
