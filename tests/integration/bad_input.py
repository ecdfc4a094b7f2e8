#!/usr/bin/env python3
"""Bad-input catalogue against a live scand control socket (issue 9).

Each case sends raw bytes, expects one JSON-RPC error with the exact code and,
where a field is at fault, data.field and a message naming it; after every
case the daemon must still answer heartbeat on a fresh connection and the
background job must keep running. Cases marked as another user are sent by a
child process running as OTHER_UID (a member of the socket group, GROUP_GID);
cases on the read-only socket go to RO_SOCKET.
Usage: bad_input.py SOCKET JOB_ID RO_SOCKET OTHER_UID GROUP_GID"""
import json, os, socket, sys, time

SOCK, JOB, RO_SOCK, OTHER, GROUP = sys.argv[1], sys.argv[2], sys.argv[3], int(sys.argv[4]), int(sys.argv[5])

def send_as_other(raw, sock):
    """send() from a child that runs as OTHER with the socket group only."""
    rd, wr = os.pipe()
    pid = os.fork()
    if pid == 0:
        os.close(rd)
        try:
            os.setgroups([GROUP]); os.setgid(GROUP); os.setuid(OTHER)
            os.write(wr, send(raw, sock=sock))
        finally:
            os._exit(0)
    os.close(wr)
    out = b""
    while chunk := os.read(rd, 1 << 16):
        out += chunk
    os.close(rd)
    os.waitpid(pid, 0)
    return out

def send(raw, timeout=10, sock=None):
    s = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
    s.settimeout(timeout)
    s.connect(sock or SOCK)
    try:
        s.sendall(raw)
    except (BrokenPipeError, ConnectionResetError):
        pass  # scand rejected an over-long line and closed: its error is queued
    buf = b""
    while b"\n" not in buf:
        try:
            chunk = s.recv(65536)
        except (socket.timeout, ConnectionResetError):
            break
        if not chunk:
            break
        buf += chunk
    s.close()
    return buf.split(b"\n")[0]

def req(method, params=None, rid=1):
    o = {"jsonrpc": "2.0", "id": rid, "method": method}
    if params is not None:
        o["params"] = params
    return (json.dumps(o) + "\n").encode()

def submit(**kw):
    p = {"targets": ["198.18.1.0/24"], "ports": "80"}
    p.update(kw)
    return req("job.submit", {k: v for k, v in p.items() if v is not DROP})

DROP = object()
P, IR, MN, IP, BUSY, NF = -32700, -32600, -32601, -32602, -32001, -32002
C = []  # (name, raw bytes, code, field or None, message substring or None, other user?, socket)
PERM = -32003
def case(name, raw, code, field=None, msg=None, other=False, sock=None):
    C.append((name, raw, code, field, msg, other, sock))

# framing and envelope
case("malformed JSON", b'{"jsonrpc":"2.0",,}\n', P)
case("truncated line", b'{"jsonrpc":"2.0","id":1,"method":"heart\n', P)
case("trailing garbage", b'{"jsonrpc":"2.0","id":1,"method":"heartbeat"} x\n', P)
case("NUL byte", b'{"jsonrpc":"2.0","id":1,"method":"heart\x00beat"}\n', P, msg="UTF-8")
case("invalid UTF-8", b'{"jsonrpc":"2.0","id":1,"method":"\xc3\x28"}\n', P, msg="UTF-8")
case("overlong UTF-8", b'{"jsonrpc":"2.0","id":1,"method":"\xc0\xaf"}\n', P)
case("UTF-16 surrogate", b'{"jsonrpc":"2.0","id":1,"method":"\xed\xa0\x80"}\n', P)
case("deep nesting", b'{"jsonrpc":"2.0","id":1,"method":"heartbeat","params":' + b'[' * 5000 + b']' * 5000 + b'}\n', P)
case("2 MiB line", b'{"x":"' + b'a' * (2 << 20) + b'"}\n', IR, msg="exceeds")
case("batch of non-objects", b'[1]\n', IR)  # the reply: an array of one error
case("empty batch", b'[]\n', IR)
case("not an object", b'42\n', IR)
case("string request", b'"heartbeat"\n', IR)
case("no jsonrpc", b'{"id":1,"method":"heartbeat"}\n', IR, "jsonrpc")
case("jsonrpc 1.0", b'{"jsonrpc":"1.0","id":1,"method":"heartbeat"}\n', IR, "jsonrpc")
case("object id", b'{"jsonrpc":"2.0","id":{},"method":"heartbeat"}\n', IR, "id")
case("array id", b'{"jsonrpc":"2.0","id":[1],"method":"heartbeat"}\n', IR, "id")
case("no method", b'{"jsonrpc":"2.0","id":1}\n', IR, "method")
case("numeric method", b'{"jsonrpc":"2.0","id":1,"method":7}\n', IR, "method")
case("unknown method", req("job.explode"), MN, "method", "job.explode")
case("params array", b'{"jsonrpc":"2.0","id":1,"method":"heartbeat","params":[]}\n', IP, "params")
case("params string", b'{"jsonrpc":"2.0","id":1,"method":"job.submit","params":"x"}\n', IR, "params")
case("unknown param on heartbeat", req("heartbeat", {"verbose": True}), IP, "verbose")
# job.submit: every field, wrong types and values
case("targets missing", submit(targets=DROP), IP, "targets")
case("ports missing", submit(ports=DROP), IP, "ports")
case("targets number", submit(targets=5), IP, "targets", "array of strings")
case("targets empty list", submit(targets=[]), IP, "targets", "empty")
case("targets non-string item", submit(targets=["198.18.1.1", 7]), IP, "targets", "targets[1]")
case("targets empty string", submit(targets=[""]), IP, "targets")
case("targets garbage", submit(targets=["not-an-ip"]), IP, "targets", "not-an-ip")
case("targets /33", submit(targets=["198.18.1.0/33"]), IP, "targets", "prefix length")
case("targets IPv6 /64", submit(targets=["2001:db8::/64"]), IP, "targets", "/96")
case("targets reversed range", submit(targets=["198.18.1.9-198.18.1.1"]), IP, "targets", "after its end")
case("targets outside allow", submit(targets=["8.8.8.0/24"]), IP, "targets", "outside the allowed")
case("targets all blocked", submit(targets=["198.18.1.0/24"], blocklist=["198.18.0.0/16"]), IP, "targets", "blocklist")
case("targets 10^6 expression", submit(targets=[",".join(["198.18.1.1"] * 1000000)]), IR, None, "exceeds")
case("targets > 10^5 tokens", submit(targets=[",".join(["1.1.1.1"] * 100001)]), IP, "targets", "more than 100000")
case("ports number 0", submit(ports=0), IP, "ports")
case("ports 0", submit(ports="0"), IP, "ports", "port 0")
case("ports 65536", submit(ports="65536"), IP, "ports", "65536")
case("ports 80-22", submit(ports="80-22"), IP, "ports", "22-80")
case("ports empty", submit(ports=""), IP, "ports", "empty")
case("ports list type", submit(ports=[80]), IP, "ports", "string")
case("ports words", submit(ports="http"), IP, "ports")
case("probe unknown", submit(probe="ntp"), IP, "probe", "scand has tcp_syn, icmp_echo, udp")
case("probe number", submit(probe=5), IP, "probe", "module name")
case("probe module unknown", submit(probe={"module": "dns"}), IP, "probe.module", "dns")
case("probe module number", submit(probe={"module": 1}), IP, "probe.module")
case("probe unknown field", submit(probe={"module": "udp", "ttl": "5"}), IP, "probe.ttl", "its fields: payload")
case("probe field number", submit(probe={"module": "tcp_syn", "options": 1}), IP, "probe.options", "string")
case("tcp options unknown", submit(probe={"module": "tcp_syn", "options": "solaris"}), IP, "probe.options", "smallest-probes")
case("icmp_echo options", submit(ports=DROP, probe={"module": "icmp_echo", "options": "bsd"}), IP, "probe.options", "fields: none")
case("icmp_echo with ports", submit(probe="icmp_echo"), IP, "ports", "takes no ports")
case("udp payload form", submit(probe={"module": "udp", "payload": "base64:AA"}), IP, "probe.payload", "text:STRING")
case("udp payload odd hex", submit(probe={"module": "udp", "payload": "hex:abc"}), IP, "probe.payload", "pairs of hex")
case("udp payload file", submit(probe={"module": "udp", "payload": "file:/etc/shadow"}), IP, "probe.payload", "client's side")
case("udp payload too long", submit(probe={"module": "udp", "payload": "hex:" + "00" * 451}), IP, "probe.payload", "450 bytes")
case("udp template field", submit(probe={"module": "udp", "payload": "template:${HOST}"}), IP, "probe.payload", "unknown template field")
case("udp template length", submit(probe={"module": "udp", "payload": "template:${RAND_ALPHA=0}"}), IP, "probe.payload", "length n")
case("udp bad escape", submit(probe={"module": "udp", "payload": "text:\\z"}), IP, "probe.payload", "escape")
case("udp both payloads", submit(probe={"module": "udp", "payload": "text:a", "payloads": "53 text:b"}), IP, "probe.payloads", "not both")
case("udp payloads port twice", submit(probe={"module": "udp", "payloads": "53 text:a\n# x\n50-60 hex:00"}), IP, "probe.payloads", ":3: port 53 already")
case("udp payloads no value", submit(probe={"module": "udp", "payloads": "161"}), IP, "probe.payloads", "PORTS FORM:VALUE")
case("udp payloads bad ports", submit(probe={"module": "udp", "payloads": "dns text:a"}), IP, "probe.payloads", "ports \"dns\"")
case("udp payloads two defaults", submit(probe={"module": "udp", "payloads": "* text:a\n* text:b"}), IP, "probe.payloads", "second")
case("udp payloads 300 KiB", submit(probe={"module": "udp", "payloads": "# " + "x" * 300000}), IP, "probe.payloads", "at most 262144")
case("record string", submit(record="open"), IP, "record", "array")
case("record empty", submit(record=[]), IP, "record", "non-empty")
case("record unknown status", submit(record=["open", "filtered"]), IP, "record[1]", "open, closed")
case("record status of another module", submit(record=["up"]), IP, "record[0]", "tcp_syn rows")
case("record number", submit(record=[1]), IP, "record[0]")
case("rate string", submit(rate_pps="fast"), IP, "rate_pps", "integer")
case("rate negative", submit(rate_pps=-5), IP, "rate_pps")
case("rate zero", submit(rate_pps=0), IP, "rate_pps")
case("rate fractional", submit(rate_pps=1.5), IP, "rate_pps", "whole")
case("rate huge", submit(rate_pps=10**12), IP, "rate_pps")
case("adaptive string", submit(adaptive="yes"), IP, "adaptive")
case("shard 3/3", submit(shard={"index": 3, "count": 3}), IP, "shard.index", "less than")
case("shard 0/0", submit(shard={"index": 0, "count": 0}), IP, "shard.count")
case("shard string 1/0", submit(shard="1/0"), IP, "shard.count")
case("shard negative", submit(shard={"index": -1, "count": 2}), IP, "shard.index")
case("shard array", submit(shard=[0, 1]), IP, "shard")
case("seed negative", submit(seed=-1), IP, "seed")
case("seed text", submit(seed="abc"), IP, "seed")
case("nics not list", submit(nics=3), IP, "nics")
case("nics empty", submit(nics=[]), IP, "nics")
case("nics unknown", submit(nics=["eth9"]), IP, "nics[0]", "eth9")
case("nics duplicate", submit(nics=["sc0", "sc0"]), IP, "nics[1]", "twice")
case("engine unknown", submit(engine="pfring"), IP, "engine", "pfring")
case("engine mismatch", submit(engine="dpdk"), IP, "engine", "af_packet")
case("source_ip garbage", submit(source_ip="1.2.3"), IP, "source_ip")
case("source_ip number", submit(source_ip=5), IP, "source_ip", "string")
case("source_ports reversed", submit(source_ports="50000-40000"), IP, "source_ports")
case("gateway_mac short", submit(gateway_mac="02:00:00"), IP, "gateway_mac")
case("blocklist not list", submit(blocklist=5), IP, "blocklist")
case("blocklist bad cidr", submit(blocklist=["10.0.0.0/40"]), IP, "blocklist[0]")
case("cooldown huge", submit(cooldown_s=99999), IP, "cooldown_s")
case("name too long", submit(name="x" * 300), IP, "name", "longer")
case("name control chars", submit(name="a\nb"), IP, "name")
case("unknown field", submit(colour="red"), IP, "colour", "unknown field")
case("targets_file missing", submit(targets=DROP, targets_file="/nonexistent/x"), IP, "targets_file")
case("targets_file directory", submit(targets=DROP, targets_file="/tmp"), IP, "targets_file", "regular file")
case("targets_file device", submit(targets=DROP, targets_file="/dev/zero"), IP, "targets_file", "regular file")
case("source_ip unconfigured", submit(source_ip="198.18.0.7"), IP, "source_ip", "not an address configured")
case("source_ports with zero", submit(source_ports="0-5"), IP, "source_ports")
# other methods
case("status unknown job", req("job.status", {"job_id": "j999999-0000"}), NF, "job_id")
case("status no job_id", req("job.status", {}), IP, "job_id")
case("status numeric id", req("job.status", {"job_id": 5}), IP, "job_id")
case("cancel unknown job", req("job.cancel", {"job_id": "nope"}), NF, "job_id")
case("results unknown job", req("job.results", {"job_id": "nope"}), NF, "job_id")
case("results limit 0", req("job.results", {"job_id": JOB, "limit": 0}), IP, "limit")
case("results limit huge", req("job.results", {"job_id": JOB, "limit": 10**6}), IP, "limit")
case("results negative offset", req("job.results", {"job_id": JOB, "offset": -1}), IP, "offset")
case("results bad format", req("job.results", {"job_id": JOB, "format": "xml"}), IP, "format")
case("rate.set missing rate", req("rate.set", {"job_id": JOB}), IP, "rate_pps")
case("rate.set zero", req("rate.set", {"job_id": JOB, "rate_pps": 0}), IP, "rate_pps")
case("job.list bad state", req("job.list", {"state": "sleeping"}), IP, "state")
case("subscribe unknown job", req("events.subscribe", {"job_id": "nope"}), NF, "job_id")
# the host's own connections (the scanner namespace's ephemeral range is 40000-40999)
case("source_ports in the host's ephemeral range", submit(source_ip="198.18.0.1", source_ports="40900-41100"),
     IP, "source_ports", "overlap the host's ephemeral port range 40000-40999")
# another member of the socket group: root's job is not theirs
case("cancel someone else's job", req("job.cancel", {"job_id": JOB}), PERM, "job_id", "belongs to uid 0", other=True)
case("rate.set someone else's job", req("rate.set", {"job_id": JOB, "rate_pps": 5}), PERM, "job_id", "set its rate", other=True)
case("results of someone else's job", req("job.results", {"job_id": JOB}), PERM, "job_id", "read its results", other=True)
case("stream someone else's job", req("events.subscribe", {"job_id": JOB, "results": True}), PERM, "job_id", "stream its results", other=True)
case("delete someone else's job", req("job.delete", {"job_id": JOB}), PERM, "job_id", "delete it", other=True)
# the read-only socket serves no result rows, not even to root
case("results on the read-only socket", req("job.results", {"job_id": JOB}), PERM, None, "read-only socket never", sock=RO_SOCK)
case("stream on the read-only socket", req("events.subscribe", {"job_id": JOB, "results": True}), PERM, "results", "read-only socket never", sock=RO_SOCK)
case("cancel on the read-only socket", req("job.cancel", {"job_id": JOB}), PERM, None, "read-only socket", sock=RO_SOCK)

def heartbeat_ok():
    r = json.loads(send(req("heartbeat")))
    return r.get("result", {}).get("ok") is True

def job_state():
    return json.loads(send(req("job.status", {"job_id": JOB})))["result"]

failed = 0
sent0 = job_state()["sent"]
for name, raw, code, field, msg, other, sock in C:
    try:
        resp = json.loads(send_as_other(raw, sock) if other else send(raw, sock=sock))
        if isinstance(resp, list) and len(resp) == 1:  # a batch: one reply per request
            resp = resp[0]
        err = resp.get("error") or {}
        ok = err.get("code") == code
        if ok and field is not None:
            ok = (err.get("data") or {}).get("field") == field
        if ok and msg is not None:
            ok = msg in err.get("message", "")
    except Exception as e:  # no answer, bad JSON
        ok, resp = False, repr(e)
    alive = heartbeat_ok()
    if not ok or not alive:
        failed += 1
        print(f"FAIL {name}: expected {code} {field or ''} {msg or ''}; got {resp}; alive={alive}")
st = job_state()
print(f"{len(C)} bad inputs, {failed} failed; background job {st['state']}, sent {sent0} -> {st['sent']}")
if st["state"] not in ("running", "cooldown", "done") or st["sent"] <= sent0:
    print("FAIL: the background job did not keep running")
    failed += 1
# duplicate ids and cancel twice are fine, not errors
a = json.loads(send(req("heartbeat", rid=7) + req("heartbeat", rid=7)))
assert a["id"] == 7
sys.exit(1 if failed else 0)
