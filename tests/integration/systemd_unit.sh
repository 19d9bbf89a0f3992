#!/bin/sh
# systemd_unit: `make install` installs contrib/systemd/tdapipe@.service
# with ExecStart at the installed tdapipe, and `systemd-analyze verify`
# accepts it (the template, and an instance found through the unit path),
# its Documentation= pages included; a copy whose ExecStart is missing is
# refused, so the check can fail.  The settings the supervisor relies on
# are there: Type=notify for the supervisor alone, SIGTERM to it only,
# more stop time than a drain takes.  Skipped without systemd-analyze.
. "$(dirname "$0")/../lib.sh"
command -v systemd-analyze >/dev/null || { echo "no systemd-analyze (Debian: systemd)"; exit 77; }
cd "$TDP_ROOT"
P=$T/prefix
make --no-print-directory -s install PREFIX="$P" BUILD="$BUILD" BIN="$BIN" >"$T/install.log" 2>&1 \
	|| { cat "$T/install.log"; die "make install failed"; }
U=$P/lib/systemd/system/tdapipe@.service
[ -f "$U" ] || die "make install did not install $U"
grep -qx "ExecStart=$P/bin/tdapipe run -c /etc/tdapipe/%i.yaml" "$U" ||
	die "ExecStart not at the installed tdapipe: $(grep ExecStart "$U")"
for kv in Type=notify NotifyAccess=main KillMode=mixed KillSignal=SIGTERM Restart=on-failure \
	  RestartPreventExitStatus=100 StateDirectory=tdapipe/%i NoNewPrivileges=yes \
	  'ExecReload=/bin/kill -HUP $MAINPID'; do
	grep -qx "$kv" "$U" || die "$U lacks $kv"
done
grep -q '^WatchdogSec=[1-9]' "$U" || die "$U has no WatchdogSec"
grep -q '^RemoveIPC=yes\|^DynamicUser=yes' "$U" && die "$U would remove the instance's /dev/shm segment"
# stop time: more than the default drain (--drain-timeout) plus the exporter's stop
drain=$(sed -n 's/^#define DEFAULT_DRAIN_TIMEOUT_MS \([0-9]*\)000u.*/\1/p' common/config.c)
stop=$(sed -n 's/^TimeoutStopSec=\([0-9]*\)$/\1/p' "$U")
[ -n "$drain" ] && [ -n "$stop" ] && [ "$stop" -gt $((drain + 2)) ] ||
	die "TimeoutStopSec=$stop is not above the drain timeout ($drain s) and the exporter's 2 s"

export MANPATH=$P/share/man
systemd-analyze verify "$U" >"$T/verify.out" 2>&1 || { cat "$T/verify.out"; die "systemd-analyze verify refused $U"; }
[ -s "$T/verify.out" ] && { cat "$T/verify.out"; die "systemd-analyze verify warned about $U"; }
SYSTEMD_UNIT_PATH=$P/lib/systemd/system: systemd-analyze verify tdapipe@demo.service >"$T/verify.out" 2>&1 ||
	{ cat "$T/verify.out"; die "systemd-analyze verify refused the instance tdapipe@demo.service"; }
[ -s "$T/verify.out" ] && { cat "$T/verify.out"; die "systemd-analyze verify warned about tdapipe@demo.service"; }

# the control: the same unit with an ExecStart that does not exist is refused
mkdir -p "$T/bad"
sed "s|^ExecStart=$P/bin/tdapipe|ExecStart=$T/nosuch/tdapipe|" "$U" >"$T/bad/tdapipe@.service"
systemd-analyze verify "$T/bad/tdapipe@.service" >"$T/verify.out" 2>&1 &&
	die "systemd-analyze verify accepted a unit whose ExecStart does not exist"
grep -q "nosuch/tdapipe" "$T/verify.out" || die "verify refused the bad unit for another reason: $(cat "$T/verify.out")"
echo "ok"
