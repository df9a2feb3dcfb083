"""One module per ``kiosk`` subcommand, each with ``register(subparsers)``."""
