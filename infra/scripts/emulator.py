"""Starts moto server (the local AWS emulator) on loopback: `emulator.py HOST PORT`.

Moto's backends are not safe under concurrent requests: two TransactWriteItems can both pass a
condition that only one of them may pass, while DynamoDB applies conditions atomically. So every
DynamoDB request is applied under one lock (serialised, as a single writer would), which keeps the
emulator faithful to DynamoDB's guarantees that the caps rely on. S3 and SQS requests are not
locked (SQS long polls would otherwise hold everyone up).

Served by waitress rather than moto's own server (werkzeug's development server): that one
answers every request with `Connection: close`, so each AWS SDK request opened a new TCP
connection (and the server a new thread), a cost AWS's endpoints, which keep connections alive,
do not have; it showed as about a tenth of a sign-in's non-hashing CPU in `make bench`
(issue 15). Waitress keeps connections alive, with a fixed pool of threads (enough for the
workers' long polls and the tests' bursts).
"""

import logging
import sys
import threading

from moto.server import DomainDispatcherApplication, create_backend_app
from waitress import serve

import emulator_speed

emulator_speed.install()

_dynamodb_lock = threading.Lock()
_app = DomainDispatcherApplication(create_backend_app)


def app(environ, start_response):
    # Moto reads the undecoded path from RAW_URI (werkzeug's); waitress names it REQUEST_URI.
    environ.setdefault("RAW_URI", environ.get("REQUEST_URI", ""))
    if environ.get("HTTP_X_AMZ_TARGET", "").startswith("DynamoDB_"):
        with _dynamodb_lock:
            return list(_app(environ, start_response))
    return _app(environ, start_response)


if __name__ == "__main__":
    host, port = sys.argv[1], int(sys.argv[2])
    # A request waiting for a thread (bursts pile up behind the DynamoDB lock) is not worth a warning.
    logging.getLogger("waitress.queue").setLevel(logging.ERROR)
    # poll(), not select(): kept-alive connections can number past select's 1024 descriptors.
    serve(
        app,
        host=host,
        port=port,
        threads=128,
        connection_limit=2000,
        channel_timeout=300,
        asyncore_use_poll=True,
        ident="moto",
    )
