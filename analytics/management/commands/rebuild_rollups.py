"""manage.py rebuild_rollups: recompute the analytics rollups from the raw sales and refunds."""

from __future__ import annotations

import time

from django.core.management.base import BaseCommand, CommandError

from analytics import rollups


class Command(BaseCommand):
    help = "Recompute the analytics rollups from sales, refunds, remittances, stock and samples."

    def add_arguments(self, parser):
        parser.add_argument(
            "--days",
            type=int,
            default=None,
            help="only the last DAYS days and their months (default: everything)",
        )

    def handle(self, *args, days=None, **options):
        if days is not None and days < 1:
            raise CommandError("--days must be at least 1")
        started = time.perf_counter()
        rollups.rebuild_all(days)
        self.stdout.write(f"rollups rebuilt in {time.perf_counter() - started:.1f} s")
