"""The archive format: members, manifest, checksums and damage."""

import io
import tarfile

import pytest
import zstandard

from backups import archive
from backups.errors import ArchiveDamaged


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
