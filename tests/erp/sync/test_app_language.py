"""The field app's texts come from the same catalogs as every page (issue 21) and reach its
JavaScript as they read: a JSON block the template writes with {% translate %}, so a
translation with a double quote would break the app in that language, and an escaped one would
show "aujourd&#x27;hui"; this reads the block as the app does, in each language."""

from __future__ import annotations

import json
import re

import pytest
from django.test import Client
from django.utils import translation

from erp.accounts.roles import Role

pytestmark = pytest.mark.django_db


@pytest.mark.parametrize("language", ["fr", "sw", "en"])
def test_the_app_s_texts_reach_its_script_as_they_read(make_user, language):
    agent = make_user(Role.AGENT, language=language)
    browser = Client()
    browser.force_login(agent)
    page = browser.get("/app/").content.decode()
    block = re.search(r'<script id="i18n" type="application/json">(.*?)</script>', page, re.S)
    assert block, "the app carries its texts as JSON"
    texts = json.loads(block.group(1))
    with translation.override(language):
        assert texts["cash_today"] == translation.gettext("Collected today")
        assert texts["until"] == translation.gettext("access until")
    for key, value in texts.items():
        assert not re.search(r"&(#x?[0-9a-fA-F]+|[a-z]+);", value), (key, value)
    if language == "fr":
        assert "'" in texts["cash_today"]  # "Encaissé aujourd'hui"
