#!/usr/bin/env python3
"""A slow HTTP proxy in front of a test registry: blob GETs are sent in small chunks with a
pause between them (about DELAY seconds in all), so a pull stays in its download phase.
usage: slowproxy.py UPSTREAM(host:port) PORTFILE DELAY"""
import http.client
import http.server
import sys
import time

UP, PORTFILE, DELAY = sys.argv[1], sys.argv[2], float(sys.argv[3])
HOP = {"connection", "keep-alive", "transfer-encoding", "te", "trailer", "upgrade"}


class H(http.server.BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.0"

    def log_message(self, *a):
        pass

    def relay(self):
        n = int(self.headers.get("Content-Length") or 0)
        body = self.rfile.read(n) if n else None
        c = http.client.HTTPConnection(UP, timeout=120)
        hdrs = {k: v for k, v in self.headers.items() if k.lower() not in HOP}
        c.request(self.command, self.path, body=body, headers=hdrs)
        r = c.getresponse()
        data = r.read()
        self.send_response(r.status)
        for k, v in r.getheaders():
            if k.lower() not in HOP and k.lower() != "content-length":
                self.send_header(k, v)
        self.send_header("Content-Length", str(len(data)))
        self.end_headers()
        if self.command == "HEAD":
            return
        slow = self.command == "GET" and "/blobs/" in self.path and r.status == 200
        if not slow:
            self.wfile.write(data)
            return
        chunks = 20
        step = max(1, (len(data) + chunks - 1) // chunks)
        for i in range(0, len(data), step):
            self.wfile.write(data[i:i + step])
            self.wfile.flush()
            time.sleep(DELAY / chunks)

    do_GET = do_HEAD = do_POST = do_PUT = do_PATCH = do_DELETE = relay


s = http.server.ThreadingHTTPServer(("127.0.0.1", 0), H)
with open(PORTFILE + ".tmp", "w") as f:
    f.write(str(s.server_address[1]))
import os
os.rename(PORTFILE + ".tmp", PORTFILE)
s.serve_forever()
