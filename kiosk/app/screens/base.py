"""What every screen can do: enter with arguments, say how to come back, forget a session."""

from __future__ import annotations

from typing import Any

from kivy.app import App
from kivy.uix.screenmanager import Screen


class KScreen(Screen):
    #: Properties that hold a visitor's session; ``reset()`` returns them to their defaults.
    session_properties: tuple[str, ...] = ()

    @property
    def app(self) -> Any:
        return App.get_running_app()

    def enter(self, **args: Any) -> None:
        """Show this screen for ``args`` (called before it becomes current)."""

    def snapshot(self) -> dict[str, Any]:
        """Arguments for ``enter`` that bring the visitor back to what is showing now."""
        return {}

    def back(self) -> bool:
        """Handle 返回 inside the screen (e.g. a level up); False lets the app go to the previous screen."""
        return False

    def reset(self) -> None:
        """Forget everything of the session."""
        for name in self.session_properties:
            prop = self.property(name)
            setattr(self, name, prop.defaultvalue if not isinstance(prop.defaultvalue, (list, dict))
                    else type(prop.defaultvalue)())

    def session_state(self) -> dict[str, Any]:
        return {name: getattr(self, name) for name in self.session_properties}

    def on_library_ready(self) -> None:
        pass

    def on_library_changed(self) -> None:
        pass
