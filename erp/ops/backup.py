"""Backups and restores: the database, the uploaded and exported files, and the keys.

One archive (a tar file, mode 0600, in a 0700 folder) holds:

- ``database.dump``: ``pg_dump`` custom format (PostgreSQL), or ``database.sqlite3`` made with
  SQLite's online backup API, both consistent while the ERP keeps running;
- ``media/``: ``MEDIA_ROOT`` (receipts, exports);
- ``keys/``: ``secret_key`` and ``fernet_keys`` (router passwords are encrypted with the
  latter: without them a restored database cannot reach its routers);
- ``manifest.json``: every table's row count and a checksum of each money table, taken from
  the same snapshot as the dump, so a restore can prove it got everything back.

Because the archive holds the keys it is as secret as the server, so it is encrypted with
`age <https://age-encryption.org>`_ (pyrage, the Rust implementation's bindings) to the public
keys in ``BACKUP_AGE_RECIPIENTS``: the server holds only public keys, and a copy of the
archives stolen from it (or from the off-site store) cannot be read without an identity (a
private key) kept elsewhere. ``manage.py restore --identity FILE`` (or
``BACKUP_AGE_IDENTITY_FILE``) decrypts; so does the ``age`` tool (``age -d -i key.txt``).
Without recipients the archive is a plain tar, which production refuses.
"""

from __future__ import annotations

import hashlib
import io
import json
import os
import shutil
import sqlite3
import subprocess
import tarfile
import tempfile
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import unquote, urlparse

import psycopg
import pyrage
from django.conf import settings
from django.utils import timezone
from pyrage import x25519

FORMAT = 1
PREFIX = "viornet-"
AGE_SUFFIX = ".age"
AGE_MAGIC = b"age-encryption.org/v1"
# Tables whose rows are money: their content is checksummed, not only counted.
MONEY_COLUMNS = ("amount", "price", "commission", "discount")


class BackupError(Exception):
    """A backup or restore that cannot go on; the message says why."""


@dataclass(frozen=True)
class Database:
    """Where a database is, as the dump and restore tools need it."""

    vendor: str  # "postgresql" or "sqlite"
    name: str  # database name, or the SQLite file's path
    host: str = ""
    port: str = ""
    user: str = ""
    password: str = ""

    @classmethod
    def from_settings(cls, alias: str = "default") -> Database:
        db = settings.DATABASES[alias]
        if db["ENGINE"].endswith("sqlite3"):
            return cls("sqlite", str(db["NAME"]))
        if db["ENGINE"].endswith("postgresql"):
            return cls(
                "postgresql",
                db["NAME"],
                str(db.get("HOST") or ""),
                str(db.get("PORT") or ""),
                db.get("USER") or "",
                db.get("PASSWORD") or "",
            )
        raise BackupError(f"Backups support PostgreSQL and SQLite, not {db['ENGINE']}.")

    @classmethod
    def from_url(cls, url: str) -> Database:
        parsed = urlparse(url)
        if parsed.scheme == "sqlite":
            return cls("sqlite", unquote(parsed.path))
        if parsed.scheme in {"postgres", "postgresql"}:
            return cls(
                "postgresql",
                unquote(parsed.path.lstrip("/")),
                parsed.hostname or "",
                str(parsed.port or ""),
                unquote(parsed.username or ""),
                unquote(parsed.password or ""),
            )
        raise BackupError(f"Unknown database URL scheme: {parsed.scheme}")

    def pg_env(self) -> dict[str, str]:
        env = dict(os.environ)
        for var, value in (
            ("PGHOST", self.host),
            ("PGPORT", self.port),
            ("PGUSER", self.user),
            ("PGPASSWORD", self.password),
        ):
            if value:
                env[var] = value
        env["PGDATABASE"] = self.name
        return env

    def connect(self):
        if self.vendor == "sqlite":
            return sqlite3.connect(self.name)

        return psycopg.connect(
            dbname=self.name,
            host=self.host or None,
            port=self.port or None,
            user=self.user or None,
            password=self.password or None,
        )


# --- figures: what a restore must give back ---------------------------------------------------


def figures(connection, vendor: str) -> dict:
    """Row count of every table and a checksum of every money table, read on ``connection``
    (in the caller's transaction: the dump's snapshot on PostgreSQL)."""
    cursor = connection.cursor()
    if vendor == "postgresql":
        cursor.execute(
            "SELECT tablename FROM pg_tables WHERE schemaname = 'public' ORDER BY tablename"
        )
        tables = [row[0] for row in cursor.fetchall()]
        cursor.execute(
            "SELECT DISTINCT table_name FROM information_schema.columns "
            "WHERE table_schema = 'public' AND column_name = ANY(%s)",
            [list(MONEY_COLUMNS)],
        )
    else:
        cursor.execute(
            "SELECT name FROM sqlite_master WHERE type = 'table' "
            "AND name NOT LIKE 'sqlite_%' ORDER BY name"
        )
        tables = [row[0] for row in cursor.fetchall()]
        marks = ",".join("?" * len(MONEY_COLUMNS))
        cursor.execute(
            "SELECT DISTINCT m.name FROM sqlite_master m, pragma_table_info(m.name) c "  # noqa: S608
            f"WHERE m.type = 'table' AND c.name IN ({marks})",
            MONEY_COLUMNS,
        )
    # History tables are counted, not checksummed (they repeat the rows they follow).
    money = sorted(row[0] for row in cursor.fetchall() if "historical" not in row[0])
    counts = {}
    for table in tables:
        cursor.execute(f'SELECT count(*) FROM "{table}"')  # noqa: S608 - names from the catalogue
        counts[table] = cursor.fetchone()[0]
    checksums = {table: _checksum(cursor, vendor, table) for table in money}
    return {"counts": counts, "checksums": checksums}


def _checksum(cursor, vendor: str, table: str) -> str:
    """Order-independent digest of a table's rows: the sum of each row's md5 (constant memory
    on a million sales)."""
    if vendor == "postgresql":
        digest = "coalesce(sum(('x' || substr(md5(t::text), 1, 15))::bit(60)::bigint), 0)"
        cursor.execute(f'SELECT {digest} FROM "{table}" AS t')  # noqa: S608 - catalogue name
        return str(cursor.fetchone()[0])
    total = 0
    cursor.execute(f'SELECT * FROM "{table}"')  # noqa: S608 - name from the catalogue
    for row in cursor.fetchall():
        total += int(hashlib.md5(repr(row).encode(), usedforsecurity=False).hexdigest()[:15], 16)
    return str(total)


# --- backup ------------------------------------------------------------------------------------


def backup_dir() -> Path:
    path = Path(settings.BACKUP_DIR)
    path.mkdir(parents=True, exist_ok=True)
    path.chmod(0o700)
    return path


def create_backup(
    destination: Path | None = None, *, with_keys: bool = True, keep: int | None = None
) -> Path:
    """Write one archive into ``destination`` (BACKUP_DIR) and drop the oldest beyond
    ``keep`` (BACKUP_KEEP). Returns the archive's path."""
    destination = Path(destination) if destination else backup_dir()
    destination.mkdir(parents=True, exist_ok=True)
    destination.chmod(0o700)
    database = Database.from_settings()
    recipients = _recipients()  # before a long dump: a bad key is said at once
    stamp = timezone.now().strftime("%Y%m%dT%H%M%S%fZ")
    final = destination / f"{PREFIX}{stamp}.tar"
    with tempfile.TemporaryDirectory(dir=destination) as work:
        work = Path(work)
        if database.vendor == "postgresql":
            dump, manifest = work / "database.dump", _dump_postgres(database, work)
        else:
            dump, manifest = work / "database.sqlite3", _dump_sqlite(database, work)
        manifest |= {
            "format": FORMAT,
            "created_at": timezone.now().isoformat(),
            "vendor": database.vendor,
            "keys": with_keys,
        }
        if recipients:
            final = final.with_name(final.name + AGE_SUFFIX)
        plain = work / "archive.tar"  # in the 0700 work folder, deleted with it
        fd = os.open(plain, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
        with os.fdopen(fd, "wb") as raw, tarfile.open(fileobj=raw, mode="w") as tar:
            _add_bytes(tar, "manifest.json", json.dumps(manifest, indent=1).encode())
            tar.add(dump, arcname=dump.name)
            media = Path(settings.MEDIA_ROOT)
            if media.is_dir():
                tar.add(media, arcname="media")
            if with_keys:
                _add_bytes(tar, "keys/secret_key", settings.SECRET_KEY.encode())
                _add_bytes(tar, "keys/fernet_keys", ",".join(settings.FERNET_KEYS).encode())
        partial = destination / f".{final.name}.partial"
        fd = os.open(partial, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
        with os.fdopen(fd, "wb") as out, plain.open("rb") as source:
            if recipients:
                pyrage.encrypt_io(source, out, recipients)
            else:
                shutil.copyfileobj(source, out)
        partial.rename(final)
    prune(destination, keep if keep is not None else settings.BACKUP_KEEP)
    return final


def _recipients() -> list:
    """The age public keys archives are encrypted to (BACKUP_AGE_RECIPIENTS); none in
    production is an error, not a plain archive full of keys."""
    keys = [k.strip() for k in settings.BACKUP_AGE_RECIPIENTS if k.strip()]
    if not keys:
        if settings.PRODUCTION:
            raise BackupError(
                "Set BACKUP_AGE_RECIPIENTS (an age public key, age1…; make one with "
                "manage.py backup --generate-key FILE): production backups are encrypted."
            )
        return []
    try:
        return [x25519.Recipient.from_str(k) for k in keys]
    except Exception as exc:  # noqa: BLE001 - pyrage's RecipientError and friends
        raise BackupError(
            f"BACKUP_AGE_RECIPIENTS holds a key that is not an age key: {exc}"
        ) from exc


def generate_identity(path: Path) -> str:
    """Write a new age identity (private key) to ``path`` (0600, never over a file) and
    return its recipient (public key) for BACKUP_AGE_RECIPIENTS."""
    identity = x25519.Identity.generate()
    recipient = str(identity.to_public())
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    with os.fdopen(fd, "w") as out:
        out.write(f"# created: {timezone.now().isoformat()}\n# public key: {recipient}\n")
        out.write(f"{identity}\n")
    return recipient


def _identities(identity_file: Path | None) -> list:
    path = identity_file or (
        Path(settings.BACKUP_AGE_IDENTITY_FILE) if settings.BACKUP_AGE_IDENTITY_FILE else None
    )
    if path is None:
        raise BackupError(
            "This archive is encrypted: give the age identity that decrypts it "
            "(--identity FILE or BACKUP_AGE_IDENTITY_FILE)."
        )
    try:
        lines = Path(path).read_text().splitlines()
    except OSError as exc:
        raise BackupError(f"Cannot read the identity file {path}: {exc.strerror}") from exc
    keys = [line.strip() for line in lines if line.strip().startswith("AGE-SECRET-KEY-")]
    if not keys:
        raise BackupError(f"{path} holds no age identity (a line AGE-SECRET-KEY-1…).")
    try:
        return [x25519.Identity.from_str(k) for k in keys]
    except Exception as exc:  # noqa: BLE001
        raise BackupError(f"{path} holds a malformed age identity: {exc}") from exc


def _plain_archive(archive: Path, work: Path, identity_file: Path | None) -> Path:
    """The tar inside ``archive``: decrypted into ``work`` when it is an age file."""
    with archive.open("rb") as head:
        encrypted = head.read(len(AGE_MAGIC)) == AGE_MAGIC
    if not encrypted:
        return archive
    identities = _identities(identity_file)
    plain = work / "archive.tar"
    fd = os.open(plain, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    try:
        with os.fdopen(fd, "wb") as out, archive.open("rb") as source:
            pyrage.decrypt_io(source, out, identities)
    except (pyrage.DecryptError, OSError) as exc:  # OSError: a damaged chunk, mid-stream
        raise BackupError(
            f"Cannot decrypt {archive.name}: not encrypted to this identity, or damaged ({exc})."
        ) from exc
    return plain


def _add_bytes(tar: tarfile.TarFile, name: str, data: bytes) -> None:
    info = tarfile.TarInfo(name)
    info.size = len(data)
    info.mode = 0o600
    info.mtime = int(timezone.now().timestamp())
    tar.addfile(info, io.BytesIO(data))


def _dump_postgres(database: Database, work: Path) -> dict:
    """pg_dump of the snapshot the figures were read in (exported from our own transaction)."""
    if not shutil.which("pg_dump"):
        raise BackupError("pg_dump is not installed (Debian: apt-get install postgresql-client).")
    with database.connect() as conn:
        conn.execute("BEGIN ISOLATION LEVEL REPEATABLE READ READ ONLY")
        snapshot = conn.execute("SELECT pg_export_snapshot()").fetchone()[0]
        manifest = figures(conn, "postgresql")
        result = subprocess.run(  # noqa: S603 - fixed command line, no shell
            ["pg_dump", "--format=custom", f"--snapshot={snapshot}", "--no-owner"]
            + ["--file", str(work / "database.dump")],
            env=database.pg_env(),
            capture_output=True,
            text=True,
            check=False,
        )
        conn.execute("COMMIT")
    if result.returncode != 0:
        raise BackupError(f"pg_dump failed: {result.stderr.strip()}")
    return manifest


def _dump_sqlite(database: Database, work: Path) -> dict:
    target = work / "database.sqlite3"
    source = sqlite3.connect(database.name)
    copy = sqlite3.connect(target)
    try:
        source.backup(copy)
        return figures(copy, "sqlite")
    finally:
        copy.close()
        source.close()


def prune(destination: Path, keep: int) -> list[Path]:
    """Delete the oldest archives beyond the newest ``keep``; returns what was deleted."""
    archives = sorted(
        [*destination.glob(f"{PREFIX}*.tar"), *destination.glob(f"{PREFIX}*.tar{AGE_SUFFIX}")],
        key=lambda p: p.name.removesuffix(AGE_SUFFIX),
    )
    old = archives[:-keep] if keep > 0 else []
    for path in old:
        path.unlink()
    return old


# --- restore -----------------------------------------------------------------------------------


@dataclass
class RestoreReport:
    tables: int
    rows: int
    money_tables: int
    media_files: int
    keys_written: list[str]


def restore_backup(
    archive: Path,
    *,
    database_url: str,
    media_root: Path,
    keys_dir: Path | None = None,
    identity_file: Path | None = None,
) -> RestoreReport:
    """Restore ``archive`` (decrypted with the age identity when it is encrypted) into an empty
    database and check every table's row count and every money table's checksum against the
    manifest; a difference is a BackupError."""
    archive = Path(archive)
    target = Database.from_url(database_url)
    with tempfile.TemporaryDirectory() as work:
        work = Path(work)
        with tarfile.open(_plain_archive(archive, work, identity_file)) as tar:
            tar.extractall(work / "x", filter="data")
        work = work / "x"
        manifest = json.loads((work / "manifest.json").read_text())
        if manifest.get("format") != FORMAT:
            raise BackupError(f"Unknown backup format {manifest.get('format')}.")
        if manifest["vendor"] != target.vendor:
            raise BackupError(
                f"This backup is of a {manifest['vendor']} database; restore it into one."
            )
        if target.vendor == "postgresql":
            _restore_postgres(target, work / "database.dump")
        else:
            _restore_sqlite(target, work / "database.sqlite3")
        with target.connect() as conn:
            if target.vendor == "postgresql":
                conn.execute("BEGIN ISOLATION LEVEL REPEATABLE READ READ ONLY")
            got = figures(conn, target.vendor)
        _compare(manifest, got)
        media_files = _restore_media(work / "media", Path(media_root))
        written = _restore_keys(work / "keys", keys_dir) if keys_dir else []
    return RestoreReport(
        tables=len(got["counts"]),
        rows=sum(got["counts"].values()),
        money_tables=len(got["checksums"]),
        media_files=media_files,
        keys_written=written,
    )


def _restore_postgres(target: Database, dump: Path) -> None:
    if not shutil.which("pg_restore"):
        raise BackupError("pg_restore is not installed (Debian: postgresql-client).")
    with target.connect() as conn:
        tables = conn.execute(
            "SELECT count(*) FROM pg_tables WHERE schemaname = 'public'"
        ).fetchone()[0]
    if tables:
        raise BackupError(
            f"Database {target.name} is not empty ({tables} tables): restore into a new one "
            f"(createdb NAME), never over live data."
        )
    result = subprocess.run(  # noqa: S603 - fixed command line, no shell
        ["pg_restore", "--no-owner", "--no-privileges", "--exit-on-error"]
        + ["--dbname", target.name, str(dump)],
        env=target.pg_env(),
        capture_output=True,
        text=True,
        check=False,
    )
    if result.returncode != 0:
        raise BackupError(f"pg_restore failed: {result.stderr.strip()}")


def _restore_sqlite(target: Database, copy: Path) -> None:
    path = Path(target.name)
    if path.exists() and path.stat().st_size > 0:
        raise BackupError(f"{path} exists: restore into a new file, never over live data.")
    path.parent.mkdir(parents=True, exist_ok=True)
    shutil.copyfile(copy, path)


def _compare(manifest: dict, got: dict) -> None:
    problems = []
    for table, count in manifest["counts"].items():
        if got["counts"].get(table) != count:
            problems.append(f"{table}: {got['counts'].get(table)} rows, backup had {count}")
    for table, digest in manifest["checksums"].items():
        if got["checksums"].get(table) != digest:
            problems.append(f"{table}: money checksum differs")
    if problems:
        raise BackupError("The restored database differs from the backup: " + "; ".join(problems))


def _restore_media(source: Path, media_root: Path) -> int:
    if not source.is_dir():
        return 0
    count = 0
    for path in source.rglob("*"):
        if path.is_file():
            dest = media_root / path.relative_to(source)
            if dest.exists():
                continue  # never overwrite a file that is there
            dest.parent.mkdir(parents=True, exist_ok=True)
            shutil.copy2(path, dest)
            count += 1
    return count


def _restore_keys(source: Path, keys_dir: Path) -> list[str]:
    """Write the keys where development reads them (var/); an existing different key is left
    and reported, never overwritten."""
    written = []
    if not source.is_dir():
        return written
    keys_dir.mkdir(parents=True, exist_ok=True)
    for path in sorted(source.iterdir()):
        dest = keys_dir / path.name
        data = path.read_text()
        if dest.exists():
            if dest.read_text().strip() != data.strip():
                raise BackupError(
                    f"{dest} holds another key: move it away or restore the keys elsewhere "
                    "(--keys-dir); the restored data needs the backup's keys."
                )
            continue
        fd = os.open(dest, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
        with os.fdopen(fd, "w") as out:
            out.write(data)
        written.append(path.name)
    return written
