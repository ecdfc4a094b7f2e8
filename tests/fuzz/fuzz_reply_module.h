/* The libFuzzer harness for one probe module's reply handling (included by
 * fuzz_reply_MODULE.c, which defines FUZZ_MODULE): reply_parse() on any
 * frame, then the module's validate() and classify() with a fixed job key
 * and source addresses (the seed corpus holds replies that validate), with
 * the invariants every accepted reply must keep. */
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>
#include <sys/socket.h>

#include "probe_module.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static const struct validator val = {
	.key = { 0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15 },
	.sport_lo = 40000,
	.sport_n = 64,
};

/* The job's templates: sources 198.18.0.100 and 2001:db8::100. */
static const struct probe_tmpl *tmpl(int af)
{
	static struct probe_tmpl t4, t6;
	static bool ready;
	if (!ready) {
		struct probe_args a;
		struct probe_frame f = { .smac = { 2, 0, 0, 0, 0, 1 }, .dmac = { 2, 0, 0, 0, 0, 2 } };
		probe_args_init(&a, &FUZZ_MODULE);
		ipaddr_parse("198.18.0.100", &f.src);
		if (FUZZ_MODULE.tmpl_init(&t4, &a, &f, &val) < 0)
			__builtin_trap();
		ipaddr_parse("2001:db8::100", &f.src);
		if (FUZZ_MODULE.tmpl_init(&t6, &a, &f, &val) < 0)
			__builtin_trap();
		ready = true;
	}
	return af == AF_INET ? &t4 : &t6;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct reply r;
	struct probe_row row;
	const struct probe_tmpl *t;

	if (reply_parse(data, size, &r) != 0)
		return 0;
	/* an accepted frame: one of the kinds, one family, within the frame */
	if (r.kind < RK_TCP || r.kind > RK_ICMP_ERROR || r.src.af != r.dst.af ||
	    r.echo_len > REPLY_ECHO_DATA || size < 14 + 20 + 8)
		__builtin_trap();
	if (r.kind == RK_ICMP_ERROR && (r.q_src.af != r.src.af || r.q_dst.af != r.src.af))
		__builtin_trap();
	t = tmpl(r.dst.af);
	if (t->src.v != r.dst.v || !FUZZ_MODULE.validate(t, &val, &r))
		return 0;
	memset(&row, 0xa5, sizeof(row));
	FUZZ_MODULE.classify(&r, &row);
	/* the row: a status of the module, the probed target, a port only
	 * for modules with ports, ICMP fields only for unreachable */
	if (!(FUZZ_MODULE.statuses & (1u << row.status)) || row.ip.af != r.src.af ||
	    (!FUZZ_MODULE.ports && row.port) ||
	    (row.status != REPLY_UNREACHABLE && (row.icmp_type || row.icmp_code)))
		__builtin_trap();
	if (r.kind == RK_ICMP_ERROR ? row.ip.v != r.q_dst.v : row.ip.v != r.src.v)
		__builtin_trap();
	if (FUZZ_MODULE.ports && (r.dport < val.sport_lo || r.dport >= val.sport_lo + val.sport_n))
		__builtin_trap();
	return 0;
}
