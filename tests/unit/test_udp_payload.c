/* UDP payload files: every form (text: escapes, hex: with spaces, file:
 * relative to the file, template: fields), "*", the per-port index, the
 * canonical text parsing back to the same bytes, and errors with the line
 * and the fix. The shipped default set parses and holds the six services. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "udp_payload.h"

static struct udp_payload_set *parse_ok(const char *text, const char *dir)
{
	struct udp_payload_set *s;
	struct errbuf e;
	if (udp_payload_set_parse(text, "t", dir, &s, &e) < 0)
		fail_msg("%s: %s", text, e.msg);
	assert_int_equal(udp_payload_set_index(s), 0);
	return s;
}

static void expect_bad(const char *text, const char *substr)
{
	struct udp_payload_set *s = (void *)1;
	struct errbuf e;
	assert_int_equal(udp_payload_set_parse(text, "f.conf", NULL, &s, &e), -22);
	assert_null(s);
	if (!strstr(e.msg, substr))
		fail_msg("%s: got \"%s\", want \"%s\"", text, e.msg, substr);
}

static void test_forms(void **st)
{
	(void)st;
	struct udp_payload_set *s = parse_ok("# comment\n\n"
					     "53 hex:00 01 ff\n"
					     "  161,162   text:a\\r\\n\\t\\0\\\\\\x41\\\"  \n"
					     "1000-1002 text:x y\n"
					     "* text:default\n"
					     "7 template:${DPORT}\n",
					     NULL);
	const struct udp_payload *p = udp_payload_for(s, 53);
	assert_true(p->len == 3 && !memcmp(p->data, "\x00\x01\xff", 3) && !p->pieces);
	p = udp_payload_for(s, 162);
	assert_true(p->len == 8 && !memcmp(p->data, "a\r\n\t\0\\A\"", 8)); /* trailing blanks trimmed */
	assert_true(udp_payload_for(s, 1001)->len == 3);
	assert_ptr_equal(udp_payload_for(s, 1003), &s->p[s->def]);
	assert_ptr_equal(udp_payload_for(s, 54), udp_payload_for(s, 65535));
	assert_non_null(udp_payload_for(s, 7)->pieces);
	/* canonical text: hex: and template: only, parses back to the same */
	char *text = udp_payload_set_format(s);
	assert_non_null(strstr(text, "53 hex:0001ff\n"));
	assert_non_null(strstr(text, "161,162 hex:610d0a09005c4122\n"));
	assert_non_null(strstr(text, "7 template:${DPORT}\n"));
	struct udp_payload_set *b = parse_ok(text, NULL);
	char *text2 = udp_payload_set_format(b);
	assert_string_equal(text, text2);
	for (unsigned port = 0; port < 65536; port += 97) {
		const struct udp_payload *x = udp_payload_for(s, (uint16_t)port), *y = udp_payload_for(b, (uint16_t)port);
		assert_true(x->len == y->len && !memcmp(x->data, y->data, x->len));
	}
	free(text);
	free(text2);
	udp_payload_set_free(b);
	udp_payload_set_free(s);

	/* no "*": ports without a rule get nothing */
	s = parse_ok("53 text:q\n", NULL);
	assert_null(udp_payload_for(s, 54));
	udp_payload_set_free(s);
}

static void test_one(void **st)
{
	struct udp_payload_set *s;
	struct errbuf e;
	char dir[] = "/tmp/scand-payload-XXXXXX", path[300];
	FILE *f;
	(void)st;
	assert_int_equal(udp_payload_one("text:GET / HTTP/1.1\\r\\n", NULL, &s, &e), 0);
	assert_int_equal(udp_payload_set_index(s), 0);
	assert_int_equal(udp_payload_for(s, 80)->len, 16);
	udp_payload_set_free(s);
	/* the client's side: file: and template: name files (zmap's forms) */
	assert_non_null(mkdtemp(dir));
	snprintf(path, sizeof(path), "%s/p.bin", dir);
	assert_non_null(f = fopen(path, "w"));
	fwrite("\x01\x02\x00\x03", 1, 4, f);
	fclose(f);
	snprintf(path, sizeof(path), "file:%s/p.bin", dir);
	assert_int_equal(udp_payload_one(path, ".", &s, &e), 0);
	assert_string_equal(s->p[0].text, "hex:01020003");
	udp_payload_set_free(s);
	snprintf(path, sizeof(path), "%s/t.txt", dir);
	assert_non_null(f = fopen(path, "w"));
	fputs("host ${DADDR}\\\n", f);
	fclose(f);
	snprintf(path, sizeof(path), "template:%s/t.txt", dir);
	assert_int_equal(udp_payload_one(path, ".", &s, &e), 0);
	assert_string_equal(s->p[0].text, "template:host\\x20${DADDR}\\\\\\x0a");
	assert_non_null(s->p[0].pieces);
	udp_payload_set_free(s);
	/* a payload file: file: relative to its directory */
	snprintf(path, sizeof(path), "%s/set.conf", dir);
	assert_non_null(f = fopen(path, "w"));
	fputs("123 file:p.bin\n", f);
	fclose(f);
	assert_int_equal(udp_payload_file(path, &s, &e), 0);
	assert_string_equal(s->p[0].text, "hex:01020003");
	udp_payload_set_free(s);
	/* the daemon's side: file: refused, template: is the text itself */
	assert_true(udp_payload_one("file:p.bin", NULL, &s, &e) < 0);
	assert_non_null(strstr(e.msg, "client's side"));
	assert_int_equal(udp_payload_one("template:a${SPORT}", NULL, &s, &e), 0);
	assert_int_equal(s->p[0].npieces, 2);
	udp_payload_set_free(s);
	snprintf(path, sizeof(path), "%s/missing.conf", dir);
	assert_true(udp_payload_file(path, &s, &e) < 0);
	assert_non_null(strstr(e.msg, "cannot read the UDP payload file"));
	snprintf(path, sizeof(path), "rm -rf %s", dir);
	assert_int_equal(system(path), 0);
}

static void test_errors(void **st)
{
	(void)st;
	expect_bad("53\n", "f.conf:1: a rule is PORTS FORM:VALUE");
	expect_bad("# x\n53 text:a\n\n53-54 text:b\n", "f.conf:4: port 53 already has a payload (line 2)");
	expect_bad("0 text:a\n", "f.conf:1: ports \"0\"");
	expect_bad("x text:a\n", "f.conf:1: ports \"x\"");
	expect_bad("53 base64:AA\n", "\"base64:AA\" is not a payload; write text:STRING, hex:");
	expect_bad("53 hex:0\n", "hex: takes pairs of hex digits");
	expect_bad("53 hex:zz\n", "hex: takes pairs");
	expect_bad("53 text:\\q\n", "unknown escape \\q");
	expect_bad("53 text:\\x4\n", "\\x needs two hex digits");
	expect_bad("53 file:x.bin\n", "client's side");
	expect_bad("53 template:${NOPE}\n", "unknown template field ${NOPE}; fields: SADDR, SADDR_N");
	expect_bad("53 template:${RAND_BYTE}\n", "${RAND_BYTE=n} needs a length n");
	expect_bad("53 template:${RAND_BYTE=x}\n", "needs a length n");
	expect_bad("53 template:${SPORT=2}\n", "${SPORT} takes no =n");
	expect_bad("53 template:${RAND_BYTE=400}${DADDR}${SADDR}\n", "expands to up to 478 bytes");
	expect_bad("* text:a\n* text:b\n", "f.conf:2: a second \"*\" rule");
	char big[1100] = "53 hex:";
	for (int i = 0; i < 451; i++)
		strcat(big, "00");
	expect_bad(big, "longer than 450 bytes");
	big[7 + 900] = '\0'; /* 450 bytes: fine */
	struct udp_payload_set *s = parse_ok(big, NULL);
	assert_int_equal(s->p[0].len, 450);
	udp_payload_set_free(s);
	char *huge = malloc(UDP_PAYLOAD_TEXT_MAX + 10);
	memset(huge, '#', UDP_PAYLOAD_TEXT_MAX + 9);
	huge[UDP_PAYLOAD_TEXT_MAX + 9] = '\0';
	expect_bad(huge, "a payload file holds at most 262144");
	free(huge);
}

static void test_default_set(void **st)
{
	char path[512];
	struct udp_payload_set *s;
	struct errbuf e;
	(void)st;
	snprintf(path, sizeof(path), "%s/config/udp-payloads.conf", getenv("SRCDIR"));
	if (udp_payload_file(path, &s, &e) < 0)
		fail_msg("%s", e.msg);
	assert_int_equal(udp_payload_set_index(s), 0);
	static const struct {
		uint16_t port;
		size_t len;
		const char *has;
	} want[] = {
		{ 53, 30, "\x07version\x04" "bind" }, { 123, 48, "\xe3" },  { 161, 43, "public" },
		{ 1900, 94, "M-SEARCH * HTTP/1.1\r\n" }, { 11211, 15, "stats\r\n" }, { 137, 50, "CKAAAA" },
	};
	for (size_t i = 0; i < sizeof(want) / sizeof(want[0]); i++) {
		const struct udp_payload *p = udp_payload_for(s, want[i].port);
		assert_non_null(p);
		assert_int_equal(p->len, want[i].len);
		assert_non_null(memmem(p->data, p->len, want[i].has, strlen(want[i].has)));
	}
	assert_null(udp_payload_for(s, 80));
	udp_payload_set_free(s);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_forms), cmocka_unit_test(test_one), cmocka_unit_test(test_errors),
		cmocka_unit_test(test_default_set),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
