// SPDX-License-Identifier: GPL-2.0
/*
 * dibs_core: the class "dibs" and its device attributes (gid, fabric_id,
 * max_dmbs, dmbs, state).
 *
 * Locking: no attribute takes dibs_devs_lock (dibs_dev_del() removes the
 * device from sysfs under it), and none scans a device's DMBs under
 * dibs_dev.lock (an interrupt handler may wait for it): the DMBs in use are
 * a counter.
 */
#include <linux/device.h>
#include <linux/dibs.h>
#include <linux/sysfs.h>

#include "dibs_core.h"

static ssize_t gid_show(struct device *dev, struct device_attribute *attr,
			char *buf)
{
	return sysfs_emit(buf, "%pUb\n", &to_dibs_dev(dev)->gid);
}
static DEVICE_ATTR_RO(gid);

static ssize_t fabric_id_show(struct device *dev,
			      struct device_attribute *attr, char *buf)
{
	struct dibs_dev *dibs = to_dibs_dev(dev);

	return sysfs_emit(buf, "0x%04x\n", dibs->ops->get_fabric_id(dibs));
}
static DEVICE_ATTR_RO(fabric_id);

static ssize_t max_dmbs_show(struct device *dev,
			     struct device_attribute *attr, char *buf)
{
	return sysfs_emit(buf, "%d\n", to_dibs_dev(dev)->ops->max_dmbs());
}
static DEVICE_ATTR_RO(max_dmbs);

static ssize_t dmbs_show(struct device *dev, struct device_attribute *attr,
			 char *buf)
{
	return sysfs_emit(buf, "%u\n", dibs_dev_dmbs_in_use(to_dibs_dev(dev)));
}
static DEVICE_ATTR_RO(dmbs);

static ssize_t state_show(struct device *dev, struct device_attribute *attr,
			  char *buf)
{
	return sysfs_emit(buf, "%s\n", READ_ONCE(to_dibs_dev(dev)->removing) ?
			  "removing" : "live");
}
static DEVICE_ATTR_RO(state);

static struct attribute *dibs_dev_attrs[] = {
	&dev_attr_gid.attr,
	&dev_attr_fabric_id.attr,
	&dev_attr_max_dmbs.attr,
	&dev_attr_dmbs.attr,
	&dev_attr_state.attr,
	NULL,
};
ATTRIBUTE_GROUPS(dibs_dev);

struct class dibs_class = {
	.name = "dibs",
	.dev_groups = dibs_dev_groups,
};
