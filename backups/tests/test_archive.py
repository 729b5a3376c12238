"""The archive format: members, manifest, checksums and damage."""

import hashlib
import io
import json
import tarfile

import pytest
import zstandard

from backups import archive, encryption
from backups.errors import ArchiveDamaged, BackupError


def _archive(members: dict[str, bytes], *, compression: str = "zstd") -> bytes:
    out = io.BytesIO()
    writer = archive.ArchiveWriter(out, compression=compression)
    for name, data in members.items():
        writer.add(name, io.BytesIO(data), size=len(data))
    writer.finish({"format_version": archive.FORMAT_VERSION})
    return out.getvalue()


def _read(data: bytes, **kwargs) -> dict:
    return archive.archive_read(io.BytesIO(data), name="test.tar.zst", **kwargs)


@pytest.mark.parametrize("compression", ["zstd", "gzip"])
def test_members_stream_back_with_their_checksums(compression):
    members = {"media/a.txt": b"alpha", "database/db": b"x" * 300_000}
    seen = {}

    def keep(name, stream, size):
        seen[name] = stream.read()

    manifest = _read(_archive(members, compression=compression), on_member=keep)

    assert seen == members
    assert [m["name"] for m in manifest["members"]] == list(members)


def test_an_unencrypted_archive_is_a_plain_compressed_tar():
    data = _archive({"media/a.txt": b"alpha"})
    plain = zstandard.ZstdDecompressor().stream_reader(io.BytesIO(data)).read()
    with tarfile.open(fileobj=io.BytesIO(plain)) as tar:
        assert tar.getnames() == ["media/a.txt", archive.MANIFEST]


def test_a_member_whose_bytes_differ_from_the_manifest_is_damage():
    out = io.BytesIO()
    writer = archive.ArchiveWriter(out, compression="zstd")
    writer.add("media/a.txt", io.BytesIO(b"alpha"), size=5)
    writer.members[0]["sha256"] = "0" * 64
    writer.finish({"format_version": archive.FORMAT_VERSION})

    with pytest.raises(ArchiveDamaged, match="checksum mismatch in media/a.txt"):
        _read(out.getvalue())


def test_a_missing_manifest_is_damage():
    tar_bytes = io.BytesIO()
    with tarfile.open(fileobj=tar_bytes, mode="w") as tar:
        info = tarfile.TarInfo("media/a.txt")
        info.size = 5
        tar.addfile(info, io.BytesIO(b"alpha"))
    data = zstandard.ZstdCompressor().compress(tar_bytes.getvalue())

    with pytest.raises(ArchiveDamaged, match="manifest is missing"):
        _read(data)


def test_bytes_after_the_end_of_the_archive_are_damage():
    with pytest.raises(ArchiveDamaged, match="follows the end"):
        _read(_archive({"media/a.txt": b"alpha"}) + b"junk")


def test_a_file_that_is_no_archive_is_refused_clearly():
    with pytest.raises(ArchiveDamaged, match="not a backup archive"):
        _read(b"PK\x03\x04 a zip file")


DUMP = b"pg_dump output " * 50_000


def _tar_member(name: str, data: bytes, members: list, *, declared=False) -> bytes:
    info = tarfile.TarInfo(name)
    info.size = len(data)
    info.mode = 0o644
    sha256 = hashlib.sha256(data).hexdigest()
    if declared:
        info.pax_headers = {"comment": "sha256=" + sha256}
    members.append({"name": name, "size": len(data), "sha256": sha256})
    header = info.tobuf(tarfile.PAX_FORMAT, tarfile.ENCODING, "surrogateescape")
    return header + data + b"\0" * (-len(data) % tarfile.BLOCKSIZE)


def _earlier_archive(*, compression="zstd", secret="") -> tuple[bytes, int]:
    """An archive laid out as the previous writer laid out a PostgreSQL
    backup; and where its frame of media files starts (unencrypted only).

    The dump was compressed in a frame of its own, with its header, which
    declares its SHA-256 in a PAX comment, and its padding in the frames
    either side; the media files read while pg_dump ran followed in a frame
    of their own, then a last frame with the rest and the manifest.
    """
    members: list = []
    dump = _tar_member("database/db.pgdump", DUMP, members, declared=True)
    header_size = len(dump) - len(DUMP) - (-len(DUMP) % tarfile.BLOCKSIZE)
    early = _tar_member("media/early.txt", b"read while pg_dump ran", members)
    late = _tar_member("media/late.txt", b"read after", members)
    manifest = json.dumps(
        {"format_version": archive.FORMAT_VERSION, "members": list(members)}
    ).encode()
    rest = late + _tar_member(archive.MANIFEST, manifest, [])
    length = len(dump) + len(early) + len(rest) + 2 * tarfile.BLOCKSIZE
    rest += b"\0" * (2 * tarfile.BLOCKSIZE + (-length % tarfile.RECORDSIZE))
    frames = [
        dump[:header_size],
        DUMP,
        dump[header_size + len(DUMP) :],
        early,
        rest,
    ]
    out = io.BytesIO()
    sink = encryption.EncryptingWriter(out, secret=secret) if secret else out
    early_start = 0
    for number, frame in enumerate(frames):
        if number == 3:
            early_start = out.tell()
        compressor = archive._compressor_open(compression, sink)
        compressor.write(frame)
        compressor.close()
    if secret:
        sink.close()
    return out.getvalue(), early_start


@pytest.mark.parametrize("compression", ["zstd", "gzip"])
@pytest.mark.parametrize("secret", ["", "correct horse battery staple"])
def test_an_archive_from_the_previous_writer_reads_back_in_order(compression, secret):
    """Several frames in a row and a checksum declared in a header, as the
    previous writer made them, read back member by member, all checked."""
    events = []

    def keep(name, stream, size):
        events.append((name, stream.read()))

    data, _ = _earlier_archive(compression=compression, secret=secret)
    manifest = _read(data, secret=secret, on_member=keep)

    assert events == [
        ("database/db.pgdump", DUMP),
        ("media/early.txt", b"read while pg_dump ran"),
        ("media/late.txt", b"read after"),
    ]
    assert [m["name"] for m in manifest["members"]] == [name for name, _ in events]


def test_an_archive_of_several_frames_is_still_a_plain_compressed_tar():
    data, _ = _earlier_archive()
    plain = zstandard.ZstdDecompressor().decompressobj(read_across_frames=True)
    with tarfile.open(fileobj=io.BytesIO(plain.decompress(data))) as tar:
        assert tar.getnames() == [
            "database/db.pgdump",
            "media/early.txt",
            "media/late.txt",
            archive.MANIFEST,
        ]


def test_an_archive_cut_where_a_frame_ends_is_damage():
    data, early_start = _earlier_archive()

    with pytest.raises(ArchiveDamaged):
        _read(data[:early_start])


def test_junk_between_frames_is_damage():
    data, early_start = _earlier_archive()

    with pytest.raises(ArchiveDamaged, match="follows the end"):
        _read(data[:early_start] + b"junk" + data[early_start:])


def test_a_member_unlike_its_listed_checksum_in_a_frame_of_its_own_is_damage():
    data, _ = _earlier_archive()
    plain = bytearray(
        zstandard.ZstdDecompressor()
        .decompressobj(read_across_frames=True)
        .decompress(data)
    )
    at = plain.index(DUMP)
    plain[at] ^= 0x01

    with pytest.raises(ArchiveDamaged, match="checksum mismatch in database"):
        _read(zstandard.ZstdCompressor().compress(bytes(plain)))


def test_a_file_that_changes_size_while_archived_fails_the_backup_clearly():
    writer = archive.ArchiveWriter(io.BytesIO(), compression="zstd")

    with pytest.raises(BackupError, match="media/a.txt changed size"):
        writer.add("media/a.txt", io.BytesIO(b"alp"), size=5)
