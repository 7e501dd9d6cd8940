# SPDX-License-Identifier: GPL-2.0
"""ktap.py - KTAP output for the Python host tests, as lib/ktap.sh writes
it for the shell and include/ktap_kmod.h for the test modules.

    sys.path.insert(0, os.path.join(os.path.dirname(__file__), "../../lib"))
    from ktap import result, skip, plan, totals, failed
    plan(2)
    result(x == 1, "x is 1", f"x is {x}")     # the reason only on failure
    skip("needs QEMU", "no QEMU_IVSHMEM_SERVER")
    return totals()                           # 1 if a case failed, else 0
"""

_n = 0
_failed = 0
_skipped = 0


def plan(count):
    """The header and the plan."""
    print("TAP version 13")
    print(f"1..{count}", flush=True)


def result(ok, name, why=""):
    """One case: ``ok`` or ``not ok``, with ``why`` as the reason of a
    failure."""
    global _n, _failed
    _n += 1
    if not ok:
        _failed += 1
    print(f"{'' if ok else 'not '}ok {_n} {name}"
          f"{' # ' + why if why and not ok else ''}", flush=True)
    return ok


def skip(name, why):
    """One skipped case, with its reason."""
    global _n, _skipped
    _n += 1
    _skipped += 1
    print(f"ok {_n} {name} # SKIP {why}", flush=True)


def failed():
    """How many cases failed so far."""
    return _failed


def totals():
    """Print "P passed, F failed, S skipped" (scripts/check reads it);
    the exit status: 1 if a case failed, else 0."""
    print(f"# {_n - _failed - _skipped} passed, {_failed} failed, "
          f"{_skipped} skipped", flush=True)
    return 1 if _failed else 0
