"""Cold-start figures (`make cold-start`): how long each function's bootstrap takes from its start
to its first `GET /runtime/invocation/next` (Lambda's init phase: configuration, secrets, data
key, clients), against a bare Lambda (infra/size-floor) built the same way.

Each binary (the `deploy` profile, for this machine) is started N times in production mode
(`APP_ENV=production`, secrets read from the emulator's Secrets Manager under a prefix of its own)
against a stand-in of Lambda's runtime API on loopback that notes the first poll and answers
nothing; the process is then stopped. The emulator is on loopback too, so a region's Secrets
Manager round trip (10-20 ms more per secret group read) is not in these figures: what is compared
is the work each init does, and the number of secret groups it reads is printed beside it.

usage: python cold_start.py <target dir> <runs> <binary> [<binary> ...]   (the first is the yardstick)
Expects AWS_ENDPOINT_URL (the emulator) and credentials in the environment.
"""

import base64
import http.server
import json
import os
import statistics
import subprocess
import sys
import threading
import time

import boto3
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

PREFIX = "coldstart-"
# What each measured function reads at cold start (functions/src/registry.rs), to print beside it.
SECRET_GROUPS = {"size_floor": 0, "authorizer": 0, "sign_in": 2, "read_account": 0, "finish_passkey_sign_in": 2}


def provision():
    secrets = boto3.client("secretsmanager", region_name=os.environ.get("AWS_REGION", "us-east-1"))
    key = Ed25519PrivateKey.generate().private_bytes(
        serialization.Encoding.DER, serialization.PrivateFormat.PKCS8, serialization.NoEncryption()
    )
    private = serialization.load_der_private_key(key, None)
    public = private.public_key().public_bytes(serialization.Encoding.Raw, serialization.PublicFormat.Raw)
    values = {
        "TokenKeysSecret": {"current_kid": "cold-1", "current_key": base64.b64encode(key).decode()},
        "HashPepperSecret": {"pepper": base64.b64encode(os.urandom(48)).decode()},
    }
    for group, value in values.items():
        name = PREFIX + group
        try:
            secrets.create_secret(Name=name, SecretString=json.dumps(value))
        except secrets.exceptions.ResourceExistsException:
            secrets.put_secret_value(SecretId=name, SecretString=json.dumps(value))
    # The field-encryption data key, as production has it: a KMS ciphertext the functions with
    # `data_key: true` decrypt once at cold start (one more round trip).
    kms = boto3.client("kms", region_name=os.environ.get("AWS_REGION", "us-east-1"))
    key_id = kms.create_key()["KeyMetadata"]["KeyId"]
    data_key = kms.generate_data_key(KeyId=key_id, KeySpec="AES_256")["CiphertextBlob"]
    return "cold-1:" + base64.urlsafe_b64encode(public).decode().rstrip("="), base64.b64encode(data_key).decode()


class Runtime(http.server.BaseHTTPRequestHandler):
    """Lambda's runtime API, as far as a cold start goes: the first poll is noted, never answered."""

    polled = threading.Event()

    def do_GET(self):
        if self.path.endswith("/runtime/invocation/next"):
            Runtime.polled.set()
            time.sleep(5)  # hold the poll; the process is stopped meanwhile

    def log_message(self, *args):
        pass


def environment(port, public_keys, data_key):
    endpoint = os.environ["AWS_ENDPOINT_URL"]
    env = dict(os.environ)
    env.update(
        {
            "AWS_LAMBDA_RUNTIME_API": f"127.0.0.1:{port}",
            "AWS_LAMBDA_FUNCTION_NAME": "cold-start",
            "AWS_LAMBDA_FUNCTION_MEMORY_SIZE": "256",
            "AWS_LAMBDA_FUNCTION_VERSION": "$LATEST",
            "AWS_LAMBDA_LOG_STREAM_NAME": "cold",
            "AWS_LAMBDA_LOG_GROUP_NAME": "cold",
            "AWS_LAMBDA_LOG_LEVEL": "ERROR",
            "APP_ENV": "production",
            "ACCOUNTS_TABLE": "AccountsTable",
            "SESSIONS_TABLE": "SessionsTable",
            "FLOWS_TABLE": "FlowsTable",
            "OUTBOX_QUEUE_URL": f"{endpoint}/000000000000/OutboxQueue",
            "REVIEW_QUEUE_URL": f"{endpoint}/000000000000/ReviewQueue",
            "EXPIRY_QUEUE_URL": f"{endpoint}/000000000000/ExpiryQueue",
            "RECOVERY_QUEUE_URL": f"{endpoint}/000000000000/RecoveryQueue",
            "UPLOADS_BUCKET": "uploadsbucket",
            "COGNITO_ENDPOINT": endpoint + "/",
            "STAFF_USER_POOL_ID": "none",
            "STAFF_CLIENT_ID": "none",
            "SECRET_NAME_PREFIX": PREFIX,
            "DATA_KEY_CIPHERTEXT": data_key,
            "TOKEN_PUBLIC_KEYS": public_keys,
        }
    )
    for party in ["SMS", "EMAIL", "FACE", "BANK_CARD", "RESOURCES", "REGISTRY", "PAYOUT", "RISK"]:
        env[f"{party}_ENDPOINT"] = "https://provider.invalid/"
    return env


def init_ms(binary, env):
    Runtime.polled.clear()
    started = time.perf_counter()
    process = subprocess.Popen([binary], env=env, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    polled = Runtime.polled.wait(timeout=10)
    elapsed = (time.perf_counter() - started) * 1000
    process.kill()
    _, err = process.communicate()
    if not polled:
        raise SystemExit(f"{binary} never polled the runtime API: {err.decode(errors='replace')[-2000:]}")
    return elapsed


def main():
    target, runs, binaries = sys.argv[1], int(sys.argv[2]), sys.argv[3:]
    public_keys, data_key = provision()
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Runtime)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    env = environment(server.server_address[1], public_keys, data_key)
    print(f"init time, start to first poll of the runtime API ({runs} cold starts each, ms):")
    floor = None
    for name in binaries:
        path = os.path.join(target, name)
        init_ms(path, env)  # the first start also pays the page cache
        times = sorted(init_ms(path, env) for _ in range(runs))
        median = statistics.median(times)
        floor = floor or median
        print(
            f"  {name:<24} median {median:6.1f}  min {times[0]:6.1f}  max {times[-1]:6.1f}"
            f"  x{median / floor:4.2f} of {binaries[0]}  secret groups read: {SECRET_GROUPS.get(name, '?')}"
        )
    server.shutdown()


if __name__ == "__main__":
    main()
