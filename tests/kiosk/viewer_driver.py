"""The real app in its own X display, told by a test what to open (one JSON line a command on
stdin), answering when the window has drawn it (one JSON line on stdout).

    python tests/kiosk/viewer_driver.py LIBRARY WIDTHxHEIGHT

The test takes screenshots of the X display and drives the window with xdotool itself; this
driver only opens documents the way a tap on a result would, and reports where things are on
screen (window pixels, top-left origin) so the test knows where to look.
"""

from __future__ import annotations

import json
import sys
import threading
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(ROOT))


def main() -> None:
    library, size = Path(sys.argv[1]), sys.argv[2]
    width, height = (int(v) for v in size.split("x"))
    from index.config import load_config
    from kiosk.app.env import configure_kivy, prepare_environment

    config = load_config(None, {"app.width": width, "app.height": height, "app.fullscreen": False,
                                "review.required": False, "app.idle_timeout_s": 3600.0,
                                "app.attract_after_s": 7200.0})
    prepare_environment(quiet=True)
    configure_kivy(config)
    from kivy.clock import Clock
    from kivy.core.window import Window

    from kiosk.app.main import KioskApp

    app = KioskApp(config=config, library_path=library)

    def reply(payload: dict) -> None:
        sys.stdout.write(json.dumps(payload, ensure_ascii=False) + "\n")
        sys.stdout.flush()

    def rect(widget) -> list[int]:
        x, y = widget.to_window(widget.x, widget.y)
        return [round(x), round(Window.height - (y + widget.height)), round(widget.width), round(widget.height)]

    def state() -> dict:
        viewer = app.sm.get_screen("viewer")
        image = viewer.ids.page_image
        marks = []
        if not viewer.text_mode and viewer.page_texture is not None:
            tex_h = viewer.page_texture.size[1]
            for x, y_top, w, h in viewer.page_marks:
                wx, wy = image.to_window(image.x + x, image.y + tex_h - y_top - h)
                marks.append([round(wx), round(Window.height - (wy + h)), round(w), round(h)])
        probe = app.probe()
        return {"screen": app.sm.current, "window": [Window.width, Window.height], "content": rect(viewer.ids.page_area),
                "image": rect(image) if not viewer.text_mode else None, "marks": marks,
                "text_mode": viewer.text_mode, "page": viewer.page, "page_count": viewer.page_count,
                "font_px": viewer.text_font_px, "paragraphs": len(viewer.text_data), "title": viewer.title,
                "large_text": app.large_text, "message": viewer.message,
                "validity": viewer.validity_text,
                "text_rows": [c.texture_size[1] for c in viewer.ids.text_view.layout_manager.children],
                "buttons": probe["buttons"], "labels": probe["labels"]}

    def drawn(viewer) -> bool:
        if viewer.loading or not viewer.title:
            return False
        if viewer.text_mode:
            views = viewer.ids.text_view.layout_manager.children
            ready = not viewer.text_data or (views and all(v.texture is not None or not v.text for v in views))
        else:
            ready = (viewer.page_texture is not None and viewer._shown_key == viewer._page_key(viewer.page)
                     and viewer.ids.page_image.texture is viewer.page_texture)
        return bool(ready) and not Window.canvas.needs_redraw

    def when_drawn(settle: int = 3) -> None:
        """Answer once the viewer is drawn and a few frames passed with nothing left to draw."""
        viewer = app.sm.get_screen("viewer")
        calm = {"n": 0, "waited": 0.0}

        def poll(dt: float) -> None:
            calm["waited"] += dt
            calm["n"] = calm["n"] + 1 if drawn(viewer) else 0
            if calm["n"] >= settle or calm["waited"] > 30:
                reply({"ok": calm["n"] >= settle, **state()})
                return
            Clock.schedule_once(poll, 0.05)

        Clock.schedule_once(poll, 0.05)

    def run(command: dict) -> None:
        viewer = app.sm.get_screen("viewer")
        what = command["cmd"]
        if what == "open":
            def pick(lib) -> str:
                fmt, validity = command.get("format"), command.get("validity")
                return next(r.id for r in lib.catalogue.iter_documents("public")
                            if (not fmt or r.format == fmt) and (not validity or r.meta.validity == validity))

            def opened(doc_id: str) -> None:
                app.show("viewer", doc_id=doc_id, page=int(command.get("page", 1)), terms=command.get("terms", []),
                         text_mode=command.get("text_mode"))
                when_drawn()

            app.lib.submit(pick, opened)
        elif what == "turn":
            viewer.turn(int(command["step"]))
            when_drawn()
        elif what == "settle":
            when_drawn()
        elif what == "quit":
            app.shutdown()

    def read_commands() -> None:
        for line in sys.stdin:
            if line.strip():
                command = json.loads(line)
                Clock.schedule_once(lambda dt, c=command: run(c), 0)
        Clock.schedule_once(lambda dt: app.shutdown(), 0)

    def started(dt: float) -> None:
        if not (app.library_ready and Window.canvas and not Window.canvas.needs_redraw):
            Clock.schedule_once(started, 0.1)
            return
        reply({"ok": True, "ready": True, **state()})
        threading.Thread(target=read_commands, daemon=True).start()

    Clock.schedule_once(started, 0.5)
    app.run()


if __name__ == "__main__":
    main()
