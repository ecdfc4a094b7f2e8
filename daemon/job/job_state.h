/* Job states (DESIGN §2): queued -> running -> cooldown -> done | failed |
 * cancelled, and held (cannot run under the current config: its NICs are
 * missing, its source address or ports are no longer allowed; never stored,
 * its checkpoint stays as it was). Their names on the wire and in
 * checkpoint.json. */
#pragma once
#include <stdbool.h>

enum job_state { JOB_QUEUED, JOB_RUNNING, JOB_COOLDOWN, JOB_DONE, JOB_FAILED, JOB_CANCELLED, JOB_HELD };

const char *job_state_name(enum job_state s);
/* 0, or -EINVAL for an unknown name. */
int job_state_parse(const char *s, enum job_state *st);
/* done, failed or cancelled: the job will not send again. */
bool job_state_final(enum job_state s);

/* Why a job is held: its NICs, the config (source address or ports), or
 * state_dir's disk (full: it resumes by itself when there is room). */
enum job_hold { HOLD_NONE, HOLD_NIC, HOLD_CONFIG, HOLD_DISK };
const char *job_hold_name(enum job_hold h); /* NULL for HOLD_NONE */
