/* Result record encoders (NDJSON, CSV) into caller buffers and the NDJSON
 * line parser used for resume and format conversion. No allocation. */
#include "output.h"
#include "parse.h"
#include "validate.h"

#include <errno.h>
#include <stddef.h>
#include <string.h>
#include <sys/socket.h>

/* Bounded appender: once anything does not fit, ok stays false. */
struct wbuf {
	char *p;
	size_t cap, len;
	bool ok;
};

static void w_mem(struct wbuf *w, const char *s, size_t n)
{
	if (!w->ok || n > w->cap - w->len) {
		w->ok = false;
		return;
	}
	memcpy(w->p + w->len, s, n);
	w->len += n;
}

static void w_str(struct wbuf *w, const char *s)
{
	w_mem(w, s, strlen(s));
}

static void w_uint(struct wbuf *w, uint64_t v, int min_digits)
{
	char tmp[24];
	int n = 0;

	do {
		tmp[sizeof(tmp) - 1 - n++] = (char)('0' + v % 10);
		v /= 10;
	} while (v || n < min_digits);
	w_mem(w, tmp + sizeof(tmp) - n, (size_t)n);
}

/* Hinnant's civil-from-days / days-from-civil (proleptic Gregorian). */
static void civil_from_days(int64_t z, int64_t *y, unsigned *m, unsigned *d)
{
	z += 719468;
	int64_t era = (z >= 0 ? z : z - 146096) / 146097;
	unsigned doe = (unsigned)(z - era * 146097);
	unsigned yoe = (doe - doe / 1460 + doe / 36524 - doe / 146096) / 365;
	unsigned doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
	unsigned mp = (5 * doy + 2) / 153;

	*d = doy - (153 * mp + 2) / 5 + 1;
	*m = mp < 10 ? mp + 3 : mp - 9;
	*y = (int64_t)yoe + era * 400 + (*m <= 2);
}

static int64_t days_from_civil(int64_t y, unsigned m, unsigned d)
{
	y -= m <= 2;
	int64_t era = (y >= 0 ? y : y - 399) / 400;
	unsigned yoe = (unsigned)(y - era * 400);
	unsigned doy = (153 * (m > 2 ? m - 3 : m + 9) + 2) / 5 + d - 1;
	unsigned doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;

	return era * 146097 + (int64_t)doe - 719468;
}

/* 2026-11-25T10:00:00.123Z */
static void w_ts(struct wbuf *w, uint64_t ms)
{
	uint64_t s = ms / 1000, day_s = s % 86400;
	int64_t y;
	unsigned m, d;

	civil_from_days((int64_t)(s / 86400), &y, &m, &d);
	if (y > 9999) {
		w->ok = false;
		return;
	}
	w_uint(w, (uint64_t)y, 4);
	w_mem(w, "-", 1);
	w_uint(w, m, 2);
	w_mem(w, "-", 1);
	w_uint(w, d, 2);
	w_mem(w, "T", 1);
	w_uint(w, day_s / 3600, 2);
	w_mem(w, ":", 1);
	w_uint(w, day_s / 60 % 60, 2);
	w_mem(w, ":", 1);
	w_uint(w, day_s % 60, 2);
	w_mem(w, ".", 1);
	w_uint(w, ms % 1000, 3);
	w_mem(w, "Z", 1);
}

static size_t nic_len(const struct result *r)
{
	return strnlen(r->nic, sizeof(r->nic));
}

/* JSON string body: quote and backslash escaped, control and non-ASCII bytes
 * as \u00XX so the line is always ASCII. */
static void w_json_str(struct wbuf *w, const char *s, size_t n)
{
	static const char hex[] = "0123456789abcdef";

	for (size_t i = 0; i < n; i++) {
		uint8_t c = (uint8_t)s[i];
		if (c == '"' || c == '\\') {
			char e[2] = { '\\', (char)c };
			w_mem(w, e, 2);
		} else if (c < 0x20 || c >= 0x7f) {
			char e[6] = { '\\', 'u', '0', '0', hex[c >> 4], hex[c & 15] };
			w_mem(w, e, 6);
		} else {
			w_mem(w, (const char *)&c, 1);
		}
	}
}

static size_t w_finish(struct wbuf *w)
{
	w_mem(w, "\n", 1);
	if (!w->ok || w->len >= w->cap)
		return 0; /* also keep room for the terminating NUL */
	w->p[w->len] = '\0';
	return w->len;
}

static const char *const status_names[REPLY_NSTATUS] = {
	[REPLY_OPEN] = "open",
	[REPLY_CLOSED] = "closed",
	[REPLY_UP] = "up",
	[REPLY_UNREACHABLE] = "unreachable",
};

const char *reply_status_name(uint8_t status)
{
	return status && status < REPLY_NSTATUS ? status_names[status] : "unknown";
}

int reply_status_parse(const char *s)
{
	for (int i = 1; i < REPLY_NSTATUS; i++)
		if (strcmp(s, status_names[i]) == 0)
			return i;
	return -EINVAL;
}

size_t output_ndjson(const struct result *r, char *buf, size_t cap)
{
	struct wbuf w = { buf, cap, 0, true };
	char ip[64];

	w_str(&w, "{\"ip\":\"");
	w_str(&w, ipaddr_str(&r->ip, ip, sizeof(ip)));
	if (r->port) {
		w_str(&w, "\",\"port\":");
		w_uint(&w, r->port, 1);
		w_str(&w, ",\"status\":\"");
	} else {
		w_str(&w, "\",\"status\":\"");
	}
	w_str(&w, reply_status_name(r->status));
	if (r->status == REPLY_UNREACHABLE) {
		w_str(&w, "\",\"icmp_type\":");
		w_uint(&w, r->icmp_type, 1);
		w_str(&w, ",\"icmp_code\":");
		w_uint(&w, r->icmp_code, 1);
		w_str(&w, ",\"ttl\":");
	} else {
		w_str(&w, "\",\"ttl\":");
	}
	w_uint(&w, r->ttl, 1);
	w_str(&w, ",\"ts\":\"");
	w_ts(&w, r->ts_ms);
	w_str(&w, "\",\"nic\":\"");
	w_json_str(&w, r->nic, nic_len(r));
	w_str(&w, "\"}");
	return w_finish(&w);
}

/* RFC 4180 field: quoted (quotes doubled) only when it needs to be. */
static void w_csv_field(struct wbuf *w, const char *s, size_t n)
{
	if (!memchr(s, ',', n) && !memchr(s, '"', n) && !memchr(s, '\n', n) &&
	    !memchr(s, '\r', n)) {
		w_mem(w, s, n);
		return;
	}
	w_mem(w, "\"", 1);
	for (size_t i = 0; i < n; i++)
		w_mem(w, s[i] == '"' ? "\"\"" : s + i, s[i] == '"' ? 2 : 1);
	w_mem(w, "\"", 1);
}

size_t output_csv(const struct result *r, char *buf, size_t cap)
{
	struct wbuf w = { buf, cap, 0, true };
	char ip[64];

	w_str(&w, ipaddr_str(&r->ip, ip, sizeof(ip)));
	w_mem(&w, ",", 1);
	if (r->port)
		w_uint(&w, r->port, 1);
	w_mem(&w, ",", 1);
	w_str(&w, reply_status_name(r->status));
	w_mem(&w, ",", 1);
	w_uint(&w, r->ttl, 1);
	w_mem(&w, ",", 1);
	w_ts(&w, r->ts_ms);
	w_mem(&w, ",", 1);
	w_csv_field(&w, r->nic, nic_len(r));
	return w_finish(&w);
}

const char *output_csv_header(void)
{
	return "ip,port,status,ttl,ts,nic\n";
}

int output_parse_format(const char *s, enum out_format *f)
{
	if (!strcmp(s, "ndjson")) {
		*f = OUT_NDJSON;
		return 0;
	}
	if (!strcmp(s, "csv")) {
		*f = OUT_CSV;
		return 0;
	}
	return -EINVAL;
}

/* ---- NDJSON line parser: one flat object of strings and unsigned ints ---- */

struct cur {
	const char *p, *end;
};

static void skip_ws(struct cur *c)
{
	while (c->p < c->end && (*c->p == ' ' || *c->p == '\t' || *c->p == '\r' || *c->p == '\n'))
		c->p++;
}

static bool eat(struct cur *c, char ch)
{
	skip_ws(c);
	if (c->p < c->end && *c->p == ch) {
		c->p++;
		return true;
	}
	return false;
}

/* One escape after the backslash; \u only for code points <= 0xff (one byte,
 * as written by w_json_str). Returns the byte or -EINVAL. */
static int parse_escape(struct cur *c)
{
	int v = 0;

	if (c->p >= c->end)
		return -EINVAL;
	switch (*c->p++) {
	case '"':
		return '"';
	case '\\':
		return '\\';
	case '/':
		return '/';
	case 'b':
		return '\b';
	case 'f':
		return '\f';
	case 'n':
		return '\n';
	case 'r':
		return '\r';
	case 't':
		return '\t';
	case 'u':
		if (c->end - c->p < 4)
			return -EINVAL;
		for (int i = 0; i < 4; i++) {
			int h = parse_hex_digit(*c->p++);
			if (h < 0)
				return -EINVAL;
			v = v << 4 | h;
		}
		return v <= 0xff ? v : -EINVAL;
	default:
		return -EINVAL;
	}
}

/* Decodes a JSON string into out (NUL-terminated, at most cap - 1 bytes). */
static int parse_string(struct cur *c, char *out, size_t cap, size_t *outlen)
{
	size_t n = 0;

	if (!eat(c, '"'))
		return -EINVAL;
	while (c->p < c->end && *c->p != '"') {
		int ch = (uint8_t)*c->p++;
		if (ch < 0x20)
			return -EINVAL;
		if (ch == '\\' && (ch = parse_escape(c)) < 0)
			return ch;
		if (n + 1 >= cap)
			return -EINVAL;
		out[n++] = (char)ch;
	}
	if (c->p >= c->end)
		return -EINVAL;
	c->p++;
	out[n] = '\0';
	*outlen = n;
	return 0;
}

static int parse_uint(struct cur *c, uint64_t max, uint64_t *v)
{
	const char *start;

	skip_ws(c);
	start = c->p;
	*v = 0;
	while (c->p < c->end && *c->p >= '0' && *c->p <= '9') {
		if (c->p - start >= 19)
			return -EINVAL;
		*v = *v * 10 + (uint64_t)(*c->p++ - '0');
	}
	if (c->p == start || *v > max)
		return -EINVAL;
	return 0;
}

/* Fixed-width digits from s; -1 if any is not a digit. */
static int digits(const char *s, int n)
{
	int v = 0;

	for (int i = 0; i < n; i++) {
		if (s[i] < '0' || s[i] > '9')
			return -1;
		v = v * 10 + (s[i] - '0');
	}
	return v;
}

/* "YYYY-MM-DDTHH:MM:SS.mmmZ" -> milliseconds since the epoch. */
static int parse_ts(const char *s, size_t n, uint64_t *ms)
{
	int y, mo, d, h, mi, sec, frac;
	int64_t y2, days;
	unsigned m2, d2;

	if (n != 24 || s[4] != '-' || s[7] != '-' || s[10] != 'T' || s[13] != ':' ||
	    s[16] != ':' || s[19] != '.' || s[23] != 'Z')
		return -EINVAL;
	y = digits(s, 4), mo = digits(s + 5, 2), d = digits(s + 8, 2);
	h = digits(s + 11, 2), mi = digits(s + 14, 2), sec = digits(s + 17, 2);
	frac = digits(s + 20, 3);
	if (y < 1970 || mo < 1 || mo > 12 || d < 1 || h < 0 || h > 23 || mi < 0 || mi > 59 ||
	    sec < 0 || sec > 59 || frac < 0)
		return -EINVAL;
	days = days_from_civil(y, (unsigned)mo, (unsigned)d);
	civil_from_days(days, &y2, &m2, &d2);
	if (y2 != y || m2 != (unsigned)mo || d2 != (unsigned)d) /* e.g. Feb 30 */
		return -EINVAL;
	*ms = ((uint64_t)days * 86400 + (uint64_t)(h * 3600 + mi * 60 + sec)) * 1000 +
	      (uint64_t)frac;
	return 0;
}

enum {
	K_IP = 1,
	K_PORT = 2,
	K_STATUS = 4,
	K_TTL = 8,
	K_TS = 16,
	K_NIC = 32,
	K_ICMP_TYPE = 64,
	K_ICMP_CODE = 128,
	K_REQUIRED = K_IP | K_STATUS | K_TTL | K_TS | K_NIC,
};

/* The unsigned members: key, maximum, bit, where to store (8 or 16 bits). */
static const struct {
	const char *key;
	uint16_t max;
	unsigned bit;
	size_t off;
	bool wide;
} uint_members[] = {
	{ "port", 65535, K_PORT, offsetof(struct result, port), true },
	{ "ttl", 255, K_TTL, offsetof(struct result, ttl), false },
	{ "icmp_type", 255, K_ICMP_TYPE, offsetof(struct result, icmp_type), false },
	{ "icmp_code", 255, K_ICMP_CODE, offsetof(struct result, icmp_code), false },
};

/* Parses the value of key into r; returns the key bit (0 for unknown keys,
 * whose string or unsigned value is skipped) or -EINVAL. */
static int parse_member(struct cur *c, const char *key, struct result *r)
{
	char s[OUTPUT_MAX_LINE];
	size_t n;
	uint64_t v;

	for (size_t i = 0; i < ARRAY_SIZE(uint_members); i++) {
		if (key[0] != uint_members[i].key[0] || strcmp(key, uint_members[i].key) != 0)
			continue;
		if (parse_uint(c, uint_members[i].max, &v) < 0)
			return -EINVAL;
		if (uint_members[i].wide)
			*(uint16_t *)((char *)r + uint_members[i].off) = (uint16_t)v;
		else
			*((uint8_t *)r + uint_members[i].off) = (uint8_t)v;
		return (int)uint_members[i].bit;
	}
	skip_ws(c);
	if (c->p < c->end && *c->p != '"' && strcmp(key, "ip") && strcmp(key, "status") &&
	    strcmp(key, "ts") && strcmp(key, "nic"))
		return parse_uint(c, UINT64_MAX, &v) < 0 ? -EINVAL : 0;
	if (parse_string(c, s, sizeof(s), &n) < 0)
		return -EINVAL;
	if (!strcmp(key, "ip"))
		return ipaddr_parse(s, &r->ip) < 0 ? -EINVAL : K_IP;
	if (!strcmp(key, "status")) {
		int st = reply_status_parse(s);
		if (st < 0)
			return -EINVAL;
		r->status = (uint8_t)st;
		return K_STATUS;
	}
	if (!strcmp(key, "ts"))
		return parse_ts(s, n, &r->ts_ms) < 0 ? -EINVAL : K_TS;
	if (!strcmp(key, "nic")) {
		if (n >= sizeof(r->nic) || memchr(s, '\0', n))
			return -EINVAL;
		memcpy(r->nic, s, n + 1);
		return K_NIC;
	}
	return 0;
}

int output_parse_ndjson(const char *line, size_t len, struct result *r)
{
	struct cur c = { line, line + len };
	unsigned seen = 0;
	char key[16];
	size_t n;

	memset(r, 0, sizeof(*r));
	if (!eat(&c, '{'))
		return -EINVAL;
	do {
		int k;
		if (parse_string(&c, key, sizeof(key), &n) < 0 || !eat(&c, ':'))
			return -EINVAL;
		k = parse_member(&c, key, r);
		if (k < 0 || (seen & (unsigned)k))
			return -EINVAL;
		seen |= (unsigned)k;
	} while (eat(&c, ','));
	if (!eat(&c, '}'))
		return -EINVAL;
	skip_ws(&c);
	if (c.p != c.end || (seen & K_REQUIRED) != K_REQUIRED)
		return -EINVAL;
	return 0;
}
