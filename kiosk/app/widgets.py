"""Shared widgets (layout and looks in widgets.kv)."""

from __future__ import annotations

from kivy.app import App
from kivy.effects.scroll import ScrollEffect
from kivy.graphics.texture import Texture
from kivy.metrics import dp
from kivy.properties import (
    BooleanProperty,
    ColorProperty,
    ListProperty,
    NumericProperty,
    StringProperty,
)
from kivy.uix.behaviors import ButtonBehavior
from kivy.uix.boxlayout import BoxLayout
from kivy.uix.button import Button
from kivy.uix.label import Label
from kivy.uix.modalview import ModalView
from kivy.uix.recycleview import RecycleView

from kiosk.app import theme

# A finger that moves more than this between press and release was dragging, not tapping.
TAP_SLOP_DP = 20
# Scrolling lists stop quickly after a flick: a visitor lifts the finger, the list settles
# within about a second and the row they then tap is the row they saw (Kivy's default
# friction, 0.05, lets a 3000 px/s flick glide about 1000 px for nearly 3 s; 0.15 stops it
# after about 330 px in under a second).
LIST_FRICTION = 0.15
# Kivy's effects take friction per frame scaled by the frame time; on a slow frame (a busy
# terminal) the factor passes 1 and the list flies off. Frames longer than this are
# integrated as this long.
LIST_MAX_DT = 1 / 30
STOPPED_GLIDE = "kiosk.stopped_glide"


def moved_too_far(touch: object) -> bool:
    ox, oy = touch.opos  # type: ignore[attr-defined]
    x, y = touch.pos  # type: ignore[attr-defined]
    return (x - ox) ** 2 + (y - oy) ** 2 > dp(TAP_SLOP_DP) ** 2


class TapOnly:
    """Mixin for buttons in scrolling lists: a press that turns into a drag never releases.

    (ScrollView hands a touch that did not move within its timeout to the row under it; the
    finger may then still move and lift over the same row.)
    """

    def on_touch_up(self, touch):  # type: ignore[no-untyped-def]
        if touch.grab_current is self and (moved_too_far(touch) or touch.ud.get(STOPPED_GLIDE)):
            touch.ungrab(self)
            self.state = "normal"  # type: ignore[attr-defined]
            return True
        return super().on_touch_up(touch)  # type: ignore[misc]


class ListEffect(ScrollEffect):
    """Kivy's scroll effect (a list stops at its ends, no rubber band: Kivy's damped effect
    kept bouncing there for seconds on a slow frame rate) with more friction and a bounded
    frame time."""

    friction = LIST_FRICTION

    def update_velocity(self, dt: float) -> None:
        super().update_velocity(min(dt, LIST_MAX_DT))


class StopOnTouch:
    """Mixin for ScrollViews: a touch on a list that is still gliding stops it and taps nothing
    (the row under the finger is not the row the visitor aimed at)."""

    def on_scroll_start(self, touch, check_children=True):  # type: ignore[no-untyped-def]
        effect = self.effect_y  # type: ignore[attr-defined]
        gliding = effect is not None and abs(effect.velocity) > dp(60) and not effect.is_manual
        if gliding and self.collide_point(*touch.pos) and not touch.is_mouse_scrolling:  # type: ignore[attr-defined]
            effect.velocity = 0
            touch.ud[STOPPED_GLIDE] = True  # this touch may still drag the list, but never taps a row
        return super().on_scroll_start(touch, check_children)  # type: ignore[misc]


class Fold(BoxLayout):
    """A box that can be folded away: when ``shown`` is False it has no height, is not drawn,
    and touches go through it (a disabled Kivy widget swallows every touch on its box, and the
    children of a zero-height box still lie where they were laid out)."""

    shown = BooleanProperty(True)

    def on_touch_down(self, touch):  # type: ignore[no-untyped-def]
        return super().on_touch_down(touch) if self.shown else False

    def on_touch_move(self, touch):  # type: ignore[no-untyped-def]
        return super().on_touch_move(touch) if self.shown else False

    def on_touch_up(self, touch):  # type: ignore[no-untyped-def]
        return super().on_touch_up(touch) if self.shown else False


class BgBox(BoxLayout):
    """A box with a flat background colour (``bg_color`` is also what contrast is measured against)."""

    bg_color = ColorProperty(theme.PAGE)


class KLabel(Label):
    """Text on a background: wraps to its width, grows to its text's height when ``auto_height``."""

    auto_height = BooleanProperty(True)
    role = StringProperty("body")  # text size: small / body / title / big (see KioskApp.font_for)
    scale = NumericProperty(1.0)
    wrap = BooleanProperty(True)  # False: one line, the label's texture decides its size


class KButton(Button):
    """A flat button with a big touch target (height from the theme in widgets.kv)."""

    bg_color = ColorProperty(theme.PRIMARY)
    down_color = ColorProperty(theme.PRIMARY_DOWN)
    min_height = NumericProperty(72)  # dp, set in widgets.kv
    wrap = BooleanProperty(True)  # wrap text to the button's width (False: the button grows with its text)
    collapsed = BooleanProperty(False)  # hidden: no height, no touches
    role = StringProperty("body")
    scale = NumericProperty(1.0)


class LightButton(KButton):
    pass


class Chip(KButton):
    active = BooleanProperty(False)


class KeyButton(KButton):
    """One key of the on-screen keyboard; ``value`` is what it types (or an action name)."""

    value = StringProperty("")
    action = StringProperty("")


class NavBar(BgBox):
    """返回 and 首页 on every screen, a title, and the large-text switch."""

    title = StringProperty("")
    show_back = BooleanProperty(True)


class ResultCard(TapOnly, ButtonBehavior, BgBox):
    """One search result; ``doc_id``/``page`` say what opens when it is tapped."""

    hit_id = StringProperty("")
    doc_id = StringProperty("")
    page = NumericProperty(1)
    title_markup = StringProperty("")
    meta_text = StringProperty("")
    snippet_markup = StringProperty("")
    validity = StringProperty("")
    badge_text = StringProperty("")
    badge_color = ColorProperty(theme.VALID)
    replaced_text = StringProperty("")

    def on_release(self) -> None:
        App.get_running_app().open_document(self.doc_id, page=int(self.page))


class ResultList(StopOnTouch, RecycleView):
    def show_row(self, index: int, tries: int = 10) -> None:
        """Scroll so that row ``index`` is at the top (once the layout has placed it)."""
        from kivy.clock import Clock

        def go(dt: float) -> None:
            layout = self.layout_manager
            opts = getattr(layout, "view_opts", [])
            if index >= len(opts) or layout.height < self.height:
                if tries > 0 and index < len(self.data):
                    self.show_row(index, tries - 1)
                return
            y = opts[index]["pos"][1]
            top = y + opts[index]["size"][1]
            scrollable = layout.height - self.height
            if scrollable > 0:
                self.effect_y.velocity = 0
                self.scroll_y = min(1.0, max(0.0, (top - self.height) / scrollable))

        Clock.schedule_once(go, 0)


class ChoiceList(StopOnTouch, RecycleView):
    pass


class ChoiceButton(TapOnly, LightButton):
    """A button in a RecycleView that calls ``handler(value)`` of its list."""

    value = StringProperty("")
    handler_name = StringProperty("")
    screen_name = StringProperty("")

    def on_release(self) -> None:
        app = App.get_running_app()
        screen = app.sm.get_screen(self.screen_name)
        getattr(screen, self.handler_name)(self.value)


class Dialog(ModalView):
    """A modal with a message and up to two big buttons."""

    message = StringProperty("")
    yes_text = StringProperty("")
    no_text = StringProperty("")
    bg_color = ColorProperty(theme.WHITE)
    on_yes = None

    def yes(self) -> None:
        self.dismiss()
        if self.on_yes:
            self.on_yes()


class CountdownView(ModalView):
    seconds = NumericProperty(0)
    bg_color = ColorProperty(theme.WHITE)


class ChooserView(ModalView):
    """Big list of options for one filter (年份, 发布机构 ...)."""

    title = StringProperty("")
    options = ListProperty()
    bg_color = ColorProperty(theme.WHITE)


def page_texture(image) -> Texture:
    """A texture of a rendered page (``kiosk.app.render.PageImage``: RGBA, top row first)."""
    texture = Texture.create(size=(image.width, image.height), colorfmt="rgba")
    texture.blit_buffer(image.rgb, colorfmt="rgba", bufferfmt="ubyte")
    texture.flip_vertical()
    return texture
