# A stand-in for kube-apiserver, for tests/integration/k8s_kubectl.sh:
# TLS on ADDR:PORT with CERT and KEY, client certificates required and
# verified against CA; GET /version answers JSON with the client
# certificate's CN and O as the server saw them.  Writes READY once it
# listens.  Loopback only.  CERT, KEY and CA are read again for each new
# connection, as kube-apiserver reloads its serving certificate and its
# --client-ca-file when they change (tests/integration/rotate_ca_k8s.sh
# rotates them under it).
import http.server
import json
import ssl
import sys

addr, port, cert, key, ca, ready = sys.argv[1:7]


class Handler(http.server.BaseHTTPRequestHandler):
    def do_GET(self):
        subject = dict(x[0] for x in self.connection.getpeercert()["subject"])
        body = json.dumps({
            "major": "1", "minor": "31", "gitVersion": "v1.31.0-kiln-stub",
            "clientCN": subject.get("commonName", ""),
            "clientO": subject.get("organizationName", ""),
        }).encode()
        self.send_response(200 if self.path == "/version" else 404)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def log_message(self, *args):
        pass


def context():
    ctx = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
    ctx.load_cert_chain(cert, key)
    ctx.load_verify_locations(ca)
    ctx.verify_mode = ssl.CERT_REQUIRED
    return ctx


class Server(http.server.HTTPServer):
    def get_request(self):
        conn, peer = self.socket.accept()
        try:
            return context().wrap_socket(conn, server_side=True), peer
        except (OSError, ssl.SSLError) as e:
            # The test reads why: a client certificate refused shows
            # as "certificate verify failed" here, whatever the client
            # makes of the closed connection.
            sys.stderr.write("refused %s: %s\n" % (peer[0], e))
            sys.stderr.flush()
            conn.close()
            raise


context()  # the files are good before READY
server = Server((addr, int(port)), Handler)
with open(ready, "w") as f:
    f.write("ready\n")
server.serve_forever()
