/* Probe modules (zmap src/probe_modules shape): one file per module --
 * probe_tcp_syn.c, probe_icmp_echo.c, probe_udp.c -- each one ops table
 * filled with designated initializers; probe_module.c holds the static
 * registry and the job's "probe" arguments.
 * Buffers: build() writes each probe into a frame the engine lends
 * (>= PROBE_MAX_LEN bytes, owned by the caller until tx_submit); validate()
 * and classify() read the parsed struct reply, never the frame. Nothing is
 * allocated per probe; the module is chosen once per burst, not per packet. */
#pragma once
#include "probe.h"
#include "udp_payload.h"
#include "validate.h"

enum probe_module_id { PROBE_TCP_SYN, PROBE_ICMP_ECHO, PROBE_UDP, PROBE_NMODULES };

/* tcp_syn option sets: zmap's presets (zmap 4 tcp_synscan --probe-args). */
enum tcp_preset { TCP_SMALLEST, TCP_BSD, TCP_WINDOWS, TCP_LINUX, TCP_NPRESETS };

/* A job's module and its parsed arguments ("probe": {"module": ...}). */
struct probe_args {
	const struct probe_module *mod;
	enum tcp_preset tcp_options;	 /* tcp_syn: "options", default smallest-probes */
	struct udp_payload_set *payloads; /* udp: owned; built from "payload" / "payloads" */
};

/* Where one probe goes. */
struct probe_dst {
	struct ipaddr ip;
	uint16_t port; /* 0 for modules without ports */
};

/* What a validated reply becomes: the probe's part of a result row. */
struct probe_row {
	struct ipaddr ip; /* the target (for an ICMP error: the quoted destination) */
	uint16_t port;	  /* 0: the row has no port (icmp_echo) */
	uint8_t status;	  /* enum reply_status */
	uint8_t icmp_type, icmp_code; /* status unreachable */
};

/* The frame a job's probes go out in (one family). */
struct probe_frame {
	uint8_t smac[6], dmac[6];
	struct ipaddr src;
};

/* One field of "probe": {...}: its name, an example value, its parser. */
struct probe_field {
	const char *name;
	const char *example;
	int (*parse)(struct probe_args *a, const char *value, struct errbuf *err);
};

/* Receives the module's fields in their stored (canonical) form. */
typedef void (*probe_emit_fn)(void *ctx, const char *name, const char *value);

struct probe_module {
	const char *name;
	const char *summary; /* one line for daemon.info */
	enum probe_module_id id;
	bool ports;	  /* probes (host, port); false: one probe per host, rows without a port */
	uint8_t rx_proto; /* replies the RX filters pass: IPPROTO_TCP, IPPROTO_UDP, IPPROTO_ICMP */
	uint8_t statuses; /* bit (1 << status) for each status its rows can have */
	const struct probe_field *fields;
	unsigned nfields;
	/* After the given fields: defaults for the others; -EINVAL with err.
	 * NULL: nothing to do. */
	int (*finish)(struct probe_args *a, struct errbuf *err);
	/* The fields to store in spec.json (jobspec round trip); NULL: none. */
	void (*emit)(const struct probe_args *a, probe_emit_fn fn, void *ctx);
	/* One family's template (f->src.af); v: ids derived from the job key. */
	int (*tmpl_init)(struct probe_tmpl *t, const struct probe_args *a, const struct probe_frame *f,
			 const struct validator *v);
	/* n probes: d[i] into bufs[i], lengths into lens[i]. t4/t6: the
	 * templates (NULL when the job has no target of that family); ipid:
	 * the first IPv4 id (the i-th probe gets ipid + i). */
	void (*build)(const struct probe_tmpl *t4, const struct probe_tmpl *t6,
		      const struct validator *v, uint8_t *const *bufs, const struct probe_dst *d,
		      unsigned n, uint16_t ipid, uint16_t *lens);
	/* True when r answers one of the job's probes sent from t->src. */
	bool (*validate)(const struct probe_tmpl *t, const struct validator *v, const struct reply *r);
	/* The row for a validated reply. */
	void (*classify)(const struct reply *r, struct probe_row *row);
};

extern const struct probe_module probe_tcp_syn, probe_icmp_echo, probe_udp;

/* The registry: modules by id, lookup by name ("tcp_syn", "icmp_echo", "udp"). */
const struct probe_module *probe_module_get(enum probe_module_id id);
const struct probe_module *probe_module_find(const char *name);
/* "tcp_syn, icmp_echo, udp" for error messages. */
const char *probe_module_names(void);

/* a := module mod with no fields given yet. */
void probe_args_init(struct probe_args *a, const struct probe_module *mod);
/* Parses one field of "probe"; an unknown name lists the module's fields. */
int probe_args_field(struct probe_args *a, const char *name, const char *value, struct errbuf *err);
/* Defaults and checks after the last field. */
int probe_args_finish(struct probe_args *a, struct errbuf *err);
void probe_args_free(struct probe_args *a);

/* What a job's RX filter entry admits for one source address: the protocol
 * and the range of destination ports (TCP, UDP) or, for ICMP echo, the
 * job's echo id (lo == hi) and the tag its echo payloads start with. */
struct probe_rx_match {
	uint8_t proto;
	uint16_t lo, hi;
	uint32_t tag;
};
void probe_rx_match(const struct probe_args *a, const struct validator *v,
		    struct probe_rx_match *m);

/* tcp_syn option presets: "smallest-probes", "bsd", "windows", "linux". */
const char *tcp_preset_name(enum tcp_preset p);
int tcp_preset_parse(const char *s, enum tcp_preset *p);
void tcp_preset_opts(enum tcp_preset p, struct probe_opts *o);

/* icmp_echo: the job's echo id and payload tag (from the key). */
void icmp_echo_ids(const struct validator *v, uint16_t *id, uint32_t *tag);
