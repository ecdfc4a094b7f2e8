/* A job's footprint on the host's network: the RX filters of its NICs, the
 * checks at submit that keep it off the host's own traffic (its source_ip
 * must be one configured for its NICs; its source ports must hold no
 * listening socket on a host address and stay out of the host's ephemeral
 * range), and the reservation of its source ports while it sends from an
 * address the host owns. All of them look at the same addresses: those the
 * job sends from, in the families of its targets. */
#pragma once
#include "hostports.h"
#include "job.h"
#include "nic.h"
#include "joberror.h"

/* Each NIC's RX filter admits replies to every active job (running or in
 * cooldown) of the list starting at head that uses it, except skip (a job
 * being stopped: its filter goes before its ports are released). */
void jobnet_filters(struct nics *ns, const struct job *head, const struct job *skip);
/* job.submit: -32602 (field source_ip or source_ports) with the fix. */
int jobnet_check(const struct job *j, struct nics *ns, const struct config *cfg,
		 struct job_error *err);
/* Reserves j's source ports when one of its source addresses is the host's.
 * Call it before the job's filter is installed (jobnet_filters), and
 * jobnet_release after the filter is gone: no moment in which the host's own
 * connection could use a port whose replies go to the scan. */
int jobnet_reserve(const struct job *j, struct nics *ns, struct hostports *hp, struct errbuf *err);
void jobnet_release(const struct job *j, struct hostports *hp);
