"""The archive format: a tar stream, compressed, and optionally encrypted.

Members are `database/<file>`, then `media/<path>` and, last, `manifest.json`.
The manifest comes last because it holds the size and SHA-256 of every other
member, which are only known once they are written; writing it last lets the
whole archive stream through in one pass and constant memory. An unencrypted
archive is a plain `.tar.zst` or `.tar.gz` that `tar` can list.

Archives written by earlier versions read back the same way: some hold the
media first, and some are several compressed frames in a row, with the
pg_dump member declaring its SHA-256 in a PAX comment, which is ignored (the
manifest lists it too).
"""

import hashlib
import json
import tarfile
import time
import zlib
from collections.abc import Callable
from typing import Any, BinaryIO

import zstandard

from backups import encryption
from backups.errors import ArchiveDamaged, BackupError
from backups.streams import ChunkReader

MANIFEST = "manifest.json"
FORMAT_VERSION = 1
ZSTD_MAGIC = b"\x28\xb5\x2f\xfd"
GZIP_MAGIC = b"\x1f\x8b"
MAGICS = {"zstd": ZSTD_MAGIC, "gzip": GZIP_MAGIC}
READ_SIZE = 256 * 1024
CHECK_READ_SIZE = 1024 * 1024
MANIFEST_MAX_SIZE = 256 * 1024 * 1024
SUFFIXES = {"zstd": ".tar.zst", "gzip": ".tar.gz"}
NUL = b"\0"
COMPRESS_THREADS = 2
COMPRESS_JOB_SIZE = 1024 * 1024

# A member consumer gets the member's name, a stream of its bytes and its
# size; whatever it leaves unread is read (and checked) after it returns.
MemberConsumer = Callable[[str, BinaryIO, int], None]


class _Digest:
    """A SHA-256 and a count of the bytes that pass through a stream."""

    def __init__(self, raw: BinaryIO) -> None:
        self._raw = raw
        self._hash = hashlib.sha256()
        self.count = 0

    def _take(self, data: bytes) -> None:
        self._hash.update(data)
        self.count += len(data)

    def hexdigest(self) -> str:
        return self._hash.hexdigest()


class HashingReader(_Digest):
    """Pass reads through from `raw`, keeping a SHA-256 and a byte count."""

    def readable(self) -> bool:
        return True

    def read(self, size: int = -1) -> bytes:
        data = self._raw.read(size)
        self._take(data)
        return data

    def drain(self) -> None:
        while self.read(READ_SIZE):
            pass


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
    its checksum), and nothing but another whole frame follows it. Archives
    written by earlier versions may be several frames in a row; `zstd -d`
    and `gzip -d` read them as one.
    """

    def __init__(self, raw: BinaryIO, *, kind: str) -> None:
        self._raw = raw
        self._kind = kind
        self._inflater = _inflater_new(kind)
        self._pending = b""
        super().__init__()

    def _next_chunk(self) -> bytes:
        chunk, self._pending = self._pending or self._raw.read(READ_SIZE), b""
        if not chunk:
            if not self._inflater.eof:
                raise ArchiveStreamError("the compressed stream is cut off")
            self._finished = True
            return b""
        if self._inflater.eof:
            magic = MAGICS[self._kind]
            while len(chunk) < len(magic) and (more := self._raw.read(READ_SIZE)):
                chunk += more
            if not chunk.startswith(magic):
                raise ArchiveStreamError(
                    "data follows the end of the compressed stream"
                )
            self._inflater = _inflater_new(self._kind)
        data = self._inflater.decompress(chunk)
        if self._inflater.eof:
            self._pending = self._inflater.unused_data
        return data


def _inflater_new(kind: str):
    if kind == "zstd":
        return zstandard.ZstdDecompressor().decompressobj()
    return zlib.decompressobj(16 + zlib.MAX_WBITS)


class ArchiveStreamError(Exception):
    """The bytes of an archive do not form a complete, valid stream."""


class _DigestingWriter(_Digest):
    """Pass writes through to `raw`, keeping a SHA-256 and a count of the bytes."""

    def writable(self) -> bool:
        return True

    def write(self, data: bytes) -> int:
        self._take(data)
        return self._raw.write(data)

    def flush(self) -> None:
        self._raw.flush()


class ArchiveWriter:
    """Write members into a new archive on `raw`, then the manifest.

    The tar stream is written here rather than through tarfile.TarFile:
    tarfile copies each member in 16 KiB pieces through two layers of
    Python buffering, which costs more than hashing and compressing the
    bytes. Headers still come from tarfile (TarInfo.tobuf), so names of
    any length or script get the same PAX records that tarfile writes.
    """

    def __init__(self, raw: BinaryIO, *, compression: str, secret: str = "") -> None:
        # The digest of every byte written lets the caller check the stored
        # file against exactly what left this process (see archive_check).
        self._digest = _DigestingWriter(raw)
        self._encrypter = (
            encryption.EncryptingWriter(self._digest, secret=secret) if secret else None
        )
        self._compressor = _compressor_open(
            compression, self._encrypter or self._digest
        )
        # Bytes of tar stream written, before compression.
        self._offset = 0
        self.members: list[dict[str, Any]] = []

    def add(
        self, name: str, fileobj: BinaryIO, *, size: int, mtime: float | None = None
    ) -> None:
        """Add `size` bytes read from `fileobj` as the member `name`."""
        header = _header(name, size=size, mtime=mtime)
        reader = HashingReader(fileobj)
        padding = NUL * (-size % tarfile.BLOCKSIZE)
        if size <= READ_SIZE:
            # A small file (most uploads) goes in with a single write.
            data = reader.read(size)
            self._check_length(name, len(data), size)
            self._write(header + data + padding)
        else:
            self._write(header)
            while reader.count < size:
                wanted = min(READ_SIZE, size - reader.count)
                chunk = reader.read(wanted)
                self._check_length(name, len(chunk), wanted)
                self._write(chunk)
            self._write(padding)
        self.members.append({"name": name, "size": size, "sha256": reader.hexdigest()})

    def finish(self, manifest: dict[str, Any]) -> dict[str, Any]:
        """Write the manifest, close every layer, and return the manifest."""
        manifest = {**manifest, "members": self.members}
        data = json.dumps(manifest, indent=1, sort_keys=True).encode()
        header = _header(MANIFEST, size=len(data))
        self._write(header + data + NUL * (-len(data) % tarfile.BLOCKSIZE))
        # The end of a tar: two zero blocks, then zeros to a whole record.
        end = NUL * (2 * tarfile.BLOCKSIZE)
        self._write(end + NUL * (-(self._offset + len(end)) % tarfile.RECORDSIZE))
        self._compressor.close()
        if self._encrypter is not None:
            self._encrypter.close()
        self.size = self._digest.count
        self.sha256 = self._digest.hexdigest()
        return manifest

    def _write(self, data: bytes) -> None:
        self._compressor.write(data)
        self._offset += len(data)

    @staticmethod
    def _check_length(name: str, got: int, expected: int) -> None:
        if got != expected:
            raise BackupError(
                f"{name} changed size while it was archived; run the backup again."
            )


def _header(name: str, *, size: int, mtime: float | None = None) -> bytes:
    info = tarfile.TarInfo(name)
    info.size = size
    info.mode = 0o644
    info.mtime = int(mtime if mtime is not None else time.time())
    return info.tobuf(tarfile.PAX_FORMAT, tarfile.ENCODING, "surrogateescape")


def _compressor_open(compression: str, sink: BinaryIO):
    """A writer that compresses into `sink`; closing it ends the frame only."""
    if compression == "zstd":
        # Worker threads compress while the caller reads and hashes the
        # next member; the output is the same format either way.
        # Small jobs keep the workers' buffers (and so memory) small.
        params = zstandard.ZstdCompressionParameters.from_level(
            3, threads=COMPRESS_THREADS, job_size=COMPRESS_JOB_SIZE, write_checksum=1
        )
        return zstandard.ZstdCompressor(compression_params=params).stream_writer(
            sink, closefd=False
        )
    if compression == "gzip":
        return _GzipWriter(sink)
    raise ValueError(f"Unknown compression {compression!r}: use zstd or gzip.")


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
