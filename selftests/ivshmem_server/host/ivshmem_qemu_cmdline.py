#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-2.0
"""ivshmem_qemu_cmdline.py - dibs-ivshmem-server run with the command lines
of QEMU's contrib/ivshmem-server (KTAP): -M NAME makes the POSIX shared
memory object /dev/shm/NAME of the -l size, -m DIR a file in DIR that is
unlinked at once (the server holds it open), -l rounds up to a power of
two, -p writes the detached server's pid, -h answers.  The same command
lines run against QEMU's own server when it is given, as the reference.
Then what is ours only: -f PATH keeps a file, and the old meanings of -m
(an object name) and -M (a file path) are refused with a hint.

    ivshmem_qemu_cmdline.py SERVER [QEMU_SERVER]
"""

import os
import signal
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


def shm_size(name):
    try:
        return os.stat("/dev/shm/" + name).st_size
    except OSError:
        return None


def shm_unlink(name):
    try:
        os.unlink("/dev/shm/" + name)
    except OSError:
        pass


class Server:
    """A server in the foreground, stopped by SIGTERM."""

    def __init__(self, argv, sock, log):
        self.sock = sock
        self.log = open(log, "w")
        self.p = subprocess.Popen(argv, stdout=self.log, stderr=subprocess.STDOUT)
        self.up = wait_for(lambda: os.path.exists(sock) or self.p.poll() is not None, 5) \
            and self.p.poll() is None

    def stop(self):
        if self.p.poll() is None:
            self.p.terminate()
            try:
                self.p.wait(5)
            except subprocess.TimeoutExpired:
                self.p.kill()
                self.p.wait()
        self.log.close()


# Names in our fd table that point into DIR, with their sizes.
def fds_in(pid, d):
    out = []
    fddir = f"/proc/{pid}/fd"
    for fd in os.listdir(fddir):
        try:
            target = os.readlink(os.path.join(fddir, fd))
        except OSError:
            continue
        if target.startswith(d + "/"):
            out.append((target, os.stat(os.path.join(fddir, fd)).st_size))
    return out


EXPECTED = 7


def qemu_cases(label, binary, tmp):
    """The command lines QEMU's server takes, for either server."""
    sock = os.path.join(tmp, f"{label}.sock")
    tag = f"dibs-qcl-{os.getpid()}-{label}"

    name = tag + "-a"
    s = Server([binary, "-F", "-v", "-S", sock, "-M", name, "-l", "64K", "-n", "2"],
               sock, os.path.join(tmp, f"{label}-M.log"))
    size = shm_size(name)
    result(s.up and size == 65536,
           f"{label}: -F -v -S SOCK -M NAME -l 64K -n 2: /dev/shm/NAME, 65536 bytes",
           f"up {s.up}, size {size}")
    s.stop()
    shm_unlink(name)

    d = os.path.join(tmp, f"{label}-dir")
    os.mkdir(d)
    s = Server([binary, "-F", "-S", sock, "-m", d, "-l", "1M"], sock,
               os.path.join(tmp, f"{label}-m.log"))
    held = fds_in(s.p.pid, d) if s.up else []
    left = os.listdir(d)
    ok = s.up and len(held) == 1 and held[0][1] == 1 << 20 and \
        held[0][0].startswith(d + "/ivshmem.") and held[0][0].endswith(" (deleted)") and \
        left == []
    result(ok, f"{label}: -m DIR -l 1M: a file DIR/ivshmem.XXXXXX of 1 MiB, held open, "
           "unlinked", f"up {s.up}, held {held}, left in DIR {left}")
    s.stop()
    result(os.listdir(d) == [], f"{label}: -m DIR: nothing left in DIR after exit",
           f"{os.listdir(d)}")

    name = tag + "-l"
    s = Server([binary, "-F", "-S", sock, "-l", "3M", "-M", name], sock,
               os.path.join(tmp, f"{label}-l.log"))
    size = shm_size(name)
    result(s.up and size == 4 << 20, f"{label}: -l 3M: rounded up to 4 MiB",
           f"up {s.up}, size {size}")
    s.stop()
    shm_unlink(name)

    name = tag + "-last"
    s = Server([binary, "-F", "-S", sock, "-m", d, "-M", name, "-l", "4K"], sock,
               os.path.join(tmp, f"{label}-last.log"))
    size = shm_size(name)
    result(s.up and size == 4096 and os.listdir(d) == [],
           f"{label}: -m DIR -M NAME: the last one wins (/dev/shm/NAME)",
           f"up {s.up}, size {size}")
    s.stop()
    shm_unlink(name)

    # Detached, with a pid file (QEMU's server has no -p with -F).
    name = tag + "-p"
    pidfile = os.path.join(tmp, f"{label}.pid")
    p = subprocess.run([binary, "-S", sock, "-M", name, "-l", "4K", "-p", pidfile],
                       stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, timeout=10,
                       check=False)
    pid = 0
    if wait_for(lambda: os.path.exists(pidfile) and os.path.getsize(pidfile) > 0, 5):
        with open(pidfile) as f:
            pid = int(f.read().split()[0])
    alive = pid > 1 and os.path.exists(f"/proc/{pid}")
    result(p.returncode == 0 and alive and wait_for(lambda: os.path.exists(sock), 5),
           f"{label}: detached with -p PIDFILE: exit 0, the live server's pid there",
           f"exit {p.returncode}, pid {pid}")
    if alive:
        os.kill(pid, signal.SIGTERM)
        wait_for(lambda: not os.path.exists(f"/proc/{pid}"), 5)
    if os.path.exists(sock):
        os.unlink(sock)
    shm_unlink(name)

    p = subprocess.run([binary, "-h"], capture_output=True, text=True, timeout=10,
                       check=False)
    result(p.returncode == 0 and "-M" in p.stdout and "-m" in p.stdout,
           f"{label}: -h: exit 0, help names -M and -m", f"exit {p.returncode}")


def run_short(argv, cwd=None):
    """A command that must end by itself: (exit status or None, stderr)."""
    try:
        p = subprocess.run(argv, capture_output=True, text=True, timeout=5, check=False,
                           cwd=cwd)
        return p.returncode, p.stderr.strip()
    except subprocess.TimeoutExpired:
        return None, "still running after 5 s"


def our_cases(binary, tmp):
    sock = os.path.join(tmp, "own.sock")
    path = os.path.join(tmp, "own-file")
    s = Server([binary, "-F", "-S", sock, "-f", path, "-l", "8K"], sock,
               os.path.join(tmp, "own-f.log"))
    size = os.path.getsize(path) if os.path.exists(path) else None
    s.stop()
    result(s.up and size == 8192 and os.path.exists(path),
           "dibs: -f PATH -l 8K: the file PATH, 8 KiB, kept on exit", f"size {size}")

    # The old meanings: -m NAME (an object), -M PATH (a file).
    name = f"dibs-qcl-{os.getpid()}-old"
    rc, err = run_short([binary, "-F", "-S", sock, "-m", name], cwd=tmp)
    result(rc == 2 and "-M NAME" in err and shm_size(name) is None,
           "dibs: old -m NAME (not a directory): exit 2, hint at -M NAME, nothing made",
           f"exit {rc}, {err}")
    shm_unlink(name)
    rc, err = run_short([binary, "-F", "-S", sock, "-M", path + "-old"])
    result(rc == 2 and "-f PATH" in err and not os.path.exists(path + "-old"),
           "dibs: old -M DIR/FILE: exit 2, hint at -f PATH, nothing made",
           f"exit {rc}, {err}")


def main():
    if len(sys.argv) < 2:
        print("usage: ivshmem_qemu_cmdline.py SERVER [QEMU_SERVER]", file=sys.stderr)
        return 2
    server = sys.argv[1]
    qserver = sys.argv[2] if len(sys.argv) > 2 else ""
    plan(2 * EXPECTED + 3)
    with tempfile.TemporaryDirectory(prefix="ivshmem-qemu-cmdline.") as tmp:
        # A relative name that a server takes for a path lands here.
        os.chdir(tmp)
        qemu_cases("dibs-ivshmem-server", server, tmp)
        if qserver and os.access(qserver, os.X_OK):
            qemu_cases("qemu ivshmem-server", qserver, tmp)
        else:
            for i in range(EXPECTED):
                skip(f"qemu ivshmem-server: case {i + 1}",
                     "no QEMU contrib/ivshmem-server (QEMU_IVSHMEM_SERVER)")
        our_cases(server, tmp)
    return totals()


if __name__ == "__main__":
    sys.exit(main())
