/* scand --prepare [--dry-run|--undo] (see prepare.h): runs each step for the
 * config, prints every check and change, saves the record; --undo walks the
 * record backwards (NICs, then mounts, then hugepages). */
#include "prepare.h"
#include "registry.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

/* The hugepage lines also belong to every DPDK NIC's report. */
static void copy_lines(struct prep_nic *to, const struct prep_nic *from)
{
	for (unsigned i = 0; i < from->nfound && to->nfound < PREP_LINES; i++)
		memcpy(to->found[to->nfound++], from->found[i], PREP_LINE);
	for (unsigned i = 0; i < from->ndid && to->ndid < PREP_LINES; i++)
		memcpy(to->did[to->ndid++], from->did[i], PREP_LINE);
	if (from->error[0] && !to->error[0])
		snprintf(to->error, sizeof(to->error), "%s", from->error);
}

static void reset_report(struct prep_nic *r)
{
	r->nfound = r->ndid = 0;
	r->error[0] = '\0';
}

/* The record of name, or NULL after saying the table is full. */
static struct prep_nic *record_of(struct prep *p, const char *name)
{
	struct prep_nic *rec = prep_state_nic(p, name);
	if (!rec) {
		fprintf(p->err, "%s: error: the record %s holds changes to undo for %zu NICs already; nothing is changed for %s: run scand --prepare --undo first\n",
			name, p->state_path, ARRAY_SIZE(p->st.nics), name);
		p->problems++;
	}
	return rec;
}

static void prepare_nic(struct prep *p, const struct nic_config *nc, const struct prep_nic *hp)
{
	struct prep_nic *rec = record_of(p, nc->name);
	if (!rec)
		return;
	reset_report(rec);
	switch (nc->engine) {
	case ENGINE_DPDK:
		prep_dpdk_nic(p, nc, rec);
		copy_lines(rec, hp);
		break;
	case ENGINE_AF_XDP:
		prep_xdp_nic(p, nc, rec);
		break;
	default:
		prep_found(p, rec, "engine %s: nothing to prepare", engine_kind_name(nc->engine));
		break;
	}
}

static void apply(struct prep *p)
{
	struct prep_nic none = { .name = PREP_HUGEPAGES }, *hp = NULL;
	for (unsigned i = 0; i < p->st.nnics && !hp; i++) /* kept while it holds pages to give back */
		hp = !strcmp(p->st.nics[i].name, PREP_HUGEPAGES) ? &p->st.nics[i] : NULL;
	if (!hp && p->cfg->hugepages[0])
		hp = record_of(p, PREP_HUGEPAGES);
	if (hp) {
		reset_report(hp);
		prep_hugepages(p, hp);
	}
	for (unsigned i = 0; i < p->cfg->nnics; i++)
		prepare_nic(p, &p->cfg->nics[i], hp ? hp : &none);
}

/* Backwards, each NIC's record written once it is undone: an undo cut short
 * leaves the rest for the next one. */
static void undo(struct prep *p)
{
	for (unsigned i = p->st.nnics; i-- > 0;) {
		struct prep_nic *rec = &p->st.nics[i];
		reset_report(rec);
		prep_dpdk_undo(p, rec);
		prep_xdp_undo(p, rec);
		prep_journal(p, rec);
	}
	prep_hugepages_undo(p);
}

/* After a full undo nothing is left to record: the file goes. */
static bool nothing_left(const struct prep *p)
{
	for (unsigned i = 0; i < p->st.nnics; i++)
		if (p->st.nics[i].bound || p->st.nics[i].mtu_after || p->st.nics[i].ch_after)
			return false;
	return !p->st.nhp && !p->st.nmounts;
}

static int finish(struct prep *p, bool was_undo)
{
	int r = 0;
	if (!p->dry_run && was_undo && nothing_left(p))
		r = unlink(p->state_path) < 0 && errno != ENOENT ? -errno : 0;
	else if (!p->dry_run)
		r = prep_state_save(p);
	if (r < 0) {
		fprintf(p->err, "scand --prepare: cannot write %s: %s\n", p->state_path, strerror(-r));
		p->problems++;
	}
	fprintf(p->out, "scand --prepare%s%s: %u change%s%s, %u problem%s\n", was_undo ? " --undo" : "",
		p->dry_run ? " --dry-run" : "", p->changes, p->changes == 1 ? "" : "s",
		p->dry_run ? " to make (none made)" : " made", p->problems, p->problems == 1 ? "" : "s");
	return p->problems ? 1 : 0;
}

int prepare_main(const struct config *cfg, const char *root, bool dry_run, bool undo_mode)
{
	struct prep *p = calloc(1, sizeof(*p));
	int r;
	if (!p)
		return 1;
	p->cfg = cfg;
	p->env = (struct dpdk_env){ .root = root, .pmd_dir = "" };
	p->dry_run = dry_run;
	p->out = stdout;
	p->err = stderr;
	setvbuf(stdout, NULL, _IOLBF, 0);
	if ((r = prep_state_load(p)) < 0) {
		fprintf(stderr, "scand --prepare: cannot read %s: %s; move it away to start over (then --undo cannot revert what it recorded)\n",
			p->state_path, strerror(-r));
		free(p);
		return 1;
	}
	if (undo_mode)
		undo(p);
	else
		apply(p);
	r = finish(p, undo_mode);
	free(p);
	return r;
}
