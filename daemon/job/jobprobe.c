/* "probe" and "record" of a job spec (see jobprobe.h). */
#include "jobprobe.h"
#include "output.h"

#include <errno.h>
#include <string.h>

static void status_list(uint8_t mask, char *buf, size_t len)
{
	size_t off = 0;
	buf[0] = '\0';
	for (uint8_t st = 1; st < REPLY_NSTATUS && off < len; st++)
		if (mask & (1u << st))
			off += (size_t)snprintf(buf + off, len - off, "%s%s", off ? ", " : "",
						reply_status_name(st));
}

/* The module named by "probe" (a string or {"module": ...}). */
static int probe_module_of(const cJSON *v, const struct probe_module **m, struct job_error *err)
{
	const cJSON *name = cJSON_IsObject(v) ? cJSON_GetObjectItemCaseSensitive(v, "module") : v;
	*m = &probe_tcp_syn;
	if (!v || (cJSON_IsObject(v) && !name))
		return 0;
	if (!cJSON_IsString(name))
		return job_error_set(err, JOB_ERR_INVALID, cJSON_IsObject(v) ? "probe.module" : "probe",
				     "probe must be a module name or {\"module\": NAME, ...}; modules: %s",
				     probe_module_names());
	if (!(*m = probe_module_find(name->valuestring)))
		return job_error_set(err, JOB_ERR_INVALID, cJSON_IsObject(v) ? "probe.module" : "probe",
				     "unknown probe module \"%.20s\"; scand has %s", name->valuestring,
				     probe_module_names());
	return 0;
}

static int probe_fields(const cJSON *v, struct probe_args *a, struct job_error *err)
{
	const cJSON *f;
	struct errbuf e;
	char field[48];
	cJSON_ArrayForEach(f, v) {
		if (strcmp(f->string, "module") == 0)
			continue;
		snprintf(field, sizeof(field), "probe.%.30s", f->string);
		if (!cJSON_IsString(f))
			return job_error_set(err, JOB_ERR_INVALID, field, "%s must be a string", field);
		if (probe_args_field(a, f->string, f->valuestring, &e) < 0)
			return job_error_set(err, JOB_ERR_INVALID, field, "%s", e.msg);
	}
	return 0;
}

/* udp without a payload: the configured default set. */
static int default_payloads(const struct config *cfg, struct probe_args *a, struct job_error *err)
{
	struct errbuf e;
	if (a->mod->id != PROBE_UDP || a->payloads)
		return 0;
	if (udp_payload_file(cfg->udp_payloads, &a->payloads, &e) < 0)
		return job_error_set(err, JOB_ERR_INVALID, "probe",
				     "udp without payload or payloads takes the default set, [scan] udp_payloads: %s; fix the file or give a payload (e.g. \"payload\": \"text:hello\")",
				     e.msg);
	return 0;
}

static int get_probe(const cJSON *p, const struct config *cfg, bool stored, struct job_probe *jp,
		     struct job_error *err)
{
	const cJSON *v = cJSON_GetObjectItemCaseSensitive(p, "probe");
	const struct probe_module *m;
	struct errbuf e;

	if (v && !cJSON_IsString(v) && !cJSON_IsObject(v))
		return job_error_set(err, JOB_ERR_INVALID, "probe",
				     "probe must be a module name or {\"module\": NAME, ...}; modules: %s",
				     probe_module_names());
	if (probe_module_of(v, &m, err) < 0)
		return -EINVAL;
	probe_args_init(&jp->args, m);
	if (stored && cJSON_IsString(v) && m->id == PROBE_TCP_SYN)
		jp->args.tcp_options = TCP_LINUX; /* a job stored before option sets */
	if (cJSON_IsObject(v) && probe_fields(v, &jp->args, err) < 0)
		return -EINVAL;
	if (probe_args_finish(&jp->args, &e) < 0)
		return job_error_set(err, JOB_ERR_INVALID, "probe", "%s", e.msg);
	return default_payloads(cfg, &jp->args, err);
}

static int get_record(const cJSON *p, struct job_probe *jp, struct job_error *err)
{
	const cJSON *v = cJSON_GetObjectItemCaseSensitive(p, "record"), *it;
	uint8_t can = jp->args.mod->statuses;
	char list[64], f[32];
	unsigned i = 0;
	int st;

	jp->record = 0;
	if (!v)
		return 0;
	status_list(can, list, sizeof(list));
	if (!cJSON_IsArray(v) || !cJSON_GetArraySize(v))
		return job_error_set(err, JOB_ERR_INVALID, "record",
				     "record must be a non-empty array of statuses, e.g. [\"open\"]; %s rows are %s",
				     jp->args.mod->name, list);
	cJSON_ArrayForEach(it, v) {
		snprintf(f, sizeof(f), "record[%u]", i++);
		st = cJSON_IsString(it) ? reply_status_parse(it->valuestring) : -EINVAL;
		if (st < 0 || !(can & (1u << st)))
			return job_error_set(err, JOB_ERR_INVALID, f,
					     "%s must be a status of %s rows: %s", f, jp->args.mod->name, list);
		jp->record |= (uint8_t)(1u << st);
	}
	return 0;
}

int jobprobe_from_json(const cJSON *params, const struct config *cfg, bool stored,
		       struct job_probe *jp, struct job_error *err)
{
	memset(jp, 0, sizeof(*jp));
	if (get_probe(params, cfg, stored, jp, err) < 0 || get_record(params, jp, err) < 0) {
		jobprobe_free(jp);
		return -EINVAL;
	}
	return 0;
}

static void emit_field(void *ctx, const char *name, const char *value)
{
	cJSON_AddStringToObject(ctx, name, value);
}

void jobprobe_to_json(const struct job_probe *jp, cJSON *o)
{
	if (!jp->args.mod) /* a spec that was never decoded */
		return;
	cJSON *p = cJSON_AddObjectToObject(o, "probe");
	cJSON_AddStringToObject(p, "module", jp->args.mod->name);
	if (jp->args.mod->emit)
		jp->args.mod->emit(&jp->args, emit_field, p);
	if (!jp->record)
		return;
	cJSON *r = cJSON_AddArrayToObject(o, "record");
	for (uint8_t st = 1; st < REPLY_NSTATUS; st++)
		if (jp->record & (1u << st))
			cJSON_AddItemToArray(r, cJSON_CreateString(reply_status_name(st)));
}

void jobprobe_free(struct job_probe *jp)
{
	if (jp->args.mod)
		probe_args_free(&jp->args);
}
