"""``taskapp-admin``: operator commands (table creation for local stacks and tests)."""

from __future__ import annotations

import argparse
import json
import sys

from taskcore.bootstrap import get_settings
from taskcore.storage import create_tables, delete_tables


def main(argv: list[str] | None = None) -> int:
    """Entry point of the ``taskapp-admin`` console script."""
    parser = argparse.ArgumentParser(prog="taskapp-admin", description=__doc__)
    commands = parser.add_subparsers(dest="command", required=True)
    commands.add_parser("create-tables", help="create missing tables (idempotent)")
    commands.add_parser("delete-tables", help="delete this deployment's tables")
    args = parser.parse_args(argv)
    settings = get_settings()
    if args.command == "create-tables":
        created = create_tables(settings)
        print(json.dumps({"created": created, "prefix": settings.table_prefix}))
    elif args.command == "delete-tables":
        delete_tables(settings)
        print(json.dumps({"deleted_prefix": settings.table_prefix}))
    return 0


if __name__ == "__main__":
    sys.exit(main())
