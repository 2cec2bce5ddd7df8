from django.core.management.base import BaseCommand

from erp.integrations.openwisp.services import rotate_secrets


class Command(BaseCommand):
    help = (
        "Re-encrypt the OpenWISP API passwords with the first key of FERNET_KEYS (run beside "
        "rotate_fernet_keys, before removing the old key)."
    )

    def handle(self, *args, **options):
        count = rotate_secrets()
        self.stdout.write(self.style.SUCCESS(f"Re-encrypted {count} OpenWISP setting(s)."))
