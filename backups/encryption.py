"""Authenticated, streamed encryption of archives (AES-256-GCM in chunks).

One GCM message would need the whole archive in memory to authenticate, so
the stream is cut into chunks of CHUNK_SIZE bytes, each sealed on its own.
Each chunk's nonce holds its number, and its associated data says whether it
is the last one, so chunks cannot be reordered, dropped or cut off without
the reader noticing.

Layout: MAGIC, salt (16 bytes), key check (16 bytes), nonce prefix (4 bytes),
then per chunk a 4-byte big-endian ciphertext length and the ciphertext.
"""

import hashlib
import hmac
import os
import struct
from typing import BinaryIO

from cryptography.exceptions import InvalidTag
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.ciphers.aead import AESGCM
from cryptography.hazmat.primitives.kdf.hkdf import HKDF

from backups.errors import EncryptionKeyError
from backups.streams import ChunkReader

MAGIC = b"SRBKENC1"
CHUNK_SIZE = 1024 * 1024
_TAG = 16
_LENGTH = struct.Struct(">I")


class DecryptionFailed(Exception):
    """A chunk failed authentication, or the stream ended too early."""


def _derive(secret: str, salt: bytes) -> tuple[bytes, bytes]:
    """Return (encryption key, key check) for this archive's salt."""
    material = HKDF(
        algorithm=hashes.SHA256(), length=64, salt=salt, info=b"showroom-backup-v1"
    ).derive(secret.encode())
    key, check_key = material[:32], material[32:]
    check = hmac.new(check_key, b"key check", hashlib.sha256).digest()[:16]
    return key, check


def _nonce(prefix: bytes, number: int) -> bytes:
    return prefix + number.to_bytes(8, "big")


def _aad(number: int, final: bool) -> bytes:
    return number.to_bytes(8, "big") + (b"\x01" if final else b"\x00")


class EncryptingWriter:
    """A write-only file object that seals what it is given onto `raw`."""

    def __init__(self, raw: BinaryIO, *, secret: str) -> None:
        self._raw = raw
        salt = os.urandom(16)
        key, check = _derive(secret, salt)
        self._aead = AESGCM(key)
        self._prefix = os.urandom(4)
        self._buffer = bytearray()
        self._number = 0
        raw.write(MAGIC + salt + check + self._prefix)

    def writable(self) -> bool:
        return True

    def write(self, data: bytes) -> int:
        self._buffer += data
        # Keep at least one full chunk back: only close() knows the last one.
        while len(self._buffer) > CHUNK_SIZE:
            self._seal(bytes(self._buffer[:CHUNK_SIZE]), final=False)
            del self._buffer[:CHUNK_SIZE]
        return len(data)

    def flush(self) -> None:
        self._raw.flush()

    def close(self) -> None:
        self._seal(bytes(self._buffer), final=True)
        self._buffer.clear()
        self._raw.flush()

    def _seal(self, plain: bytes, *, final: bool) -> None:
        sealed = self._aead.encrypt(
            _nonce(self._prefix, self._number), plain, _aad(self._number, final)
        )
        self._raw.write(_LENGTH.pack(len(sealed)) + sealed)
        self._number += 1


class DecryptingReader(ChunkReader):
    """A read-only file object that opens and checks what EncryptingWriter sealed.

    The caller has already read MAGIC from `raw`.
    """

    def __init__(self, raw: BinaryIO, *, secret: str) -> None:
        if not secret:
            raise EncryptionKeyError(
                "The archive is encrypted and BACKUP_ENCRYPTION_KEY is not set."
            )
        header = raw.read(36)
        if len(header) != 36:
            raise DecryptionFailed("the encryption header is cut off")
        salt, check, self._prefix = header[:16], header[16:32], header[32:]
        key, expected = _derive(secret, salt)
        if not hmac.compare_digest(check, expected):
            raise EncryptionKeyError(
                "BACKUP_ENCRYPTION_KEY is not the key this archive was encrypted "
                "with (or the archive's encryption header is damaged)."
            )
        self._raw = raw
        self._aead = AESGCM(key)
        self._number = 0
        super().__init__()

    def _next_chunk(self) -> bytes:
        head = self._raw.read(_LENGTH.size)
        if len(head) != _LENGTH.size:
            raise DecryptionFailed("the encrypted stream ends before its last chunk")
        (length,) = _LENGTH.unpack(head)
        if length < _TAG or length > CHUNK_SIZE + _TAG:
            raise DecryptionFailed("a chunk length is out of range")
        sealed = self._raw.read(length)
        if len(sealed) != length:
            raise DecryptionFailed("the encrypted stream is cut off")
        nonce = _nonce(self._prefix, self._number)
        for final in (False, True):
            try:
                plain = self._aead.decrypt(nonce, sealed, _aad(self._number, final))
            except InvalidTag:
                continue
            self._number += 1
            if final:
                self._finished = True
                if self._raw.read(1):
                    raise DecryptionFailed("data follows the last chunk")
            return plain
        raise DecryptionFailed(f"chunk {self._number} fails authentication")
