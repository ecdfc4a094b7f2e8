/* Atomic state-file writes and bounded reads (see statefile.h). */
#include "statefile.h"
#include "common.h"

#include <errno.h>
#include <stdbool.h>
#include <fcntl.h>
#include <libgen.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

static int write_all(int fd, const char *p, size_t len)
{
	while (len) {
		ssize_t n = write(fd, p, len);
		if (n < 0) {
			if (errno == EINTR)
				continue;
			return -errno;
		}
		p += n;
		len -= (size_t)n;
	}
	return 0;
}

static int fsync_dir_of(const char *path)
{
	char dir[4096];
	snprintf(dir, sizeof(dir), "%s", path);
	return statefile_sync_dir(dirname(dir));
}

int statefile_sync_dir(const char *dir)
{
	int fd = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (fd < 0)
		return -errno;
	int r = fsync(fd) < 0 ? -errno : 0;
	close(fd);
	return r;
}

int statefile_write(const char *path, const char *data, size_t len)
{
	int r = statefile_write_nodir(path, data, len);
	return r < 0 ? r : fsync_dir_of(path);
}

/* tmp, (fsync,) rename: readers see the old or the new file, never a part. */
static int replace(const char *path, const char *data, size_t len, bool sync)
{
	char tmp[4096];
	int fd, r;

	if (snprintf(tmp, sizeof(tmp), "%s.tmp", path) >= (int)sizeof(tmp))
		return -ENAMETOOLONG;
	fd = open(tmp, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0640);
	if (fd < 0)
		return -errno;
	r = write_all(fd, data, len);
	if (r == 0 && sync && fsync(fd) < 0)
		r = -errno;
	if (close(fd) < 0 && r == 0)
		r = -errno;
	if (r == 0 && rename(tmp, path) < 0)
		r = -errno;
	if (r < 0)
		unlink(tmp);
	return r;
}

int statefile_write_nodir(const char *path, const char *data, size_t len)
{
	return replace(path, data, len, true);
}

int statefile_replace(const char *path, const char *data, size_t len)
{
	return replace(path, data, len, false);
}

/* Reads fd to its end (files in /proc report size 0: no st_size); more
 * than max bytes is -EFBIG, a read error -errno (never a short read). */
static int read_fd(int fd, size_t max, char **out, size_t *len)
{
	size_t cap = 4096, got = 0;
	char *buf = malloc(cap + 1), *nb;
	if (!buf)
		return -ENOMEM;
	for (;;) {
		if (got == cap) {
			cap = MIN(cap * 2, max + 1);
			if (got == cap || !(nb = realloc(buf, cap + 1))) {
				free(buf);
				return got == cap ? -EFBIG : -ENOMEM;
			}
			buf = nb;
		}
		ssize_t n = read(fd, buf + got, cap - got);
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0) {
			int r = -errno;
			free(buf);
			return r;
		}
		if (n == 0)
			break;
		got += (size_t)n;
		if (got > max) {
			free(buf);
			return -EFBIG;
		}
	}
	buf[got] = '\0';
	*out = buf;
	if (len)
		*len = got;
	return 0;
}

static int read_path(const char *path, int flags, bool regular, size_t max, char **out, size_t *len)
{
	struct stat st;
	int fd = open(path, O_RDONLY | O_CLOEXEC | O_NOCTTY | flags), r;
	if (fd < 0)
		return -errno;
	if (fstat(fd, &st) < 0)
		r = -errno;
	else if (regular && !S_ISREG(st.st_mode))
		r = -EINVAL;
	else if (regular && (uint64_t)st.st_size > max)
		r = -EFBIG;
	else
		r = read_fd(fd, max, out, len);
	close(fd);
	return r;
}

int statefile_read(const char *path, size_t max, char **out, size_t *len)
{
	return read_path(path, 0, false, max, out, len);
}

int statefile_read_regular(const char *path, size_t max, char **out, size_t *len)
{
	/* O_NONBLOCK: opening a FIFO nobody writes returns at once (then refused) */
	return read_path(path, O_NOFOLLOW | O_NONBLOCK, true, max, out, len);
}

int statefile_mkdirs(const char *path, unsigned mode)
{
	char p[4096];
	snprintf(p, sizeof(p), "%s", path);
	for (char *s = p + 1; *s; s++) {
		if (*s != '/')
			continue;
		*s = '\0';
		if (mkdir(p, mode) < 0 && errno != EEXIST)
			return -errno;
		*s = '/';
	}
	if (mkdir(p, mode) < 0 && errno != EEXIST)
		return -errno;
	return 0;
}
