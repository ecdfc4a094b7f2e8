/* UDP payloads per destination port for the udp probe module: the payload
 * file parser (zmap's forms text:, hex:, file:, template:), its canonical
 * text for spec.json, the per-port index and the template expansion.
 *
 * Payload file: one rule per line, '#' starts a comment line:
 *     PORTS  FORM:VALUE
 * PORTS is "53", "161,162", "5000-5010" or "*" (every port without a rule
 * of its own). FORM is text: (C escapes \n \r \t \0 \\ \xHH), hex: (pairs
 * of hex digits, spaces allowed), file: (a path, relative to the payload
 * file's directory) or template: (text: plus zmap's ${FIELD} fields:
 * SADDR, SADDR_N, DADDR, DADDR_N, SPORT, SPORT_N, DPORT, DPORT_N,
 * RAND_BYTE=n, RAND_DIGIT=n, RAND_ALPHA=n, RAND_ALPHANUM=n). A port without
 * a rule gets an empty payload. */
#pragma once
#include "common.h"

#define UDP_PAYLOAD_MAX 450		/* bytes: PROBE_MAX_LEN - Ethernet - IPv6 - UDP */
#define UDP_PAYLOAD_TEXT_MAX (256 * 1024) /* a payload file or "payloads" text */
#define UDP_PAYLOAD_RULES_MAX 1024

enum udp_field {
	UF_DATA,
	UF_SADDR_N,
	UF_SADDR,
	UF_DADDR_N,
	UF_DADDR,
	UF_SPORT_N,
	UF_SPORT,
	UF_DPORT_N,
	UF_DPORT,
	UF_RAND_BYTE,
	UF_RAND_DIGIT,
	UF_RAND_ALPHA,
	UF_RAND_ALPHANUM,
};

/* One piece of a template: UF_DATA is bytes [off, off + len) of the
 * payload's data; RAND_* produce len bytes; the others their value. */
struct udp_piece {
	uint8_t field; /* enum udp_field */
	uint16_t off, len;
};

struct udp_payload {
	uint8_t *data;		  /* static bytes (a template's literal parts) */
	uint16_t len;		  /* static: the payload length */
	uint32_t sum;		  /* csum_partial of a static payload */
	struct udp_piece *pieces; /* template: its pieces; NULL for a static payload */
	unsigned npieces;
	char *text; /* canonical form: "hex:..." or "template:..." */
};

struct udp_rule {
	char ports[64]; /* as written ("*" for the default) */
	unsigned payload;
};

struct udp_payload_set {
	struct udp_payload *p;
	unsigned n;
	struct udp_rule *rules;
	unsigned nrules;
	int def;	    /* payload of "*", -1: empty */
	uint16_t *by_port; /* udp_payload_set_index: payload index + 1 per port, 0: def */
};

/* Parses payload-file text. name prefixes errors ("NAME:LINE: ..."); base_dir
 * is where file: paths are relative to, NULL to refuse file: (a client's
 * text: scanctl reads files on the client side). A port in two rules, a
 * payload over UDP_PAYLOAD_MAX (a template's longest expansion counts), an
 * unknown form or ${FIELD} are errors that name the line and the fix. */
int udp_payload_set_parse(const char *text, const char *name, const char *base_dir,
			  struct udp_payload_set **out, struct errbuf *err);
/* One payload in a zmap form for every port (zmap's --probe-args). With
 * base_dir (the client's side) file:PATH and template:PATH read PATH, as
 * zmap does; without, file: is refused and template:TEXT is the text. */
int udp_payload_one(const char *spec, const char *base_dir, struct udp_payload_set **out,
		    struct errbuf *err);
/* Reads and parses a payload file (file: relative to its directory). */
int udp_payload_file(const char *path, struct udp_payload_set **out, struct errbuf *err);
/* Payload-file text with hex: and template: values only: parses back to
 * the same set. malloc'ed; NULL when out of memory. */
char *udp_payload_set_format(const struct udp_payload_set *s);
void udp_payload_set_free(struct udp_payload_set *s);
/* Builds the per-port index (128 KiB) the probes read; -ENOMEM. */
int udp_payload_set_index(struct udp_payload_set *s);
void udp_payload_set_unindex(struct udp_payload_set *s);

/* The payload of port (after udp_payload_set_index), NULL: empty. */
static inline const struct udp_payload *udp_payload_for(const struct udp_payload_set *s,
							 uint16_t port)
{
	unsigned k = s->by_port[port];
	if (k)
		return &s->p[k - 1];
	return s->def >= 0 ? &s->p[s->def] : NULL;
}

/* Expands a template payload for one probe into out (UDP_PAYLOAD_MAX
 * bytes); seed makes the RAND_* fields (the same probe gets the same
 * bytes). Addresses and ports in host order. Returns the length. */
uint16_t udp_payload_expand(const struct udp_payload *p, uint8_t *out, const struct ipaddr *src,
			    const struct ipaddr *dst, uint16_t sport, uint16_t dport, uint64_t seed);
