"""manage.py restore: an archive of manage.py backup into an empty database, checked."""

from pathlib import Path

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError

from erp.ops.backup import BackupError, restore_backup


class Command(BaseCommand):
    help = (
        "Restore a backup archive into an EMPTY database (never over live data), copy its media "
        "files (existing files are kept) and check every table's rows and the money tables' "
        "checksums against the backup."
    )

    def add_arguments(self, parser):
        parser.add_argument("archive", type=Path)
        parser.add_argument(
            "--database-url",
            help="The empty database to fill (default: DATABASE_URL, which must be empty).",
        )
        parser.add_argument("--media-root", type=Path, help="Default: MEDIA_ROOT.")
        parser.add_argument(
            "--keys-dir",
            type=Path,
            help="Write secret_key and fernet_keys here (development reads them from "
            "ERP_VAR_DIR). Without it, set SECRET_KEY and FERNET_KEYS from the archive's keys/.",
        )

        parser.add_argument(
            "--identity",
            type=Path,
            help="The age identity file that decrypts an encrypted archive "
            "(default: BACKUP_AGE_IDENTITY_FILE).",
        )

    def handle(
        self,
        *args,
        archive,
        database_url=None,
        media_root=None,
        keys_dir=None,
        identity=None,
        **opts,
    ):
        if not archive.is_file():
            raise CommandError(f"No such archive: {archive}")
        try:
            report = restore_backup(
                archive,
                database_url=database_url or settings.DATABASE_URL,
                media_root=media_root or Path(settings.MEDIA_ROOT),
                keys_dir=keys_dir,
                identity_file=identity,
            )
        except BackupError as exc:
            raise CommandError(str(exc)) from exc
        self.stdout.write(
            f"Restored and checked: {report.tables} tables, {report.rows} rows, "
            f"{report.money_tables} money tables' checksums equal, "
            f"{report.media_files} media files copied"
            + (f", keys written: {', '.join(report.keys_written)}" if report.keys_written else "")
        )
