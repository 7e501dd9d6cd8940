// SPDX-License-Identifier: GPL-2.0
/*
 * dibs_core: device kinds (dibs_lo, dibs_ism, ...), with which devices are
 * made and removed at runtime (dibsctl dev add/del through netlink).
 *
 * Locking: dibs_kinds_lock (mutex), outermost of dibs_core's locks
 * (dibs_main.c has the others).
 *	The list of kinds.  Held across every kind new_dev() call (and the
 *	request's commit), so those never run concurrently and nobody deletes
 *	a device before its request committed.  Not held across a kind's
 *	del_dev(): dibs_kind_dev_del() claims the device (dibs_dev.kind_del)
 *	and holds a reference on the kind's module instead.
 */
#define pr_fmt(fmt) "dibs: " fmt

#include <linux/dibs.h>
#include <linux/module.h>
#include <linux/mutex.h>
#include <linux/netlink.h>
#include <linux/string.h>

#include "dibs_core.h"

static DEFINE_MUTEX(dibs_kinds_lock);
static LIST_HEAD(dibs_kinds);

/* Caller holds dibs_kinds_lock. */
static struct dibs_dev_kind *__dibs_kind_find(const char *name)
{
	struct dibs_dev_kind *kind;

	list_for_each_entry(kind, &dibs_kinds, list)
		if (!strcmp(kind->name, name))
			return kind;
	return NULL;
}

int dibs_kind_register(struct dibs_dev_kind *kind)
{
	int rc = 0;

	if (!kind->name || !dibs_name_valid(kind->name))
		return -EINVAL;
	mutex_lock(&dibs_kinds_lock);
	if (__dibs_kind_find(kind->name))
		rc = -EEXIST;
	else
		list_add_tail(&kind->list, &dibs_kinds);
	mutex_unlock(&dibs_kinds_lock);
	return rc;
}
EXPORT_SYMBOL_GPL(dibs_kind_register);

void dibs_kind_unregister(struct dibs_dev_kind *kind)
{
	/*
	 * Waits for a new_dev() call in flight; a del_dev() call holds a
	 * reference on the kind's module, whose exit cannot start before.
	 */
	mutex_lock(&dibs_kinds_lock);
	list_del_init(&kind->list);
	mutex_unlock(&dibs_kinds_lock);
}
EXPORT_SYMBOL_GPL(dibs_kind_unregister);

int dibs_kind_dev_new_commit(const char *kind_name, const char *name,
			     int (*commit)(struct dibs_dev *dev, void *arg),
			     void *arg, struct netlink_ext_ack *extack)
{
	char made[DIBS_NAME_LEN];
	struct dibs_dev_kind *kind;
	struct dibs_dev *dibs;
	int err, rc = 0;

	if (name && !dibs_name_valid(name)) {
		NL_SET_ERR_MSG(extack,
			       "device names are 1 to 15 characters of A-Z a-z 0-9 _ . -");
		return -EINVAL;
	}

	mutex_lock(&dibs_kinds_lock);
	kind = __dibs_kind_find(kind_name);
	if (!kind || !try_module_get(kind->owner)) {
		NL_SET_ERR_MSG(extack,
			       "unknown device kind (is its module loaded?)");
		rc = -ENOENT;
		goto unlock;
	}
	if (!kind->new_dev) {
		NL_SET_ERR_MSG(extack, "this kind of device cannot be created");
		rc = -EOPNOTSUPP;
		goto put;
	}
	if (name) {
		dibs = dibs_dev_get_by_name(name);
		if (dibs) {
			put_device(&dibs->dev);
			NL_SET_ERR_MSG(extack,
				       "a dibs device of that name exists");
			rc = -EEXIST;
			goto put;
		}
	}

	dibs = kind->new_dev(name, extack);
	if (IS_ERR(dibs)) {
		rc = PTR_ERR(dibs);
		goto put;
	}
	if (!commit)
		goto put;
	/*
	 * Still under dibs_kinds_lock: nobody else can delete the device
	 * before the request has either committed or taken it back.
	 */
	strscpy(made, dev_name(&dibs->dev), sizeof(made));
	rc = commit(dibs, arg);
	if (!rc)
		goto put;
	err = kind->del_dev ? kind->del_dev(dibs, NULL) : -EOPNOTSUPP;
	if (err)
		pr_err("%s: cannot delete the device after a failed request: %d\n",
		       made, err);
put:
	module_put(kind->owner);
unlock:
	mutex_unlock(&dibs_kinds_lock);
	return rc;
}

struct dibs_kind_dev_new_name {
	char *buf;
	size_t len;
};

static int dibs_kind_dev_new_copy_name(struct dibs_dev *dibs, void *arg)
{
	struct dibs_kind_dev_new_name *n = arg;

	strscpy(n->buf, dev_name(&dibs->dev), n->len);
	return 0;
}

int dibs_kind_dev_new(const char *kind_name, const char *name, char *new_name,
		      size_t new_name_len, struct netlink_ext_ack *extack)
{
	struct dibs_kind_dev_new_name n = {
		.buf = new_name,
		.len = new_name_len,
	};

	return dibs_kind_dev_new_commit(kind_name, name,
					new_name ? dibs_kind_dev_new_copy_name :
						   NULL,
					&n, extack);
}
EXPORT_SYMBOL_GPL(dibs_kind_dev_new);

int dibs_kind_dev_del(const char *name, struct netlink_ext_ack *extack)
{
	const struct dibs_dev_kind *kind;
	struct dibs_dev *dibs;
	int rc;

	/* Not across del_dev(): it waits for the clients' del_dev(). */
	mutex_lock(&dibs_kinds_lock);
	dibs = dibs_kind_dev_claim(name, extack);
	if (IS_ERR(dibs)) {
		mutex_unlock(&dibs_kinds_lock);
		return PTR_ERR(dibs);
	}
	kind = dibs->kind;
	if (!kind || !kind->del_dev) {
		NL_SET_ERR_MSG(extack, "this device cannot be deleted at runtime");
		rc = -EOPNOTSUPP;
		goto unclaim;
	}
	/* A kind off the list is being unloaded and deletes its devices. */
	if (list_empty(&kind->list) || !try_module_get(kind->owner)) {
		NL_SET_ERR_MSG(extack, "the device's driver is being unloaded");
		rc = -ENODEV;
		goto unclaim;
	}
	mutex_unlock(&dibs_kinds_lock);

	/* The module reference keeps the kind registered until we return. */
	rc = kind->del_dev(dibs, extack);
	module_put(kind->owner);
	if (rc)
		dibs_kind_dev_unclaim(dibs);
	else
		put_device(&dibs->dev);
	return rc;

unclaim:
	mutex_unlock(&dibs_kinds_lock);
	dibs_kind_dev_unclaim(dibs);
	return rc;
}
EXPORT_SYMBOL_GPL(dibs_kind_dev_del);
