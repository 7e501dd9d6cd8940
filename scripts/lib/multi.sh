# SPDX-License-Identifier: GPL-2.0
# shellcheck shell=bash
#
# scripts/lib/multi.sh - scripts/vm's multi-guest phase (sourced by it):
# the MULTI_PROGS of the selftest groups (selftests/install/multi_list) run
# on two or three guests of one flavour at once, every guest with an
# ivshmem-doorbell device attached to one dibs-ivshmem-server and a
# virtio-net link to the others (a guestless QEMU as the hub).  Each
# guest runs the group's programs with its role (a, b, c); the guests
# synchronise, exchange values and ask for host actions (kill a guest's
# QEMU, scribble over the shared memory, restart the server) through a
# control serial port that scripts/lib/vm-multi.py answers.  One run per
# group; the group's `settings` may say guests=2|3, ivshmem_size=SIZE
# (a power of two, default 4M), ivshmem_vectors=N (default 2),
# run_timeout=SECONDS (the whole run; default the flavour's guest
# timeout, MULTI_RUN_TIMEOUT: TIMEOUT, 6.1-debug DEBUG_TIMEOUT).
# Documentation/testing.rst, "Multi-guest tests".
#
# Uses scripts/vm's globals and functions (BUILD, FL, KVER, KIMAGE,
# ACCEL_USED, qemu_base, count_ktap, eval_guest, host_case, klog_bad,
# culprit_tests; ktap_plan of selftests/lib/ktap.sh), sets G_STATUS for
# them, and adds to KTAP_PASS/KTAP_FAIL/KTAP_SKIP.
# shellcheck disable=SC2034 # G_STATUS: read by scripts/vm's functions

# MULTI=1: 0 leaves the multi-guest phase out.  MULTI_MEM (1024) and
# MULTI_SMP (SMP) for each guest.
MULTI=${MULTI:-1}
MULTI_MEM=${MULTI_MEM:-1024}
# IVSHMEM_SERVER=PATH: serve the guests with another server that takes
# QEMU's contrib/ivshmem-server options (-F -v -S SOCK -M NAME: a POSIX
# shared memory object /dev/shm/NAME) instead of dibs-ivshmem-server
# with -f (dibs-ivshmem-server takes QEMU's options too: IVSHMEM_SERVER=
# its binary runs it as a drop-in for QEMU's server);
# IVSHMEM_SERVER_ARGS (default "-l SIZE -n VECTORS" of the group) are its
# other options ("" leaves QEMU's defaults: 4 MiB, 1 vector).
# MULTI_IVSHMEM_SIZE and MULTI_IVSHMEM_VECTORS override every group's
# ivshmem_size and ivshmem_vectors (devices, server and guests' view).
IVSHMEM_SERVER=${IVSHMEM_SERVER:-}

# multi_select FLAVOUR TESTS [LIST]: the entries of LIST (multi_list;
# make bench: multi_bench_list) to run, comma
# separated (TESTS empty: all of them; else those TESTS names, as
# group or group/program).  Empty: no multi-guest phase.
multi_select() {
	local list=$BUILD/$1/src/selftests/install/${3:-multi_list} sel t out=""
	[ "$MULTI" = 1 ] && [ "$GARCH" = amd64 ] && [ -s "$list" ] || return 0
	# The guests' network needs virtio-net (a kernel built here, like
	# 6.1-debug's, may have none).
	if [ -z "$(find "$BUILD/$1/initramfs/lib/modules" -name 'virtio_net.ko*' | head -n 1)" ] &&
		! grep -qs '/virtio_net\.ko$' "${MODROOT%/}/lib/modules/$KVER/modules.builtin"; then
		say "$1: no virtio_net for $KVER: no multi-guest phase" >&2
		return 0
	fi
	if [ -z "$2" ]; then
		paste -s -d, "$list"
		return 0
	fi
	for sel in ${2//,/ }; do
		while read -r t; do
			case $t in
			"$sel"|"$sel"/*) out+="$t," ;;
			esac
		done < "$list"
	done
	echo "${out%,}"
}

# multi_setting GROUP_DIR KEY DEFAULT
multi_setting() {
	local v
	v=$(sed -n "s/^$2=\\([0-9A-Za-z]*\\)\$/\\1/p" "$1/settings" 2> /dev/null | tail -n 1)
	echo "${v:-$3}"
}

# multi_count_killed < OUTPUT: "PASS FAIL SKIP" of the cases a guest
# printed before it was killed on request (its unfinished program and
# plan are not held against it).
multi_count_killed() {
	awk '/^    (not )?ok [0-9]/ {
		if ($0 ~ /^    not ok /) f++
		else if (toupper($0) ~ /# *SKIP/) s++
		else p++
	}
	END { printf "%d %d %d\n", p, f, s }'
}

# multi_group FLAVOUR GROUP ENTRIES: one multi-guest run of GROUP's
# programs ENTRIES (comma separated group/program).
multi_group() {
	local fl=$1 group=$2 entries=$3 src=$BUILD/$1/src
	local gdir=$src/selftests/install/$group
	local name=multi-$group dir=$BUILD/$1/logs/multi-$group
	local n size vectors tmo roles r i tmp cfg mac out server shm
	n=$(multi_setting "$gdir" guests 2)
	size=${MULTI_IVSHMEM_SIZE:-$(multi_setting "$gdir" ivshmem_size 4M)}
	vectors=${MULTI_IVSHMEM_VECTORS:-$(multi_setting "$gdir" ivshmem_vectors 2)}
	tmo=$(multi_setting "$gdir" run_timeout "${MULTI_RUN_TIMEOUT:-$TIMEOUT}")
	case $n in
	2) roles="a b" ;;
	3) roles="a b c" ;;
	*) die "selftests/$group/settings: guests=$n (2 or 3)" ;;
	esac
	rm -rf "$dir"
	mkdir -p "$dir"
	# Unix socket paths are short: they live in /tmp.
	tmp=$(mktemp -d /tmp/dibs-multi.XXXXXX)
	# The server's command line (JSON), and the file of the shared memory.
	if [ -n "$IVSHMEM_SERVER" ]; then
		shm=/dev/shm/${tmp##*/}
		# shellcheck disable=SC2086 # IVSHMEM_SERVER_ARGS: words
		server=$(printf '%s\n' "$IVSHMEM_SERVER" -F -v -S "$tmp/server.sock" -M "${shm##*/}" \
			${IVSHMEM_SERVER_ARGS-"-l" "$size" "-n" "$vectors"} |
			python3 -c 'import json,sys; print(json.dumps(sys.stdin.read().splitlines()))')
	else
		shm=$dir/shm
		server="[\"$MULTI_SERVER\", \"-F\", \"-v\", \"-S\", \"$tmp/server.sock\", \"-f\", \"$shm\",
		            \"-l\", \"$size\", \"-n\", \"$vectors\"]"
	fi
	say "multi-guest $group ($fl): guests $roles, ivshmem $size with $vectors vector(s), server $(echo "$server" | tr -d '[]",'), logs build/$fl/logs/multi-$group/"

	local -a hub=(qemu-system-x86_64 -machine none -nodefaults -display none)
	local guests_json="" argv
	i=0
	for r in $roles; do
		i=$((i + 1))
		mac=52:54:00:13:00:0$i
		# shellcheck disable=SC2054 # commas belong to the qemu options
		hub+=(-netdev "stream,id=s$r,server=on,addr.type=unix,addr.path=$tmp/hub-$r.sock"
			-netdev "hubport,id=p$r,hubid=0,netdev=s$r")
		qemu_base "$BUILD/$fl/initrd.gz" "$MULTI_MEM" \
			"dibsvm.mode=multi dibsvm.role=$r dibsvm.roles=${roles// /,} dibsvm.ctl=/dev/ttyS2 dibsvm.ivshmem=$size,$vectors dibsvm.run=$entries"
		# shellcheck disable=SC2054
		QEMU_BASE+=(-chardev "file,id=con,path=$dir/$r.kernel.log" -serial chardev:con
			-chardev "socket,id=out,path=$tmp/out-$r.sock" -serial chardev:out
			-chardev "socket,id=ctl,path=$tmp/ctl-$r.sock" -serial chardev:ctl
			-chardev "socket,id=ivs,path=$tmp/server.sock"
			-device "ivshmem-doorbell,chardev=ivs,vectors=$vectors"
			-netdev "stream,id=net0,server=off,addr.type=unix,addr.path=$tmp/hub-$r.sock"
			-device "virtio-net-pci,netdev=net0,mac=$mac")
		argv=$(printf '%s\n' "${QEMU_BASE[@]}" | python3 -c 'import json,sys; print(json.dumps(sys.stdin.read().splitlines()))')
		guests_json+="${guests_json:+,}\"$r\": {\"argv\": $argv, \"ctl\": \"$tmp/ctl-$r.sock\",
			\"out_sock\": \"$tmp/out-$r.sock\", \"out\": \"$dir/$r.out\", \"qemu_log\": \"$dir/$r.qemu.log\"}"
	done
	cfg=$dir/config.json
	cat > "$cfg" <<-EOF
		{"dir": "$dir", "timeout": $tmo, "result": "$dir/result.json",
		 "server": $server,
		 "server_sock": "$tmp/server.sock", "shm": "$shm",
		 "hub": $(printf '%s\n' "${hub[@]}" | python3 -c 'import json,sys; print(json.dumps(sys.stdin.read().splitlines()))'),
		 "hub_socks": [$(for r in $roles; do printf '"%s",' "$tmp/hub-$r.sock"; done | sed 's/,$//')],
		 "guests": {$guests_json}}
	EOF
	local t0 started
	t0=$(now)
	python3 "$ROOT/scripts/lib/vm-multi.py" "$cfg" || true
	rm -rf "$tmp"
	[ -z "$IVSHMEM_SERVER" ] || rm -f "$shm"
	started=$(python3 -c 'import json,sys; print(int(json.load(open(sys.argv[1]))["started"]))' \
		"$dir/result.json" 2> /dev/null || echo 0)

	echo "# host checks ($fl, multi-guest $group)"
	ktap_plan $((1 + 2 * n))
	if [ "$started" = 1 ]; then
		host_case OK "$fl multi $group: dibs-ivshmem-server, network hub and $n guests started"
	else
		host_case FAIL "$fl multi $group: dibs-ivshmem-server, network hub and $n guests started" \
			"see build/$fl/logs/multi-$group/{server,hub}.log"
	fi
	local end counts bad
	for r in $roles; do
		end=$(python3 -c 'import json,sys; print(json.load(open(sys.argv[1]))["end"][sys.argv[2]])' \
			"$dir/result.json" "$r" 2> /dev/null || echo "not started")
		out=$dir/$r.out
		touch "$out" "$dir/$r.kernel.log"
		if [ "$end" = killed ]; then
			counts=$(multi_count_killed < "$out")
			read -r E_PASS E_FAIL E_SKIP <<< "$counts"
			host_case OK "$fl multi $group: guest $r ran until the host killed it (as asked)"
			bad=$(klog_bad "$dir/$r.kernel.log")
			if [ -n "$bad" ]; then
				echo "# ---- kernel log problems (build/$fl/logs/multi-$group/$r.kernel.log):"
				echo "$bad" | head -n 30 | sed 's/^/#   /'
				culprit_tests "$dir/$r.kernel.log" "$bad"
				E_REASONS="kernel log has $(echo "$bad" | wc -l) bad line(s)"
			else
				E_REASONS=""
			fi
		else
			case $end in
			"exit "*) G_STATUS=${end#exit } ;;
			timeout) G_STATUS=124 ;;
			*) G_STATUS=1 ;;
			esac
			eval_guest "$name/$r" "$tmo"
			if [[ $E_REASONS == *guest* || $E_REASONS == *qemu* || $E_REASONS == *dibs-init* ]] ||
				[ "$started" != 1 ]; then
				host_case FAIL "$fl multi $group: guest $r ran to the end and powered off" \
					"${E_REASONS:-not started}"
			else
				host_case OK "$fl multi $group: guest $r ran to the end and powered off"
			fi
		fi
		KTAP_PASS=$((KTAP_PASS + E_PASS))
		KTAP_FAIL=$((KTAP_FAIL + E_FAIL))
		KTAP_SKIP=$((KTAP_SKIP + E_SKIP))
		if [[ $E_REASONS == *"kernel log"* ]]; then
			host_case FAIL "$fl multi $group: guest $r kernel log clean" "no WARNING/BUG/Oops/lockdep/KASAN/UBSAN/kmemleak lines"
		else
			host_case OK "$fl multi $group: guest $r kernel log clean"
		fi
		echo "# guest $r: $end, $E_PASS passed, $E_FAIL failed, $E_SKIP skipped"
	done
	echo "# timing $fl multi-guest $group: $(($(now) - t0)) s"
}

# multi_phase FLAVOUR ENTRIES: build the server, then one run per group.
multi_phase() {
	local fl=$1 entries=$2 groups g
	MULTI_SERVER=$BUILD/$fl/src/dibs-ivshmem-server/dibs-ivshmem-server
	if ! make -C "$BUILD/$fl/src/dibs-ivshmem-server" -s > "$BUILD/$fl/logs/build-server.log" 2>&1; then
		echo "# dibs-ivshmem-server does not build (build/$fl/logs/build-server.log)"
		ktap_plan 1
		host_case FAIL "$fl multi: build dibs-ivshmem-server" "see build/$fl/logs/build-server.log"
		return
	fi
	groups=$(echo "${entries//,/ }" | tr ' ' '\n' | cut -d/ -f1 | awk '!seen[$0]++')
	for g in $groups; do
		multi_group "$fl" "$g" "$(echo "${entries//,/ }" | tr ' ' '\n' | grep "^$g/" | paste -s -d,)"
	done
}
