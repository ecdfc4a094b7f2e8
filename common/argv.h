/* A shell-like word splitter for argument strings in the config ([dpdk]
 * eal_args): blanks separate words, '...' is literal, "..." honours \" and
 * \\, a backslash outside quotes escapes the next character. */
#pragma once
#include "common.h"

#define ARGV_MAX_WORDS 64

struct argv_buf {
	char *buf;	/* word storage */
	size_t cap;
	char **argv;	/* gets the words, NULL-terminated */
	int max;	/* most words argv may take (it holds max + 1 pointers) */
};

/* Splits s into out; returns the word count, or -EINVAL with why naming the
 * problem, prefixed by what ("[dpdk] eal_args"). */
int argv_split(const char *s, const char *what, const struct argv_buf *out, struct errbuf *why);
