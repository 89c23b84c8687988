"""Fixed wording in any script as real PDF text, shaped by harfbuzz, embedded once per process.

reportlab shapes Sinhala and Tamil only inside platypus paragraphs and subsets fonts again for
every document. For the wording that never changes (state name, titles, labels, the
certificate's numbered headings) we shape with harfbuzz once, subset each font once with
fontTools (keeping glyph ids), and write the text as glyph ids of a Type 0 / CIDFontType2
font with ``Identity-H`` encoding — the PDF way to print shaped text exactly. A ToUnicode map
from each glyph to the characters of its harfbuzz cluster keeps the text extractable.

Usage: make a :class:`CidTextBuilder`, call :meth:`CidTextBuilder.line` for each line (it
returns content-stream operators) and :meth:`CidTextBuilder.include` for the characters
later dynamic text may use, then pass :meth:`CidTextBuilder.fonts` to the
:class:`~legalize.documents.drawing.CachedForm` that holds the operators. After the fonts are
built, ``line`` still works for text whose glyphs are in the subsets (the per-document
values), and raises :class:`DocumentError` otherwise.
"""

from __future__ import annotations

import functools
import hashlib
import io
import threading
import zlib
from dataclasses import dataclass, field
from pathlib import Path

import uharfbuzz as hb
from fontTools import subset
from fontTools.ttLib import TTFont
from reportlab.pdfbase.pdfdoc import (
    PDFObjectReference,
)
from reportlab.pdfgen.canvas import Canvas

from .errors import DocumentError
from .rawpdf import RawObject, raw_stream


@dataclass(frozen=True)
class FontFile:
    """A TrueType font program, by label (file name) and bytes."""

    label: str
    data: bytes = field(repr=False)

    @staticmethod
    def load(path: Path) -> FontFile:
        return _load(str(path))


_FONTTOOLS_LOCK = threading.RLock()


@functools.cache
def _load(path: str) -> FontFile:
    try:
        return FontFile(Path(path).stem, Path(path).read_bytes())
    except OSError as exc:
        raise DocumentError(f"font not installed: {path}") from exc


Run = tuple[str, FontFile, float]
"""(text, font, size in points) — one piece of a mixed-script line."""


@dataclass
class _FontUse:
    resource: str
    """Resource name inside the form (``/LzF0`` …)."""
    font: FontFile
    hb_font: hb.Font
    upem: int
    advances: list[int]
    reverse: dict[int, str]
    """Glyph id → the character the font's cmap maps to it."""
    gids: set[int] = field(default_factory=lambda: {0})
    unicode: dict[int, str] = field(default_factory=dict)


class CachedFont:
    """One subset font, built once: its compressed font program and ToUnicode map."""

    def __init__(self, use: _FontUse, prefix: str) -> None:
        # fontTools expands glyphs lazily inside shared structures and is not thread-safe;
        # a stress run of concurrent legalizations with Sinhala values hit a half-expanded
        # glyph. Subsetting is rare (once per fixed form, per document only for non-Latin
        # values), so one lock costs nothing measurable.
        with _FONTTOOLS_LOCK:
            self._build(use, prefix)

    def _build(self, use: _FontUse, prefix: str) -> None:
        self.resource = use.resource
        self.object_name = f"{use.resource}.type0"
        font = TTFont(io.BytesIO(use.font.data))
        ps_name = font["name"].getDebugName(6) or use.font.label
        tag = "".join(
            chr(65 + b % 26)
            for b in hashlib.sha256(f"{prefix}{sorted(use.gids)}".encode()).digest()[:6]
        )
        self.base_font = f"{tag}+{ps_name}"
        scale = 1000.0 / use.upem
        head, hhea = font["head"], font["hhea"]
        os2 = font.get("OS/2", None)
        bbox = " ".join(str(round(v * scale)) for v in (head.xMin, head.yMin, head.xMax, head.yMax))
        cap = round((getattr(os2, "sCapHeight", 0) or hhea.ascent) * scale) if os2 else 700
        self._descriptor_bytes = (
            f"<< /Type /FontDescriptor /FontName /{self.base_font} /Flags 4 "
            f"/FontBBox [{bbox}] /ItalicAngle 0 /Ascent {round(hhea.ascent * scale)} "
            f"/Descent {round(hhea.descent * scale)} /CapHeight {cap} /StemV 80 "
            "/FontFile2 @FILE@ >>"
        ).encode("ascii")
        widths = " ".join(f"{gid} [{use.advances[gid] * scale:.1f}]" for gid in sorted(use.gids))
        self._cid_bytes = (
            f"<< /Type /Font /Subtype /CIDFontType2 /BaseFont /{self.base_font} "
            "/CIDSystemInfo << /Registry (Adobe) /Ordering (Identity) /Supplement 0 >> "
            f"/FontDescriptor @DESC@ /W [{widths}] /CIDToGIDMap /Identity >>"
        ).encode("ascii")
        self._type0_bytes = (
            f"<< /Type /Font /Subtype /Type0 /BaseFont /{self.base_font} /Encoding /Identity-H "
            "/DescendantFonts [@CID@] /ToUnicode @TOU@ >>"
        ).encode("ascii")

        # Shaping is done (harfbuzz); a PDF renderer needs outlines and metrics only. Dropping
        # the layout tables before subsetting spares their decompilation (most of the time).
        for table in ("GSUB", "GPOS", "GDEF", "DSIG", "FFTM", "BASE", "JSTF", "MATH"):
            if table in font:
                del font[table]
        options = subset.Options()
        options.retain_gids = True
        options.notdef_outline = True
        options.hinting = False
        options.layout_features = []
        options.drop_tables += ["GSUB", "GPOS", "GDEF", "DSIG"]
        options.name_IDs = ["*"]
        subsetter = subset.Subsetter(options)
        subsetter.populate(gids=sorted(use.gids))
        subsetter.subset(font)
        out = io.BytesIO()
        font.save(out)
        program = out.getvalue()
        self.program_length = len(program)
        self.program = zlib.compress(program, 9)
        self.to_unicode = zlib.compress(_cmap(use.unicode).encode("ascii"), 9)

    def attach(self, canvas: Canvas) -> PDFObjectReference:
        """Register this font's objects with the canvas's document (fresh wrapper objects per
        document, sharing the compressed bytes); returns the reference of the Type 0 font."""
        doc = canvas._doc
        name = self.object_name
        if name in doc.idToObject:
            return PDFObjectReference(name)
        # Formatted once (see __init__); only referenced object numbers are filled in.
        doc.Reference(
            raw_stream(f"/Length1 {self.program_length} /Filter /FlateDecode", self.program),
            f"{name}.file",
        )
        doc.Reference(raw_stream("/Filter /FlateDecode", self.to_unicode), f"{name}.tou")
        doc.Reference(
            RawObject(self._descriptor_bytes, {b"@FILE@": f"{name}.file"}), f"{name}.desc"
        )
        doc.Reference(RawObject(self._cid_bytes, {b"@DESC@": f"{name}.desc"}), f"{name}.cid")
        doc.Reference(
            RawObject(self._type0_bytes, {b"@CID@": f"{name}.cid", b"@TOU@": f"{name}.tou"}),
            name,
        )
        return PDFObjectReference(name)


def _cmap(mapping: dict[int, str]) -> str:
    entries = [
        f"<{gid:04X}> <{text.encode('utf-16-be').hex().upper()}>"
        for gid, text in sorted(mapping.items())
        if text
    ]
    chunks = []
    for i in range(0, len(entries), 100):
        block = entries[i : i + 100]
        chunks.append(f"{len(block)} beginbfchar\n" + "\n".join(block) + "\nendbfchar")
    return (
        "/CIDInit /ProcSet findresource begin\n12 dict begin\nbegincmap\n"
        "/CIDSystemInfo << /Registry (Adobe) /Ordering (UCS) /Supplement 0 >> def\n"
        "/CMapName /Adobe-Identity-UCS def\n/CMapType 2 def\n"
        "1 begincodespacerange\n<0000> <FFFF>\nendcodespacerange\n"
        + "\n".join(chunks)
        + "\nendcmap\nCMapName currentdict /CMap defineresource pop\nend\nend\n"
    )


_metrics_cache: dict[tuple[str, int], tuple[hb.Font, int, list[int], dict[int, str]]] = {}


def _metrics(font: FontFile) -> tuple[hb.Font, int, list[int], dict[int, str]]:
    """harfbuzz font, units per em, advance widths and reverse cmap of a font, read once per
    process (a per-document builder would otherwise parse the font again)."""
    key = (font.label, len(font.data))
    if key not in _metrics_cache:
        face = hb.Face(hb.Blob(font.data))
        ft = TTFont(io.BytesIO(font.data), lazy=True)
        hmtx = ft["hmtx"]
        order = ft.getGlyphOrder()
        advances = [hmtx[name][0] for name in order]
        ids = {name: i for i, name in enumerate(order)}
        reverse: dict[int, str] = {}
        for code, name in sorted(ft.getBestCmap().items(), reverse=True):
            reverse[ids[name]] = chr(code)  # the lowest code point wins
        _metrics_cache[key] = (hb.Font(face), face.upem, advances, reverse)
    return _metrics_cache[key]


class CidTextBuilder:
    """Collects shaped lines for one cached form and builds the subset fonts they need."""

    def __init__(self, prefix: str) -> None:
        self.prefix = prefix
        self._uses: dict[str, _FontUse] = {}
        self._built: tuple[CachedFont, ...] | None = None

    def _use(self, font: FontFile) -> _FontUse:
        if font.label not in self._uses:
            if self._built is not None:
                raise DocumentError(f"font {font.label} is not part of this text set")
            hb_font, upem, advances, reverse = _metrics(font)
            self._uses[font.label] = _FontUse(
                f"{self.prefix}F{len(self._uses)}", font, hb_font, upem, advances, reverse
            )
        return self._uses[font.label]

    def include(self, characters: str, font: FontFile) -> None:
        """Make sure ``characters`` can be set later, after :meth:`fonts` (dynamic text)."""
        for char in characters:
            self._shape(char, font)

    def _shape(self, text: str, font: FontFile) -> tuple[_FontUse, list[tuple[int, int, int, int]]]:
        use = self._use(font)
        if not text:
            # harfbuzz gives no position list for an empty buffer; an empty value (a place of
            # birth a host country does not know) prints as nothing.
            return use, []
        buf = hb.Buffer()
        buf.add_str(text)
        buf.guess_segment_properties()
        hb.shape(use.hb_font, buf, {"kern": True, "liga": False})
        infos, positions = buf.glyph_infos, buf.glyph_positions
        clusters = [*sorted({i.cluster for i in infos}), len(text)]
        glyphs = []
        seen_cluster: set[int] = set()
        frozen = self._built is not None
        for info, pos in zip(infos, positions, strict=True):
            gid = info.codepoint
            if frozen:
                if gid not in use.gids or gid == 0:
                    raise DocumentError(
                        f"{text!r} has characters the document's {font.label} cannot print"
                    )
                glyphs.append((gid, pos.x_advance, pos.x_offset, pos.y_offset))
                continue
            use.gids.add(gid)
            if gid not in use.unicode:
                if gid in use.reverse:  # the glyph of one character
                    use.unicode[gid] = use.reverse[gid]
                elif info.cluster not in seen_cluster:  # a ligature: its cluster's text
                    end = clusters[clusters.index(info.cluster) + 1]
                    use.unicode[gid] = text[info.cluster : end]
            seen_cluster.add(info.cluster)
            glyphs.append((gid, pos.x_advance, pos.x_offset, pos.y_offset))
        return use, glyphs

    def width(self, text: str, font: FontFile, size: float) -> float:
        use, glyphs = self._shape(text, font)
        return sum(g[1] for g in glyphs) * size / use.upem

    def line(
        self, runs: list[Run], x: float, y: float, align: str = "left", gap: float = 0.0
    ) -> str:
        """Operators setting ``runs`` one after another on the baseline (x, y) (PDF points),
        ``gap`` points apart, aligned left, centre or right about x."""
        shaped = [self._shape(text, font) for text, font, _ in runs]
        widths = [
            sum(g[1] for g in glyphs) * size / use.upem
            for (use, glyphs), (_, _, size) in zip(shaped, runs, strict=True)
        ]
        total = sum(widths) + gap * (len(runs) - 1)
        pen = {"left": x, "centre": x - total / 2, "right": x - total}[align]
        ops = ["BT"]
        for (use, glyphs), (run_text, _, size), width in zip(shaped, runs, widths, strict=True):
            # Complex scripts: glyph order and ligatures differ from the text's characters,
            # so the run says what it reads as (ActualText); extractors then copy it exactly.
            actual = any(ord(c) > 0x2FF for c in run_text)
            if actual:
                hex_text = ("\ufeff" + run_text).encode("utf-16-be").hex().upper()
                ops.append(f"/Span << /ActualText <{hex_text}> >> BDC")
            ops.append(f"/{use.resource} {size:g} Tf")
            scale = size / use.upem
            cursor = pen
            run: list[str] = []
            expected: float | None = None
            for gid, advance, x_off, y_off in glyphs:
                gx = cursor + x_off * scale
                gy = y + y_off * scale
                if expected is None or abs(gx - expected) > 0.005 or y_off:
                    if run:
                        ops.append(f"<{''.join(run)}> Tj")
                        run = []
                    ops.append(f"1 0 0 1 {gx:.3f} {gy:.3f} Tm")
                run.append(f"{gid:04X}")
                # where the viewer puts the next glyph: after this glyph's default width
                expected = None if y_off else gx + use.advances[gid] * scale
                cursor += advance * scale
            if run:
                ops.append(f"<{''.join(run)}> Tj")
            if actual:
                ops.append("EMC")
            pen += width + gap
        ops.append("ET")
        return "\n".join(ops)

    def fonts(self) -> tuple[CachedFont, ...]:
        """Build (once) the subset fonts of every line added so far."""
        if self._built is None:
            self._built = tuple(CachedFont(use, self.prefix) for use in self._uses.values())
        return self._built

    def attach(self, canvas: Canvas) -> None:
        """Attach the fonts to a document and list them in its page font dictionary, so page
        content (not only the cached form) can use them."""
        fonts = canvas._doc.idToObject["BasicFonts"]
        for font in self.fonts():
            fonts.dict[font.resource] = font.attach(canvas)
