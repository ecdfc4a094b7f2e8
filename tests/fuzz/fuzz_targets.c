/* libFuzzer target: targets and ports expressions. Input: targets text,
 * '\n', ports text. Parses both and, for small results, builds the space and
 * checks the index mapping round trip. */
#include "space.h"

#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	char *buf = malloc(size + 1), *nl;
	struct range_set v4, v6;
	struct port_list ports;
	struct errbuf e;
	struct space s;

	if (!buf)
		return 0;
	memcpy(buf, data, size);
	buf[size] = '\0';
	nl = strchr(buf, '\n');
	if (nl)
		*nl = '\0';
	const char *exprs[] = { buf };
	ranges_init(&v4, AF_INET);
	ranges_init(&v6, AF_INET6);
	int rt = targets_parse(exprs, 1, 4096, 256, &v4, &v6, &e);
	int rp = ports_parse(nl ? nl + 1 : "80", &ports, &e);
	if (rt == 0 && rp == 0) {
		if (space_build(&s, &v4, &v6, &ports, NULL, &e) == 0) {
			for (uint64_t i = 0; i < s.total && i < 64; i++) {
				struct ipaddr a;
				uint16_t port;
				space_at(&s, i * (s.total / 64 + 1) % s.total, &a, &port);
				if (space_index(&s, &a, port) < 0)
					abort();
			}
		}
		space_free(&s);
	} else if (rp == 0) {
		ports_free(&ports);
	}
	ranges_free(&v4);
	ranges_free(&v6);
	free(buf);
	return 0;
}
