"""Restore drill: manage.py backup of a working day, manage.py restore into a fresh database,
and the restored data read back independently (rows, takings, a router password decrypted with
the restored keys, the media files). A tampered archive and a non-empty target are refused."""

from __future__ import annotations

import io
import json
import stat
import tarfile
import uuid
from pathlib import Path

import pytest
from cryptography.fernet import Fernet, MultiFernet
from django.core.management import CommandError, call_command
from django.db import connection

from erp.ops.backup import BackupError, Database, restore_backup
from erp.sales.models import Sale
from erp.sites.models import Router
from tests.workday import build_workday, noon_today


@pytest.fixture
def fresh_database(tmp_path):
    """The URL of a new, empty database of the same kind as the test database."""
    made = []

    def make() -> str:
        if connection.vendor == "sqlite":
            return f"sqlite:///{tmp_path / f'restored-{uuid.uuid4().hex[:6]}.sqlite3'}"
        db = connection.settings_dict
        name = f"{db['NAME']}_restore_{uuid.uuid4().hex[:6]}"
        with connection.cursor() as cursor:
            cursor.execute(f'CREATE DATABASE "{name}"')
        made.append(name)
        password = f":{db['PASSWORD']}" if db.get("PASSWORD") else ""
        return f"postgres://{db['USER']}{password}@{db['HOST']}:{db['PORT']}/{name}"

    yield make
    for name in made:
        with connection.cursor() as cursor:
            cursor.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


def _backup(tmp_path) -> Path:
    out = io.StringIO()
    call_command("backup", "--dir", str(tmp_path / "backups"), stdout=out)
    assert "Backup written" in out.getvalue()
    [archive] = sorted((tmp_path / "backups").glob("viornet-*.tar"))
    return archive


def _scalar(database: Database, sql: str):
    with database.connect() as conn:
        cursor = conn.cursor()
        cursor.execute(sql)
        return cursor.fetchone()[0]


@pytest.mark.django_db(transaction=True)
def test_backup_then_restore_into_a_fresh_database(
    tmp_path, settings, users, make_user, make_site, make_router, make_client, fresh_database
):
    settings.MEDIA_ROOT = tmp_path / "media"
    receipt = settings.MEDIA_ROOT / "exports" / "2026" / "11" / "sales.csv"
    receipt.parent.mkdir(parents=True)
    receipt.write_bytes(b"code,amount\nABC123,1000\n")
    build_workday(
        users=users,
        make_user=make_user,
        make_site=make_site,
        make_router=make_router,
        make_client=make_client,
        now=noon_today(),
    )
    sales = Sale.objects.count()
    takings = sum(s.amount for s in Sale.objects.all())
    router = Router.objects.get(name="kko-hap")
    assert sales >= 5

    archive = _backup(tmp_path)
    assert stat.S_IMODE(archive.stat().st_mode) == 0o600
    assert stat.S_IMODE(archive.parent.stat().st_mode) == 0o700

    url = fresh_database()
    keys = tmp_path / "restored-var"
    out = io.StringIO()
    call_command(
        "restore",
        str(archive),
        "--database-url",
        url,
        "--media-root",
        str(tmp_path / "restored-media"),
        "--keys-dir",
        str(keys),
        stdout=out,
    )
    assert "Restored and checked" in out.getvalue()
    assert "money tables' checksums equal" in out.getvalue()

    # Read back on our own, not through the restore's own check.
    restored = Database.from_url(url)
    assert _scalar(restored, "SELECT count(*) FROM sales_sale") == sales
    assert _scalar(restored, "SELECT sum(amount) FROM sales_sale") == takings
    with connection.cursor() as cursor:
        cursor.execute("SELECT count(*) FROM vouchers_voucher")
        vouchers = cursor.fetchone()[0]
    assert _scalar(restored, "SELECT count(*) FROM vouchers_voucher") == vouchers
    with restored.connect() as conn:
        cursor = conn.cursor()
        cursor.execute("SELECT name, password_encrypted FROM sites_router")
        token = dict(cursor.fetchall())[router.name]
    fernet = MultiFernet([Fernet(k) for k in (keys / "fernet_keys").read_text().split(",")])
    assert fernet.decrypt(token.encode()).decode() == "r0uter-Secret!"
    assert stat.S_IMODE((keys / "fernet_keys").stat().st_mode) == 0o600
    copied = tmp_path / "restored-media" / "exports" / "2026" / "11" / "sales.csv"
    assert copied.read_bytes() == receipt.read_bytes()

    # Into a database that is not empty: refused, nothing touched.
    with pytest.raises(CommandError, match="not empty|exists"):
        call_command(
            "restore", str(archive), "--database-url", url, "--media-root", str(tmp_path / "m2")
        )
    assert _scalar(restored, "SELECT count(*) FROM sales_sale") == sales
    assert not (tmp_path / "m2").exists()


@pytest.mark.django_db(transaction=True)
def test_a_restore_that_does_not_match_the_backup_fails(
    tmp_path, settings, make_site, fresh_database
):
    settings.MEDIA_ROOT = tmp_path / "media"
    make_site(name="Tampered")
    archive = _backup(tmp_path)
    # Change the manifest's count of sites: the restored database no longer matches it.
    tampered = tmp_path / "tampered.tar"
    with tarfile.open(archive) as source, tarfile.open(tampered, "w") as target:
        for member in source.getmembers():
            data = source.extractfile(member).read() if member.isfile() else None
            if member.name == "manifest.json":
                manifest = json.loads(data)
                manifest["counts"]["sites_site"] += 1
                data = json.dumps(manifest).encode()
                member.size = len(data)
            target.addfile(member, io.BytesIO(data) if data is not None else None)
    with pytest.raises(BackupError, match="sites_site"):
        restore_backup(tampered, database_url=fresh_database(), media_root=tmp_path / "m")
    assert not (tmp_path / "m").exists()  # media not restored from a failed restore


@pytest.mark.django_db(transaction=True)
def test_retention_keeps_the_newest(tmp_path, settings):
    settings.MEDIA_ROOT = tmp_path / "media"
    folder = tmp_path / "kept"
    for _ in range(3):
        call_command("backup", "--dir", str(folder), "--keep", "2", stdout=io.StringIO())
    archives = sorted(folder.glob("viornet-*.tar"))
    assert len(archives) == 2
    with tarfile.open(archives[-1]) as tar:
        names = tar.getnames()
    assert "manifest.json" in names and "keys/fernet_keys" in names
    call_command("backup", "--dir", str(folder), "--without-keys", stdout=io.StringIO())
    newest = sorted(folder.glob("viornet-*.tar"))[-1]
    with tarfile.open(newest) as tar:
        assert not [n for n in tar.getnames() if n.startswith("keys/")]


@pytest.fixture
def age_key(tmp_path, settings):
    """A new age identity file, its public key set as BACKUP_AGE_RECIPIENTS (as an operator
    does with manage.py backup --generate-key)."""
    identity = tmp_path / "offsite" / "backup-key.txt"
    identity.parent.mkdir()
    out = io.StringIO()
    call_command("backup", "--generate-key", str(identity), stdout=out)
    recipient = out.getvalue().split("BACKUP_AGE_RECIPIENTS=")[1].strip()
    assert recipient.startswith("age1")
    assert stat.S_IMODE(identity.stat().st_mode) == 0o600
    settings.BACKUP_AGE_RECIPIENTS = [recipient]
    return identity


@pytest.mark.django_db(transaction=True)
def test_an_encrypted_backup_restores_with_its_identity_only(
    tmp_path, settings, make_site, make_router, fresh_database, age_key
):
    settings.MEDIA_ROOT = tmp_path / "media"
    router = make_router(site=make_site(name="Encrypted"))
    call_command("backup", "--dir", str(tmp_path / "backups"), stdout=io.StringIO())
    [archive] = sorted((tmp_path / "backups").glob("viornet-*"))
    assert archive.name.endswith(".tar.age")
    assert stat.S_IMODE(archive.stat().st_mode) == 0o600
    content = archive.read_bytes()
    assert content.startswith(b"age-encryption.org/v1")
    # Nothing readable inside: not a tar, no key, no router name, no table name.
    assert not tarfile.is_tarfile(archive)
    for secret in (settings.SECRET_KEY, settings.FERNET_KEYS[0], "Encrypted", "sites_router"):
        assert secret.encode() not in content
    assert (
        not list((tmp_path / "backups").glob("*.partial"))
        and len(list((tmp_path / "backups").iterdir())) == 1
    )  # no plain tar left beside it

    # Without an identity, or with another one: refused, the database left empty.
    url = fresh_database()
    with pytest.raises(CommandError, match="encrypted: give the age identity"):
        call_command("restore", str(archive), "--database-url", url, stdout=io.StringIO())
    other = tmp_path / "other-key.txt"
    call_command("backup", "--generate-key", str(other), stdout=io.StringIO())
    with pytest.raises(CommandError, match="Cannot decrypt"):
        call_command(
            "restore",
            str(archive),
            "--database-url",
            url,
            "--identity",
            str(other),
            stdout=io.StringIO(),
        )
    restored = Database.from_url(url)
    assert _scalar(restored, "SELECT count(*) FROM pg_tables WHERE schemaname = 'public'") == 0

    # With it: restored and checked, the router's password readable with the restored keys.
    settings.BACKUP_AGE_IDENTITY_FILE = str(age_key)  # as the environment would give it
    keys = tmp_path / "restored-var"
    out = io.StringIO()
    call_command(
        "restore",
        str(archive),
        "--database-url",
        url,
        "--keys-dir",
        str(keys),
        "--media-root",
        str(tmp_path / "restored-media"),
        stdout=out,
    )
    assert "Restored and checked" in out.getvalue()
    with restored.connect() as conn:
        cursor = conn.cursor()
        cursor.execute("SELECT password_encrypted FROM sites_router WHERE name = %s", [router.name])
        token = cursor.fetchone()[0]
    fernet = MultiFernet([Fernet(k) for k in (keys / "fernet_keys").read_text().split(",")])
    assert fernet.decrypt(token.encode()).decode() == "r0uter-Secret!"


@pytest.mark.django_db(transaction=True)
def test_a_damaged_encrypted_archive_is_refused(tmp_path, settings, fresh_database, age_key):
    settings.MEDIA_ROOT = tmp_path / "media"
    call_command("backup", "--dir", str(tmp_path / "b"), stdout=io.StringIO())
    [archive] = sorted((tmp_path / "b").glob("viornet-*.tar.age"))
    data = bytearray(archive.read_bytes())
    data[len(data) // 2] ^= 0x01  # one bit flipped in the ciphertext
    archive.write_bytes(bytes(data))
    url = fresh_database()
    with pytest.raises(BackupError, match="Cannot decrypt"):
        restore_backup(archive, database_url=url, media_root=tmp_path / "m", identity_file=age_key)
    assert not (tmp_path / "m").exists()


def test_production_refuses_an_unencrypted_backup(tmp_path, settings):
    settings.PRODUCTION = True
    settings.BACKUP_AGE_RECIPIENTS = []
    with pytest.raises(CommandError, match="BACKUP_AGE_RECIPIENTS"):
        call_command("backup", "--dir", str(tmp_path / "b"), stdout=io.StringIO())
    settings.BACKUP_AGE_RECIPIENTS = ["not-a-key"]
    with pytest.raises(CommandError, match="not an age key"):
        call_command("backup", "--dir", str(tmp_path / "b"), stdout=io.StringIO())
    assert not list((tmp_path / "b").glob("viornet-*"))
