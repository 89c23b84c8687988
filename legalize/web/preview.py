"""Page 1 of an issued PDF as a PNG for the case page (poppler's ``pdftoppm``).

Rendering happens in a separate process with a time limit, so a hostile or broken file can
neither hang nor crash the web worker.
"""

from __future__ import annotations

import shutil
import subprocess

PREVIEW_DPI = 60
TIMEOUT_SECONDS = 15


class PreviewUnavailable(RuntimeError):
    """The preview could not be made (pdftoppm missing, timed out or refused the file)."""


def first_page_png(pdf: bytes, dpi: int = PREVIEW_DPI) -> bytes:
    tool = shutil.which("pdftoppm")
    if tool is None:
        raise PreviewUnavailable("pdftoppm (poppler-utils) is not installed")
    try:
        done = subprocess.run(
            [tool, "-png", "-r", str(dpi), "-f", "1", "-l", "1", "-singlefile", "-"],
            input=pdf,
            capture_output=True,
            timeout=TIMEOUT_SECONDS,
            check=False,
        )
    except subprocess.TimeoutExpired as exc:
        raise PreviewUnavailable("rendering the preview took too long") from exc
    if done.returncode != 0 or not done.stdout.startswith(b"\x89PNG"):
        raise PreviewUnavailable("pdftoppm could not render the document")
    return done.stdout
