/* SPDX-License-Identifier: GPL-2.0 */
/*
 * ism_emu: what the emulated ISM firmware offers to test modules.
 */
#ifndef _ISM_EMU_H
#define _ISM_EMU_H

#include <linux/types.h>

struct ism_emu_fn;

/**
 * struct ism_emu_piece - one store block the firmware accepted
 * @tok: the DMB's token
 * @offset: where in the DMB
 * @size: bytes stored
 * @idx: the writer's index
 * @sf: the store carried the signal flag
 */
struct ism_emu_piece {
	u64 tok;
	u32 offset;
	u32 size;
	u8 idx;
	bool sf;
};

/* Pieces the firmware remembers per function (the newest). */
#define ISM_EMU_TRACE_LEN	32

struct ism_emu_fn *ism_emu_fn_add(u16 vchid);
int ism_emu_fn_remove(struct ism_emu_fn *fn);
const char *ism_emu_fn_name(struct ism_emu_fn *fn);
int ism_emu_fn_event(struct ism_emu_fn *fn, u32 type, u32 code, u64 tok,
		     u64 info);
unsigned int ism_emu_fn_trace(struct ism_emu_fn *fn,
			      struct ism_emu_piece *out, unsigned int max);
unsigned int ism_emu_fn_dmbs(struct ism_emu_fn *fn);
void ism_emu_fn_fail_cmd(struct ism_emu_fn *fn, u32 cmd, u16 ret,
			 unsigned int n);
int ism_emu_fn_sba_reserved(struct ism_emu_fn *fn, int op);
u16 ism_emu_vchid(void);

#endif /* _ISM_EMU_H */
