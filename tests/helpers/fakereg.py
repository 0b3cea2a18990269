#!/usr/bin/env python3
"""A hostile registry on 127.0.0.1 for the attack tests of `pull --all-tags`: /v2/ answers 200,
a tag list is forged by MODE, everything else is 404. Every request path is appended to LOG.
  otherrepo  the tag list names another repository ("other/repo")
  badtag     the tag list holds tags with path characters ("../../x", "a/b", "x@y")
usage: fakereg.py PORTFILE LOG MODE"""
import http.server
import json
import os
import sys

PORTFILE, LOG, MODE = sys.argv[1], sys.argv[2], sys.argv[3]


class H(http.server.BaseHTTPRequestHandler):
    def log_message(self, *a):
        pass

    def answer(self, code, body=b"", ctype="application/json"):
        self.send_response(code)
        self.send_header("Content-Type", ctype)
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        if self.command != "HEAD":
            self.wfile.write(body)

    def do_GET(self):
        with open(LOG, "a") as f:
            f.write(self.command + " " + self.path + "\n")
        path = self.path.split("?")[0]
        if path == "/v2/":
            return self.answer(200, b"{}")
        if path.endswith("/tags/list"):
            repo = path[len("/v2/"):-len("/tags/list")]
            if MODE == "otherrepo":
                doc = {"name": "other/repo", "tags": ["1", "2"]}
            else:
                doc = {"name": repo, "tags": ["1", "../../x", "a/b", "x@y"]}
            return self.answer(200, json.dumps(doc).encode())
        return self.answer(404, b'{"errors":[{"code":"MANIFEST_UNKNOWN","message":"no"}]}')

    do_HEAD = do_GET


s = http.server.HTTPServer(("127.0.0.1", 0), H)
with open(PORTFILE + ".tmp", "w") as f:
    f.write(str(s.server_address[1]))
os.rename(PORTFILE + ".tmp", PORTFILE)
s.serve_forever()
