"""The simulator speaks the RouterOS API as the manual describes it: checked at the byte
level, and with two independent client libraries (routeros-api and librouteros)."""

from __future__ import annotations

import asyncio
import socket
import time

import librouteros
import pytest
import routeros_api
from routeros_api.exceptions import RouterOsApiCommunicationError

from erp.mikrotik.simulator.wire import (
    encode_length,
    encode_sentence,
    read_length,
    read_sentence,
)
from tests.router_fixtures import ROUTER_PASSWORD, sim_users


def run_async(coro):
    """asyncio.run on a thread of its own: the test thread may host another loop."""
    from concurrent.futures import ThreadPoolExecutor

    with ThreadPoolExecutor(1) as pool:
        return pool.submit(asyncio.run, coro).result()


@pytest.mark.parametrize(
    "length,size",
    [
        (0, 1),
        (0x7F, 1),
        (0x80, 2),
        (0x3FFF, 2),
        (0x4000, 3),
        (0x1FFFFF, 3),
        (0x200000, 4),
        (0xFFFFFFF, 4),
        (0x10000000, 5),
    ],
)
def test_length_prefix_sizes_and_round_trip(length, size):
    encoded = encode_length(length)
    assert len(encoded) == size

    async def decode():
        reader = asyncio.StreamReader()
        reader.feed_data(encoded)
        return await read_length(reader)

    assert run_async(decode()) == length


def test_sentence_round_trip():
    async def go():
        reader = asyncio.StreamReader()
        reader.feed_data(encode_sentence(["/ip/hotspot/user/add", "=name=" + "x" * 200, ".tag=7"]))
        return await read_sentence(reader)

    assert run_async(go()) == ["/ip/hotspot/user/add", "=name=" + "x" * 200, ".tag=7"]


class Raw:
    """A bare socket client: we check the bytes, not a library's reading of them."""

    def __init__(self, port):
        self.sock = socket.create_connection(("127.0.0.1", port), timeout=5)
        self.buffer = b""

    def send(self, *words):
        self.sock.sendall(encode_sentence(list(words)))

    def sentence(self):
        async def parse(data):
            reader = asyncio.StreamReader()
            reader.feed_data(data)
            reader.feed_eof()
            words = await read_sentence(reader)
            return words, len(data) - len(reader._buffer)

        while True:
            try:
                words, used = run_async(parse(self.buffer))
                self.buffer = self.buffer[used:]
                return words
            except asyncio.IncompleteReadError:
                chunk = self.sock.recv(65536)
                if not chunk:
                    raise ConnectionError("closed") from None
                self.buffer += chunk

    def until_done(self):
        sentences = []
        while True:
            sentences.append(self.sentence())
            if sentences[-1][0] in ("!done", "!fatal"):
                return sentences


@pytest.mark.django_db
def test_wire_level_login_tags_traps_and_fatal(sim_router):
    _, simulated = sim_router()
    raw = Raw(simulated.port)

    raw.send("/ip/hotspot/user/print", ".tag=a")
    refused = raw.until_done()
    assert refused[0][0] == "!trap" and "=message=not logged in" in refused[0]
    assert refused[1] == ["!done", ".tag=a"]

    raw.send("/login", "=name=admin", "=password=wrong", ".tag=b")
    bad = raw.until_done()
    assert bad[0][0] == "!trap" and bad[0][-1] == ".tag=b" and bad[1] == ["!done", ".tag=b"]

    raw.send("/login", "=name=admin", f"=password={ROUTER_PASSWORD}", ".tag=c")
    assert raw.until_done() == [["!done", ".tag=c"]]

    raw.send("/ip/hotspot/user/add", "=name=v1", "=password=v1", ".tag=d")
    added = raw.until_done()
    assert added[0][0] == "!done" and added[0][1].startswith("=ret=*") and added[0][2] == ".tag=d"
    raw.send("/ip/hotspot/user/add", "=name=v2", ".tag=e")
    raw.until_done()

    raw.send("/ip/hotspot/user/print", "=.proplist=name,profile", ".tag=f")
    rows = raw.until_done()
    assert [s[0] for s in rows] == ["!re", "!re", "!done"]
    assert all(s[-1] == ".tag=f" for s in rows)
    assert rows[0][1:3] == ["=name=v1", "=profile=default"]

    raw.send("/ip/hotspot/user/print", "?name=v2", ".tag=g")
    assert [s for s in raw.until_done() if s[0] == "!re"][0][1:].count("=name=v2") == 1

    raw.send("/ip/hotspot/user/add", "=name=v1", ".tag=h")
    dup = raw.until_done()
    assert dup[0] == ["!trap", "=message=failure: already have user with this name", ".tag=h"]
    assert dup[1] == ["!done", ".tag=h"]

    raw.send("/quit", ".tag=i")
    assert raw.until_done()[-1][0] == "!fatal"


@pytest.mark.django_db
def test_legacy_challenge_login_with_routeros_api(sim_router):
    _, simulated = sim_router(login_mode="legacy")
    pool = routeros_api.RouterOsApiPool(
        "127.0.0.1", "admin", ROUTER_PASSWORD, port=simulated.port, plaintext_login=False
    )
    api = pool.get_api()
    assert api.get_resource("/system/identity").get()[0]["name"].startswith("sim")
    pool.disconnect()
    bad = routeros_api.RouterOsApiPool(
        "127.0.0.1", "admin", "nope", port=simulated.port, plaintext_login=False
    )
    with pytest.raises(RouterOsApiCommunicationError):
        bad.get_api()


@pytest.mark.django_db
def test_crud_and_duplicate_trap_with_routeros_api(simulator, sim_router):
    _, simulated = sim_router()
    pool = routeros_api.RouterOsApiPool(
        "127.0.0.1", "admin", ROUTER_PASSWORD, port=simulated.port, plaintext_login=True
    )
    users = pool.get_api().get_resource("/ip/hotspot/user")
    users.add(name="CODE1", password="CODE1", profile="default")
    row = users.get(name="CODE1")[0]
    users.set(id=row["id"], disabled="yes", comment="sold")
    assert users.get(name="CODE1")[0]["disabled"] == "true"
    with pytest.raises(RouterOsApiCommunicationError) as trap:
        users.add(name="CODE1", password="x")
    assert trap.value.original_message == b"failure: already have user with this name"
    users.remove(id=row["id"])
    assert users.get(name="CODE1") == []
    assert sim_users(simulator, simulated) == []
    pool.disconnect()


@pytest.mark.django_db
def test_a_second_independent_client_librouteros(simulator, sim_router):
    _, simulated = sim_router()
    api = librouteros.connect(
        host="127.0.0.1", username="admin", password=ROUTER_PASSWORD, port=simulated.port
    )
    users = api.path("ip", "hotspot", "user")
    users.add(name="LIB1", password="LIB1", profile="default")
    users.add(name="LIB2", password="LIB2")
    names = sorted(row["name"] for row in users.select("name"))
    assert names == ["LIB1", "LIB2"]
    lib1 = next(r for r in users if r["name"] == "LIB1")
    users.update(**{".id": lib1[".id"], "comment": "from librouteros"})
    users.remove(lib1[".id"])
    assert [u["name"] for u in sim_users(simulator, simulated)] == ["LIB2"]
    identity = tuple(api("/system/identity/print"))
    assert identity[0]["name"] == simulated.state.identity
    resource = tuple(api("/system/resource/print"))[0]
    assert resource["board-name"] == "hAP ac2"
    with pytest.raises(librouteros.exceptions.TrapError):
        users.add(name="LIB2")
    api.close()
    with pytest.raises(librouteros.exceptions.TrapError):
        librouteros.connect(host="127.0.0.1", username="admin", password="bad", port=simulated.port)


@pytest.mark.django_db
def test_injected_latency_applies_per_round_trip(simulator, sim_router):
    _, simulated = sim_router()
    simulator.call(lambda: setattr(simulated.state.faults, "latency", 0.05))
    pool = routeros_api.RouterOsApiPool(
        "127.0.0.1", "admin", ROUTER_PASSWORD, port=simulated.port, plaintext_login=True
    )
    users = pool.get_api().get_resource("/ip/hotspot/user")
    started = time.perf_counter()
    for i in range(5):
        users.add(name=f"S{i}")
    sequential = time.perf_counter() - started
    started = time.perf_counter()
    promises = [users.add_async(name=f"P{i}") for i in range(20)]
    for promise in promises:
        promise.get()
    pipelined = time.perf_counter() - started
    pool.disconnect()
    assert sequential >= 5 * 0.05
    assert pipelined < 3 * 0.05  # twenty commands, about one round trip


@pytest.mark.django_db
def test_refused_and_dropped_connections(simulator, sim_router):
    _, simulated = sim_router()
    simulator.stop_router(next(n for n, r in simulator.routers.items() if r is simulated))
    with pytest.raises(ConnectionRefusedError):
        socket.create_connection(("127.0.0.1", simulated.port), timeout=2)
