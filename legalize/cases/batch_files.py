"""The files of a batch upload: the CSV template, and the photos as files in a ZIP.

A charter flight's requests come as one CSV (or a JSON array as the API takes it). The holder
photos travel beside it as image files in a ZIP — the CSV's ``photo_file`` column names each
row's file — or the CSV sits inside that same ZIP. Base64 in a ``photo`` column stays
accepted because it was the documented format before; the template no longer offers it.

Nothing is filed here: :func:`read_upload` only opens the files. A row whose photo file is
missing is refused with its line by :func:`legalize.cases.batch.file_batch`, like any other
bad row, and nothing of it is written.
"""

from __future__ import annotations

import csv
import io
import posixpath
import zipfile
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from legalize.cases.errors import InvalidInput
from legalize.cases.validation import MAX_PHOTO_BYTES
from legalize.phrases import P_

TEMPLATE_COLUMNS = (
    "host_reference",
    "surname",
    "given_names",
    "birth_date",
    "sex",
    "birth_place",
    "nationality",
    "nic_number",
    "passport_number",
    "port_of_entry",
    "travel_date",
    "photo_file",
)
"""The columns of the downloadable template, in the order a clerk fills them."""

MAX_ARCHIVE_FILES = 2000
"""A ZIP of photos for the largest batch (1000 rows) with room for folders and stray files."""
MAX_ARCHIVE_BYTES = 512 * 1024 * 1024
"""Largest total of the uncompressed sizes the ZIP declares (a zip bomb is refused before
anything is decompressed; a member is never read past its declared size)."""
PHOTO_SUFFIXES = (".jpg", ".jpeg", ".png")
BATCH_SUFFIXES = (".csv", ".json")


def template_csv() -> bytes:
    """The header line of a batch CSV (UTF-8, with a BOM so spreadsheet programs keep
    non-ASCII names intact)."""
    out = io.StringIO()
    csv.writer(out, lineterminator="\r\n").writerow(TEMPLATE_COLUMNS)
    return ("\ufeff" + out.getvalue()).encode("utf-8")


@dataclass(frozen=True)
class Upload:
    """One uploaded file."""

    filename: str
    data: bytes


class PhotoArchive:
    """The image files of a ZIP, found by the name a row gives: the path inside the ZIP, or
    the bare file name when only one file has it (a ZIP of a folder puts it in front)."""

    def __init__(self, data: bytes, *, name: str = "photos.zip") -> None:
        try:
            self._zip = zipfile.ZipFile(io.BytesIO(data))
            infos = self._zip.infolist()
        except (zipfile.BadZipFile, OSError, ValueError) as exc:
            raise InvalidInput(
                P_("%(name)s is not a readable ZIP file", name=name), field="photos"
            ) from exc
        if len(infos) > MAX_ARCHIVE_FILES:
            raise InvalidInput(
                P_("%(name)s holds more than %(num)s files", name=name, num=MAX_ARCHIVE_FILES),
                field="photos",
            )
        if sum(i.file_size for i in infos) > MAX_ARCHIVE_BYTES:
            raise InvalidInput(
                P_(
                    "%(name)s unpacks to more than %(limit)s MiB",
                    name=name,
                    limit=MAX_ARCHIVE_BYTES // 2**20,
                ),
                field="photos",
            )
        self.name = name
        self._by_path: dict[str, zipfile.ZipInfo] = {}
        self._by_base: dict[str, list[zipfile.ZipInfo]] = {}
        for info in infos:
            if info.is_dir() or _hidden(info.filename):
                continue
            path = info.filename.lstrip("/")
            self._by_path[path] = info
            self._by_base.setdefault(posixpath.basename(path).lower(), []).append(info)

    def members(self) -> list[str]:
        return sorted(self._by_path)

    def read_member(self, path: str) -> bytes:
        """A member by its exact path (no size check: for the batch file itself)."""
        return self._read(self._by_path[path], limit=MAX_ARCHIVE_BYTES)

    def photo(self, name: str) -> bytes:
        """The bytes of the photo a row names; InvalidInput (field ``photo_file``) when the
        ZIP lacks it, names it twice, or it is not a JPEG/PNG file of acceptable size."""
        wanted = name.strip().replace("\\", "/").lstrip("/")
        info = self._by_path.get(wanted)
        if info is None:
            found = self._by_base.get(posixpath.basename(wanted).lower(), [])
            if len(found) > 1:
                raise InvalidInput(
                    P_(
                        "more than one file named “%(name)s” in %(archive)s; give its folder too",
                        name=name,
                        archive=self.name,
                    ),
                    field="photo_file",
                    code="PHOTO_FILE_AMBIGUOUS",
                )
            if not found:
                raise InvalidInput(
                    P_("no file “%(name)s” in %(archive)s", name=name, archive=self.name),
                    field="photo_file",
                    code="PHOTO_FILE_MISSING",
                )
            info = found[0]
        if not info.filename.lower().endswith(PHOTO_SUFFIXES):
            raise InvalidInput(
                P_("“%(name)s” is not a JPEG or PNG file (.jpg, .jpeg, .png)", name=name),
                field="photo_file",
            )
        if info.file_size > MAX_PHOTO_BYTES:
            raise InvalidInput(
                P_(
                    "“%(name)s” is larger than %(limit)s MiB",
                    name=name,
                    limit=MAX_PHOTO_BYTES // 2**20,
                ),
                field="photo_file",
            )
        return self._read(info, limit=MAX_PHOTO_BYTES)

    def _read(self, info: zipfile.ZipInfo, *, limit: int) -> bytes:
        try:
            with self._zip.open(info) as member:
                return member.read(limit + 1)[:limit]
        except (zipfile.BadZipFile, OSError, RuntimeError, NotImplementedError) as exc:
            # RuntimeError: an encrypted member; NotImplementedError: an unknown compression
            raise InvalidInput(
                P_(
                    "“%(name)s” cannot be read from %(archive)s",
                    name=info.filename,
                    archive=self.name,
                ),
                field="photo_file",
                code="PHOTO_FILE_UNREADABLE",
            ) from exc


def _hidden(path: str) -> bool:
    """Files a desktop's ZIP tool adds: macOS resource forks, dot files."""
    parts = path.split("/")
    return parts[0] == "__MACOSX" or any(p.startswith(".") for p in parts if p)


@dataclass(frozen=True)
class BatchUpload:
    """What :func:`read_upload` found: the batch file and, if any, the photos."""

    data: bytes
    filename: str
    photos: PhotoArchive | None


def read_upload(files: list[Upload]) -> BatchUpload:
    """The batch file and the photos from what was uploaded: one CSV or JSON file; a CSV or
    JSON file and a ZIP of photos; or one ZIP holding the CSV or JSON file and the photos."""
    files = [f for f in files if f.filename or f.data]
    tables = [f for f in files if f.filename.lower().endswith(BATCH_SUFFIXES)]
    zips = [f for f in files if f.filename.lower().endswith(".zip")]
    other = [f for f in files if f not in tables and f not in zips]
    if other:
        raise InvalidInput(
            P_(
                "%(name)s: upload a .csv or .json file and, for photos, a .zip",
                name=other[0].filename,
            ),
            field="file",
        )
    if len(tables) > 1 or len(zips) > 1:
        raise InvalidInput(P_("upload one batch file and at most one ZIP of photos"), field="file")
    archive = PhotoArchive(zips[0].data, name=zips[0].filename) if zips else None
    if tables:
        return BatchUpload(tables[0].data, tables[0].filename, archive)
    if archive is None:
        raise InvalidInput(P_("no batch file: upload a CSV file or a ZIP with one"), field="file")
    inside = [m for m in archive.members() if m.lower().endswith(BATCH_SUFFIXES)]
    if len(inside) != 1:
        raise InvalidInput(
            P_(
                "%(archive)s must hold exactly one .csv or .json file beside the photos (it "
                "holds %(num)s)",
                archive=archive.name,
                num=len(inside),
            ),
            field="file",
        )
    return BatchUpload(archive.read_member(inside[0]), inside[0], archive)


def with_photo(row: Mapping[str, Any], photos: PhotoArchive | None) -> dict[str, Any]:
    """The row with ``photo_file`` replaced by the photo's bytes (InvalidInput when the
    file cannot be had); a row without ``photo_file`` is returned as it is."""
    body = dict(row)
    name = body.pop("photo_file", None)
    if name is None or (isinstance(name, str) and not name.strip()):
        return body
    if not isinstance(name, str):
        raise InvalidInput(
            P_("%(field)s must be a file name", field="photo_file"), field="photo_file"
        )
    if body.get("photo") not in (None, "", b""):
        raise InvalidInput(
            P_("give the photo either as a file (photo_file) or as Base64 (photo), not both"),
            field="photo_file",
        )
    if photos is None:
        raise InvalidInput(
            P_("the row names the photo “%(name)s” but no ZIP of photos was uploaded", name=name),
            field="photo_file",
            code="PHOTO_FILE_MISSING",
        )
    body["photo"] = photos.photo(name)
    return body
