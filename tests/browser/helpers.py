"""Steps the browser tests share."""

from __future__ import annotations

from tests.conftest import PASSWORD


def login(page, username: str, landing: str = "/dashboard/") -> None:
    """Log in through the real login form and wait for the landing page."""
    page.goto(f"{page.base}/accounts/login/")
    page.fill("input[name=username]", username)
    page.fill("input[name=password]", PASSWORD)
    page.click("button[type=submit]")
    page.wait_for_url(f"{page.base}{landing}")
