"""Layouts, security print, MRZ, sanitizing and PAdES signing of our two documents.

Entry points: :func:`legalize.documents.ttd.render_ttd`,
:func:`legalize.documents.legalization.render_legalization`,
:func:`legalize.documents.sanitize.sanitize_underlying`,
:func:`legalize.documents.preview.preview_png`; the holder photo is normalised and hashed by
:mod:`legalize.imaging.photo` (:func:`legalize.documents.ttd.print_pixels` maps its errors);
positions shared with the image verifier are in :mod:`legalize.documents.layout`.
See docs/documents.md. Nothing here imports Flask.
"""
