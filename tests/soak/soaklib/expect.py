"""Ground truth for one job: the probes it must have (targets x ports minus
what the blocklist held at submit), which of them answer open (the
listeners), and the check of its result rows against that."""
import ipaddress

NET = ipaddress.ip_network("198.18.1.0/24")


def row_key(row):
    """(host byte, port) of a result row; None when the address is outside
    the target network."""
    ip = ipaddress.ip_address(row["ip"])
    if ip not in NET:
        return None
    return int(ip) & 0xFF, int(row["port"])


def check_rows(job, rows, final, status, truth, tainted):
    """Errors (strings) in a job's rows. job: hosts, ports, nics, space_hosts
    (in 198.18.1.0/24), extra (targets elsewhere: never answered, so no row);
    final: the job's final state; status: its job.status; tainted: hosts the
    blocklist covered for part of the run (their rows may be missing, and
    those present must still be right)."""
    errs = []
    space = {(h, p) for h in job.space_hosts for p in job.ports}
    total = len(space) + len(job.extra) * len(job.ports)
    if status["total"] != total:
        errs.append(f"total {status['total']} != {total} probes in its space")
    seen = {}
    for row in rows:
        k = row_key(row)
        if k is None or k not in space:
            errs.append(f"row outside the job's space: {row}")
            continue
        if k in seen:
            errs.append(f"duplicate row for {row['ip']}:{row['port']}")
        seen[k] = row
        want = "open" if k in truth else "closed"
        if row["status"] != want:
            errs.append(f"{row['ip']}:{row['port']} is {row['status']}, ground truth says {want}")
        if row.get("nic") not in job.nics:
            errs.append(f"row from NIC {row.get('nic')}, job runs on {job.nics}")
        for f in ("ttl", "ts"):
            if f not in row:
                errs.append(f"row lacks {f}: {row}")
    if final == "done":
        need = {k for k in space if k[0] not in tainted}
        missing = sorted(need - seen.keys())
        if missing:
            errs.append(f"{len(missing)} probes of {len(need)} have no result, e.g. "
                        f"{['198.18.1.%d:%d' % k for k in missing[:5]]}")
    nopen = sum(1 for r in seen.values() if r["status"] == "open")
    if (status["open"], status["closed"], status["results"]) != (nopen, len(seen) - nopen, len(rows)):
        errs.append(f"job.status open/closed/results {status['open']}/{status['closed']}/"
                    f"{status['results']} != rows {nopen}/{len(seen) - nopen}/{len(rows)}")
    return errs[:10]
