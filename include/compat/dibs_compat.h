/* SPDX-License-Identifier: GPL-2.0 */
/*
 * The one place where kernel-version differences live (with dibs_genl.h
 * and dibs_smc.h, which need kernel headers and so are included where
 * those are).
 *
 * Force-included into every file of the suite (see Kbuild.probe).  Each
 * shim is keyed on a feature probe (DIBS_HAVE_*), never on a version number,
 * so that vendor kernels with backports get the right code.  This header
 * includes nothing: it comes before a file's own #defines (pr_fmt) and
 * #includes.
 */
#ifndef _DIBS_COMPAT_H
#define _DIBS_COMPAT_H

/*
 * A kernel with its own driver for ISM functions, ism.ko (CONFIG_ISM,
 * DIBS_HAVE_INTREE_ISM), keeps them: dibs_ism carries no module alias
 * there, so udev never loads it for a function.
 */
#ifdef DIBS_HAVE_INTREE_ISM
#define DIBS_ISM_MODULE_DEVICE_TABLE(type, name)
#else
#define DIBS_ISM_MODULE_DEVICE_TABLE(type, name) \
	MODULE_DEVICE_TABLE(type, name)
#endif

/*
 * A PCI driver's attribute groups for each bound device:
 * DIBS_PCI_DEV_GROUPS(groups) in a struct pci_driver initialiser.  struct
 * pci_driver of 6.1 has dev_groups of its own (DIBS_HAVE_PCI_DEV_GROUPS);
 * in 5.10 the driver core's, in the embedded struct device_driver, do the
 * same.
 */
#ifdef DIBS_HAVE_PCI_DEV_GROUPS
#define DIBS_PCI_DEV_GROUPS(groups)	.dev_groups = (groups)
#else
#define DIBS_PCI_DEV_GROUPS(groups)	.driver.dev_groups = (groups)
#endif

#ifndef DIBS_HAVE_GENL_SPLIT_OPS
/*
 * Generic netlink split ops (a command's do and dump as two entries, each
 * with its own policy) exist from 6.2 on.  dibs_core/dibs_nl_gen.c, which
 * ynl-gen-c.py generates, declares its table as struct genl_split_ops and
 * hands it to the family as .split_ops/.n_split_ops.  Before 6.2 the same
 * initialisers make plain genl_ops (their fields are a subset) in the
 * family's .ops/.n_ops, one entry per do and per dump;
 * dibs_genl_register_family() of include/compat/dibs_genl.h merges them
 * into one entry per command before the kernel sees them.
 */
#define genl_split_ops	genl_ops
#define split_ops	ops
#define n_split_ops	n_ops
#endif

#endif /* _DIBS_COMPAT_H */
