"""Print a new VAPID key pair for Web Push, as lines for the .env file."""

from __future__ import annotations

from django.core.management.base import BaseCommand

from erp.notifications.push import generate_vapid_keys


class Command(BaseCommand):
    help = "Print a new VAPID key pair (WEBPUSH_VAPID_PUBLIC_KEY / _PRIVATE_KEY) for .env."

    def handle(self, *args, **options):
        public, private = generate_vapid_keys()
        self.stdout.write(f"WEBPUSH_VAPID_PUBLIC_KEY={public}")
        self.stdout.write(f"WEBPUSH_VAPID_PRIVATE_KEY={private}")
