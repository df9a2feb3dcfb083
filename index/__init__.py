"""The headless core of Reading Room Kiosk: extraction, metadata, Chinese search over a
Whoosh index, the share sync, usage counts and reports. Never imports Kivy.

The entry point for readers and the sync is ``index.library.Library``.
"""

__version__ = "0.1.0"
