"""Opening import files: plain, gzip or a one-file zip, streamed, never read whole.

Every problem with the file itself (missing, unreadable, a zip of several files) is a
`CaptureError` (exit 1); a readable file that is not the format asked for is a
`FormatError` (exit 2, a usage error: the user named the wrong format or file).
A compressed file that ends early is not an error here: the reader yields what it can
and the caller reports the damage with the line it stopped at.
"""

from __future__ import annotations

import contextlib
import gzip
import hashlib
import zipfile
import zlib
from collections.abc import Iterator
from pathlib import Path
from typing import IO, Final, cast

_GZIP_MAGIC: Final = b"\x1f\x8b"
_ZIP_MAGIC: Final = b"PK\x03\x04"
# What a damaged compressed stream raises while it is being read.
DAMAGE: Final = (EOFError, zlib.error, gzip.BadGzipFile, zipfile.BadZipFile)
HEAD_LINE_BYTES: Final = 1 << 20  # a format check reads at most this much of a line


class CaptureError(Exception):
    """An import file that cannot be read at all (missing, unreadable, not one file)."""


class FormatError(ValueError):
    """A readable file that is not the format asked for; nothing has been written."""


@contextlib.contextmanager
def open_stream(path: Path) -> Iterator[IO[bytes]]:
    """The file's bytes, decompressed when it is gzip or a zip holding exactly one file
    (as Binance's public data comes)."""
    try:
        raw = path.open("rb")
    except OSError as exc:
        raise CaptureError(f"{path}: cannot read: {exc.strerror or exc}") from None
    with raw:
        magic = raw.read(4)
        raw.seek(0)
        if magic.startswith(_GZIP_MAGIC):
            with gzip.GzipFile(fileobj=raw) as unpacked:
                yield cast(IO[bytes], unpacked)
        elif magic == _ZIP_MAGIC:
            with _zip_member(path, raw) as unpacked:
                yield unpacked
        else:
            yield raw


@contextlib.contextmanager
def _zip_member(path: Path, raw: IO[bytes]) -> Iterator[IO[bytes]]:
    try:
        archive = zipfile.ZipFile(raw)
    except (zipfile.BadZipFile, OSError) as exc:
        raise CaptureError(f"{path}: damaged zip file ({exc})") from None
    with archive:
        names = [i.filename for i in archive.infolist() if not i.is_dir()]
        if len(names) != 1:
            raise CaptureError(f"{path}: the zip file holds {len(names)} files; "
                               "import a zip of one file, or unpack it first")
        with archive.open(names[0]) as member:
            yield member


def numbered_lines(stream: IO[bytes]) -> Iterator[tuple[int, bytes]]:
    """(line number from 1, stripped line) for every non-blank line."""
    for number, line in enumerate(stream, 1):
        line = line.strip()
        if line:
            yield number, line


def head_lines(path: Path, count: int) -> list[bytes]:
    """The first `count` non-blank lines (each cut at HEAD_LINE_BYTES), for format checks.

    A file too damaged to give even these is a CaptureError.
    """
    out: list[bytes] = []
    with open_stream(path) as stream:
        try:
            while len(out) < count:
                line = stream.readline(HEAD_LINE_BYTES)
                if not line:
                    break
                if line.strip():
                    out.append(line.strip())
        except (*DAMAGE, OSError) as exc:
            if not out:
                raise CaptureError(f"{path}: damaged file ({exc})") from None
    return out


def file_digest(path: Path) -> tuple[str, int]:
    """SHA-256 of the file's bytes as stored, and its size: the ledger's identity of a file.

    Hashing reads the file once more (about 1-2 s per GB); it is what lets a second
    import of the same file store nothing without reading a single row.
    """
    digest = hashlib.sha256()
    size = 0
    try:
        with path.open("rb") as f:
            while chunk := f.read(1 << 20):
                digest.update(chunk)
                size += len(chunk)
    except OSError as exc:
        raise CaptureError(f"{path}: cannot read: {exc.strerror or exc}") from None
    return digest.hexdigest(), size
