#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-2.0
#
# vm_multi_host.py - host test of scripts/lib/vm-multi.py, the controller
# of the multi-guest runs, without QEMU: two fake guests (this script,
# started by the controller in place of QEMU) connect to its control and
# output sockets as QEMU's serial ports would and send the requests of a
# scripted run; each checks every answer.  Checks barriers, program
# scoping, put/get, abort of a barrier and of a get that cannot complete,
# the host actions (kill, scribble, server-restart, an unknown one), the
# result file.  A second run is killed from outside (SIGTERM, as a time
# limit or CI does): the controller must take the server, the hub and the
# guests with it.  KTAP; run by scripts/check (about 3 s).
#
#   selftests/multi/host/vm_multi_host.py [SERVER]
#       (default: dibs-ivshmem-server built from the tree in a scratch copy)

import json
import os
import socket
import subprocess
import sys
import tempfile
import time

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)),
                                "../../lib"))
from ktap import failed, plan, result, totals  # noqa: E402

ROOT = os.path.abspath(os.path.join(os.path.dirname(__file__), "..", "..", ".."))

# Each step: (request, expected answer prefix).  None: no request, sleep.
SCRIPT = {
    "a": [
        ("begin m/p1", "ok"),
        ("sync x", "ok"),
        ("put k@a va", "ok"),
        ("get k@b", "ok vb"),
        ("sync never", "abort"),          # b ends p1 without it
        ("end m/p1 0", "ok"),
        ("begin m/p2", "ok"),
        ("get k@b", "WAIT"),              # p2 cannot see p1's value...
        ("get ready@b", "ok 1"),          # b has reported all its answers
        ("host kill b", "ok"),
        ("sync y", "ok"),                 # b is gone: a alone
        ("get z@b", "abort"),
        ("host scribble 0 16", "ok"),
        ("host scribble 0 999999999", "error"),
        ("host server-restart", "ok"),
        ("host bogus", "error"),
        ("end m/p2 0", "ok"),
    ],
    "b": [
        ("begin m/p1", "ok"),
        ("sync x", "ok"),
        ("put k@b vb", "ok"),
        ("get k@a", "ok va"),
        ("end m/p1 0", "ok"),
        ("put k@b late", "ok"),           # ...but this one (p2 not begun)
        ("begin m/p2", "ok"),
        ("put k@b vb2", "ok"),            # the p2 value a waits for
        ("put ready@b 1", None),          # sent, not waited for: a kills b
        ("hang", ""),
    ],
    "h": [
        ("hang", ""),                     # the run that is killed
    ],
}


def fake_guest(role, ctl_path, out_path):
    def conn(path):
        for _ in range(200):
            try:
                s = socket.socket(socket.AF_UNIX)
                s.connect(path)
                return s
            except OSError:
                time.sleep(0.02)
        sys.exit(3)
    ctl, out = conn(ctl_path), conn(out_path)
    f = ctl.makefile("rw")
    for req, want in SCRIPT[role]:
        if req == "hang":
            out.sendall(b"hanging\n")
            time.sleep(60)
            sys.exit(4)
        f.write(req + "\n")
        f.flush()
        if want is None:
            continue
        if want == "WAIT":
            want = "ok vb2"
        ans = f.readline().strip()
        ok = ans.startswith(want)
        out.sendall(f"{'ok' if ok else 'BAD'} {req!r} -> {ans!r} (want {want!r})\n".encode())
    out.sendall(b"# dibs-init: done rc=0\n")
    sys.exit(0)


def alive(pid):
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    # a zombie is gone for this purpose
    with open(f"/proc/{pid}/stat") as f:
        return f.read().split(") ", 1)[1][0] != "Z"


def killed_run(tmp, server):
    """Start a run whose guest hangs, SIGTERM the controller, check that
    everything it started is gone."""
    d = f"{tmp}/killed"
    os.mkdir(d)
    hub = [sys.executable, "-c",
           "import os,socket,sys,time\n"
           "s=socket.socket(socket.AF_UNIX); s.bind(sys.argv[1]); s.listen(1)\n"
           "open(sys.argv[2],'w').write(str(os.getpid())); time.sleep(300)",
           f"{d}/hub.sock", f"{d}/hub.pid"]
    cfg = {
        "dir": d, "timeout": 60, "result": f"{d}/result.json",
        "server": [server, "-F", "-S", f"{d}/server.sock", "-f", f"{d}/shm", "-l", "4K"],
        "server_sock": f"{d}/server.sock", "shm": f"{d}/shm",
        "hub": hub, "hub_socks": [f"{d}/hub.sock"],
        "guests": {"h": {
            "argv": [sys.executable, os.path.abspath(__file__), "--guest", "h",
                     f"{d}/ctl-h.sock", f"{d}/out-h.sock"],
            "ctl": f"{d}/ctl-h.sock", "out_sock": f"{d}/out-h.sock",
            "out": f"{d}/h.out", "qemu_log": f"{d}/h.qemu.log"}},
    }
    with open(f"{d}/config.json", "w") as f:
        json.dump(cfg, f)
    ctl = subprocess.Popen([sys.executable, os.path.join(ROOT, "scripts/lib/vm-multi.py"),
                            f"{d}/config.json"], stdout=subprocess.PIPE,
                           stderr=subprocess.STDOUT, text=True)
    # until the guest hangs (it told the controller), at most 10 s
    for _ in range(200):
        if os.path.exists(f"{d}/h.out") and "hanging" in open(f"{d}/h.out").read():
            break
        time.sleep(0.05)
    ctl.terminate()
    try:
        out, _ = ctl.communicate(timeout=15)
    except subprocess.TimeoutExpired:
        ctl.kill()
        out, _ = ctl.communicate()
    pids = {}
    if os.path.exists(f"{d}/hub.pid"):
        pids["hub"] = int(open(f"{d}/hub.pid").read())
    for ln in out.splitlines():
        if "qemu pid " in ln:
            pids["guest"] = int(ln.rsplit(" ", 1)[1])
    srv = subprocess.run(["pgrep", "-f", f"{d}/server.sock"], capture_output=True, text=True)
    pids.update({f"server {p}": int(p) for p in srv.stdout.split()})
    time.sleep(0.5)
    left = [f"{k} ({p})" for k, p in pids.items() if alive(p)]
    for k, p in pids.items():
        if alive(p):
            os.kill(p, 9)
    if "hub" not in pids or "guest" not in pids:
        print(f"# killed run: hub or guest never started: {pids}")
        return False
    if left:
        print("# still running after the controller was killed: " + ", ".join(left))
    return not left


def main():
    if len(sys.argv) > 1 and sys.argv[1] == "--guest":
        fake_guest(*sys.argv[2:5])
    tmp = tempfile.mkdtemp(prefix="vm-multi-test.")
    if len(sys.argv) > 1:
        server = sys.argv[1]
    else:
        subprocess.run(["cp", "-a", os.path.join(ROOT, "dibs-ivshmem-server"),
                        os.path.join(ROOT, "VERSION"), tmp], check=True)
        subprocess.run(["rm", "-f", f"{tmp}/dibs-ivshmem-server/dibs-ivshmem-server"], check=True)
        if subprocess.run(["nice", "-n", "10", "make", "-s", "-C", f"{tmp}/dibs-ivshmem-server"],
                          stdout=subprocess.DEVNULL).returncode != 0:
            print("cannot build dibs-ivshmem-server\n0 passed, 1 failed")
            return 1
        server = f"{tmp}/dibs-ivshmem-server/dibs-ivshmem-server"
    guests = {}
    for r in ("a", "b"):
        guests[r] = {
            "argv": [sys.executable, os.path.abspath(__file__), "--guest", r,
                     f"{tmp}/ctl-{r}.sock", f"{tmp}/out-{r}.sock"],
            "ctl": f"{tmp}/ctl-{r}.sock", "out_sock": f"{tmp}/out-{r}.sock",
            "out": f"{tmp}/{r}.out", "qemu_log": f"{tmp}/{r}.qemu.log",
        }
    cfg = {
        "dir": tmp, "timeout": 30, "result": f"{tmp}/result.json",
        "server": [server, "-F", "-S", f"{tmp}/server.sock", "-f", f"{tmp}/shm", "-l", "4K"],
        "server_sock": f"{tmp}/server.sock", "shm": f"{tmp}/shm", "hub": None, "hub_socks": [],
        "guests": guests,
    }
    with open(f"{tmp}/config.json", "w") as f:
        json.dump(cfg, f)
    p = subprocess.run([sys.executable, os.path.join(ROOT, "scripts/lib/vm-multi.py"),
                        f"{tmp}/config.json"], capture_output=True, text=True)
    res = json.load(open(cfg["result"])) if os.path.exists(cfg["result"]) else {}
    out = {r: open(g["out"]).read().splitlines() if os.path.exists(g["out"]) else []
           for r, g in guests.items()}
    shm = open(cfg["shm"], "rb").read()
    slog = open(f"{tmp}/server.log").read()

    cases = []
    cases.append(("the controller exits 0, started everything", p.returncode == 0 and res.get("started")))
    for r in ("a", "b"):
        steps = [s for s in SCRIPT[r] if s[0] != "hang" and s[1] is not None]
        answers = [ln for ln in out[r] if ln.startswith(("ok ", "BAD "))]
        bad = [ln for ln in answers if ln.startswith("BAD")]
        for ln in bad:
            print("# " + ln)
        cases.append((f"guest {r}: every answer as expected ({len(steps)} requests)",
                      not bad and len(answers) == len(steps)))
    cases.append(("result: a exit 0, b killed on request",
                  res.get("end") == {"a": "exit 0", "b": "killed"} and res.get("killed") == ["b"]))
    cases.append(("scribble: the first 16 bytes random, the rest untouched",
                  len(shm) == 4096 and shm[:16] != bytes(16) and shm[16:] == bytes(4080)))
    cases.append(("server-restart: the server was started twice",
                  slog.count("listening on") == 2))
    cases.append(("killed from outside: no server, hub or guest outlives the controller",
                  killed_run(tmp, server)))
    plan(len(cases))
    for name, ok in cases:
        result(ok, name)
    if failed():
        print("# controller output:")
        for ln in (p.stdout + p.stderr).splitlines():
            print("#   " + ln)
    subprocess.run(["rm", "-rf", tmp])
    return totals()


if __name__ == "__main__":
    sys.exit(main())
