/* SPDX-License-Identifier: GPL-2.0 */
/*
 * The IBM ISM function (PCI 1014:04ed) as the driver sees it: the command
 * requests and responses, the SBA (signalling buffer area) and the IEQ
 * (interrupt event queue).
 *
 * The device defines these structures big endian with s390's bit numbering
 * (bit 0 is the most significant).  On s390 that is host order, so they are
 * declared here in host order, bitfields included.  The emulated firmware
 * (selftests/ism/ism_emu.c) includes this header too and interprets the
 * same structures in host order, so driver and emulation agree on any
 * architecture; only on s390 do they also agree with the hardware.
 *
 * Bits of the SBA's DMB bit vector are numbered from the most significant
 * bit of each 64-bit word (s390's "inverted" numbering, see
 * ism_sba_bit_nr()); the DMB with SBA index i owns bit i of the vector
 * that starts at dmb_bits[0].
 */
#ifndef _DIBS_ISM_H
#define _DIBS_ISM_H

#include <linux/bits.h>
#include <linux/types.h>

/* Commands (request header field cmd). */
#define ISM_REG_SBA		0x1
#define ISM_REG_IEQ		0x2
#define ISM_READ_GID		0x3
#define ISM_ADD_VLAN_ID		0x4
#define ISM_DEL_VLAN_ID		0x5
#define ISM_SET_VLAN		0x6
#define ISM_RESET_VLAN		0x7
#define ISM_QUERY_INFO		0x8
#define ISM_QUERY_RGID		0x9
#define ISM_REG_DMB		0xA
#define ISM_UNREG_DMB		0xB
#define ISM_SIGNAL_IEQ		0xE
#define ISM_UNREG_SBA		0x11
#define ISM_UNREG_IEQ		0x12

/*
 * Response codes (response header field ret).  0 is success.  The driver
 * stores ISM_ERROR into the response before it reads it back, so a command
 * the function never answered reads as ISM_ERROR.  The firmware's other
 * codes are not public: the ISM_RC_* values are the ones the emulated
 * firmware returns, and the driver never depends on them (any non-zero
 * code fails the operation).
 */
#define ISM_ERROR		0xFFFF
#define ISM_RC_BAD_CMD		0x0001	/* unknown command or bad length */
#define ISM_RC_BAD_PARAM	0x0002	/* a field is out of range */
#define ISM_RC_BAD_TOKEN	0x0003	/* no DMB with that token */
#define ISM_RC_NO_GID		0x0004	/* GID not reachable */
#define ISM_RC_EXISTS		0x0005	/* already registered / added */
#define ISM_RC_NO_SPACE		0x0006	/* no room for another entry */
#define ISM_RC_NOT_REG		0x0007	/* SBA/IEQ/VLAN not registered */

/* The DMBs a function can hold: one SBA bit and dmbe mask per DMB. */
#define ISM_NR_DMBS		1920
/*
 * The first 32 bits of the DMB bit vector share a doubleword with the
 * summary and event bits: SBA indexes start after them, so the driver can
 * scan the vector with aligned 64-bit accesses.
 */
#define ISM_DMB_WORD_OFFSET	1
#define ISM_DMB_BIT_OFFSET	(ISM_DMB_WORD_OFFSET * 32)

/* Largest DMB: the DMA segment size the driver sets up (1 MiB). */
#define ISM_DMB_LEN_MAX		(1U << 20)

/* VLAN id whose successful addition marks an SMC-Dv2 capable function. */
#define ISM_RESERVED_VLANID	0x1FFF

/* Events in the IEQ (struct ism_event.type). */
enum ism_event_type {
	ISM_EVENT_BUF = 0x00,
	ISM_EVENT_DEV = 0x01,
	ISM_EVENT_SWR = 0x02,
};

/* Codes of buffer and device events (struct ism_event.code). */
enum ism_event_code {
	ISM_DEV_GID_ERR_STATE = 0x01,
	ISM_BUF_OWNING_ISM_DEV_IN_ERR_STATE = 0x02,
	ISM_BUF_USING_ISM_DEV_IN_ERR_STATE = 0x03,
	ISM_BUF_DMB_UNREGISTERED = 0x04,
	ISM_BUF_VLAN_MISMATCH_WITH_OWNER = 0x05,
	ISM_BUF_VLAN_MISMATCH_WITH_USER = 0x06,
	ISM_DEV_GID_DISABLED = 0x07,
	ISM_BUF_USING_ISM_DEV_DISABLED = 0x08,
};

struct ism_req_hdr {
	u32 cmd;
	u16 reserved;
	u16 len;
};

struct ism_resp_hdr {
	u32 cmd;
	u16 ret;
	u16 len;
};

union ism_reg_sba {
	struct {
		struct ism_req_hdr hdr;
		u64 sba;
	} request;
	struct {
		struct ism_resp_hdr hdr;
	} response;
} __aligned(16);

union ism_reg_ieq {
	struct {
		struct ism_req_hdr hdr;
		u64 ieq;
		u64 len;
	} request;
	struct {
		struct ism_resp_hdr hdr;
	} response;
} __aligned(16);

union ism_read_gid {
	struct {
		struct ism_req_hdr hdr;
	} request;
	struct {
		struct ism_resp_hdr hdr;
		u64 gid;
	} response;
} __aligned(16);

union ism_qi {
	struct {
		struct ism_req_hdr hdr;
	} request;
	struct {
		struct ism_resp_hdr hdr;
		u32 version;
		u32 max_len;
		u64 ism_state;
		u64 my_gid;
		u64 sba;
		u64 ieq;
		u32 ieq_len;
		u32 reserved;
		u32 dmbs_owned;
		u32 dmbs_used;
		u32 vlan_required;
		u32 vlan_nr_ids;
		u16 vlan_id[64];
	} response;
} __aligned(64);

union ism_query_rgid {
	struct {
		struct ism_req_hdr hdr;
		u64 rgid;
		u32 vlan_valid;
		u32 vlan_id;
	} request;
	struct {
		struct ism_resp_hdr hdr;
	} response;
} __aligned(16);

union ism_reg_dmb {
	struct {
		struct ism_req_hdr hdr;
		u64 dmb;
		u32 dmb_len;
		u32 sba_idx;
		u32 vlan_valid;
		u32 vlan_id;
		u64 rgid;
	} request;
	struct {
		struct ism_resp_hdr hdr;
		u64 dmb_tok;
	} response;
} __aligned(32);

union ism_sig_ieq {
	struct {
		struct ism_req_hdr hdr;
		u64 rgid;
		u32 trigger_irq;
		u32 event_code;
		u64 info;
	} request;
	struct {
		struct ism_resp_hdr hdr;
	} response;
} __aligned(32);

union ism_unreg_dmb {
	struct {
		struct ism_req_hdr hdr;
		u64 dmb_tok;
	} request;
	struct {
		struct ism_resp_hdr hdr;
	} response;
} __aligned(16);

union ism_cmd_simple {
	struct {
		struct ism_req_hdr hdr;
	} request;
	struct {
		struct ism_resp_hdr hdr;
	} response;
} __aligned(8);

union ism_set_vlan_id {
	struct {
		struct ism_req_hdr hdr;
		u64 vlan_id;
	} request;
	struct {
		struct ism_resp_hdr hdr;
	} response;
} __aligned(16);

/* Size of the command area: the largest command, rounded up. */
#define ISM_CMD_AREA_LEN	512

struct ism_eq_header {
	u64 idx;
	u64 ieq_len;
	u64 entry_len;
	u64 reserved;
};

struct ism_event {
	u32 type;
	u32 code;
	u64 tok;
	u64 time;
	u64 info;
};

#define ISM_EQ_ENTRIES		15

/*
 * The IEQ: the function writes entry[n] and then sets header.idx to n + 1
 * (so 1..ISM_EQ_ENTRIES once anything was written); the driver consumes
 * entries up to header.idx - 1, wrapping after the last one.  So at most
 * ISM_EQ_ENTRIES - 1 new entries can be told apart from none.
 */
struct ism_eq {
	struct ism_eq_header header;
	struct ism_event entry[ISM_EQ_ENTRIES];
};

struct ism_sba {
	u32 s : 1;	/* summary bit: some DMB bit was set */
	u32 e : 1;	/* event bit: the IEQ has new entries */
	u32 reserved_bits : 30;
	u32 dmb_bits[ISM_NR_DMBS / 32];
	u32 reserved[3];
	u16 dmbe_mask[ISM_NR_DMBS];
};

/*
 * ism_sba_bit_nr() - the bit of the DMB bit vector for SBA index @sba_idx
 *
 * As a bit number for the kernel's bitops on the unsigned long array at
 * &sba->dmb_bits[ISM_DMB_WORD_OFFSET]: MSB-first numbering within each
 * 64-bit word (what s390 calls the inverted bit number).
 */
static inline unsigned long ism_sba_bit_nr(unsigned int sba_idx)
{
	return (sba_idx - ISM_DMB_BIT_OFFSET) ^ (BITS_PER_LONG - 1);
}

/*
 * The move request (the "offset" operand of the PCI store block into BAR
 * 0): the DMB token in the high 32 bits, the writer's index, the signal
 * flag and the offset into the DMB in the low 32.  A token has its low 32
 * bits clear.
 */
#define ISM_MOVE_OFFSET_MASK	GENMASK_ULL(22, 0)
#define ISM_MOVE_SF		BIT_ULL(23)
#define ISM_MOVE_IDX_SHIFT	24
#define ISM_MOVE_IDX_MAX	0xff
#define ISM_MOVE_TOK_MASK	GENMASK_ULL(63, 32)

static inline u64 ism_move_req(u64 dmb_tok, unsigned int idx, bool sf,
			       unsigned int offset)
{
	return dmb_tok | (u64)idx << ISM_MOVE_IDX_SHIFT |
	       (sf ? ISM_MOVE_SF : 0) | offset;
}

/* Largest piece of one store block: the driver splits at page boundaries. */
#define ISM_MOVE_PIECE_MAX	4096

#endif /* _DIBS_ISM_H */
