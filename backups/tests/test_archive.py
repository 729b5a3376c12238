"""The archive format: members, manifest, checksums and damage."""

import hashlib
import io
import tarfile

import pytest
import zstandard

from backups import archive
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


def _spooled_archive(tmp_path, *, compression="zstd", secret="") -> tuple[bytes, int]:
    """An archive with a media file, then a spooled member; and the frame's start."""
    out = io.BytesIO()
    writer = archive.ArchiveWriter(out, compression=compression, secret=secret)
    writer.add("media/a.txt", io.BytesIO(b"alpha"), size=5)
    dump = b"pg_dump output " * 50_000
    spool = archive.MemberSpool(
        io.BytesIO(dump), tmp_path / "frame", compression=compression
    )
    writer.add_spooled("database/db.pgdump", spool)
    frame_start = out.tell() - (tmp_path / "frame").stat().st_size
    writer.finish({"format_version": archive.FORMAT_VERSION})
    return out.getvalue(), frame_start


@pytest.mark.parametrize("compression", ["zstd", "gzip"])
def test_a_spooled_member_reads_back_with_its_checksum(tmp_path, compression):
    data, _ = _spooled_archive(tmp_path, compression=compression)
    seen = {}

    def keep(name, stream, size):
        seen[name] = stream.read()

    manifest = _read(data, on_member=keep)

    assert seen == {
        "media/a.txt": b"alpha",
        "database/db.pgdump": b"pg_dump output " * 50_000,
    }
    listed = {m["name"]: m["sha256"] for m in manifest["members"]}
    assert (
        listed["database/db.pgdump"]
        == hashlib.sha256(seen["database/db.pgdump"]).hexdigest()
    )


def test_an_archive_of_several_frames_is_still_a_plain_compressed_tar(tmp_path):
    data, _ = _spooled_archive(tmp_path)
    plain = zstandard.ZstdDecompressor().decompressobj(read_across_frames=True)
    with tarfile.open(fileobj=io.BytesIO(plain.decompress(data))) as tar:
        assert tar.getnames() == ["media/a.txt", "database/db.pgdump", archive.MANIFEST]


def test_an_archive_cut_where_a_frame_ends_is_damage(tmp_path):
    data, frame_start = _spooled_archive(tmp_path)

    with pytest.raises(ArchiveDamaged):
        _read(data[:frame_start])


def test_junk_between_frames_is_damage(tmp_path):
    data, frame_start = _spooled_archive(tmp_path)

    with pytest.raises(ArchiveDamaged, match="follows the end"):
        _read(data[:frame_start] + b"junk" + data[frame_start:])


def test_an_encrypted_archive_with_a_spooled_member_round_trips(tmp_path):
    data, _ = _spooled_archive(tmp_path, secret="correct horse battery staple")

    manifest = _read(data, secret="correct horse battery staple")

    assert [m["name"] for m in manifest["members"]][-1] == "database/db.pgdump"


def test_a_file_that_changes_size_while_archived_fails_the_backup_clearly():
    writer = archive.ArchiveWriter(io.BytesIO(), compression="zstd")

    with pytest.raises(BackupError, match="media/a.txt changed size"):
        writer.add("media/a.txt", io.BytesIO(b"alp"), size=5)


DUMP = b"pg_dump output " * 50_000


def _database_first_archive(tmp_path, *, compression="zstd", secret="") -> bytes:
    """The layout of a PostgreSQL backup: media read while pg_dump ran went
    into a frame of their own, then the dump, that frame, and the rest."""
    out = io.BytesIO()
    writer = archive.ArchiveWriter(out, compression=compression, secret=secret)
    early = archive.TarFrame(tmp_path / "media.frame", compression=compression)
    early.add("media/early.txt", io.BytesIO(b"read while pg_dump ran"), size=22)
    spool = archive.MemberSpool(
        io.BytesIO(DUMP), tmp_path / "database.frame", compression=compression
    )
    writer.add_spooled("database/db.pgdump", spool)
    writer.add_frame(early)
    writer.add("media/late.txt", io.BytesIO(b"read after"), size=10)
    writer.finish({"format_version": archive.FORMAT_VERSION})
    return out.getvalue()


@pytest.mark.parametrize("compression", ["zstd", "gzip"])
@pytest.mark.parametrize("secret", ["", "correct horse battery staple"])
def test_the_database_comes_first_and_is_checked_before_the_media(
    tmp_path, compression, secret
):
    events = []

    def keep(name, stream, size):
        events.append(("read", name, stream.read()))

    manifest = _read(
        _database_first_archive(tmp_path, compression=compression, secret=secret),
        secret=secret,
        on_member=keep,
        on_verified=lambda name: events.append(("verified", name)),
    )

    assert events == [
        ("read", "database/db.pgdump", DUMP),
        ("verified", "database/db.pgdump"),
        ("read", "media/early.txt", b"read while pg_dump ran"),
        ("read", "media/late.txt", b"read after"),
    ]
    assert [m["name"] for m in manifest["members"]] == [
        "database/db.pgdump",
        "media/early.txt",
        "media/late.txt",
    ]


def test_a_database_first_archive_is_still_a_plain_tar_that_declares_the_checksum(
    tmp_path,
):
    data = _database_first_archive(tmp_path)
    plain = zstandard.ZstdDecompressor().decompressobj(read_across_frames=True)

    with tarfile.open(fileobj=io.BytesIO(plain.decompress(data))) as tar:
        members = tar.getmembers()
        assert [m.name for m in members] == [
            "database/db.pgdump",
            "media/early.txt",
            "media/late.txt",
            archive.MANIFEST,
        ]
        assert tar.extractfile(members[2]).read() == b"read after"
    sha256 = hashlib.sha256(DUMP).hexdigest()
    assert archive.member_declared_sha256(members[0]) == sha256


def test_a_member_unlike_the_checksum_its_header_declares_is_refused_at_once():
    out = io.BytesIO()
    writer = archive.ArchiveWriter(out, compression="zstd")
    header = archive._header("database/db.pgdump", size=5, sha256="0" * 64)
    writer._write(header + b"hello" + b"\0" * 507)
    writer.add("media/a.txt", io.BytesIO(b"alpha"), size=5)
    writer.finish({"format_version": archive.FORMAT_VERSION})
    verified, read = [], []

    with pytest.raises(ArchiveDamaged, match="checksum mismatch in database"):
        _read(
            out.getvalue(),
            on_member=lambda name, stream, size: read.append(name),
            on_verified=verified.append,
        )
    assert verified == []
    assert read == ["database/db.pgdump"]
