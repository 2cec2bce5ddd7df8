"""The hotspot's CHAP: md5(chap-id + password + chap-challenge) over the raw bytes of the
octal-escaped strings MikroTik puts in its login page."""

import hashlib

from erp.portal import chap


def test_octal_escapes_decode_to_bytes_and_back():
    assert chap.unescape(r"\375") == b"\xfd"
    assert chap.unescape(r"\101B\377") == b"AB\xff"
    assert chap.unescape(chap.escape(bytes(range(256)))) == bytes(range(256))


def test_response_is_md5_of_id_password_challenge_bytes():
    chap_id = r"\375"
    challenge = r"\123\045\377\000\012\200\001\002\003\004\005\006\007\010\011\013"
    expected = hashlib.md5(  # noqa: S324
        b"\xfd"
        + b"K7PQ9"
        + bytes([0o123, 0o45, 0o377, 0, 0o12, 0o200, 1, 2, 3, 4, 5, 6, 7, 8, 9, 0o13])
    ).hexdigest()
    assert chap.response(chap_id, "K7PQ9", challenge) == expected
    # A different challenge, a different answer: the password is never sent as is.
    assert chap.response(chap_id, "K7PQ9", r"\000" * 16) != expected
