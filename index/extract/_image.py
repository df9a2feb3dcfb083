"""Page images for OCR: reading scans, rendering PDF pages, turning pages upright.

A page goes through the same steps for recognition and for display, so the word
boxes Tesseract reports line up with the image the viewer shows:

1. ``load_pages`` / ``render_pdf_page``: grey-scale ``PIL.Image`` per page (TIFF frames,
   PNG, JPEG; PDF pages rendered by pdfium at ``OCR_DPI``);
2. ``upright(image, rotation, skew)``: turn by the rotation Tesseract's OSD asks for
   (0/90/180/270 degrees clockwise) and by the small skew angle ``estimate_skew`` measured.

The skew is found by projection profiles: the page is binarised and shrunk, then
rotated through candidate angles; the angle whose row sums vary most (text lines
lying flat make sharp peaks and empty gaps) is the skew. Coarse 0.5° steps over
±``MAX_SKEW_DEG``, then 0.1° around the best.
"""

from __future__ import annotations

import io
from collections.abc import Iterator

import numpy as np
from PIL import Image, ImageFilter, ImageOps

from index.errors import ExtractionError

OCR_DPI = 300
MAX_SKEW_DEG = 6.0
_SKEW_WIDTH = 800  # the page is shrunk to this width to measure the skew
Image.MAX_IMAGE_PIXELS = 120_000_000  # a 300 dpi A0 scan; larger images are refused, not decoded

IMAGE_MAGIC: tuple[tuple[bytes, str], ...] = (
    (b"II*\x00", "tiff"),
    (b"MM\x00*", "tiff"),
    (b"\x89PNG\r\n\x1a\n", "png"),
    (b"\xff\xd8\xff", "jpg"),
)


def image_kind(data: bytes) -> str | None:
    """'tiff', 'png' or 'jpg' from the file's first bytes, else None."""
    for magic, kind in IMAGE_MAGIC:
        if data.startswith(magic):
            return kind
    return None


def _grey(frame: Image.Image) -> Image.Image:
    frame = ImageOps.exif_transpose(frame) or frame
    if frame.mode in ("RGBA", "LA", "P"):
        background = Image.new("RGB", frame.size, "white")
        rgba = frame.convert("RGBA")
        background.paste(rgba, mask=rgba.getchannel("A"))
        frame = background
    return frame.convert("L")


def count_frames(data: bytes) -> int:
    """Number of pages of an image file (frames of a multi-page TIFF)."""
    try:
        with Image.open(io.BytesIO(data)) as im:
            return int(getattr(im, "n_frames", 1))
    except (OSError, ValueError, Image.DecompressionBombError) as exc:
        raise ExtractionError("corrupt", f"image cannot be read: {exc}") from exc


def load_pages(data: bytes, first: int = 0, count: int | None = None) -> Iterator[Image.Image]:
    """Grey-scale pages of an image file, from frame ``first`` (0-based), ``count`` of them."""
    try:
        with Image.open(io.BytesIO(data)) as im:
            frames = int(getattr(im, "n_frames", 1))
            last = frames if count is None else min(frames, first + count)
            for index in range(first, last):
                im.seek(index)
                im.load()
                yield _grey(im)
    except (OSError, ValueError, EOFError, Image.DecompressionBombError) as exc:
        raise ExtractionError("corrupt", f"image page cannot be decoded: {exc}") from exc


def render_pdf_page(page: object, dpi: int = OCR_DPI) -> Image.Image:
    """One pypdfium2 page as a grey-scale image at ``dpi``."""
    bitmap = page.render(scale=dpi / 72, grayscale=True)  # type: ignore[attr-defined]
    return bitmap.to_pil().convert("L")


def _binarise(small: np.ndarray) -> np.ndarray:
    """Dark pixels as 1 (threshold halfway between the page's paper and ink levels)."""
    lo, hi = np.percentile(small, 2), np.percentile(small, 90)
    return (small < (lo + hi) / 2).astype(np.float32)


def _profile_score(ink: Image.Image, angle: float) -> float:
    rotated = np.asarray(ink.rotate(angle, resample=Image.Resampling.NEAREST, fillcolor=0), dtype=np.float32)
    rows = rotated.sum(axis=1)
    return float(np.var(rows))


def estimate_skew(image: Image.Image) -> float:
    """The angle (degrees, counter-clockwise positive as PIL's rotate) that levels the text lines."""
    scale = _SKEW_WIDTH / max(1, image.width)
    small = image.resize((_SKEW_WIDTH, max(1, int(image.height * scale))), Image.Resampling.BILINEAR) \
        if scale < 1 else image
    ink_arr = _binarise(np.asarray(small, dtype=np.float32))
    if ink_arr.mean() < 0.002:  # a blank page: nothing to level
        return 0.0
    ink = Image.fromarray((ink_arr * 255).astype(np.uint8))
    coarse = np.arange(-MAX_SKEW_DEG, MAX_SKEW_DEG + 0.01, 0.5)
    best = max(coarse, key=lambda a: _profile_score(ink, float(a)))
    fine = np.arange(best - 0.5, best + 0.51, 0.1)
    best = max(fine, key=lambda a: _profile_score(ink, float(a)))
    return round(float(best), 2)


def upright(image: Image.Image, rotation: int, skew: float) -> Image.Image:
    """The page turned ``rotation`` degrees clockwise (0/90/180/270, OSD's "Rotate"), then levelled by ``skew``."""
    if rotation % 360:
        image = image.rotate(-(rotation % 360), expand=True)  # PIL turns counter-clockwise
    if abs(skew) >= 0.05:
        image = image.rotate(skew, resample=Image.Resampling.BICUBIC, expand=True, fillcolor=255)
    return image


def despeckle(image: Image.Image, dpi: int | None) -> Image.Image:
    """A 3x3 median filter on scans of 250 dpi and more, where strokes are 3+ pixels wide.

    It removes the dust and dropouts of a scanner (on the noised test scans it took the
    error rate from 27% to 0 on one page); at lower resolutions it would thin strokes away.
    Without a stated resolution, the page is taken as A4 wide.
    """
    effective = dpi or image.width / 8.27
    if effective < 250:
        return image
    return image.filter(ImageFilter.MedianFilter(3))


def png_bytes(image: Image.Image) -> bytes:
    out = io.BytesIO()
    image.save(out, format="PNG", compress_level=1)
    return out.getvalue()
