/* SPDX-License-Identifier: GPL-2.0 */
/*
 * dibs_ism: the interface for an emulated ISM function.
 *
 * dibs_ism drives an ISM function through a narrow seam: the command area
 * (writes and reads at offsets of BAR 2), the data path (PCI store block
 * into BAR 0 with a move request as the offset) and one interrupt.  On
 * s390 the PCI driver reaches the hardware through zPCI instructions.  An
 * emulated function (a test module, selftests/ism/ism_emu.c) implements
 * the same seam with struct dibs_ism_emu_ops and registers itself with
 * dibs_ism_emu_add(); from there on dibs_ism runs the very code it runs for
 * hardware, and the emulator raises the function's interrupt with
 * dibs_ism_emu_irq().
 *
 * Not an API for anything but test modules.
 */
#ifndef _DIBS_ISM_EMU_H
#define _DIBS_ISM_EMU_H

#include <linux/device.h>
#include <linux/types.h>

struct dibs_ism_emu;

/**
 * struct dibs_ism_emu_ops - the hardware seam of an emulated ISM function
 * @write_cmd: store @len bytes at @offset of the command area.  A store at
 *	offset 0 (the request header) executes the command that the area
 *	holds and leaves its response there.  The driver serialises
 *	commands; called with a spinlock held, must not sleep.
 * @read_cmd: load @len bytes from @offset of the command area.  Must not
 *	sleep.
 * @move: the store block of the data path: write @size bytes (at most
 *	ISM_MOVE_PIECE_MAX, within one 4 KiB block of the DMB) from @data
 *	into the DMB named by @dmb_req (see ism_move_req()).  0 or -EIO, as
 *	the zPCI instruction returns.  Any context, must not sleep.
 * @irq_enable: with @on, start delivering interrupts (dibs_ism_emu_irq());
 *	without, stop, and return only when no dibs_ism_emu_irq() call runs
 *	any more (what free_irq() guarantees).  Process context.
 */
struct dibs_ism_emu_ops {
	void (*write_cmd)(struct dibs_ism_emu *emu, const void *data,
			  unsigned int offset, unsigned int len);
	void (*read_cmd)(struct dibs_ism_emu *emu, void *data,
			 unsigned int offset, unsigned int len);
	int (*move)(struct dibs_ism_emu *emu, u64 dmb_req, const void *data,
		    unsigned int size);
	int (*irq_enable)(struct dibs_ism_emu *emu, bool on);
};

/**
 * struct dibs_ism_emu - an emulated ISM function
 * @ops: the seam, set by the emulator
 * @dev: set by the emulator: the parent of the dibs device and the device
 *	the driver does DMA with (SBA, IEQ, DMBs); its DMA addresses must be
 *	reachable for the emulator (dma-direct: physical addresses)
 * @pchid: set by the emulator: the channel id (the VCHID of the ISM
 *	fabric), which becomes the dibs fabric id
 * @uid: set by the emulator: the user-defined function id; the dibs
 *	device is named ism<uid> (decimal)
 * @drv: private to dibs_ism while the function is added
 */
struct dibs_ism_emu {
	const struct dibs_ism_emu_ops *ops;
	struct device *dev;
	u16 pchid;
	u32 uid;
	void *drv;
};

int dibs_ism_emu_add(struct dibs_ism_emu *emu);
void dibs_ism_emu_remove(struct dibs_ism_emu *emu);
void dibs_ism_emu_irq(struct dibs_ism_emu *emu);
const char *dibs_ism_emu_name(struct dibs_ism_emu *emu);

#endif /* _DIBS_ISM_EMU_H */
