"""manage.py rebuild_rollups: recompute the analytics rollups from the raw sales and refunds."""

from __future__ import annotations

import time

from django.core.management.base import BaseCommand

from analytics import rollups


class Command(BaseCommand):
    help = "Recompute the analytics rollups (daily sales per site and per agent) from scratch."

    def handle(self, *args, **options):
        started = time.perf_counter()
        rollups.rebuild_all()
        self.stdout.write(f"rollups rebuilt in {time.perf_counter() - started:.1f} s")
