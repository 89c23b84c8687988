"""Demo data for ``make run``: signatories, register entries and cases in every state.

Development only. The actors are the demo users and API client that
``legalize dev run`` creates (:mod:`legalize.cases.demo_credentials`: alice issuing, bob
approving, carol border, root administrator, API client demo-deu for DEU); every step goes
through the real workflow functions, so the audit log of a demo database verifies like any other.
"""

from __future__ import annotations

import base64
import io
import math
from datetime import date, datetime, timedelta
from typing import Any

from PIL import Image, ImageDraw
from reportlab.lib.pagesizes import A4
from reportlab.pdfgen.canvas import Canvas
from sqlalchemy.orm import Session

from legalize.cases import batch, legalization, readmission
from legalize.cases.issuer import Issuer
from legalize.cases.rules import Actor
from legalize.cases.views import list_cases
from legalize.kinds import Role
from legalize.registry.identity import import_nic, import_sltd

ALICE = Actor("user:alice", frozenset({Role.ISSUING_OFFICER}))
BOB = Actor("user:bob", frozenset({Role.APPROVING_OFFICER}))
CAROL = Actor("user:carol", frozenset({Role.BORDER_OFFICER}))
ROOT = Actor("user:root", frozenset({Role.ADMINISTRATOR}))
HOST = Actor("api:demo-deu", frozenset({Role.FOREIGN_AUTHORITY}), country="DEU")

NIC = b"""nic_number,surname,given_names,birth_date,sex,birth_place
199012345678,PERERA,KAMAL NUWAN,1990-05-14,M,KANDY
853400937V,SILVA,NIMALI,1985-12-01,F,GALLE
197903300123,FERNANDO,RUWAN,1979-02-02,M,NEGOMBO
198806600456,DIAS,AMALI,1988-03-07,F,MATARA
199254321098,JAYAWARDENA,SUNIL,1992-09-09,M,COLOMBO
198333500789,WICKRAMASINGHE,LALITH,1983-11-30,M,BADULLA
"""
SLTD = b"""document_number,issuing_country,status,reported_on
N1234567,LKA,stolen,2025-03-01
N2345678,LKA,lost,2025-06-11
"""
PEOPLE = [
    ("Perera", "Kamal Nuwan", "1990-05-14", "M", "199012345678", "N7654321", "Kandy"),
    ("Silva", "Nimali", "1985-12-01", "F", "853400937V", "N6543210", "Galle"),
    ("Fernando", "Ruwan", "1979-02-02", "M", "197903300123", "N5432109", "Negombo"),
    ("Dias", "Amali", "1988-03-07", "F", "198806600456", "N1234567", "Matara"),
    ("Jayawardena", "Sunil", "1992-09-09", "M", "199254321098", "N4321098", "Colombo"),
    ("Bandara", "Chamari", "1995-01-21", "F", "", "N3210987", "Kurunegala"),
    ("Wickramasinghe", "Lalith", "1983-11-30", "M", "198333500789", "N2109876", "Badulla"),
    ("Gunasekara", "Ishara", "1991-07-04", "F", "", "N1098765", "Anuradhapura"),
]

SIGNATORIES: list[tuple[str, str, str, date, date | None]] = [
    # name, capacity, authority, valid from, valid until; the demo files against the first
    (
        "W. A. Jayasinghe",
        "Additional District Registrar",
        "Divisional Secretariat, Kandy Four Gravets",
        date(2020, 1, 1),
        None,
    ),
    (
        "K. M. Rathnayake",
        "Notary Public",
        "Ministry of Justice",
        date(2015, 6, 1),
        date(2023, 12, 31),
    ),
    (
        "S. Thevarajah",
        "Registrar of Births and Deaths",
        "Divisional Secretariat, Jaffna",
        date(2018, 3, 1),
        None,
    ),
]


SPECIMEN_DPI = 300
"""The resolution the demo specimens record, so they are shown at their true size."""


def _signature_stroke(width: float, height: float) -> list[tuple[float, float]]:
    """The demo signature's one stroke, as points in a width × height box (y downwards)."""
    points = []
    for i in range(121):
        t = i / 120
        x = width * (0.05 + 0.9 * t)
        y = height * (0.55 - 0.3 * math.sin(t * 9.5) * (1 - t * 0.6) - 0.1 * math.cos(t * 23))
        points.append((x, y))
    return points


def demo_specimen_signature() -> bytes:
    """The demo signatory's specimen signature: 50 mm × 15 mm at SPECIMEN_DPI."""
    w, h = round(50 / 25.4 * SPECIMEN_DPI), round(15 / 25.4 * SPECIMEN_DPI)
    img = Image.new("RGB", (w, h), "white")
    ImageDraw.Draw(img).line(_signature_stroke(w, h), fill=(20, 30, 110), width=6, joint="curve")
    out = io.BytesIO()
    img.save(out, "PNG", dpi=(SPECIMEN_DPI, SPECIMEN_DPI))
    return out.getvalue()


def demo_specimen_seal() -> bytes:
    """The demo authority's specimen seal: a ring 40 mm across at SPECIMEN_DPI."""
    side = round(40 / 25.4 * SPECIMEN_DPI)
    img = Image.new("RGB", (side, side), "white")
    draw = ImageDraw.Draw(img)
    ink = (120, 30, 120)
    draw.ellipse((6, 6, side - 6, side - 6), outline=ink, width=10)
    draw.ellipse((70, 70, side - 70, side - 70), outline=ink, width=5)
    draw.regular_polygon((side / 2, side / 2, 70), 5, outline=ink, width=5)
    draw.text((side / 2, side / 2 + 110), "KANDY", fill=ink, anchor="mm")
    out = io.BytesIO()
    img.save(out, "PNG", dpi=(SPECIMEN_DPI, SPECIMEN_DPI))
    return out.getvalue()


def demo_underlying(title: str) -> bytes:
    """A one-page PDF standing in for an applicant's document, signed and sealed on paper
    like the specimens of the first demo signatory (same size), for the reviewer to compare."""
    out = io.BytesIO()
    canvas = Canvas(out, pagesize=A4)
    canvas.setTitle(title)
    canvas.setFont("Helvetica-Bold", 16)
    canvas.drawString(72, 760, title.upper())
    canvas.setFont("Helvetica", 11)
    canvas.drawString(72, 730, "DEMO DOCUMENT - NOT A REAL CERTIFICATE")
    mm = 72 / 25.4
    left, base = 72.0, 200.0
    stroke = _signature_stroke(50 * mm, 15 * mm)
    path = canvas.beginPath()
    path.moveTo(left + stroke[0][0], base + 15 * mm - stroke[0][1])
    for x, y in stroke[1:]:
        path.lineTo(left + x, base + 15 * mm - y)
    canvas.setStrokeColorRGB(20 / 255, 30 / 255, 110 / 255)
    canvas.setLineWidth(1.4)
    canvas.drawPath(path)
    canvas.setFont("Helvetica", 9)
    canvas.drawString(left, base - 12, "Additional District Registrar")
    canvas.setStrokeColorRGB(120 / 255, 30 / 255, 120 / 255)
    canvas.setLineWidth(2.4)
    canvas.circle(left + 110 * mm, base + 10 * mm, 20 * mm)
    canvas.setLineWidth(1.2)
    canvas.circle(left + 110 * mm, base + 10 * mm, 14 * mm)
    canvas.save()
    return out.getvalue()


def demo_photo(seed: int) -> bytes:
    """A synthetic head-and-shoulders picture on a light background (no real person)."""
    img = Image.new("RGB", (600, 771), (236, 236, 232))
    draw = ImageDraw.Draw(img)
    tone = (150 + seed * 7 % 40, 110 + seed * 5 % 30, 90)
    draw.ellipse((120, 560, 480, 900), fill=(60, 70, 90))  # shoulders
    draw.ellipse((200, 170, 400, 440), fill=tone)  # head
    draw.ellipse((250, 270, 275, 285), fill=(40, 30, 30))
    draw.ellipse((325, 270, 350, 285), fill=(40, 30, 30))
    draw.arc((265, 340, 335, 380), 20, 160, fill=(90, 40, 40), width=4)
    out = io.BytesIO()
    img.save(out, "JPEG", quality=88)
    return out.getvalue()


def _request(i: int, at: datetime) -> readmission.ReadmissionRequest:
    surname, given, birth, sex, nic, passport, place = PEOPLE[i % len(PEOPLE)]
    body: dict[str, Any] = {
        "host_country": "DEU",
        "host_reference": f"DEMO-DEU-{i + 1:04d}",
        "port_of_entry": "BIA Colombo",
        "travel_date": (at.date() + timedelta(days=14)).isoformat(),
        "photo": demo_photo(i),
        "identity": {
            "surname": surname,
            "given_names": given,
            "birth_date": birth,
            "sex": sex,
            "birth_place": place,
            "nic_number": nic,
            "passport_number": passport,
        },
    }
    return readmission.parse_request(body, at)


def _ready(session: Session, i: int, at: datetime) -> int:
    """File, accept the photo, prepare: a draft waiting for approval."""
    case = readmission.file_request(session, HOST, _request(i, at), at)
    photo = case.photo
    if photo is not None and not photo.passed:
        readmission.override_photo(
            session, ALICE, case.id, "demo picture: compared with the NIC photo by eye", at
        )
    if case.crosscheck and case.crosscheck.get("outcome") in ("not_found", "mismatch"):
        # No NIC number was given: the officer settles the identity (the identity gate).
        readmission.decide_identity(
            session,
            ALICE,
            case.id,
            {
                "evidence": "civil_record",
                "evidence_reference": f"demo birth certificate no. {1000 + i}",
                "reason": "birth certificate extract matches name, date and place of birth",
            },
            at,
        )
    readmission.prepare(session, ALICE, case.id, at)
    return case.id


def seed_demo(session: Session, at: datetime, issuer: Issuer) -> str:
    """Fill an empty database with demo data; returns a one-line summary. Does nothing when
    there are cases already."""
    existing = list_cases(session, limit=1).total
    if existing:
        return f"{existing} cases present; nothing seeded"
    earlier = at - timedelta(days=45)
    import_nic(session, NIC, "demo-nic.csv", earlier)
    import_sltd(session, SLTD, "demo-sltd.csv", earlier)
    session.commit()
    signatories = [
        legalization.add_signatory(
            session,
            ROOT,
            name=name,
            capacity=capacity,
            authority=authority,
            valid_from=valid_from,
            valid_until=valid_until,
            at=earlier,
            # the first signatory has specimens: the reviewer compares a scan with them
            specimen=demo_specimen_signature() if n == 0 else None,
            seal_image=demo_specimen_seal() if n == 0 else None,
        )
        for n, (name, capacity, authority, valid_from, valid_until) in enumerate(SIGNATORIES)
    ]
    sig = signatories[0]

    # Readmission cases in every state.
    readmission.file_request(session, HOST, _request(0, at), at)  # draft, new
    _ready(session, 1, at)  # draft, prepared
    approved = _ready(session, 2, at)
    readmission.approve(session, BOB, approved, at)
    rejected = _ready(session, 3, at)  # the one whose passport is on the SLTD list
    readmission.reject(session, BOB, rejected, "travel document reported stolen", at)
    issued = _ready(session, 4, at)
    readmission.approve(session, BOB, issued, at)
    readmission.issue(session, ALICE, issued, at, issuer)
    used = _ready(session, 5, at)
    readmission.approve(session, BOB, used, at)
    doc = readmission.issue(session, ALICE, used, at, issuer).document
    assert doc is not None
    readmission.clear(session, CAROL, doc.number, at + timedelta(hours=2), port="BIA Colombo")
    revoked = _ready(session, 6, at)
    readmission.approve(session, BOB, revoked, at)
    doc = readmission.issue(session, ALICE, revoked, at, issuer).document
    assert doc is not None
    readmission.revoke(
        session, BOB, doc.number, "holder's return cancelled by the host country", at
    )
    expired = _ready(session, 7, earlier)
    readmission.approve(session, BOB, expired, earlier)
    # The signers of a fresh dev PKI are valid from now on, so the demo TTD that expires is
    # issued now, valid for the day, and the expiry run is the one of tomorrow.
    readmission.issue(session, ALICE, expired, at, issuer, validity_days=0)
    readmission.expire_due(session, at + timedelta(days=1))

    # A small batch (a charter flight), filed and prepared.
    rows = [(n + 2, {"host_reference": f"CHARTER-{n + 1:02d}", **_flat(n)}) for n in range(3)]
    filed = batch.file_batch(session, HOST, "DEU", f"CHARTER-{at:%Y%m%d}", rows, at)
    for _line, case_id in filed.succeeded:
        readmission.override_photo(session, ALICE, case_id, "demo picture", at)

    # Legalizations: draft, approved, issued, rejected.
    for n, (signer, stage) in enumerate(
        [
            ("W. A. Jayasinghe", "draft"),
            ("W.A. Jayasinghe", "approved"),
            ("S. Thevarajah", "issued"),
            ("K. M. Rathnayake", "rejected"),
        ]
    ):
        surname, given, birth, sex, nic, _, place = PEOPLE[n]
        capacity, authority = {
            "W. A. Jayasinghe": (sig.capacity, sig.authority),
            "W.A. Jayasinghe": (sig.capacity, sig.authority),
            "S. Thevarajah": (
                "Registrar of Births and Deaths",
                "Divisional Secretariat, Jaffna",
            ),
            "K. M. Rathnayake": ("Notary Public", "Ministry of Justice"),
        }[signer]
        request = legalization.parse_request(
            {
                "applicant": {
                    "surname": surname,
                    "given_names": given,
                    "birth_date": birth,
                    "sex": sex,
                    "birth_place": place,
                    "nic_number": nic,
                },
                "underlying_title": "Birth certificate",
                "underlying_date": "2024-03-15",
                "signer_name": signer,
                "signer_capacity": capacity,
                "signer_authority": authority,
                "destination_country": "ITA",
            },
            demo_underlying("Birth certificate"),
            at,
        )
        case = legalization.file_application(session, ALICE, request, at)
        if stage == "rejected":  # the notary's authority ended in 2023
            legalization.reject(session, BOB, case.id, "signatory not authorized on that date", at)
            continue
        legalization.prepare(session, ALICE, case.id, at)
        if stage == "draft":
            continue
        legalization.approve(session, BOB, case.id, at)
        if stage == "issued":
            legalization.issue(session, BOB, case.id, at, issuer)

    states: dict[str, int] = {}
    for view in list_cases(session, limit=200).items:
        states[view.state] = states.get(view.state, 0) + 1
    summary = ", ".join(f"{n} {state}" for state, n in sorted(states.items()))
    return f"{sum(states.values())} cases ({summary})"


def _flat(n: int) -> dict[str, Any]:
    surname, given, birth, sex, nic, passport, place = PEOPLE[(n + 4) % len(PEOPLE)]
    return {
        "birth_place": place,
        "surname": surname,
        "given_names": given,
        "birth_date": birth,
        "sex": sex,
        "nic_number": nic,
        "passport_number": passport,
        "photo": base64.b64encode(demo_photo(n + 10)).decode(),
    }
