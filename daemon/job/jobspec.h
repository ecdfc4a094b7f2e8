/* job.submit parameters (DESIGN §2): strict decoding from JSON with
 * per-field errors, defaults from the config, and persistence as spec.json. */
#pragma once
#include "config.h"
#include "jobkeys.h"
#include "jobprobe.h"
#include "joblabels.h"
#include "joberror.h"
#include "space.h"
#include <cjson/cJSON.h>

#define JOBSPEC_MAX_NAME 128
#define JOBSPEC_MAX_BLOCKLIST 1024

struct job_spec {
	char name[JOBSPEC_MAX_NAME];
	char **targets; /* owned strings, as submitted */
	size_t ntargets;
	char *ports; /* owned; NULL for a module without ports (icmp_echo) */
	struct job_probe probe; /* "probe" and "record" */
	uint64_t rate_pps;
	bool adaptive;
	uint32_t shard_index, shard_count;
	uint64_t seed;
	char nics[CONFIG_MAX_NICS][IFNAMSIZ];
	unsigned nnics; /* resolved: all configured NICs when the job names none */
	bool has_engine;
	enum engine_kind engine;
	bool has_source_ip;
	struct ipaddr source_ip;
	uint16_t sport_lo, sport_n;
	bool has_gateway_mac;
	uint8_t gateway_mac[6];
	char **blocklist; /* owned CIDR strings */
	size_t nblocklist;
	unsigned cooldown_s;
	struct job_keys keys;	  /* client_key (idempotent submit) */
	struct job_labels labels; /* "labels": {"k": "v"} */
};

/* Decodes and checks job.submit params. Every problem is JOB_ERR_INVALID
 * with err->field set ("rate_pps", "shard.index", "nics[1]") and a message
 * naming the fix. Unknown fields are errors. Defaults come from cfg:
 * rate_pps 10000 capped by [rate] max_pps, adaptive from [rate], shard from
 * [scan] shard or 0/1, seed random, nics all configured, source ports and
 * cooldown from [scan]. */
int jobspec_from_json(const cJSON *params, const struct config *cfg, struct job_spec *s,
		      struct job_error *err);
/* A stored spec.json under the current config: NICs need not be configured
 * (the job is held until they are), the engine need not match, rate_pps is
 * capped by [rate] max_pps (the config wins; the file is not rewritten). */
int jobspec_from_stored(const cJSON *params, const struct config *cfg, struct job_spec *s,
			struct job_error *err);
/* Frees the target and blocklist strings (a finished job keeps its summary). */
void jobspec_drop_targets(struct job_spec *s);
/* The spec with every default resolved; jobspec_from_json(to_json(s)) == s. */
cJSON *jobspec_to_json(const struct job_spec *s);
void jobspec_free(struct job_spec *s);

/* The ports of the job's space: the spec's, or for a module without ports
 * the single port 0 (one probe per host; its rows carry no port). */
int jobspec_ports(const struct job_spec *s, struct port_list *ports, struct errbuf *e);
/* Parses targets and ports, subtracts the config blocklist and the job's
 * blocklist, checks the [scan] allow list; builds the index space.
 * Errors (JOB_ERR_INVALID): bad token (field "targets"/"ports"), targets
 * outside allow (names the first such address), all targets blocked. */
int jobspec_build_space(const struct job_spec *s, const struct config *cfg,
			const struct cidr_list *config_blocklist, const struct cidr_list *allow,
			struct space *out, struct job_error *err);
