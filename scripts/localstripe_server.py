"""Run localstripe (a Stripe API fake, from PyPI) on 127.0.0.1 only, for `make run` and tests.

localstripe's own CLI binds every interface and has no host option; this starts its aiohttp
app on a loopback socket instead. Its store is kept in memory (the CLI pickles it to a
shared /tmp file). Prints `localstripe listening on http://127.0.0.1:<port>` once ready;
`--port 0` picks a free port. Register a webhook afterwards with
`POST /_config/webhooks/<id>` (url, secret), as `make run` and the tests do.
"""

from __future__ import annotations

import argparse
import socket
import sys


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--port", type=int, default=8420)
    args = parser.parse_args()

    from aiohttp import web
    from localstripe import resources, server

    # In memory only: never read or write localstripe's shared /tmp pickle.
    resources.Store.dump_to_disk = _nothing
    resources.Store.try_load_from_disk = _nothing

    sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    sock.bind(("127.0.0.1", args.port))
    port = sock.getsockname()[1]

    def ready(_app: web.Application) -> None:
        print(f"localstripe listening on http://127.0.0.1:{port}", flush=True)

    app: web.Application = server.app
    app.on_startup.append(_as_coroutine(ready))
    web.run_app(app, sock=sock, print=None, access_log=None)
    return 0


def _nothing(*_args: object) -> None:
    return None


def _as_coroutine(function):  # type: ignore[no-untyped-def]
    async def run(app):  # type: ignore[no-untyped-def]
        function(app)

    return run


if __name__ == "__main__":
    sys.exit(main())
