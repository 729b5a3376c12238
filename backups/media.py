"""The media files in an archive: listing, archiving, staging and replacing.

Every function works through Django's default storage, so uploads kept in
an object store are backed up as well as those on a local disk.
"""

import shutil
from collections.abc import Callable, Iterator
from pathlib import Path, PurePosixPath
from typing import BinaryIO

from django.core.files import File
from django.core.files.storage import FileSystemStorage, default_storage

from backups import archive
from backups.errors import ArchiveDamaged, BackupError

MEDIA_PREFIX = "media/"


def media_names(folder: str = "") -> Iterator[str]:
    """Every media file, as paths relative to the storage's root, sorted."""
    try:
        folders, files = default_storage.listdir(folder)
    except FileNotFoundError:
        return
    for name in sorted(files):
        yield str(PurePosixPath(folder, name)) if folder else name
    for sub in sorted(folders):
        yield from media_names(str(PurePosixPath(folder, sub)) if folder else sub)


def media_add(
    writer: archive.ArchiveWriter, *, progress: Callable[[str], None] | None
) -> None:
    """Add every media file to the archive, under MEDIA_PREFIX."""
    names = list(media_names())
    local = isinstance(default_storage, FileSystemStorage)
    for number, name in enumerate(names, start=1):
        if progress and (number % 100 == 0 or number == len(names)):
            progress(f"media {number}/{len(names)}")
        if local:
            # One stat per file instead of the storage API's two.
            path = Path(default_storage.path(name))
            stat = path.stat()
            with path.open("rb") as data:
                writer.add(
                    MEDIA_PREFIX + name, data, size=stat.st_size, mtime=stat.st_mtime
                )
        else:
            with default_storage.open(name, "rb") as data:
                writer.add(
                    MEDIA_PREFIX + name,
                    data,
                    size=default_storage.size(name),
                    mtime=_mtime(name),
                )


def _mtime(name: str) -> float | None:
    try:
        return default_storage.get_modified_time(name).timestamp()
    except (NotImplementedError, OSError):
        return None


def media_path_safe(archive_name: str, media_name: str) -> PurePosixPath:
    """A media path from an archive, refused if it could leave the media folder."""
    relative = PurePosixPath(media_name)
    if not media_name or relative.is_absolute() or ".." in relative.parts:
        raise ArchiveDamaged(archive_name, f"unsafe media path {media_name!r}")
    return relative


def media_stage(stream: BinaryIO, size: int, media_name: str, path: Path) -> bool:
    """Stage a media member at `path` unless the current file holds the same
    bytes; return whether it was staged."""
    try:
        current = (
            default_storage.open(media_name, "rb")
            if default_storage.size(media_name) == size
            else None
        )
    except (FileNotFoundError, OSError):
        current = None
    matched = 0
    if current is not None:
        with current:
            while chunk := stream.read(archive.READ_SIZE):
                if current.read(len(chunk)) != chunk:
                    break
                matched += len(chunk)
            else:
                return False
            # The first `matched` bytes were equal: take them from the
            # current file, then the rest from the archive.
            path.parent.mkdir(parents=True, exist_ok=True)
            with path.open("wb") as out:
                current.seek(0)
                out.write(current.read(matched))
                out.write(chunk)
                shutil.copyfileobj(stream, out, archive.READ_SIZE)
            return True
    path.parent.mkdir(parents=True, exist_ok=True)
    with path.open("wb") as out:
        shutil.copyfileobj(stream, out, archive.READ_SIZE)
    return True


def media_replace(staging: Path, names: list[str], *, keep: set[str]) -> None:
    """Make the media storage hold exactly the archived files.

    `names` are the staged files to write; `keep` all the archived names,
    the unchanged ones included.
    """
    for media_name in list(media_names()):
        if media_name not in keep:
            default_storage.delete(media_name)
    for media_name in names:
        if default_storage.exists(media_name):
            default_storage.delete(media_name)
        with (staging / media_name).open("rb") as data:
            saved = default_storage.save(media_name, File(data, name=media_name))
        if saved != media_name:
            raise BackupError(f"The media storage saved {media_name} as {saved}.")
