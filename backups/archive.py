"""The archive format: a tar stream, compressed, and optionally encrypted.

Members are `media/<path>`, then `database/<file>` and, last, `manifest.json`. The
manifest comes last because it holds the size and SHA-256 of every other
member, which are only known once they are written; writing it last lets the
whole archive stream through in one pass and constant memory. An
unencrypted archive is a plain `.tar.zst` or `.tar.gz` that `tar` can list.
"""

import hashlib
import io
import json
import tarfile
import time
import zlib
from collections.abc import Callable
from typing import Any, BinaryIO

import zstandard

from backups import encryption
from backups.errors import ArchiveDamaged
from backups.streams import ChunkReader

MANIFEST = "manifest.json"
FORMAT_VERSION = 1
ZSTD_MAGIC = b"\x28\xb5\x2f\xfd"
GZIP_MAGIC = b"\x1f\x8b"
READ_SIZE = 256 * 1024
CHECK_READ_SIZE = 1024 * 1024
MANIFEST_MAX_SIZE = 256 * 1024 * 1024
SUFFIXES = {"zstd": ".tar.zst", "gzip": ".tar.gz"}
COMPRESS_THREADS = 0

# A member consumer gets the member's name, a stream of its bytes and its
# size; whatever it leaves unread is read (and checked) after it returns.
MemberConsumer = Callable[[str, BinaryIO, int], None]


class HashingReader:
    """Pass reads through from `raw`, keeping a SHA-256 and a byte count."""

    def __init__(self, raw: BinaryIO) -> None:
        self._raw = raw
        self._hash = hashlib.sha256()
        self.count = 0

    def readable(self) -> bool:
        return True

    def read(self, size: int = -1) -> bytes:
        data = self._raw.read(size)
        self._hash.update(data)
        self.count += len(data)
        return data

    def drain(self) -> None:
        while self.read(READ_SIZE):
            pass

    def hexdigest(self) -> str:
        return self._hash.hexdigest()


class _PrefixedReader:
    """Give back `prefix` (bytes already read to sniff the format) then `raw`."""

    def __init__(self, prefix: bytes, raw: BinaryIO) -> None:
        self._prefix = prefix
        self._raw = raw

    def read(self, size: int = -1) -> bytes:
        if self._prefix:
            if size < 0:
                data, self._prefix = self._prefix + self._raw.read(), b""
                return data
            data, self._prefix = self._prefix[:size], self._prefix[size:]
            return data
        return self._raw.read(size)


class _DecompressingReader(ChunkReader):
    """Decompress zstd or gzip from `raw`, and insist on a complete stream.

    Library readers may stop quietly at the end of a cut-off file; this one
    raises unless the compressed stream reached its own end marker (and so
    its checksum), and nothing follows it.
    """

    def __init__(self, raw: BinaryIO, *, kind: str) -> None:
        self._raw = raw
        if kind == "zstd":
            self._inflater = zstandard.ZstdDecompressor().decompressobj()
        else:
            self._inflater = zlib.decompressobj(16 + zlib.MAX_WBITS)
        super().__init__()

    def _next_chunk(self) -> bytes:
        chunk = self._raw.read(READ_SIZE)
        if not chunk:
            if not self._inflater.eof:
                raise ArchiveStreamError("the compressed stream is cut off")
            self._finished = True
            return b""
        if self._inflater.eof:
            raise ArchiveStreamError("data follows the end of the compressed stream")
        data = self._inflater.decompress(chunk)
        if self._inflater.eof and self._inflater.unused_data:
            raise ArchiveStreamError("data follows the end of the compressed stream")
        return data


class ArchiveStreamError(Exception):
    """The bytes of an archive do not form a complete, valid stream."""


class _DigestingWriter:
    """Pass writes through to `raw`, keeping a SHA-256 and a count of the bytes."""

    def __init__(self, raw: BinaryIO) -> None:
        self._raw = raw
        self._hash = hashlib.sha256()
        self.count = 0

    def writable(self) -> bool:
        return True

    def write(self, data: bytes) -> int:
        self._hash.update(data)
        self.count += len(data)
        return self._raw.write(data)

    def flush(self) -> None:
        self._raw.flush()

    def hexdigest(self) -> str:
        return self._hash.hexdigest()


class ArchiveWriter:
    """Write members into a new archive on `raw`, then the manifest."""

    def __init__(self, raw: BinaryIO, *, compression: str, secret: str = "") -> None:
        # The digest of every byte written lets the caller check the stored
        # file against exactly what left this process (see archive_check).
        self._digest = _DigestingWriter(raw)
        self._encrypter = (
            encryption.EncryptingWriter(self._digest, secret=secret) if secret else None
        )
        sink = self._encrypter or self._digest
        if compression == "zstd":
            # Worker threads compress while this one reads and hashes the
            # next member; the output is the same format either way.
            self._compressor = zstandard.ZstdCompressor(
                level=3, write_checksum=True, threads=COMPRESS_THREADS
            ).stream_writer(sink, closefd=False)
        elif compression == "gzip":
            self._compressor = _GzipWriter(sink)
        else:
            raise ValueError(f"Unknown compression {compression!r}: use zstd or gzip.")
        # Closed in finish(): the writer outlives any one block.
        self._tar = tarfile.open(  # noqa: SIM115
            fileobj=self._compressor, mode="w|", format=tarfile.PAX_FORMAT
        )
        self.members: list[dict[str, Any]] = []

    def add(
        self, name: str, fileobj: BinaryIO, *, size: int, mtime: float | None = None
    ) -> None:
        info = tarfile.TarInfo(name)
        info.size = size
        info.mode = 0o644
        info.mtime = int(mtime if mtime is not None else time.time())
        reader = HashingReader(fileobj)
        # tarfile raises if the file yields fewer bytes than `size`.
        self._tar.addfile(info, reader)
        self.members.append({"name": name, "size": size, "sha256": reader.hexdigest()})

    def finish(self, manifest: dict[str, Any]) -> dict[str, Any]:
        """Write the manifest, close every layer, and return the manifest."""
        manifest = {**manifest, "members": self.members}
        data = json.dumps(manifest, indent=1, sort_keys=True).encode()
        info = tarfile.TarInfo(MANIFEST)
        info.size = len(data)
        info.mode = 0o644
        info.mtime = int(time.time())
        self._tar.addfile(info, io.BytesIO(data))
        self._tar.close()
        self._compressor.close()
        if self._encrypter is not None:
            self._encrypter.close()
        self.size = self._digest.count
        self.sha256 = self._digest.hexdigest()
        return manifest


class _GzipWriter:
    """A gzip stream writer that leaves the file beneath it open."""

    def __init__(self, sink: BinaryIO) -> None:
        import gzip

        self._gzip = gzip.GzipFile(fileobj=sink, mode="wb", compresslevel=6, mtime=0)

    def write(self, data: bytes) -> int:
        return self._gzip.write(data)

    def close(self) -> None:
        self._gzip.close()


def _open_stream(raw: BinaryIO, *, secret: str) -> _DecompressingReader:
    head = raw.read(len(encryption.MAGIC))
    if head == encryption.MAGIC:
        raw = encryption.DecryptingReader(raw, secret=secret)
        head = raw.read(4)
    if head.startswith(ZSTD_MAGIC):
        kind = "zstd"
    elif head.startswith(GZIP_MAGIC):
        kind = "gzip"
    else:
        raise ArchiveStreamError("not a backup archive (unknown format)")
    return _DecompressingReader(_PrefixedReader(head, raw), kind=kind)


def archive_read(
    raw: BinaryIO,
    *,
    name: str,
    secret: str = "",
    on_member: MemberConsumer | None = None,
) -> dict[str, Any]:
    """Read a whole archive, check every member, and return its manifest.

    Raises ArchiveDamaged when anything does not hold: the stream, the
    encryption, the tar structure, a member's size or checksum, or the set
    of members. `on_member` may consume each member (other than the
    manifest) as it streams by; checks on that member end only after it
    returns, so a consumer must hold back anything it cannot undo.
    """
    seen: dict[str, tuple[int, str]] = {}
    manifest: dict[str, Any] | None = None
    try:
        stream = _open_stream(raw, secret=secret)
        # A streamed tar holds no resource of its own to close.
        tar = tarfile.open(fileobj=stream, mode="r|")  # noqa: SIM115
        for info in tar:
            if manifest is not None:
                raise ArchiveStreamError("a member follows the manifest")
            if not info.isfile():
                raise ArchiveStreamError(f"{info.name} is not a regular file")
            member = tar.extractfile(info)
            if info.name == MANIFEST:
                if info.size > MANIFEST_MAX_SIZE:
                    raise ArchiveStreamError("the manifest is implausibly large")
                manifest = json.loads(member.read())
                continue
            reader = HashingReader(member)
            if on_member is not None:
                on_member(info.name, reader, info.size)
            reader.drain()
            seen[info.name] = (reader.count, reader.hexdigest())
        # Read past the tar end blocks to the end of the compressed (and
        # encrypted) stream, so that its own checksum and end are checked.
        while stream.read(READ_SIZE):
            pass
    except (
        ArchiveStreamError,
        encryption.DecryptionFailed,
        tarfile.TarError,
        zstandard.ZstdError,
        zlib.error,
        EOFError,
        ValueError,
    ) as error:
        raise ArchiveDamaged(name, str(error) or type(error).__name__) from error
    if manifest is None:
        raise ArchiveDamaged(name, "the manifest is missing")
    _check_members(name=name, manifest=manifest, seen=seen)
    return manifest


def archive_check(
    raw: BinaryIO, *, name: str, sha256: str, size: int, secret: str = ""
) -> None:
    """Check a stored archive against the digest taken while it was written.

    Raises ArchiveDamaged unless `raw` holds exactly `size` bytes whose
    SHA-256 is `sha256`, and those bytes decrypt (when encrypted) and
    decompress to the end of a complete stream, whose own checksum holds.

    This proves what archive_read proves of an archive this process has
    just written, at a fraction of the cost: the per-member checksums in
    the manifest were computed from the very bytes fed to tar, the
    compressor's checksum covers everything tar produced, and the digest
    covers everything the compressor (and the encryption) produced. A
    stored file with the same size and SHA-256 is that output, byte for
    byte, so every member in it still has its listed checksum. Reading it
    back from the storage, rather than trusting the local copy, is what
    catches a cut-off upload or a bad disk. verify_backup, which checks
    archives of unknown history, still reads every member.
    """
    reader = HashingReader(raw)
    try:
        stream = _open_stream(reader, secret=secret)
        while stream.read(CHECK_READ_SIZE):
            pass
        reader.drain()
    except (
        ArchiveStreamError,
        encryption.DecryptionFailed,
        zstandard.ZstdError,
        zlib.error,
        EOFError,
        ValueError,
    ) as error:
        raise ArchiveDamaged(name, str(error) or type(error).__name__) from error
    if reader.count != size:
        raise ArchiveDamaged(
            name, f"the stored archive has {reader.count} bytes, not {size}"
        )
    if reader.hexdigest() != sha256:
        raise ArchiveDamaged(name, "the stored archive differs from the one written")


def _check_members(
    *, name: str, manifest: dict[str, Any], seen: dict[str, tuple[int, str]]
) -> None:
    if manifest.get("format_version") != FORMAT_VERSION:
        raise ArchiveDamaged(
            name, f"unknown format version {manifest.get('format_version')!r}"
        )
    listed = {m["name"]: (m["size"], m["sha256"]) for m in manifest["members"]}
    if set(listed) != set(seen):
        missing = sorted(set(listed) - set(seen))
        extra = sorted(set(seen) - set(listed))
        raise ArchiveDamaged(name, f"members missing {missing}, unlisted {extra}")
    for member, (size, digest) in listed.items():
        if seen[member] != (size, digest):
            raise ArchiveDamaged(name, f"checksum mismatch in {member}")
