"""Shared pieces of the case workflow tests: actors, a photo, an issuer, register data."""

from __future__ import annotations

import io
from datetime import UTC, date, datetime, timedelta
from pathlib import Path

from PIL import Image, ImageDraw
from sqlalchemy.orm import Session

from legalize.cases.issuer import Issuer, IssuerUnavailable, bind_issuer
from legalize.cases.rules import Actor
from legalize.config import Config
from legalize.kinds import Role
from legalize.registry.identity import import_nic
from tests.helpers import support
from tests.helpers.issuer import UnsignedTestIssuer

T0 = datetime(2026, 11, 2, 9, 0, tzinfo=UTC)

HOST = Actor("api:de-bamf", frozenset({Role.FOREIGN_AUTHORITY}), country="DEU")
ALICE = Actor("user:alice", frozenset({Role.ISSUING_OFFICER}))
BOB = Actor("user:bob", frozenset({Role.APPROVING_OFFICER}))
CAROL = Actor("user:carol", frozenset({Role.BORDER_OFFICER}))
ADMIN = Actor("user:root", frozenset({Role.ADMINISTRATOR}))
BOTH = Actor("user:dave", frozenset({Role.ISSUING_OFFICER, Role.APPROVING_OFFICER}))

NIC_CSV = b"""nic_number,surname,given_names,birth_date,sex,birth_place
199012345678,PERERA,KAMAL NUWAN,1990-05-14,M,KANDY
853400937V,SILVA,NIMALI,1985-12-01,F,GALLE
"""
MORE_NIC_CSV = b"""nic_number,surname,given_names,birth_date,sex,birth_place
197902020011,FERNANDO,RUWAN,1979-02-02,M,NEGOMBO
"""
SLTD_CSV = b"""document_number,issuing_country,status,reported_on
N1234567,LKA,stolen,2025-03-01
"""


def match_registers(session: Session) -> None:
    """The NIC register holding the people of :func:`request_body` and the batch tests, so
    their cross-check is a clean match and the identity gate lets them through."""
    assert import_nic(session, NIC_CSV, "nic.csv", T0).errors == ()
    assert import_nic(session, MORE_NIC_CSV, "more-nic.csv", T0).errors == ()
    session.commit()


def plain_photo() -> bytes:
    """A light 600×800 JPEG with a grey oval: readable, but no face (fails the face check)."""
    img = Image.new("RGB", (600, 800), (235, 235, 235))
    ImageDraw.Draw(img).ellipse((180, 180, 420, 520), fill=(150, 120, 100))
    out = io.BytesIO()
    img.save(out, "JPEG", quality=90)
    return out.getvalue()


def workflow_issuer() -> Issuer:
    """The unsigned test double: for tests of the rules, where the PDF does not matter."""
    return UnsignedTestIssuer()


def real_issuer(keys_dir: Path) -> Issuer:
    """The real issuer (seal, render, PAdES) on the dev PKI in ``keys_dir``."""
    try:
        return bind_issuer(Config(keys_dir=keys_dir))
    except IssuerUnavailable as exc:
        support.unavailable(f"real issuer: {exc}")
        raise


def request_body(
    reference: str = "DE-2026-0001", travel_date: str = "2026-11-20", **identity: str
) -> dict[str, object]:
    ident: dict[str, str] = {
        "surname": "Perera",
        "given_names": "Kamal Nuwan",
        "birth_date": "1990-05-14",
        "sex": "M",
        "birth_place": "Kandy",
        "nic_number": "199012345678",
        "passport_number": "N7654321",
    }
    ident.update(identity)
    return {
        "host_country": "DEU",
        "host_reference": reference,
        "port_of_entry": "CMB",
        "travel_date": travel_date,
        "identity": ident,
    }


def distinct_people(session: Session, count: int, start: int = 0) -> list[dict[str, str]]:
    """``count`` different people, each in the NIC register (a clean cross-check match and no
    duplicate of one another): identity overrides for :func:`request_body`. Calls with
    ``start`` past the previous call's people add others."""
    lines = ["nic_number,surname,given_names,birth_date,sex,birth_place"]
    people = []
    for i in range(start, start + count):
        nic = f"1980{i:08d}"
        surname = "PERSON" + "".join(chr(ord("A") + int(d)) for d in f"{i:03d}")
        # Birth dates differ as in a real flight: the duplicate search narrows by date first.
        born = (date(1960, 1, 1) + timedelta(days=i)).isoformat()
        lines.append(f"{nic},{surname},TEST,{born},F,COLOMBO")
        people.append(
            {
                "surname": surname,
                "given_names": "Test",
                "birth_date": born,
                "sex": "F",
                "birth_place": "Colombo",
                "nic_number": nic,
                "passport_number": f"P{i:07d}",
            }
        )
    data = ("\n".join(lines) + "\n").encode()
    assert import_nic(session, data, "people.csv", T0).errors == ()
    session.commit()
    return people
