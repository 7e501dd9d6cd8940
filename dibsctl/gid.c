// SPDX-License-Identifier: GPL-2.0
/*
 * dibsctl gid: device names and GIDs (from the device dump)
 */

#include <stdlib.h>

#include "dibsctl.h"

static int gid_show(int argc, char **argv)
{
	const char *name = argc ? argv[0] : NULL;
	struct dev_list l;
	int i;

	if (!args_ok(argc, argv, "gid", "gid show", true))
		return EXIT_USAGE;
	get_devs(name, &l, "gid show");
	open_json_array(NULL);
	for (i = 0; i < l.n; i++) {
		open_json_object(NULL);
		print_string(PRINT_ANY, "name", "%s", l.devs[i].name);
		print_string(PRINT_ANY, "gid", " %s", l.devs[i].gid);
		close_json_object();
		print_nl();
	}
	close_json_array();
	free(l.devs);
	return EXIT_SUCCESS;
}

const struct dibsctl_obj gid_obj = {
	"gid", (const struct dibsctl_cmd[]) {
		{ "show", "[NAME]", "[-j [-p]]",
		  "device names and GIDs", gid_show },
		{ 0 }
	}
};
