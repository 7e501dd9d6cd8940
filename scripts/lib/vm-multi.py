#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-2.0
#
# scripts/lib/vm-multi.py CONFIG.json - the host side of one multi-guest
# run (scripts/lib/multi.sh, Documentation/testing.rst): starts
# dibs-ivshmem-server and the network hub, boots the guests, copies their
# test output (a serial port each) to files and to stdout ("[a] ..."),
# answers their control channel (another serial port each: barriers,
# key/value exchange, host actions) and ends when every guest has ended,
# was killed on request, or the time is up.  Writes CONFIG's "result" file
# (JSON): for each role its end ("exit N", "killed" on request, "timeout")
# and the host actions done.
#
# Control requests, one line each, one answer line ("ok [TEXT]", "abort
# WHY" or "error WHY"):
#   begin PROG | end PROG RC     the runner: PROG starts on every live
#                                guest together; names below are scoped
#                                to the program that runs
#   sync NAME                    barrier of every live guest
#   put KEY VALUE | get KEY      KEY is NAME@ROLE; get waits for the put
#   host kill|stop|cont ROLE     SIGKILL / SIGSTOP / SIGCONT a QEMU
#   host scribble [OFF [LEN]]    random bytes into the shared memory file
#   host server-stop|server-start|server-restart

import json
import os
import selectors
import signal
import socket
import subprocess
import sys
import time


def log(msg):
    print("# multi: " + msg, flush=True)


class Guest:
    def __init__(self, role, cfg):
        self.role = role
        self.argv = cfg["argv"]
        self.ctl_path = cfg["ctl"]
        self.out_path = cfg["out_sock"]
        self.out_file = open(cfg["out"], "w")
        self.qemu_log = cfg["qemu_log"]
        self.proc = None
        self.ctl = None
        self.out = None
        self.ctl_buf = b""
        self.out_buf = b""
        self.end = None
        self.killed = False
        self.prog = None        # the program it runs
        self.waiting = None     # (kind, key) it waits for


class Run:
    def __init__(self, cfg):
        self.cfg = cfg
        self.sel = selectors.DefaultSelector()
        self.guests = {r: Guest(r, g) for r, g in cfg["guests"].items()}
        self.server = None
        self.hub = None
        self.kv = {}
        self.ended = {}         # prog -> roles that ended it
        self.actions = []
        self.deadline = time.monotonic() + cfg["timeout"]

    # -- processes -------------------------------------------------------
    def wait_path(self, path, proc, what, secs=20):
        end = time.monotonic() + secs
        while time.monotonic() < end:
            if os.path.exists(path):
                return True
            if proc.poll() is not None:
                break
            time.sleep(0.05)
        log(f"{what} did not come up ({path}); see its log")
        return False

    def server_start(self):
        logf = open(os.path.join(self.cfg["dir"], "server.log"), "a")
        self.server = subprocess.Popen(self.cfg["server"], stdout=logf,
                                       stderr=subprocess.STDOUT, stdin=subprocess.DEVNULL)
        return self.wait_path(self.cfg["server_sock"], self.server, "dibs-ivshmem-server")

    def server_stop(self):
        if self.server and self.server.poll() is None:
            self.server.terminate()
            try:
                self.server.wait(10)
            except subprocess.TimeoutExpired:
                self.server.kill()
                self.server.wait()
        self.server = None

    def start(self):
        if not self.server_start():
            return False
        if self.cfg.get("hub"):
            logf = open(os.path.join(self.cfg["dir"], "hub.log"), "w")
            self.hub = subprocess.Popen(self.cfg["hub"], stdout=logf,
                                        stderr=subprocess.STDOUT, stdin=subprocess.DEVNULL)
            for p in self.cfg["hub_socks"]:
                if not self.wait_path(p, self.hub, "the network hub"):
                    return False
        for g in self.guests.values():
            for path, kind in ((g.ctl_path, "ctl"), (g.out_path, "out")):
                if os.path.exists(path):
                    os.unlink(path)
                s = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
                s.bind(path)
                s.listen(1)
                s.setblocking(False)
                self.sel.register(s, selectors.EVENT_READ, ("listen", g, kind))
        for g in self.guests.values():
            logf = open(g.qemu_log, "w")
            g.proc = subprocess.Popen(g.argv, stdout=logf, stderr=subprocess.STDOUT,
                                      stdin=subprocess.DEVNULL)
            log(f"guest {g.role}: qemu pid {g.proc.pid}")
        return True

    def live(self):
        return [g for g in self.guests.values() if g.end is None]

    # -- answers ---------------------------------------------------------
    def answer(self, g, text):
        g.waiting = None
        if g.ctl is None or g.end is not None:
            return
        try:
            g.ctl.sendall((text + "\n").encode())
        except OSError:
            pass

    def settle(self):
        """Complete or abort what guests wait for."""
        live = self.live()
        for g in live:
            if not g.waiting:
                continue
            kind, key = g.waiting
            if kind == "barrier":
                prog = key[0]
                gone = [o.role for o in live if o.role in self.ended.get(prog, set())
                        and key[1] != "begin"]
                if gone:
                    for o in live:
                        if o.waiting == (kind, key):
                            self.answer(o, "abort guest(s) %s ended the program" % " ".join(gone))
                    continue
                if all(o.waiting == (kind, key) for o in live):
                    for o in live:
                        self.answer(o, "ok")
            elif kind == "get":
                prog, name = key
                if (prog, name) in self.kv:
                    self.answer(g, "ok " + self.kv[(prog, name)])
                    continue
                owner = self.guests.get(name.rpartition("@")[2])
                if owner is None:
                    self.answer(g, "error no guest " + name.rpartition("@")[2])
                elif owner.end is not None:
                    self.answer(g, "abort guest %s is gone" % owner.role)
                elif owner.role in self.ended.get(prog, set()):
                    self.answer(g, "abort guest %s ended the program" % owner.role)

    def host_action(self, g, args):
        what = args[0] if args else ""
        self.actions.append(f"{g.role}: {' '.join(args)}")
        log(f"guest {g.role} asks: {' '.join(args)}")
        if what in ("kill", "stop", "cont") and len(args) == 2:
            o = self.guests.get(args[1])
            if o is None or o.end is not None:
                return "error no live guest " + args[1]
            if what == "kill":
                o.killed = True
                o.proc.kill()
                o.proc.wait()
                self.finish(o, "killed")
            else:
                o.proc.send_signal(signal.SIGSTOP if what == "stop" else signal.SIGCONT)
            return "ok"
        if what == "scribble":
            shm = self.cfg["shm"]
            size = os.path.getsize(shm)
            try:
                off = int(args[1], 0) if len(args) > 1 else 0
                length = int(args[2], 0) if len(args) > 2 else size - off
            except ValueError:
                return "error scribble OFFSET LENGTH: numbers"
            if off < 0 or length < 0 or off + length > size:
                return "error scribble: outside the %d bytes" % size
            with open(shm, "r+b") as f:
                f.seek(off)
                f.write(os.urandom(length))
            return "ok"
        if what in ("server-stop", "server-restart"):
            self.server_stop()
        if what in ("server-start", "server-restart"):
            if self.server and self.server.poll() is None:
                return "error the server runs"
            if not self.server_start():
                return "error the server did not start"
        if what in ("server-stop", "server-start", "server-restart"):
            return "ok"
        return "error unknown host action: " + " ".join(args)

    def request(self, g, line):
        words = line.split()
        if not words:
            return
        cmd, args = words[0], words[1:]
        if cmd == "begin" and args:
            g.prog = args[0]
            g.waiting = ("barrier", (g.prog, "begin"))
        elif cmd == "end" and args:
            self.ended.setdefault(args[0], set()).add(g.role)
            g.prog = None
            self.answer(g, "ok")
        elif cmd == "sync" and args:
            g.waiting = ("barrier", (g.prog, "sync " + args[0]))
        elif cmd == "put" and len(args) >= 1:
            value = line.split(None, 2)[2] if len(args) > 1 else ""
            self.kv[(g.prog, args[0])] = value
            self.answer(g, "ok")
        elif cmd == "get" and len(args) == 1 and "@" in args[0]:
            g.waiting = ("get", (g.prog, args[0]))
        elif cmd == "host":
            self.answer(g, self.host_action(g, args))
        else:
            self.answer(g, "error bad request: " + line)
        self.settle()

    def finish(self, g, how):
        if g.end is None:
            g.end = how
            log(f"guest {g.role}: {how}")
        self.settle()

    # -- I/O ---------------------------------------------------------------
    def readable(self, key):
        what = key.data
        if what[0] == "listen":
            _, g, kind = what
            try:
                c, _ = key.fileobj.accept()
            except BlockingIOError:
                return
            c.setblocking(False)
            self.sel.unregister(key.fileobj)
            key.fileobj.close()
            setattr(g, kind, c)
            self.sel.register(c, selectors.EVENT_READ, (kind, g))
            return
        kind, g = what
        try:
            data = key.fileobj.recv(65536)
        except (BlockingIOError, InterruptedError):
            return
        except OSError:
            data = b""
        if not data:
            self.sel.unregister(key.fileobj)
            return
        if kind == "out":
            g.out_buf += data
            *lines, g.out_buf = g.out_buf.split(b"\n")
            for raw in lines:
                t = raw.decode(errors="replace").rstrip("\r")
                g.out_file.write(t + "\n")
                print(f"[{g.role}] {t}", flush=True)
            g.out_file.flush()
        else:
            g.ctl_buf += data
            *lines, g.ctl_buf = g.ctl_buf.split(b"\n")
            for raw in lines:
                self.request(g, raw.decode(errors="replace").strip())

    def loop(self):
        while any(g.end is None for g in self.guests.values()):
            if time.monotonic() > self.deadline:
                for g in self.live():
                    g.proc.kill()
                    g.proc.wait()
                    self.finish(g, "timeout")
                break
            for key, _ in self.sel.select(0.2):
                self.readable(key)
            for g in self.live():
                rc = g.proc.poll()
                if rc is not None:
                    # what it still wrote
                    for key in list(self.sel.get_map().values()):
                        if key.data[0] == "out" and key.data[1] is g:
                            self.readable(key)
                    self.finish(g, f"exit {rc}")

    def close(self):
        for g in self.guests.values():
            if g.out_buf:
                g.out_file.write(g.out_buf.decode(errors="replace") + "\n")
            g.out_file.close()
            if g.proc and g.proc.poll() is None:
                g.proc.kill()
                g.proc.wait()
        if self.hub and self.hub.poll() is None:
            self.hub.terminate()
            self.hub.wait()
        self.server_stop()


def main():
    cfg = json.load(open(sys.argv[1]))
    # Killed from outside (a time limit, ^C, CI): leave through the finally
    # below, so that no QEMU (the hub is no child of the guests) and no
    # server outlives the run.
    for sig in (signal.SIGTERM, signal.SIGHUP, signal.SIGINT):
        signal.signal(sig, lambda signum, frame: sys.exit(128 + signum))
    run = Run(cfg)
    ok = False
    try:
        ok = run.start()
        if ok:
            run.loop()
    finally:
        run.close()
    res = {
        "started": ok,
        "end": {r: (g.end or "not started") for r, g in run.guests.items()},
        "killed": [r for r, g in run.guests.items() if g.killed],
        "actions": run.actions,
    }
    with open(cfg["result"], "w") as f:
        json.dump(res, f)
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
