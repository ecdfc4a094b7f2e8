/* Durable state files: atomic replace (tmp + fsync + rename + dir fsync)
 * and whole-file reads with a size cap. */
#pragma once
#include <stddef.h>

/* Writes data to path atomically (tmp, fsync, rename, fsync of the
 * directory). -errno. */
int statefile_write(const char *path, const char *data, size_t len);
/* The same without the directory's fsync: for several files of one
 * directory, followed by one statefile_sync_dir(). */
int statefile_write_nodir(const char *path, const char *data, size_t len);
int statefile_sync_dir(const char *dir);
/* Atomic replace without any fsync: for state that must survive scand's
 * crash but not the machine's (the page cache keeps it; what it describes,
 * e.g. a sysctl, does not outlive a reboot either). -errno. */
int statefile_replace(const char *path, const char *data, size_t len);
/* Reads the whole file (at most max bytes; /proc files too); *out is
 * malloc'd and NUL-terminated. -errno, -EFBIG when it is larger than max. */
int statefile_read(const char *path, size_t max, char **out, size_t *len);
/* The same for a file named by someone else: refuses symlinks (-ELOOP),
 * anything but a regular file (-EINVAL, never blocking on a FIFO or device)
 * and files larger than max (-EFBIG). */
int statefile_read_regular(const char *path, size_t max, char **out, size_t *len);
/* mkdir -p with mode. -errno. */
int statefile_mkdirs(const char *path, unsigned mode);
