/* Small helpers scanctl's files share: printing and reading JSON results. */
#pragma once
#include <cjson/cJSON.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static inline void print_json(const cJSON *v)
{
	char *s = cJSON_Print(v);
	printf("%s\n", s);
	free(s);
}

static inline const char *str(const cJSON *o, const char *k)
{
	const cJSON *v = cJSON_GetObjectItemCaseSensitive(o, k);
	return cJSON_IsString(v) ? v->valuestring : "-";
}

static inline double num(const cJSON *o, const char *k)
{
	const cJSON *v = cJSON_GetObjectItemCaseSensitive(o, k);
	return cJSON_IsNumber(v) ? v->valuedouble : 0;
}

static inline cJSON *job_param(const char *id)
{
	cJSON *p = cJSON_CreateObject();
	cJSON_AddStringToObject(p, "job_id", id);
	return p;
}

static inline bool final_state(const char *s)
{
	return !strcmp(s, "done") || !strcmp(s, "failed") || !strcmp(s, "cancelled");
	/* held is not final: the job waits for its NICs or a config change */
}

