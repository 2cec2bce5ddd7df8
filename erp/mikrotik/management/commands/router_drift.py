from django.core.management.base import BaseCommand, CommandError

from erp.mikrotik.command_args import find_router
from erp.mikrotik.exceptions import RouterError
from erp.mikrotik.services import DRIFT_LABELS as LABELS
from erp.mikrotik.services import find_drift, repair_drift


class Command(BaseCommand):
    help = "List the differences between the database and a router's hotspot users; repair."

    def add_arguments(self, parser):
        parser.add_argument("router", help="router id, name, or SITE-CODE/name")
        parser.add_argument("--repair", action="store_true", help="push our state to the router")
        parser.add_argument(
            "--remove-unknown",
            action="store_true",
            help="with --repair: also remove users we do not know",
        )

    def handle(self, *args, router, repair, remove_unknown, **options):
        target = find_router(router)
        try:
            if repair:
                report, push = repair_drift(target, remove_unknown=remove_unknown)
            else:
                report, push = find_drift(target), None
        except RouterError as exc:
            raise CommandError(f"{target}: {exc} ({exc.detail})") from None
        if report.clean:
            self.stdout.write(self.style.SUCCESS(f"{target}: no drift"))
        for key, label in LABELS.items():
            names = getattr(report, key)
            if names:
                shown = ", ".join(names[:20]) + (" …" if len(names) > 20 else "")
                self.stdout.write(f"{label}: {len(names)}  {shown}")
        if push is not None:
            self.stdout.write(
                self.style.SUCCESS(
                    f"repaired: {push.added} added, {push.updated} updated, {push.removed} removed,"
                    f" {push.failed} failed"
                )
            )
