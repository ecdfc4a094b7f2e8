/* Job ownership and the access rule (see jobowner.h). */
#include "jobowner.h"

#include <cjson/cJSON.h>

int job_may(const struct job *j, const struct job_caller *who, enum share_jobs share, const char *verb,
	    struct job_error *err)
{
	if (who->trusted || share == SHARE_GROUP || (j->owner != JOB_OWNER_UNKNOWN && j->owner == who->uid))
		return 0;
	if (j->owner == JOB_OWNER_UNKNOWN)
		return job_error_set(err, JOB_ERR_PERMISSION, "job_id",
				     "job %s was stored before scand recorded owners: only root or scand's user may %s; ask them, or set [daemon] share_jobs = group",
				     j->id, verb);
	return job_error_set(err, JOB_ERR_PERMISSION, "job_id",
			     "job %s belongs to uid %u; only its owner, root or scand's user may %s ([daemon] share_jobs = owner): ask its owner, or set share_jobs = group where one orchestrator runs every job",
			     j->id, (unsigned)j->owner, verb);
}

cJSON *job_owner_json(const struct job *j)
{
	return j->owner == JOB_OWNER_UNKNOWN ? cJSON_CreateNull() : cJSON_CreateNumber((double)j->owner);
}
