// SPDX-License-Identifier: GPL-2.0
/*
 * dibs_smcd: a dibs client that makes every dibs device an SMC-D device.
 *
 * Kernels 4.19 .. 6.2 let a driver outside net/smc provide SMC-D devices
 * through smcd_alloc_dev()/smcd_register_dev() (include/net/smc.h); this
 * module registers one smcd_dev per dibs device and translates smc's
 * struct smcd_ops into the dibs device's ops.  From 6.3 on that API is gone
 * and the module is not built (see Kbuild and include/compat/Kbuild.probe).
 *
 * GIDs.  smc of these kernels names a device by a u64 GID, dibs by a UUID.
 * The u64 is the first 8 bytes of the UUID read big endian: the "gid" half
 * of mainline's struct smcd_gid, which for ISM hardware is the whole GID.
 * The way back (u64 -> UUID) looks the u64 up among the dibs devices of
 * this system, which covers every peer a software fabric can reach, and
 * otherwise yields the UUID with that u64 in its first 8 bytes and zeros in
 * the rest (mainline's gid_ext of 0, right for ISM peers on other systems).
 * A dibs device whose u64 is 0 or collides with another device's is not
 * offered to smc (64 random bits: it does not happen with dibs_lo).
 *
 * CHID = the dibs fabric id: equal on both ends of a fabric, different
 * between fabrics, which is what smc's v2 device matching needs.
 *
 * System EID.  smc decides once, at the first registered SMC-D device,
 * whether SMC-Dv2 is possible (byte 24 or 28 of that device's system EID is
 * not '0').  On s390 we report what the ism driver reports, byte for byte
 * (smc compares system EIDs with memcmp()): the CPU identification's low
 * 16 bits in bytes 24..27 and the machine type in bytes 28..31, so that v2
 * negotiates with systems using ism.ko; elsewhere a fixed
 * "DIBS-LINUX-SMCD-SEID..." that enables v2.  Whether v2 is then used also
 * depends on the EID tables (see Documentation/smcd.rst).
 *
 * Parent device.  smc's netlink device dump casts the parent of every
 * smcd_dev to a struct pci_dev (6.1: smc_nl_handle_smcd_dev()).  A dibs
 * device whose parent is a PCI device (ISM) passes that parent; for the
 * others this module adds a zeroed struct pci_dev that is on no bus, named
 * like the dibs device, as a child of the dibs device, so the dump reads
 * well-defined zeros and the dibs name as "PCI-ID" (on s390, where smc
 * also follows the PCI device to its zPCI function, a zeroed one of those
 * too).
 *
 * Locking.  dibs_smcd_lock (mutex) protects dibs_smcd_devs (readers use
 * RCU) and each device's attach state; it is held across
 * smcd_register_dev(), never across smcd_unregister_dev(): that waits
 * until the programs using the device closed their sockets (for ever if
 * smc lost a link group, Documentation/smcd.rst), and meanwhile other
 * devices must come and go, at unload too.  Whoever detaches a device,
 * del_dev() or the unload, marks it leaving under the lock (the other and
 * the DMB clean-up leave it alone then), detaches it without the lock and
 * marks it detached; a del_dev() that finds the unload detaching its
 * device waits for that.  del_dev() takes the device off the list under
 * the lock.  The smcd ops that need a GID
 * lookup walk the list under rcu_read_lock() only, so they work in any
 * context.  handle_irq()/handle_event() forward to smc only while
 * dibs_smcd_dev.live is set; it is cleared, and an RCU grace period waited
 * for, before smcd_unregister_dev().
 *
 * First contacts.  smc 6.1 (mainline too) lets an SMC-D server reuse a link
 * group as soon as it has sent the CLC accept of the connection that made
 * it, before the client has made its side; a client that gets the accept
 * of a second connection (no "first contact") before it processed that of
 * the first finds no link group, declines with SYNCERR and the first
 * contact flag, and the server then terminates the link group with every
 * connection on it: a pool that opens its connections at once loses all
 * of them.  smc asks the server's device query_remote_gid() for the
 * client's GID before it decides, under the mutex that the client's side
 * needs to make its link group.  Where the client's device is one of ours
 * in this system, we can tell that moment: smc registered DMBs on the
 * server's device for the client's GID but none on the client's device
 * for the server's.  query_remote_gid() then says "not reachable", and
 * that one connection falls back to TCP instead (with no first contact
 * flag, which ends nothing else).  Waiting instead would hold smc's mutex
 * that the client needs.  The DMBs are counted per peer GID in
 * register_dmb()/unregister_dmb().  A peer on another system (ISM between
 * LPARs) cannot be seen: the race remains there (Documentation/smcd.rst).
 *
 * DMBs.  smc unregisters its DMBs before smcd_unregister_dev() returns and
 * forgets each one whatever unregister_dmb() answered.  What is still
 * ours on the device after that (smc lost track of it) is unregistered
 * here, found through the device kind's dmb_next(); a driver gives up a
 * DMB it cannot unregister (dibs_ism: -EIO).  dibs_unregister_client()
 * would unregister what is left too, as it does for any client.
 */
#define pr_fmt(fmt) "dibs_smcd: " fmt

#include <linux/device.h>
#include <linux/dibs.h>
#include <linux/module.h>
#include <linux/mutex.h>
#include <linux/pci.h>
#include <linux/rculist.h>
#include <linux/slab.h>
#include <linux/string.h>
#include <linux/workqueue.h>
#include <compat/dibs_smc.h>
#if IS_ENABLED(CONFIG_S390)
#include <asm/processor.h>
#endif

#include "dibs_smcd.h"

MODULE_DESCRIPTION("dibs: every dibs device as an SMC-D device");
MODULE_AUTHOR("The dibs authors");
MODULE_LICENSE("GPL");
MODULE_VERSION(DIBS_VERSION);

/* dma_addr reported to smc when the device has none: smc unregisters a DMB
 * only if its dma_addr is non-zero.
 */
#define DIBS_SMCD_NO_DMA_ADDR	((dma_addr_t)~0ULL)

/* Peers per device whose DMBs are counted (first contacts, see above). */
#define DIBS_SMCD_PEERS		16
/* dibs_smcd_dev.peer_of[]: not smc's DMB, and smc's without a peer entry */
#define DIBS_SMCD_NO_PEER	0xff
#define DIBS_SMCD_FULL_PEER	0xfe

/**
 * struct dibs_smcd_dev - what this client keeps per dibs device
 * @node: entry in dibs_smcd_devs (RCU)
 * @dibs: the dibs device, valid from add_dev() to del_dev()
 * @uuid: copy of the device's GID, for RCU readers that outlive @dibs
 * @gid: the u64 GID smc knows the device by
 * @smcd: the SMC-D device while attached, else NULL
 * @parent: the stand-in PCI parent this client added, or NULL
 * @max_dmbs: size of smc's conn[] array for @smcd
 * @live: forward handle_irq()/handle_event() to @smcd (RCU)
 * @in_table: @gid is unique and in the lookup table
 * @leaving: del_dev() or the unload detaches the device (under
 *	dibs_smcd_lock)
 * @detached: that detach is done
 * @peers_lock: protects @peers, @peers_full and @peer_of
 * @peers: the SMC-D GIDs smc registered DMBs on this device for (the
 *	peers of its link groups), with the number of those DMBs
 * @peers_full: DMBs whose peer found no free entry in @peers
 * @peer_of: per DMB index (@max_dmbs of them): its entry in @peers, or
 *	DIBS_SMCD_NO_PEER
 * @rcu: deferred free
 */
struct dibs_smcd_dev {
	struct list_head node;
	struct dibs_dev *dibs;
	uuid_t uuid;
	u64 gid;
	struct smcd_dev *smcd;
	struct dibs_smcd_parent *parent;
	unsigned int max_dmbs;
	bool live;
	bool in_table;
	bool leaving;
	bool detached;
	spinlock_t peers_lock;
	struct dibs_smcd_peer {
		u64 gid;
		unsigned int dmbs;
	} peers[DIBS_SMCD_PEERS];
	unsigned int peers_full;
	u8 *peer_of;
	struct rcu_head rcu;
};

/**
 * struct dibs_smcd_parent - the stand-in PCI parent of an SMC-D device
 * @pdev: what smc sees; zeroed, on no bus
 * @zbus: s390: smc also reads the zPCI function behind the PCI device
 *	(@pdev.sysdata -> zpci_bus.function[devfn]); zeroed as well
 * @zdev: s390: that function
 */
struct dibs_smcd_parent {
	struct pci_dev pdev;
#if IS_ENABLED(CONFIG_S390)
	struct zpci_bus zbus;
	struct zpci_dev zdev;
#endif
};

static DEFINE_MUTEX(dibs_smcd_lock);
static LIST_HEAD(dibs_smcd_devs);
static bool dibs_smcd_exiting;
static u8 dibs_smcd_seid[DIBS_SMCD_EID_LEN];

static struct dibs_client dibs_smcd_client;

#ifdef DIBS_TESTS
/* Test builds: the next N smcd_register_dev() calls fail with -EIO. */
static unsigned int test_fail_register;
module_param(test_fail_register, uint, 0644);
MODULE_PARM_DESC(test_fail_register,
		 "tests: fail the next N SMC-D device registrations");

/*
 * Test builds: the next N unregister_dmb() calls of smc do not reach the
 * device, as if smc had lost track of those DMBs.
 */
static unsigned int test_lose_unregister;
module_param(test_lose_unregister, uint, 0644);
MODULE_PARM_DESC(test_lose_unregister,
		 "tests: drop the next N DMB unregistrations of smc");

static bool dibs_smcd_test_lose_unregister(void)
{
	unsigned int n, old;

	for (n = READ_ONCE(test_lose_unregister); n; n = old) {
		old = cmpxchg(&test_lose_unregister, n, n - 1);
		if (old == n)
			return true;
	}
	return false;
}

static int dibs_smcd_register_dev(struct smcd_dev *smcd)
{
	if (test_fail_register) {
		test_fail_register--;
		return -EIO;
	}
	return smcd_register_dev(smcd);
}
#else
static bool dibs_smcd_test_lose_unregister(void)
{
	return false;
}

static int dibs_smcd_register_dev(struct smcd_dev *smcd)
{
	return smcd_register_dev(smcd);
}
#endif

static u64 dibs_smcd_uuid_to_gid(const uuid_t *uuid)
{
	__be64 gid;

	memcpy(&gid, &uuid->b[0], sizeof(gid));
	return be64_to_cpu(gid);
}

/* u64 GID -> UUID, see the comment at the top. Any context. */
static void dibs_smcd_gid_to_uuid(u64 gid, uuid_t *uuid)
{
	struct dibs_smcd_dev *ddev;
	__be64 be_gid;

	rcu_read_lock();
	list_for_each_entry_rcu(ddev, &dibs_smcd_devs, node) {
		if (ddev->in_table && ddev->gid == gid) {
			uuid_copy(uuid, &ddev->uuid);
			rcu_read_unlock();
			return;
		}
	}
	rcu_read_unlock();
	be_gid = cpu_to_be64(gid);
	memset(uuid, 0, sizeof(*uuid));
	memcpy(&uuid->b[0], &be_gid, sizeof(be_gid));
}

static struct dibs_dev *dibs_smcd_to_dibs(struct smcd_dev *smcd)
{
	struct dibs_smcd_dev *ddev = smcd->priv;

	return ddev->dibs;
}

/* smc registered DMB @idx on @ddev for the peer @gid.  Process context. */
static void dibs_smcd_count_dmb(struct dibs_smcd_dev *ddev, unsigned int idx,
				u64 gid)
{
	unsigned int i, free = DIBS_SMCD_PEERS;

	spin_lock(&ddev->peers_lock);
	for (i = 0; i < DIBS_SMCD_PEERS; i++) {
		if (ddev->peers[i].dmbs && ddev->peers[i].gid == gid)
			break;
		if (!ddev->peers[i].dmbs && free == DIBS_SMCD_PEERS)
			free = i;
	}
	if (i == DIBS_SMCD_PEERS)
		i = free;
	if (i < DIBS_SMCD_PEERS) {
		ddev->peers[i].gid = gid;
		ddev->peers[i].dmbs++;
		ddev->peer_of[idx] = i;
	} else {
		ddev->peers_full++;
		ddev->peer_of[idx] = DIBS_SMCD_FULL_PEER;
	}
	spin_unlock(&ddev->peers_lock);
}

/* smc unregistered (and forgot) DMB @idx on @ddev.  Process context. */
static void dibs_smcd_uncount_dmb(struct dibs_smcd_dev *ddev, unsigned int idx)
{
	u8 peer;

	if (idx >= ddev->max_dmbs)
		return;
	spin_lock(&ddev->peers_lock);
	peer = ddev->peer_of[idx];
	if (peer < DIBS_SMCD_PEERS)
		ddev->peers[peer].dmbs--;
	else if (peer == DIBS_SMCD_FULL_PEER)
		ddev->peers_full--;
	ddev->peer_of[idx] = DIBS_SMCD_NO_PEER;
	spin_unlock(&ddev->peers_lock);
}

/* Does smc hold DMBs on @ddev for the peer @gid?  1 yes, 0 no, -1 unknown. */
static int dibs_smcd_has_dmbs_for(struct dibs_smcd_dev *ddev, u64 gid)
{
	unsigned int i;
	int rc;

	spin_lock(&ddev->peers_lock);
	rc = ddev->peers_full ? -1 : 0;
	for (i = 0; i < DIBS_SMCD_PEERS; i++) {
		if (ddev->peers[i].dmbs && ddev->peers[i].gid == gid) {
			rc = 1;
			break;
		}
	}
	spin_unlock(&ddev->peers_lock);
	return rc;
}

/*
 * Is a first contact between @ddev and the peer @rgid half done?  See
 * "First contacts" at the top: smc on @ddev (the server's device) has a
 * link group with the peer, with DMBs, while the peer, a device of this
 * system, has none with @ddev yet.  Process context.
 */
static bool dibs_smcd_first_contact_pending(struct dibs_smcd_dev *ddev,
					    u64 rgid)
{
	struct dibs_smcd_dev *peer;
	bool pending = false;

	if (rgid == ddev->gid || dibs_smcd_has_dmbs_for(ddev, rgid) != 1)
		return false;
	rcu_read_lock();
	list_for_each_entry_rcu(peer, &dibs_smcd_devs, node) {
		if (peer->in_table && peer->gid == rgid) {
			/* acquire: pairs with the release in dibs_smcd_attach() */
			pending = smp_load_acquire(&peer->live) &&
				  !dibs_smcd_has_dmbs_for(peer, ddev->gid);
			break;
		}
	}
	rcu_read_unlock();
	return pending;
}

/*
 * smc calls this on the server side only, for the GID a client proposed,
 * under its smc_server_lgr_pending mutex, before it decides between a new
 * link group and an existing one.
 */
static int dibs_smcd_query_remote_gid(struct smcd_dev *smcd, u64 rgid,
				      u32 vid_valid, u32 vid)
{
	struct dibs_dev *dibs = dibs_smcd_to_dibs(smcd);
	uuid_t uuid;

	if (dibs_smcd_first_contact_pending(smcd->priv, rgid))
		return -EAGAIN;
	dibs_smcd_gid_to_uuid(rgid, &uuid);
	return dibs->ops->query_remote_gid(dibs, &uuid, vid_valid, vid);
}

static int dibs_smcd_register_dmb(struct smcd_dev *smcd, struct smcd_dmb *sdmb)
{
	struct dibs_smcd_dev *ddev = smcd->priv;
	struct dibs_dev *dibs = ddev->dibs;
	struct dibs_dmb dmb = {};
	int rc;

	dmb.dmb_len = sdmb->dmb_len;
	dmb.idx = sdmb->sba_idx;
	dmb.vlan_valid = sdmb->vlan_valid;
	dmb.vlan_id = sdmb->vlan_id;
	dibs_smcd_gid_to_uuid(sdmb->rgid, &dmb.rgid);

	rc = dibs->ops->register_dmb(dibs, &dmb, &dibs_smcd_client);
	if (rc)
		return rc;
	/* smc indexes its conn[] array with the index: never overrun it. */
	if (dmb.idx >= ddev->max_dmbs) {
		pr_err("%s: DMB index %u beyond max_dmbs %u\n",
		       dev_name(&dibs->dev), dmb.idx, ddev->max_dmbs);
		dibs->ops->unregister_dmb(dibs, &dmb);
		return -EIO;
	}
	dibs_smcd_count_dmb(ddev, dmb.idx, sdmb->rgid);
	sdmb->dmb_tok = dmb.dmb_tok;
	sdmb->sba_idx = dmb.idx;
	sdmb->cpu_addr = dmb.cpu_addr;
	sdmb->dmb_len = dmb.dmb_len;
	sdmb->dma_addr = dmb.dma_addr ? dmb.dma_addr : DIBS_SMCD_NO_DMA_ADDR;
	return 0;
}

/* smc forgets a DMB only on 0 or ISM_ERROR; a DMB that dibs does not know
 * (any error) is gone, so smc should forget it too.
 */
static int dibs_smcd_unregister_dmb(struct smcd_dev *smcd,
				    struct smcd_dmb *sdmb)
{
	struct dibs_dev *dibs = dibs_smcd_to_dibs(smcd);
	struct dibs_dmb dmb = {};
	int rc;

	/* smc forgets the DMB whatever this returns */
	dibs_smcd_uncount_dmb(smcd->priv, sdmb->sba_idx);
	if (dibs_smcd_test_lose_unregister())
		return 0;
	dmb.dmb_tok = sdmb->dmb_tok;
	dmb.idx = sdmb->sba_idx;
	dmb.cpu_addr = sdmb->cpu_addr;
	dmb.dmb_len = sdmb->dmb_len;
	dmb.dma_addr = sdmb->dma_addr;
	rc = dibs->ops->unregister_dmb(dibs, &dmb);
	if (rc) {
		pr_debug("%s: unregister_dmb(%llx): %d\n",
			 dev_name(&dibs->dev), sdmb->dmb_tok, rc);
		return ISM_ERROR;
	}
	return 0;
}

/* Called under smcd->lock (spin_lock_irqsave): must not sleep; the dibs ops
 * are atomic-safe by contract.
 */
static int dibs_smcd_add_vlan_id(struct smcd_dev *smcd, u64 vlan_id)
{
	struct dibs_dev *dibs = dibs_smcd_to_dibs(smcd);

	if (!dibs->ops->add_vlan_id)
		return 0;
	return dibs->ops->add_vlan_id(dibs, vlan_id);
}

static int dibs_smcd_del_vlan_id(struct smcd_dev *smcd, u64 vlan_id)
{
	struct dibs_dev *dibs = dibs_smcd_to_dibs(smcd);

	if (!dibs->ops->del_vlan_id)
		return 0;
	return dibs->ops->del_vlan_id(dibs, vlan_id);
}

/* Never used by smc; present because smc does not check for NULL ops. */
static int dibs_smcd_vlan_required(struct smcd_dev *smcd)
{
	return 0;
}

/*
 * Nothing goes to one's own GID: a SHUTDOWN that comes back to the sender
 * makes smc terminate every link group with that peer GID, which on a
 * device that reaches itself are the sender's own healthy ones.
 */
static int dibs_smcd_signal_event(struct smcd_dev *smcd, u64 rgid,
				  u32 trigger_irq, u32 event_code, u64 info)
{
	struct dibs_dev *dibs = dibs_smcd_to_dibs(smcd);
	uuid_t uuid;

	if (rgid == smcd->local_gid || !dibs->ops->signal_event)
		return 0;
	dibs_smcd_gid_to_uuid(rgid, &uuid);
	return dibs->ops->signal_event(dibs, &uuid, trigger_irq, event_code,
				       info);
}

/* Atomic context (smc's send lock, rx tasklet); so is dibs' move_data. */
static int dibs_smcd_move_data(struct smcd_dev *smcd, u64 dmb_tok,
			       unsigned int idx, bool sf, unsigned int offset,
			       void *data, unsigned int size)
{
	struct dibs_dev *dibs = dibs_smcd_to_dibs(smcd);

	return dibs->ops->move_data(dibs, dmb_tok, idx, sf, offset, data, size);
}

static u8 *dibs_smcd_get_system_eid(void)
{
	return dibs_smcd_seid;
}

static u16 dibs_smcd_get_chid(struct smcd_dev *smcd)
{
	struct dibs_dev *dibs = dibs_smcd_to_dibs(smcd);

	return dibs->ops->get_fabric_id(dibs);
}

static const struct smcd_ops dibs_smcd_ops = {
	.query_remote_gid = dibs_smcd_query_remote_gid,
	.register_dmb = dibs_smcd_register_dmb,
	.unregister_dmb = dibs_smcd_unregister_dmb,
	.add_vlan_id = dibs_smcd_add_vlan_id,
	.del_vlan_id = dibs_smcd_del_vlan_id,
	.set_vlan_required = dibs_smcd_vlan_required,
	.reset_vlan_required = dibs_smcd_vlan_required,
	.signal_event = dibs_smcd_signal_event,
	.move_data = dibs_smcd_move_data,
	/* for dibs_smcd_get_system_eid(): include/compat/dibs_smc.h */
	.get_system_eid = dibs_smcd_system_eid_op,
	.get_chid = dibs_smcd_get_chid,
};

/* Client callbacks from the device: atomic context. */
static void dibs_smcd_handle_irq(struct dibs_dev *dibs, unsigned int idx,
				 u16 dmbemask)
{
	struct dibs_smcd_dev *ddev;

	rcu_read_lock();
	ddev = dibs_get_priv(dibs, &dibs_smcd_client);
	/* acquire: pairs with the release in dibs_smcd_attach() */
	if (ddev && smp_load_acquire(&ddev->live) && idx < ddev->max_dmbs)
		smcd_handle_irq(ddev->smcd, idx, dmbemask);
	rcu_read_unlock();
}

static void dibs_smcd_handle_event(struct dibs_dev *dibs,
				   const struct dibs_event *event)
{
	struct smcd_event sev = {};
	struct dibs_smcd_dev *ddev;

	switch (event->type) {
	case DIBS_BUF_EVENT:
		sev.type = ISM_EVENT_DMB;
		sev.tok = event->buffer_tok;
		break;
	case DIBS_DEV_EVENT:
		sev.type = ISM_EVENT_GID;
		sev.tok = dibs_smcd_uuid_to_gid(&event->gid);
		break;
	case DIBS_SW_EVENT:
		sev.type = ISM_EVENT_SWR;
		sev.tok = dibs_smcd_uuid_to_gid(&event->gid);
		break;
	default:
		return;
	}
	sev.code = event->subtype;
	sev.time = event->time;
	sev.info = event->data;

	rcu_read_lock();
	ddev = dibs_get_priv(dibs, &dibs_smcd_client);
	/*
	 * acquire: pairs with the release in dibs_smcd_attach().  See
	 * dibs_smcd_signal_event(): no software event from oneself.
	 */
	if (ddev && smp_load_acquire(&ddev->live) &&
	    !(sev.type == ISM_EVENT_SWR && sev.tok == ddev->gid))
		smcd_handle_event(ddev->smcd, &sev);
	rcu_read_unlock();
}

static void dibs_smcd_parent_release(struct device *dev)
{
	kfree(container_of(to_pci_dev(dev), struct dibs_smcd_parent, pdev));
}

/* The parent smc will see as a PCI device; see the comment at the top. */
static struct device *dibs_smcd_get_parent(struct dibs_smcd_dev *ddev)
{
	struct device *parent = ddev->dibs->dev.parent;
	struct dibs_smcd_parent *p;
	int rc;

	if (parent && dev_is_pci(parent))
		return parent;

	p = kzalloc(sizeof(*p), GFP_KERNEL);
	if (!p)
		return NULL;
#if IS_ENABLED(CONFIG_S390)
	p->zbus.function[0] = &p->zdev;
	p->pdev.sysdata = &p->zbus;
#endif
	device_initialize(&p->pdev.dev);
	p->pdev.dev.release = dibs_smcd_parent_release;
	p->pdev.dev.parent = &ddev->dibs->dev;
	rc = dev_set_name(&p->pdev.dev, "%s", dev_name(&ddev->dibs->dev));
	if (!rc)
		rc = device_add(&p->pdev.dev);
	if (rc) {
		put_device(&p->pdev.dev);
		return NULL;
	}
	ddev->parent = p;
	return &p->pdev.dev;
}

static void dibs_smcd_put_parent(struct dibs_smcd_dev *ddev)
{
	if (ddev->parent) {
		device_unregister(&ddev->parent->pdev.dev);
		ddev->parent = NULL;
	}
}

/* Make @ddev an SMC-D device.  Under dibs_smcd_lock. */
static void dibs_smcd_attach(struct dibs_smcd_dev *ddev)
{
	const char *name = dev_name(&ddev->dibs->dev);
	struct smcd_dev *smcd;
	struct device *parent;
	int rc;

	rc = ddev->dibs->ops->max_dmbs();
	if (rc <= 0)
		return;
	ddev->max_dmbs = rc;
	ddev->peer_of = kvmalloc(ddev->max_dmbs, GFP_KERNEL);
	if (!ddev->peer_of)
		return;
	memset(ddev->peer_of, DIBS_SMCD_NO_PEER, ddev->max_dmbs);
	memset(ddev->peers, 0, sizeof(ddev->peers));
	ddev->peers_full = 0;
	parent = dibs_smcd_get_parent(ddev);
	if (!parent) {
		pr_err("%s: cannot add the parent device\n", name);
		goto err_peers;
	}
	smcd = smcd_alloc_dev(parent, name, &dibs_smcd_ops, ddev->max_dmbs);
	if (!smcd) {
		pr_err("%s: smcd_alloc_dev failed\n", name);
		goto err_parent;
	}
	smcd->priv = ddev;
	smcd->local_gid = ddev->gid;
	ddev->smcd = smcd;
	/*
	 * Publishes ->smcd and ->max_dmbs to the callbacks.  Before
	 * smcd_register_dev(): smc may use the device as soon as it is on
	 * smc's list, and a signal for its first DMB must not be lost.
	 */
	smp_store_release(&ddev->live, true);
	rc = dibs_smcd_register_dev(smcd);
	if (rc) {
		pr_err("%s: smcd_register_dev failed: %d\n", name, rc);
		WRITE_ONCE(ddev->live, false);
		/* no callback runs, so no new event work is queued ... */
		synchronize_rcu();
		/*
		 * ... and what was queued runs now, while @smcd lives:
		 * smcd_unregister_dev() destroys the queue, smcd_free_dev()
		 * does not.
		 */
		destroy_workqueue(smcd->event_wq);
		smcd->event_wq = NULL;
		ddev->smcd = NULL;
		smcd_free_dev(smcd);
		goto err_parent;
	}
	pr_info("%s: SMC-D device, GID %016llx, CHID %04x\n", name,
		ddev->gid, dibs_smcd_get_chid(smcd));
	return;

err_parent:
	dibs_smcd_put_parent(ddev);
err_peers:
	kvfree(ddev->peer_of);
	ddev->peer_of = NULL;
}

/*
 * Unregister the DMBs of ours that are left on @dibs once smc is done with
 * it (see the comment at the top).  A device without a kind cannot list
 * them: nothing to do there.
 */
static void dibs_smcd_drop_dmbs(struct dibs_dev *dibs)
{
	struct dibs_dmb_info info;
	unsigned int left = 0;
	struct dibs_dmb dmb;
	u32 idx = 0;
	int rc;

	if (!dibs->kind || !dibs->kind->dmb_next)
		return;
	while (!dibs->kind->dmb_next(dibs, &idx, &info)) {
		if (info.client_id == dibs_smcd_client.id) {
			memset(&dmb, 0, sizeof(dmb));
			dmb.dmb_tok = info.dmb_tok;
			dmb.idx = info.idx;
			dmb.dmb_len = info.dmb_len;
			rc = dibs->ops->unregister_dmb(dibs, &dmb);
			if (rc)
				pr_err("%s: DMB %u left by smc: unregister_dmb: %d\n",
				       dev_name(&dibs->dev), info.idx, rc);
			left++;
		}
		idx = info.idx + 1;
	}
	if (left)
		pr_warn("%s: unregistered %u DMB(s) smc left behind\n",
			dev_name(&dibs->dev), left);
}

/*
 * Take @ddev away from smc.  smcd_unregister_dev() terminates the link
 * groups on the device and waits until they are freed, which is when the
 * sockets using them are released.  @ddev is marked leaving by the caller,
 * who holds no lock of ours.
 */
static void dibs_smcd_detach(struct dibs_smcd_dev *ddev)
{
	struct smcd_dev *smcd = ddev->smcd;

	if (!smcd)
		goto out;
	WRITE_ONCE(ddev->live, false);
	synchronize_rcu();
	smcd_unregister_dev(smcd);
	ddev->smcd = NULL;
	smcd_free_dev(smcd);
	kvfree(ddev->peer_of);
	ddev->peer_of = NULL;
	dibs_smcd_put_parent(ddev);
	dibs_smcd_drop_dmbs(ddev->dibs);
	pr_info("%s: SMC-D device removed\n", dev_name(&ddev->dibs->dev));
out:
	/* under RCU: a del_dev() that sees this frees @ddev after a grace period */
	rcu_read_lock();
	/* release: pairs with the acquire in dibs_smcd_del_dev() */
	smp_store_release(&ddev->detached, true);
	wake_up_var(&ddev->detached);
	rcu_read_unlock();
}

static void dibs_smcd_add_dev(struct dibs_dev *dibs)
{
	struct dibs_smcd_dev *ddev, *other;

	ddev = kzalloc(sizeof(*ddev), GFP_KERNEL);
	if (!ddev)
		return;
	ddev->dibs = dibs;
	spin_lock_init(&ddev->peers_lock);
	uuid_copy(&ddev->uuid, &dibs->gid);
	ddev->gid = dibs_smcd_uuid_to_gid(&dibs->gid);

	mutex_lock(&dibs_smcd_lock);
	ddev->in_table = ddev->gid != 0;
	list_for_each_entry(other, &dibs_smcd_devs, node) {
		if (other->in_table && other->gid == ddev->gid)
			ddev->in_table = false;
	}
	list_add_tail_rcu(&ddev->node, &dibs_smcd_devs);
	dibs_set_priv(dibs, &dibs_smcd_client, ddev);
	if (!ddev->in_table)
		pr_warn("%s: GID %pUb has no unique SMC-D GID, not used for SMC-D\n",
			dev_name(&dibs->dev), &dibs->gid);
	else if (!dibs_smcd_exiting)
		dibs_smcd_attach(ddev);
	mutex_unlock(&dibs_smcd_lock);
}

static void dibs_smcd_del_dev(struct dibs_dev *dibs)
{
	struct dibs_smcd_dev *ddev = dibs_get_priv(dibs, &dibs_smcd_client);
	bool owner;

	if (!ddev)
		return;
	mutex_lock(&dibs_smcd_lock);
	owner = !ddev->leaving;
	ddev->leaving = true;
	mutex_unlock(&dibs_smcd_lock);
	/* Without the lock: this waits for the device's sockets. */
	if (owner)
		dibs_smcd_detach(ddev);
	else	/* the unload detaches it; acquire: see dibs_smcd_detach() */
		wait_var_event(&ddev->detached, smp_load_acquire(&ddev->detached));
	mutex_lock(&dibs_smcd_lock);
	list_del_rcu(&ddev->node);
	mutex_unlock(&dibs_smcd_lock);
	kfree_rcu(ddev, rcu);
}

static const struct dibs_client_ops dibs_smcd_client_ops = {
	.add_dev = dibs_smcd_add_dev,
	.del_dev = dibs_smcd_del_dev,
	.handle_irq = dibs_smcd_handle_irq,
	.handle_event = dibs_smcd_handle_event,
};

static struct dibs_client dibs_smcd_client = {
	.name = "smcd",
	.ops = &dibs_smcd_client_ops,
};

/**
 * dibs_smcd_seid_from_cpuid() - the system EID of s390's ism driver
 * @seid: DIBS_SMCD_EID_LEN bytes, filled (no NUL)
 * @id: the CPU identification (what get_cpu_id() stores)
 *
 * "IBM-SYSZ-ISMSEID", eight '0', then the low 16 bits of @id->ident and
 * @id->machine, each as four upper-case hex digits: byte for byte what
 * ism.ko (drivers/s390/net/ism_drv.c) reports for a v2 capable function.
 */
void dibs_smcd_seid_from_cpuid(u8 *seid, const struct dibs_smcd_cpuid *id)
{
	char hex[5];

	memset(seid, '0', DIBS_SMCD_EID_LEN);
	memcpy(seid, "IBM-SYSZ-ISMSEID", 16);
	snprintf(hex, sizeof(hex), "%04X", id->ident & 0xffff);
	memcpy(&seid[24], hex, 4);
	snprintf(hex, sizeof(hex), "%04X", id->machine);
	memcpy(&seid[28], hex, 4);
}
#ifdef DIBS_TESTS
EXPORT_SYMBOL_GPL(dibs_smcd_seid_from_cpuid);
#endif

static void dibs_smcd_init_seid(void)
{
#if IS_ENABLED(CONFIG_S390)
	struct dibs_smcd_cpuid dc;
	struct cpuid id;

	get_cpu_id(&id);
	dc.ident = id.ident;
	dc.machine = id.machine;
	dibs_smcd_seid_from_cpuid(dibs_smcd_seid, &dc);
#else
	memset(dibs_smcd_seid, '0', sizeof(dibs_smcd_seid));
	memcpy(dibs_smcd_seid, "DIBS-LINUX-SMCD-SEID", 20);
	memcpy(&dibs_smcd_seid[28], "DIBS", 4);
#endif
}

static int __init dibs_smcd_init(void)
{
	int rc;

	dibs_smcd_init_seid();
	rc = dibs_register_client(&dibs_smcd_client);
	if (rc)
		pr_err("cannot register the dibs client: %d\n", rc);
	return rc;
}

/* The unload: the next device for smc to let go of, marked leaving. */
static struct dibs_smcd_dev *dibs_smcd_claim_next(void)
{
	struct dibs_smcd_dev *ddev;

	mutex_lock(&dibs_smcd_lock);
	list_for_each_entry(ddev, &dibs_smcd_devs, node) {
		if (!ddev->leaving && ddev->smcd) {
			ddev->leaving = true;
			mutex_unlock(&dibs_smcd_lock);
			return ddev;
		}
	}
	mutex_unlock(&dibs_smcd_lock);
	return NULL;
}

static void __exit dibs_smcd_exit(void)
{
	struct dibs_smcd_dev *ddev;

	/*
	 * smcd_unregister_dev() waits for the programs using the device: take
	 * the devices from smc first, without any lock of dibs_core's, rather
	 * than in the del_dev() calls of dibs_unregister_client(), which holds
	 * the device list meanwhile.
	 */
	mutex_lock(&dibs_smcd_lock);
	dibs_smcd_exiting = true;
	mutex_unlock(&dibs_smcd_lock);
	/* one at a time, without the lock: see "Locking" at the top */
	while ((ddev = dibs_smcd_claim_next()))
		dibs_smcd_detach(ddev);

	/*
	 * smc's DMBs went with its devices, and what it left was dropped; a
	 * DMB still ours (a driver that broke its contract) is unregistered
	 * by dibs_unregister_client().
	 */
	dibs_unregister_client(&dibs_smcd_client);
	rcu_barrier();
}

module_init(dibs_smcd_init);
module_exit(dibs_smcd_exit);
