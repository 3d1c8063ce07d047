"""The ``prefixlib`` command: the only code that reads files, prints, or exits.

One module per verb; each has ``register(commands)``, which adds its parser and
sets ``run``.  Exit codes: 0 success, 1 findings or changes, 2 usage or input
error, 123 internal error (a bug).  Data goes to stdout, diagnostics to stderr.
"""

from __future__ import annotations

import argparse
import sys
from collections.abc import Sequence

from prefixlib import __version__
from prefixlib.cli import check, diff, explain, learn, lock, normalize, report, serve
from prefixlib.cli import hash as hash_
from prefixlib.cli._common import EXIT_ERROR, EXIT_INTERNAL, EXIT_OK, Failure, UsageError
from prefixlib.errors import PrefixlibError

__all__ = ["main"]

#: The verbs, in the order ``--help`` lists them.
VERBS = (check, diff, hash_, normalize, explain, lock, report, learn, serve)

EPILOG = """\
exit status: 0 success or nothing reported, 1 findings or changes, 2 usage or input
error, 123 internal error (a bug).  stdout carries data, stderr diagnostics.
`prefixlib COMMAND --help` describes a command."""


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="prefixlib",
        description="Canonical, cacheable LLM startup prefixes.",
        epilog=EPILOG,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    parser.add_argument("-V", "--version", action="version", version=f"%(prog)s {__version__}")
    commands = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")
    for verb in VERBS:
        verb.register(commands)
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    """Run the CLI; return the exit code (2 for a usage error, as argparse exits)."""
    try:
        args = _parser().parse_args(argv)
    except SystemExit as e:  # --help, --version, or a usage error argparse has printed
        return e.code if isinstance(e.code, int) else EXIT_ERROR
    try:
        status: int = args.run(args)
    except UsageError as e:
        args.parser.print_usage(sys.stderr)
        print(f"{args.parser.prog}: error: {e}", file=sys.stderr)
        return EXIT_ERROR
    except Failure as e:
        print(f"error: {e}", file=sys.stderr)
        return EXIT_ERROR
    except PrefixlibError as e:
        print(f"error: {e}", file=sys.stderr)
        return EXIT_ERROR
    except BrokenPipeError:
        return EXIT_OK
    except KeyboardInterrupt:
        return 130
    except Exception as e:  # a bug: say so in one line
        print(f"error: internal error: {type(e).__name__}: {e}", file=sys.stderr)
        return EXIT_INTERNAL
    return status
