// SPDX-License-Identifier: GPL-2.0
/*
 * dibs_core: clients, which register with dibs_register_client() and get
 * add_dev()/del_dev() for every device (dibs_main.c has the lists).
 *
 * Locking (the order of dibs_main.c): dibs_register_client() and
 * dibs_unregister_client() hold dibs_devs_lock while they call add_dev()/
 * del_dev(), so a client never sees a device twice; dibs_clients_lock,
 * inside it, guards dibs_clients[] only.  dibs_unregister_client() lets
 * dibs_devs_lock go across its RCU grace period: meanwhile
 * dibs_clients_going[] keeps the client findable for a removal, and
 * dibs_clients_leaving[] keeps its slot taken.  dibs_dev.lock guards a
 * device's subs[] and dmb_clientid_arr[].
 */
#define pr_fmt(fmt) "dibs: " fmt

#include <linux/dibs.h>
#include <linux/mutex.h>
#include <linux/rcupdate.h>
#include <linux/wait.h>

#include "dibs_core.h"

/*
 * Count the DMB indices owned by @client_id.  Only dibs_unregister_client()
 * scans like this (privileged, rare); everybody else reads the counter.
 */
static unsigned int dibs_dev_count_dmbs(struct dibs_dev *dibs, u8 client_id)
{
	int i, max_dmbs = dibs->ops->max_dmbs();
	unsigned int n = 0;
	unsigned long flags;

	spin_lock_irqsave(&dibs->lock, flags);
	for (i = 0; i < max_dmbs; i++)
		if (dibs->dmb_clientid_arr[i] == client_id)
			n++;
	spin_unlock_irqrestore(&dibs->lock, flags);
	return n;
}

/* For messages: a client need not have a name (mainline's do not). */
static const char *dibs_client_name(const struct dibs_client *client)
{
	return client->name ?: "(unnamed)";
}

/*
 * After @client's del_dev() on @dibs, which is where a client ends its DMBs
 * (smc does): unregister what it left there, so that its slot never
 * inherits them.  Through the kind's dmb_next() where there is one; what
 * stays (no dmb_next(), or the device refused) no longer belongs to any
 * client: no callback of it reaches the next client in this slot.  Caller
 * holds dibs_devs_lock.
 */
static void dibs_dev_drop_client_dmbs(struct dibs_dev *dibs,
				      struct dibs_client *client)
{
	unsigned int left = dibs_dev_count_dmbs(dibs, client->id);
	int i, rc, max_dmbs = dibs->ops->max_dmbs();
	struct dibs_dmb_info info;
	struct dibs_dmb dmb;
	unsigned long flags;
	u32 idx = 0;

	if (!left)
		return;
	pr_warn("%s: client %s left %u DMB(s) registered after del_dev(); unregistering them\n",
		dev_name(&dibs->dev), dibs_client_name(client), left);
	while (dibs->kind && dibs->kind->dmb_next &&
	       !dibs->kind->dmb_next(dibs, &idx, &info)) {
		if (info.client_id == client->id) {
			memset(&dmb, 0, sizeof(dmb));
			dmb.dmb_tok = info.dmb_tok;
			dmb.idx = info.idx;
			dmb.dmb_len = info.dmb_len;
			rc = dibs->ops->unregister_dmb(dibs, &dmb);
			if (rc)
				pr_err("%s: DMB %u of client %s: unregister_dmb: %d\n",
				       dev_name(&dibs->dev), info.idx,
				       dibs_client_name(client), rc);
		}
		idx = info.idx + 1;
	}
	spin_lock_irqsave(&dibs->lock, flags);
	for (i = 0; i < max_dmbs; i++)
		if (dibs->dmb_clientid_arr[i] == client->id)
			dibs->dmb_clientid_arr[i] = NO_DIBS_CLIENT;
	spin_unlock_irqrestore(&dibs->lock, flags);
}

int dibs_register_client(struct dibs_client *client)
{
	struct dibs_dev *dibs;
	int i;

	if (!client || !client->ops ||
	    !client->ops->add_dev || !client->ops->del_dev) {
		pr_err("refusing a client without add_dev or del_dev\n");
		return -EINVAL;
	}

	mutex_lock(&dibs_devs_lock);
	mutex_lock(&dibs_clients_lock);
	/* a slot whose last client is still leaving a device is not free */
	for (i = 0; i < MAX_DIBS_CLIENTS; i++)
		if (!dibs_clients[i] && !dibs_clients_leaving[i])
			break;
	if (i == MAX_DIBS_CLIENTS) {
		mutex_unlock(&dibs_clients_lock);
		mutex_unlock(&dibs_devs_lock);
		pr_err("client %s: all %d client slots are taken\n",
		       dibs_client_name(client), MAX_DIBS_CLIENTS);
		return -ENOSPC;
	}
	client->id = i;
	dibs_clients[i] = client;
	mutex_unlock(&dibs_clients_lock);

	list_for_each_entry(dibs, &dibs_devs, list) {
		if (dibs->removing)
			continue;
		dibs->priv[i] = NULL;
		client->ops->add_dev(dibs);
		dibs_dev_set_sub(dibs, i, client);
		__set_bit(i, &dibs->clients);
	}
	dibs_devs_changed();
	mutex_unlock(&dibs_devs_lock);
	return 0;
}
EXPORT_SYMBOL_GPL(dibs_register_client);

int dibs_unregister_client(struct dibs_client *client)
{
	struct dibs_dev *dibs;
	u8 id;

	mutex_lock(&dibs_devs_lock);
	if (client->id >= MAX_DIBS_CLIENTS ||
	    dibs_clients[client->id] != client) {
		mutex_unlock(&dibs_devs_lock);
		pr_err("client %s is not registered\n",
		       dibs_client_name(client));
		return -ENOENT;
	}

	id = client->id;
	mutex_lock(&dibs_clients_lock);
	dibs_clients[id] = NULL;
	mutex_unlock(&dibs_clients_lock);
	dibs_clients_going[id] = client;

	/*
	 * Devices being removed whose removal has not reached us yet too.
	 * Callbacks stop first everywhere; a driver may call a client it
	 * looked up under dibs_dev.lock after releasing the lock, inside an
	 * RCU read-side section: after the grace period none runs any more.
	 */
	list_for_each_entry(dibs, &dibs_devs, list)
		if (test_bit(id, &dibs->clients))
			dibs_dev_set_sub(dibs, id, NULL);
	/* Not under the lock; the slot stays taken meanwhile. */
	WRITE_ONCE(dibs_clients_leaving[id], dibs_clients_leaving[id] + 1);
	mutex_unlock(&dibs_devs_lock);
	synchronize_rcu();
	mutex_lock(&dibs_devs_lock);
	WRITE_ONCE(dibs_clients_leaving[id], dibs_clients_leaving[id] - 1);
	list_for_each_entry(dibs, &dibs_devs, list) {
		if (!__test_and_clear_bit(id, &dibs->clients))
			continue;
		client->ops->del_dev(dibs);
		dibs->priv[id] = NULL;
		dibs_dev_drop_client_dmbs(dibs, client);
	}
	dibs_clients_going[id] = NULL;
	dibs_devs_changed();
	mutex_unlock(&dibs_devs_lock);

	/* A removal in our del_dev(): no callback of ours may outlive us. */
	wait_event(dibs_leaving_wq, !READ_ONCE(dibs_clients_leaving[id]));
	return 0;
}
EXPORT_SYMBOL_GPL(dibs_unregister_client);

int dibs_walk_clients(int (*fn)(struct dibs_client *client, void *arg),
		      void *arg)
{
	int i, rc = 0;

	mutex_lock(&dibs_clients_lock);
	for (i = 0; i < MAX_DIBS_CLIENTS && !rc; i++)
		if (dibs_clients[i])
			rc = fn(dibs_clients[i], arg);
	mutex_unlock(&dibs_clients_lock);
	return rc;
}

unsigned int dibs_dev_client_dmbs(struct dibs_dev *dev, u8 client_id)
{
	return client_id == NO_DIBS_CLIENT ? 0 :
	       dibs_dev_count_dmbs(dev, client_id);
}
