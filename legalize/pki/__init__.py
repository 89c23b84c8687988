"""Keys and trust: root CA, document-signer certificates, CRLs, signer backends, trust stores.

- :mod:`legalize.pki.certificates` — certificate profiles (root, document signer)
- :mod:`legalize.pki.authority` — the keys folder: issue, roll over, revoke, CRLs
- :mod:`legalize.pki.keyfile` / :mod:`legalize.pki.pkcs11` — signer backends
- :mod:`legalize.pki.trust` — trust store and signer validation for verifiers
- :mod:`legalize.pki.signers` — :func:`~legalize.pki.signers.load_signer`, the signer to sign with
- :mod:`legalize.pki.devkeys` — the DEV ONLY PKI and its published passphrase (development only)
- :mod:`legalize.pki.oids` — our OIDs and document types
"""
