/* AIMD rate controller (see ratectl.h). Pure logic: no clocks, no I/O. */
#include "ratectl.h"

#define MIN_SENT_FOR_REPLIES 200.0 /* probes/s below which reply ratios are noise */
#define COLLAPSE 0.3		   /* replies fell below this share of their usual ratio */
#define HOLDS 0.8		   /* the send rate "holds": >= 80 % of last tick */
#define CPU_SHORT 0.9		   /* achieved < 90 % of target ... */
#define CPU_BUSY 0.85		   /* ... with the busiest worker >= 85 % busy */

void ratectl_init(struct ratectl *rc, uint64_t ceiling, uint64_t increase, double decrease)
{
	*rc = (struct ratectl){ .ceiling = ceiling, .rate = ceiling, .increase = increase,
				.decrease = decrease };
}

void ratectl_set_ceiling(struct ratectl *rc, uint64_t ceiling)
{
	rc->ceiling = ceiling;
	rc->rate = ceiling;
}

const char *pressure_name(enum pressure p)
{
	return p == PRESSURE_NETWORK ? "network" : p == PRESSURE_CPU ? "cpu" : "none";
}

static bool replies_collapsed(struct ratectl *rc, const struct ratectl_sample *s)
{
	bool holds = rc->last_sent_pps > 0 && s->sent_pps >= HOLDS * rc->last_sent_pps;
	double ratio = s->sent_pps > 0 ? s->reply_pps / s->sent_pps : 0;
	if (s->sent_pps < MIN_SENT_FOR_REPLIES)
		return false;
	if (rc->samples >= 3 && holds && rc->reply_ratio > 0.01 && ratio < COLLAPSE * rc->reply_ratio)
		return true;
	/* learn the usual ratio only from calm ticks */
	rc->reply_ratio = rc->samples ? 0.8 * rc->reply_ratio + 0.2 * ratio : ratio;
	rc->samples++;
	return false;
}

bool ratectl_step(struct ratectl *rc, const struct ratectl_sample *s, const char **why)
{
	uint64_t old = rc->rate;
	bool network = s->allowance_exceeded > 0;
	/* a tick in which the workers waited for the results path says nothing
	 * about the network: not compared, not learnt from */
	bool collapse = !network && !s->results_backlog && replies_collapsed(rc, s);

	rc->last_sent_pps = s->sent_pps;
	if (network || collapse) {
		uint64_t cut = (uint64_t)((double)rc->rate * rc->decrease);
		rc->rate = cut ? cut : 1;
		rc->cuts++;
		rc->pressure = PRESSURE_NETWORK;
		*why = network ? "allowance exceeded counters rose" : "replies collapsed while the send rate held";
		return true;
	}
	if (s->results_backlog) {
		rc->pressure = PRESSURE_CPU;
		*why = "cpu pressure: the results path is behind (workers waited for result rings to drain)";
		return false;
	}
	if (s->sent_pps < CPU_SHORT * (double)rc->rate && (s->cpu_busy >= CPU_BUSY || s->tx_ring_full)) {
		rc->pressure = PRESSURE_CPU; /* our own limit: report, never cut */
		*why = "cpu pressure: workers saturated below the target";
		return false;
	}
	rc->pressure = PRESSURE_NONE;
	if (rc->rate < rc->ceiling) {
		rc->rate = rc->ceiling - rc->rate > rc->increase ? rc->rate + rc->increase : rc->ceiling;
		*why = "no pressure: additive increase";
	}
	return rc->rate != old;
}
