/* The daemon context (see core.h). */
#include "core.h"
#include "clock.h"

#include "log.h"

#include <errno.h>
#include <sys/eventfd.h>
#include <unistd.h>
#include <stdlib.h>
#include <string.h>

double daemon_uptime(const struct daemon *d)
{
	return clock_mono_s() - d->started;
}

int daemon_core_init(struct daemon *d, job_event_fn on_event)
{
	d->wake_fd = eventfd(0, EFD_NONBLOCK | EFD_CLOEXEC);
	const struct jobs_env env = { .cfg = &d->cfg, .blocklist = &d->blocklist,
				      .allow = &d->allow, .nics = &d->nics, .ports = &d->ports, .tel = &d->tel,
				      .wake_fd = d->wake_fd, .on_event = on_event, .ctx = d };
	d->started = d->last_tick = clock_mono_s();
	if (!d->lists_loaded_ms)
		d->lists_loaded_ms = clock_real_ms();
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
	if (d->wake_fd >= 0)
		close(d->wake_fd);
	d->wake_fd = -1;
}

int daemon_load_lists(const struct config *cfg, struct cidr_list *block, struct cidr_list *allow,
		      struct errbuf *e)
{
	char *copy = strdup(cfg->allow), *save = NULL;
	struct errbuf why = { { 0 } }; /* the cause, prefixed into e (never e into itself) */
	int r = copy ? 0 : errbuf_set(e, -ENOMEM, "out of memory");
	cidr_list_init(block);
	cidr_list_init(allow);
	if (r == 0 && cfg->blocklist_file[0] && (r = cidr_list_load_file(block, cfg->blocklist_file, &why)) < 0)
		errbuf_set(e, r, "[scan] blocklist_file: %.400s", why.msg);
	for (char *t = copy && r == 0 ? strtok_r(copy, ", \t", &save) : NULL; t && r == 0;
	     t = strtok_r(NULL, ", \t", &save))
		if ((r = cidr_list_add(allow, t, &why)) < 0)
			errbuf_set(e, r, "[scan] allow: %.400s", why.msg);
	free(copy);
	cidr_list_normalize(allow);
	if (r < 0) {
		cidr_list_free(block);
		cidr_list_free(allow);
	}
	return r;
}

/* Reads the config file again for blocklist_file and allow only. */
static int reload_lists(struct daemon *d, struct errbuf *why)
{
	struct config *c = malloc(sizeof(*c));
	struct cidr_list block, allow;
	int r = c ? 0 : -ENOMEM;
	if (r == 0 && !d->config_path)
		r = errbuf_set(why, -ENOENT, "no config file to read");
	if (r == 0 && (r = config_load(c, d->config_path, why)) == 0 &&
	    (r = daemon_load_lists(c, &block, &allow, why)) == 0) {
		cidr_list_free(&d->blocklist);
		cidr_list_free(&d->allow);
		d->blocklist = block;
		d->allow = allow;
		snprintf(d->cfg.blocklist_file, sizeof(d->cfg.blocklist_file), "%s", c->blocklist_file);
		snprintf(d->cfg.allow, sizeof(d->cfg.allow), "%s", c->allow);
		d->lists_loaded_ms = clock_real_ms();
	}
	free(c);
	return r;
}

void daemon_reload(struct daemon *d, struct reload_report *rr)
{
	*rr = (struct reload_report){ 0 };
	nics_open(&d->nics, &d->cfg);
	rr->lists = reload_lists(d, &rr->why);
	if (rr->lists < 0)
		log_error("reload: keeping the previous blocklist and allow list: %s", rr->why.msg);
	rr->affected = jobs_reload(d->jobs);
	log_info("reload: NICs re-opened%s; %u running job(s) now skip newly excluded addresses",
		 rr->lists == 0 ? ", blocklist and allow list re-read" : "", rr->affected);
}

