#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-2.0
#
# scripts/lib/extract-vmlinux.py VMLINUZ OUT - the uncompressed vmlinux of a
# bzImage, written to OUT, for scripts/vm's PVH boot (scripts/lib/
# vm-kernels.sh, boot_image).  Tries every xz, zstd and gzip stream in the
# file and keeps the first that decompresses to an ELF image with a Xen
# (PVH) note.  Exit status 1 if there is none.

import lzma, subprocess, sys, zlib
def unzstd(buf):
    return subprocess.run(["zstd", "-qdc"], input=buf,
                          stdout=subprocess.PIPE,
                          stderr=subprocess.DEVNULL).stdout
data = open(sys.argv[1], "rb").read()
for magic, dec in ((b"\xfd7zXZ\x00", lambda b: lzma.LZMADecompressor().decompress(b)),
                   (b"\x28\xb5\x2f\xfd", unzstd),
                   (b"\x1f\x8b\x08", lambda b: zlib.decompressobj(31).decompress(b))):
    at = data.find(magic)
    while at >= 0:
        try:
            out = dec(data[at:])
        except Exception:
            out = b""
        if out[:4] == b"\x7fELF" and b"Xen" in out:
            open(sys.argv[2], "wb").write(out)
            sys.exit(0)
        at = data.find(magic, at + 1)
sys.exit(1)
