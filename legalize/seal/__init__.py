"""ICAO visible digital seals (VDS, 9303-13 / BSI TR-03137) and IDB barcodes: codecs, C40,
our profiles (TTD = ICAO ETD + extension; legalization), the QR
text, check codes and the holder-photo hash. Byte formats: docs/seal-format.md.

Modules: :mod:`c40`, :mod:`tlv`, :mod:`dates`, :mod:`vds`, :mod:`idb`,
:mod:`profiles`, :mod:`qrtext`, :mod:`base45`, :mod:`checkcode`, :mod:`errors`. The photo hash
itself is computed in ``legalize.imaging.photo``; the seal only carries its 32 bytes (the seal
depends on nothing but ``legalize.pki``, whose :mod:`legalize.pki.ecdsa` signs and verifies it).
"""
