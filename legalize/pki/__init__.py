"""Keys and trust: root CA, document-signer certificates, CRLs, signer backends, trust stores.

- :mod:`legalize.pki.certificates` — certificate profiles (root, document signer)
- :mod:`legalize.pki.authority` — the keys folder: issue, roll over, revoke, CRLs
- :mod:`legalize.pki.keyfile` / :mod:`legalize.pki.pkcs11` — signer backends
- :mod:`legalize.pki.trust` — trust store and signer validation for verifiers
- :mod:`legalize.pki.devkeys` — the DEV ONLY PKI (the service's signer: :mod:`legalize.signers`)
- :mod:`legalize.pki.curves`, :mod:`legalize.pki.ecdsa`, :mod:`legalize.pki.ecmath` — the
  TR-03116 curves, ECDSA and public keys, the pure-Python arithmetic
- :mod:`legalize.pki.oids` — our OIDs and document types
"""
