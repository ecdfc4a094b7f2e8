/* Result encoders (exact DESIGN §2 text, escaping, bounded buffers) and the
 * NDJSON parser (round trips, rejection of malformed lines). */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include <arpa/inet.h>
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>

#include "output.h"
#include "validate.h"

#define TEST_SEED 0xa4093822299f31d0ull
#include "testutil.h"

static const char DESIGN_NDJSON[] = "{\"ip\":\"198.18.1.7\",\"port\":80,\"status\":\"open\","
				    "\"ttl\":64,\"ts\":\"2026-11-25T10:00:00.123Z\",\"nic\":\"sc0\"}\n";
static const char DESIGN_CSV[] = "198.18.1.7,80,open,64,2026-11-25T10:00:00.123Z,sc0\n";

static struct result design_result(void)
{
	struct result r = { .port = 80, .status = REPLY_OPEN, .ttl = 64,
			    .ts_ms = 1795600800123ull, .nic = "sc0" };
	assert_int_equal(ipaddr_parse("198.18.1.7", &r.ip), 0);
	return r;
}

/* Exact-size heap copy so ASan sees any read past len. */
static int parse_line(const char *s, size_t len, struct result *r)
{
	char *c = heap_copy(s, len);
	int rc = output_parse_ndjson(c, len, r);
	free(c);
	return rc;
}

static void assert_result_equal(const struct result *a, const struct result *b)
{
	assert_int_equal(a->ip.af, b->ip.af);
	assert_true(a->ip.v == b->ip.v);
	assert_int_equal(a->port, b->port);
	assert_int_equal(a->status, b->status);
	assert_int_equal(a->ttl, b->ttl);
	assert_int_equal(a->ts_ms, b->ts_ms);
	assert_string_equal(a->nic, b->nic);
}

static void test_design_format(void **state)
{
	(void)state;
	struct result r = design_result(), back;
	char buf[OUTPUT_MAX_LINE];

	assert_int_equal(output_ndjson(&r, buf, sizeof(buf)), strlen(DESIGN_NDJSON));
	assert_string_equal(buf, DESIGN_NDJSON);
	assert_int_equal(output_csv(&r, buf, sizeof(buf)), strlen(DESIGN_CSV));
	assert_string_equal(buf, DESIGN_CSV);
	assert_string_equal(output_csv_header(), "ip,port,status,ttl,ts,nic\n");
	assert_int_equal(parse_line(DESIGN_NDJSON, strlen(DESIGN_NDJSON), &back), 0);
	assert_result_equal(&back, &r);

	r.status = REPLY_CLOSED;
	r.ts_ms = 1709164800000ull; /* leap day, midnight, .000 */
	r.port = 65535;
	r.ttl = 255;
	assert_int_equal(ipaddr_parse("2001:db8::1", &r.ip), 0);
	output_ndjson(&r, buf, sizeof(buf));
	assert_string_equal(buf, "{\"ip\":\"2001:db8::1\",\"port\":65535,\"status\":\"closed\","
				 "\"ttl\":255,\"ts\":\"2024-02-29T00:00:00.000Z\",\"nic\":\"sc0\"}\n");
	output_csv(&r, buf, sizeof(buf));
	assert_string_equal(buf, "2001:db8::1,65535,closed,255,2024-02-29T00:00:00.000Z,sc0\n");
	assert_int_equal(parse_line(buf, 0, &back), -EINVAL);

	r.ts_ms = 0;
	output_csv(&r, buf, sizeof(buf));
	assert_string_equal(buf, "2001:db8::1,65535,closed,255,1970-01-01T00:00:00.000Z,sc0\n");
	r.ts_ms = 253402300799999ull;
	output_csv(&r, buf, sizeof(buf));
	assert_string_equal(buf, "2001:db8::1,65535,closed,255,9999-12-31T23:59:59.999Z,sc0\n");
}

static void test_names_and_formats(void **state)
{
	(void)state;
	enum out_format f = OUT_CSV;

	assert_string_equal(reply_status_name(1), "open");
	assert_string_equal(reply_status_name(2), "closed");
	assert_string_equal(reply_status_name(0), "unknown");
	assert_int_equal(output_parse_format("ndjson", &f), 0);
	assert_int_equal(f, OUT_NDJSON);
	assert_int_equal(output_parse_format("csv", &f), 0);
	assert_int_equal(f, OUT_CSV);
	assert_int_equal(output_parse_format("json", &f), -EINVAL);
	assert_int_equal(output_parse_format("", &f), -EINVAL);
}

static void test_escaping(void **state)
{
	(void)state;
	struct result r = design_result(), back;
	char buf[OUTPUT_MAX_LINE];

	memcpy(r.nic, "a\"b\\c\n\x01\xff", 9);
	output_ndjson(&r, buf, sizeof(buf));
	assert_non_null(strstr(buf, "\"nic\":\"a\\\"b\\\\c\\u000a\\u0001\\u00ff\"}\n"));
	assert_int_equal(parse_line(buf, strlen(buf), &back), 0);
	assert_result_equal(&back, &r);

	strcpy(r.nic, "x,y");
	output_csv(&r, buf, sizeof(buf));
	assert_non_null(strstr(buf, ",\"x,y\"\n"));
	strcpy(r.nic, "q\"");
	output_csv(&r, buf, sizeof(buf));
	assert_non_null(strstr(buf, ",\"q\"\"\"\n"));

	/* a full 16-byte name without NUL is read as 16 bytes, never past */
	memset(r.nic, 'n', sizeof(r.nic));
	assert_true(output_ndjson(&r, buf, sizeof(buf)) > 0);
	assert_non_null(strstr(buf, "\"nic\":\"nnnnnnnnnnnnnnnn\"}"));
	/* ... but cannot be parsed back into a NUL-terminated 16-byte field */
	assert_int_equal(parse_line(buf, strlen(buf), &back), -EINVAL);
}

static struct result rand_result(void)
{
	struct result r = { 0 };
	if (rnd() % 2)
		r.ip = (struct ipaddr){ (uint32_t)rnd(), AF_INET };
	else
		r.ip = (struct ipaddr){ (u128)rnd() << 64 | rnd(), AF_INET6 };
	if (rnd() % 4 == 0) /* runs of zeros: "::" compression */
		r.ip.v &= ~(u128)0xffffffffffffull << (r.ip.af == AF_INET ? 0 : 32);
	r.port = (uint16_t)rnd();
	r.status = (uint8_t)(1 + rnd() % 2);
	r.ttl = (uint8_t)rnd();
	r.ts_ms = rnd() % 253402300800000ull;
	size_t n = rnd() % sizeof(r.nic);
	for (size_t i = 0; i < n; i++)
		r.nic[i] = (char)(1 + rnd() % 255);
	return r;
}

static void test_round_trip_and_bounds(void **state)
{
	(void)state;
	char buf[OUTPUT_MAX_LINE + 64], line[OUTPUT_MAX_LINE];
	struct result back;

	for (int i = 0; i < 20000; i++) {
		struct result r = rand_result();
		size_t n = output_ndjson(&r, line, sizeof(line));
		assert_true(n > 0 && n < sizeof(line));
		assert_int_equal(strlen(line), n);
		assert_int_equal(line[n - 1], '\n');
		assert_int_equal(parse_line(line, n, &back), 0);
		assert_result_equal(&back, &r);
		assert_int_equal(parse_line(line, n - 1, &back), 0); /* without newline */

		/* too small: 0 and nothing written past cap */
		size_t cap = rnd() % (n + 1);
		memset(buf, 0x5a, sizeof(buf));
		assert_int_equal(output_ndjson(&r, buf, cap), 0);
		for (size_t k = cap; k < sizeof(buf); k++)
			assert_int_equal((uint8_t)buf[k], 0x5a);
		assert_int_equal(output_ndjson(&r, buf, n + 1), n);

		size_t c = output_csv(&r, line, sizeof(line));
		assert_true(c > 0);
		memset(buf, 0x5a, sizeof(buf));
		cap = rnd() % (c + 1);
		assert_int_equal(output_csv(&r, buf, cap), 0);
		for (size_t k = cap; k < sizeof(buf); k++)
			assert_int_equal((uint8_t)buf[k], 0x5a);
		assert_int_equal(output_csv(&r, buf, c + 1), c);
	}
	struct result r = design_result();
	assert_int_equal(output_ndjson(&r, buf, 0), 0);
	assert_int_equal(output_csv(&r, buf, 0), 0);
	assert_int_equal(output_ndjson(&r, buf, strlen(DESIGN_NDJSON)), 0); /* no room for NUL */
}

static void test_parse_rejects(void **state)
{
	(void)state;
	static const char *bad[] = {
		"",
		"{}",
		"[]",
		"{\"ip\":\"198.18.1.7\",\"port\":80,\"status\":\"open\",\"ttl\":64,\"ts\":\"2026-11-25T10:00:00.123Z\"}",
		"{\"ip\":\"198.18.1.7\",\"ip\":\"198.18.1.7\",\"port\":80,\"status\":\"open\",\"ttl\":64,\"ts\":\"2026-11-25T10:00:00.123Z\",\"nic\":\"sc0\"}",
		"{\"ip\":\"198.18.1.300\",\"port\":80,\"status\":\"open\",\"ttl\":64,\"ts\":\"2026-11-25T10:00:00.123Z\",\"nic\":\"sc0\"}",
		"{\"ip\":\"198.18.1.7\",\"port\":65536,\"status\":\"open\",\"ttl\":64,\"ts\":\"2026-11-25T10:00:00.123Z\",\"nic\":\"sc0\"}",
		"{\"ip\":\"198.18.1.7\",\"port\":-1,\"status\":\"open\",\"ttl\":64,\"ts\":\"2026-11-25T10:00:00.123Z\",\"nic\":\"sc0\"}",
		"{\"ip\":\"198.18.1.7\",\"port\":\"80\",\"status\":\"open\",\"ttl\":64,\"ts\":\"2026-11-25T10:00:00.123Z\",\"nic\":\"sc0\"}",
		"{\"ip\":\"198.18.1.7\",\"port\":80,\"status\":\"filtered\",\"ttl\":64,\"ts\":\"2026-11-25T10:00:00.123Z\",\"nic\":\"sc0\"}",
		"{\"ip\":\"198.18.1.7\",\"port\":80,\"status\":\"open\",\"ttl\":256,\"ts\":\"2026-11-25T10:00:00.123Z\",\"nic\":\"sc0\"}",
		"{\"ip\":\"198.18.1.7\",\"port\":80,\"status\":\"open\",\"ttl\":64,\"ts\":\"2026-02-30T10:00:00.123Z\",\"nic\":\"sc0\"}",
		"{\"ip\":\"198.18.1.7\",\"port\":80,\"status\":\"open\",\"ttl\":64,\"ts\":\"2026-11-25T24:00:00.123Z\",\"nic\":\"sc0\"}",
		"{\"ip\":\"198.18.1.7\",\"port\":80,\"status\":\"open\",\"ttl\":64,\"ts\":\"2026-11-25 10:00:00.123Z\",\"nic\":\"sc0\"}",
		"{\"ip\":\"198.18.1.7\",\"port\":80,\"status\":\"open\",\"ttl\":64,\"ts\":\"2026-11-25T10:00:00.12Z\",\"nic\":\"sc0\"}",
		"{\"ip\":\"198.18.1.7\",\"port\":80,\"status\":\"open\",\"ttl\":64,\"ts\":\"2026-11-25T10:00:00.123Z\",\"nic\":\"0123456789abcdef\"}",
		"{\"ip\":\"198.18.1.7\",\"port\":80,\"status\":\"open\",\"ttl\":64,\"ts\":\"2026-11-25T10:00:00.123Z\",\"nic\":\"s\\u0000\"}",
		"{\"ip\":\"198.18.1.7\",\"port\":80,\"status\":\"open\",\"ttl\":64,\"ts\":\"2026-11-25T10:00:00.123Z\",\"nic\":\"s\\u0100\"}",
		"{\"ip\":\"198.18.1.7\",\"port\":80,\"status\":\"open\",\"ttl\":64,\"ts\":\"2026-11-25T10:00:00.123Z\",\"nic\":\"s\\x\"}",
		"{\"ip\":\"198.18.1.7\",\"port\":80,\"status\":\"open\",\"ttl\":64,\"ts\":\"2026-11-25T10:00:00.123Z\",\"nic\":\"sc0\"}x",
		"{\"ip\":\"198.18.1.7\",\"port\":80,\"status\":\"open\",\"ttl\":64,\"ts\":\"2026-11-25T10:00:00.123Z\",\"nic\":\"sc0\",}",
		"{\"ip\":\"198.18.1.7\" \"port\":80,\"status\":\"open\",\"ttl\":64,\"ts\":\"2026-11-25T10:00:00.123Z\",\"nic\":\"sc0\"}",
		"{\"ip\":\"198.18.1.7\",\"port\":80,\"status\":\"open\",\"ttl\":64,\"ts\":\"2026-11-25T10:00:00.123Z\",\"nic\":\"sc0\",\"x\":true}",
		"{\"ip\":\"198.18.1.7\",\"port\":99999999999999999999999,\"status\":\"open\",\"ttl\":64,\"ts\":\"2026-11-25T10:00:00.123Z\",\"nic\":\"sc0\"}",
	};
	struct result r;

	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++)
		if (parse_line(bad[i], strlen(bad[i]), &r) != -EINVAL)
			fail_msg("accepted bad line %zu: %s", i, bad[i]);
	/* every strict prefix of a valid line is rejected, without overreads */
	size_t n = strlen(DESIGN_NDJSON) - 1; /* up to and including '}' */
	for (size_t l = 0; l < n; l++)
		assert_int_equal(parse_line(DESIGN_NDJSON, l, &r), -EINVAL);

	/* accepted variants: any key order, whitespace, CRLF, unknown members */
	static const char ok[] =
		" { \"nic\" : \"sc0\" , \"ts\":\"2026-11-25T10:00:00.123Z\",\"extra\":\"x\","
		"\"ttl\":64,\"status\":\"open\",\"n\":12,\"port\":80,\"ip\":\"198.18.1.7\"}\r\n";
	struct result want = design_result();
	assert_int_equal(parse_line(ok, strlen(ok), &r), 0);
	assert_result_equal(&r, &want);
}

/* ipaddr_str formats IPv4 by hand: the same text as inet_ntop for every
 * octet width (0, 9, 10, 99, 100, 255), and inet_ntop's for a short buffer. */
static void test_ipv4_text(void **state)
{
	static const uint8_t octets[] = { 0, 9, 10, 99, 100, 255 };
	char got[64], want[INET_ADDRSTRLEN];
	struct ipaddr a;
	(void)state;
	for (size_t i = 0; i < sizeof(octets); i++)
		for (size_t k = 0; k < sizeof(octets); k++) {
			uint8_t b[4] = { 198, octets[i], octets[k], octets[(i + k) % sizeof(octets)] };
			ipaddr_from_bytes(&a, AF_INET, b);
			assert_non_null(inet_ntop(AF_INET, b, want, sizeof(want)));
			assert_string_equal(ipaddr_str(&a, got, sizeof(got)), want);
		}
	ipaddr_from_bytes(&a, AF_INET, (const uint8_t[]){ 198, 18, 1, 7 });
	assert_string_equal(ipaddr_str(&a, got, 8), "?"); /* inet_ntop: no room */
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_design_format),
		cmocka_unit_test(test_names_and_formats),
		cmocka_unit_test(test_escaping),
		cmocka_unit_test(test_round_trip_and_bounds),
		cmocka_unit_test(test_parse_rejects),
		cmocka_unit_test(test_ipv4_text),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
