/* UTF-8 checks for text that crosses the control socket: every request must
 * be valid UTF-8, and every response is made so (a message cut at a byte
 * limit could otherwise end in half a character). */
#pragma once
#include <stdbool.h>
#include <stddef.h>

/* True when s[0..len) is valid UTF-8 without NUL bytes. */
bool utf8_valid(const char *s, size_t len);
/* Makes the string s valid UTF-8 in place: a trailing incomplete character
 * is cut off, any other invalid byte becomes '?'. */
void utf8_sanitize(char *s);
