/* scand configuration (DESIGN §5): INI parsed with libinih into one struct.
 * Unknown sections/keys and bad values are errors carrying the line number. */
#pragma once
#include "common.h"
#include "engine.h"
#include <net/if.h>

#define CONFIG_MAX_NICS 32
#define CONFIG_MAX_SOURCE_IPS 64

struct nic_config {
	char name[IFNAMSIZ];
	enum engine_kind engine; /* default af_packet */
	unsigned queues;	 /* 0 = engine default */
	enum xdp_mode_cfg xdp_mode;
	char dpdk_port[256];
	bool has_gateway_mac;
	uint8_t gateway_mac[6];
	bool has_source_ip;
	struct ipaddr source_ip;
	char ena_counters_file[256];
	bool control_plane_ok;
	char dpdk_driver[16];  /* --prepare binds dpdk_port to it: vfio-pci (default), uio_pci_generic, igb_uio */
	bool xdp_mtu_fix;      /* --prepare lowers an MTU above the driver's XDP limit */
	bool xdp_channels_fix; /* --prepare frees queue pairs on ena (ethtool -L) */
	int line; /* line of the [nic] header, for messages */
};

/* [daemon] share_jobs: who may cancel, delete, rate.set a job and read its
 * results besides root and scand's own user. */
enum share_jobs {
	SHARE_OWNER, /* its submitter only (default) */
	SHARE_GROUP, /* every member of the socket group (one orchestrator does everything) */
};

struct config {
	/* [daemon] */
	char socket[108];
	char socket_group[64]; /* empty: root only (plus the owner group) */
	char telemetry_socket[108]; /* read-only socket for monitoring; empty = none */
	char telemetry_group[64];
	char state_dir[256];
	unsigned max_clients;	 /* 64 */
	unsigned max_clients_per_uid; /* 16: one user cannot take every slot */
	unsigned max_line;	 /* 1 MiB */
	unsigned max_queued_jobs; /* 16 */
	unsigned max_running_jobs; /* 4 */
	unsigned max_jobs_per_uid; /* 8 unfinished jobs per submitter (root and scand exempt); 0 = no cap */
	enum share_jobs share_jobs; /* owner */
	unsigned retain_jobs;	 /* 1000 finished jobs kept; the oldest beyond are deleted */
	unsigned retain_days;	 /* 30: finished jobs older than this are deleted; 0 = never */
	unsigned min_free_mb;	 /* 512: job.submit refused below this free space in state_dir */
	unsigned client_timeout_s; /* 30: a client stalled mid-line, not reading, or idle
				    * (no request, not subscribed) is dropped */
	char prometheus_textfile[256];
	int log_level; /* LOG_ERR..LOG_DEBUG */
	/* [rate] */
	uint64_t max_pps;	  /* 0 = unlimited */
	bool adaptive;		  /* true */
	uint64_t aimd_increase_pps; /* 1000 */
	double aimd_decrease;	  /* 0.7 */
	unsigned tick_ms;	  /* 1000 */
	/* [scan] */
	bool has_source_ip;
	struct ipaddr source_ip;
	struct ipaddr source_ips[CONFIG_MAX_SOURCE_IPS]; /* more addresses jobs may name */
	unsigned nsource_ips;
	uint16_t source_port_lo, source_port_n; /* 61000, 64: outside Linux's ephemeral range */
	unsigned cooldown_s;			/* 8 */
	char blocklist_file[256];		/* /etc/scand/blocklist.conf */
	char udp_payloads[256];			/* /etc/scand/udp-payloads.conf: udp's default payloads */
	char allow[4096];			/* comma-separated CIDRs; empty = no allowlist */
	unsigned max_targets_len;		/* targets expression limit, chars */
	uint64_t dedup_bitmap_max;		/* bits */
	bool has_shard;
	uint32_t shard_index, shard_count;
	/* [dpdk] */
	char eal_args[1024];
	char hugepages[256]; /* SIZE:COUNT[@NODE],... reserved by scand --prepare; "" = none */
	/* [nic "X"] */
	unsigned nnics;
	struct nic_config nics[CONFIG_MAX_NICS];
};

void config_defaults(struct config *c);
/* Parses path into c (defaults first). On error returns -EINVAL (or -errno
 * for I/O) and err holds "PATH:LINE: message" lines, one per problem. */
int config_load(struct config *c, const char *path, struct errbuf *err);
/* Parses from a string (fuzzing, tests); name is used in messages. */
int config_load_string(struct config *c, const char *text, const char *name,
		       struct errbuf *err);
const struct nic_config *config_find_nic(const struct config *c, const char *name);
/* The part of a [nic] section its engine is opened with. */
void nic_config_engine(const struct nic_config *n, struct engine_conf *ec);
