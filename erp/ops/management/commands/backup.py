"""manage.py backup: one archive of the database, media files and keys (see erp/ops/backup.py)."""

from pathlib import Path

from django.core.management.base import BaseCommand, CommandError

from erp.ops.backup import BackupError, create_backup, generate_identity


class Command(BaseCommand):
    help = (
        "Back up the database (pg_dump custom format, or SQLite's online backup), the media "
        "files and the keys into one 0600 archive under BACKUP_DIR, keeping BACKUP_KEEP; "
        "encrypted with age to BACKUP_AGE_RECIPIENTS."
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

        parser.add_argument(
            "--generate-key",
            type=Path,
            metavar="FILE",
            help="Write a new age identity (private key) to FILE, print its public key for "
            "BACKUP_AGE_RECIPIENTS, and make no backup. Keep FILE off this server.",
        )

    def handle(self, *args, dir=None, keep=None, without_keys=False, **options):
        if options.get("generate_key"):
            try:
                recipient = generate_identity(options["generate_key"])
            except FileExistsError as exc:
                raise CommandError(f"{options['generate_key']} exists: not overwritten.") from exc
            self.stdout.write(
                f"Identity written to {options['generate_key']} (keep it off this server).\n"
                f"BACKUP_AGE_RECIPIENTS={recipient}"
            )
            return
        try:
            path = create_backup(dir, with_keys=not without_keys, keep=keep)
        except BackupError as exc:
            raise CommandError(str(exc)) from exc
        size = path.stat().st_size
        self.stdout.write(f"Backup written: {path} ({size / 1_048_576:.1f} MiB)")
