"""Print-and-capture simulation: a 300 dpi page raster in, the JPEG a verifier receives out.

Three capture types, each driven by a seeded ``random.Random`` so a run is reproducible:

- :func:`scan_300dpi`: an office flatbed scan — the paper lies slightly skewed (≤ 1.5°) and
  shifted on the glass, scanner optics blur a little, paper and ink tones, mild noise, JPEG
  at quality ≈ 90;
- :func:`phone_12mp`: a 12 MP phone photo — the paper on a desk filling 60–85 % of a
  3000 × 4000 frame, seen through a pinhole camera tilted up to ~15° off the page normal and
  rolled in-plane, optionally stored rotated by 90° (4000 × 3000, EXIF orientation lost),
  lens/demosaic softness plus optional defocus or motion blur, uneven light (vignetting, a
  gradient, sometimes a soft shadow), a white-balance shift, signal-dependent sensor noise,
  JPEG 80–92;
- :func:`upload_2mp`: that phone photo as a messaging app or web form passes it on,
  downscaled to about 1600 × 1200 and recompressed.

All three first "print" the page (:func:`print_page`): paper tone, ink that is never fully
black, slight dot gain. Helpers: :func:`cover_marker` (a thumb or a sticker over one corner
marker, in page space) and :func:`rotate_capture` (turn a captured JPEG by 90°).
"""

from __future__ import annotations

import io
import math
import random
from dataclasses import dataclass, field

import cv2
import numpy as np
from numpy.typing import NDArray
from PIL import Image

from . import visible

RgbImage = NDArray[np.uint8]


@dataclass(frozen=True)
class Capture:
    """A simulated capture."""

    jpeg: bytes
    kind: str
    """``scan``, ``phone`` or ``upload``."""
    size: tuple[int, int]
    """(width, height) of the image in pixels."""
    corners: tuple[tuple[float, float], ...]
    """The page's corners in the image (top-left, top-right, bottom-right, bottom-left of the
    page), pixels."""
    params: dict[str, float | int | str] = field(default_factory=dict)
    """What was drawn (angles, blur, quality, ...), for the record."""

    @property
    def page_fraction(self) -> float:
        """Area of the page quadrilateral over the image area."""
        pts = np.asarray(self.corners, np.float64)
        area = 0.5 * abs(
            np.dot(pts[:, 0], np.roll(pts[:, 1], 1)) - np.dot(pts[:, 1], np.roll(pts[:, 0], 1))
        )
        return float(area / (self.size[0] * self.size[1]))

    def image(self) -> RgbImage:
        return decode(self.jpeg)


def decode(jpeg: bytes) -> RgbImage:
    with Image.open(io.BytesIO(jpeg)) as image:
        out: RgbImage = np.asarray(image.convert("RGB"), np.uint8)
    return out


def encode(rgb: RgbImage, quality: int) -> bytes:
    out = io.BytesIO()
    Image.fromarray(rgb, "RGB").save(out, "JPEG", quality=quality, subsampling=2)
    return out.getvalue()


def _np_rng(rng: random.Random) -> np.random.Generator:
    return np.random.default_rng(rng.getrandbits(63))


# --- printing -------------------------------------------------------------------------------


def print_page(page: RgbImage, rng: random.Random) -> RgbImage:
    """The page as an office printer puts it on paper, still at 300 dpi: off-white paper,
    ink that reaches only ~8–15 % reflectance, slightly duller colours, dot gain."""
    paper = (rng.uniform(240, 252), rng.uniform(238, 250), rng.uniform(232, 246))
    black = rng.uniform(0.08, 0.15)
    gamma = rng.uniform(1.0, 1.15)
    keep = rng.uniform(0.8, 0.95)  # duller colours: pull each channel towards the grey
    mix = np.full((3, 3), (1 - keep) / 3, np.float32) + np.eye(3, dtype=np.float32) * keep
    dull = cv2.transform(page, mix)
    levels = np.arange(256, dtype=np.float64) / 255.0
    luts = [
        np.clip((black + (1 - black) * levels**gamma) * tone, 0, 255).astype(np.uint8)
        for tone in paper
    ]
    channels = [cv2.LUT(np.ascontiguousarray(dull[..., i]), luts[i]) for i in range(3)]
    printed: RgbImage = cv2.merge(channels)
    sigma = rng.uniform(0.45, 0.75)
    out: RgbImage = cv2.GaussianBlur(printed, (0, 0), sigma)
    return out


def handled(printed: RgbImage, rng: random.Random, params: dict[str, float | int | str],
            *, bulge: bool) -> RgbImage:  # fmt: skip
    """Paper that has been folded and handled: sometimes two crease lines (folded in three
    for an envelope) and, with ``bulge``, a sheet that does not lie flat (the middle displaced
    by up to ~1 mm while the edges stay put)."""
    h, w = printed.shape[:2]
    if rng.random() < 0.3:
        y = np.arange(h, dtype=np.float32)
        profile = np.ones(h, np.float32)
        for k in (1, 2):
            at = h * k / 3 + rng.uniform(-40, 40)
            depth = rng.uniform(0.04, 0.1)
            width = rng.uniform(4, 10)
            profile *= 1 - depth * np.exp(-(((y - at) / width) ** 2))
            profile *= 1 + 0.5 * depth * np.exp(-(((y - at - 2.5 * width) / (3 * width)) ** 2))
        gain = np.ascontiguousarray(np.broadcast_to(profile[:, None, None], (h, 1, 3)))
        printed = _to_u8(cv2.multiply(printed, cv2.resize(gain, (w, h)), dtype=cv2.CV_32F))
        params["creased"] = 1
    if bulge and rng.random() < 0.4:
        amp = rng.uniform(3, 12)  # page pixels at 300 dpi: 0.25-1 mm
        angle = rng.uniform(0, 2 * math.pi)
        xs = np.arange(w, dtype=np.float32)
        ys = np.arange(h, dtype=np.float32)
        disp = amp * np.sin(np.pi * ys / h)[:, None] * np.sin(np.pi * xs / w)[None, :]
        map_x = xs[None, :] + disp * math.cos(angle)
        map_y = ys[:, None] + disp * math.sin(angle)
        printed = cv2.remap(
            printed, map_x, map_y, cv2.INTER_LINEAR, borderMode=cv2.BORDER_REPLICATE
        )
        params["bulge_px"] = amp
    return printed


def _to_u8(img: NDArray[np.float32]) -> RgbImage:
    """Saturating float → uint8 conversion (cv2 is much faster than numpy's clip)."""
    out: RgbImage = cv2.convertScaleAbs(cv2.max(img, 0.0))
    return out


def _gain_field(small: NDArray[np.float32], size: tuple[int, int]) -> NDArray[np.float32]:
    out: NDArray[np.float32] = cv2.resize(small, size, interpolation=cv2.INTER_LINEAR)
    return out


# --- the three capture types ----------------------------------------------------------------


def scan_300dpi(page: RgbImage, rng: random.Random) -> Capture:
    """A flatbed scan at 300 dpi of the printed page."""
    params: dict[str, float | int | str] = {}
    printed = handled(print_page(page, rng), rng, params, bulge=False)
    h, w = printed.shape[:2]
    out_w, out_h = 2550, 3508 + 40  # the glass is a little larger than the sheet
    angle = rng.uniform(-1.5, 1.5)
    dx = rng.uniform(-20, 50)
    dy = rng.uniform(-15, 30)
    matrix = cv2.getRotationMatrix2D((w / 2, h / 2), angle, 1.0)
    matrix[0, 2] += (out_w - w) / 2 + dx
    matrix[1, 2] += (out_h - h) / 2 + dy
    lid = tuple(float(c) for c in np.full(3, rng.uniform(225, 250)))
    img = cv2.warpAffine(
        printed,
        matrix,
        (out_w, out_h),
        flags=cv2.INTER_LINEAR,
        borderMode=cv2.BORDER_CONSTANT,
        borderValue=lid,
    )
    # scanner MTF, a faint lamp fall-off along the carriage, white balance, noise
    img = cv2.GaussianBlur(img, (0, 0), rng.uniform(0.6, 1.0))
    ramp = np.linspace(rng.uniform(0.96, 1.0), rng.uniform(0.96, 1.0), 64, dtype=np.float32)
    balance = np.array([rng.uniform(0.97, 1.03) for _ in range(3)], np.float32)
    small = np.ascontiguousarray(np.broadcast_to(ramp[None, :, None] * balance, (8, 64, 3)))
    gain = _gain_field(small, (out_w, out_h))
    lit = cv2.multiply(img, gain, dtype=cv2.CV_32F)
    nrng = _np_rng(rng)
    noise = nrng.standard_normal((out_h, out_w), dtype=np.float32) * rng.uniform(1.0, 2.5)
    lit += cv2.merge([noise, noise, noise])
    quality = rng.randint(87, 93)
    rgb = _to_u8(lit)
    corners = cv2.transform(np.array([[[0, 0], [w, 0], [w, h], [0, h]]], np.float64), matrix)[0]
    return Capture(
        encode(rgb, quality),
        "scan",
        (out_w, out_h),
        tuple((float(x), float(y)) for x, y in corners),
        dict(params, angle=angle, dx=dx, dy=dy, quality=quality),
    )


def _rotation(ax: float, ay: float, az: float) -> NDArray[np.float64]:
    cx, sx, cy, sy, cz, sz = (math.cos(ax), math.sin(ax), math.cos(ay), math.sin(ay),
                              math.cos(az), math.sin(az))  # fmt: skip
    rx = np.array([[1, 0, 0], [0, cx, -sx], [0, sx, cx]])
    ry = np.array([[cy, 0, sy], [0, 1, 0], [-sy, 0, cy]])
    rz = np.array([[cz, -sz, 0], [sz, cz, 0], [0, 0, 1]])
    return rz @ ry @ rx


def _phone_geometry(
    page_wh: tuple[int, int], frame_wh: tuple[int, int], rng: random.Random
) -> tuple[NDArray[np.float64], dict[str, float | int | str]]:
    """Homography page pixels → frame pixels of a pinhole camera looking at the page."""
    pw, ph = page_wh
    fw, fh = frame_wh
    focal = 1.05 * max(fw, fh)  # ~26 mm equivalent on a 4:3 sensor
    tilt = math.radians(rng.uniform(0, 15))
    direction = rng.uniform(0, 2 * math.pi)
    roll = math.radians(rng.uniform(-8, 8))
    rot = _rotation(tilt * math.cos(direction), tilt * math.sin(direction), roll)
    fill = rng.uniform(0.60, 0.85)
    # page corners centred at the origin (page pixel units), on the plane z = 0
    corners = np.array([[0, 0], [pw, 0], [pw, ph], [0, ph]], np.float64)
    centred = np.c_[corners - [pw / 2, ph / 2], np.zeros(4)]
    cam = centred @ rot.T

    def project(distance: float, shift: tuple[float, float]) -> NDArray[np.float64]:
        z = cam[:, 2] + distance
        x = focal * cam[:, 0] / z + fw / 2 + shift[0]
        y = focal * cam[:, 1] / z + fh / 2 + shift[1]
        return np.c_[x, y]

    def area(q: NDArray[np.float64]) -> float:
        return float(
            0.5 * abs(np.dot(q[:, 0], np.roll(q[:, 1], 1)) - np.dot(q[:, 1], np.roll(q[:, 0], 1)))
        )

    # distance giving the wanted fill (area scales with 1/distance²)
    d0 = focal * 2.0
    distance = d0 * math.sqrt(area(project(d0, (0, 0))) / (fill * fw * fh))
    quad = project(distance, (0, 0))
    # keep the whole sheet in the frame with a margin: shrink (step back) if needed
    margin = 0.015 * min(fw, fh)
    for _ in range(40):
        lo = quad.min(axis=0)
        hi = quad.max(axis=0)
        if (hi - lo)[0] <= fw - 2 * margin and (hi - lo)[1] <= fh - 2 * margin:
            break
        distance *= 1.02
        quad = project(distance, (0, 0))
    lo = quad.min(axis=0)
    hi = quad.max(axis=0)
    room_x = max(0.0, (fw - 2 * margin - (hi - lo)[0]) / 2)
    room_y = max(0.0, (fh - 2 * margin - (hi - lo)[1]) / 2)
    shift = (rng.uniform(-room_x, room_x), rng.uniform(-room_y, room_y))
    centre_off = ((fw - (hi + lo)[0]) / 2, (fh - (hi + lo)[1]) / 2)
    quad = quad + np.array(centre_off) + np.array(shift)
    homography = cv2.getPerspectiveTransform(corners.astype(np.float32), quad.astype(np.float32))
    return homography, {
        "tilt_deg": math.degrees(tilt),
        "roll_deg": math.degrees(roll),
        "fill_target": fill,
    }


def _background(fw: int, fh: int, rng: random.Random, nrng: np.random.Generator) -> RgbImage:
    """A desk: a coloured surface with low-frequency mottling and, sometimes, wood grain."""
    base = np.array(
        rng.choice(
            [
                (rng.uniform(90, 150), rng.uniform(60, 100), rng.uniform(35, 70)),  # wood
                (rng.uniform(40, 90),) * 3,  # grey desk
                (rng.uniform(150, 200), rng.uniform(150, 200), rng.uniform(140, 190)),  # light
                (rng.uniform(20, 60), rng.uniform(30, 70), rng.uniform(50, 90)),  # blue cloth
            ]
        ),
        np.float32,
    )
    small = nrng.standard_normal((fh // 40, fw // 40), dtype=np.float32)
    small = cv2.GaussianBlur(small, (0, 0), 2.0)
    field_small = 1 + 0.12 * small
    if rng.random() < 0.5:  # wood grain stripes, computed at a quarter resolution
        y = np.arange(fh // 4, dtype=np.float32)[:, None] * 4
        x = np.arange(fw // 4, dtype=np.float32)[None, :] * 4
        grain = 1 + 0.06 * np.sin((y + 40 * np.sin(x / 300.0)) / rng.uniform(20, 50))
        field_small = cv2.resize(field_small, (fw // 4, fh // 4)) * grain
    gain = _gain_field(np.ascontiguousarray(field_small, np.float32), (fw, fh))
    gain3 = cv2.merge([gain * float(c) for c in base])
    return _to_u8(gain3)


def _motion_kernel(length: int, angle: float) -> NDArray[np.float32]:
    k = np.zeros((length, length), np.float32)
    k[length // 2, :] = 1.0
    rot = cv2.getRotationMatrix2D((length / 2 - 0.5, length / 2 - 0.5), angle, 1.0)
    k = cv2.warpAffine(k, rot, (length, length))
    out: NDArray[np.float32] = k / k.sum()
    return out


def _disk_kernel(radius: float) -> NDArray[np.float32]:
    r = math.ceil(radius)
    y, x = np.mgrid[-r : r + 1, -r : r + 1]
    k = (x * x + y * y <= radius * radius).astype(np.float32)
    k = cv2.GaussianBlur(k, (0, 0), 0.5)
    out: NDArray[np.float32] = k / k.sum()
    return out


def _phone_frame(page: RgbImage, rng: random.Random) -> tuple[RgbImage, Capture]:
    """The phone photo before its final JPEG: (pixels, capture without jpeg)."""
    nrng = _np_rng(rng)
    extra: dict[str, float | int | str] = {}
    printed = handled(print_page(page, rng), rng, extra, bulge=True)
    ph, pw = printed.shape[:2]
    fw, fh = 3000, 4000
    homography, params = _phone_geometry((pw, ph), (fw, fh), rng)
    params.update(extra)
    # the page is seen at roughly 1:1; pre-blur a little when it is reduced, against aliasing
    scale = math.sqrt(abs(np.linalg.det(homography[:2, :2]))) / max(homography[2, 2], 1e-9)
    if scale < 0.95:
        printed = cv2.GaussianBlur(printed, (0, 0), 0.45 / scale)
    frame = _background(fw, fh, rng, nrng)
    # the sheet's soft shadow on the desk
    mask = cv2.warpPerspective(
        np.full((ph, pw), 255, np.uint8), homography, (fw, fh), flags=cv2.INTER_LINEAR
    )
    shadow = cv2.GaussianBlur(mask, (0, 0), 18).astype(np.float32) / 255.0
    shadow = np.roll(shadow, (int(rng.uniform(5, 25)), int(rng.uniform(-15, 15))), axis=(0, 1))
    shade = 1 - 0.45 * shadow
    frame = _to_u8(cv2.multiply(frame, cv2.merge([shade, shade, shade]), dtype=cv2.CV_32F))
    cv2.warpPerspective(
        printed,
        homography,
        (fw, fh),
        dst=frame,
        flags=cv2.INTER_LINEAR,
        borderMode=cv2.BORDER_TRANSPARENT,
    )
    # optics: softness always; sometimes defocus or hand shake
    blur = rng.uniform(0.7, 1.3)
    img = cv2.GaussianBlur(frame, (0, 0), blur)
    extra = rng.random()
    if extra < 0.3:
        radius = rng.uniform(1.5, 4.5)
        img = cv2.filter2D(img, -1, _disk_kernel(radius))
        params["defocus_px"] = radius
    elif extra < 0.55:
        length = rng.randint(3, 12)
        img = cv2.filter2D(img, -1, _motion_kernel(length, rng.uniform(0, 180)))
        params["motion_px"] = length
    # light: vignetting, a gradient across the sheet, sometimes a soft shadow (hand, phone)
    gy, gx = np.mgrid[0:fh:50, 0:fw:50].astype(np.float32)
    gx /= fw
    gy /= fh
    r2 = (gx - 0.5) ** 2 + (gy - 0.5) ** 2
    gain = 1 - rng.uniform(0.1, 0.35) * r2 / 0.5
    angle = rng.uniform(0, 2 * math.pi)
    slope = rng.uniform(0.0, 0.25)
    gain *= 1 + slope * ((gx - 0.5) * math.cos(angle) + (gy - 0.5) * math.sin(angle))
    if rng.random() < 0.35:
        cx, cy = rng.uniform(0, 1), rng.uniform(0, 1)
        sa = rng.uniform(0, 2 * math.pi)
        side = (gx - cx) * math.cos(sa) + (gy - cy) * math.sin(sa)
        soft = 1 / (1 + np.exp(-side / rng.uniform(0.01, 0.05)))
        gain *= 1 - rng.uniform(0.2, 0.45) * soft
        params["shadow"] = 1
    gain *= rng.uniform(0.85, 1.08)  # exposure
    # white balance: warm indoor light or cool daylight
    temperature = rng.uniform(-1, 1)
    balance = np.array([1 + 0.08 * temperature, 1.0, 1 - 0.1 * temperature], np.float32)
    balance *= rng.uniform(0.97, 1.03)
    gain3 = _gain_field(np.ascontiguousarray(gain[..., None] * balance, np.float32), (fw, fh))
    lit = cv2.multiply(img, gain3, dtype=cv2.CV_32F)
    # sensor noise: luminance noise growing with the signal (shot noise), chroma noise at half
    # resolution (demosaicing)
    sigma = rng.uniform(1.5, 4.0)
    grey = cv2.cvtColor(lit, cv2.COLOR_RGB2GRAY)
    amplitude = cv2.sqrt(cv2.max(grey, 1.0) * (sigma * sigma / 128.0))
    noise = nrng.standard_normal((fh, fw), dtype=np.float32) * amplitude
    chroma = nrng.standard_normal((fh // 2, fw // 2, 3), dtype=np.float32) * (sigma * 0.5)
    chroma = cv2.resize(chroma, (fw, fh), interpolation=cv2.INTER_NEAREST)
    lit += cv2.merge([noise, noise, noise])
    lit += chroma
    rgb = _to_u8(lit)
    # the phone's own sharpening
    if rng.random() < 0.6:
        soft_img = cv2.GaussianBlur(rgb, (0, 0), 1.5)
        rgb = cv2.addWeighted(rgb, 1.4, soft_img, -0.4, 0)
        params["sharpen"] = 1
    params["blur_px"] = blur
    params["noise"] = sigma
    quad = cv2.perspectiveTransform(
        np.array([[[0, 0], [pw, 0], [pw, ph], [0, ph]]], np.float64), homography
    )[0]
    corners = tuple((float(x), float(y)) for x, y in quad)
    rotate = rng.random() < 0.25
    if rotate:  # stored 4000 × 3000: the EXIF orientation was lost
        rgb = np.ascontiguousarray(np.rot90(rgb, 1))
        corners = tuple((y, fw - x) for x, y in corners)
        fw, fh = fh, fw
        params["rotated90"] = 1
    return rgb, Capture(b"", "phone", (fw, fh), corners, params)


def phone_12mp(page: RgbImage, rng: random.Random) -> Capture:
    """A 12 MP phone photo of the printed page on a desk."""
    rgb, capture = _phone_frame(page, rng)
    quality = rng.randint(80, 92)
    params = dict(capture.params, quality=quality)
    return Capture(encode(rgb, quality), "phone", capture.size, capture.corners, params)


def upload_2mp(page: RgbImage, rng: random.Random) -> Capture:
    """The phone photo as uploaded through a messaging app: ~1600 × 1200, recompressed."""
    return upload_from_phone(phone_12mp(page, rng), rng)


def upload_from_phone(phone: Capture, rng: random.Random) -> Capture:
    """A phone capture downscaled to a long side of 1500–1700 px and recompressed (q 72–85)."""
    rgb = decode(phone.jpeg)
    h, w = rgb.shape[:2]
    long_side = rng.randint(1500, 1700)
    factor = long_side / max(w, h)
    size = (round(w * factor), round(h * factor))
    small = cv2.resize(rgb, size, interpolation=cv2.INTER_AREA)
    quality = rng.randint(72, 85)
    corners = tuple((x * factor, y * factor) for x, y in phone.corners)
    params = dict(phone.params, upload_quality=quality, long_side=long_side)
    return Capture(encode(small, quality), "upload", size, corners, params)


CAPTURES = {"scan": scan_300dpi, "phone": phone_12mp, "upload": upload_2mp}


# --- helpers --------------------------------------------------------------------------------


def cover_marker(page: RgbImage, corner: int, rng: random.Random, style: str = "") -> RgbImage:
    """The page with one corner marker (0 top-left, clockwise) hidden under a thumb or a
    sticker, drawn in page space before the capture."""
    out = page.copy()
    x0, y0, x1, y1 = visible.MARKERS[corner].grown(1.0).px()
    cx, cy = (x0 + x1) / 2, (y0 + y1) / 2
    style = style or rng.choice(["thumb", "sticker"])
    if style == "sticker":
        colour = rng.choice([(250, 220, 60), (240, 120, 150), (120, 200, 250), (250, 250, 245)])
        w = (x1 - x0) * rng.uniform(0.9, 1.3)
        h = (y1 - y0) * rng.uniform(0.9, 1.3)
        box = cv2.boxPoints(
            ((cx + rng.uniform(-15, 15), cy + rng.uniform(-15, 15)), (w, h), rng.uniform(-20, 20))
        )
        cv2.fillPoly(out, [box.astype(np.int32)], colour, lineType=cv2.LINE_AA)
        return out
    # a thumb coming in from the nearest page edge: a shaded skin-coloured ellipse
    ex = -1 if corner in (0, 3) else 1
    ey = -1 if corner in (0, 1) else 1
    centre = (int(cx + ex * 10), int(cy + ey * 150))
    axes = (int(rng.uniform(150, 180)), int(rng.uniform(280, 330)))
    skin = np.array(rng.choice([(205, 160, 130), (170, 120, 90), (120, 80, 60)]), np.float32)
    # work in a window around the corner (the thumb is at most ~0.5 × 0.6 of it)
    h, w = out.shape[:2]
    wx0, wy0 = max(0, int(cx) - 600), max(0, int(cy) - 700)
    wx1, wy1 = min(w, int(cx) + 600), min(h, int(cy) + 700)
    window = out[wy0:wy1, wx0:wx1]
    mask = np.zeros(window.shape[:2], np.uint8)
    local = (centre[0] - wx0, centre[1] - wy0)
    cv2.ellipse(mask, local, axes, rng.uniform(-12, 12) + (8 * ex * ey), 0, 360, 255, -1)
    m = cv2.GaussianBlur(mask, (0, 0), 6).astype(np.float32)[..., None] / 255.0
    small = cv2.resize(mask, None, fx=0.125, fy=0.125, interpolation=cv2.INTER_AREA)
    inner = cv2.resize(cv2.GaussianBlur(small, (0, 0), 7.5), mask.shape[::-1])
    shade = 0.6 + 0.45 * inner.astype(np.float32)[..., None] / 255.0
    thumb = skin[None, None, :] * shade
    blended = window.astype(np.float32) * (1 - m) + thumb * m
    out[wy0:wy1, wx0:wx1] = np.clip(blended, 0, 255).astype(np.uint8)
    return out


def rotate_capture(jpeg: bytes, quarter_turns: int = 1, quality: int = 92) -> bytes:
    """A captured image turned by 90° × ``quarter_turns`` counter-clockwise (re-encoded)."""
    return encode(np.ascontiguousarray(np.rot90(decode(jpeg), quarter_turns)), quality)
