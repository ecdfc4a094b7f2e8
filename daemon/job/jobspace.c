/* A job's index space from its spec (see jobspec.h, jobspec_build_space):
 * targets and ports parsed, the config's and the job's blocklists
 * subtracted, the [scan] allow list enforced. */
#include "jobspec.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>

static int outside_allow(const struct range_set *t, const struct range_set *allow,
			 struct job_error *err, const char *allow_text)
{
	u128 out;
	char buf[64];
	struct ipaddr a;
	if (ranges_covers(allow, t, &out))
		return 0;
	a.af = t->af;
	a.v = out;
	return job_error_set(err, JOB_ERR_INVALID, "targets",
			     "%s is outside the allowed ranges ([scan] allow = %.200s); scan only inside them",
			     ipaddr_str(&a, buf, sizeof(buf)), allow_text);
}

int jobspec_ports(const struct job_spec *s, struct port_list *ports, struct errbuf *e)
{
	if (s->ports)
		return ports_parse(s->ports, ports, e);
	if (!(ports->port = calloc(1, sizeof(*ports->port))))
		return errbuf_set(e, -ENOMEM, "out of memory");
	ports->n = 1;
	return 0;
}

/* block := the config blocklist + the job's own blocklist, normalized. */
static int combined_blocklist(const struct job_spec *s, const struct cidr_list *config_blocklist,
			      struct cidr_list *block, struct job_error *err)
{
	const struct cidr_list *c = config_blocklist;
	struct errbuf e;
	int r = 0;
	for (size_t i = 0; c && r == 0 && i < c->v4.n; i++)
		r = ranges_add(&block->v4, c->v4.r[i].lo, c->v4.r[i].hi);
	for (size_t i = 0; c && r == 0 && i < c->v6.n; i++)
		r = ranges_add(&block->v6, c->v6.r[i].lo, c->v6.r[i].hi);
	if (r < 0)
		return job_error_set(err, JOB_ERR_INTERNAL, "blocklist", "out of memory building the blocklist");
	for (size_t i = 0; i < s->nblocklist; i++) {
		if ((r = cidr_list_add(block, s->blocklist[i], &e)) < 0) {
			char f[32];
			snprintf(f, sizeof(f), "blocklist[%zu]", i);
			return job_error_set(err, r == -ENOMEM ? JOB_ERR_INTERNAL : JOB_ERR_INVALID, f,
					     "%s: %s", f, e.msg);
		}
	}
	cidr_list_normalize(block);
	return 0;
}

int jobspec_build_space(const struct job_spec *s, const struct config *cfg,
			const struct cidr_list *config_blocklist, const struct cidr_list *allow,
			struct space *out, struct job_error *err)
{
	struct range_set v4, v6;
	struct port_list ports = { 0 };
	struct cidr_list block;
	struct errbuf e;
	int r;

	memset(out, 0, sizeof(*out));
	ranges_init(&v4, AF_INET);
	ranges_init(&v6, AF_INET6);
	cidr_list_init(&block);
	r = targets_parse((const char *const *)s->targets, s->ntargets, cfg->max_targets_len, 0, &v4, &v6, &e);
	if (r < 0) {
		job_error_set(err, JOB_ERR_INVALID, "targets", "%s", e.msg);
		goto out;
	}
	if (allow && (allow->v4.n || allow->v6.n) &&
	    ((r = outside_allow(&v4, &allow->v4, err, cfg->allow)) < 0 ||
	     (r = outside_allow(&v6, &allow->v6, err, cfg->allow)) < 0))
		goto out;
	if ((r = jobspec_ports(s, &ports, &e)) < 0) {
		job_error_set(err, r == -ENOMEM ? JOB_ERR_INTERNAL : JOB_ERR_INVALID, "ports", "%s", e.msg);
		goto out;
	}
	if ((r = combined_blocklist(s, config_blocklist, &block, err)) < 0)
		goto out;
	if ((r = space_build(out, &v4, &v6, &ports, &block, &e)) < 0)
		job_error_set(err, r == -ENOMEM ? JOB_ERR_INTERNAL : JOB_ERR_INVALID, "targets", "%s", e.msg);
out:
	if (r < 0)
		space_free(out);
	ranges_free(&v4);
	ranges_free(&v6);
	ports_free(&ports);
	cidr_list_free(&block);
	return r < 0 ? r : 0;
}
