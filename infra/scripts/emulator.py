"""Starts moto server (the local AWS emulator) on loopback: `emulator.py HOST PORT`.

Moto's backends are not safe under concurrent requests: two TransactWriteItems can both pass a
condition that only one of them may pass, while DynamoDB applies conditions atomically. So every
DynamoDB request is applied under one lock (serialised, as a single writer would), which keeps the
emulator faithful to DynamoDB's guarantees that the caps rely on. S3 and SQS requests are not
locked (SQS long polls would otherwise hold everyone up).

`EMULATOR_FAULTS` switches on the faulty mode (emulator_faults.py): conflicts, lost answers,
throttling and duplicate messages, as the cloud has them.
"""

import sys
import threading

from moto.server import DomainDispatcherApplication, MotoRequestHandler, create_backend_app
from werkzeug.serving import run_simple

import emulator_faults
import emulator_speed

emulator_speed.install()

_dynamodb_lock = threading.Lock()
_app = DomainDispatcherApplication(create_backend_app)


def apply_dynamodb(environ, start_response):
    with _dynamodb_lock:
        return list(_app(environ, start_response))


def plain(environ, start_response):
    if environ.get("HTTP_X_AMZ_TARGET", "").startswith("DynamoDB_"):
        return apply_dynamodb(environ, start_response)
    return _app(environ, start_response)


# With EMULATOR_FAULTS set, DynamoDB and SQS behave as in the cloud (infra/scripts/emulator_faults.py).
app = emulator_faults.wrap(plain, apply_dynamodb)


if __name__ == "__main__":
    host, port = sys.argv[1], int(sys.argv[2])
    run_simple(host, port, app, threaded=True, request_handler=MotoRequestHandler)
