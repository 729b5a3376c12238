"""Streamed authenticated encryption of archives."""

import io
import os

import pytest

from backups import encryption
from backups.errors import EncryptionKeyError

SECRET = "a long and random backup key"


def _seal(plain: bytes, *, write_size: int = 70_000) -> bytes:
    out = io.BytesIO()
    writer = encryption.EncryptingWriter(out, secret=SECRET)
    for start in range(0, len(plain), write_size):
        writer.write(plain[start : start + write_size])
    writer.close()
    return out.getvalue()


def _open(sealed: bytes, *, secret: str = SECRET, read_size: int = 10_240) -> bytes:
    raw = io.BytesIO(sealed)
    assert raw.read(len(encryption.MAGIC)) == encryption.MAGIC
    reader = encryption.DecryptingReader(raw, secret=secret)
    parts = []
    while chunk := reader.read(read_size):
        parts.append(chunk)
    return b"".join(parts)


@pytest.mark.parametrize(
    "size", [0, 1, encryption.CHUNK_SIZE, encryption.CHUNK_SIZE * 2 + 5]
)
def test_what_is_sealed_opens_unchanged(size):
    plain = os.urandom(size)
    assert _open(_seal(plain)) == plain


def test_sealed_bytes_reveal_nothing_of_the_plain_text():
    plain = b"manifest.json " * 1000
    assert b"manifest" not in _seal(plain)


def test_the_same_plain_text_seals_differently_each_time():
    assert _seal(b"same") != _seal(b"same")


def test_a_wrong_key_is_named_as_such():
    with pytest.raises(EncryptionKeyError, match="not the key"):
        _open(_seal(b"data"), secret="some other key")


def test_a_missing_key_is_named_as_such():
    with pytest.raises(EncryptionKeyError, match="not set"):
        _open(_seal(b"data"), secret="")


def test_dropping_the_last_chunk_is_detected():
    plain = os.urandom(encryption.CHUNK_SIZE * 2 + 10)
    sealed = _seal(plain)
    # Header, then two full chunks and a short last one, each with a length.
    full = 4 + encryption.CHUNK_SIZE + 16
    header = len(encryption.MAGIC) + 36
    with pytest.raises(encryption.DecryptionFailed, match="ends before its last"):
        _open(sealed[: header + 2 * full])


def test_a_flipped_bit_fails_authentication():
    sealed = bytearray(_seal(os.urandom(5000)))
    sealed[-20] ^= 0x04
    with pytest.raises(encryption.DecryptionFailed, match="authentication"):
        _open(bytes(sealed))


def test_data_after_the_last_chunk_is_detected():
    with pytest.raises(encryption.DecryptionFailed, match="follows"):
        _open(_seal(b"data") + b"extra")
