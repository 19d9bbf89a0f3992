#!/bin/sh
# config_not_regular: a config path that is a FIFO (nobody writing), a
# device or a directory is refused at once with what it is, exit 100, by
# check-config, run and stats; before, a FIFO made them wait forever.
. "$(dirname "$0")/../lib.sh"
mkfifo "$T/fifo.yaml"
mkdir "$T/dir.yaml"
for path in "$T/fifo.yaml" /dev/null "$T/dir.yaml"; do
	case $path in
	*fifo*) what="a FIFO, not a regular file" ;;
	/dev/null) what="a character device, not a regular file" ;;
	*) what="a directory, not a regular file" ;;
	esac
	for cmd in "check-config $path" "run -c $path" "stats -c $path"; do
		set +e
		# shellcheck disable=SC2086
		timeout 10 "$TDAPIPE" $cmd >"$T/out" 2>"$T/err"
		rc=$?
		set -e
		[ "$rc" -eq 100 ] || die "tdapipe $cmd: exit $rc (124 = hung), not 100: $(cat "$T/err")"
		grep -q -F "$path: cannot read: $what" "$T/err" || die "tdapipe $cmd said: $(cat "$T/err")"
	done
done
echo "ok: FIFO, device and directory refused by check-config, run and stats"
