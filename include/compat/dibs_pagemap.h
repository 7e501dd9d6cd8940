/* SPDX-License-Identifier: GPL-2.0 */
/*
 * struct pages for device memory (ZONE_DEVICE), where the kernel has them.
 *
 * A driver that maps device memory with memremap() gets an address outside
 * the kernel's linear map: virt_to_page() of it is no page.  A subsystem
 * that takes page references on its buffers (smc's splice() on an SMC-D
 * DMB) then needs the memory mapped by memremap_pages() instead: struct
 * pages of ZONE_DEVICE, and a linear-map address.  That needs
 * CONFIG_ZONE_DEVICE and MEMORY_DEVICE_GENERIC with compound pages
 * (vmemmap_shift, DIBS_HAVE_PAGEMAP_GENERIC, include/compat/Kbuild.probe):
 * smc hands a pipe the first page of a DMB with an offset and a length up
 * to the whole DMB, which the pipe's reader accepts only within one
 * compound page (page_copy_sane()), as ISM's DMBs are.  Elsewhere
 * dibs_pagemap_map() fails with -EOPNOTSUPP and the caller keeps to
 * memremap().
 *
 * The mapping is one compound page where it can be (a power-of-two length
 * at an address aligned to it), pieces of at most PUD size otherwise.
 * MEMORY_DEVICE_GENERIC pages start with a reference count of one (the
 * head's; a tail's is zero) that nobody drops: get_page()/put_page() move
 * it between one and more, the pages are never freed, and
 * memunmap_pages() does not wait for them.  A caller that lets others take
 * page references must wait for dibs_pagemap_busy() to be false before
 * dibs_pagemap_unmap().
 */
#ifndef _DIBS_PAGEMAP_H
#define _DIBS_PAGEMAP_H

#include <linux/err.h>
#include <linux/memremap.h>
#include <linux/mm.h>
#include <linux/sched.h>

/**
 * dibs_pagemap_map() - map device memory with struct pages
 * @pgmap: zeroed by the caller, which keeps it until dibs_pagemap_unmap()
 * @start: physical address, aligned to a memory subsection (2 MiB on x86)
 * @len: length, a multiple of a subsection
 * @nid: the device's NUMA node
 *
 * Return: the address in the kernel's linear map (virt_to_page() works on
 * it), or an ERR_PTR(): -EOPNOTSUPP if the kernel cannot, -EINVAL if
 * @start or @len is not aligned to a subsection, or the error of
 * memremap_pages().
 */
static inline void *dibs_pagemap_map(struct dev_pagemap *pgmap,
				     phys_addr_t start, u64 len, int nid)
{
#ifdef DIBS_HAVE_PAGEMAP_GENERIC
	unsigned int shift = PAGE_SHIFT;

	/* memory hotplug refuses a misaligned range, with a WARN() */
	if (!IS_ALIGNED(start | len, PAGES_PER_SUBSECTION << PAGE_SHIFT))
		return ERR_PTR(-EINVAL);
	/* the largest power of two that aligns both, at most PUD size */
	while (shift < PUD_SHIFT && IS_ALIGNED(start | len, 2ULL << shift))
		shift++;
	pgmap->type = MEMORY_DEVICE_GENERIC;
	pgmap->vmemmap_shift = shift - PAGE_SHIFT;
	pgmap->range.start = start;
	pgmap->range.end = start + len - 1;
	pgmap->nr_range = 1;
	return memremap_pages(pgmap, nid);
#else
	return ERR_PTR(-EOPNOTSUPP);
#endif
}

/**
 * dibs_pagemap_busy() - does someone else hold a page of a mapping?
 * @addr: what dibs_pagemap_map() returned
 * @len: its length
 *
 * Return: the first (head) page, from @addr on, with a reference besides
 * its own initial one, or NULL.
 */
static inline struct page *dibs_pagemap_busy(void *addr, u64 len)
{
	u64 off;

	for (off = 0; off < len; off += PAGE_SIZE) {
		struct page *page = compound_head(virt_to_page(addr + off));

		if (page_ref_count(page) > 1)
			return page;
		if (!(off & (SZ_2M - 1)))
			cond_resched();
	}
	return NULL;
}

/**
 * dibs_pagemap_unmap() - undo dibs_pagemap_map()
 * @pgmap: as given to dibs_pagemap_map(), which succeeded
 */
static inline void dibs_pagemap_unmap(struct dev_pagemap *pgmap)
{
#ifdef DIBS_HAVE_PAGEMAP_GENERIC
	memunmap_pages(pgmap);
#endif
}

#endif /* _DIBS_PAGEMAP_H */
