/* The NIC layer: each configured NIC's engine and its queue workers, opened
 * at daemon start and kept open between jobs; lookup by name; noticing an
 * interface that vanished. Main thread only (workers run on their own). */
#pragma once
#include "config.h"
#include "engine.h"
#include "threadplan.h"
#include "worker.h"

struct nic {
	unsigned index;		  /* position in struct nics */
	struct nic_config conf;
	struct engine eng;
	bool up;
	bool rx_change_told;	  /* nic_rx_changed was logged while jobs ran */
	char error[512];	  /* why the NIC is failed; fix included */
	struct ipaddr src4, src6; /* resolved source addresses (af 0 when none) */
	unsigned nworkers;
	struct worker *workers;	  /* one per engine queue */
	int cores[PLAN_MAX_QUEUES]; /* core each queue worker is pinned to */
};

struct nics {
	unsigned n;
	struct nic nic[CONFIG_MAX_NICS];
	unsigned engines_init; /* bit per engine_kind whose global_init ran */
};

/* The first call takes the [nic] sections of cfg, runs the engines'
 * global_init and plans queues and cores; every call opens the NICs that are
 * not up. A failure marks that NIC (n->error), never the others. */
void nics_open(struct nics *ns, const struct config *cfg);
/* Stops every queue worker, closes the engines and their global state. */
void nics_close(struct nics *ns);
struct nic *nics_find(struct nics *ns, const char *name);
/* True when n is up but its interface is gone (deleted, re-created with a
 * new index); why gets the message with the fix. */
bool nic_vanished(const struct nic *n, char *why, size_t len);
/* True when n is up but its RX queues changed since it was opened (ethtool
 * -L): replies on a new queue have no socket. why gets the counts. */
bool nic_rx_changed(const struct nic *n, char *why, size_t len);
/* Closes n and opens it again (its sockets then cover the RX queues as they
 * are now); on failure n is failed with the reason and the fix in n->error. */
int nic_reopen(struct nic *n, const struct config *cfg);
/* Stops n's workers, closes its engine and marks it failed with why. */
void nic_fail(struct nic *n, const char *why);
/* Replaces the engine's RX filter (replies to the active jobs). */
int nic_set_filter(struct nic *n, const struct rx_filter *f);
