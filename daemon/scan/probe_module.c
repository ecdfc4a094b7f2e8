/* The probe module registry and a job's "probe" arguments (see
 * probe_module.h). */
#include "probe_module.h"

#include <errno.h>
#include <netinet/in.h>
#include <string.h>

static const struct probe_module *const modules[PROBE_NMODULES] = {
	[PROBE_TCP_SYN] = &probe_tcp_syn,
	[PROBE_ICMP_ECHO] = &probe_icmp_echo,
	[PROBE_UDP] = &probe_udp,
};

const struct probe_module *probe_module_get(enum probe_module_id id)
{
	return (unsigned)id < PROBE_NMODULES ? modules[id] : NULL;
}

const struct probe_module *probe_module_find(const char *name)
{
	for (unsigned i = 0; i < PROBE_NMODULES; i++)
		if (strcmp(modules[i]->name, name) == 0)
			return modules[i];
	return NULL;
}

const char *probe_module_names(void)
{
	return "tcp_syn, icmp_echo, udp";
}

void probe_args_init(struct probe_args *a, const struct probe_module *mod)
{
	memset(a, 0, sizeof(*a));
	a->mod = mod;
	a->tcp_options = TCP_SMALLEST;
}

/* "options (e.g. \"linux\"), payload (...)" or "none". */
static void field_list(const struct probe_module *m, char *buf, size_t len)
{
	size_t off = 0;
	buf[0] = '\0';
	for (unsigned i = 0; i < m->nfields && off < len; i++)
		off += (size_t)snprintf(buf + off, len - off, "%s%s (e.g. %s)", i ? ", " : "",
					m->fields[i].name, m->fields[i].example);
	if (!m->nfields)
		snprintf(buf, len, "none");
}

int probe_args_field(struct probe_args *a, const char *name, const char *value, struct errbuf *err)
{
	char list[256];
	for (unsigned i = 0; i < a->mod->nfields; i++)
		if (strcmp(a->mod->fields[i].name, name) == 0)
			return a->mod->fields[i].parse(a, value, err);
	field_list(a->mod, list, sizeof(list));
	return errbuf_set(err, -EINVAL, "probe module %s has no field \"%.40s\"; its fields: %s",
			  a->mod->name, name, list);
}

int probe_args_finish(struct probe_args *a, struct errbuf *err)
{
	return a->mod->finish ? a->mod->finish(a, err) : 0;
}

void probe_args_free(struct probe_args *a)
{
	udp_payload_set_free(a->payloads);
	a->payloads = NULL;
}

void probe_rx_match(const struct probe_args *a, const struct validator *v,
		    struct probe_rx_match *m)
{
	memset(m, 0, sizeof(*m));
	m->proto = a->mod->rx_proto;
	if (m->proto == IPPROTO_ICMP) {
		icmp_echo_ids(v, &m->lo, &m->tag);
		m->hi = m->lo;
		return;
	}
	m->lo = v->sport_lo;
	m->hi = (uint16_t)(v->sport_lo + v->sport_n - 1);
}
