"""Bring the database in line with the code: the role matrix and the periodic jobs.

Runs after every `migrate` by itself (erp.accounts.apps); run it by hand after restoring an old
backup or to see what differs. Idempotent: a second run changes nothing.
"""

from django.core.management.base import BaseCommand

from erp.accounts.services import sync_roles
from erp.core.schedules import sync_schedules


class Command(BaseCommand):
    help = "Give each role exactly its permissions and create the missing periodic jobs."

    def handle(self, *args, **options):
        changes = sync_roles() + sync_schedules()
        for line in changes:
            self.stdout.write(line)
        if not changes:
            self.stdout.write("Roles and periodic jobs already match the code.")
