from django.core.management.base import BaseCommand
from django.db import transaction

from erp.sites.services import rotate_router_passwords


class Command(BaseCommand):
    help = (
        "Re-encrypt stored router passwords with the first key of FERNET_KEYS. "
        "Rotation: prepend a new key to FERNET_KEYS, run this, then remove the old key."
    )

    def handle(self, *args, **options):
        with transaction.atomic():
            count = rotate_router_passwords()
        self.stdout.write(self.style.SUCCESS(f"Re-encrypted {count} router password(s)."))
