"""manage.py backup: one archive of the database, media files and keys (see erp/ops/backup.py)."""

from django.core.management.base import BaseCommand, CommandError

from erp.ops.backup import BackupError, create_backup


class Command(BaseCommand):
    help = (
        "Back up the database (pg_dump custom format, or SQLite's online backup), the media "
        "files and the keys into one 0600 archive under BACKUP_DIR, keeping BACKUP_KEEP."
    )

    def add_arguments(self, parser):
        parser.add_argument("--dir", help="Folder for the archive (default: BACKUP_DIR).")
        parser.add_argument("--keep", type=int, help="Archives to keep (default: BACKUP_KEEP).")
        parser.add_argument(
            "--without-keys",
            action="store_true",
            help="Leave SECRET_KEY and FERNET_KEYS out (keep them elsewhere: router passwords "
            "cannot be read without the Fernet keys).",
        )

    def handle(self, *args, dir=None, keep=None, without_keys=False, **options):
        try:
            path = create_backup(dir, with_keys=not without_keys, keep=keep)
        except BackupError as exc:
            raise CommandError(str(exc)) from exc
        size = path.stat().st_size
        self.stdout.write(f"Backup written: {path} ({size / 1_048_576:.1f} MiB)")
