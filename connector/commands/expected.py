"""`expected`: read the identity source and write identities.json (an IdentitySource)."""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

from connector.cli import EXIT_INCONCLUSIVE, EXIT_VERIFIED
from connector.commands.context import prepare
from connector.commands.identities import read_identities
from connector.inputs import output_file
from connector.private_files import write_private
from connector.terminal import printable


def execute(args: argparse.Namespace) -> int:
    """Write the expected state; exit 3 when the provider could not be read completely."""
    w = prepare(args)
    out = output_file(Path(args.out), "--out")
    source = read_identities(w)
    write_private(out, source.model_dump_json(indent=2) + "\n")  # 0600: it names every identity
    print(out)
    people = len(source.identities)
    # provider text may hold terminal escapes: shown, never acted on
    print(f"{people} identities from {source.kind} ({printable(source.location)})",
          file=sys.stderr)
    for warning in source.warnings:
        print(f"warning: {printable(warning)}", file=sys.stderr)
    if not source.complete:
        for error in source.errors:
            print(f"error: {printable(error)}", file=sys.stderr)
        return EXIT_INCONCLUSIVE
    return EXIT_VERIFIED
