"""A Swahili-speaking agent (issue 21): the POS, the receipt and an analytics page in Swahili,
with no English word of ours left on the screen (screenshots under test-artifacts/)."""

from __future__ import annotations

import pytest
from django.utils import timezone

from erp.core.formats import calendar_names
from erp.sales.models import Sale
from tests.browser.helpers import english_left, english_vocabulary, login

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


# What a person reads: the page's text without icon ligatures ("menu" draws ☰).
VISIBLE_TEXT = """() => { const body = document.body.cloneNode(true);
  body.querySelectorAll('.material-icons, script, style, template').forEach(e => e.remove());
  document.documentElement.appendChild(body); const text = body.innerText; body.remove();
  return text; }"""


def _visible(page) -> str:
    return page.evaluate(VISIBLE_TEXT)


def test_a_swahili_agent_sells_and_reads_everything_in_swahili(page_for, shot, agent_with_stock):
    agent = agent_with_stock["agent"]
    agent.language = "sw"
    agent.save(update_fields=["language"])
    # the test's own names (site, package, people) are data, not our strings
    data = " ".join(
        [
            agent_with_stock["site"].name,
            agent_with_stock["router"].name,
            agent_with_stock["package"].name,
            agent.get_full_name(),
            agent.username,
        ]
    )
    vocabulary = english_vocabulary()
    page = page_for(width=360, height=740)
    login(page, agent.username)

    page.goto(f"{page.base}/pos/")
    assert page.get_attribute("html", "lang") == "sw"
    shot(page, "sw-agent-pos-360")
    assert not english_left(_visible(page), vocabulary, data=data)
    page.fill("input[name=client_phone]", "0754 999 000")
    page.click("button.sell")
    page.wait_for_url("**/pos/receipt/**")
    assert Sale.objects.filter(seller=agent).count() == 1
    shot(page, "sw-agent-receipt-360")
    receipt = _visible(page)
    assert not english_left(receipt, vocabulary, data=data), receipt

    page.goto(f"{page.base}/analytics/")
    page.wait_for_selector("#page-content h1, #page-content h2, .dash-graph", timeout=30000)
    page.wait_for_timeout(1500)
    shot(page, "sw-agent-analytics-360")
    assert not english_left(_visible(page), vocabulary, data=data)

    # the date picker's calendar names months and days as the pages do (Monday first)
    names = calendar_names("sw")
    page.click("input.dash-datepicker-start-date")
    page.wait_for_timeout(500)
    shot(page, "sw-agent-date-picker-360")
    calendar = _visible(page)
    today = timezone.localdate()
    assert f"{names['months'][today.month - 1]} {today.year}" in calendar, calendar
    assert names["days_short"][1] in calendar  # Jtatu, Monday
    assert not english_left(calendar, vocabulary, data=data)
