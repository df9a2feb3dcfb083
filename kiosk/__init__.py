"""Reading Room Kiosk: the touchscreen app (``kiosk.app``) and the ``kiosk`` command line.

Importing ``kiosk`` or ``kiosk.cli`` never imports Kivy; only ``kiosk.app`` does.
"""

__version__ = "0.1.0"
