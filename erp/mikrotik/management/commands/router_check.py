from django.core.management.base import BaseCommand, CommandError

from erp.mikrotik.command_args import find_router
from erp.mikrotik.services import test_connection


class Command(BaseCommand):
    help = "Connect to a router and print its identity, version and resource figures."

    def add_arguments(self, parser):
        parser.add_argument("router", help="router id, name, or SITE-CODE/name")

    def handle(self, *args, router, **options):
        target = find_router(router)
        report = test_connection(target)
        if not report.ok:
            raise CommandError(f"{target}: {report.error} ({report.detail})")
        self.stdout.write(f"router:    {target}")
        self.stdout.write(f"identity:  {report.identity}")
        self.stdout.write(f"version:   {report.version}")
        self.stdout.write(f"board:     {report.board}")
        self.stdout.write(f"uptime:    {report.uptime}")
        self.stdout.write(f"cpu load:  {report.cpu_load}%")
        if report.free_memory is not None and report.total_memory:
            self.stdout.write(
                f"memory:    {report.free_memory // 2**20} MiB free of "
                f"{report.total_memory // 2**20} MiB"
            )
