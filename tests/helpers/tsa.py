"""A small RFC 3161 time-stamping authority served over HTTP on 127.0.0.1, for tests.

pyHanko's DummyTimeStamper does the TSA work (it needs an RSA key, RESEARCH §4); this module
puts it behind a real HTTP server in a thread so the signing code goes through its network
client exactly as in production. ``mode`` makes the TSA misbehave: ``"garbage"`` (200 with a
non-DER body), ``"error"`` (HTTP 500), ``"refuse"`` (a well-formed ``rejection``), ``"wrong"``
(a valid token over another digest), ``"slow"`` (answers after ``delay`` seconds).
"""

from __future__ import annotations

import contextlib
import functools
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

from asn1crypto import keys, tsp
from asn1crypto import x509 as asn1_x509
from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec, rsa
from cryptography.x509.oid import ExtendedKeyUsageOID, NameOID
from pyhanko.sign.timestamps.dummy_client import DummyTimeStamper

MODES = ("ok", "garbage", "error", "refuse", "wrong", "slow")


@dataclass
class LocalTsa:
    """A running TSA: its URL, its certificate, and knobs the test may turn."""

    url: str
    certificate: x509.Certificate
    issuer: x509.Certificate
    mode: str = "ok"
    delay: float = 5.0
    requests: list[bytes] = field(default_factory=list)


@functools.cache
def _tsa_key() -> rsa.RSAPrivateKey:
    # RSA key generation costs ~0.1-0.5 s; one key serves every TSA of the session.
    return rsa.generate_private_key(public_exponent=65537, key_size=2048)


def make_tsa_certificate(
    issuer_cert: x509.Certificate,
    issuer_key: ec.EllipticCurvePrivateKey | rsa.RSAPrivateKey,
    not_before: datetime,
) -> tuple[x509.Certificate, rsa.RSAPrivateKey]:
    """An RSA TSA certificate (EKU timeStamping, critical, as RFC 3161 requires)."""
    key = _tsa_key()
    name = x509.Name(
        [
            x509.NameAttribute(NameOID.COUNTRY_NAME, "LK"),
            x509.NameAttribute(NameOID.COMMON_NAME, "Test TSA"),
        ]
    )
    cert = (
        x509.CertificateBuilder()
        .subject_name(name)
        .issuer_name(issuer_cert.subject)
        .public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(not_before)
        .not_valid_after(not_before + timedelta(days=3650))
        .add_extension(x509.BasicConstraints(ca=False, path_length=None), critical=True)
        .add_extension(
            x509.KeyUsage(True, False, False, False, False, False, False, False, False), True
        )
        .add_extension(x509.ExtendedKeyUsage([ExtendedKeyUsageOID.TIME_STAMPING]), critical=True)
        .add_extension(
            x509.AuthorityKeyIdentifier.from_issuer_public_key(issuer_key.public_key()), False
        )
        .sign(issuer_key, hashes.SHA256())
    )
    return cert, key


def _asn1_cert(cert: x509.Certificate) -> asn1_x509.Certificate:
    return asn1_x509.Certificate.load(cert.public_bytes(serialization.Encoding.DER))


@contextmanager
def serve_tsa(
    issuer_cert: x509.Certificate,
    issuer_key: ec.EllipticCurvePrivateKey | rsa.RSAPrivateKey,
    at: datetime | None = None,
) -> Iterator[LocalTsa]:
    """Run a TSA on an ephemeral loopback port until the ``with`` block ends.

    ``at`` fixes the time the TSA writes into its tokens (default: the clock).
    """
    not_before = (at or datetime.now(UTC)) - timedelta(days=1)
    cert, key = make_tsa_certificate(issuer_cert, issuer_key, not_before)
    stamper = DummyTimeStamper(
        tsa_cert=_asn1_cert(cert),
        tsa_key=keys.PrivateKeyInfo.load(
            key.private_bytes(
                serialization.Encoding.DER,
                serialization.PrivateFormat.PKCS8,
                serialization.NoEncryption(),
            )
        ),
        certs_to_embed=[_asn1_cert(issuer_cert)],
        fixed_dt=at,
    )
    tsa = LocalTsa(url="", certificate=cert, issuer=issuer_cert)

    class Handler(BaseHTTPRequestHandler):
        def do_POST(self) -> None:
            body = self.rfile.read(int(self.headers.get("Content-Length", "0")))
            tsa.requests.append(body)
            if tsa.mode == "slow":
                time.sleep(tsa.delay)
            if tsa.mode == "error":
                self._reply(500, b"internal error")
                return
            if tsa.mode == "garbage":
                self._reply(200, b"\x30\x03not a time-stamp response")
                return
            if tsa.mode == "refuse":
                status = tsp.PKIStatusInfo({"status": "rejection"})
                self._reply(200, tsp.TimeStampResp({"status": status}).dump())
                return
            request = tsp.TimeStampReq.load(body)
            if tsa.mode == "wrong":
                imprint = request["message_imprint"]
                request = tsp.TimeStampReq(
                    {
                        "version": 1,
                        "message_imprint": tsp.MessageImprint(
                            {
                                "hash_algorithm": imprint["hash_algorithm"],
                                "hashed_message": bytes(len(imprint["hashed_message"].native)),
                            }
                        ),
                        "nonce": request["nonce"],
                        "cert_req": True,
                    }
                )
            self._reply(200, stamper.request_tsa_response(request).dump())

        def _reply(self, status: int, body: bytes) -> None:
            self.send_response(status)
            self.send_header("Content-Type", "application/timestamp-reply")
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            with contextlib.suppress(OSError):  # the client gave up (the "slow" mode's point)
                self.wfile.write(body)

        def log_message(self, format: str, *args: object) -> None:
            pass  # keep pytest output clean

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    server.daemon_threads = True
    tsa.url = f"http://127.0.0.1:{server.server_address[1]}/tsa"
    thread = threading.Thread(
        target=server.serve_forever, args=(0.05,), name="local-tsa", daemon=True
    )
    thread.start()
    try:
        yield tsa
    finally:
        server.shutdown()
        server.server_close()
        thread.join(timeout=5)
