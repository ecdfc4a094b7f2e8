/* scanctl's --probe, --probe-args and --record (see probeargs.h). */
#include "probeargs.h"
#include "udp_payload.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* udp's --probe-args: one payload ("payload") or a payload file ("payloads"),
 * files read here and sent as hex: / template: text. */
static int udp_args(cJSON *probe, const char *args, char *err, size_t len)
{
	struct udp_payload_set *s = NULL;
	struct errbuf e;
	bool file = strncmp(args, "payloads:", 9) == 0;
	int r = file ? udp_payload_file(args + 9, &s, &e) : udp_payload_one(args, ".", &s, &e);
	char *text = NULL;
	if (r < 0) {
		snprintf(err, len, "--probe-args: %s", e.msg);
		return -1;
	}
	if (file && !(text = udp_payload_set_format(s)))
		r = -1;
	if (r == 0)
		cJSON_AddStringToObject(probe, file ? "payloads" : "payload", file ? text : s->p[0].text);
	free(text);
	udp_payload_set_free(s);
	if (r < 0)
		snprintf(err, len, "out of memory");
	return r;
}

int probeargs_add(cJSON *params, const char *module, const char *args, char *err, size_t len)
{
	const char *m = module ? module : "tcp_syn";
	cJSON *probe;
	if (!module && !args)
		return 0;
	probe = cJSON_AddObjectToObject(params, "probe");
	cJSON_AddStringToObject(probe, "module", m);
	if (!args)
		return 0;
	if (strcmp(m, "tcp_syn") == 0) {
		cJSON_AddStringToObject(probe, "options", args);
		return 0;
	}
	if (strcmp(m, "udp") == 0)
		return udp_args(probe, args, err, len);
	snprintf(err, len, "--probe %s takes no --probe-args (tcp_syn takes an option set, udp a payload)", m);
	return -1;
}

void probeargs_record(cJSON *params, const char *statuses)
{
	cJSON *a = cJSON_GetObjectItemCaseSensitive(params, "record");
	char *copy = strdup(statuses), *save = NULL;
	if (!a)
		a = cJSON_AddArrayToObject(params, "record");
	for (char *t = strtok_r(copy, ",", &save); t; t = strtok_r(NULL, ",", &save))
		cJSON_AddItemToArray(a, cJSON_CreateString(t));
	free(copy);
}
