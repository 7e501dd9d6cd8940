#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-2.0
"""ivshmem_misbehave.py - dibs-ivshmem-server against misbehaving protocol
peers (KTAP), beside a well-behaved client ``a`` that must never be
disturbed: two processes that flood a connection with bytes (a newcomer
still gets its handshake at once, the flooder stays a peer), a client that
passes file descriptors to the server (they do not stay open in it), 50
clients that connect and close at once (each id joins, then leaves), a
client that shuts its sending side down (dropped like a closed one);
last, the server's exit sends no leave notices.  The cases the C client
of ivshmem_server_test.c covers (garbage and an early close, a client
that never reads, fd limits, id wrap) are not repeated here.

    ivshmem_misbehave.py SERVER
"""

import array
import multiprocessing as mp
import os
import socket
import struct
import subprocess
import sys
import tempfile
import time

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)),
                                "../../lib"))
from ktap import failed, plan, result, totals  # noqa: E402


def recv_msgs(s, n, timeout):
    """Up to n messages (value, number of fds) within timeout seconds."""
    out = []
    end = time.monotonic() + timeout
    while len(out) < n:
        left = end - time.monotonic()
        if left <= 0:
            break
        s.settimeout(left)
        try:
            data, anc, _, _ = s.recvmsg(8, socket.CMSG_SPACE(4 * 4))
        except (socket.timeout, OSError):
            break
        if len(data) < 8:
            break
        fds = array.array("i")
        for _, _, d in anc:
            fds.frombytes(d[:len(d) - len(d) % 4])
        for f in fds:
            os.close(f)
        out.append((struct.unpack("<q", data)[0], len(fds)))
    return out


def connect(path):
    s = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
    s.connect(path)
    return s


def handshake(path, nprev, timeout=2.0):
    """Connect; return (socket, id, messages) after version, id, shm,
    nprev peers' eventfds and its own."""
    s = connect(path)
    m = recv_msgs(s, 4 + nprev, timeout)
    ok = (len(m) == 4 + nprev and m[0] == (0, 0) and m[1][1] == 0 and
          m[2] == (-1, 1) and m[-1] == (m[1][0], 1))
    return s, (m[1][0] if ok else None), m


def flood(path, ready):
    s = connect(path)
    buf = b"\xa5" * 4096
    ready.set()
    while True:
        try:
            s.send(buf)
        except OSError:
            return


def nfds(pid):
    return len(os.listdir(f"/proc/{pid}/fd"))


def main():
    if len(sys.argv) != 2:
        print("usage: ivshmem_misbehave.py SERVER", file=sys.stderr)
        return 2
    plan(10)
    with tempfile.TemporaryDirectory(prefix="ivshmem-misbehave.") as tmp:
        path = os.path.join(tmp, "s")
        log = open(os.path.join(tmp, "server.log"), "w")
        srv = subprocess.Popen([sys.argv[1], "-F", "-v", "-S", path, "-f",
                                os.path.join(tmp, "shm"), "-l", "1M", "-n", "1"],
                               stdout=log, stderr=subprocess.STDOUT)
        t = time.monotonic() + 5
        while not os.path.exists(path) and time.monotonic() < t:
            time.sleep(0.02)
        a, aid, _ = handshake(path, 0)
        result(aid == 0, "client a: version, id 0, shm fd, its own eventfd")

        # Two processes flood one connection each.
        ctx = mp.get_context("fork")
        ev = [ctx.Event(), ctx.Event()]
        fl = [ctx.Process(target=flood, args=(path, e), daemon=True) for e in ev]
        for p in fl:
            p.start()
        ok = all(e.wait(5) for e in ev)
        joins = recv_msgs(a, 2, 3)
        ok &= joins == [(1, 1), (2, 1)]
        time.sleep(0.5)
        t0 = time.monotonic()
        c, cid, m = handshake(path, 3, 2.0)
        dt = time.monotonic() - t0
        result(ok and cid == 3, f"while two clients flood bytes: a newcomer's handshake ({dt:.2f} s)",
               f"joins {joins}, newcomer {m}")
        got = recv_msgs(a, 1, 2)
        result(got == [(3, 1)], "... client a hears of it", f"{got}")
        time.sleep(0.5)
        got = recv_msgs(a, 1, 0.3)
        result(got == [] and srv.poll() is None,
               "... the flooders are not dropped (what clients send is thrown away)", f"{got}")
        for p in fl:
            p.terminate()
            p.join()
        got = sorted(recv_msgs(a, 2, 3))
        result(got == [(1, 0), (2, 0)], "flooders gone: client a hears both leave", f"{got}")
        c.close()
        recv_msgs(a, 1, 2)

        # A client that passes file descriptors to the server.
        before = nfds(srv.pid)
        e, eid, _ = handshake(path, 1)
        recv_msgs(a, 1, 2)
        ok = eid is not None
        for _ in range(200):
            r, w = os.pipe()
            try:
                e.sendmsg([b"\0" * 8], [(socket.SOL_SOCKET, socket.SCM_RIGHTS,
                                         array.array("i", [r, w]))])
            except OSError:
                ok = False
            os.close(r)
            os.close(w)
        time.sleep(0.3)
        during = nfds(srv.pid)
        e.close()
        got = recv_msgs(a, 1, 2)
        time.sleep(0.2)
        after = nfds(srv.pid)
        result(ok and during == before + 2 and after == before and got == [(eid, 0)],
               f"a client that sends 400 fds: none stays open in the server ({before}, {during}, {after} fds)",
               f"left {got}")

        # 50 clients that connect and close at once.
        for _ in range(50):
            connect(path).close()
        got = recv_msgs(a, 100, 5)
        # Per id: its join (with the eventfd), then its leave (without).
        seq = {}
        for v, nfd in got:
            seq.setdefault(v, []).append(nfd)
        pairs = len(seq) == 50 and all(x == [1, 0] for x in seq.values())
        result(len(got) == 100 and pairs and srv.poll() is None,
               "50 clients that connect and close at once: each joins, then leaves",
               f"{len(got)} messages")

        # A client that shuts its sending side down.
        h, hid, _ = handshake(path, 1)
        recv_msgs(a, 1, 2)
        h.shutdown(socket.SHUT_WR)
        got = recv_msgs(a, 1, 2)
        result(hid is not None and got == [(hid, 0)],
               "a client that shuts down its sending side is dropped, others hear it leave",
               f"{got}")
        h.close()

        # Client a is undisturbed: a newcomer sees it, it sees the newcomer.
        n, nid, m = handshake(path, 1)
        got = recv_msgs(a, 1, 2)
        result(nid is not None and m[3] == (0, 1) and got == [(nid, 1)] and srv.poll() is None,
               "after all that: a newcomer gets client a's eventfd, a hears of it")
        # The server's exit tells nobody that anybody left: QEMU's device
        # would close the eventfds of a peer said to leave, and the guests,
        # which keep running, could no longer ring each other.  (QEMU's
        # own ivshmem-server does send those notices on SIGTERM.)
        recv_msgs(n, 1, 0.2)
        srv.terminate()
        srv.wait(5)
        got = recv_msgs(a, 2, 1) + recv_msgs(n, 2, 1)
        result(got == [], "on SIGTERM the server sends no leave notices to the clients",
               f"{got}")
        n.close()
        a.close()
        log.close()
        if failed():
            with open(os.path.join(tmp, "server.log")) as f:
                for line in f.read().splitlines()[-30:]:
                    print("# server: " + line)
    return totals()


if __name__ == "__main__":
    sys.exit(main())
