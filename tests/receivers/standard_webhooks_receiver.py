"""A webhook receiver for Onramp's end-to-end tests (issue 12, item 2), verifying every delivery
with the Standard Webhooks project's own Python library (`standardwebhooks` on PyPI), not with
Onramp's code.

Usage: python3 standard_webhooks_receiver.py  -> prints "PORT <n>" once listening on 127.0.0.1.

Paths (the last segment names the endpoint):
  POST /hooks/<name>        a delivery; what it answers depends on <name>'s prefix:
                              healthy*  200
                              flaky*    500 the first time a webhook-id is seen, then 200
                              gone*     410
                              dead*     hangs for 60 s (longer than any delivery timeout)
  POST /_secrets/<name>     the body is the endpoint's whsec_ secret (the last one set verifies)
  GET  /_received/<name>    JSON list of the deliveries answered 2xx:
                              [{"id", "verified", "signatures", "at", "event"}], in arrival
                              order (`at`: seconds on the receiver's monotonic clock)
  GET  /_attempts/<name>    JSON list of every delivery's webhook-id and answered status
"""

import json
import sys
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

from standardwebhooks.webhooks import Webhook, WebhookVerificationError

LOCK = threading.Lock()
SECRETS = {}
RECEIVED = {}
ATTEMPTS = {}
SEEN = set()


class Handler(BaseHTTPRequestHandler):
    def log_message(self, *args):
        pass

    def _answer(self, status, body=b""):
        self.send_response(status)
        self.send_header("content-type", "application/json")
        self.send_header("content-length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def do_GET(self):
        kind, _, name = self.path.strip("/").partition("/")
        with LOCK:
            table = {"_received": RECEIVED, "_attempts": ATTEMPTS}.get(kind)
            if table is None:
                return self._answer(404)
            body = json.dumps(table.get(name, [])).encode()
        self._answer(200, body)

    def do_POST(self):
        length = int(self.headers.get("content-length", "0"))
        body = self.rfile.read(length)
        kind, _, name = self.path.strip("/").partition("/")
        if kind == "_secrets":
            with LOCK:
                SECRETS[name] = body.decode()
            return self._answer(204)
        if kind != "hooks":
            return self._answer(404)
        headers = {k.lower(): v for k, v in self.headers.items()}
        message_id = headers.get("webhook-id", "")
        with LOCK:
            secret = SECRETS.get(name)
        verified = False
        if secret is not None:
            try:
                Webhook(secret).verify(body, headers)
                verified = True
            except WebhookVerificationError:
                verified = False
        if name.startswith("dead"):
            status = None
        elif name.startswith("gone"):
            status = 410
        elif name.startswith("flaky"):
            with LOCK:
                first = (name, message_id) not in SEEN
                SEEN.add((name, message_id))
            status = 500 if first else 200
        else:
            status = 200
        with LOCK:
            ATTEMPTS.setdefault(name, []).append({"id": message_id, "status": status})
            if status is not None and 200 <= status < 300:
                RECEIVED.setdefault(name, []).append(
                    {
                        "id": message_id,
                        "verified": verified,
                        "signatures": len(headers.get("webhook-signature", "").split()),
                        "at": time.monotonic(),
                        "event": json.loads(body),
                    }
                )
        if status is None:
            time.sleep(60)
            return
        self._answer(status, b'{"ok": true}' if status < 300 else b'{"error": "try again"}')


def main():
    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    server.daemon_threads = True
    print(f"PORT {server.server_address[1]}", flush=True)
    server.serve_forever()


if __name__ == "__main__":
    sys.exit(main())
