// SPDX-License-Identifier: GPL-2.0
/*
 * dibs_ism: the PCI driver for ISM functions (s390 only).
 *
 * Binds to 1014:04ed, enables the function, requests its one MSI vector and
 * hands it to ism_dev_setup() (ism_main.c).  The command area and the data
 * path are reached with zPCI load/store block instructions (ism_hw.h).
 * The fabric id is the function's PCHID (for ISM the VCHID), the device
 * name ism<uid>.
 */
#define pr_fmt(fmt) KBUILD_MODNAME ": " fmt

#include <linux/interrupt.h>
#include <linux/module.h>
#include <linux/pci.h>
#include <linux/slab.h>

#include "ism_hw.h"

#define PCI_DEVICE_ID_IBM_ISM	0x04ed
#define ISM_PCI_DRV_NAME	"dibs_ism"

static const struct pci_device_id ism_pci_table[] = {
	{ PCI_VDEVICE(IBM, PCI_DEVICE_ID_IBM_ISM), 0 },
	{ 0, }
};
/*
 * The module alias lets udev load dibs_ism for every ISM function.  Not
 * where the kernel has its own ism.ko (include/compat/dibs_compat.h):
 * there the functions stay with ism.ko until the administrator moves them
 * (modprobe dibs_ism binds free functions, driver_override single ones;
 * Documentation/ism.rst).
 */
DIBS_ISM_MODULE_DEVICE_TABLE(pci, ism_pci_table);

static irqreturn_t ism_pci_irq(int irq, void *data)
{
	ism_handle_irq(data);
	return IRQ_HANDLED;
}

/**
 * ism_pci_irq_request() - allocate and request the function's MSI vector
 * @ism: the function
 *
 * Context: process context.
 * Return: 0 or a negative errno.
 */
int ism_pci_irq_request(struct ism_dev *ism)
{
	struct pci_dev *pdev = ism->pdev;
	int rc;

	rc = pci_alloc_irq_vectors(pdev, 1, 1, PCI_IRQ_MSI);
	if (rc < 0)
		return rc;
	rc = request_irq(pci_irq_vector(pdev, 0), ism_pci_irq, 0,
			 pci_name(pdev), ism);
	if (rc)
		pci_free_irq_vectors(pdev);
	return rc;
}

/**
 * ism_pci_irq_free() - free the vector; no handler runs afterwards
 * @ism: the function
 *
 * Context: process context.
 */
void ism_pci_irq_free(struct ism_dev *ism)
{
	struct pci_dev *pdev = ism->pdev;

	free_irq(pci_irq_vector(pdev, 0), ism);
	pci_free_irq_vectors(pdev);
}

static int ism_pci_probe(struct pci_dev *pdev, const struct pci_device_id *id)
{
	struct zpci_dev *zdev = to_zpci(pdev);
	struct ism_dev *ism;
	int rc;

	ism = kzalloc(sizeof(*ism), GFP_KERNEL);
	if (!ism)
		return -ENOMEM;
	ism->pdev = pdev;
	ism->dma_dev = &pdev->dev;
	ism->fabric_id = zdev->pchid;
	ism->uid = zdev->uid;
	ism->fid = zdev->fid;
	dev_set_drvdata(&pdev->dev, ism);

	rc = pci_enable_device_mem(pdev);
	if (rc)
		goto err_free;
	rc = pci_request_mem_regions(pdev, ISM_PCI_DRV_NAME);
	if (rc)
		goto err_disable;
	pci_set_master(pdev);
	rc = ism_dev_setup(ism, &pdev->dev);
	if (rc)
		goto err_release;
	return 0;

err_release:
	pci_release_mem_regions(pdev);
err_disable:
	pci_disable_device(pdev);
err_free:
	dev_set_drvdata(&pdev->dev, NULL);
	kfree(ism);
	return rc;
}

static void ism_pci_remove(struct pci_dev *pdev)
{
	struct ism_dev *ism = dev_get_drvdata(&pdev->dev);

	ism_dev_teardown(ism);
	pci_release_mem_regions(pdev);
	pci_disable_device(pdev);
	dev_set_drvdata(&pdev->dev, NULL);
	kfree(ism);
}

static struct pci_driver ism_pci_driver = {
	.name = ISM_PCI_DRV_NAME,
	.id_table = ism_pci_table,
	.probe = ism_pci_probe,
	.remove = ism_pci_remove,
};

/**
 * ism_pci_register() - register the PCI driver (module init)
 *
 * Return: 0 or a negative errno.
 */
int ism_pci_register(void)
{
	return pci_register_driver(&ism_pci_driver);
}

/**
 * ism_pci_unregister() - unregister it; removes every bound function
 */
void ism_pci_unregister(void)
{
	pci_unregister_driver(&ism_pci_driver);
}
