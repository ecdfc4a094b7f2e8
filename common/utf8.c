/* UTF-8 (see utf8.h). */
#include "utf8.h"

#include <string.h>

/* Length of the valid character at p (at most end - p bytes), 0 if none. */
static size_t char_len(const unsigned char *p, const unsigned char *end)
{
	unsigned c = *p, n, min;
	if (c == 0)
		return 0;
	if (c < 0x80)
		return 1;
	if ((c & 0xe0) == 0xc0)
		n = 1, min = 0x80, c &= 0x1f;
	else if ((c & 0xf0) == 0xe0)
		n = 2, min = 0x800, c &= 0x0f;
	else if ((c & 0xf8) == 0xf0)
		n = 3, min = 0x10000, c &= 0x07;
	else
		return 0;
	if ((size_t)(end - p - 1) < n)
		return 0;
	for (unsigned i = 1; i <= n; i++) {
		if ((p[i] & 0xc0) != 0x80)
			return 0;
		c = (c << 6) | (p[i] & 0x3f);
	}
	if (c < min || c > 0x10ffff || (c >= 0xd800 && c <= 0xdfff))
		return 0;
	return n + 1;
}

bool utf8_valid(const char *s, size_t len)
{
	const unsigned char *p = (const unsigned char *)s, *end = p + len;
	while (p < end) {
		size_t n = char_len(p, end);
		if (!n)
			return false;
		p += n;
	}
	return true;
}

/* True when p starts a character that end cuts short (a limit cut it). */
static bool truncated(const unsigned char *p, const unsigned char *end)
{
	unsigned c = *p, n = (c & 0xe0) == 0xc0 ? 1 : (c & 0xf0) == 0xe0 ? 2 : (c & 0xf8) == 0xf0 ? 3 : 0;
	if (!n || (size_t)(end - p - 1) >= n)
		return false;
	for (const unsigned char *q = p + 1; q < end; q++)
		if ((*q & 0xc0) != 0x80)
			return false;
	return true;
}

void utf8_sanitize(char *s)
{
	unsigned char *p = (unsigned char *)s, *end = p + strlen(s);
	while (p < end) {
		size_t n = char_len(p, end);
		if (n) {
			p += n;
		} else if (truncated(p, end)) {
			*p = '\0';
			return;
		} else {
			*p++ = '?';
		}
	}
}
