/* SPDX-License-Identifier: GPL-2.0 */
/*
 * The one place where kernel-version differences live.
 *
 * Force-included into every file of the suite (see Kbuild.probe).  Each
 * shim is keyed on a feature probe (DIBS_HAVE_*), never on a version number,
 * so that vendor kernels with backports get the right code.
 */
#ifndef _DIBS_COMPAT_H
#define _DIBS_COMPAT_H

#endif /* _DIBS_COMPAT_H */
