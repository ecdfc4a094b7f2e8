/* A full state disk pauses jobs, never fails them (see jobs.h): below
 * [daemon] min_free_mb every running job is held with the reason disk, its
 * rows and resume point kept in memory; with room again it goes back to the
 * queue and resumes from its last snapshot, ending exact. */
#include "jobs_priv.h"
#include "log.h"

#include <stdio.h>

void jobs_disk_tick(struct jobs *js)
{
	char why[700] = "";
	uint64_t free_b;
	bool low = jobs_disk_low(js, &free_b);
	if (low) /* while jobs are held for it, every drain looks: format only then */
		snprintf(why, sizeof(why),
			 "state_dir %s has %llu MB free, below [daemon] min_free_mb = %u: held until there is room (it resumes by itself; scanctl delete JOB removes finished jobs)",
			 js->env.cfg->state_dir, (unsigned long long)(free_b >> 20), js->env.cfg->min_free_mb);
	for (struct job *j = js->head, *next; j; j = next) {
		next = j->next;
		if (low && (j->state == JOB_RUNNING || j->state == JOB_COOLDOWN))
			job_hold(js, j, HOLD_DISK, why);
		else if (!low && j->state == JOB_HELD && j->hold == HOLD_DISK)
			job_requeue(js, j, "state_dir has room again");
	}
	if (!low)
		jobs_schedule(js);
}

void jobs_disk_drain(struct jobs *js)
{
	if (js->disk_written >= js->disk_room) /* the rows written may have used the room */
		jobs_disk_tick(js);
	jobs_drain(js);
}
