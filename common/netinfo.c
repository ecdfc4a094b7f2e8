/* Interface facts (see netinfo.h): ioctls, getifaddrs, sysfs and rtnetlink. */
#include "netinfo.h"

#include <dirent.h>
#include <errno.h>
#include <ifaddrs.h>
#include <linux/ethtool.h>
#include <linux/neighbour.h>
#include <linux/sockios.h>
#include <linux/rtnetlink.h>
#include <net/if.h>
#include <netinet/in.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/socket.h>
#include <unistd.h>

int netinfo_iface(const char *ifname, int *ifindex, uint8_t mac[6], unsigned *mtu, bool *up,
		  struct errbuf *err)
{
	struct ifreq ifr = { 0 };
	int fd = socket(AF_INET, SOCK_DGRAM | SOCK_CLOEXEC, 0), r = 0;
	if (fd < 0)
		return errbuf_set(err, -errno, "socket: %s", strerror(errno));
	snprintf(ifr.ifr_name, sizeof(ifr.ifr_name), "%s", ifname);
	if (ioctl(fd, SIOCGIFINDEX, &ifr) < 0) {
		r = errbuf_set(err, -errno, "%s: no such interface: check [nic \"%s\"] in the config or `ip link`",
			       ifname, ifname);
		goto out;
	}
	*ifindex = ifr.ifr_ifindex;
	if (ioctl(fd, SIOCGIFHWADDR, &ifr) == 0)
		memcpy(mac, ifr.ifr_hwaddr.sa_data, 6);
	if (ioctl(fd, SIOCGIFMTU, &ifr) == 0)
		*mtu = (unsigned)ifr.ifr_mtu;
	if (ioctl(fd, SIOCGIFFLAGS, &ifr) == 0)
		*up = (ifr.ifr_flags & IFF_UP) && (ifr.ifr_flags & IFF_RUNNING);
out:
	close(fd);
	return r;
}

int netinfo_iface_addr(const char *ifname, int af, struct ipaddr *out)
{
	struct ifaddrs *ifa, *i;
	int r = -ENOENT;
	if (getifaddrs(&ifa) < 0)
		return -errno;
	for (i = ifa; i && r; i = i->ifa_next) {
		if (!i->ifa_addr || i->ifa_addr->sa_family != af || strcmp(i->ifa_name, ifname))
			continue;
		if (af == AF_INET) {
			ipaddr_from_bytes(out, AF_INET, (const uint8_t *)&((struct sockaddr_in *)i->ifa_addr)->sin_addr);
			r = 0;
		} else {
			const struct in6_addr *a = &((struct sockaddr_in6 *)i->ifa_addr)->sin6_addr;
			if (IN6_IS_ADDR_LINKLOCAL(a))
				continue;
			ipaddr_from_bytes(out, AF_INET6, a->s6_addr);
			r = 0;
		}
	}
	freeifaddrs(ifa);
	return r;
}

int netinfo_numa_node(const char *ifname)
{
	char path[128];
	int node = -1;
	snprintf(path, sizeof(path), "/sys/class/net/%s/device/numa_node", ifname);
	FILE *f = fopen(path, "re");
	if (f) {
		if (fscanf(f, "%d", &node) != 1)
			node = -1;
		fclose(f);
	}
	return node < 0 ? 0 : node;
}

int netinfo_rx_queues(const char *ifname)
{
	char path[128];
	struct dirent *de;
	int n = 0;
	snprintf(path, sizeof(path), "/sys/class/net/%s/queues", ifname);
	DIR *d = opendir(path);
	if (!d)
		return 1;
	while ((de = readdir(d)))
		n += strncmp(de->d_name, "rx-", 3) == 0;
	closedir(d);
	return n ? n : 1;
}

struct nl_req {
	struct nlmsghdr nh;
	union {
		struct rtmsg rt;
		struct ndmsg nd;
		struct ifaddrmsg ifa;
	};
	char attrs[64];
};

static void nl_attr(struct nl_req *q, unsigned short type, const void *data, size_t len)
{
	struct rtattr *a = (struct rtattr *)((char *)q + NLMSG_ALIGN(q->nh.nlmsg_len));
	a->rta_type = type;
	a->rta_len = (unsigned short)RTA_LENGTH(len);
	memcpy(RTA_DATA(a), data, len);
	q->nh.nlmsg_len = NLMSG_ALIGN(q->nh.nlmsg_len) + RTA_ALIGN(a->rta_len);
}

/* Sends q and calls fn on each reply message until done; fn returns 1 to stop. */
static int nl_talk(struct nl_req *q, int (*fn)(struct nlmsghdr *, void *), void *arg)
{
	char buf[32768];
	int fd = socket(AF_NETLINK, SOCK_RAW | SOCK_CLOEXEC, NETLINK_ROUTE), r = -ENOENT;
	struct timeval tv = { 2, 0 };
	if (fd < 0)
		return -errno;
	setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof(tv));
	if (send(fd, q, q->nh.nlmsg_len, 0) < 0) {
		r = -errno;
		goto out;
	}
	for (;;) {
		ssize_t n = recv(fd, buf, sizeof(buf), 0);
		if (n <= 0) {
			r = n < 0 ? -errno : r;
			goto out;
		}
		for (struct nlmsghdr *h = (struct nlmsghdr *)buf; NLMSG_OK(h, (size_t)n);
		     h = NLMSG_NEXT(h, n)) {
			if (h->nlmsg_type == NLMSG_DONE)
				goto out;
			if (h->nlmsg_type == NLMSG_ERROR) {
				struct nlmsgerr *e = NLMSG_DATA(h);
				r = e->error ? e->error : r;
				goto out;
			}
			if (fn(h, arg) == 1) {
				r = 0;
				if (!(q->nh.nlmsg_flags & NLM_F_DUMP))
					goto out;
			}
		}
	}
out:
	close(fd);
	return r;
}

struct hop {
	int af, ifindex;
	uint8_t addr[16];
	uint8_t mac[6];
	bool found;
};

static int on_route(struct nlmsghdr *h, void *arg)
{
	struct hop *hop = arg;
	struct rtmsg *rt = NLMSG_DATA(h);
	int len = (int)RTM_PAYLOAD(h);
	for (struct rtattr *a = RTM_RTA(rt); RTA_OK(a, len); a = RTA_NEXT(a, len))
		if (a->rta_type == RTA_GATEWAY)
			memcpy(hop->addr, RTA_DATA(a), hop->af == AF_INET ? 4 : 16);
	return 1;
}

static int on_neigh(struct nlmsghdr *h, void *arg)
{
	struct hop *hop = arg;
	struct ndmsg *nd = NLMSG_DATA(h);
	int len = (int)(h->nlmsg_len - NLMSG_LENGTH(sizeof(*nd)));
	const uint8_t *dst = NULL, *ll = NULL;
	if (h->nlmsg_type != RTM_NEWNEIGH || nd->ndm_ifindex != hop->ifindex ||
	    !(nd->ndm_state & (NUD_REACHABLE | NUD_STALE | NUD_DELAY | NUD_PROBE | NUD_PERMANENT)))
		return 0;
	for (struct rtattr *a = (struct rtattr *)((char *)nd + NLMSG_ALIGN(sizeof(*nd)));
	     RTA_OK(a, len); a = RTA_NEXT(a, len)) {
		if (a->rta_type == NDA_DST)
			dst = RTA_DATA(a);
		if (a->rta_type == NDA_LLADDR && RTA_PAYLOAD(a) == 6)
			ll = RTA_DATA(a);
	}
	if (!dst || !ll || memcmp(dst, hop->addr, hop->af == AF_INET ? 4 : 16))
		return 0;
	memcpy(hop->mac, ll, 6);
	hop->found = true;
	return 1;
}

int netinfo_gateway_mac(const char *ifname, const struct ipaddr *dst, uint8_t mac[6],
			struct errbuf *err)
{
	struct hop hop = { .af = dst->af, .ifindex = (int)if_nametoindex(ifname) };
	struct nl_req q = { 0 };
	char dbuf[64], gbuf[64];
	struct ipaddr gw;
	int alen = dst->af == AF_INET ? 4 : 16, r;

	if (!hop.ifindex)
		return errbuf_set(err, -ENODEV, "%s: no such interface", ifname);
	ipaddr_to_bytes(dst, hop.addr); /* on-link unless the route names a gateway */
	q.nh.nlmsg_len = NLMSG_LENGTH(sizeof(struct rtmsg));
	q.nh.nlmsg_type = RTM_GETROUTE;
	q.nh.nlmsg_flags = NLM_F_REQUEST;
	q.rt.rtm_family = dst->af;
	q.rt.rtm_dst_len = (unsigned char)(alen * 8);
	nl_attr(&q, RTA_DST, hop.addr, (size_t)alen);
	nl_attr(&q, RTA_OIF, &hop.ifindex, sizeof(hop.ifindex));
	if ((r = nl_talk(&q, on_route, &hop)) < 0)
		return errbuf_set(err, r, "%s: no route to %s: %s; add a route or set gateway_mac",
				  ifname, ipaddr_str(dst, dbuf, sizeof(dbuf)), strerror(-r));
	memset(&q, 0, sizeof(q));
	q.nh.nlmsg_len = NLMSG_LENGTH(sizeof(struct ndmsg));
	q.nh.nlmsg_type = RTM_GETNEIGH;
	q.nh.nlmsg_flags = NLM_F_REQUEST | NLM_F_DUMP;
	q.nd.ndm_family = dst->af;
	nl_talk(&q, on_neigh, &hop);
	ipaddr_from_bytes(&gw, dst->af, hop.addr);
	if (!hop.found)
		return errbuf_set(err, -EHOSTUNREACH,
				  "%s: no neighbour entry for gateway %s: ping it once, or set gateway_mac in [nic \"%s\"] or the job",
				  ifname, ipaddr_str(&gw, gbuf, sizeof(gbuf)), ifname);
	memcpy(mac, hop.mac, 6);
	return 0;
}

struct local_addr {
	uint8_t want[16];
	int alen;
	bool found;
};

/* One RTM_NEWADDR: its address is IFA_LOCAL when given (IPv4; IFA_ADDRESS
 * is then a point-to-point peer), else IFA_ADDRESS -- as getifaddrs reads it. */
static int on_addr(struct nlmsghdr *h, void *arg)
{
	struct local_addr *la = arg;
	struct ifaddrmsg *ifa = NLMSG_DATA(h);
	int len = (int)IFA_PAYLOAD(h);
	const void *local = NULL, *addr = NULL;
	if (h->nlmsg_type != RTM_NEWADDR)
		return 0;
	for (struct rtattr *a = IFA_RTA(ifa); RTA_OK(a, len); a = RTA_NEXT(a, len)) {
		if (a->rta_type == IFA_LOCAL && RTA_PAYLOAD(a) >= (size_t)la->alen)
			local = RTA_DATA(a);
		if (a->rta_type == IFA_ADDRESS && RTA_PAYLOAD(a) >= (size_t)la->alen)
			addr = RTA_DATA(a);
	}
	if (local ? !memcmp(local, la->want, (size_t)la->alen) : addr && !memcmp(addr, la->want, (size_t)la->alen))
		la->found = true;
	return 0; /* read the dump to its end */
}

int netinfo_addr_local(const struct ipaddr *a)
{
	struct local_addr la = { .alen = a->af == AF_INET ? 4 : 16 };
	struct nl_req q = { 0 };
	int r;
	ipaddr_to_bytes(a, la.want);
	q.nh.nlmsg_len = NLMSG_LENGTH(sizeof(struct ifaddrmsg));
	q.nh.nlmsg_type = RTM_GETADDR;
	q.nh.nlmsg_flags = NLM_F_REQUEST | NLM_F_DUMP;
	q.ifa.ifa_family = (unsigned char)a->af;
	if ((r = nl_talk(&q, on_addr, &la)) < 0 && r != -ENOENT)
		return r;
	return la.found;
}

bool netinfo_ena_channels_ok(const char *driver, unsigned combined, unsigned max_combined)
{
	return strcmp(driver, "ena") != 0 || max_combined == 0 || combined < max_combined;
}

int netinfo_ena_channels_check(const char *ifname, struct errbuf *err)
{
	struct ethtool_drvinfo info = { .cmd = ETHTOOL_GDRVINFO };
	struct ethtool_channels ch = { .cmd = ETHTOOL_GCHANNELS };
	struct ifreq ifr = { 0 };
	int fd = socket(AF_INET, SOCK_DGRAM | SOCK_CLOEXEC, 0), r = 0;
	if (fd < 0)
		return 0;
	snprintf(ifr.ifr_name, sizeof(ifr.ifr_name), "%s", ifname);
	ifr.ifr_data = (void *)&info;
	if (ioctl(fd, SIOCETHTOOL, &ifr) == 0) {
		ifr.ifr_data = (void *)&ch;
		if (ioctl(fd, SIOCETHTOOL, &ifr) == 0 &&
		    !netinfo_ena_channels_ok(info.driver, ch.combined_count, ch.max_combined))
			r = errbuf_set(err, -EBUSY,
				       "%s: ena needs free queue pairs for XDP but all %u combined channels are in use: ethtool -L %s combined %u",
				       ifname, ch.combined_count, ifname, MAX(ch.max_combined / 2, 1u));
	}
	close(fd);
	return r;
}

static FILE *open_at(const char *root, const char *rel)
{
	char path[512];
	snprintf(path, sizeof(path), "%s%s", root, rel);
	return fopen(path, "re");
}

bool netinfo_default_route_at(const char *root, const char *ifname)
{
	char line[256], ifn[64], dst[64], mask[64];
	bool found = false;
	FILE *f = open_at(root, "/proc/net/route");
	/* Iface Destination Gateway Flags RefCnt Use Metric Mask ... */
	while (f && !found && fgets(line, sizeof(line), f))
		found = sscanf(line, "%63s %63s %*s %*s %*s %*s %*s %63s", ifn, dst, mask) == 3 &&
			!strcmp(ifn, ifname) && !strcmp(dst, "00000000") && !strcmp(mask, "00000000");
	if (f)
		fclose(f);
	f = open_at(root, "/proc/net/ipv6_route");
	/* dst dst_len src src_len next_hop metric refcnt use flags iface */
	while (f && !found && fgets(line, sizeof(line), f))
		found = sscanf(line, "%63s %63s %*s %*s %*s %*s %*s %*s %*s %63s", dst, mask, ifn) == 3 &&
			!strcmp(ifn, ifname) && !strcmp(mask, "00") && strspn(dst, "0") == 32;
	if (f)
		fclose(f);
	return found;
}

/* Longest matching prefix in /proc/net/route (addresses printed as the
 * network-order word read in host order), lowest metric among equals. */
static int route4(const char *root, uint32_t dst_be, char *ifname, size_t len)
{
	char line[256], ifn[64];
	unsigned d, flags, metric, mask, best_metric = ~0u;
	int best_len = -1;
	FILE *f = open_at(root, "/proc/net/route");
	while (f && fgets(line, sizeof(line), f)) {
		if (sscanf(line, "%63s %x %*x %x %*d %*d %u %x", ifn, &d, &flags, &metric, &mask) != 5 ||
		    !(flags & 1) || (dst_be & mask) != d)
			continue;
		int plen = __builtin_popcount(mask);
		if (plen > best_len || (plen == best_len && metric < best_metric)) {
			best_len = plen;
			best_metric = metric;
			snprintf(ifname, len, "%s", ifn);
		}
	}
	if (f)
		fclose(f);
	return best_len < 0 ? -ENETUNREACH : 0;
}

static int route6(const char *root, const uint8_t dst[16], char *ifname, size_t len)
{
	char line[256], hex[33], ifn[64];
	unsigned plen, metric, flags, best_metric = ~0u;
	int best_len = -1;
	FILE *f = open_at(root, "/proc/net/ipv6_route");
	while (f && fgets(line, sizeof(line), f)) {
		uint8_t net[16];
		if (sscanf(line, "%32s %x %*s %*s %*s %x %*s %*s %x %63s", hex, &plen, &metric, &flags, ifn) != 5 ||
		    !(flags & 1) || (flags & 0x200) || plen > 128) /* RTF_UP; not RTF_REJECT */
			continue;
		for (int i = 0; i < 16; i++)
			sscanf(hex + 2 * i, "%2hhx", &net[i]);
		bool match = true;
		for (unsigned b = 0; b < plen && match; b++)
			match = ((net[b / 8] ^ dst[b / 8]) & (0x80 >> (b % 8))) == 0;
		if (match && ((int)plen > best_len || ((int)plen == best_len && metric < best_metric))) {
			best_len = (int)plen;
			best_metric = metric;
			snprintf(ifname, len, "%s", ifn);
		}
	}
	if (f)
		fclose(f);
	return best_len < 0 ? -ENETUNREACH : 0;
}

int netinfo_route_iface_at(const char *root, const struct ipaddr *dst, char *ifname, size_t len)
{
	uint8_t b[16];
	uint32_t be;
	ipaddr_to_bytes(dst, b);
	ifname[0] = '\0';
	if (dst->af == AF_INET6)
		return route6(root, b, ifname, len);
	memcpy(&be, b, 4);
	return route4(root, be, ifname, len);
}
