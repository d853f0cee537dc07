#!/usr/bin/env python3
"""The seed's server, as its guide describes it: http.server with socketserver.ThreadingMixIn,
a MockAPIHandler serving /api/health and an lru_cache(maxsize=1000) exchange-rate lookup.
Standard library only; it logs every request to stderr as the seed's handler does (the bench
sends that to /dev/null). bench/server.sh measures it next to tierbench and nginx.

usage: seed_server.py [PORT]   (default 9000; 0 picks a free port, printed on stdout)
"""
import functools
import http.server
import json
import socketserver
import sys
from urllib.parse import parse_qs, urlparse

RATES = {"USD": 1.0, "KRW": 1380.5, "EUR": 0.92, "JPY": 151.3, "GBP": 0.79, "CNY": 7.24}
HEALTH = b'{"status":"ok","service":"tierbench"}'


@functools.lru_cache(maxsize=1000)
def get_exchange_rate(base, quote):
    return RATES[quote] / RATES[base]


class MockAPIHandler(http.server.SimpleHTTPRequestHandler):
    def send_json(self, status, body):
        self.send_response(status)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def do_GET(self):
        url = urlparse(self.path)
        if url.path == "/api/health":
            self.send_json(200, HEALTH)
        elif url.path == "/api/exchange-rate":
            q = parse_qs(url.query)
            base, quote = q.get("base", [""])[0], q.get("quote", [""])[0]
            if base not in RATES or quote not in RATES:
                self.send_json(400, b'{"error":"unknown currency"}')
                return
            rate = get_exchange_rate(base, quote)
            self.send_json(200, json.dumps({"base": base, "quote": quote, "rate": rate}).encode())
        else:
            super().do_GET()


class ThreadedHTTPServer(socketserver.ThreadingMixIn, http.server.HTTPServer):
    daemon_threads = True


def main():
    port = int(sys.argv[1]) if len(sys.argv) > 1 else 9000
    server = ThreadedHTTPServer(("127.0.0.1", port), MockAPIHandler)
    print(server.server_address[1], flush=True)
    try:
        server.serve_forever()
    except KeyboardInterrupt:
        pass


if __name__ == "__main__":
    main()
