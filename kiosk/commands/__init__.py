"""Command-line sub-commands, one module per command group.

Each module listed in ``COMMAND_MODULES`` exposes ``register(subparsers)`` which adds its parser(s)
and sets ``func`` (taking the parsed ``argparse.Namespace`` and returning an exit status).
"""

COMMAND_MODULES: list[str] = [
    "kiosk.commands.models_cmd",
]
