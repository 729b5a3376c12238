"""A readable stream assembled from chunks, shared by the archive layers."""


class ChunkReader:
    """Serve `read(size)` from chunks that `_next_chunk()` produces.

    Slices are handed out by position: cutting the front off a large chunk
    on every small read would copy it again and again. A subclass sets
    `_finished` once `_next_chunk()` has returned the last chunk.
    """

    def __init__(self) -> None:
        self._chunk = b""
        self._pos = 0
        self._finished = False

    def readable(self) -> bool:
        return True

    def read(self, size: int = -1) -> bytes:
        parts = []
        wanted = size
        while wanted != 0:
            if self._pos == len(self._chunk):
                if self._finished:
                    break
                self._chunk, self._pos = self._next_chunk(), 0
                continue
            end = len(self._chunk) if wanted < 0 else self._pos + wanted
            part = self._chunk[self._pos : end]
            self._pos += len(part)
            parts.append(part)
            if wanted > 0:
                wanted -= len(part)
        return b"".join(parts)

    def _next_chunk(self) -> bytes:
        raise NotImplementedError
