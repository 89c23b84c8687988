"""Build every per-process cache of the renderers ahead of the first document.

The first TTD or legalization in a process pays 1–3 s for font subsetting, the OCR-B
conversion and the background geometry. Each web worker calls :func:`warm_up` before its
first request (``legalize.web.warm``, from gunicorn's ``post_worker_init`` in
``legalize.web.gunicorn_conf``) so that no applicant or officer waits for it; a batch loop
may call it too.
"""

from __future__ import annotations

from . import legalization, ttd
from .background import KINDS, security_background
from .fonts import register


def warm_up() -> None:
    """Register fonts and build the cached backgrounds, templates and shared subset fonts."""
    register()
    for kind in KINDS:
        security_background(kind)
    ttd.template()
    legalization.template()
    legalization.shared_latin_fonts()
