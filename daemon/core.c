/* The daemon context (see core.h). */
#include "core.h"
#include "clock.h"

#include <errno.h>

double daemon_uptime(const struct daemon *d)
{
	return clock_mono_s() - d->started;
}

int daemon_core_init(struct daemon *d, job_event_fn on_event)
{
	const struct jobs_env env = { .cfg = &d->cfg, .blocklist = &d->blocklist,
				      .allow = &d->allow, .nics = &d->nics, .ports = &d->ports, .tel = &d->tel,
				      .on_event = on_event, .ctx = d };
	d->started = d->last_tick = clock_mono_s();
	hostports_init(&d->ports, d->cfg.state_dir, NULL); /* after a crash: give ports back */
	nics_open(&d->nics, &d->cfg);
	return (d->jobs = jobs_new(&env)) ? 0 : -ENOMEM;
}

void daemon_core_fini(struct daemon *d)
{
	if (d->jobs)
		jobs_shutdown(d->jobs);
	nics_close(&d->nics);
	jobs_free(d->jobs);
	d->jobs = NULL;
}

void daemon_reload(struct daemon *d)
{
	nics_open(&d->nics, &d->cfg);
}

