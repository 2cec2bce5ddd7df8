"""Beat's jobs run only for sites whose OpenWISP is on; failures are recorded, not raised;
the simulator command files a site's settings switched off."""

from __future__ import annotations

import pytest

from erp.integrations.openwisp import tasks
from erp.integrations.openwisp.client import OpenWispError
from erp.integrations.openwisp.models import DiscoveryRun, OpenWispDevice, OpenWispSettings
from erp.integrations.openwisp.services import check_health, discover

from .conftest import PASSWORD


@pytest.mark.django_db
def test_jobs_touch_only_sites_that_switched_openwisp_on(openwisp_sim, openwisp_site):
    on = openwisp_site(openwisp_sim)
    off = openwisp_site(openwisp_sim)
    OpenWispSettings.objects.filter(pk=off.pk).update(enabled=False)
    assert tasks.discover_all() == 1
    assert list(DiscoveryRun.objects.values_list("site", flat=True)) == [on.site_id]
    assert tasks.check_all_health() == 1
    assert OpenWispDevice.objects.filter(site=off.site).count() == 0


@pytest.mark.django_db
def test_a_failing_health_check_is_recorded_and_the_job_goes_on(openwisp_sim, openwisp_site):
    config = openwisp_site(openwisp_sim)
    discover(config)
    openwisp_sim.state.password = "changed-on-the-server"
    openwisp_sim.state.expire_tokens()
    with pytest.raises(OpenWispError):
        check_health(config)
    assert tasks.check_all_health() == 0  # recorded, not raised
    config.refresh_from_db()
    assert "refused the login" in config.last_error and PASSWORD not in config.last_error
    assert config.last_error_at is not None


@pytest.mark.django_db
def test_the_simulator_command_registers_the_site_switched_off(make_site, admin_user):
    from erp.integrations.openwisp.management.commands.openwisp_sim import Command

    site = make_site(code="DAR-KKO")
    Command()._register(
        "DAR-KKO", "http://127.0.0.1:9299", {"username": "erp-api", "password": "demo-pass"}
    )
    config = OpenWispSettings.objects.get(site=site)
    assert config.enabled is False and config.base_url == "http://127.0.0.1:9299"
    assert config.get_password() == "demo-pass" and config.configured_by == admin_user


@pytest.mark.django_db
def test_the_password_rotates_to_a_new_fernet_key(openwisp_sim, openwisp_site, settings):
    from cryptography.fernet import Fernet
    from django.core.management import call_command

    config = openwisp_site(openwisp_sim)
    settings.FERNET_KEYS = [Fernet.generate_key().decode(), *settings.FERNET_KEYS]
    call_command("rotate_openwisp_secrets")
    settings.FERNET_KEYS = settings.FERNET_KEYS[:1]  # the old key removed
    config.refresh_from_db()
    assert config.get_password() == PASSWORD
    assert discover(config).found == 12
