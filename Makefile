# SPDX-License-Identifier: GPL-2.0
#
# dibs: Direct Internal Buffer Sharing, out of tree.
#
#   make                  modules for KDIR, dibsctl and dibs-ivshmem-server
#   make C=2              the same through sparse
#   make install          modules into /lib/modules/KVER/updates/dibs, dibsctl
#                         and dibs-ivshmem-server into PREFIX (/usr/local); not
#                         with dibs-dkms installed
#   make dist             build/dist/dibs-VERSION.tar.gz: the tracked files
#   make check            build + every selftest in QEMU guests (scripts/vm),
#                         then check-packages when root, then the 6.1-debug
#                         guest (scripts/check)
#   make check-matrix     the guests of Debian 11's 5.10 (amd64, s390x) and
#                         sid's 7.2, which make check leaves out (MATRIX_FLAVOURS)
#   make check-packages   .deb + .rpm packages, DKMS install of dibs-dkms, the
#                         selftests with the DKMS-built modules (root; about 3 min)
#   make check-install    apt install, DKMS, kernel upgrade and purge in a real
#                         Debian 12 system in QEMU (root; ARCH=s390: s390x;
#                         DIST=trixie: a Debian 13 system instead, amd64)
#   make check-install-trixie  the same as make check-install DIST=trixie
#   make run / make shell a guest with the suite loaded: demo / console
#
# KDIR defaults to the running kernel's build dir, else the newest Debian
# linux-headers-*-$(FLAVOUR_ARCH) in /usr/src, else the newest one that
# scripts/vm fetched into build/cache (so `make ARCH=s390
# CROSS_COMPILE=s390x-linux-gnu-` cross-builds after `make check`, or after
# `make check ARCH=s390 BUILD_ONLY=1` fetched the s390x headers).

DIBS_VERSION := $(shell cat $(CURDIR)/VERSION)

ARCH ?= $(shell uname -m | sed -e 's/x86_64/x86/' -e 's/s390x/s390/')
FLAVOUR_ARCH := $(if $(filter s390,$(ARCH)),s390x,amd64)
KVER ?= $(shell uname -r)
KDIR ?= $(firstword $(if $(filter $(ARCH),$(shell uname -m | sed -e 's/x86_64/x86/' -e 's/s390x/s390/')),$(wildcard /lib/modules/$(KVER)/build)) \
	$(lastword $(sort $(wildcard /usr/src/linux-headers-*-$(FLAVOUR_ARCH)))) \
	$(lastword $(sort $(wildcard $(CURDIR)/build/cache/*/root/usr/src/linux-headers-*-$(FLAVOUR_ARCH)))))

KMAKE = $(MAKE) -C $(KDIR) M=$(CURDIR) ARCH=$(ARCH) $(if $(CROSS_COMPILE),CROSS_COMPILE=$(CROSS_COMPILE))

# Unpackaged installs go to /usr/local (the packages install to /usr);
# DESTDIR applies to the modules too.
PREFIX ?= /usr/local
DESTDIR ?=
INSTALL_MOD_DIR ?= updates/dibs

.PHONY: all modules dibsctl dibs-ivshmem-server clean install uninstall dist check check-matrix check-packages check-install check-install-trixie run shell bench help

all: modules dibsctl dibs-ivshmem-server

# A kernel may ship its own include/linux/dibs.h (mainline 6.18+; Debian's
# 7.2 does, with CONFIG_DIBS unset, and gets our modules).  Ours must be the
# only one any object is compiled with (include/compat/Kbuild.probe puts our
# include/ first): after the build, every object's dependency list
# (.*.o.cmd) is checked, and a dibs.h other than ours fails the build.
DIBS_H := $(realpath $(CURDIR)/include/linux/dibs.h)

modules:
	@test -n "$(KDIR)" -a -d "$(KDIR)" || \
		{ echo "dibs: no kernel build tree; install linux-headers or set KDIR" >&2; exit 1; }
	+$(KMAKE) modules
	@bad=$$(find $(CURDIR) -path $(CURDIR)/build -prune -o -name '.*.o.cmd' -print | \
		xargs -r grep -h -o '[^ ]*include/linux/dibs\.h' | sort -u | \
		while read -r f; do \
			case $$f in /*) p=$$f ;; *) p=$(CURDIR)/$$f ;; esac; \
			[ "$$(realpath -m "$$p")" = "$(DIBS_H)" ] || echo "$$f"; \
		done); \
	if [ -n "$$bad" ]; then \
		echo "dibs: objects were compiled with a <linux/dibs.h> that is not ours: $$bad" >&2; \
		grep -l -F "$$bad" $$(find $(CURDIR) -path $(CURDIR)/build -prune -o -name '.*.o.cmd' -print) | \
			sed 's/^/dibs:   /' >&2; \
		exit 1; \
	fi

# A cross build (CROSS_COMPILE=s390x-linux-gnu-) builds dibsctl for the
# target too, against its libnl (Debian: libnl-genl-3-dev:s390x).
UMAKE = $(MAKE) $(if $(CROSS_COMPILE),CC=$(CROSS_COMPILE)gcc PKG_CONFIG=$(CROSS_COMPILE)pkg-config)

dibsctl:
	$(UMAKE) -C dibsctl

# The server of QEMU's ivshmem-doorbell devices, for VM hosts
# (Documentation/ivshmem-server.rst).
dibs-ivshmem-server:
	$(UMAKE) -C dibs-ivshmem-server

clean:
	@if [ -n "$(KDIR)" ] && [ -d "$(KDIR)" ]; then $(KMAKE) clean; fi
	$(MAKE) -C dibsctl clean
	$(MAKE) -C dibs-ivshmem-server clean
	$(MAKE) -C selftests clean
	rm -rf build

install: all
	+$(KMAKE) INSTALL_MOD_DIR=$(INSTALL_MOD_DIR) $(if $(DESTDIR),INSTALL_MOD_PATH=$(DESTDIR)) modules_install
	$(UMAKE) -C dibsctl install DESTDIR=$(DESTDIR) PREFIX=$(PREFIX)
	$(UMAKE) -C dibs-ivshmem-server install DESTDIR=$(DESTDIR) PREFIX=$(PREFIX)

uninstall:
	rm -rf $(DESTDIR)/lib/modules/$(KVER)/$(INSTALL_MOD_DIR)
	-depmod -a $(KVER)
	$(MAKE) -C dibsctl uninstall DESTDIR=$(DESTDIR) PREFIX=$(PREFIX)
	$(MAKE) -C dibs-ivshmem-server uninstall DESTDIR=$(DESTDIR) PREFIX=$(PREFIX)

# The source tarball (Documentation/packaging.rst); rpm/build-rpms makes it too.
dist:
	scripts/make-dist

# The VM harness: the default runs the 6.1 and 6.12 guests on amd64 and on
# s390x (TCG), then the packaging test (as root; PACKAGES=0 skips it).
# FLAVOUR=6.1|6.12|6.1-s390x|6.12-s390x|7.2 picks one kernel (also 5.10 and
# 5.10-s390x, Debian 11's, which the default leaves out), ARCH=s390 the
# s390x ones, S390X=0 leaves them out (Documentation/testing.rst).
check:
	scripts/check

# The kernel matrix's ends, whose guests make check leaves out (it only
# builds 5.10 and 7.2): Debian 11's 5.10 (amd64; s390x, its kernel built
# here from Debian's linux-source-5.10) and sid's 7.2, booted, every group
# that applies (Documentation/testing.rst, "The kernel matrix").
MATRIX_FLAVOURS ?= 5.10 5.10-s390x 7.2
check-matrix:
	FLAVOUR="$(MATRIX_FLAVOURS)" scripts/check

run shell bench:
	scripts/vm $@

# Documentation/packaging.rst
check-packages:
	scripts/check-packages

# apt install in a real Debian 12 system (ARCH=s390: the s390x one;
# DIST=trixie: Debian 13, which make check leaves out)
check-install:
	DIST="$(DIST)" scripts/check-install

check-install-trixie:
	DIST=trixie scripts/check-install

help:
	@sed -n '3,22p' Makefile
