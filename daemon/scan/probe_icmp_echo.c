/* The icmp_echo probe module: one ICMP / ICMPv6 echo request per host.
 * The id and the first 4 payload bytes (the tag) are per job, from the key
 * (the RX filters match them); the sequence number and the next 4 payload
 * bytes are the probe's cookie. An echo reply is "up"; an ICMP error quoting
 * the request is "unreachable" with its type and code. */
#include "probe_module.h"

#include <netinet/in.h>
#include <sys/socket.h>

#define ICMP_HDR 8
#define ECHO_DATA 8 /* tag (4 bytes) + cookie (4 bytes) */
#define ECHO_LEN (ICMP_HDR + ECHO_DATA)

void icmp_echo_ids(const struct validator *v, uint16_t *id, uint32_t *tag)
{
	uint64_t w = validator_job_word(v);
	*id = (uint16_t)w;
	*tag = (uint32_t)(w >> 32);
}

/* The cookie of the probe from src to dst: seq = hash bits 48-63, data =
 * hash bits 0-31. */
static inline void echo_cookie(const struct validator *v, const struct ipaddr *src,
			       const struct ipaddr *dst, uint16_t *seq, uint32_t *data)
{
	uint64_t h = validator_hash(v, src, dst, 0);
	*seq = (uint16_t)(h >> 48);
	*data = (uint32_t)h;
}

static int echo_tmpl(struct probe_tmpl *t, const struct probe_args *a, const struct probe_frame *f,
		     const struct validator *v)
{
	uint8_t pseudo[16] = { 0 };
	uint8_t *icmp;
	uint32_t sum = 0;
	bool v6 = f->src.af == AF_INET6;
	int r;
	(void)a;

	if ((r = probe_tmpl_l3(t, f->smac, f->dmac, &f->src, v6 ? IPPROTO_ICMPV6 : IPPROTO_ICMP,
			       ECHO_LEN, 64)) < 0)
		return r;
	icmp_echo_ids(v, &t->icmp_id, &t->icmp_tag);
	icmp = t->buf + t->l4_off;
	memset(icmp, 0, ECHO_LEN);
	icmp[0] = v6 ? 128 : 8; /* echo request */
	probe_put16(icmp + 4, t->icmp_id);
	probe_put32(icmp + ICMP_HDR, t->icmp_tag);
	t->len = (uint16_t)(t->l4_off + ECHO_LEN);
	if (v6) { /* ICMPv6 covers a pseudo header; ICMP does not */
		ipaddr_to_bytes(&f->src, pseudo);
		sum = csum_partial(pseudo, 16, IPPROTO_ICMPV6 + ECHO_LEN);
	}
	t->csum_base |= csum_partial(icmp, ECHO_LEN, sum);
	return 0;
}

static inline uint16_t echo_one(const struct probe_tmpl *t, const struct validator *v,
				uint8_t *out, const struct ipaddr *dst, uint16_t ipid)
{
	uint8_t *icmp = out + t->l4_off;
	uint16_t seq;
	uint32_t data;
	uint64_t sum;

	echo_cookie(v, &t->src, dst, &seq, &data);
	probe_tmpl_copy(out, t);
	sum = probe_put_dst(t, out, dst, ipid, 0);
	if (t->af == AF_INET)
		sum = 0; /* no pseudo header */
	probe_put16(icmp + 6, seq);
	probe_put32(icmp + ICMP_HDR + 4, data);
	sum += (uint64_t)(t->csum_base & 0xffff) + seq + data;
	probe_put16(icmp + 2, (uint16_t)~probe_fold64(sum));
	return t->len;
}

static void echo_build(const struct probe_tmpl *t4, const struct probe_tmpl *t6,
		       const struct validator *v, uint8_t *const *bufs, const struct probe_dst *d,
		       unsigned n, uint16_t ipid, uint16_t *lens)
{
	for (unsigned i = 0; i < n; i++)
		lens[i] = echo_one(d[i].ip.af == AF_INET ? t4 : t6, v, bufs[i], &d[i].ip,
				   (uint16_t)(ipid + i));
}

static uint32_t be32_at(const uint8_t *p)
{
	return (uint32_t)p[0] << 24 | (uint32_t)p[1] << 16 | (uint32_t)p[2] << 8 | p[3];
}

static bool echo_validate(const struct probe_tmpl *t, const struct validator *v, const struct reply *r)
{
	uint16_t seq;
	uint32_t data;

	if (r->kind == RK_ECHO) {
		if (r->icmp_id != t->icmp_id || r->echo_len < ECHO_DATA ||
		    be32_at(r->echo_data) != t->icmp_tag || r->src.af != t->af)
			return false;
		echo_cookie(v, &t->src, &r->src, &seq, &data);
		return r->icmp_seq == seq && be32_at(r->echo_data + 4) == data;
	}
	if (r->kind != RK_ICMP_ERROR ||
	    r->q_proto != (t->af == AF_INET ? IPPROTO_ICMP : IPPROTO_ICMPV6) ||
	    r->q_type != (t->af == AF_INET ? 8 : 128) || r->icmp_id != t->icmp_id ||
	    r->q_src.af != t->af || r->q_src.v != t->src.v)
		return false;
	echo_cookie(v, &t->src, &r->q_dst, &seq, &data);
	return r->icmp_seq == seq;
}

static void echo_classify(const struct reply *r, struct probe_row *row)
{
	if (r->kind == RK_ECHO) {
		*row = (struct probe_row){ .ip = r->src, .status = REPLY_UP };
		return;
	}
	*row = (struct probe_row){ .ip = r->q_dst, .status = REPLY_UNREACHABLE,
				   .icmp_type = r->icmp_type, .icmp_code = r->icmp_code };
}

const struct probe_module probe_icmp_echo = {
	.name = "icmp_echo",
	.summary = "ICMP/ICMPv6 echo request to each host: echo reply up, ICMP error unreachable (with type and code); no ports",
	.id = PROBE_ICMP_ECHO,
	.ports = false,
	.rx_proto = IPPROTO_ICMP,
	.statuses = 1u << REPLY_UP | 1u << REPLY_UNREACHABLE,
	.tmpl_init = echo_tmpl,
	.build = echo_build,
	.validate = echo_validate,
	.classify = echo_classify,
};
