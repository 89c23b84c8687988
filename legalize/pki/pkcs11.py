"""PKCS#11 signer: the key lives in an HSM (SoftHSM2 in tests), the host only hashes.

The key pair is generated in the token (CKA_SENSITIVE, never extractable); the host computes the
hash and the token signs it with CKM_ECDSA, whose output is already the raw r||s a seal carries.
Keys are found by CKA_ID (recorded in the keys folder's index) and the token by label.

Sessions: PKCS#11 login state belongs to the whole application, not to a session — a second
C_Login fails with USER_ALREADY_LOGGED_IN and any C_Logout logs every session out. So each
process keeps one logged-in read-write session per token and serialises its use with a lock
(a signature takes well under a millisecond in the token; opening and logging in per signature
cost ~7 ms). A dead session (token removed, module re-initialised) is reopened once. A module
may be initialised once per process, so loaded modules are kept too; after ``fork`` call
:func:`reset`.
"""

from __future__ import annotations

import contextlib
import hashlib
import threading
from typing import Any

import pkcs11
from asn1crypto import core
from asn1crypto import keys as asn1_keys
from cryptography import x509
from pkcs11 import Attribute, KeyType, Mechanism, ObjectClass
from pkcs11.util.ec import encode_named_curve_parameters

from legalize.pki.curves import curve
from legalize.pki.ecdsa import PublicKey
from legalize.pki.errors import Pkcs11Error
from legalize.pki.signing import CertificateSigner

_LIBS: dict[str, Any] = {}
_LOCK = threading.RLock()


def _lib(module: str) -> Any:
    with _LOCK:
        if module not in _LIBS:
            try:
                _LIBS[module] = pkcs11.lib(module)
            except (pkcs11.PKCS11Error, RuntimeError, OSError) as exc:
                raise Pkcs11Error(f"cannot load PKCS#11 module {module}: {exc!r}") from None
        return _LIBS[module]


def _token(module: str, token_label: str | None) -> Any:
    lib = _lib(module)
    try:
        if token_label:
            return lib.get_token(token_label=token_label)
        tokens = list(lib.get_tokens())
    except pkcs11.NoSuchToken:
        raise Pkcs11Error(f"no PKCS#11 token labelled {token_label!r} in {module}") from None
    except pkcs11.PKCS11Error as exc:
        raise Pkcs11Error(f"PKCS#11 token lookup failed: {exc!r}") from None
    if len(tokens) != 1:
        raise Pkcs11Error(f"{len(tokens)} tokens in {module}: name one (LEGALIZE_PKCS11_TOKEN)")
    return tokens[0]


def _open(module: str, token_label: str | None, pin: str | None) -> Any:
    token = _token(module, token_label)
    try:
        return token.open(rw=True, user_pin=pin)
    except pkcs11.PinIncorrect:
        raise Pkcs11Error("wrong PKCS#11 user PIN") from None
    except pkcs11.UserAlreadyLoggedIn:
        raise Pkcs11Error(
            "the token is already logged in by this process with another PIN"
        ) from None
    except pkcs11.PKCS11Error as exc:
        raise Pkcs11Error(f"cannot open a session on the token: {exc!r}") from None


_SESSIONS: dict[tuple[str, str | None, str | None], Any] = {}
_DEAD = (pkcs11.SessionHandleInvalid, pkcs11.SessionClosed, pkcs11.DeviceRemoved)


def _with_session(module: str, token_label: str | None, pin: str | None, work: Any) -> Any:
    """Run ``work(session)`` on the process's logged-in session for this token, under the lock;
    reopen the session once if the token dropped it."""
    key = (module, token_label, pin)
    with _LOCK:
        for attempt in (1, 2):
            session = _SESSIONS.get(key)
            if session is None:
                session = _SESSIONS[key] = _open(module, token_label, pin)
            try:
                return work(session)
            except _DEAD:
                del _SESSIONS[key]
                if attempt == 2:
                    raise Pkcs11Error("the token keeps dropping the session") from None
        raise AssertionError("unreachable")


def reset() -> None:
    """Forget sessions and re-initialise loaded modules (after fork, or a new SOFTHSM2_CONF)."""
    with _LOCK:
        for session in _SESSIONS.values():
            # Already gone is fine: re-initialising below clears the module state anyway.
            with contextlib.suppress(pkcs11.PKCS11Error):
                session.close()
        _SESSIONS.clear()
        for lib in _LIBS.values():
            lib.reinitialize()


def _spki(curve_oid: str, ec_point_attribute: bytes) -> PublicKey:
    # CKA_EC_POINT is the DER OCTET STRING around the uncompressed point (PKCS#11 v2.40).
    point = core.OctetString.load(ec_point_attribute).native
    info = asn1_keys.PublicKeyInfo(
        {
            "algorithm": {
                "algorithm": "ec",
                "parameters": asn1_keys.ECDomainParameters(name="named", value=curve_oid),
            },
            "public_key": asn1_keys.ECPointBitString(point),
        }
    )
    return PublicKey.from_der(bytes(info.dump()))


def generate_key(
    module: str,
    token_label: str | None,
    pin: str | None,
    curve_name: str,
    *,
    label: str,
    key_id: bytes,
) -> PublicKey:
    """Generate a signing key pair in the token; return its public key."""
    c = curve(curve_name)

    def work(session: Any) -> bytes:
        try:
            params = session.create_domain_parameters(
                KeyType.EC,
                {Attribute.EC_PARAMS: encode_named_curve_parameters(c.oid)},
                local=True,
            )
            public, _private = params.generate_keypair(
                store=True,
                label=label,
                id=key_id,
                public_template={Attribute.VERIFY: True},
                private_template={
                    Attribute.SIGN: True,
                    Attribute.SENSITIVE: True,
                    Attribute.EXTRACTABLE: False,
                },
            )
            return bytes(public[Attribute.EC_POINT])
        except _DEAD:
            raise
        except pkcs11.PKCS11Error as exc:
            raise Pkcs11Error(f"the token cannot make a {c.name} key: {exc!r}") from None

    point = _with_session(module, token_label, pin, work)
    return _spki(c.oid, point)


class Pkcs11Signer(CertificateSigner):
    """A :class:`legalize.pki.signer.Signer` whose key is in a PKCS#11 token."""

    def __init__(
        self,
        module: str,
        token_label: str | None,
        pin: str | None,
        certificate: x509.Certificate,
        key_id: bytes,
    ) -> None:
        super().__init__(certificate, Pkcs11Error)
        self._module, self._token_label, self._pin = module, token_label, pin
        self._key_id = key_id
        self._public = PublicKey.of_certificate(certificate)

        def work(session: Any) -> bytes:
            try:
                public = session.get_key(
                    object_class=ObjectClass.PUBLIC_KEY, key_type=KeyType.EC, id=key_id
                )
                session.get_key(
                    object_class=ObjectClass.PRIVATE_KEY, key_type=KeyType.EC, id=key_id
                )
            except (pkcs11.NoSuchKey, pkcs11.MultipleObjectsReturned) as exc:
                raise Pkcs11Error(
                    f"no unique key with id {key_id.hex()} in the token: {exc!r}"
                ) from None
            return bytes(public[Attribute.EC_POINT])

        point = _with_session(module, token_label, pin, work)
        token_point = _spki(self._public.curve.oid, point).point
        if token_point != self._public.point:
            raise Pkcs11Error("the token's key does not belong to the certificate")

    @property
    def curve(self) -> str:
        return self._public.curve.name

    def sign(self, data: bytes, hash_name: str | None = None) -> bytes:
        name = (hash_name or self._public.curve.hash_name).lower()
        if name not in ("sha224", "sha256", "sha384", "sha512"):
            raise Pkcs11Error(f"unsupported hash {hash_name!r}")
        digest = hashlib.new(name, data).digest()

        def work(session: Any) -> bytes:
            try:
                key = session.get_key(
                    object_class=ObjectClass.PRIVATE_KEY, key_type=KeyType.EC, id=self._key_id
                )
                return bytes(key.sign(digest, mechanism=Mechanism.ECDSA))
            except _DEAD:
                raise
            except pkcs11.PKCS11Error as exc:
                raise Pkcs11Error(f"the token refused to sign: {exc!r}") from None

        signature: bytes = _with_session(self._module, self._token_label, self._pin, work)
        if len(signature) != 2 * self._public.curve.size:
            raise Pkcs11Error(f"the token returned a {len(signature)}-byte signature")
        return signature
