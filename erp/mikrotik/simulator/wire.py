"""RouterOS API framing: length-prefixed words, sentences ended by an empty word.

Lengths take 1 to 5 bytes (MikroTik API manual, "API words"): the high bits of the first byte
say how many follow.
"""

from __future__ import annotations

import asyncio


class ProtocolError(Exception):
    """The peer sent bytes that are not a RouterOS API sentence."""


def encode_length(length: int) -> bytes:
    if length < 0x80:
        return bytes([length])
    if length < 0x4000:
        return (length | 0x8000).to_bytes(2, "big")
    if length < 0x200000:
        return (length | 0xC00000).to_bytes(3, "big")
    if length < 0x10000000:
        return (length | 0xE0000000).to_bytes(4, "big")
    if length < 0x100000000:
        return b"\xf0" + length.to_bytes(4, "big")
    raise ProtocolError("word too long")


def encode_word(word: str | bytes) -> bytes:
    data = word.encode() if isinstance(word, str) else word
    return encode_length(len(data)) + data


def encode_sentence(words: list[str | bytes]) -> bytes:
    return b"".join(encode_word(w) for w in words) + b"\x00"


async def read_length(reader: asyncio.StreamReader) -> int:
    first = (await reader.readexactly(1))[0]
    if first < 0x80:
        return first
    if first < 0xC0:
        rest = await reader.readexactly(1)
        return ((first & 0x3F) << 8) | rest[0]
    if first < 0xE0:
        rest = await reader.readexactly(2)
        return ((first & 0x1F) << 16) | int.from_bytes(rest, "big")
    if first < 0xF0:
        rest = await reader.readexactly(3)
        return ((first & 0x0F) << 24) | int.from_bytes(rest, "big")
    if first == 0xF0:
        return int.from_bytes(await reader.readexactly(4), "big")
    raise ProtocolError(f"control byte 0x{first:02x} is reserved")


async def read_sentence(reader: asyncio.StreamReader, max_word: int = 1 << 20) -> list[str]:
    words: list[str] = []
    while True:
        length = await read_length(reader)
        if length == 0:
            return words
        if length > max_word:
            raise ProtocolError("word longer than the simulator accepts")
        words.append((await reader.readexactly(length)).decode("utf-8", errors="replace"))
