/* The host's control plane on an interface (see ctlplane.h): the devices
 * stacked on it from sysfs, sshd's ports from its own sockets, the routes
 * and sessions from procfs. */
#include "ctlplane.h"
#include "hostnet.h"
#include "netinfo.h"

#include <ctype.h>
#include <dirent.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#define MAX_INODES 4096
#define SSH_PORT 22

static int find(const struct ctlplane_stack *st, const char *name)
{
	for (unsigned i = 0; i < st->n; i++)
		if (!strcmp(st->names[i], name))
			return (int)i;
	return -1;
}

static void add(struct ctlplane_stack *st, const char *name, int below)
{
	if (st->n == CTLPLANE_MAX_DEVS || !name[0] || strlen(name) >= IFNAMSIZ || find(st, name) >= 0)
		return;
	snprintf(st->names[st->n], IFNAMSIZ, "%s", name);
	st->below[st->n++] = below;
}

/* The devices directly on top of st->names[i]: its master (bond, bridge)
 * and every upper_NAME (the master again, VLANs, macvlans). */
static void uppers(const char *root, struct ctlplane_stack *st, unsigned i)
{
	char dir[512], link[512];
	struct dirent *de;
	snprintf(dir, sizeof(dir), "%s/sys/class/net/%s/master", root, st->names[i]);
	ssize_t n = readlink(dir, link, sizeof(link) - 1);
	if (n > 0) {
		link[n] = '\0';
		add(st, strrchr(link, '/') ? strrchr(link, '/') + 1 : link, (int)i);
	}
	snprintf(dir, sizeof(dir), "%s/sys/class/net/%s", root, st->names[i]);
	DIR *d = opendir(dir);
	while (d && (de = readdir(d)))
		if (!strncmp(de->d_name, "upper_", 6))
			add(st, de->d_name + 6, (int)i);
	if (d)
		closedir(d);
}

void ctlplane_stack(const char *root, const char *ifname, struct ctlplane_stack *st)
{
	st->n = 0;
	add(st, ifname, -1);
	for (unsigned i = 0; i < st->n; i++) /* breadth first: st->n grows */
		uppers(root, st, i);
}

/* "bridge", "bond", "vlan" from the device's uevent DEVTYPE, else "device". */
static void kind(const char *root, const char *dev, char *buf, size_t len)
{
	char path[512], line[128];
	snprintf(buf, len, "device");
	snprintf(path, sizeof(path), "%s/sys/class/net/%s/uevent", root, dev);
	FILE *f = fopen(path, "re");
	while (f && fgets(line, sizeof(line), f))
		if (!strncmp(line, "DEVTYPE=", 8)) {
			line[strcspn(line, "\n")] = '\0';
			snprintf(buf, len, "%s", !strcmp(line + 8, "vlan") ? "VLAN" : line + 8);
		}
	if (f)
		fclose(f);
}

/* " through br0 (a bridge over eth1)" for a device stacked on ifname, "" for ifname. */
static void via(const char *root, const struct ctlplane_stack *st, unsigned i, char *buf, size_t len)
{
	char k[32];
	buf[0] = '\0';
	if (st->below[i] < 0)
		return;
	kind(root, st->names[i], k, sizeof(k));
	snprintf(buf, len, " through %s (a %s over %s)", st->names[i], k, st->names[st->below[i]]);
}

struct inodes {
	unsigned long *v;
	size_t n, cap;
	bool seen; /* some sshd's fds could be read */
};

static void fd_inodes(const char *root, const char *pid, struct inodes *in)
{
	char dir[512], path[600], link[64];
	struct dirent *de;
	unsigned long ino;
	snprintf(dir, sizeof(dir), "%s/proc/%s/fd", root, pid);
	DIR *d = opendir(dir);
	if (!d)
		return; /* another user's process, without the rights to read it */
	in->seen = true;
	while ((de = readdir(d)) && in->n < MAX_INODES) {
		snprintf(path, sizeof(path), "%s/%s", dir, de->d_name);
		ssize_t n = readlink(path, link, sizeof(link) - 1);
		if (n <= 0)
			continue;
		link[n] = '\0';
		if (sscanf(link, "socket:[%lu]", &ino) != 1)
			continue;
		if (in->n == in->cap) {
			size_t cap = in->cap ? in->cap * 2 : 64;
			unsigned long *v = realloc(in->v, cap * sizeof(*v));
			if (!v)
				break;
			in->v = v;
			in->cap = cap;
		}
		in->v[in->n++] = ino;
	}
	closedir(d);
}

/* The socket inodes of every process whose name starts with "sshd" (sshd,
 * and OpenSSH 9.8's sshd-session and sshd-auth). */
static void sshd_inodes(const char *root, struct inodes *in)
{
	char dir[512], path[600], comm[64];
	struct dirent *de;
	snprintf(dir, sizeof(dir), "%s/proc", root);
	DIR *d = opendir(dir);
	while (d && (de = readdir(d))) {
		if (!isdigit((unsigned char)de->d_name[0]))
			continue;
		snprintf(path, sizeof(path), "%s/%s/comm", dir, de->d_name);
		FILE *f = fopen(path, "re");
		bool sshd = f && fgets(comm, sizeof(comm), f) && !strncmp(comm, "sshd", 4);
		if (f)
			fclose(f);
		if (sshd)
			fd_inodes(root, de->d_name, in);
	}
	if (d)
		closedir(d);
}

static bool has_inode(const struct inodes *in, unsigned long ino)
{
	for (size_t i = 0; ino && i < in->n; i++)
		if (in->v[i] == ino)
			return true;
	return false;
}

struct ports {
	const struct inodes *in;
	uint16_t *v;
	unsigned n, max;
};

static int sshd_listener(const struct tcp_row *r, void *arg)
{
	struct ports *p = arg;
	bool dup = false;
	if (r->state != TCP_LISTEN_ST || !has_inode(p->in, r->inode))
		return 0;
	for (unsigned i = 0; i < p->n; i++)
		dup |= p->v[i] == r->lport;
	if (!dup && p->n < p->max)
		p->v[p->n++] = r->lport;
	return 0;
}

static unsigned ports_of(const char *root, const struct inodes *in, uint16_t *ports, unsigned max)
{
	char proc_net[512];
	struct ports p = { in, ports, 0, max };
	snprintf(proc_net, sizeof(proc_net), "%s/proc/net", root);
	if (in->seen)
		hostnet_tcp_each(proc_net, sshd_listener, &p);
	if (!p.n && max) /* no sshd to read (or none listening here): the standard port */
		ports[p.n++] = SSH_PORT;
	return p.n;
}

unsigned ctlplane_sshd_ports(const char *root, uint16_t *ports, unsigned max)
{
	struct inodes in = { 0 };
	sshd_inodes(root, &in);
	unsigned n = ports_of(root, &in, ports, max);
	free(in.v);
	return n;
}

struct session_q {
	const char *root;
	const struct ctlplane_stack *st;
	const struct inodes *in;
	const uint16_t *ports;
	unsigned nports;
	char *why;
	size_t len;
};

/* An established session of sshd's whose peer is routed through a device of the stack. */
static int ssh_session(const struct tcp_row *r, void *arg)
{
	struct session_q *q = arg;
	char dev[IFNAMSIZ], peer[64], through[128];
	bool ours = has_inode(q->in, r->inode);
	int i;
	for (unsigned k = 0; k < q->nports && !ours; k++)
		ours = r->lport == q->ports[k];
	if (r->state != TCP_ESTABLISHED_ST || !ours ||
	    netinfo_route_iface_at(q->root, &r->remote, dev, sizeof(dev)) < 0 || (i = find(q->st, dev)) < 0)
		return 0;
	via(q->root, q->st, (unsigned)i, through, sizeof(through));
	snprintf(q->why, q->len, "the SSH session from %s on port %u%s", ipaddr_str(&r->remote, peer, sizeof(peer)),
		 r->lport, through);
	return 1;
}

bool ctlplane_carries(const char *root, const char *ifname, char *why, size_t len)
{
	struct ctlplane_stack st;
	struct inodes in = { 0 };
	uint16_t ports[16];
	char through[128], proc_net[512];
	ctlplane_stack(root, ifname, &st);
	for (unsigned i = 0; i < st.n; i++)
		if (netinfo_default_route_at(root, st.names[i])) {
			via(root, &st, i, through, sizeof(through));
			snprintf(why, len, "the default route%s", through);
			return true;
		}
	sshd_inodes(root, &in);
	struct session_q q = { root, &st, &in, ports, ports_of(root, &in, ports, 16), why, len };
	snprintf(proc_net, sizeof(proc_net), "%s/proc/net", root);
	bool found = hostnet_tcp_each(proc_net, ssh_session, &q) == 1;
	free(in.v);
	return found;
}

int ctlplane_check(const char *ifname, const char *nic, bool ok, const char *consequence,
		   struct errbuf *err)
{
	char why[256];
	if (ok || !ifname[0] || !ctlplane_carries("", ifname, why, sizeof(why)))
		return 0;
	return errbuf_set(err, -EPERM,
			  "%s carries %s: %s; use another NIC or set control_plane_ok = true in [nic \"%s\"]",
			  ifname, why, consequence, nic);
}
