"""Layouts, security print, MRZ, sanitizing and PAdES signing of our two documents.

Entry points: :func:`legalize.documents.ttd.render_ttd`,
:func:`legalize.documents.legalization.render_legalization`,
:func:`legalize.documents.sanitize.sanitize_underlying`,
:func:`legalize.documents.photo.photo_for_print`, :func:`legalize.documents.preview.preview_png`;
positions shared with the image verifier are in :mod:`legalize.documents.layout`.
See docs/documents.md. Nothing here imports Flask.
"""
