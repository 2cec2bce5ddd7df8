"""The RouterOS simulator over real TCP, and routers in the database pointing at it."""

from __future__ import annotations

import datetime
import itertools
import ssl

import pytest
from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.x509.oid import NameOID

from erp.mikrotik.simulator import Simulator

ROUTER_PASSWORD = "Rtr-S3cret-pw!"
_names = itertools.count(1)


@pytest.fixture(scope="session")
def simulator():
    sim = Simulator().start_in_thread()
    yield sim
    sim.shutdown()


@pytest.fixture
def sim_router(simulator, make_router):
    """make(**options) -> (db_router, simulated_router) on a fresh simulated router."""
    made = []

    def make(*, login_mode="plain", password=ROUTER_PASSWORD, ssl_context=None, **fields):
        name = f"sim{next(_names)}"
        simulated = simulator.add_router(
            name, password=password, login_mode=login_mode, ssl_context=ssl_context
        )
        fields.setdefault("legacy_login", login_mode == "legacy")
        router = make_router(
            name=name,
            host="127.0.0.1",
            api_port=simulated.port,
            username="admin",
            password=password,
            **fields,
        )
        made.append(name)
        return router, simulated

    yield make
    for name in made:
        simulator.stop_router(name)


@pytest.fixture(scope="session")
def tls_files(tmp_path_factory):
    """A self-signed certificate, as a MikroTik router has by default."""
    key = ec.generate_private_key(ec.SECP256R1())
    name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "router.local")])
    now = datetime.datetime.now(datetime.UTC)
    cert = (
        x509.CertificateBuilder()
        .subject_name(name)
        .issuer_name(name)
        .public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - datetime.timedelta(days=1))
        .not_valid_after(now + datetime.timedelta(days=30))
        .sign(key, hashes.SHA256())
    )
    folder = tmp_path_factory.mktemp("tls")
    cert_path, key_path = folder / "cert.pem", folder / "key.pem"
    cert_path.write_bytes(cert.public_bytes(serialization.Encoding.PEM))
    key_path.write_bytes(
        key.private_bytes(
            serialization.Encoding.PEM,
            serialization.PrivateFormat.PKCS8,
            serialization.NoEncryption(),
        )
    )
    return cert_path, key_path


@pytest.fixture
def tls_context(tls_files):
    context = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
    context.load_cert_chain(*tls_files)
    return context


def sim_users(simulator, simulated):
    """The simulated router's hotspot users, read safely on the simulator's thread."""
    return simulator.call(lambda: [dict(u) for u in simulated.state.users.items])
