"""The Celery application: broker from settings (Redis, or the embedded filesystem broker)."""

import os

from celery import Celery

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "erp.settings")

app = Celery("erp")
app.config_from_object("django.conf:settings", namespace="CELERY")
app.autodiscover_tasks()
# the workflow engine's own tasks (workflows/ is a package of process apps, not an app)
app.autodiscover_tasks(["workflows"])
