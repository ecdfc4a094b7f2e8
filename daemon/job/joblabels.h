/* Job labels: "labels": {"k": "v"} on job.submit (bounded count and size,
 * keys valid as Prometheus label names), shown by job.status and job.list,
 * the job.list filter "k=v", and their Prometheus label text. */
#pragma once
#include "joberror.h"
#include <cjson/cJSON.h>
#include <stdbool.h>
#include <stdio.h>

#define JOBLABELS_MAX 16
#define JOBLABELS_MAX_KEY 63	 /* a Prometheus label name */
#define JOBLABELS_MAX_VALUE 256 /* bytes of UTF-8 */

struct job_label {
	char key[JOBLABELS_MAX_KEY + 1];
	char value[JOBLABELS_MAX_VALUE + 1];
};

struct job_labels {
	struct job_label l[JOBLABELS_MAX];
	unsigned n;
};

int joblabels_from_json(const cJSON *params, struct job_labels *ls, struct job_error *err);
/* {"k": "v", ...} (an empty object when there are none). */
cJSON *joblabels_json(const struct job_labels *ls);
/* "k=v" -> m (one label), JOB_ERR_INVALID on field. */
int joblabels_parse_match(const char *text, const char *field, struct job_label *m,
			  struct job_error *err);
bool joblabels_match(const struct job_labels *ls, const struct job_label *m);
/* Each label as `,k="v"`, escaped as the Prometheus text format wants. */
void joblabels_prom(const struct job_labels *ls, FILE *f);
/* Writes v as a Prometheus label value (without the quotes): \ " and
 * newline become \\ \" \n. */
void prom_escape(const char *v, FILE *f);
