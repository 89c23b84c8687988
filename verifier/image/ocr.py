"""Tesseract, kept loaded in-process: one engine per thread and language, reused for every field.

Through the command-line wrapper a field cost ~340 ms, most of it process start and model
loading (RESEARCH §3); through :mod:`tesserocr` (the tesseract C++ API, the library bundled
in its manylinux wheel) the models load once per thread and a single line costs a few
milliseconds. The language models come from Debian's packages (``tesseract-ocr-eng``,
``-sin``, ``-tam``), found at run time in :data:`TESSDATA_DIRS`; nothing is downloaded.

The images given to :func:`read_line` are grey, dark text on light paper, already scaled so
that a capital is about :data:`CAP_HEIGHT_PX` pixels high (tesseract's LSTM models read best
around 20–40 px) and padded with paper.
"""

from __future__ import annotations

import threading
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import tesserocr
from numpy.typing import NDArray

TESSDATA_DIRS = (
    Path("/usr/share/tesseract-ocr/5/tessdata"),
    Path("/usr/share/tesseract-ocr/4.00/tessdata"),
    Path("/usr/share/tessdata"),
)
"""Where Debian (bookworm: 5, bullseye: 4.00) and other distributions put the models."""
CAP_HEIGHT_PX = 30.0
"""Capital height the regions are scaled to before reading."""
PADDING_PX = 12
"""Paper added round a region: tesseract misses glyphs that touch the image edge."""


class OcrUnavailable(RuntimeError):
    """Tesseract or the language model a field needs is not installed."""


@dataclass(frozen=True)
class Reading:
    """What tesseract read in one region."""

    text: str
    confidence: float
    """Mean word confidence, 0–100 (tesseract's own; 0 when nothing was read)."""


def tessdata_dir() -> Path:
    for folder in TESSDATA_DIRS:
        if (folder / "eng.traineddata").is_file():
            return folder
    raise OcrUnavailable(
        "no tesseract language data (install Debian tesseract-ocr-eng, -sin, -tam)"
    )


_local = threading.local()
_lock = threading.Lock()


def _engine(lang: str) -> tesserocr.PyTessBaseAPI:
    """This thread's engine for ``lang`` (built on first use, then reused)."""
    engines: dict[str, tesserocr.PyTessBaseAPI] | None = getattr(_local, "engines", None)
    if engines is None:
        engines = {}
        _local.engines = engines
    api = engines.get(lang)
    if api is None:
        folder = tessdata_dir()
        if not (folder / f"{lang}.traineddata").is_file():
            raise OcrUnavailable(f"no tesseract model for {lang!r} in {folder}")
        with _lock:  # model loading touches tesseract's global state
            api = tesserocr.PyTessBaseAPI(
                path=str(folder) + "/",
                lang=lang,
                psm=tesserocr.PSM.SINGLE_LINE,
                oem=tesserocr.OEM.LSTM_ONLY,
            )
        api.SetVariable("debug_file", "/dev/null")
        engines[lang] = api
    return api


@contextmanager
def _configured(
    api: tesserocr.PyTessBaseAPI, psm: int, whitelist: str | None
) -> Iterator[tesserocr.PyTessBaseAPI]:
    api.SetPageSegMode(psm)
    api.SetVariable("tessedit_char_whitelist", whitelist or "")
    try:
        yield api
    finally:
        api.Clear()


def pad(gray: NDArray[np.uint8], margin: int = PADDING_PX) -> NDArray[np.uint8]:
    out = np.full((gray.shape[0] + 2 * margin, gray.shape[1] + 2 * margin), 255, np.uint8)
    out[margin : margin + gray.shape[0], margin : margin + gray.shape[1]] = gray
    return out


def read_line(
    gray: NDArray[np.uint8],
    *,
    lang: str = "eng",
    whitelist: str | None = None,
    single_char: bool = False,
) -> Reading:
    """Read one line of text (or one character) from a grey image of dark print on paper."""
    image = np.ascontiguousarray(pad(gray))
    height, width = image.shape
    psm = tesserocr.PSM.SINGLE_CHAR if single_char else tesserocr.PSM.SINGLE_LINE
    with _configured(_engine(lang), psm, whitelist) as api:
        api.SetImageBytes(image.tobytes(), width, height, 1, width)
        api.SetSourceResolution(300)
        text = api.GetUTF8Text() or ""
        confidences = api.AllWordConfidences() or []
    text = " ".join(text.split())
    if single_char and not text:
        # tesseract's single-character mode gives up on some captures the line mode reads
        return read_line(gray, lang=lang, whitelist=whitelist)
    confidence = float(np.mean(confidences)) if confidences and text else 0.0
    return Reading(text, confidence)
