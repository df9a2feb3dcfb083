"""Start the app: environment first, then Kivy, then the window."""

from __future__ import annotations

import logging
import signal
from pathlib import Path
from typing import Any

from kiosk.app.env import configure_kivy, prepare_environment

log = logging.getLogger(__name__)


def run_app(config: Any, library_path: Path) -> int:
    prepare_environment()
    configure_kivy(config)
    from kivy.clock import Clock

    from kiosk.app.main import KioskApp

    app = KioskApp(config=config, library_path=library_path)

    def on_sigterm(signum: int, frame: object) -> None:
        log.info("signal %d: stopping", signum)
        Clock.schedule_once(lambda dt: app.shutdown(), 0)

    signal.signal(signal.SIGTERM, on_sigterm)
    signal.signal(signal.SIGINT, on_sigterm)
    app.run()
    return 0
