"""Encryption of secrets at rest (router passwords) with rotatable Fernet keys.

The first key of settings.FERNET_KEYS encrypts; every key decrypts. To rotate: put a new key
first, run ``manage.py rotate_fernet_keys`` and, once it reports done, remove the old key.
"""

from __future__ import annotations

from functools import lru_cache

from cryptography.fernet import Fernet, InvalidToken, MultiFernet
from django.conf import settings


class DecryptionError(Exception):
    """A stored secret could not be decrypted with any configured key."""


@lru_cache(maxsize=4)
def _fernet(keys: tuple[str, ...]) -> MultiFernet:
    return MultiFernet([Fernet(k.encode()) for k in keys])


def _current() -> MultiFernet:
    return _fernet(tuple(settings.FERNET_KEYS))


def encrypt(plaintext: str) -> str:
    return _current().encrypt(plaintext.encode()).decode()


def decrypt(token: str) -> str:
    try:
        return _current().decrypt(token.encode()).decode()
    except InvalidToken:
        # Never include the token or any key in the message.
        raise DecryptionError(
            "stored secret cannot be decrypted with the configured keys"
        ) from None


def rotate(token: str) -> str:
    """Re-encrypt a token under the current first key."""
    try:
        return _current().rotate(token.encode()).decode()
    except InvalidToken:
        raise DecryptionError(
            "stored secret cannot be decrypted with the configured keys"
        ) from None
