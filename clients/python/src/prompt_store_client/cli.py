"""`python -m prompt_store_client pull|verify`: the bundle an app ships, and whether it is current.

    python -m prompt_store_client pull summariser/production -o prompts.lock.json --url URL
    python -m prompt_store_client verify prompts.lock.json

Exit status: 0 fine, 1 a label has moved (or is gone) since the pull, 2 the store could
not be asked or the file is not a bundle.
"""

from __future__ import annotations

import argparse
import os
import sys

from .bundle import Bundle, Locked
from .cache import sha256
from .client import PromptStore
from .errors import PromptNotFound, PromptRemoved, PromptStoreError

URL_VARIABLE = "PROMPT_STORE_URL"


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        prog="python -m prompt_store_client",
        description=__doc__,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    commands = parser.add_subparsers(dest="command", required=True)
    pull = commands.add_parser("pull", help="write each label's current version to a bundle")
    pull.add_argument("names", nargs="+", metavar="NAME", help="a label name")
    pull.add_argument("-o", "--output", default="prompts.lock.json", help="the bundle to write")
    pull.add_argument("--url", help=f"the store's base URL (default ${URL_VARIABLE})")
    pull.add_argument("--timeout", type=float, default=10.0, help="seconds per request")
    verify = commands.add_parser("verify", help="exit 1 naming each label moved since the pull")
    verify.add_argument("bundle", help="a bundle written by pull")
    verify.add_argument("--url", help="the store's base URL (default: the bundle's)")
    verify.add_argument("--timeout", type=float, default=10.0, help="seconds per request")
    args = parser.parse_args(argv)
    try:
        return _pull(args) if args.command == "pull" else _verify(args)
    except (PromptStoreError, ValueError, OSError) as error:
        print(f"error: {error}", file=sys.stderr)
        return 2


def _pull(args: argparse.Namespace) -> int:
    url = args.url or os.environ.get(URL_VARIABLE)
    if not url:
        raise ValueError(f"give the store's address with --url or ${URL_VARIABLE}")
    store = PromptStore(url, timeout=args.timeout)
    prompts = []
    for name in dict.fromkeys(args.names):
        got = store.get(name)
        text = got.text
        prompts.append(
            Locked(name, got.id, sha256(text), text, list(got.variables), list(got.slots))
        )
    Bundle(prompts, url=url).save(args.output)
    for locked in prompts:
        print(f"{locked.name}\t{locked.id}")
    return 0


def _verify(args: argparse.Namespace) -> int:
    bundle = Bundle.load(args.bundle)
    url = args.url or bundle.url or os.environ.get(URL_VARIABLE)
    if not url:
        raise ValueError(f"the bundle names no store: give --url or ${URL_VARIABLE}")
    store = PromptStore(url, timeout=args.timeout)
    moved = 0
    for locked in bundle.prompts:
        try:
            now = store.get(locked.name)
        except (PromptNotFound, PromptRemoved) as error:
            print(f"{locked.name}: gone ({error.description})")
            moved += 1
            continue
        if now.id != locked.id or sha256(now.text) != locked.sha256:
            print(f"{locked.name}: moved from {locked.id} to {now.id}")
            moved += 1
    if moved:
        print(f"{moved} of {len(bundle.prompts)} labels moved since the pull; pull again to update")
        return 1
    print(f"all {len(bundle.prompts)} labels are where the bundle says")
    return 0
