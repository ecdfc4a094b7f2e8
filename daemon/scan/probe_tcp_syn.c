/* The tcp_syn probe module: a TCP SYN with one of zmap's option presets,
 * seq and source port from the job key; SYN-ACK is open, RST closed. */
#include "probe_module.h"

#include <errno.h>
#include <netinet/in.h>
#include <sys/socket.h>

#define TCP_LEN 20

#define TCPOPT_EOL 0
#define TCPOPT_NOP 1
#define TCPOPT_MSS 2
#define TCPOPT_WS 3
#define TCPOPT_SACK_PERM 4
#define TCPOPT_TS 8

void probe_opts_default(struct probe_opts *o)
{
	*o = (struct probe_opts){
		.mss = true,
		.sack_perm = true,
		.timestamps = true,
		.wscale = true,
		.mss_value = 1460,
		.wscale_value = 7,
		.ttl = 64,
		.window = 64240,
	};
}

/* zmap's presets (packet.c set_tcp_options): smallest-probes MSS only;
 * windows MSS, NOP WS 8, NOP NOP SACK_PERM; linux MSS, SACK_PERM, TS,
 * NOP WS 7; bsd MSS, NOP WS 6, NOP NOP TS, SACK_PERM, EOL EOL. */
static const struct {
	const char *name;
	bool sack, ts, ws, bsd;
	uint8_t wscale;
	uint16_t window;
} presets[TCP_NPRESETS] = {
	[TCP_SMALLEST] = { "smallest-probes", false, false, false, false, 0, 65535 },
	[TCP_BSD] = { "bsd", true, true, true, true, 6, 65535 },
	[TCP_WINDOWS] = { "windows", true, false, true, false, 8, 64240 },
	[TCP_LINUX] = { "linux", true, true, true, false, 7, 64240 },
};

const char *tcp_preset_name(enum tcp_preset p)
{
	return (unsigned)p < TCP_NPRESETS ? presets[p].name : "?";
}

int tcp_preset_parse(const char *s, enum tcp_preset *p)
{
	for (unsigned i = 0; i < TCP_NPRESETS; i++)
		if (strcmp(s, presets[i].name) == 0) {
			*p = (enum tcp_preset)i;
			return 0;
		}
	return -EINVAL;
}

void tcp_preset_opts(enum tcp_preset p, struct probe_opts *o)
{
	probe_opts_default(o);
	o->sack_perm = presets[p].sack;
	o->timestamps = presets[p].ts;
	o->wscale = presets[p].ws;
	o->bsd_order = presets[p].bsd;
	o->wscale_value = presets[p].wscale;
	o->window = presets[p].window;
}

static size_t opt_mss(uint8_t *p, size_t n, const struct probe_opts *o)
{
	p[n++] = TCPOPT_MSS;
	p[n++] = 4;
	probe_put16(p + n, o->mss_value);
	return n + 2;
}

static size_t opt_ts(uint8_t *p, size_t n, int *tsval_at)
{
	p[n++] = TCPOPT_TS;
	p[n++] = 10;
	*tsval_at = (int)n;
	memset(p + n, 0, 8); /* TSval per probe, TSecr 0 in a SYN */
	return n + 8;
}

/* BSD order: MSS, NOP WS, NOP NOP TS, SACK_PERM, EOL EOL (24 bytes with all). */
static size_t tcp_opts_bsd(uint8_t *p, const struct probe_opts *o, int *tsval_at)
{
	size_t n = o->mss ? opt_mss(p, 0, o) : 0;

	if (o->wscale) {
		memcpy(p + n, (const uint8_t[]){ TCPOPT_NOP, TCPOPT_WS, 3, o->wscale_value }, 4);
		n += 4;
	}
	if (o->timestamps) {
		p[n++] = TCPOPT_NOP;
		p[n++] = TCPOPT_NOP;
		n = opt_ts(p, n, tsval_at);
	}
	if (o->sack_perm) {
		p[n++] = TCPOPT_SACK_PERM;
		p[n++] = 2;
	}
	while (n % 4)
		p[n++] = TCPOPT_EOL;
	return n;
}

/* Linux order: MSS, [SACK_PERM|NOP NOP] TS, NOP WS, NOP NOP SACK_PERM (no TS).
 * Returns the option length (multiple of 4); *tsval_at is the TS value offset
 * inside the options or -1. */
static size_t tcp_opts_write(uint8_t *p, const struct probe_opts *o, int *tsval_at)
{
	size_t n = 0;

	*tsval_at = -1;
	if (o->bsd_order)
		return tcp_opts_bsd(p, o, tsval_at);
	if (o->mss)
		n = opt_mss(p, n, o);
	if (o->timestamps) {
		p[n++] = o->sack_perm ? TCPOPT_SACK_PERM : TCPOPT_NOP;
		p[n++] = o->sack_perm ? 2 : TCPOPT_NOP;
		n = opt_ts(p, n, tsval_at);
	}
	if (o->wscale) {
		memcpy(p + n, (const uint8_t[]){ TCPOPT_NOP, TCPOPT_WS, 3, o->wscale_value }, 4);
		n += 4;
	}
	if (o->sack_perm && !o->timestamps) {
		memcpy(p + n, (const uint8_t[]){ TCPOPT_NOP, TCPOPT_NOP, TCPOPT_SACK_PERM, 2 }, 4);
		n += 4;
	}
	return n;
}

/* TCP header with ports, seq and checksum zero (per probe). */
static void tcp_hdr_write(uint8_t *tcp, size_t tcp_len, uint16_t window)
{
	memset(tcp, 0, TCP_LEN);
	tcp[12] = (uint8_t)((tcp_len / 4) << 4);
	tcp[13] = 0x02; /* SYN */
	probe_put16(tcp + 14, window);
}

int probe_tmpl_init(struct probe_tmpl *t, const uint8_t smac[6], const uint8_t dmac[6],
		    const struct ipaddr *src, const struct probe_opts *o)
{
	struct probe_opts def;
	uint8_t opts[40], pseudo[16] = { 0 };
	size_t tcp_len;
	uint32_t tcp_sum;
	int tsval_at, r;

	if (!o) {
		probe_opts_default(&def);
		o = &def;
	}
	tcp_len = TCP_LEN + tcp_opts_write(opts, o, &tsval_at);
	if ((r = probe_tmpl_l3(t, smac, dmac, src, IPPROTO_TCP, tcp_len, o->ttl)) < 0)
		return r;
	tcp_hdr_write(t->buf + t->l4_off, tcp_len, o->window);
	memcpy(t->buf + t->l4_off + TCP_LEN, opts, tcp_len - TCP_LEN);
	t->len = (uint16_t)(t->l4_off + tcp_len);
	t->tsval_off = tsval_at < 0 ? 0 : (uint16_t)(t->l4_off + TCP_LEN + tsval_at);

	/* Pseudo header constant part: source address, protocol, TCP length. */
	ipaddr_to_bytes(src, pseudo);
	tcp_sum = csum_partial(pseudo, src->af == AF_INET ? 4 : 16, IPPROTO_TCP + (uint32_t)tcp_len);
	tcp_sum = csum_partial(t->buf + t->l4_off, tcp_len, tcp_sum);
	t->csum_base |= tcp_sum;
	return 0;
}

static inline uint16_t build_tcp(const struct probe_tmpl *t, uint8_t *out, uint64_t sum,
				 uint16_t dport, uint16_t sport, uint32_t seq, uint32_t tsval)
{
	uint8_t *tcp = out + t->l4_off;

	probe_put16(tcp, sport);
	probe_put16(tcp + 2, dport);
	probe_put32(tcp + 4, seq);
	sum += (uint64_t)(t->csum_base & 0xffff) + sport + dport + seq;
	if (t->tsval_off) { /* fixed per template: perfectly predicted */
		probe_put32(out + t->tsval_off, tsval);
		sum += tsval;
	}
	probe_put16(tcp + 16, (uint16_t)~probe_fold64(sum));
	return t->len;
}

static inline __attribute__((always_inline)) uint16_t
syn_one(const struct probe_tmpl *t, uint8_t *out, const struct ipaddr *dst, uint16_t dport,
	uint16_t sport, uint32_t seq, uint16_t ipid, uint32_t tsval)
{
	probe_tmpl_copy(out, t);
	return build_tcp(t, out, probe_put_dst(t, out, dst, ipid, 0), dport, sport, seq, tsval);
}

uint16_t probe_build(const struct probe_tmpl *t, uint8_t *out, const struct ipaddr *dst,
		     uint16_t dport, uint16_t sport, uint32_t seq, uint16_t ipid, uint32_t tsval)
{
	return syn_one(t, out, dst, dport, sport, seq, ipid, tsval);
}

/* ---- the module ---- */

static int field_options(struct probe_args *a, const char *value, struct errbuf *err)
{
	if (tcp_preset_parse(value, &a->tcp_options) < 0)
		return errbuf_set(err, -EINVAL,
				  "probe.options \"%.40s\" is not a tcp_syn option set; use smallest-probes (MSS only, the default), bsd, windows or linux",
				  value);
	return 0;
}

static const struct probe_field fields[] = {
	{ "options", "\"linux\"", field_options },
};

static void syn_emit(const struct probe_args *a, probe_emit_fn fn, void *ctx)
{
	fn(ctx, "options", tcp_preset_name(a->tcp_options));
}

static int syn_tmpl(struct probe_tmpl *t, const struct probe_args *a, const struct probe_frame *f,
		    const struct validator *v)
{
	struct probe_opts o;
	(void)v;
	tcp_preset_opts(a->tcp_options, &o);
	return probe_tmpl_init(t, f->smac, f->dmac, &f->src, &o);
}

static void syn_build(const struct probe_tmpl *t4, const struct probe_tmpl *t6,
		      const struct validator *v, uint8_t *const *bufs, const struct probe_dst *d,
		      unsigned n, uint16_t ipid, uint16_t *lens)
{
	for (unsigned i = 0; i < n; i++) {
		const struct probe_tmpl *t = d[i].ip.af == AF_INET ? t4 : t6;
		uint32_t seq;
		uint16_t sport;
		validator_cookie(v, &t->src, &d[i].ip, d[i].port, &seq, &sport);
		lens[i] = syn_one(t, bufs[i], &d[i].ip, d[i].port, sport, seq, (uint16_t)(ipid + i),
				  seq ^ 0x5a5a);
	}
}

static bool syn_validate(const struct probe_tmpl *t, const struct validator *v, const struct reply *r)
{
	(void)t;
	return reply_valid(v, r);
}

static void syn_classify(const struct reply *r, struct probe_row *row)
{
	*row = (struct probe_row){ .ip = r->src, .port = r->sport, .status = (uint8_t)r->status };
}

const struct probe_module probe_tcp_syn = {
	.name = "tcp_syn",
	.summary = "TCP SYN to each (host, port): SYN-ACK open, RST closed; options: smallest-probes (default), bsd, windows, linux",
	.id = PROBE_TCP_SYN,
	.ports = true,
	.rx_proto = IPPROTO_TCP,
	.statuses = 1u << REPLY_OPEN | 1u << REPLY_CLOSED,
	.fields = fields,
	.nfields = ARRAY_SIZE(fields),
	.emit = syn_emit,
	.tmpl_init = syn_tmpl,
	.build = syn_build,
	.validate = syn_validate,
	.classify = syn_classify,
};
