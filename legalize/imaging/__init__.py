"""Images, framework-free: safe decoding within one set of limits (:mod:`decode`), the face
detector (:mod:`face`), the holder photo's normalisation and perceptual hash (:mod:`photo`) and
the ICAO portrait checks (:mod:`portrait`). Used by ``legalize.documents``, ``legalize.cases``
and the image verifier; imports nothing of Flask, ``cases``, ``registry`` or ``web``
(docs/imaging.md)."""
