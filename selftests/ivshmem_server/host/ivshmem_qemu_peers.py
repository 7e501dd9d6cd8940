#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-2.0
"""ivshmem_qemu_peers.py - dibs-ivshmem-server against QEMU's own
contrib/ivshmem-client (KTAP).  Two clients on a server with -n 2: each
gets its id and learns the other with both vectors (``dump``), a doorbell
``int PEER VECTOR`` of one reaches the other on that vector, a client that
leaves disappears from the other's peers.  The same cases run against
QEMU's contrib/ivshmem-server as the reference, when it is given.

    ivshmem_qemu_peers.py SERVER [QEMU_CLIENT [QEMU_SERVER]]

Without QEMU_CLIENT (or if it is not executable) every case is skipped
with the reason: QEMU's contrib programs are not packaged by Debian and
are built from QEMU's source (Documentation/ivshmem-server.rst).
"""

import os
import re
import subprocess
import sys
import tempfile
import time

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)),
                                "../../lib"))
from ktap import plan, result, skip, totals  # noqa: E402


def wait_for(pred, secs=5.0):
    end = time.monotonic() + secs
    while time.monotonic() < end:
        if pred():
            return True
        time.sleep(0.05)
    return pred()


class Client:
    """QEMU's ivshmem-client, its stdin a pipe, its stdout line-buffered."""

    def __init__(self, binary, sock, log):
        self.log = log
        self.out = open(log, "w")
        self.p = subprocess.Popen(["stdbuf", "-oL", binary, "-S", sock],
                                  stdin=subprocess.PIPE, stdout=self.out,
                                  stderr=subprocess.STDOUT, text=True)

    def text(self):
        with open(self.log) as f:
            return f.read()

    def cmd(self, line):
        self.p.stdin.write(line + "\n")
        self.p.stdin.flush()

    def dump(self):
        """Send ``dump``; return (our_id, {peer: vectors}) of its answer."""
        mark = len(self.text())
        self.cmd("dump")
        if not wait_for(lambda: self.text()[mark:].count("cmd> ") >= 1, 5):
            return None, {}
        ans = self.text()[mark:].split("cmd> ")[0]
        our = re.search(r"our_id = (-?\d+)", ans)
        peers, cur = {}, None
        for line in ans.splitlines():
            m = re.match(r"peer_id = (\d+)", line)
            if m:
                cur = int(m.group(1))
                peers[cur] = 0
            elif cur is not None and re.match(r"\s+vector \d+ is enabled", line):
                peers[cur] += 1
        return (int(our.group(1)) if our else None), peers

    def stop(self):
        if self.p.poll() is None:
            self.p.kill()
            self.p.wait()
        self.out.close()


def run(label, server_argv, client_bin, tmp):
    sock = os.path.join(tmp, f"{label}.sock")
    srv_log = open(os.path.join(tmp, f"{label}-server.log"), "w")
    srv = subprocess.Popen(server_argv + ["-S", sock], stdout=srv_log,
                           stderr=subprocess.STDOUT)
    clients = []
    try:
        if not wait_for(lambda: os.path.exists(sock), 5):
            result(False, f"{label}: server listens", "no socket after 5 s")
            return
        a = Client(client_bin, sock, os.path.join(tmp, f"{label}-a.log"))
        clients.append(a)
        ok = wait_for(lambda: "listen on server socket" in a.text(), 5)
        our_a, peers = a.dump() if ok else (None, {})
        result(ok and our_a == 0 and peers == {},
               f"{label}: client a connects, gets id 0, no peer",
               f"id {our_a}, peers {peers}")
        b = Client(client_bin, sock, os.path.join(tmp, f"{label}-b.log"))
        clients.append(b)
        wait_for(lambda: "listen on server socket" in b.text(), 5)
        our_b, peers_b = b.dump()
        result(our_b == 1 and peers_b == {0: 2},
               f"{label}: client b gets id 1 and peer 0 with 2 vectors",
               f"id {our_b}, peers {peers_b}")
        wait_for(lambda: a.dump()[1] == {1: 2}, 5)
        _, peers = a.dump()
        result(peers == {1: 2}, f"{label}: client a hears of peer 1 with 2 vectors",
               f"peers {peers}")
        for v in (0, 1):
            mark = len(b.text())
            a.cmd(f"int 1 {v}")
            want = f"receive notification from peer_id=1 vector={v}"
            ok = wait_for(lambda: want in b.text()[mark:], 5)
            result(ok, f"{label}: 'int 1 {v}' of client a reaches client b on vector {v}")
        mark = len(a.text())
        b.cmd("int 0 1")
        ok = wait_for(lambda: "receive notification from peer_id=0 vector=1" in a.text()[mark:], 5)
        result(ok, f"{label}: 'int 0 1' of client b reaches client a on vector 1")
        b.stop()
        clients.remove(b)
        ok = wait_for(lambda: a.dump()[1] == {}, 5)
        result(ok, f"{label}: client b leaves, client a forgets peer 1",
               f"peers {a.dump()[1]}")
        c = Client(client_bin, sock, os.path.join(tmp, f"{label}-c.log"))
        clients.append(c)
        wait_for(lambda: "listen on server socket" in c.text(), 5)
        our_c, peers_c = c.dump()
        result(our_c == 2 and peers_c == {0: 2},
               f"{label}: a third client gets id 2 and peer 0",
               f"id {our_c}, peers {peers_c}")
        result(srv.poll() is None, f"{label}: server still runs")
    finally:
        for c in clients:
            c.stop()
        srv.terminate()
        try:
            srv.wait(5)
        except subprocess.TimeoutExpired:
            srv.kill()
            srv.wait()
        srv_log.close()


def main():
    if len(sys.argv) < 2:
        print("usage: ivshmem_qemu_peers.py SERVER [QEMU_CLIENT [QEMU_SERVER]]",
              file=sys.stderr)
        return 2
    server = sys.argv[1]
    client = sys.argv[2] if len(sys.argv) > 2 else ""
    qserver = sys.argv[3] if len(sys.argv) > 3 else ""
    plan(18)
    with tempfile.TemporaryDirectory(prefix="ivshmem-qemu-peers.") as tmp:
        # QEMU's command line, as for QEMU's server below.
        ours_shm = "ivshmem-qemu-peers-dibs-" + str(os.getpid())
        ours = [server, "-F", "-M", ours_shm, "-l", "4M", "-n", "2"]
        names = ["client a connects, gets id 0, no peer",
                 "client b gets id 1 and peer 0 with 2 vectors",
                 "client a hears of peer 1 with 2 vectors",
                 "'int 1 0' of client a reaches client b on vector 0",
                 "'int 1 1' of client a reaches client b on vector 1",
                 "'int 0 1' of client b reaches client a on vector 1",
                 "client b leaves, client a forgets peer 1",
                 "a third client gets id 2 and peer 0",
                 "server still runs"]
        if client and os.access(client, os.X_OK):
            run("dibs-ivshmem-server", ours, client, tmp)
            if os.path.exists("/dev/shm/" + ours_shm):
                os.unlink("/dev/shm/" + ours_shm)
        else:
            for n in names:
                skip("dibs-ivshmem-server: " + n,
                     "no QEMU contrib/ivshmem-client (QEMU_IVSHMEM_CLIENT)")
        if client and os.access(client, os.X_OK) and qserver and os.access(qserver, os.X_OK):
            shm = "ivshmem-qemu-peers-" + str(os.getpid())
            run("qemu ivshmem-server", [qserver, "-F", "-M", shm, "-l", "4M", "-n", "2"],
                client, tmp)
            if os.path.exists("/dev/shm/" + shm):
                os.unlink("/dev/shm/" + shm)
        else:
            for n in names:
                skip("qemu ivshmem-server: " + n,
                     "no QEMU contrib/ivshmem-client and ivshmem-server "
                     "(QEMU_IVSHMEM_CLIENT, QEMU_IVSHMEM_SERVER)")
    return totals()


if __name__ == "__main__":
    sys.exit(main())
