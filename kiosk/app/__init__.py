"""The Kivy touchscreen app.

Importing this package does not import Kivy: ``kiosk.app.env.prepare_environment``
must run first (it sets the KIVY_* and SDL_* variables Kivy reads at import), then
``kiosk.app.main`` can be imported. ``kiosk.app.launch.run_app`` does both.
"""
