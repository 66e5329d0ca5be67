"""A local SMS gateway that speaks the HTTP gateway protocol, for tests and the benchmark.

It checks each request's signature (401 when wrong), de-duplicates on the
Idempotency-Key, and counts what it accepted, so a test or the benchmark can
tell whether any patient got a message twice. ``/aliyun`` records form
requests in the Alibaba Cloud shape and answers like that service.
"""

import json
import sys
import threading
import time
from collections import Counter
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from urllib.parse import parse_qsl

from huifang.messaging.backends.http_gateway import (
    SIGNATURE_HEADER,
    TIMESTAMP_HEADER,
    signature_valid,
)


class _Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    disable_nagle_algorithm = True  # headers and body go out as separate writes
    server: "_Server"

    def log_message(self, format, *args):  # quiet: bodies carry (test) patient data
        pass

    def _answer(self, status: int, payload: dict) -> None:
        body = json.dumps(payload).encode()
        self.send_response(status)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def do_GET(self):
        if self.path != "/stats":
            self._answer(404, {"error": "not found"})
            return
        self._answer(200, self.server.gateway.stats())

    def do_POST(self):
        length = int(self.headers.get("Content-Length") or 0)
        body = self.rfile.read(length)
        if len(body) < length:  # the sender died half-way through the request
            self.close_connection = True
            return
        gateway: GatewayServer = self.server.gateway
        if self.path.startswith("/aliyun"):
            params = dict(parse_qsl(body.decode()))
            with gateway.lock:
                gateway.aliyun_requests.append(params)
            self._answer(200, {"Code": "OK", "BizId": f"biz-{len(gateway.aliyun_requests)}"})
            return
        if gateway.fail_next:
            with gateway.lock:
                gateway.fail_next -= 1
            self._answer(503, {"error": "busy"})
            return
        if not signature_valid(
            gateway.secret,
            self.headers.get(TIMESTAMP_HEADER, ""),
            body,
            self.headers.get(SIGNATURE_HEADER, ""),
        ):
            with gateway.lock:
                gateway.rejected += 1
            self._answer(401, {"error": "bad signature"})
            return
        payload = json.loads(body)
        key = self.headers.get("Idempotency-Key") or payload.get("id")
        with gateway.lock:
            gateway.requests[key] += 1
            if key not in gateway.accepted:
                gateway.accepted[key] = payload
                gateway.ids[key] = f"gw-{len(gateway.accepted)}"
            provider_id = gateway.ids[key]
        self._answer(200, {"id": provider_id})


class _Server(ThreadingHTTPServer):
    daemon_threads = True
    gateway: "GatewayServer"

    def handle_error(self, request, client_address):
        # A sender killed mid-request resets its connection: expected, not an error.
        if isinstance(sys.exc_info()[1], ConnectionError):
            return
        super().handle_error(request, client_address)


class GatewayServer:
    """``with GatewayServer(secret) as gw:`` serves on ``gw.url`` (an ephemeral port)."""

    def __init__(self, secret: str = "gateway-secret", host: str = "127.0.0.1", port: int = 0):  # noqa: S107
        self.secret = secret
        self.lock = threading.Lock()
        self.accepted: dict[str, dict] = {}
        self.ids: dict[str, str] = {}
        self.requests: Counter = Counter()
        self.aliyun_requests: list[dict] = []
        self.rejected = 0
        self.fail_next = 0
        self._server = _Server((host, port), _Handler)
        self._server.gateway = self
        self._thread: threading.Thread | None = None

    @property
    def url(self) -> str:
        host, port = self._server.server_address[:2]
        return f"http://{host}:{port}/send"

    @property
    def duplicates(self) -> int:
        """Requests for a key already accepted (each one de-duplicated here, not delivered)."""
        return sum(count - 1 for count in self.requests.values() if count > 1)

    def stats(self) -> dict:
        with self.lock:
            tos = [payload.get("to") for payload in self.accepted.values()]
            return {
                "accepted": len(self.accepted),
                "requests": sum(self.requests.values()),
                "duplicates": self.duplicates,
                "rejected": self.rejected,
                # Different keys to the same number: a patient texted twice.
                "numbers_texted_twice": len(tos) - len(set(tos)),
            }

    def start(self) -> "GatewayServer":
        self._thread = threading.Thread(target=self._server.serve_forever, daemon=True)
        self._thread.start()
        return self

    def stop(self) -> None:
        self._server.shutdown()
        self._server.server_close()

    def __enter__(self) -> "GatewayServer":
        return self.start()

    def __exit__(self, *exc) -> None:
        self.stop()


def gateway_main() -> None:
    """``python -m huifang.messaging.testing PORT SECRET``: serve until killed
    (counts at ``GET /stats``)."""
    port, secret = int(sys.argv[1]), sys.argv[2]
    gateway = GatewayServer(secret, port=port).start()
    print(json.dumps({"url": gateway.url}), flush=True)
    while True:
        time.sleep(60)


if __name__ == "__main__":
    gateway_main()
