/* SPDX-License-Identifier: GPL-2.0 */
/*
 * The one place where kernel-version differences live (with dibs_genl.h,
 * which needs the genetlink headers and so is included where they are).
 *
 * Force-included into every file of the suite (see Kbuild.probe).  Each
 * shim is keyed on a feature probe (DIBS_HAVE_*), never on a version number,
 * so that vendor kernels with backports get the right code.
 */
#ifndef _DIBS_COMPAT_H
#define _DIBS_COMPAT_H

/*
 * Generic netlink split ops (a do and a dump of one command as two entries,
 * each with its own policy) exist from 6.2 on (DIBS_HAVE_GENL_SPLIT_OPS):
 * include/compat/dibs_genl.h, included after <net/genetlink.h>.
 */

#endif /* _DIBS_COMPAT_H */
