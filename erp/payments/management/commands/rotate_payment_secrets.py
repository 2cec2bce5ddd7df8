from django.core.management.base import BaseCommand

from erp.payments.services import rotate_provider_secrets


class Command(BaseCommand):
    help = (
        "Re-encrypt payment provider API keys and webhook secrets with the first key of "
        "FERNET_KEYS (run beside rotate_fernet_keys, before removing the old key)."
    )

    def handle(self, *args, **options):
        count = rotate_provider_secrets()
        self.stdout.write(self.style.SUCCESS(f"Re-encrypted {count} provider account(s)."))
