/* libFuzzer target: reply_parse() on arbitrary frames, then reply_valid()
 * with a fixed validator (the seed corpus holds frames that validate). */
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "validate.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static const struct validator v = {
		.key = { 0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15 },
		.sport_lo = 40000,
		.sport_n = 64,
	};
	struct reply r;

	if (reply_parse(data, size, &r) != 0)
		return 0;
	/* Invariants of an accepted frame: Ethernet + IPv4 + TCP is the minimum,
	 * the status is one of the two, addresses are one family. */
	if (size < 14 + 20 + 20 || (r.status != REPLY_OPEN && r.status != REPLY_CLOSED) ||
	    r.src.af != r.dst.af)
		__builtin_trap();
	if (reply_valid(&v, &r) && (r.dport < v.sport_lo || r.dport >= v.sport_lo + v.sport_n))
		__builtin_trap();
	return 0;
}
