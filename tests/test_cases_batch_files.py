"""Batch uploads with photos as files (a ZIP beside the CSV, or the CSV inside the ZIP), the
CSV template, counts that add up, failures named by person, the list of batches and an issued
flight's download (every TTD, the manifest as CSV and PDF)."""

from __future__ import annotations

import base64
import csv
import io
import zipfile
from pathlib import Path

import pytest
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from legalize.cases import batch, batch_files, flight, readmission, views
from legalize.cases.batch_files import PhotoArchive, Upload, read_upload, template_csv
from legalize.cases.errors import Forbidden, InvalidInput, InvalidTransition
from legalize.registry import audit
from legalize.registry.audit import AuditEntry
from legalize.registry.models import Case, Photo
from tests.helpers import support
from tests.helpers.cases_support import ALICE, BOB, CAROL, HOST, T0, distinct_people
from tests.helpers.issuer import UnsignedTestIssuer

PORTRAIT = (Path(__file__).parent / "data" / "portraits" / "ok.jpg").read_bytes()


def _zip(files: dict[str, bytes]) -> bytes:
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as z:
        for name, data in files.items():
            z.writestr(name, data)
    return out.getvalue()


def _csv(rows: list[dict[str, str]]) -> bytes:
    out = io.StringIO()
    writer = csv.DictWriter(out, fieldnames=batch_files.TEMPLATE_COLUMNS, extrasaction="raise")
    writer.writeheader()
    for row in rows:
        writer.writerow(row)
    return out.getvalue().encode()


def _row(person: dict[str, str], reference: str, photo_file: str) -> dict[str, str]:
    return {
        "host_reference": reference,
        "surname": person["surname"],
        "given_names": person["given_names"],
        "birth_date": person["birth_date"],
        "sex": person["sex"],
        "birth_place": person["birth_place"],
        "nationality": "LKA",
        "nic_number": person["nic_number"],
        "passport_number": person["passport_number"],
        "port_of_entry": "BIA Colombo",
        "travel_date": "2026-11-20",
        "photo_file": photo_file,
    }


def _file(session: Session, upload: batch_files.BatchUpload, reference: str) -> batch.BatchReport:
    rows = batch.read_batch_file(upload.data, upload.filename)
    return batch.file_batch(session, HOST, "DEU", reference, rows, T0, photos=upload.photos)


def test_template_has_the_columns_the_reader_takes() -> None:
    data = template_csv()
    assert data.startswith("\ufeff".encode())  # spreadsheets keep non-ASCII names
    header = next(csv.reader(io.StringIO(data.decode("utf-8-sig"))))
    assert tuple(header) == batch_files.TEMPLATE_COLUMNS
    assert "photo" not in header and "photo_file" in header  # files, not Base64


def test_csv_beside_a_zip_of_photos(db_session: Session) -> None:
    people = distinct_people(db_session, 4)
    table = _csv(
        [
            _row(people[0], "Z-1", "perera.jpg"),
            _row(people[1], "Z-2", "photos/silva.JPG"),
            _row(people[2], "Z-3", "missing.jpg"),  # not in the ZIP
            _row(people[3], "Z-4", "notes.txt"),  # not an image
        ]
    )
    photos = _zip(
        {
            "photos/perera.jpg": PORTRAIT,  # found by its bare name
            "photos/silva.JPG": PORTRAIT,
            "photos/notes.txt": b"hello",
            "__MACOSX/photos/._perera.jpg": b"resource fork",
        }
    )
    upload = read_upload([Upload("flight.csv", table), Upload("photos.zip", photos)])
    report = _file(db_session, upload, "ZIP-1")
    assert [line for line, _ in report.succeeded] == [2, 3]
    assert [(f.line, f.field, f.code) for f in report.failed] == [
        (4, "photo_file", "PHOTO_FILE_MISSING"),
        (5, "photo_file", "INVALID_INPUT"),
    ]
    assert report.failed[0].name == f"{people[2]['surname']}, Test"
    assert "missing.jpg" in report.failed[0].message
    # nothing of a refused row was written: two cases, two photos, both passed the checks
    assert db_session.scalar(select(func.count()).select_from(Case)) == 2
    assert db_session.scalar(select(func.count()).select_from(Photo)) == 2
    for _line, case_id in report.succeeded:
        photo = views.get_case(db_session, case_id).photo
        assert photo is not None and photo.passed
    summary = report.summary()
    assert (summary["succeeded"], summary["refused"], summary["total"]) == (2, 2, 4)


def test_one_zip_with_the_csv_inside(db_session: Session) -> None:
    people = distinct_people(db_session, 2)
    table = _csv([_row(people[0], "I-1", "a.png"), _row(people[1], "I-2", "b.jpg")])
    png = io.BytesIO()
    from PIL import Image

    Image.open(io.BytesIO(PORTRAIT)).save(png, "PNG")
    data = _zip({"charter/requests.csv": table, "charter/a.png": png.getvalue(), "b.jpg": PORTRAIT})
    upload = read_upload([Upload("charter.zip", data)])
    assert upload.filename == "charter/requests.csv"
    report = _file(db_session, upload, "ZIP-2")
    assert len(report.succeeded) == 2 and not report.failed


def test_base64_photos_stay_accepted_and_both_forms_at_once_are_refused(
    db_session: Session,
) -> None:
    people = distinct_people(db_session, 2)
    b64 = base64.b64encode(PORTRAIT).decode()
    header = ",".join((*batch_files.TEMPLATE_COLUMNS, "photo"))
    lines = [header]
    for n, (person, photo_file) in enumerate(((people[0], ""), (people[1], "x.jpg")), start=1):
        row = _row(person, f"B64-{n}", photo_file)
        lines.append(",".join([*row.values(), b64]))
    upload = read_upload(
        [
            Upload("flight.csv", "\n".join(lines).encode()),
            Upload("p.zip", _zip({"x.jpg": PORTRAIT})),
        ]
    )
    report = _file(db_session, upload, "B64")
    assert [line for line, _ in report.succeeded] == [2]
    assert [(f.line, f.field) for f in report.failed] == [(3, "photo_file")]
    assert "not both" in report.failed[0].message


def test_a_row_naming_a_photo_file_without_a_zip_is_refused(db_session: Session) -> None:
    people = distinct_people(db_session, 1)
    upload = read_upload([Upload("flight.csv", _csv([_row(people[0], "N-1", "a.jpg")]))])
    report = _file(db_session, upload, "NOZIP")
    assert [(f.line, f.code) for f in report.failed] == [(2, "PHOTO_FILE_MISSING")]
    assert "no ZIP" in report.failed[0].message


@pytest.mark.parametrize(
    ("files", "expected"),
    [
        ([Upload("a.zip", b"PK\x03\x04 broken")], "not a readable ZIP"),
        ([Upload("a.zip", _zip({"a.csv": b"x", "b.csv": b"y"}))], "exactly one"),
        ([Upload("a.zip", _zip({"a.jpg": b"x"}))], "exactly one"),
        ([Upload("a.txt", b"x")], "upload a .csv"),
        ([Upload("a.csv", b"x"), Upload("b.csv", b"y")], "one batch file"),
        ([], "no batch file"),
    ],
)
def test_bad_uploads_are_refused_whole(files: list[Upload], expected: str) -> None:
    with pytest.raises(InvalidInput) as exc:
        read_upload(files)
    assert expected in exc.value.message
    assert exc.value.field in ("file", "photos")


def test_an_archive_larger_than_the_limit_is_refused_before_unpacking(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    data = _zip({"a.csv": b"h\n" + b"x" * 5000})  # deflated to a few bytes
    assert len(data) < 500
    monkeypatch.setattr(batch_files, "MAX_ARCHIVE_BYTES", 4096)
    with pytest.raises(InvalidInput, match="unpacks to more than"):
        PhotoArchive(data)


def test_counts_add_up_and_failures_name_the_person(db_session: Session) -> None:
    people = distinct_people(db_session, 3)
    rows = [
        (2, {**_row(people[0], "C-1", ""), "photo_file": None}),
        # two bad fields on one row: one refused row
        (3, {**_row(people[1], "C-2", ""), "birth_date": "1990-13-01", "sex": "Q"}),
        (4, {**_row(people[2], "C-3", ""), "photo_file": None}),
    ]
    filed = batch.file_batch(db_session, HOST, "DEU", "COUNTS", rows, T0)
    assert len(filed.failed) == 2  # two field errors …
    summary = filed.summary()
    assert summary["refused"] == 1 and summary["succeeded"] == 2  # … on one row
    assert summary["succeeded"] + summary["refused"] + summary["failed"] == summary["total"] == 3
    assert batch.get_batch(db_session, filed.batch_id).rows_failed == 1

    first = filed.succeeded[0][1]
    readmission.attach_photo(db_session, ALICE, first, PORTRAIT, T0)
    prepared = batch.prepare_batch(db_session, ALICE, filed.batch_id, T0)
    # the second filed row has no photo: refused by the rules, named, linked to its case
    assert [(f.line, f.code) for f in prepared.refused] == [(4, "PHOTO_MISSING")]
    assert prepared.failed[0].name == f"{people[2]['surname']}, Test"
    assert prepared.failed[0].case_id == filed.succeeded[1][1]
    approved = batch.approve_batch(db_session, BOB, filed.batch_id, T0)
    failing = UnsignedTestIssuer(fail_for=frozenset({"T26000001"}))
    issued = batch.issue_batch(db_session, ALICE, filed.batch_id, T0, failing)
    s = issued.summary()
    assert (s["succeeded"], s["refused"], s["failed"], s["skipped"]) == (0, 0, 1, 1)
    assert issued.errored[0].case_id == first
    assert approved.summary()["succeeded"] == 1

    view = batch.get_batch(db_session, filed.batch_id)
    assert [(c.line, c.stage) for c in view.cases] == [(2, "approved"), (4, "draft")]
    assert view.cases[0].name == f"{people[0]['surname']}, Test"
    assert view.stages == {"draft": 1, "approved": 1}
    assert view.filed == sum(view.stages.values()) == view.rows_total - view.rows_failed


def test_list_of_batches_counts_each_stage(db_session: Session) -> None:
    people = distinct_people(db_session, 3)
    one = batch.file_batch(
        db_session, HOST, "DEU", "L-1", [_row(people[0], "L1-1", "") | {"photo_file": ""}], T0
    )
    two = batch.file_batch(
        db_session,
        HOST,
        "DEU",
        "L-2",
        [_row(p, f"L2-{n}", "") for n, p in enumerate(people[1:])] + [{"surname": "X"}],
        T0,
    )
    case_id = two.succeeded[0][1]
    readmission.attach_photo(db_session, ALICE, case_id, PORTRAIT, T0)
    readmission.prepare(db_session, ALICE, case_id, T0)
    items, total = batch.list_batches(db_session)
    assert total == 2 and [b.id for b in items] == [two.batch_id, one.batch_id]  # newest first
    assert items[0].stages == {"draft": 1, "prepared": 1}
    assert (items[0].rows_total, items[0].rows_failed, items[0].filed) == (3, 1, 2)
    assert items[1].stages == {"draft": 1}
    assert batch.list_batches(db_session, host_country="FRA") == ([], 0)


def _issued_flight(session: Session) -> tuple[int, list[dict[str, str]], list[int]]:
    people = distinct_people(session, 3)
    rows = [_row(p, f"F-{n}", "") for n, p in enumerate(people, start=1)]
    filed = batch.file_batch(session, HOST, "DEU", "FLIGHT-1", rows, T0)
    ids = [case_id for _line, case_id in filed.succeeded]
    for case_id in ids:
        readmission.attach_photo(session, ALICE, case_id, PORTRAIT, T0)
    batch.prepare_batch(session, ALICE, filed.batch_id, T0)
    return filed.batch_id, people, ids


def test_flight_download_holds_every_valid_ttd_and_the_manifest(db_session: Session) -> None:
    batch_id, people, ids = _issued_flight(db_session)
    with pytest.raises(InvalidTransition) as exc:
        flight.flight_package(db_session, ALICE, batch_id, T0)
    assert exc.value.code == "NOTHING_ISSUED"
    batch.approve_batch(db_session, BOB, batch_id, T0)
    batch.issue_batch(db_session, ALICE, batch_id, T0, UnsignedTestIssuer())
    revoked = views.get_case(db_session, ids[2]).document
    assert revoked is not None
    readmission.revoke(db_session, BOB, revoked.number, "return cancelled", T0)
    with pytest.raises(Forbidden):
        flight.flight_package(db_session, CAROL, batch_id, T0)

    package = flight.flight_package(db_session, BOB, batch_id, T0)
    assert (package.listed, package.not_listed) == (2, 1)
    assert package.filename == "flight-DEU-FLIGHT-1.zip"
    with zipfile.ZipFile(io.BytesIO(package.data)) as z:
        names = sorted(z.namelist())
        manifest = z.read("flight-DEU-FLIGHT-1/manifest.csv").decode("utf-8-sig")
        pdf = z.read("flight-DEU-FLIGHT-1/manifest.pdf")
        ttds = [n for n in names if "/ttd/" in n]
        assert all(z.read(n).startswith(b"%PDF-") for n in ttds)
    assert len(ttds) == 2 and revoked.number not in " ".join(ttds)
    lines = list(csv.DictReader(io.StringIO(manifest)))
    assert tuple(lines[0]) == flight.MANIFEST_COLUMNS
    assert {r["surname"] for r in lines} == {people[0]["surname"], people[1]["surname"]}
    assert {r["case_reference"] for r in lines} == {"DEU F-1", "DEU F-2"}
    assert all(f"flight-DEU-FLIGHT-1/{r['pdf_file']}" in names for r in lines)
    assert all(r["valid_until"] > r["valid_from"] for r in lines)
    assert people[0]["nic_number"] not in manifest  # least data: no NIC, no passport
    assert people[0]["passport_number"] not in manifest
    assert pdf.startswith(b"%PDF-")
    text = _pdf_text(pdf)
    assert people[0]["surname"] in text and "Germany" in text
    assert "One further case" in text
    entries = list(
        db_session.scalars(select(AuditEntry).where(AuditEntry.action == "batch.flight_exported"))
    )
    assert [(e.actor, e.subject_id) for e in entries] == [(BOB.id, str(batch_id))]
    assert audit.verify_chain(db_session).ok


def _pdf_text(pdf: bytes) -> str:
    import subprocess

    return subprocess.run(
        [support.need_tool("pdftotext"), "-layout", "-", "-"],
        input=pdf,
        capture_output=True,
        check=True,
    ).stdout.decode()


def test_holds_name_what_stops_each_open_case(db_session: Session) -> None:
    from legalize.cases import holds
    from tests.helpers.cases_support import plain_photo

    people = distinct_people(db_session, 3)
    stranger = {**people[2], "nic_number": "", "surname": "Nobody", "passport_number": ""}
    rows = [
        {**_row(people[0], "H-1", ""), "photo": PORTRAIT},  # nothing holds it
        {**_row(people[1], "H-2", ""), "photo": plain_photo()},  # no face in the photo
        _row(stranger, "H-3", ""),  # no photo, not in the NIC register
        {**_row(people[0], "H-4", ""), "photo": PORTRAIT},  # the same person as H-1
    ]
    filed = batch.file_batch(db_session, HOST, "DEU", "HOLDS", rows, T0)
    ids = dict(filed.succeeded)  # bare rows are numbered from 1
    found = holds.holds(db_session, ids.values(), T0)
    assert found == {
        ids[1]: (holds.DUPLICATE,),
        ids[2]: (holds.PHOTO_FAILED,),
        ids[3]: (holds.NO_PHOTO, holds.IDENTITY),
        ids[4]: (holds.DUPLICATE,),
    }
    readmission.reject(db_session, BOB, ids[4], "filed twice", T0)
    readmission.override_photo(db_session, ALICE, ids[2], "checked by eye", T0)
    assert holds.holds(db_session, ids.values(), T0) == {ids[3]: (holds.NO_PHOTO, holds.IDENTITY)}
