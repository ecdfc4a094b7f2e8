/* AIMD rate control for one job. Network pressure (allowance counters
 * rising, or replies collapsing while the send rate holds) cuts the rate
 * multiplicatively; CPU pressure (we cannot reach the target ourselves:
 * saturated workers, or workers waiting for the results path) is only
 * reported; otherwise the rate grows additively up to the ceiling. */
#pragma once
#include <stdbool.h>
#include <stdint.h>

enum pressure { PRESSURE_NONE, PRESSURE_CPU, PRESSURE_NETWORK };

struct ratectl {
	uint64_t ceiling;  /* the job's rate_pps, capped by [rate] max_pps */
	uint64_t rate;	   /* current target */
	uint64_t increase; /* additive step per tick */
	double decrease;   /* multiplicative factor on a cut */
	unsigned cuts;
	enum pressure pressure;
	double reply_ratio; /* EWMA of replies/sent while unpressured */
	double last_sent_pps;
	unsigned samples;
};

/* One tick's evidence. */
struct ratectl_sample {
	uint64_t allowance_exceeded; /* increase of pps/bw allowance-exceeded counters */
	double sent_pps, reply_pps;  /* achieved this tick */
	double cpu_busy;	     /* busiest worker's busy ratio, 0..1 */
	uint64_t tx_ring_full;	     /* ring-full events this tick */
	bool results_backlog;	     /* workers waited for the results path this tick */
};

void ratectl_init(struct ratectl *rc, uint64_t ceiling, uint64_t increase, double decrease);
/* Applies one tick. Returns true when rc->rate changed; *why says why. */
bool ratectl_step(struct ratectl *rc, const struct ratectl_sample *s, const char **why);
/* rate.set: a new ceiling; the current rate follows it. */
void ratectl_set_ceiling(struct ratectl *rc, uint64_t ceiling);
const char *pressure_name(enum pressure p);
