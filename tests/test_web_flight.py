"""A charter flight through the staff pages, on SQLite and PostgreSQL: the CSV template, the
CSV uploaded beside a ZIP of photos, counts that agree on the page, the steps' results naming
the people they could not take, the list of batches, the flight's download, and the search."""

from __future__ import annotations

import csv
import io
import re
import zipfile

import pytest
from flask.testing import FlaskClient

from tests.helpers.web_app import Tokens, WebEnv, portrait_jpeg, staff_client
from tests.test_web_batch import _wait

ROWS = [
    # the first two are in the NIC register the web tests seed; Fernando is not (the identity
    # gate holds him at approval); Dias names a photo the ZIP lacks (refused at filing)
    ("CH-1", "Perera", "Kamal", "1990-05-14", "M", "199012345678", "perera.jpg"),
    ("CH-2", "Silva", "Nimali", "1985-12-01", "F", "853400937V", "photos/silva.jpg"),
    ("CH-3", "Fernando", "Ruwan", "1979-02-02", "M", "", "fernando.jpg"),
    ("CH-4", "Dias", "Amali", "1988-03-07", "F", "", "dias.jpg"),
]


@pytest.fixture
def web_database(every_backend_database: tuple[str, Tokens]) -> tuple[str, Tokens]:
    return every_backend_database  # on SQLite and PostgreSQL


def flight_files(template: str) -> tuple[bytes, bytes]:
    """The CSV filled from the template's header, and the ZIP of photos beside it."""
    header = next(csv.reader(io.StringIO(template)))
    out = io.StringIO()
    writer = csv.DictWriter(out, fieldnames=header)
    writer.writeheader()
    for ref, surname, given, birth, sex, nic, photo in ROWS:
        writer.writerow(
            {
                "host_reference": ref,
                "surname": surname,
                "given_names": given,
                "birth_date": birth,
                "sex": sex,
                "birth_place": "Colombo",
                "nationality": "LKA",
                "nic_number": nic,
                "passport_number": "",
                "port_of_entry": "BIA Colombo",
                "travel_date": "2099-01-01",
                "photo_file": photo,
            }
        )
    photos = io.BytesIO()
    with zipfile.ZipFile(photos, "w") as z:
        for name in ("perera.jpg", "photos/silva.jpg", "fernando.jpg"):
            z.writestr(name, portrait_jpeg())
    return out.getvalue().encode(), photos.getvalue()


def _step(client: FlaskClient, token: str, batch_id: int, step: str) -> str:
    posted = client.post(f"/staff/batches/{batch_id}/{step}", data={"csrf_token": token})
    assert posted.status_code == 302
    _wait(client, batch_id, step)
    return client.get(f"/staff/batches/{batch_id}").get_data(as_text=True)


def test_charter_flight_through_the_pages(env: WebEnv) -> None:
    alice, alice_csrf = staff_client(env.app, "alice")
    template = alice.get("/staff/batches/template.csv")
    assert template.status_code == 200 and template.mimetype == "text/csv"
    table, photos = flight_files(template.get_data().decode("utf-8-sig"))
    response = alice.post(
        "/staff/batches/new",
        data={
            "host_country": "DEU",
            "reference": "CHARTER-WEB",
            "csrf_token": alice_csrf,
            "file": (io.BytesIO(table), "flight.csv"),
            "photos": (io.BytesIO(photos), "photos.zip"),
        },
        content_type="multipart/form-data",
    )
    assert response.status_code == 302, response.get_data(as_text=True)
    batch_id = int(response.headers["Location"].rsplit("/", 1)[1])
    page = alice.get(f"/staff/batches/{batch_id}").get_data(as_text=True)
    assert "Batch filed: 3 of 4 rows filed as cases, 1 refused." in page
    assert "4 rows in the file: 3 filed as cases, 1 refused" in page
    assert "DIAS, Amali" in page and "No file “dias.jpg” in photos.zip" in page
    assert page.count("<tr>\n<td>") == 3  # three filed cases listed

    page = _step(alice, alice_csrf, batch_id, "prepare")
    assert "Prepare finished: 3 prepared." in page
    # before approval, the page says which case the identity gate will hold back
    assert re.search(
        r"FERNANDO, Ruwan</a></td>\s*<td>CH-3</td>\s*<td>.*?</td>\s*"
        r'<td class="holds">identity to decide</td>',
        page,
        re.S,
    ), page
    assert "1 case held back" in page
    bob, bob_csrf = staff_client(env.app, "bob")
    page = _step(bob, bob_csrf, batch_id, "approve")
    assert "Approve finished: 2 approved, 1 refused." in page
    failure = re.search(
        r'<ul class="failures"><li data-code="[A-Z_]+"[^>]*>Line 4 — <a href="(/staff/cases/\d+)">',
        page,
    )  # the refusal's code kept for scripts in data-code, never in the words
    assert failure, page  # Fernando, by name, linked to his case
    assert "FERNANDO, Ruwan</a>:" in page
    assert not re.search(r"\bcase \d+|#\d+", page)  # no internal ids in the words
    assert bob.get(failure.group(1)).status_code == 200
    page = _step(bob, bob_csrf, batch_id, "issue")
    assert "Issue finished: 2 issued, 1 not ready for this step." in page
    assert "2 of 3 issued." in page
    assert f'href="/staff/batches/{batch_id}/flight.zip"' in page

    download = bob.get(f"/staff/batches/{batch_id}/flight.zip")
    assert download.status_code == 200 and download.mimetype == "application/zip"
    assert 'filename="flight-DEU-CHARTER-WEB.zip"' in download.headers["Content-Disposition"]
    with zipfile.ZipFile(io.BytesIO(download.get_data())) as z:
        manifest = z.read("flight-DEU-CHARTER-WEB/manifest.csv").decode("utf-8-sig")
        assert z.read("flight-DEU-CHARTER-WEB/manifest.pdf").startswith(b"%PDF-")
        assert len([n for n in z.namelist() if "/ttd/" in n]) == 2
    surnames = [row["surname"] for row in csv.DictReader(io.StringIO(manifest))]
    assert surnames == ["PERERA", "SILVA"]

    listing = bob.get("/staff/batches").get_data(as_text=True)
    assert f'href="/staff/batches/{batch_id}">CHARTER-WEB</a>' in listing
    assert "Germany (DEU)" in listing and "2 of 3" in listing

    api = env.app.test_client()  # the API's reference filter: the same search, own cases only
    for token, expected in ((env.token, {"CH-1", "CH-2", "CH-3"}), (env.other_token, set())):
        listed = api.get(
            "/api/cases?kind=readmission&reference=ch-",
            headers={"Authorization": f"Bearer {token}"},
        )
        assert listed.status_code == 200, listed.get_json()
        assert {c["host_reference"] for c in listed.get_json()["items"]} == expected

    for text, found, absent in (
        ("853400937V", "SILVA", "PERERA"),
        ("kamal perera", "PERERA", "SILVA"),
        ("CH-3", "FERNANDO", "SILVA"),
    ):
        html = alice.get("/staff/cases", query_string={"q": text}).get_data(as_text=True)
        assert found.capitalize() in html and absent.capitalize() not in html, text


def test_one_zip_holding_the_csv_and_the_photos(env: WebEnv) -> None:
    alice, alice_csrf = staff_client(env.app, "alice")
    template = alice.get("/staff/batches/template.csv").get_data().decode("utf-8-sig")
    table, photos = flight_files(template)
    bundle = io.BytesIO()
    with zipfile.ZipFile(io.BytesIO(photos)) as inner, zipfile.ZipFile(bundle, "w") as z:
        for name in inner.namelist():
            z.writestr(name, inner.read(name))
        z.writestr("flight.csv", table)
    response = alice.post(
        "/staff/batches/new",
        data={
            "host_country": "DEU",
            "reference": "CHARTER-ZIP",
            "csrf_token": alice_csrf,
            "file": (io.BytesIO(bundle.getvalue()), "charter.zip"),
        },
        content_type="multipart/form-data",
    )
    assert response.status_code == 302
    page = alice.get(response.headers["Location"]).get_data(as_text=True)
    assert "Batch filed: 3 of 4 rows filed as cases, 1 refused." in page
    again = alice.post(  # the same reference again: the form again, the reason beside it
        "/staff/batches/new",
        data={
            "host_country": "DEU",
            "reference": "CHARTER-ZIP",
            "csrf_token": alice_csrf,
            "file": (io.BytesIO(bundle.getvalue()), "charter.zip"),
        },
        content_type="multipart/form-data",
    )
    assert again.status_code == 409
    html = again.get_data(as_text=True)
    assert 'data-field="reference"' in html and 'value="CHARTER-ZIP"' in html
