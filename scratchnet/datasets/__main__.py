"""Command line: ``python -m scratchnet.datasets {fetch,where} [NAME ...]``.

``fetch`` fills the project cache (a no-op when it is already verified);
``where`` prints the source ``load`` would use.  Exit codes: 0 success,
1 failure (the message says what to do), 2 usage error.
"""
import signal
import sys
import time

from ..argtypes import OneLineParser
from . import catalog
from .errors import DatasetError
from .provision import fetch
from .sources import find_source

CHOICES = [*catalog.NAMES, *catalog.ALIASES, "all"]


def _parser():
    parser = OneLineParser(prog="python -m scratchnet.datasets", description=__doc__.splitlines()[0])
    sub = parser.add_subparsers(dest="command", required=True, parser_class=OneLineParser)
    for command, text in (("fetch", "provision the project cache"), ("where", "show which source load() would use")):
        p = sub.add_parser(command, help=text, description=text)
        p.add_argument("names", nargs="*", default="all", choices=CHOICES, metavar="NAME",
                       help=f"one of {', '.join(CHOICES)} (default: all)")
        if command == "fetch":
            p.add_argument("--cache", metavar="DIR", help="the folder to fill (default: the project cache, "
                                                          "$SCRATCHNET_CACHE or ~/.cache/scratchnet)")
    return parser


def _interrupt(signum, frame):
    raise KeyboardInterrupt


def main(argv=None):
    args = _parser().parse_args(argv)
    names = catalog.NAMES if "all" in args.names else args.names  # default is the str "all"
    try:
        if args.command == "fetch":
            start = time.perf_counter()
            previous = signal.signal(signal.SIGTERM, _interrupt)  # an interrupted write removes its .part file
            try:
                root = fetch(list(names), cache=args.cache)
            finally:
                signal.signal(signal.SIGTERM, previous)
            print(f"datasets ready in {root} ({time.perf_counter() - start:.1f} s)", file=sys.stderr)
        else:
            for name in names:
                print(f"{catalog.canonical_name(name)}: {find_source(name).describe()}")
    except DatasetError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 1
    except KeyboardInterrupt:
        print("interrupted; no partial file was kept", file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
