"""The emulator's faulty mode: DynamoDB and SQS as they behave in the cloud, not one request at a
time and never failing. Switched on by `EMULATOR_FAULTS` (a comma-separated list; empty or unset:
off), e.g. `EMULATOR_FAULTS=conflicts,lost=0.05,throttle=0.02,seed=7`:

- `conflicts`: a `TransactWriteItems` is in flight for a few milliseconds before it is applied;
  another transaction naming one of its items meanwhile is cancelled (`TransactionCanceledException`,
  reason `TransactionConflict` at that item), a `PutItem`/`UpdateItem`/`DeleteItem` of such an item
  gets `TransactionConflictException`.
- `lost=P`: a write (DynamoDB `PutItem`, `UpdateItem`, `DeleteItem`, `BatchWriteItem`,
  `TransactWriteItems`; SQS `SendMessage`, `SendMessageBatch`) is applied and then answered `500`
  with probability P, as when the answer is lost on the way back: the SDK sends it again.
- `throttle=P`: a DynamoDB request is refused with `ProvisionedThroughputExceededException` before
  it is applied, with probability P.
- `dup=P`: an SQS message is sent twice with probability P (SQS delivers at least once).
- `redeliver=P`: an SQS `DeleteMessage` answers success but the message is not deleted and is
  visible again at once, with probability P (a worker's batch processed, then its deletion lost).
- `seed=N`: the faults' random choices (default 1), so a run replays (up to thread scheduling).

As DynamoDB does, a `TransactWriteItems` with a `ClientRequestToken` it already applied within
10 minutes is answered with its first answer without being applied again (a different request with
the same token: `IdempotentParameterMismatchException`; the same token while its first request is
still being applied: `TransactionInProgressException`). Moto ignores the token, so the emulator
keeps it, with faults or without (a lost answer is not only a fault of this mode: a connection that
breaks under load has the SDK send a transaction again too), and the SDK's retries of a lost answer
are as safe here as in the cloud.

`GET /_faults` answers the faults injected so far, by kind (the fault suite prints them).
"""

import collections
import io
import json
import os
import random
import threading
import time

IDEMPOTENCY_WINDOW_S = 600
IN_FLIGHT_S = (0.002, 0.012)
DYNAMO_WRITES = {"PutItem", "UpdateItem", "DeleteItem", "BatchWriteItem", "TransactWriteItems"}
SINGLE_WRITES = {"PutItem", "UpdateItem", "DeleteItem"}
SQS_SENDS = {"SendMessage", "SendMessageBatch"}
DYNAMO_ERROR = "com.amazonaws.dynamodb.v20120810#"


class Settings:
    def __init__(self, spec):
        self.conflicts = False
        self.lost = self.throttle = self.dup = self.redeliver = 0.0
        self.seed = 1
        for part in filter(None, (p.strip() for p in spec.split(","))):
            name, _, value = part.partition("=")
            if name == "conflicts":
                self.conflicts = True
            elif name in ("lost", "throttle", "dup", "redeliver"):
                setattr(self, name, float(value))
            elif name == "seed":
                self.seed = int(value)
            else:
                raise SystemExit(f"EMULATOR_FAULTS: unknown fault {name!r}")


def _call(app, environ):
    """Calls the wrapped WSGI app: (status, headers, body bytes)."""
    answer = {}

    def start_response(status, headers, exc_info=None):
        answer["status"], answer["headers"] = status, headers
        return lambda _data: None

    body = b"".join(app(environ, start_response))
    return answer["status"], answer["headers"], body


def _json_answer(start_response, status, body, content_type="application/x-amz-json-1.0"):
    data = json.dumps(body).encode()
    start_response(status, [("Content-Type", content_type), ("Content-Length", str(len(data)))])
    return [data]


def _with_body(environ, body):
    copy = dict(environ)
    copy["wsgi.input"] = io.BytesIO(body)
    copy["CONTENT_LENGTH"] = str(len(body))
    return copy


def _item_key(table, attrs):
    return (table, json.dumps(attrs.get("pk"), sort_keys=True))


def _transaction_keys(request):
    keys = []
    for entry in request.get("TransactItems", []):
        for kind, part in entry.items():
            attrs = part.get("Item") if kind == "Put" else part.get("Key")
            keys.append(_item_key(part.get("TableName"), attrs or {}))
    return keys


class FaultyEmulator:
    """WSGI middleware over moto's app; `apply_dynamodb(environ, start_response)` applies one
    DynamoDB request (under the emulator's lock)."""

    def __init__(self, settings, app, apply_dynamodb):
        self.settings = settings
        self.app = app
        self.apply_dynamodb = apply_dynamodb
        self.rng = random.Random(settings.seed)
        self.lock = threading.Lock()
        self.in_flight = {}
        self.tokens = {}
        # The tokens in the order they were kept, so the expired ones go from the front (not by
        # rebuilding the whole map on every transaction: a test run keeps tens of thousands).
        self.token_times = collections.deque()
        self.pending = set()
        self.counts = {}

    def roll(self, p):
        with self.lock:
            return p > 0 and self.rng.random() < p

    def count(self, what):
        with self.lock:
            self.counts[what] = self.counts.get(what, 0) + 1

    def __call__(self, environ, start_response):
        if environ.get("PATH_INFO") == "/_faults":
            with self.lock:
                return _json_answer(start_response, "200 OK", dict(self.counts), "application/json")
        target = environ.get("HTTP_X_AMZ_TARGET", "")
        if target.startswith("DynamoDB_"):
            return self.dynamodb(environ, start_response, target.split(".", 1)[-1])
        if target.startswith("AmazonSQS."):
            return self.sqs(environ, start_response, target.split(".", 1)[-1])
        return self.app(environ, start_response)

    # ---- DynamoDB ---------------------------------------------------------------------------------

    def dynamodb(self, environ, start_response, operation):
        raw = environ["wsgi.input"].read(int(environ.get("CONTENT_LENGTH") or 0))
        environ = _with_body(environ, raw)
        if self.roll(self.settings.throttle):
            self.count("throttled")
            return _json_answer(start_response, "400 Bad Request", {
                "__type": DYNAMO_ERROR + "ProvisionedThroughputExceededException",
                "message": "The level of configured provisioned throughput for the table was exceeded (emulator fault)"})
        if operation not in DYNAMO_WRITES:
            return self.apply_dynamodb(environ, start_response)
        request = json.loads(raw or b"{}")
        if operation == "TransactWriteItems":
            status, headers, body = self.transaction(environ, request)
        else:
            status, headers, body = self.single_write(environ, request, operation)
        if status.startswith("200") and self.roll(self.settings.lost):
            self.count("lost_dynamodb_answers")
            return _json_answer(start_response, "500 Internal Server Error", {
                "__type": DYNAMO_ERROR + "InternalServerError", "message": "Internal server error (emulator fault: answer lost)"})
        start_response(status, headers)
        return [body]

    def single_write(self, environ, request, operation):
        if self.settings.conflicts and operation in SINGLE_WRITES:
            attrs = request.get("Item") if operation == "PutItem" else request.get("Key")
            with self.lock:
                busy = _item_key(request.get("TableName"), attrs or {}) in self.in_flight
            if busy:
                self.count("conflicts")
                data = json.dumps({"__type": DYNAMO_ERROR + "TransactionConflictException",
                                   "message": "Transaction is ongoing for the item"}).encode()
                return "400 Bad Request", [("Content-Type", "application/x-amz-json-1.0")], data
        return _call(self.apply_dynamodb, environ)

    def transaction(self, environ, request):
        token = request.get("ClientRequestToken")
        fingerprint = json.dumps(request, sort_keys=True)
        now = time.monotonic()
        if token:
            with self.lock:
                while self.token_times and now - self.token_times[0][0] >= IDEMPOTENCY_WINDOW_S:
                    _, expired = self.token_times.popleft()
                    if self.tokens.get(expired, (now,))[0] <= now - IDEMPOTENCY_WINDOW_S:
                        self.tokens.pop(expired, None)
                earlier = self.tokens.get(token)
            if earlier:
                if earlier[1] != fingerprint:
                    data = json.dumps({"__type": DYNAMO_ERROR + "IdempotentParameterMismatchException",
                                       "message": "The request uses the same client token as a previous, but non-identical request."}).encode()
                    return "400 Bad Request", [("Content-Type", "application/x-amz-json-1.0")], data
                self.count("repeated_tokens_answered")
                return earlier[2]
        if token:
            with self.lock:
                busy = token in self.pending
                self.pending.add(token)
            if busy:
                # As DynamoDB: the same token while its first request is still being applied.
                self.count("tokens_in_progress")
                data = json.dumps({"__type": DYNAMO_ERROR + "TransactionInProgressException",
                                   "message": "The transaction with the given request token is already in progress."}).encode()
                return "400 Bad Request", [("Content-Type", "application/x-amz-json-1.0")], data
        try:
            return self.apply_transaction(environ, request, token, fingerprint, now)
        finally:
            if token:
                with self.lock:
                    self.pending.discard(token)

    def apply_transaction(self, environ, request, token, fingerprint, now):
        keys = _transaction_keys(request)
        if self.settings.conflicts:
            with self.lock:
                clashes = [k in self.in_flight for k in keys]
                if not any(clashes):
                    for k in keys:
                        self.in_flight[k] = self.in_flight.get(k, 0) + 1
                hold = self.rng.uniform(*IN_FLIGHT_S)
            if any(clashes):
                self.count("conflicts")
                reasons = [{"Code": "TransactionConflict", "Message": "Transaction is ongoing for the item"}
                           if c else {"Code": "None"} for c in clashes]
                names = ", ".join(r["Code"] for r in reasons)
                data = json.dumps({"__type": DYNAMO_ERROR + "TransactionCanceledException",
                                   "Message": f"Transaction cancelled, please refer cancellation reasons for specific reasons [{names}]",
                                   "CancellationReasons": reasons}).encode()
                return "400 Bad Request", [("Content-Type", "application/x-amz-json-1.0")], data
            try:
                time.sleep(hold)
                answer = _call(self.apply_dynamodb, environ)
            finally:
                with self.lock:
                    for k in keys:
                        self.in_flight[k] -= 1
                        if not self.in_flight[k]:
                            del self.in_flight[k]
        else:
            answer = _call(self.apply_dynamodb, environ)
        if token and answer[0].startswith("200"):
            with self.lock:
                self.tokens[token] = (now, fingerprint, answer)
                self.token_times.append((now, token))
        return answer

    # ---- SQS --------------------------------------------------------------------------------------

    def sqs(self, environ, start_response, operation):
        raw = environ["wsgi.input"].read(int(environ.get("CONTENT_LENGTH") or 0))
        environ = _with_body(environ, raw)
        if operation == "DeleteMessage" and self.roll(self.settings.redeliver):
            self.count("sqs_deletions_lost")
            request = json.loads(raw or b"{}")
            request["VisibilityTimeout"] = 0
            changed = _with_body(environ, json.dumps(request).encode())
            changed["HTTP_X_AMZ_TARGET"] = "AmazonSQS.ChangeMessageVisibility"
            _call(self.app, changed)
            return _json_answer(start_response, "200 OK", {})
        status, headers, body = _call(self.app, environ)
        if operation in SQS_SENDS and status.startswith("200"):
            if self.roll(self.settings.dup):
                self.count("sqs_duplicates")
                _call(self.app, _with_body(environ, raw))
            if self.roll(self.settings.lost):
                self.count("lost_sqs_answers")
                return _json_answer(start_response, "500 Internal Server Error", {
                    "__type": "com.amazonaws.sqs#InternalError", "message": "emulator fault: answer lost"})
        start_response(status, headers)
        return [body]


def wrap(app, apply_dynamodb):
    """The emulator's app with the faults of `EMULATOR_FAULTS`; without any, it still answers a
    repeated transaction token as DynamoDB does."""
    return FaultyEmulator(Settings(os.environ.get("EMULATOR_FAULTS", "")), app, apply_dynamodb)
