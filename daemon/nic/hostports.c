/* Source-port reservations (see hostports.h). */
#include "hostports.h"
#include "common.h"
#include "log.h"
#include "parse.h"
#include "statefile.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#define SYSCTL_DEFAULT "/proc/sys/net/ipv4/ip_local_reserved_ports"
#define BIT(b, p) ((b)[(p) >> 3] & (1u << ((p) & 7)))
#define SET(b, p) ((b)[(p) >> 3] |= (uint8_t)(1u << ((p) & 7)))
#define CLR(b, p) ((b)[(p) >> 3] &= (uint8_t) ~(1u << ((p) & 7)))

int hostports_parse(const char *s, uint8_t *bits)
{
	char *copy = strdup(s), *save = NULL;
	int r = copy ? 0 : -ENOMEM;
	memset(bits, 0, 65536 / 8);
	for (char *t = copy ? strtok_r(copy, ",\n ", &save) : NULL; t && r == 0;
	     t = strtok_r(NULL, ",\n ", &save)) {
		uint16_t lo = 0, n = 0;
		if (strcmp(t, "0") == 0) /* what the kernel shows when nothing is reserved */
			continue;
		if (port_range_parse(t, &lo, &n) < 0)
			r = -EINVAL;
		for (unsigned p = lo; r == 0 && p < (unsigned)lo + n; p++)
			SET(bits, p);
	}
	free(copy);
	return r;
}

char *hostports_format(const uint8_t *bits)
{
	char *buf = NULL;
	size_t len = 0;
	bool first = true;
	FILE *f = open_memstream(&buf, &len);
	if (!f)
		return NULL;
	for (unsigned p = 1; p < 65536; p++) {
		unsigned e = p;
		if (!BIT(bits, p))
			continue;
		while (e + 1 < 65536 && BIT(bits, e + 1))
			e++;
		fprintf(f, first ? "%u" : ",%u", p);
		first = false;
		if (e > p)
			fprintf(f, "-%u", e);
		p = e;
	}
	fclose(f);
	return buf;
}

#define SYSCTL_MAX (512u << 10) /* every other port listed: ~200 KiB */

/* The sysctl prints the whole list into the buffer of the first read() and
 * then says EOF: a read() of a page would cut the list (and a number) off.
 * So one read() into a buffer larger than any list. */
static int sysctl_read(const char *path, char **text)
{
	char *buf = malloc(SYSCTL_MAX + 1);
	int fd = open(path, O_RDONLY | O_CLOEXEC), r = 0;
	ssize_t n = -1;
	if (!buf || fd < 0)
		r = !buf ? -ENOMEM : -errno;
	while (r == 0 && (n = read(fd, buf, SYSCTL_MAX + 1)) < 0 && errno == EINTR)
		;
	if (r == 0 && n < 0)
		r = -errno;
	else if (r == 0 && n > (ssize_t)SYSCTL_MAX)
		r = -EFBIG;
	if (fd >= 0)
		close(fd);
	if (r < 0) {
		free(buf);
		return r;
	}
	buf[n] = '\0';
	*text = buf;
	return 0;
}

/* The record (a file of scand's) or the sysctl into a port bitmap. */
static int read_bits(const char *path, uint8_t *bits, bool sysctl)
{
	char *text;
	int r = sysctl ? sysctl_read(path, &text) : statefile_read(path, 1 << 20, &text, NULL);
	if (r < 0)
		return r;
	r = hostports_parse(text, bits);
	free(text);
	return r;
}

/* The sysctl parses each write() on its own (a list cut by stdio's buffer
 * would lose the number at the cut), and takes at most a page per write(),
 * ending at a whole number; a later write() at that offset continues the list
 * (the kernel ORs it in). So: one write() of the whole text, and for a list
 * longer than a page the rest from where the kernel stopped. */
static int sysctl_write(const char *path, const char *text)
{
	size_t len = strlen(text), off = 0;
	int fd = open(path, O_WRONLY | O_TRUNC | O_CLOEXEC), r = 0; /* O_TRUNC: tests use a file */
	if (fd < 0)
		return -errno;
	while (off < len && r == 0) {
		ssize_t n = write(fd, text + off, len - off);
		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0)
			r = n < 0 ? -errno : -EIO;
		else
			off += (size_t)n;
	}
	if (close(fd) < 0 && r == 0)
		r = -errno;
	return r;
}

/* Writes bits to path: the record atomically, the sysctl with a newline
 * (an empty list clears it). */
static int write_bits(const char *path, const uint8_t *bits, bool atomic)
{
	char *text = hostports_format(bits), *line = NULL;
	int r = text ? 0 : -ENOMEM;
	if (r == 0 && atomic) /* the record: a reboot clears the sysctl too, no fsync */
		r = statefile_replace(path, text, strlen(text));
	else if (r == 0)
		r = asprintf(&line, "%s\n", text) < 0 ? -ENOMEM : sysctl_write(path, line);
	free(line);
	free(text);
	return r;
}

/* Records what scand added, so a crash of scand cannot leave it reserved for
 * good. Not fsync'ed: the reservation lives in the kernel, which a power
 * loss resets as well; only scand's own crash must find the record. */
static int record(struct hostports *hp)
{
	for (size_t i = 0; i < sizeof(hp->added); i++)
		if (hp->added[i])
			return write_bits(hp->record, hp->added, true);
	return unlink(hp->record) < 0 && errno != ENOENT ? -errno : 0;
}

int hostports_init(struct hostports *hp, const char *state_dir, const char *sysctl)
{
	uint8_t cur[65536 / 8];
	int r;
	memset(hp, 0, sizeof(*hp));
	snprintf(hp->sysctl, sizeof(hp->sysctl), "%s", sysctl ? sysctl : SYSCTL_DEFAULT);
	snprintf(hp->record, sizeof(hp->record), "%s/reserved_ports", state_dir);
	if ((r = read_bits(hp->record, hp->added, false)) == -ENOENT)
		return 0;
	if (r == 0 && (r = read_bits(hp->sysctl, cur, true)) == 0) {
		for (unsigned p = 0; p < 65536; p++)
			if (BIT(hp->added, p))
				CLR(cur, p);
		r = write_bits(hp->sysctl, cur, false);
	}
	if (r < 0)
		return log_errno(r, "cannot give back the source ports a previous scand reserved (%s, listed in %s)",
				 hp->sysctl, hp->record);
	log_info("gave back the source ports a previous scand had reserved in %s", hp->sysctl);
	memset(hp->added, 0, sizeof(hp->added));
	return record(hp);
}

int hostports_reserve(struct hostports *hp, const char *owner, uint16_t lo, uint16_t n)
{
	uint8_t cur[65536 / 8];
	int r;
	if (hp->n == HOSTPORTS_MAX)
		return -ENOSPC;
	if ((r = read_bits(hp->sysctl, cur, true)) < 0)
		return r;
	for (unsigned p = lo; p < (unsigned)lo + n; p++)
		if (!BIT(cur, p)) {
			SET(cur, p);
			SET(hp->added, p);
		}
	if ((r = record(hp)) < 0 || (r = write_bits(hp->sysctl, cur, false)) < 0)
		return r;
	snprintf(hp->r[hp->n].owner, sizeof(hp->r[0].owner), "%s", owner);
	hp->r[hp->n].lo = lo;
	hp->r[hp->n++].n = n;
	return 0;
}

static bool held_by_other(const struct hostports *hp, unsigned port)
{
	for (unsigned i = 0; i < hp->n; i++)
		if (port >= hp->r[i].lo && port < (unsigned)hp->r[i].lo + hp->r[i].n)
			return true;
	return false;
}

void hostports_release(struct hostports *hp, const char *owner)
{
	uint8_t cur[65536 / 8];
	unsigned lo = 0, n = 0;
	int r;
	for (unsigned i = 0; i < hp->n; i++)
		if (!strcmp(hp->r[i].owner, owner)) {
			lo = hp->r[i].lo;
			n = hp->r[i].n;
			hp->r[i] = hp->r[--hp->n];
			break;
		}
	if (!n)
		return;
	if ((r = read_bits(hp->sysctl, cur, true)) == 0) {
		for (unsigned p = lo; p < lo + n; p++)
			if (BIT(hp->added, p) && !held_by_other(hp, p))
				CLR(cur, p);
		r = write_bits(hp->sysctl, cur, false);
	}
	for (unsigned p = lo; r == 0 && p < lo + n; p++) /* the record keeps what stays */
		if (!BIT(cur, p))
			CLR(hp->added, p);
	if (r == 0)
		r = record(hp);
	if (r < 0)
		log_errno(r, "cannot give back source ports %u-%u in %s", lo, lo + n - 1, hp->sysctl);
}
