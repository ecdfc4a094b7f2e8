/* Job labels (see joblabels.h). */
#include "joblabels.h"

#include <errno.h>
#include <string.h>

/* Label names scand's own metrics use, and Prometheus' own. */
static const char *const reserved[] = { "job_id", "nic", "queue", "state", "pressure", "job",
					"instance", "le", "quantile", NULL };

static int check_key(const char *k, struct job_error *err)
{
	size_t n = strlen(k);
	if (n < 1 || n > JOBLABELS_MAX_KEY || strspn(k, "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ_0123456789") != n ||
	    (k[0] >= '0' && k[0] <= '9'))
		return job_error_set(err, JOB_ERR_INVALID, "labels",
				     "label name \"%.64s\" must be 1-%d letters, digits or _, not starting with a digit (a Prometheus label name)",
				     k, JOBLABELS_MAX_KEY);
	if (!strncmp(k, "__", 2))
		return job_error_set(err, JOB_ERR_INVALID, "labels",
				     "label name \"%s\" starts with __, which Prometheus reserves", k);
	for (const char *const *r = reserved; *r; r++)
		if (!strcmp(k, *r))
			return job_error_set(err, JOB_ERR_INVALID, "labels",
					     "label name \"%s\" is taken by scand's metrics (job_id, nic, queue, state, pressure) or Prometheus (job, instance, le, quantile); pick another",
					     k);
	return 0;
}

int joblabels_from_json(const cJSON *params, struct job_labels *ls, struct job_error *err)
{
	const cJSON *v = cJSON_GetObjectItemCaseSensitive(params, "labels"), *it;
	memset(ls, 0, sizeof(*ls));
	if (!v)
		return 0;
	if (!cJSON_IsObject(v))
		return job_error_set(err, JOB_ERR_INVALID, "labels",
				     "labels must be an object of strings, e.g. {\"campaign\": \"weekly\"}");
	if (cJSON_GetArraySize(v) > JOBLABELS_MAX)
		return job_error_set(err, JOB_ERR_INVALID, "labels", "%d labels; at most %d",
				     cJSON_GetArraySize(v), JOBLABELS_MAX);
	cJSON_ArrayForEach(it, v) {
		if (check_key(it->string, err) < 0)
			return -EINVAL;
		if (!cJSON_IsString(it))
			return job_error_set(err, JOB_ERR_INVALID, "labels", "label %s must be a string", it->string);
		if (strlen(it->valuestring) > JOBLABELS_MAX_VALUE)
			return job_error_set(err, JOB_ERR_INVALID, "labels",
					     "label %s is longer than %d bytes", it->string, JOBLABELS_MAX_VALUE);
		for (unsigned i = 0; i < ls->n; i++)
			if (!strcmp(ls->l[i].key, it->string))
				return job_error_set(err, JOB_ERR_INVALID, "labels",
						     "label %s is given twice", it->string);
		snprintf(ls->l[ls->n].key, sizeof(ls->l[0].key), "%s", it->string);
		snprintf(ls->l[ls->n].value, sizeof(ls->l[0].value), "%s", it->valuestring);
		ls->n++;
	}
	return 0;
}

cJSON *joblabels_json(const struct job_labels *ls)
{
	cJSON *o = cJSON_CreateObject();
	for (unsigned i = 0; i < ls->n; i++)
		cJSON_AddStringToObject(o, ls->l[i].key, ls->l[i].value);
	return o;
}

int joblabels_parse_match(const char *text, const char *field, struct job_label *m,
			  struct job_error *err)
{
	const char *eq = strchr(text, '=');
	struct job_error kerr;
	if (!eq || (size_t)(eq - text) > JOBLABELS_MAX_KEY || strlen(eq + 1) > JOBLABELS_MAX_VALUE)
		return job_error_set(err, JOB_ERR_INVALID, field,
				     "%s must be \"NAME=VALUE\" (e.g. \"campaign=weekly\")", field);
	snprintf(m->key, sizeof(m->key), "%.*s", (int)(eq - text), text);
	snprintf(m->value, sizeof(m->value), "%s", eq + 1);
	if (check_key(m->key, &kerr) < 0)
		return job_error_set(err, JOB_ERR_INVALID, field, "%s", kerr.message);
	return 0;
}

bool joblabels_match(const struct job_labels *ls, const struct job_label *m)
{
	for (unsigned i = 0; i < ls->n; i++)
		if (!strcmp(ls->l[i].key, m->key))
			return !strcmp(ls->l[i].value, m->value);
	return false;
}

void prom_escape(const char *v, FILE *f)
{
	for (; *v; v++) {
		if (*v == '\\')
			fputs("\\\\", f);
		else if (*v == '"')
			fputs("\\\"", f);
		else if (*v == '\n')
			fputs("\\n", f);
		else
			fputc(*v, f);
	}
}

void joblabels_prom(const struct job_labels *ls, FILE *f)
{
	for (unsigned i = 0; i < ls->n; i++) {
		fprintf(f, ",%s=\"", ls->l[i].key);
		prom_escape(ls->l[i].value, f);
		fputc('"', f);
	}
}
