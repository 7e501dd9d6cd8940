/* SPDX-License-Identifier: GPL-2.0 */
/*
 * dibs_ivshmem: the layout of the shared memory (BAR2), protocol version 1.
 *
 * Documentation/ivshmem.rst is the normative description; this header and
 * that page must agree.  Every multi-byte field is little-endian.  Every
 * field has exactly one writer (the peer named in the comment): QEMU's TCG
 * gives no atomic operation across guests, so the protocol needs none.
 */
#ifndef _DIBS_IVSHMEM_PROTO_H
#define _DIBS_IVSHMEM_PROTO_H

#include <linux/types.h>

#define IVS_MAGIC		0x4853564953424944ULL	/* see IVS_MAGIC_BYTES */
#define IVS_MAGIC_BYTES		"DIBSIVSH"
#define IVS_VERSION		1

/* Fixed offsets and sizes of version 1, in bytes. */
#define IVS_HDR_OFF		0x0
#define IVS_PEER_TABLE_OFF	0x1000
#define IVS_PEER_ENTRY_SIZE	128
#define IVS_MAX_PEERS_MIN	2
#define IVS_MAX_PEERS_MAX	64
#define IVS_PART_OFF		0x10000		/* first partition */
#define IVS_PART_ALIGN		0x10000
/* Inside a partition: */
#define IVS_MBOX_OFF		0x1000		/* event mailboxes */
#define IVS_MBOX_SIZE		256		/* per writer slot */
#define IVS_MBOX_ENTRIES	8
#define IVS_DESC_OFF		0x8000		/* DMB descriptors */
#define IVS_DESC_SIZE		64
#define IVS_DMBS		512		/* descriptors per partition */
#define IVS_DATA_OFF		0x10000		/* DMB data area */
#define IVS_DATA_UNIT		4096		/* DMBs are allocated in units */
#define IVS_PART_MIN		(IVS_DATA_OFF + IVS_PART_ALIGN)
#define IVS_REGION_MIN		(IVS_PART_OFF + 2 * IVS_PART_MIN)

/* Peer states (struct ivs_peer.state). */
#define IVS_PEER_FREE		0
#define IVS_PEER_JOINING	1
#define IVS_PEER_READY		2
#define IVS_PEER_LEAVING	3

#define IVS_PEER_MAGIC		0x52454550	/* "PEER" */

/* DMB descriptor states (struct ivs_desc.state). */
#define IVS_DESC_FREE		0
#define IVS_DESC_REGISTERED	1

/*
 * Token: bits 63..56 IVS_TOK_TAG, 55..48 owner slot, 47..32 descriptor
 * index, 31..0 generation (never 0).
 */
#define IVS_TOK_TAG		0xd1ULL
#define IVS_TOK(slot, idx, gen)	((IVS_TOK_TAG << 56) | ((u64)(slot) << 48) | \
				 ((u64)(idx) << 32) | (u32)(gen))
#define IVS_TOK_TAG_OF(t)	((t) >> 56)
#define IVS_TOK_SLOT(t)		((u32)((t) >> 48) & 0xff)
#define IVS_TOK_IDX(t)		((u32)((t) >> 32) & 0xffff)
#define IVS_TOK_GEN(t)		((u32)(t))

/* Doorbell vector used for everything (DMB signals and events). */
#define IVS_VECTOR		0

/**
 * struct ivs_hdr - the region header at offset 0
 * @magic: IVS_MAGIC_BYTES
 * @version: IVS_VERSION
 * @max_peers: number of slots (peer table entries and partitions)
 * @region_size: size of BAR2 in bytes (a power of two)
 * @part_off: offset of partition 0 (IVS_PART_OFF)
 * @part_size: size of one partition, a multiple of IVS_PART_ALIGN
 * @fabric_id: the dibs fabric id of every device on the region
 * @reserved: zero
 * @peer_entry_size: IVS_PEER_ENTRY_SIZE
 * @peer_table_off: IVS_PEER_TABLE_OFF
 * @dmbs: IVS_DMBS
 * @desc_size: IVS_DESC_SIZE
 * @data_off: IVS_DATA_OFF
 * @region_id: random, chosen by the initialiser
 * @crc: crc32 (little-endian, seed ~0, final xor ~0) of the bytes before it
 *
 * Written by whichever peer finds no valid header; all fields are then
 * constant.  Any peer that finds it damaged writes its own copy back.
 */
struct ivs_hdr {
	__le64 magic;
	__le32 version;
	__le32 max_peers;
	__le64 region_size;
	__le64 part_off;
	__le64 part_size;
	__le16 fabric_id;
	__le16 reserved;
	__le32 peer_entry_size;
	__le32 peer_table_off;
	__le32 dmbs;
	__le32 desc_size;
	__le32 data_off;
	u8 region_id[16];
	__le32 crc;
} __packed;

#define IVS_HDR_CRC_LEN		offsetof(struct ivs_hdr, crc)

/**
 * struct ivs_peer - one entry of the peer table (IVS_PEER_ENTRY_SIZE bytes)
 * @magic: IVS_PEER_MAGIC
 * @ivposition: the owner's IVPosition; slot = ivposition % max_peers
 * @gid: the owner's dibs GID
 * @generation: random, new at every join (incarnation)
 * @crc: crc32 of @magic .. @generation
 * @state: IVS_PEER_*
 * @heartbeat: incremented by the owner every heartbeat period
 * @period_ms: the owner's heartbeat period
 * @reserved: zero
 *
 * Written only by the peer of the slot.
 */
struct ivs_peer {
	__le32 magic;
	__le32 ivposition;
	u8 gid[16];
	__le32 generation;
	__le32 crc;
	__le32 state;
	__le32 period_ms;
	__le64 heartbeat;
	u8 reserved[IVS_PEER_ENTRY_SIZE - 48];
} __packed;

#define IVS_PEER_CRC_LEN	offsetof(struct ivs_peer, crc)

/**
 * struct ivs_desc - one DMB descriptor (IVS_DESC_SIZE bytes)
 * @state: IVS_DESC_*; reader
 * @generation: generation of the token; reader
 * @len: length of the DMB in bytes; reader
 * @data_off: offset of the DMB in the partition; reader
 * @writer_gid: GID of the only writer; reader
 * @ack_seq: last @sig_seq the reader consumed; reader
 * @reserved: zero
 * @sig_seq: incremented by the writer for every signal; writer
 * @sig_mask: signal bits since the reader's last @ack_seq; writer
 * @reserved2: zero
 */
struct ivs_desc {
	__le32 state;
	__le32 generation;
	__le32 len;
	__le32 data_off;
	u8 writer_gid[16];
	__le32 ack_seq;
	u8 reserved[4];
	/* writer-owned, from offset 40 */
	__le32 sig_seq;
	__le32 sig_mask;
	u8 reserved2[IVS_DESC_SIZE - 48];
} __packed;

/**
 * struct ivs_mbox - events one writer slot sends to a partition's owner
 * @head: number of events ever written; writer
 * @reserved: zero
 * @ent: ring of events; entry i is @ent[i % IVS_MBOX_ENTRIES]; writer
 * @ent.code: the event code (dibs_event.subtype)
 * @ent.reserved: zero
 * @ent.info: the event data
 */
struct ivs_mbox {
	__le32 head;
	u8 reserved[60];
	struct {
		__le32 code;
		__le32 reserved;
		__le64 info;
	} __packed ent[IVS_MBOX_ENTRIES];
	u8 pad[IVS_MBOX_SIZE - 64 - 16 * IVS_MBOX_ENTRIES];
} __packed;

#endif /* _DIBS_IVSHMEM_PROTO_H */
