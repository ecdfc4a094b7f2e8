/* Host facts (common/hostnet.c, netinfo_addr_local): an address is local
 * exactly when getifaddrs lists it; a listener is found in /proc/net/tcp{,6}
 * (a fake copy here) when it takes connections to the address in the range. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include "hostnet.h"
#include "netinfo.h"

#include <errno.h>
#include <ifaddrs.h>
#include <netinet/in.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

static struct ipaddr addr(const char *s)
{
	struct ipaddr a;
	assert_int_equal(ipaddr_parse(s, &a), 0);
	return a;
}

/* Every address getifaddrs reports is local; TEST-NET and discard-prefix
 * addresses, which no test assigns in this namespace, are not. */
static void test_addr_local(void **st)
{
	struct ifaddrs *ifa;
	struct ipaddr a;
	unsigned seen = 0;
	(void)st;
	assert_int_equal(getifaddrs(&ifa), 0);
	for (struct ifaddrs *i = ifa; i; i = i->ifa_next) {
		if (!i->ifa_addr || (i->ifa_addr->sa_family != AF_INET && i->ifa_addr->sa_family != AF_INET6))
			continue;
		if (i->ifa_addr->sa_family == AF_INET)
			ipaddr_from_bytes(&a, AF_INET, (const uint8_t *)&((struct sockaddr_in *)i->ifa_addr)->sin_addr);
		else
			ipaddr_from_bytes(&a, AF_INET6, ((struct sockaddr_in6 *)i->ifa_addr)->sin6_addr.s6_addr);
		assert_int_equal(netinfo_addr_local(&a), 1);
		assert_true(hostnet_addr_local(&a));
		seen++;
	}
	freeifaddrs(ifa);
	a = addr("192.0.2.77");
	assert_int_equal(netinfo_addr_local(&a), 0);
	assert_false(hostnet_addr_local(&a));
	a = addr("100::77");
	assert_int_equal(netinfo_addr_local(&a), 0);
	if (seen == 0) /* a namespace without addresses: nothing above was compared */
		print_message("no interface addresses here; only non-local addresses checked\n");
}

static char dir[64];

static void write_proc(const char *name, const char *rows)
{
	char path[128];
	snprintf(path, sizeof(path), "%s/%s", dir, name);
	FILE *f = fopen(path, "w");
	assert_non_null(f);
	fputs("  sl  local_address rem_address   st tx_queue rx_queue tr tm->when retrnsmt   uid  timeout inode\n", f);
	fputs(rows, f);
	fclose(f);
}

static int listener_of(int proto, const char *ip, uint16_t lo, uint16_t n, uint16_t *port)
{
	struct ipaddr a = addr(ip);
	return hostnet_listener(dir, proto, &a, lo, n, port);
}

static int listener(const char *ip, uint16_t lo, uint16_t n, uint16_t *port)
{
	return listener_of(IPPROTO_TCP, ip, lo, n, port);
}

/* 198.18.0.100 is word 640012C6 as the kernel prints it (little endian);
 * port 61005 is EE4D. State 0A is LISTEN, 01 ESTABLISHED. */
static void test_listener(void **st)
{
	uint16_t port = 0;
	(void)st;
	snprintf(dir, sizeof(dir), "/tmp/scand-hostnet.XXXXXX");
	assert_non_null(mkdtemp(dir));
	write_proc("tcp", "   0: 640012C6:EE4D 0A0012C6:0050 01 00000000:00000000 00:00000000 00000000     0        0 1 1\n"
			  "   1: 650012C6:EE4E 00000000:0000 0A 00000000:00000000 00:00000000 00000000     0        0 2 1\n"
			  "   2: 640012C6:EE4F 00000000:0000 0A 00000000:00000000 00:00000000 00000000     0        0 3 1\n");
	/* no tcp6 file: as on a host without IPv6 */
	assert_int_equal(listener("198.18.0.100", 61000, 64, &port), 1);
	assert_int_equal(port, 61007); /* not 61005 (established), not 61006 (other address) */
	assert_int_equal(listener("198.18.0.100", 61000, 7, &port), 0);
	assert_int_equal(listener("198.18.0.101", 61006, 1, &port), 1);
	assert_int_equal(listener("198.18.0.102", 61000, 64, &port), 0);

	write_proc("tcp", "   0: 00000000:1F90 00000000:0000 0A 00000000:00000000 00:00000000 00000000     0        0 4 1\n");
	assert_int_equal(listener("198.18.0.102", 8080, 1, &port), 1); /* the wildcard takes it */
	assert_int_equal(port, 8080);
	assert_int_equal(listener("198.18.0.102", 8081, 100, &port), 0);

	write_proc("tcp", "");
	write_proc("tcp6", "   0: 0000000000000000FFFF0000640012C6:EE4D 00000000000000000000000000000000:0000 0A 00000000:00000000 00:00000000 00000000     0        0 5 1\n"
			   "   1: B80D0120000000000000000001000000:EE4E 00000000000000000000000000000000:0000 0A 00000000:00000000 00:00000000 00000000     0        0 6 1\n");
	assert_int_equal(listener("198.18.0.100", 61000, 64, &port), 1); /* ::ffff:198.18.0.100 */
	assert_int_equal(port, 61005);
	assert_int_equal(listener("2001:db8::1", 61000, 64, &port), 1);
	assert_int_equal(port, 61006);
	assert_int_equal(listener("2001:db8::2", 61000, 64, &port), 0);

	/* UDP: a bound socket receives in any state (07: unconnected), from udp and udp6 */
	write_proc("udp", "   0: 640012C6:EE50 00000000:0000 07 00000000:00000000 00:00000000 00000000     0        0 7 1\n");
	assert_int_equal(listener_of(IPPROTO_UDP, "198.18.0.100", 61000, 64, &port), 1);
	assert_int_equal(port, 61008);
	assert_int_equal(listener_of(IPPROTO_UDP, "198.18.0.100", 61000, 8, &port), 0);
	assert_int_equal(listener("198.18.0.100", 61008, 1, &port), 0); /* not a TCP listener */

	char cmd[96];
	snprintf(cmd, sizeof(cmd), "rm -rf %s", dir);
	assert_int_equal(system(cmd), 0);
}

/* net.ipv4.ip_local_port_range as the kernel prints it: "LOW\tHIGH\n". */
static void test_ephemeral_range(void **st)
{
	char path[] = "/tmp/scand-range.XXXXXX";
	uint16_t lo = 0, hi = 0;
	int fd = mkstemp(path);
	(void)st;
	assert_true(fd >= 0);
	assert_int_equal(write(fd, "32768\t60999\n", 12), 12);
	close(fd);
	assert_int_equal(hostnet_ephemeral_range(path, &lo, &hi), 0);
	assert_int_equal(lo, 32768);
	assert_int_equal(hi, 60999);
	FILE *f = fopen(path, "w");
	fputs("60999 32768\n", f); /* not a range */
	fclose(f);
	assert_int_equal(hostnet_ephemeral_range(path, &lo, &hi), -EINVAL);
	unlink(path);
	assert_int_equal(hostnet_ephemeral_range(path, &lo, &hi), -ENOENT);
	/* this namespace's own file reads */
	assert_int_equal(hostnet_ephemeral_range("/proc/sys/net/ipv4/ip_local_port_range", &lo, &hi), 0);
	assert_true(lo >= 1 && lo <= hi);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_addr_local),
		cmocka_unit_test(test_listener),
		cmocka_unit_test(test_ephemeral_range),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
