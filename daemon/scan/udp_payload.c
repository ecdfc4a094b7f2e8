/* UDP payload files (see udp_payload.h): parse, canonical text, per-port
 * index, template expansion. Only the expansion runs per probe. */
#include "udp_payload.h"
#include "parse.h"
#include "probe.h"
#include "statefile.h"
#include "targets.h"

#include <errno.h>
#include <limits.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>

struct field_def {
	const char *name;
	uint8_t field;
	uint8_t max_len; /* longest expansion; 0: the =n length */
};

/* zmap's template fields (module_udp.c), IPv6-sized. */
static const struct field_def field_defs[] = {
	{ "SADDR_N", UF_SADDR_N, 16 },	 { "SADDR", UF_SADDR, 39 },   { "DADDR_N", UF_DADDR_N, 16 },
	{ "DADDR", UF_DADDR, 39 },	 { "SPORT_N", UF_SPORT_N, 2 }, { "SPORT", UF_SPORT, 5 },
	{ "DPORT_N", UF_DPORT_N, 2 },	 { "DPORT", UF_DPORT, 5 },    { "RAND_BYTE", UF_RAND_BYTE, 0 },
	{ "RAND_DIGIT", UF_RAND_DIGIT, 0 }, { "RAND_ALPHA", UF_RAND_ALPHA, 0 },
	{ "RAND_ALPHANUM", UF_RAND_ALPHANUM, 0 },
};

#define FIELD_NAMES                                                                                \
	"SADDR, SADDR_N, DADDR, DADDR_N, SPORT, SPORT_N, DPORT, DPORT_N, RAND_BYTE=n, "            \
	"RAND_DIGIT=n, RAND_ALPHA=n, RAND_ALPHANUM=n"

/* Where a parse error is: "NAME:LINE: " (or "NAME: " for line 0). */
struct where {
	const char *name;
	unsigned line;
	struct errbuf *err;
};

static int fail(const struct where *w, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
static int fail(const struct where *w, const char *fmt, ...)
{
	char msg[400];
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	if (w->line)
		return errbuf_set(w->err, -EINVAL, "%.80s:%u: %s", w->name, w->line, msg);
	return errbuf_set(w->err, -EINVAL, "%.80s: %s", w->name, msg);
}

/* C escapes of s into out (at most cap bytes); -EINVAL on a bad escape or
 * overflow. */
static int unescape(const char *s, uint8_t *out, size_t cap, size_t *len, const struct where *w)
{
	size_t n = 0;
	for (; *s; s++) {
		int c = (uint8_t)*s;
		if (c == '\\') {
			switch (*++s) {
			case 'n': c = '\n'; break;
			case 'r': c = '\r'; break;
			case 't': c = '\t'; break;
			case '0': c = 0; break;
			case '\\': c = '\\'; break;
			case '"': c = '"'; break;
			case '\'': c = '\''; break;
			case 'x':
				if (parse_hex_digit(s[1]) < 0 || parse_hex_digit(s[2]) < 0)
					return fail(w, "\\x needs two hex digits, e.g. \\x0d");
				c = parse_hex_digit(s[1]) << 4 | parse_hex_digit(s[2]);
				s += 2;
				break;
			default:
				return fail(w, "unknown escape \\%c; use \\n \\r \\t \\0 \\\\ or \\xHH",
					    *s ? *s : ' ');
			}
		}
		if (n == cap)
			return fail(w, "payload is longer than %d bytes; shorten it", UDP_PAYLOAD_MAX);
		out[n++] = (uint8_t)c;
	}
	*len = n;
	return 0;
}

static int parse_hex(const char *s, uint8_t *out, size_t *len, const struct where *w)
{
	size_t n = 0;
	while (*s) {
		if (*s == ' ' || *s == '\t') {
			s++;
			continue;
		}
		if (parse_hex_digit(s[0]) < 0 || parse_hex_digit(s[1]) < 0)
			return fail(w, "hex: takes pairs of hex digits (spaces allowed), e.g. hex:0001 02ff; \"%.8s\" is not",
				    s);
		if (n == UDP_PAYLOAD_MAX)
			return fail(w, "payload is longer than %d bytes; shorten it", UDP_PAYLOAD_MAX);
		out[n++] = (uint8_t)(parse_hex_digit(s[0]) << 4 | parse_hex_digit(s[1]));
		s += 2;
	}
	*len = n;
	return 0;
}

static int read_file(const char *path, const char *base_dir, uint8_t *out, size_t *len,
		     const struct where *w)
{
	char full[PATH_MAX], *data = NULL;
	size_t n;
	int r;
	if (!base_dir)
		return fail(w, "file: is read on the client's side: scanctl --probe-args reads the file and sends hex:; send hex: or text: instead");
	if (!*path)
		return fail(w, "file: needs a path, e.g. file:dns.bin");
	snprintf(full, sizeof(full), "%s%s%s", path[0] == '/' ? "" : base_dir,
		 path[0] == '/' ? "" : "/", path);
	r = statefile_read_regular(full, UDP_PAYLOAD_MAX, &data, &n);
	if (r == -EFBIG)
		return fail(w, "%.200s is larger than %d bytes, the largest UDP payload", full, UDP_PAYLOAD_MAX);
	if (r < 0)
		return fail(w, "cannot read %.200s: %s", full, strerror(-r));
	memcpy(out, data, n);
	free(data);
	*len = n;
	return 0;
}

/* ---- templates ---- */

static int add_piece(struct udp_payload *p, uint8_t field, size_t off, size_t len)
{
	struct udp_piece *np = realloc(p->pieces, (p->npieces + 1) * sizeof(*np));
	if (!np)
		return -ENOMEM;
	p->pieces = np;
	p->pieces[p->npieces++] = (struct udp_piece){ field, (uint16_t)off, (uint16_t)len };
	return 0;
}

/* One ${...} at s (after "${", up to the '}' at end): its field. */
static int parse_field(const char *s, size_t n, struct udp_piece *pc, unsigned *max,
		       const struct where *w)
{
	const char *eq = memchr(s, '=', n);
	size_t nl = eq ? (size_t)(eq - s) : n;
	for (size_t i = 0; i < ARRAY_SIZE(field_defs); i++) {
		const struct field_def *d = &field_defs[i];
		if (strlen(d->name) != nl || memcmp(d->name, s, nl) != 0)
			continue;
		pc->field = d->field;
		*max = d->max_len;
		if (!d->max_len) {
			char num[8] = "";
			char *end;
			unsigned long v = 0;
			if (eq && n - nl - 1 < sizeof(num)) {
				memcpy(num, eq + 1, n - nl - 1);
				v = strtoul(num, &end, 10);
			}
			if (!eq || !num[0] || *end || v == 0 || v > UDP_PAYLOAD_MAX)
				return fail(w, "${%s=n} needs a length n from 1 to %d", d->name, UDP_PAYLOAD_MAX);
			*max = (unsigned)v;
			pc->len = (uint16_t)v;
		} else if (eq) {
			return fail(w, "${%s} takes no =n", d->name);
		}
		return 0;
	}
	return fail(w, "unknown template field ${%.*s}; fields: " FIELD_NAMES, (int)MIN(n, 20u), s);
}

/* Splits the unescaped template b[0..len) into pieces; literal parts stay
 * in b, which becomes p->data. */
static int parse_template(struct udp_payload *p, const uint8_t *b, size_t len, const struct where *w)
{
	size_t i = 0, lit = 0, longest = 0;
	while (i < len) {
		const uint8_t *close;
		struct udp_piece pc = { 0 };
		unsigned max = 0;
		if (b[i] != '$' || i + 1 >= len || b[i + 1] != '{' ||
		    !(close = memchr(b + i + 2, '}', len - i - 2))) {
			i++;
			continue;
		}
		if (i > lit && add_piece(p, UF_DATA, lit, i - lit) < 0)
			return -ENOMEM;
		longest += i - lit;
		int r = parse_field((const char *)b + i + 2, (size_t)(close - b) - i - 2, &pc, &max, w);
		if (r < 0 || add_piece(p, pc.field, 0, pc.len) < 0)
			return r < 0 ? r : -ENOMEM;
		longest += max;
		i = lit = (size_t)(close - b) + 1;
	}
	if (len > lit && add_piece(p, UF_DATA, lit, len - lit) < 0)
		return -ENOMEM;
	longest += len - lit;
	if (longest > UDP_PAYLOAD_MAX)
		return fail(w, "the template expands to up to %zu bytes (addresses as IPv6); the limit is %d",
			    longest, UDP_PAYLOAD_MAX);
	if (!p->npieces && add_piece(p, UF_DATA, 0, 0) < 0) /* empty template */
		return -ENOMEM;
	return 0;
}

/* ---- canonical text ---- */

static char *hex_text(const uint8_t *b, size_t n)
{
	static const char hx[] = "0123456789abcdef";
	char *t = malloc(4 + 2 * n + 1), *o = t;
	if (!t)
		return NULL;
	memcpy(o, "hex:", 4);
	o += 4;
	for (size_t i = 0; i < n; i++) {
		*o++ = hx[b[i] >> 4];
		*o++ = hx[b[i] & 15];
	}
	*o = '\0';
	return t;
}

static char *template_text(const uint8_t *b, size_t n)
{
	static const char hx[] = "0123456789abcdef";
	char *t = malloc(9 + 4 * n + 1), *o = t;
	if (!t)
		return NULL;
	memcpy(o, "template:", 9);
	o += 9;
	for (size_t i = 0; i < n; i++) {
		if (b[i] == '\\') {
			*o++ = '\\';
			*o++ = '\\';
		} else if (b[i] > 0x20 && b[i] < 0x7f) {
			*o++ = (char)b[i];
		} else {
			memcpy(o, (char[]){ '\\', 'x', hx[b[i] >> 4], hx[b[i] & 15] }, 4);
			o += 4;
		}
	}
	*o = '\0';
	return t;
}

/* One "FORM:VALUE" into p. */
static int parse_value(const char *v, const char *base_dir, struct udp_payload *p,
		       const struct where *w)
{
	uint8_t b[UDP_PAYLOAD_MAX];
	size_t len = 0;
	bool tmpl = false;
	int r;

	if (!strncmp(v, "text:", 5))
		r = unescape(v + 5, b, sizeof(b), &len, w);
	else if (!strncmp(v, "hex:", 4))
		r = parse_hex(v + 4, b, &len, w);
	else if (!strncmp(v, "file:", 5))
		r = read_file(v + 5, base_dir, b, &len, w);
	else if ((tmpl = !strncmp(v, "template:", 9)))
		r = unescape(v + 9, b, sizeof(b), &len, w);
	else
		return fail(w, "\"%.20s\" is not a payload; write text:STRING, hex:0102..., file:PATH or template:TEXT",
			    v);
	if (r < 0)
		return r;
	if (tmpl && (r = parse_template(p, b, len, w)) < 0)
		return r == -ENOMEM ? errbuf_set(w->err, r, "out of memory") : r;
	if (!(p->data = malloc(len ? len : 1)) ||
	    !(p->text = tmpl ? template_text(b, len) : hex_text(b, len)))
		return errbuf_set(w->err, -ENOMEM, "out of memory");
	memcpy(p->data, b, len);
	p->len = (uint16_t)len;
	p->sum = csum_partial(b, len, 0);
	return 0;
}

/* ---- the set ---- */

static void payload_free(struct udp_payload *p)
{
	free(p->data);
	free(p->pieces);
	free(p->text);
}

void udp_payload_set_free(struct udp_payload_set *s)
{
	if (!s)
		return;
	for (unsigned i = 0; i < s->n; i++)
		payload_free(&s->p[i]);
	free(s->p);
	free(s->rules);
	free(s->by_port);
	free(s);
}

/* Marks the rule's ports in owner (0: free, else line number); a port seen
 * before is an error naming both lines. */
static int claim_ports(const char *ports, uint16_t *owner, const struct where *w)
{
	struct port_list pl;
	struct errbuf e;
	int r = 0;
	if (ports_parse(ports, &pl, &e) < 0)
		return fail(w, "ports \"%.40s\": %s", ports, e.msg);
	for (uint32_t i = 0; r == 0 && i < pl.n; i++) {
		if (owner[pl.port[i]])
			r = fail(w, "port %u already has a payload (line %u); give each port one payload",
				 pl.port[i], owner[pl.port[i]]);
		owner[pl.port[i]] = (uint16_t)MIN(w->line, 65535u);
	}
	ports_free(&pl);
	return r;
}

static int add_rule(struct udp_payload_set *s, const char *ports, const char *value,
		    const char *base_dir, uint16_t *owner, const struct where *w)
{
	struct udp_payload *np;
	struct udp_rule *nr;
	int r;
	bool def = strcmp(ports, "*") == 0;

	if (strlen(ports) >= sizeof(s->rules[0].ports))
		return fail(w, "the port list is longer than %zu characters; split it over several lines",
			    sizeof(s->rules[0].ports) - 1);
	if (s->nrules == UDP_PAYLOAD_RULES_MAX)
		return fail(w, "more than %d payload rules", UDP_PAYLOAD_RULES_MAX);
	if (def && s->def >= 0)
		return fail(w, "a second \"*\" rule; one payload is the default for the other ports");
	if (!def && (r = claim_ports(ports, owner, w)) < 0)
		return r;
	if (!(np = realloc(s->p, (s->n + 1) * sizeof(*np))))
		return errbuf_set(w->err, -ENOMEM, "out of memory");
	s->p = np;
	if (!(nr = realloc(s->rules, (s->nrules + 1) * sizeof(*nr))))
		return errbuf_set(w->err, -ENOMEM, "out of memory");
	s->rules = nr;
	memset(&s->p[s->n], 0, sizeof(s->p[0]));
	if ((r = parse_value(value, base_dir, &s->p[s->n], w)) < 0) {
		payload_free(&s->p[s->n]);
		return r;
	}
	snprintf(s->rules[s->nrules].ports, sizeof(s->rules[0].ports), "%s", ports);
	s->rules[s->nrules++].payload = s->n;
	if (def)
		s->def = (int)s->n;
	s->n++;
	return 0;
}

/* One line: blank, comment, or "PORTS FORM:VALUE". */
static int parse_line(struct udp_payload_set *s, char *l, const char *base_dir, uint16_t *owner,
		      const struct where *w)
{
	char *ports, *value, *end;
	l += strspn(l, " \t");
	end = l + strlen(l);
	while (end > l && (end[-1] == ' ' || end[-1] == '\t' || end[-1] == '\r'))
		*--end = '\0';
	if (!*l || *l == '#')
		return 0;
	ports = l;
	value = l + strcspn(l, " \t");
	if (!*value)
		return fail(w, "a rule is PORTS FORM:VALUE, e.g. 53 hex:0006...; this line has no payload");
	*value++ = '\0';
	value += strspn(value, " \t");
	return add_rule(s, ports, value, base_dir, owner, w);
}

int udp_payload_set_parse(const char *text, const char *name, const char *base_dir,
			  struct udp_payload_set **out, struct errbuf *err)
{
	struct udp_payload_set *s = calloc(1, sizeof(*s));
	uint16_t *owner = calloc(65536, sizeof(*owner));
	struct where w = { name, 0, err };
	char *copy = NULL, *l;
	size_t len = strlen(text);
	int r = 0;

	*out = NULL;
	if (!s || !owner || !(copy = strdup(text))) {
		r = errbuf_set(err, -ENOMEM, "out of memory");
		goto out;
	}
	s->def = -1;
	if (len > UDP_PAYLOAD_TEXT_MAX) {
		r = fail(&w, "%zu bytes; a payload file holds at most %d", len, UDP_PAYLOAD_TEXT_MAX);
		goto out;
	}
	/* strsep keeps empty lines, so line numbers stay right */
	for (char *p = copy; r == 0 && (l = strsep(&p, "\n"));) {
		w.line++;
		r = parse_line(s, l, base_dir, owner, &w);
	}
out:
	free(copy);
	free(owner);
	if (r < 0)
		udp_payload_set_free(s);
	else
		*out = s;
	return r;
}

/* template:PATH on the client's side: the file's bytes as template text. */
static int template_from_file(const char *path, const char *base_dir, char **spec,
			      const struct where *w)
{
	uint8_t b[UDP_PAYLOAD_MAX];
	size_t len;
	char *t;
	int r = read_file(path, base_dir, b, &len, w);
	if (r < 0)
		return r;
	if (!(t = template_text(b, len)))
		return errbuf_set(w->err, -ENOMEM, "out of memory");
	*spec = t;
	return 0;
}

int udp_payload_one(const char *spec, const char *base_dir, struct udp_payload_set **out,
		    struct errbuf *err)
{
	struct udp_payload_set *s = calloc(1, sizeof(*s));
	struct where w = { "payload", 0, err };
	char *text = NULL;
	int r = 0;
	*out = NULL;
	if (!s)
		return errbuf_set(err, -ENOMEM, "out of memory");
	s->def = -1;
	if (base_dir && !strncmp(spec, "template:", 9))
		r = template_from_file(spec + 9, base_dir, &text, &w);
	if (r == 0)
		r = add_rule(s, "*", text ? text : spec, base_dir, NULL, &w);
	free(text);
	if (r < 0) {
		udp_payload_set_free(s);
		return r;
	}
	*out = s;
	return 0;
}

int udp_payload_file(const char *path, struct udp_payload_set **out, struct errbuf *err)
{
	char *text = NULL, dir[PATH_MAX];
	const char *slash = strrchr(path, '/');
	int r = statefile_read(path, UDP_PAYLOAD_TEXT_MAX, &text, NULL);
	*out = NULL;
	if (r == -EFBIG)
		return errbuf_set(err, r, "%.200s is larger than %d bytes; a payload file holds fewer, shorter rules",
				  path, UDP_PAYLOAD_TEXT_MAX);
	if (r < 0)
		return errbuf_set(err, r, "cannot read the UDP payload file %.200s: %s", path, strerror(-r));
	snprintf(dir, sizeof(dir), "%.*s", slash ? (int)(slash - path) : 1, slash ? path : ".");
	r = udp_payload_set_parse(text, path, dir, out, err);
	free(text);
	return r;
}

char *udp_payload_set_format(const struct udp_payload_set *s)
{
	size_t cap = 1;
	char *t, *o;
	for (unsigned i = 0; i < s->nrules; i++)
		cap += strlen(s->rules[i].ports) + 1 + strlen(s->p[s->rules[i].payload].text) + 1;
	if (!(t = malloc(cap)))
		return NULL;
	o = t;
	for (unsigned i = 0; i < s->nrules; i++)
		o += sprintf(o, "%s %s\n", s->rules[i].ports, s->p[s->rules[i].payload].text);
	*o = '\0';
	return t;
}

int udp_payload_set_index(struct udp_payload_set *s)
{
	if (s->by_port)
		return 0;
	if (!(s->by_port = calloc(65536, sizeof(*s->by_port))))
		return -ENOMEM;
	for (unsigned i = 0; i < s->nrules; i++) {
		struct port_list pl;
		if (strcmp(s->rules[i].ports, "*") == 0 || ports_parse(s->rules[i].ports, &pl, NULL) < 0)
			continue; /* checked at parse */
		for (uint32_t k = 0; k < pl.n; k++)
			s->by_port[pl.port[k]] = (uint16_t)(s->rules[i].payload + 1);
		ports_free(&pl);
	}
	return 0;
}

void udp_payload_set_unindex(struct udp_payload_set *s)
{
	if (!s)
		return;
	free(s->by_port);
	s->by_port = NULL;
}

/* ---- expansion (per probe, template payloads only) ---- */

static inline uint64_t splitmix64(uint64_t *x)
{
	uint64_t z = (*x += 0x9e3779b97f4a7c15ull);
	z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ull;
	z = (z ^ (z >> 27)) * 0x94d049bb133111ebull;
	return z ^ (z >> 31);
}

static size_t put_rand(uint8_t *o, size_t n, const char *set, unsigned setlen, uint64_t *seed)
{
	for (size_t i = 0; i < n; i++) {
		uint64_t v = splitmix64(seed);
		o[i] = set ? (uint8_t)set[v % setlen] : (uint8_t)v;
	}
	return n;
}

static size_t put_bytes(uint8_t *o, const void *b, size_t n)
{
	memcpy(o, b, n);
	return n;
}

static size_t put_text(uint8_t *o, const char *s)
{
	return put_bytes(o, s, strlen(s));
}

/* v in decimal (no libc: this runs per probe). */
static size_t put_dec(uint8_t *o, uint32_t v)
{
	uint8_t tmp[10];
	size_t n = 0;
	do {
		tmp[n++] = (uint8_t)('0' + v % 10);
		v /= 10;
	} while (v);
	for (size_t i = 0; i < n; i++)
		o[i] = tmp[n - 1 - i];
	return n;
}

static size_t put_port(uint8_t *o, uint16_t port, bool binary)
{
	if (binary) {
		probe_put16(o, port);
		return 2;
	}
	return put_dec(o, port);
}

static size_t put_addr(uint8_t *o, const struct ipaddr *a, bool binary)
{
	char b[64];
	size_t n = 0;
	if (binary) {
		ipaddr_to_bytes(a, o);
		return a->af == AF_INET ? 4 : 16;
	}
	if (a->af == AF_INET6)
		return put_text(o, ipaddr_str(a, b, sizeof(b)));
	for (int shift = 24; shift >= 0; shift -= 8) { /* dotted quad */
		n += put_dec(o + n, (uint32_t)(a->v >> shift) & 0xff);
		if (shift)
			o[n++] = '.';
	}
	return n;
}

uint16_t udp_payload_expand(const struct udp_payload *p, uint8_t *out, const struct ipaddr *src,
			    const struct ipaddr *dst, uint16_t sport, uint16_t dport, uint64_t seed)
{
	static const char digit[] = "0123456789", alpha[] = "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ";
	static const char alnum[] = "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789";
	size_t n = 0;
	for (unsigned i = 0; i < p->npieces; i++) {
		const struct udp_piece *pc = &p->pieces[i];
		uint8_t *o = out + n;
		switch (pc->field) {
		case UF_DATA: n += put_bytes(o, p->data + pc->off, pc->len); break;
		case UF_SADDR_N: n += put_addr(o, src, true); break;
		case UF_SADDR: n += put_addr(o, src, false); break;
		case UF_DADDR_N: n += put_addr(o, dst, true); break;
		case UF_DADDR: n += put_addr(o, dst, false); break;
		case UF_SPORT_N: n += put_port(o, sport, true); break;
		case UF_SPORT: n += put_port(o, sport, false); break;
		case UF_DPORT_N: n += put_port(o, dport, true); break;
		case UF_DPORT: n += put_port(o, dport, false); break;
		case UF_RAND_BYTE: n += put_rand(o, pc->len, NULL, 0, &seed); break;
		case UF_RAND_DIGIT: n += put_rand(o, pc->len, digit, 10, &seed); break;
		case UF_RAND_ALPHA: n += put_rand(o, pc->len, alpha, 52, &seed); break;
		default: n += put_rand(o, pc->len, alnum, 62, &seed); break;
		}
	}
	return (uint16_t)n;
}
