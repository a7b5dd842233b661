"""Command-line sub-commands, one module per command group.

Each module listed in ``COMMAND_MODULES`` exposes ``register(subparsers)`` which adds its parser(s)
and sets ``func`` (taking the parsed ``argparse.Namespace`` and returning an exit status).
"""

COMMAND_MODULES: list[str] = [
    "kiosk.commands.run_cmd",
    "kiosk.commands.models_cmd",
    "kiosk.commands.bench_cmd",
    "kiosk.commands.eval_cmd",
    "kiosk.commands.verify_cmd",
    "kiosk.commands.audit_cmd",
    "kiosk.commands.keys_cmd",
    "kiosk.commands.purge_cmd",
    "kiosk.commands.operator_cmd",
    "kiosk.commands.review_cmd",
    "kiosk.commands.export_cmd",
    "kiosk.commands.passport_cmd",
    "kiosk.commands.evidence_cmd",
    "kiosk.commands.trust_cmd",
    "kiosk.commands.pad_cmd",
    "kiosk.commands.calibrate_cmd",
    "kiosk.commands.serve_cmd",
    "kiosk.commands.apikey_cmd",
    "kiosk.commands.facebank_cmd",
    "kiosk.commands.mrz_cmd",
    "kiosk.commands.backoffice_cmd",
    "kiosk.commands.fleet_cmd",
    "kiosk.commands.central_cmd",
    "kiosk.commands.sync_cmd",
]
