"""What the screen draws: pixel measures of screenshots and layout checks in window coordinates.

Two kinds of check, both on the real window:

- pixels of a screenshot (PIL image, X screen coordinates, top-left origin): the share of
  dark pixels in a box (drawn glyphs), whether an image or a box of it is blank;
- widget geometry in window coordinates: every visible label's rendered texture against its
  own box (text wider or taller than its box is drawn outside it, over its neighbours, or cut
  by a scrolling parent), and overlaps between the drawn text of different labels.

Boxes are ``(left, top, right, bottom)`` in screen pixels.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

Box = tuple[int, int, int, int]

DARK = 110  # grey level under which a pixel counts as ink (text is #1a1a1a-ish, muted text #4a4f57)
TOLERANCE = 2.0  # px: texture sizes are rounded up to whole pixels


def load(path_or_image: Any) -> Any:
    from PIL import Image

    if isinstance(path_or_image, (str, Path)):
        return Image.open(path_or_image).convert("L")
    return path_or_image.convert("L")


def dark_share(image: Any, box: Box | None = None, *, dark: int = DARK) -> float:
    """Share of pixels darker than ``dark`` in ``box`` (the whole image without one)."""
    img = load(image)
    if box is not None:
        img = img.crop(box)
    hist = img.histogram()
    total = sum(hist)
    return sum(hist[:dark]) / total if total else 0.0


def is_blank(image: Any, box: Box | None = None, *, min_levels: int = 8, min_spread: float = 0.01) -> bool:
    """True when the box is (almost) one flat colour: nothing drawn on it.

    Blank means fewer than ``min_levels`` grey levels each covering at least ``min_spread``
    of the pixels besides the most common one, or all pixels within 8 grey levels.
    """
    img = load(image)
    if box is not None:
        img = img.crop(box)
    lo, hi = img.getextrema()
    if hi - lo <= 8:
        return True
    hist = img.histogram()
    total = sum(hist)
    top = max(hist)
    return (total - top) / total < min_spread and sum(1 for n in hist if n) < min_levels


def differs(a: Any, b: Any, *, threshold: float = 0.002) -> float:
    """Share of pixels that changed between two screenshots (0 when identical)."""
    from PIL import ImageChops

    diff = ImageChops.difference(load(a), load(b)).point(lambda v: 255 if v > 24 else 0)
    hist = diff.histogram()
    return hist[255] / sum(hist)


# -- geometry in window coordinates ------------------------------------------------------------

@dataclass(frozen=True)
class Problem:
    kind: str  # clipped / overflow / overlap / cut
    text: str
    detail: str

    def __str__(self) -> str:
        return f"{self.kind}: {self.text[:40]!r} {self.detail}"


def _shown(widget: Any) -> bool:
    w = widget
    while w is not None:
        if getattr(w, "opacity", 1) == 0:
            return False
        if w.parent is w:
            break
        w = w.parent
    return widget.width > 1 and widget.height > 1


def window_box(widget: Any, window_height: float | None = None) -> Box:
    """The widget's box in screen pixels (left, top, right, bottom)."""
    from kivy.core.window import Window

    height = Window.height if window_height is None else window_height
    x0, y0 = widget.to_window(widget.x, widget.y)
    x1, y1 = widget.to_window(widget.right, widget.top)
    return round(x0), round(height - y1), round(x1), round(height - y0)


def text_box(label: Any) -> Box:
    """Where a label's texture is drawn (Kivy centres the texture on the label)."""
    from kivy.core.window import Window

    tw, th = label.texture_size
    cx, cy = label.to_window(*label.center)
    return (round(cx - tw / 2), round(Window.height - (cy + th / 2)),
            round(cx + tw / 2), round(Window.height - (cy - th / 2)))


def _stencil_boxes(widget: Any) -> list[Box]:
    """Boxes of the clipping parents (ScrollView, StencilView) a widget is drawn through."""
    from kivy.uix.stencilview import StencilView

    boxes = []
    w = widget.parent
    while w is not None and w.parent is not w:
        if isinstance(w, StencilView):
            boxes.append(window_box(w))
        w = w.parent
    return boxes


def _intersect(a: Box, b: Box) -> Box | None:
    box = (max(a[0], b[0]), max(a[1], b[1]), min(a[2], b[2]), min(a[3], b[3]))
    return box if box[0] < box[2] and box[1] < box[3] else None


def _area(box: Box | None) -> int:
    return 0 if box is None else (box[2] - box[0]) * (box[3] - box[1])


def walk(widget: Any) -> Iterator[Any]:
    yield widget
    for child in widget.children:
        yield from walk(child)


def shown_labels(root: Any) -> list[Any]:
    """Labels with text that are drawn and at least partly inside the window and their clipping parents."""
    from kivy.core.window import Window
    from kivy.uix.label import Label

    screen = (0, 0, Window.width, Window.height)
    out = []
    for w in walk(root):
        if not isinstance(w, Label) or not w.text.strip() or not _shown(w):
            continue
        box = window_box(w)
        visible = _intersect(box, screen)
        for clip in _stencil_boxes(w):
            visible = visible and _intersect(visible, clip)
        if visible:
            out.append(w)
    return out


def label_problems(root: Any) -> list[Problem]:
    """Every shown label whose text does not fit where it is drawn.

    - ``overflow``: the rendered texture is wider or taller than the label's own box, so the
      text is drawn outside it (over the neighbours);
    - ``cut``: the drawn text leaves the window or a clipping parent (ScrollView) while the
      label itself is wholly inside it (a scrolled-away row is not a problem);
    - ``overlap``: the drawn text of two labels intersects;
    - ``blank``: a label with text has no texture at all (nothing of it is drawn).
    """
    from kivy.core.window import Window

    problems: list[Problem] = []
    screen = (0, 0, Window.width, Window.height)
    labels = shown_labels(root)
    drawn: list[tuple[Any, Box]] = []
    for label in labels:
        tw, th = label.texture_size
        name = label.text
        if tw < 1 or th < 1:  # text that made no texture (too big for the GPU, or never laid out)
            problems.append(Problem("blank", name, f"no texture for {len(name)} characters in box {label.width:.0f}x{label.height:.0f}"))
            continue
        if tw > label.width + TOLERANCE or th > label.height + TOLERANCE:
            problems.append(Problem("overflow", name, f"texture {tw:.0f}x{th:.0f} in box {label.width:.0f}x{label.height:.0f}"))
        box = window_box(label)
        tbox = text_box(label)
        for clip in [screen, *_stencil_boxes(label)]:
            inside = _intersect(box, clip)
            wholly_shown = _area(inside) == _area(box)  # then its text must be shown too
            slack = TOLERANCE * max(tbox[2] - tbox[0], tbox[3] - tbox[1])
            if wholly_shown and _area(_intersect(tbox, clip)) < _area(tbox) - slack:
                problems.append(Problem("cut", name, f"text {tbox} outside {clip}"))
        visible = tbox
        for clip in [screen, *_stencil_boxes(label)]:
            visible = visible and _intersect(visible, clip)
        ink = visible and _intersect(ink_box(label), visible)
        if ink:
            drawn.append((label, ink))
    for i, (a, abox) in enumerate(drawn):
        for b, bbox in drawn[i + 1:]:
            if _is_ancestor(a, b) or _is_ancestor(b, a):
                continue
            inter = _intersect(abox, bbox)
            if inter and (inter[2] - inter[0]) > 3 and (inter[3] - inter[1]) > 3:
                problems.append(Problem("overlap", a.text, f"with {b.text[:40]!r} at {inter}"))
    return problems


def ink_box(label: Any) -> Box:
    """The part of a label's texture its lines use (a wrapped label's texture is as wide as the
    label, but its lines may be shorter: left, centred or right in it, as ``halign`` says)."""
    box = text_box(label)
    lines = getattr(label._label, "_cached_lines", None) or []
    if not lines:
        return box
    width = min(box[2] - box[0], round(max(ln.w for ln in lines)) + 1)
    free = (box[2] - box[0]) - width
    offset = {"center": free // 2, "right": free}.get(label.halign, 0)
    return (box[0] + offset, box[1], box[0] + offset + width, box[3])


def _is_ancestor(a: Any, b: Any) -> bool:
    w = b.parent
    while w is not None and w.parent is not w:
        if w is a:
            return True
        w = w.parent
    return False


def box_problems(root: Any) -> list[Problem]:
    """Widgets drawn outside the layout that placed them (a button grown past its grid row, a
    row of tiles pushed over the next one). Scrolling content and free layouts are skipped."""
    from kivy.uix.anchorlayout import AnchorLayout
    from kivy.uix.floatlayout import FloatLayout
    from kivy.uix.layout import Layout
    from kivy.uix.scrollview import ScrollView

    problems = []
    for w in walk(root):
        parent = w.parent
        if parent is None or parent is w or not _shown(w) or not isinstance(parent, Layout):
            continue
        if isinstance(parent, (FloatLayout, AnchorLayout)) or isinstance(parent.parent, ScrollView):
            continue
        if any(isinstance(a, ScrollView) for a in _ancestors(w)):
            continue
        pb, wb = window_box(parent), window_box(w)
        over = max(pb[0] - wb[0], pb[1] - wb[1], wb[2] - pb[2], wb[3] - pb[3])
        if over > TOLERANCE + 1:
            name = getattr(w, "text", "") or type(w).__name__
            problems.append(Problem("escapes", name, f"{wb} outside its {type(parent).__name__} {pb} by {over}px"))
    return problems


def _ancestors(widget: Any) -> Iterator[Any]:
    w = widget.parent
    while w is not None and w.parent is not w:
        yield w
        w = w.parent


def ellipsis_problems(root: Any) -> list[Problem]:
    """Text cut in the middle or at its start (garbles titles, hides a hint's first words), and
    different texts shortened to the same shown text."""
    problems = []
    seen: dict[str, str] = {}
    for label in shown_labels(root):
        if not is_shortened(label):
            continue
        if label.shorten_from != "right":
            problems.append(Problem("ellipsis", label.text, f"shortened from the {label.shorten_from}"))
        shown = shown_text(label)
        if shown in seen and seen[shown] != label.text:
            problems.append(Problem("ellipsis", label.text, f"shows the same {shown!r} as {seen[shown][:40]!r}"))
        seen[shown] = label.text
    return problems


def blank_area_problems(image: Any, root: Any, *, min_share: float = 0.08) -> list[Problem]:
    """Scrolling areas (document text, result lists) that hold text but are drawn blank: a label
    can have a texture and a box and still draw nothing (a texture past the GPU's limit)."""
    from kivy.core.window import Window
    from kivy.uix.scrollview import ScrollView

    img = load(image)
    problems = []
    for w in walk(root):
        if not isinstance(w, ScrollView) or not _shown(w):
            continue
        box = _intersect(window_box(w), (0, 0, Window.width, Window.height))
        if not box or _area(box) < min_share * Window.width * Window.height:
            continue
        if shown_labels(w) and is_blank(img, box):
            problems.append(Problem("blank", type(w).__name__, f"{box} holds text but nothing is drawn"))
    return problems


def screen_problems(root: Any) -> list[Problem]:
    return label_problems(root) + box_problems(root) + ellipsis_problems(root)


def shown_text(label: Any) -> str:
    """The text as drawn (after ``shorten``): the words of the label's laid-out lines."""
    lines = getattr(label._label, "_cached_lines", None) or []
    return "".join(word.text for line in lines for word in line.words)


def is_shortened(label: Any) -> bool:
    return bool(getattr(label._label, "is_shortened", False))
