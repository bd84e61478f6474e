"""A real S3-compatible server (moto_server, from PyPI) on 127.0.0.1 for the S3 tests.

The server checks credentials and IAM policies: the first four requests (an admin user, its
policy, its key) go unchecked, and everything after is signed. A second user has keys but
no permission at all, for the access-denied test.

Between flowlake and the server sits a small TCP relay that the tests can stop and start
again: to flowlake that is the S3 endpoint going away (connections refused or cut) and
coming back with its data intact, which a restarted moto would not keep.
"""

import os
import socket
import subprocess
import sys
import threading
import time
from pathlib import Path

import boto3
import pytest

ROOT = Path(__file__).resolve().parents[2]


def free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


class Relay:
    """Forwards 127.0.0.1:port to the server; records request lines; can be stopped."""

    def __init__(self, upstream):
        self.upstream = upstream
        self.port = free_port()
        self.requests = []
        # Cut a connection once this many bytes of responses went through it, `cuts`
        # times (a download that breaks mid-body); None: never.
        self.cut_after = None
        self.cuts = 0
        self._conns = []
        self._lock = threading.Lock()
        self._server = None
        self.start()

    def start(self):
        srv = socket.socket()
        srv.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        srv.bind(("127.0.0.1", self.port))
        srv.listen(64)
        self._server = srv
        threading.Thread(target=self._accept, args=(srv,), daemon=True).start()

    def stop(self):
        srv, self._server = self._server, None
        # shutdown() wakes the thread blocked in accept(); close() alone would leave the
        # socket accepting into its backlog, a black hole rather than a stopped server.
        try:
            srv.shutdown(socket.SHUT_RDWR)
        except OSError:
            pass
        srv.close()
        with self._lock:
            conns, self._conns = self._conns, []
        for c in conns:
            try:
                c.shutdown(socket.SHUT_RDWR)
            except OSError:
                pass
            c.close()

    def _accept(self, srv):
        while True:
            try:
                client, _ = srv.accept()
            except OSError:
                return
            try:
                up = socket.create_connection(("127.0.0.1", self.upstream))
            except OSError:
                client.close()
                continue
            with self._lock:
                self._conns += [client, up]
            threading.Thread(target=self._pipe, args=(client, up, True), daemon=True).start()
            threading.Thread(target=self._pipe, args=(up, client, False), daemon=True).start()

    def _pipe(self, src, dst, log):
        sent = 0
        try:
            while True:
                data = src.recv(65536)
                if not data:
                    break
                if log:
                    for line in data.split(b"\r\n"):
                        if line[:4] in (b"GET ", b"PUT ", b"POST", b"HEAD", b"DELE") or \
                                line.lower().startswith(b"range:"):
                            with self._lock:
                                self.requests.append(line.decode("latin-1"))
                elif self.cut_after is not None:
                    with self._lock:
                        cut = self.cuts > 0 and sent + len(data) > self.cut_after
                        if cut:
                            self.cuts -= 1
                    if cut:
                        dst.sendall(data[: max(self.cut_after - sent, 0)])
                        break
                sent += len(data)
                dst.sendall(data)
        except OSError:
            pass
        finally:
            for s in (src, dst):
                try:
                    s.shutdown(socket.SHUT_RDWR)
                except OSError:
                    pass


class S3:
    def __init__(self, endpoint, admin, denied):
        self.endpoint = endpoint
        self.admin = admin
        self.denied = denied

    def client(self, endpoint=None):
        return boto3.client(
            "s3",
            endpoint_url=endpoint or self.endpoint,
            aws_access_key_id=self.admin[0],
            aws_secret_access_key=self.admin[1],
            region_name="us-east-1",
        )

    def env(self, relay=None, keys=None):
        """The environment of a flowlake run against this server."""
        keys = keys or self.admin
        env = {
            k: v
            for k, v in os.environ.items()
            if not k.startswith("AWS_") and k != "FLOWLAKE_FAULT"
        }
        env.update(
            AWS_ACCESS_KEY_ID=keys[0],
            AWS_SECRET_ACCESS_KEY=keys[1],
            AWS_REGION="us-east-1",
            AWS_ENDPOINT_URL=f"http://127.0.0.1:{relay.port}" if relay else self.endpoint,
            # Never ask the (unreachable) instance metadata service.
            AWS_EC2_METADATA_DISABLED="true",
            # Keep failing runs short.
            FLOWLAKE_S3_RETRY_TIMEOUT="20",
            HOME=env.get("HOME", "/tmp"),
        )
        return env


@pytest.fixture(scope="session")
def s3(tmp_path_factory):
    port = free_port()
    log = tmp_path_factory.mktemp("moto") / "moto.log"
    env = dict(os.environ)
    env["INITIAL_NO_AUTH_ACTION_COUNT"] = "4"
    # Small listing pages, so every listing is paginated as on a big bucket.
    env["MOTO_S3_DEFAULT_MAX_KEYS"] = "7"
    # Multipart parts of 256 KiB (AWS's minimum is 5 MiB), so test-sized files are
    # uploaded in several parts.
    env["S3_UPLOAD_PART_MIN_SIZE"] = "262144"
    server = subprocess.Popen(
        [str(Path(sys.executable).parent / "moto_server"), "-H", "127.0.0.1", "-p", str(port)],
        stdout=log.open("w"),
        stderr=subprocess.STDOUT,
        env=env,
    )
    endpoint = f"http://127.0.0.1:{port}"
    deadline = time.monotonic() + 30
    while True:
        try:
            socket.create_connection(("127.0.0.1", port), timeout=1).close()
            break
        except OSError:
            if time.monotonic() > deadline or server.poll() is not None:
                raise RuntimeError(f"moto_server did not start: {log.read_text()}")
            time.sleep(0.1)
    iam = boto3.client(
        "iam",
        endpoint_url=endpoint,
        aws_access_key_id="setup",
        aws_secret_access_key="setup",
        region_name="us-east-1",
    )
    iam.create_user(UserName="admin")
    policy = iam.create_policy(
        PolicyName="all",
        PolicyDocument='{"Version": "2012-10-17", "Statement": [{"Effect": "Allow", "Action": "*", "Resource": "*"}]}',
    )
    iam.attach_user_policy(UserName="admin", PolicyArn=policy["Policy"]["Arn"])
    key = iam.create_access_key(UserName="admin")["AccessKey"]
    admin = (key["AccessKeyId"], key["SecretAccessKey"])
    iam = boto3.client(
        "iam",
        endpoint_url=endpoint,
        aws_access_key_id=admin[0],
        aws_secret_access_key=admin[1],
        region_name="us-east-1",
    )
    iam.create_user(UserName="nobody")
    key = iam.create_access_key(UserName="nobody")["AccessKey"]
    denied = (key["AccessKeyId"], key["SecretAccessKey"])
    yield S3(endpoint, admin, denied)
    server.terminate()
    server.wait(10)


@pytest.fixture
def relay(s3):
    r = Relay(int(s3.endpoint.rsplit(":", 1)[1]))
    yield r
    if r._server is not None:
        r.stop()
