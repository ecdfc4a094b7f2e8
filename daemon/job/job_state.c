/* Job states (see job_state.h). */
#include "job_state.h"
#include "common.h"

#include <errno.h>
#include <string.h>

static const char *const state_names[] = { "queued", "running",   "cooldown", "done",
					   "failed", "cancelled", "held" };

const char *job_state_name(enum job_state s)
{
	return (size_t)s < ARRAY_SIZE(state_names) ? state_names[s] : "?";
}

int job_state_parse(const char *s, enum job_state *st)
{
	for (size_t i = 0; i < ARRAY_SIZE(state_names); i++)
		if (strcmp(s, state_names[i]) == 0)
			return *st = (enum job_state)i, 0;
	return -EINVAL;
}

const char *job_hold_name(enum job_hold h)
{
	static const char *const names[] = { NULL, "nic", "config", "disk" };
	return (size_t)h < ARRAY_SIZE(names) ? names[h] : NULL;
}

bool job_state_final(enum job_state s)
{
	return s == JOB_DONE || s == JOB_FAILED || s == JOB_CANCELLED;
}
