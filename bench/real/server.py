# SPDX-License-Identifier: MIT
"""bench/real/server.py — a server-style real program on loopback.

Run as: PYTHONMALLOC=malloc python3 server.py N   (N requests in all)

Python's standard-library HTTP server (http.server.ThreadingHTTPServer:
one new thread per connection, as many small servers are written) on
127.0.0.1 with an ephemeral port, serving JSON built per request from a
small in-memory table; 4 client threads in the same process send N
requests, a new connection each (so the server starts and ends a thread
per request), parse the replies and check them.  Every Python object
goes through malloc/free (PYTHONMALLOC=malloc): request parsing, header
dicts, JSON building, thread start and exit, socket buffers, and blocks
freed by a thread other than the one that allocated them (the reply
built by a server thread is consumed by a client thread).  Prints a
checksum that does not depend on the allocator; exits 1 on a wrong or
failed reply.  Needs nothing but python3 and a loopback interface.
"""
import http.client
import http.server
import json
import sys
import threading

N = int(sys.argv[1]) if len(sys.argv) > 1 else 2000
CLIENTS = 4

TABLE = {
    "k%04d" % i: {"id": i, "name": "item-%d" % i, "tags": ["t%d" % (i % 7), "u%d" % (i % 11)],
                  "price": (i * 37) % 1000 / 10.0}
    for i in range(1000)
}


class Handler(http.server.BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.0"

    def do_GET(self):
        try:
            start = int(self.path.rsplit("/", 1)[1])
        except ValueError:
            self.send_error(400)
            return
        keys = ["k%04d" % ((start + j * 13) % 1000) for j in range(20)]
        body = json.dumps({"start": start, "items": [TABLE[k] for k in keys]}).encode()
        self.send_response(200)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def log_message(self, *args):
        pass


def client(port, first, count, out, errors):
    total = 0
    for r in range(first, first + count):
        conn = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
        try:
            conn.request("GET", "/items/%d" % r)
            resp = conn.getresponse()
            data = json.loads(resp.read())
            if resp.status != 200 or data["start"] != r or len(data["items"]) != 20:
                errors.append("bad reply to request %d" % r)
                return
            total += sum(item["id"] for item in data["items"])
        except OSError as e:
            errors.append("request %d: %s" % (r, e))
            return
        finally:
            conn.close()
    out.append(total)


def main():
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    server.daemon_threads = True
    port = server.server_address[1]
    serving = threading.Thread(target=server.serve_forever, kwargs={"poll_interval": 0.05})
    serving.start()
    out, errors = [], []
    per = N // CLIENTS
    threads = [threading.Thread(target=client, args=(port, c * per, per, out, errors))
               for c in range(CLIENTS)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    server.shutdown()
    serving.join()
    server.server_close()
    if errors or len(out) != CLIENTS:
        print("server: %s" % (errors[0] if errors else "a client died"), file=sys.stderr)
        sys.exit(1)
    print("requests %d checksum %d" % (per * CLIENTS, sum(out)))


if __name__ == "__main__":
    main()
