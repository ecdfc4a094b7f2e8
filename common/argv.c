/* Word splitter (see argv.h). */
#include "argv.h"

#include <errno.h>
#include <string.h>

struct split {
	const struct argv_buf *o;
	const char *what, *all;
	size_t len;
	int n;
};

static bool blank(char c)
{
	return c == ' ' || c == '\t' || c == '\n';
}

/* Appends one character of the current word. */
static int put(struct split *sp, char c, struct errbuf *why)
{
	if (sp->len + 1 >= sp->o->cap)
		return errbuf_set(why, -EINVAL, "%s: longer than %zu characters", sp->what,
				  sp->o->cap - 1);
	sp->o->buf[sp->len++] = c;
	return 0;
}

/* Reads one quoted part starting at the quote *s; *s ends after the closing quote. */
static int read_quoted(struct split *sp, const char **s, struct errbuf *why)
{
	const char *p = *s, *open = p++;
	char q = *open;
	int r;
	while (*p && *p != q) {
		if (q == '"' && *p == '\\' && (p[1] == '"' || p[1] == '\\'))
			p++;
		if ((r = put(sp, *p++, why)) < 0)
			return r;
	}
	if (!*p)
		return errbuf_set(why, -EINVAL, "%s: unterminated %c quote at position %td; close it",
				  sp->what, q, open - sp->all + 1);
	*s = p + 1;
	return 0;
}

/* Reads one word starting at *s; *s ends after it. */
static int read_word(struct split *sp, const char **s, struct errbuf *why)
{
	const char *p = *s;
	size_t start = sp->len;
	int r;
	if (sp->n >= sp->o->max)
		return errbuf_set(why, -EINVAL, "%s: more than %d words", sp->what, sp->o->max);
	while (*p && !blank(*p)) {
		if (*p == '\'' || *p == '"') {
			if ((r = read_quoted(sp, &p, why)) < 0)
				return r;
			continue;
		}
		if (*p == '\\' && p[1])
			p++;
		if ((r = put(sp, *p++, why)) < 0)
			return r;
	}
	if ((r = put(sp, '\0', why)) < 0)
		return r;
	sp->o->argv[sp->n++] = sp->o->buf + start;
	*s = p;
	return 0;
}

int argv_split(const char *s, const char *what, const struct argv_buf *out, struct errbuf *why)
{
	struct split sp = { .o = out, .what = what, .all = s ? s : "" };
	int r;
	for (s = sp.all; *s;) {
		if (blank(*s)) {
			s++;
			continue;
		}
		if ((r = read_word(&sp, &s, why)) < 0)
			return r;
	}
	out->argv[sp.n] = NULL;
	return sp.n;
}
