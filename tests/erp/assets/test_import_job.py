"""A large asset file is checked and imported by a background job, not in the request: the
upload answers at once with a page that follows the job's progress, then lists every row's
errors or offers the import, which is all or nothing as an inline one."""

from __future__ import annotations

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile

from erp.accounts.roles import Role
from erp.assets import services, tasks
from erp.assets.choices import ImportStatus
from erp.assets.models import Asset, AssetImport

pytestmark = pytest.mark.django_db

HEADER = "type,serial_number,model,site\n"


@pytest.fixture(autouse=True)
def small_inline_limit(settings, types):  # types: the seeded asset types, made sure
    settings.ASSET_IMPORT_INLINE_ROWS = 5


def _csv(lines: list[str]) -> SimpleUploadedFile:
    return SimpleUploadedFile("big.csv", (HEADER + "\n".join(lines)).encode(), "text/csv")


def _upload(client, lines):
    response = client.post("/assets/asset/import/", {"file": _csv(lines)})
    assert response.status_code == 302, response.content[:500]
    job = AssetImport.objects.get()
    assert response["Location"] == f"/assets/asset/import/{job.pk}/"
    return job


def test_the_upload_answers_before_any_row_is_checked(client, tech):
    client.force_login(tech)
    job = _upload(client, [f"Router,R-{n},hAP," for n in range(12)])
    # Nothing checked yet (no worker ran): the page says so and refreshes itself.
    assert (job.status, job.total, job.actor, job.result) == (ImportStatus.QUEUED, 12, tech, [])
    page = client.get(f"/assets/asset/import/{job.pk}/")
    body = page.content.decode()
    assert page.status_code == 200
    assert "0 of 12 rows" in body and 'http-equiv="refresh"' in body
    assert not Asset.objects.exists()


def test_the_worker_lists_every_error_and_nothing_can_be_imported(client, tech, make_asset):
    make_asset(serial_number="TAKEN")
    client.force_login(tech)
    lines = [f"Router,R-{n},hAP," for n in range(10)] + ["Router,taken,,", "Toaster,T-1,,"]
    job = _upload(client, lines)
    tasks.run_asset_import.apply(args=[str(job.pk)])  # what the worker does
    job.refresh_from_db()
    assert (job.status, job.error_count) == (ImportStatus.PREVIEWED, 2)
    errors = {row["line"]: row["errors"] for row in job.result if row["errors"]}
    assert errors == {
        12: ["serial_number: A router with serial TAKEN already exists."],
        13: ["type: Unknown asset type 'Toaster'."],
    }
    page = client.get(f"/assets/asset/import/{job.pk}/").content.decode()
    assert "2 rows have errors: nothing is imported" in page
    assert "Import these assets" not in page and "http-equiv" not in page
    client.post(f"/assets/asset/import/{job.pk}/", {"confirm": "1"})
    job.refresh_from_db()
    assert (job.status, job.commit_requested) == (ImportStatus.PREVIEWED, False)
    assert Asset.objects.count() == 1  # only the one made before


def test_a_checked_file_is_imported_by_the_worker_once_confirmed(
    client, tech, eager_celery, django_capture_on_commit_callbacks
):
    client.force_login(tech)
    with django_capture_on_commit_callbacks(execute=True):
        job = _upload(client, [f"Router,R-{n},hAP," for n in range(12)])
    job.refresh_from_db()
    assert job.status == ImportStatus.PREVIEWED and not Asset.objects.exists()
    assert (
        "12 rows are ready to import"
        in client.get(f"/assets/asset/import/{job.pk}/").content.decode()
    )
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(f"/assets/asset/import/{job.pk}/", {"confirm": "1"})
    assert response.status_code == 302
    job.refresh_from_db()
    assert job.status == ImportStatus.DONE and job.rows == []
    assert sorted(Asset.objects.values_list("serial_number", flat=True)) == sorted(
        f"R-{n}" for n in range(12)
    )
    assert "12 assets imported" in client.get(f"/assets/asset/import/{job.pk}/").content.decode()
    # Delivered again (a retry, a replay): nothing more.
    tasks.run_asset_import.apply(args=[str(job.pk)])
    assert Asset.objects.count() == 12


def test_a_small_file_is_still_checked_in_the_request(client, tech):
    client.force_login(tech)
    page = client.post("/assets/asset/import/", {"file": _csv(["Router,R-1,hAP,"])})
    assert page.status_code == 200 and page.context["can_confirm"] is True
    assert not AssetImport.objects.exists()


def test_only_who_uploaded_sees_and_confirms_the_job(client, tech, make_user):
    client.force_login(tech)
    job = _upload(client, [f"Router,R-{n},hAP," for n in range(12)])
    services.run_import(job.pk)
    other = make_user(Role.TECHNICAL)
    client.force_login(other)
    assert client.get(f"/assets/asset/import/{job.pk}/").status_code == 404
    assert client.post(f"/assets/asset/import/{job.pk}/", {"confirm": "1"}).status_code == 404
    job.refresh_from_db()
    assert job.status == ImportStatus.PREVIEWED and not job.commit_requested


def test_progress_is_reported_while_the_rows_are_checked(tech, monkeypatch):
    """The worker reports rows done every PROGRESS_EVERY rows through the shared cache, which
    the job's page reads (the rows themselves are in one uncommitted transaction)."""
    rows = [{"type": "Router", "serial_number": f"P-{n}"} for n in range(120)]
    seen = []
    services.import_assets(actor=tech, rows=rows, commit=False, progress=seen.append)
    assert seen == [0, 50, 100]
    job = services.start_import(actor=tech, file_name="p.csv", rows=rows)
    observed = []
    real = services.import_assets

    def observing(**kwargs):
        def progress(done):
            kwargs_progress(done)
            observed.append(services.import_progress(AssetImport.objects.get(pk=job.pk)))

        kwargs_progress = kwargs.pop("progress")
        return real(**kwargs, progress=progress)

    monkeypatch.setattr(services, "import_assets", observing)
    services.run_import(job.pk)
    assert observed == [0, 50, 100]  # what the page showed at each step
    job.refresh_from_db()
    assert services.import_progress(job) == 120 and job.status == ImportStatus.PREVIEWED
