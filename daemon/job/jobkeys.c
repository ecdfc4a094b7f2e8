/* Idempotent submit (see jobkeys.h): client_key, the request digest, the
 * lookup of a retried submit. */
#include "jobkeys.h"
#include "siphash.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* Fixed keys: the digest must be the same in every process and release. */
static const uint8_t digest_keys[2][16] = { "scand-request-a1", "scand-request-b2" };

static int key_cmp(const void *a, const void *b)
{
	return strcmp((*(const cJSON *const *)a)->string, (*(const cJSON *const *)b)->string);
}

/* Writes v with every object's keys sorted; arrays keep their order. */
static int canonical(const cJSON *v, FILE *f)
{
	const cJSON *it;
	if (!cJSON_IsObject(v) && !cJSON_IsArray(v)) {
		char *s = cJSON_PrintUnformatted(v);
		if (!s)
			return -ENOMEM;
		fputs(s, f);
		free(s);
		return 0;
	}
	size_t n = (size_t)cJSON_GetArraySize(v), i = 0;
	const cJSON **items = calloc(n ? n : 1, sizeof(*items));
	if (!items)
		return -ENOMEM;
	cJSON_ArrayForEach(it, v) items[i++] = it;
	if (cJSON_IsObject(v))
		qsort(items, n, sizeof(*items), key_cmp);
	fputc(cJSON_IsObject(v) ? '{' : '[', f);
	int r = 0;
	for (i = 0; r == 0 && i < n; i++) {
		if (i)
			fputc(',', f);
		if (cJSON_IsObject(v)) {
			cJSON *k = cJSON_CreateString(items[i]->string);
			r = k ? canonical(k, f) : -ENOMEM;
			cJSON_Delete(k);
			fputc(':', f);
		}
		if (r == 0)
			r = canonical(items[i], f);
	}
	fputc(cJSON_IsObject(v) ? '}' : ']', f);
	free(items);
	return r;
}

int jobkeys_digest(const cJSON *params, char *out)
{
	char *buf = NULL;
	size_t len = 0;
	FILE *f = open_memstream(&buf, &len);
	if (!f)
		return -ENOMEM;
	int r = canonical(params, f);
	if (fclose(f) != 0 && r == 0)
		r = -ENOMEM;
	if (r == 0)
		snprintf(out, 33, "%016llx%016llx", (unsigned long long)siphash24(digest_keys[0], buf, len),
			 (unsigned long long)siphash24(digest_keys[1], buf, len));
	free(buf);
	return r;
}

static int get_key(const cJSON *params, const char **key, struct job_error *err)
{
	const cJSON *v = cJSON_GetObjectItemCaseSensitive(params, "client_key");
	*key = NULL;
	if (!v)
		return 0;
	if (!cJSON_IsString(v))
		return job_error_set(err, JOB_ERR_INVALID, "client_key", "client_key must be a string");
	size_t n = strlen(v->valuestring);
	if (n < 1 || n > JOBKEYS_MAX_KEY)
		return job_error_set(err, JOB_ERR_INVALID, "client_key",
				     "client_key must be 1 to %d characters, got %zu", JOBKEYS_MAX_KEY, n);
	for (const char *c = v->valuestring; *c; c++)
		if (*c < 0x20 || *c > 0x7e)
			return job_error_set(err, JOB_ERR_INVALID, "client_key",
					     "client_key must be printable ASCII (e.g. a UUID or \"weekly-2026-48/host3\")");
	*key = v->valuestring;
	return 0;
}

static int key_digest(const cJSON *params, const char *key, struct job_keys *k, struct job_error *err)
{
	snprintf(k->client_key, sizeof(k->client_key), "%s", key);
	if (jobkeys_digest(params, k->request_digest) < 0)
		return job_error_set(err, JOB_ERR_INTERNAL, "client_key", "out of memory");
	return 0;
}

int jobkeys_from_json(const cJSON *params, struct job_keys *k, struct job_error *err)
{
	const cJSON *dg = cJSON_GetObjectItemCaseSensitive(params, "request_digest");
	const char *key;
	memset(k, 0, sizeof(*k));
	if (get_key(params, &key, err) < 0)
		return -EINVAL;
	if (!key)
		return dg ? job_error_set(err, JOB_ERR_INVALID, "request_digest",
					  "request_digest belongs to a client_key; scand records it") : 0;
	if (!dg) /* a submit: the digest of what the client sent */
		return key_digest(params, key, k, err);
	if (!cJSON_IsString(dg) || strlen(dg->valuestring) != 32 ||
	    strspn(dg->valuestring, "0123456789abcdef") != 32)
		return job_error_set(err, JOB_ERR_INVALID, "request_digest",
				     "request_digest must be 32 hex digits (as scand wrote it)");
	snprintf(k->client_key, sizeof(k->client_key), "%s", key);
	snprintf(k->request_digest, sizeof(k->request_digest), "%s", dg->valuestring);
	return 0;
}

void jobkeys_to_json(const struct job_keys *k, cJSON *o)
{
	if (!k->client_key[0])
		return;
	cJSON_AddStringToObject(o, "client_key", k->client_key);
	cJSON_AddStringToObject(o, "request_digest", k->request_digest);
}

int jobkeys_request(const cJSON *params, struct job_keys *k, struct job_error *err)
{
	const char *key;
	memset(k, 0, sizeof(*k));
	if (!cJSON_IsObject(params))
		return 0; /* jobspec_from_json names the problem */
	if (cJSON_GetObjectItemCaseSensitive(params, "request_digest"))
		return job_error_set(err, JOB_ERR_INVALID, "request_digest",
				     "request_digest is recorded by scand; do not send it");
	if (get_key(params, &key, err) < 0)
		return -EINVAL;
	return key ? key_digest(params, key, k, err) : 0;
}

bool jobkeys_same(const struct job_keys *have, const char *job_id, const struct job_keys *req,
		  struct job_error *err)
{
	if (!req->client_key[0] || strcmp(have->client_key, req->client_key) != 0)
		return false;
	if (strcmp(have->request_digest, req->request_digest) == 0)
		return true;
	job_error_set(err, JOB_ERR_INVALID, "client_key",
		      "client_key \"%.128s\" belongs to job %s, submitted with a different spec; resend that spec unchanged or use a new key",
		      req->client_key, job_id);
	return false;
}
