/* The udp probe module: a UDP datagram to each (host, port) with the
 * payload of that port (udp_payload.h); the source port carries the key.
 * Any UDP reply from the probed port to the cookie's source port is open;
 * an ICMP port unreachable quoting the probe is closed, another ICMP error
 * quoting it unreachable (with type and code). */
#include "probe_module.h"

#include <errno.h>
#include <netinet/in.h>
#include <stdlib.h>
#include <sys/socket.h>

#define UDP_HDR 8

/* payload and payloads: one of them. */
static int first_payloads(const struct probe_args *a, struct errbuf *err)
{
	return a->payloads ? errbuf_set(err, -EINVAL, "probe: give payload (one for every port) or payloads (per port), not both")
			   : 0;
}

static int field_payload(struct probe_args *a, const char *value, struct errbuf *err)
{
	struct errbuf e;
	if (first_payloads(a, err) < 0)
		return -EINVAL;
	if (udp_payload_one(value, NULL, &a->payloads, &e) < 0)
		return errbuf_set(err, -EINVAL, "probe.%s", e.msg);
	return 0;
}

static int field_payloads(struct probe_args *a, const char *value, struct errbuf *err)
{
	struct errbuf e;
	if (first_payloads(a, err) < 0)
		return -EINVAL;
	if (udp_payload_set_parse(value, "probe.payloads", NULL, &a->payloads, &e) < 0)
		return errbuf_set(err, -EINVAL, "%s", e.msg);
	return 0;
}

static const struct probe_field fields[] = {
	{ "payload", "\"text:hello\\\\n\"", field_payload },
	{ "payloads", "\"53 hex:0006...\\\\n161 hex:3029...\"", field_payloads },
};

static void udp_emit(const struct probe_args *a, probe_emit_fn fn, void *ctx)
{
	char *text = a->payloads ? udp_payload_set_format(a->payloads) : NULL;
	if (text)
		fn(ctx, "payloads", text);
	free(text);
}

static int udp_tmpl(struct probe_tmpl *t, const struct probe_args *a, const struct probe_frame *f,
		    const struct validator *v)
{
	uint8_t pseudo[16] = { 0 };
	int r;
	(void)v;
	/* the IP length varies with the payload: written per probe */
	if ((r = probe_tmpl_l3(t, f->smac, f->dmac, &f->src, IPPROTO_UDP, 0, 64)) < 0)
		return r;
	if (a->payloads && (r = udp_payload_set_index(a->payloads)) < 0)
		return r;
	t->payloads = a->payloads;
	memset(t->buf + t->l4_off, 0, UDP_HDR);
	t->len = (uint16_t)(t->l4_off + UDP_HDR);
	ipaddr_to_bytes(&f->src, pseudo);
	t->csum_base |= csum_partial(pseudo, f->src.af == AF_INET ? 4 : 16, IPPROTO_UDP);
	return 0;
}

static inline uint16_t udp_one(const struct probe_tmpl *t, const struct validator *v, uint8_t *out,
			       const struct ipaddr *dst, uint16_t dport, uint16_t ipid)
{
	const struct udp_payload *pl = t->payloads ? udp_payload_for(t->payloads, dport) : NULL;
	uint8_t *udp = out + t->l4_off, *data = udp + UDP_HDR;
	uint16_t plen = 0, ulen, csum, sport;
	uint64_t sum = 0;
	uint32_t seq;

	validator_cookie(v, &t->src, dst, dport, &seq, &sport);
	probe_tmpl_copy(out, t);
	if (pl && pl->pieces) {
		plen = udp_payload_expand(pl, data, &t->src, dst, sport, dport, seq);
		sum = csum_partial(data, plen, 0);
	} else if (pl) {
		memcpy(data, pl->data, pl->len);
		plen = pl->len;
		sum = pl->sum;
	}
	ulen = (uint16_t)(UDP_HDR + plen);
	sum += probe_put_dst(t, out, dst, ipid, ulen);
	probe_put16(udp, sport);
	probe_put16(udp + 2, dport);
	probe_put16(udp + 4, ulen);
	/* ulen twice: in the pseudo header and in the UDP header */
	sum += (uint64_t)(t->csum_base & 0xffff) + sport + dport + 2u * ulen;
	csum = (uint16_t)~probe_fold64(sum);
	probe_put16(udp + 6, csum ? csum : 0xffff); /* 0 means "no checksum" */
	return (uint16_t)(t->l4_off + ulen);
}

static void udp_build(const struct probe_tmpl *t4, const struct probe_tmpl *t6,
		      const struct validator *v, uint8_t *const *bufs, const struct probe_dst *d,
		      unsigned n, uint16_t ipid, uint16_t *lens)
{
	for (unsigned i = 0; i < n; i++)
		lens[i] = udp_one(d[i].ip.af == AF_INET ? t4 : t6, v, bufs[i], &d[i].ip, d[i].port,
				  (uint16_t)(ipid + i));
}

/* dport (ours) is the source port of the probe to target:tport. */
static bool udp_cookie_ok(const struct probe_tmpl *t, const struct validator *v,
			  const struct ipaddr *target, uint16_t tport, uint16_t dport)
{
	uint32_t seq;
	uint16_t sport;
	if (dport < v->sport_lo || (uint32_t)dport >= (uint32_t)v->sport_lo + v->sport_n ||
	    target->af != t->af)
		return false;
	validator_cookie(v, &t->src, target, tport, &seq, &sport);
	return sport == dport;
}

static bool udp_validate(const struct probe_tmpl *t, const struct validator *v, const struct reply *r)
{
	if (r->kind == RK_UDP)
		return udp_cookie_ok(t, v, &r->src, r->sport, r->dport);
	return r->kind == RK_ICMP_ERROR && r->q_proto == IPPROTO_UDP && r->q_src.af == t->af &&
	       r->q_src.v == t->src.v && udp_cookie_ok(t, v, &r->q_dst, r->sport, r->dport);
}

static bool port_unreachable(const struct reply *r)
{
	return r->src.af == AF_INET ? r->icmp_type == 3 && r->icmp_code == 3
				    : r->icmp_type == 1 && r->icmp_code == 4;
}

static void udp_classify(const struct reply *r, struct probe_row *row)
{
	if (r->kind == RK_UDP) {
		*row = (struct probe_row){ .ip = r->src, .port = r->sport, .status = REPLY_OPEN };
		return;
	}
	*row = (struct probe_row){ .ip = r->q_dst, .port = r->sport, .status = REPLY_CLOSED };
	if (!port_unreachable(r)) {
		row->status = REPLY_UNREACHABLE;
		row->icmp_type = r->icmp_type;
		row->icmp_code = r->icmp_code;
	}
}

const struct probe_module probe_udp = {
	.name = "udp",
	.summary = "UDP datagram to each (host, port) with that port's payload: a UDP reply open, ICMP port unreachable closed, other ICMP errors unreachable",
	.id = PROBE_UDP,
	.ports = true,
	.rx_proto = IPPROTO_UDP,
	.statuses = 1u << REPLY_OPEN | 1u << REPLY_CLOSED | 1u << REPLY_UNREACHABLE,
	.fields = fields,
	.nfields = ARRAY_SIZE(fields),
	.emit = udp_emit,
	.tmpl_init = udp_tmpl,
	.build = udp_build,
	.validate = udp_validate,
	.classify = udp_classify,
};
