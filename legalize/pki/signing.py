"""What the two :class:`legalize.pki.signer.Signer` backends share: the certificate and the
TR-03137 identifiers taken from it. A backend adds the key: ``curve`` and ``sign``."""

from __future__ import annotations

from cryptography import x509

from legalize.pki.certificates import cert_reference_of, signer_id_of
from legalize.pki.errors import PkiError


class CertificateSigner:
    """The certificate half of a signer; subclasses hold the key and sign."""

    def __init__(self, certificate: x509.Certificate, error: type[PkiError]) -> None:
        """Raises ``error`` (the backend's own class) when the certificate's subject names no
        signer (no C and CN)."""
        signer_id = signer_id_of(certificate)
        if signer_id is None:
            raise error("the certificate subject has no C and CN (no signer identifier)")
        self._certificate = certificate
        self._signer_id = signer_id

    @property
    def certificate(self) -> x509.Certificate:
        return self._certificate

    @property
    def signer_id(self) -> str:
        return self._signer_id

    @property
    def cert_reference(self) -> str:
        return cert_reference_of(self._certificate)
