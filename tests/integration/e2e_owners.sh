#!/usr/bin/env bash
# Jobs belong to their submitter (issue 24), with real users: alice and bob
# in the socket group, carol outside it, root. Under [daemon] share_jobs =
# owner (the default):
# - job.status and job.list show every job to the group, with owner_uid;
# - bob gets -32003 for job.cancel, rate.set, job.delete, job.results and a
#   result stream of alice's job; alice and root are served; a client_key is
#   the caller's own (bob's submit with alice's key makes bob a new job);
# - [daemon] max_jobs_per_uid = 2: alice's third unfinished job is -32001
#   naming the key; bob and root still submit;
# - the read-only telemetry socket serves job.status and plain
#   events.subscribe but refuses job.results and a result stream (-32003),
#   even to the owner;
# - the owner survives a restart (checkpoint.json); a job stored without one
#   (owner_uid removed) shows owner_uid null and serves only root;
# - share_jobs = group: bob may read and cancel alice's job; carol still
#   cannot connect.
set -u
. "$(dirname "$0")/testbed.sh"
. "$(dirname "$0")/lib.sh"
lib_setup
G=scand-g$$
groupadd "$G" || fail groupadd
GID=$(getent group "$G" | cut -d: -f3)
USERS=""
for u in alice bob carol; do
	useradd -M -N -s /usr/sbin/nologin "scand-$u$$" || fail "useradd $u"
	USERS="$USERS scand-$u$$"
done
trap 'for u in $USERS; do userdel "$u" 2>/dev/null; done; groupdel "$G" 2>/dev/null; lib_cleanup' EXIT
ALICE=$(id -u "scand-alice$$") BOB=$(id -u "scand-bob$$")
chmod 755 "$T"
as() { # USER CMD...: alice and bob are members of the socket group, carol is not
	local u=scand-$1$$; shift
	case $u in
	scand-carol*) setpriv --reuid="$u" --regid=nogroup --clear-groups "$@" ;;
	*) setpriv --reuid="$u" --regid=nogroup --groups="$GID" "$@" ;;
	esac
}
# call USER SOCKET METHOD [PARAMS]: prints "ok" and the result, or the error code and message
call() {
	local who=$1 sock=$2 method=$3 params=${4:-"{}"}
	local run=(/usr/bin/python3 - "$sock" "$method" "$params") # not a shim under root's home
	[ "$who" = root ] || run=(as "$who" "${run[@]}")
	"${run[@]}" <<'PY'
import json, socket, sys
s = socket.socket(socket.AF_UNIX); s.settimeout(10); s.connect(sys.argv[1])
s.sendall((json.dumps({"jsonrpc": "2.0", "id": 1, "method": sys.argv[2], "params": json.loads(sys.argv[3])}) + "\n").encode())
f = s.makefile()
while True:
    r = json.loads(f.readline())
    if r.get("id") == 1: break
if "error" in r:
    print(r["error"]["code"], r["error"]["message"])
else:
    print("ok", json.dumps(r["result"]))
PY
}
expect() { # WANT USER SOCKET METHOD [PARAMS]: the reply starts with WANT; kept in OUT
	local want=$1; shift
	OUT=$(call "$@")
	case $OUT in "$want"*) ;; *) fail "$1 $3 ${4:-}: want '$want', got: $OUT" ;; esac
}
has() { echo "$OUT" | grep -qF -- "$1" || fail "$2: '$1' not in: ${OUT:0:300}"; }
CS=$T/control.sock RS=$T/telemetry.sock
start() { # SHARE
	DAEMON_EXTRA=$(printf 'socket_group = %s\ntelemetry_socket = %s\ntelemetry_group = %s\nmax_jobs_per_uid = 2\nshare_jobs = %s' \
		"$G" "$RS" "$G" "$1") scand_config "$T/scand.conf"
	scand_start "$T/scand.conf"
}
start owner
slow='{"targets":["198.18.1.0/24"],"ports":"1-100","rate_pps":300,"cooldown_s":0}'
quick='{"targets":["198.18.1.1-198.18.1.20"],"ports":"1-5","rate_pps":5000,"cooldown_s":0}'
jid() { python3 -c 'import json,sys; print(json.loads(sys.argv[1].split(" ",1)[1])["job_id"])' "$OUT"; }
owner_of() { python3 -c 'import json,sys; print(json.loads(sys.argv[1].split(" ",1)[1])["owner_uid"])' "$(call "$1" "$CS" job.status "{\"job_id\":\"$2\"}")"; }

expect ok alice "$CS" job.submit "$slow"; ja=$(jid)
expect ok alice "$CS" job.submit "$quick"; jq=$(jid)
wait_state "$ja" running
WAIT_S=30 wait_state "$jq" done
[ "$(owner_of bob "$ja")" = "$ALICE" ] || fail "job.status to bob: owner_uid $(owner_of bob "$ja"), want $ALICE"
expect ok bob "$CS" job.list
echo "$OUT" | grep -q "\"job_id\": \"$ja\", [^}]*\"owner_uid\": $ALICE" || fail "job.list to bob lacks alice's job with its owner: $OUT"
echo "status and list: visible to bob, owner_uid $ALICE"

for m in "job.cancel {\"job_id\":\"$ja\"}" "rate.set {\"job_id\":\"$ja\",\"rate_pps\":200}" \
	"job.results {\"job_id\":\"$jq\"}" "events.subscribe {\"job_id\":\"$jq\",\"results\":true}" \
	"job.delete {\"job_id\":\"$jq\"}"; do
	set -- $m
	expect "-32003 job j" bob "$CS" "$1" "$2"
	has "belongs to uid $ALICE; only its owner, root or scand's user may" "bob $1"
done
expect ok alice "$CS" rate.set "{\"job_id\":\"$ja\",\"rate_pps\":200}"
expect ok alice "$CS" job.results "{\"job_id\":\"$jq\"}"
has '"complete": true' "alice's results of her finished job"
rows=$OUT
expect ok root "$CS" job.results "{\"job_id\":\"$jq\"}"
[ "$OUT" = "$rows" ] || fail "root's results of alice's job differ from hers"
as bob "$SCANCTL" --socket "$CS" results "$jq" >/dev/null 2>"$T/err" && fail "scanctl results as bob succeeded"
grep -q "belongs to uid $ALICE" "$T/err" || fail "scanctl results as bob: $(cat "$T/err")"
echo "bob refused cancel, rate.set, results, stream, delete of alice's jobs (-32003); alice and root served"

# client keys are per owner
keyed='{"targets":["198.18.1.1"],"ports":"7","client_key":"nightly","cooldown_s":0}'
expect ok alice "$CS" job.submit "$keyed"; k1=$(jid)
expect ok bob "$CS" job.submit "$keyed"; k2=$(jid)
[ "$k1" != "$k2" ] && has '"created": true' "bob's submit with alice's key"
expect ok alice "$CS" job.submit "$keyed"
[ "$(jid)" = "$k1" ] && has '"created": false' "alice's retry"
echo "client_key: bob's equal key made his own job; alice's retry found hers"
WAIT_S=30 wait_state "$k1" done
WAIT_S=30 wait_state "$k2" done

# max_jobs_per_uid = 2 (unfinished): alice has ja running
expect ok alice "$CS" job.submit "$slow"; jb=$(jid)
expect "-32001 uid $ALICE has 2 unfinished jobs" alice "$CS" job.submit "$quick"
has "[daemon] max_jobs_per_uid = 2" "the cap's message"
expect ok bob "$CS" job.submit "$quick"
expect ok root "$CS" job.submit "$quick"
expect ok alice "$CS" job.cancel "{\"job_id\":\"$jb\"}"
expect ok alice "$CS" job.submit "$quick"
echo "max_jobs_per_uid: alice's third unfinished job refused (-32001); bob and root served; after a cancel alice submits again"

# the read-only socket: status and plain events yes, rows never
expect ok alice "$RS" job.status "{\"job_id\":\"$ja\"}"
expect ok alice "$RS" events.subscribe "{\"job_id\":\"$ja\"}"
expect "-32003 job.results serves result rows, which the read-only socket never does" alice "$RS" job.results "{\"job_id\":\"$jq\"}"
expect "-32003 events.subscribe with results serves result rows" alice "$RS" events.subscribe "{\"job_id\":\"$jq\",\"results\":true}"
expect "-32003 job.results serves result rows" root "$RS" job.results "{\"job_id\":\"$jq\"}"
echo "read-only socket: status and events served, results and result streams refused (-32003), to the owner and root too"

# restart: the owner is kept; a job stored without one serves only root
expect ok alice "$CS" job.cancel "{\"job_id\":\"$ja\"}"
scand_stop
python3 - "$T/state/jobs/$jq/checkpoint.json" <<'PY'
import json, sys
c = json.load(open(sys.argv[1])); del c["owner_uid"]; json.dump(c, open(sys.argv[1], "w"))
PY
scand_start "$T/scand.conf"
[ "$(owner_of root "$ja")" = "$ALICE" ] || fail "owner lost over a restart"
expect "-32003" bob "$CS" job.delete "{\"job_id\":\"$ja\"}"
[ "$(owner_of root "$jq")" = None ] || fail "a job stored without an owner shows owner_uid $(owner_of root "$jq")"
expect "-32003 job $jq was stored before scand recorded owners: only root or scand's user may read its results" \
	alice "$CS" job.results "{\"job_id\":\"$jq\"}"
expect ok root "$CS" job.results "{\"job_id\":\"$jq\"}"
echo "restart: alice still owns $ja; $jq without a stored owner: owner_uid null, root only"

# share_jobs = group: one orchestrator's fleet
scand_stop
start group
expect ok alice "$CS" job.submit "$slow"; jg=$(jid)
expect ok bob "$CS" job.results "{\"job_id\":\"$jq\"}"
expect ok bob "$CS" rate.set "{\"job_id\":\"$jg\",\"rate_pps\":100}"
expect ok bob "$CS" job.cancel "{\"job_id\":\"$jg\"}"
as carol "$SCANCTL" --socket "$CS" status "$jg" 2>"$T/err"; rc=$?
[ $rc = 3 ] || fail "carol (outside the group) reached scand: rc $rc $(cat "$T/err")"
echo "share_jobs = group: bob reads and cancels alice's jobs; carol still cannot connect"
echo PASS
