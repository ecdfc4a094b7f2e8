/* Idempotent submit: a job.submit "client_key" is stored with the job
 * (spec.json) together with a digest of the request, so a retried submit
 * finds the job it created instead of starting a second one. */
#pragma once
#include "joberror.h"
#include <cjson/cJSON.h>
#include <stdbool.h>

#define JOBKEYS_MAX_KEY 128 /* client_key: printable ASCII */

struct job_keys {
	char client_key[JOBKEYS_MAX_KEY + 1]; /* "" when the client gave none */
	char request_digest[33];	      /* of the submitted params (hex) */
};

/* Decodes "client_key" of params (a submit or a stored spec.json); the
 * digest comes from "request_digest" of a spec.json, else from params. */
int jobkeys_from_json(const cJSON *params, struct job_keys *k, struct job_error *err);
void jobkeys_to_json(const struct job_keys *k, cJSON *o);
/* A submit request's key and digest (client_key "" when it has none);
 * refuses a client-sent request_digest. */
int jobkeys_request(const cJSON *params, struct job_keys *k, struct job_error *err);
/* Does a job holding have answer the request req? false for another key;
 * the same key with a different request is JOB_ERR_INVALID (naming
 * job_id) and returns false with err set. */
bool jobkeys_same(const struct job_keys *have, const char *job_id, const struct job_keys *req,
		  struct job_error *err);
/* Hex SipHash-128 of params in canonical form (object keys sorted, no
 * blanks); out holds 33 bytes. -ENOMEM. */
int jobkeys_digest(const cJSON *params, char *out);
