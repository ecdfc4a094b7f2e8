/* --prepare's record (state_dir/prepare.json): what it reserved, mounted,
 * bound and changed (so --undo reverts only that) and, per NIC, what it
 * found and did (daemon.info's "preparation"). Written atomically and
 * fsync'd around every change (the journal, prepare.h). */
#include "prepare.h"
#include "clock.h"
#include "statefile.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#define STATE_MAX (1u << 20)

static bool holds_changes(const struct prep_nic *n)
{
	return n->bound || n->mtu_after || n->ch_after || !strcmp(n->name, PREP_HUGEPAGES);
}

struct prep_nic *prep_state_nic(struct prep *p, const char *name)
{
	struct prep_state *s = &p->st;
	struct prep_nic *n = NULL;
	for (unsigned i = 0; i < s->nnics; i++)
		if (!strcmp(s->nics[i].name, name))
			return &s->nics[i];
	if (s->nnics < ARRAY_SIZE(s->nics))
		n = &s->nics[s->nnics++];
	for (unsigned i = 0; !n && i < s->nnics; i++) /* only a report: it may go */
		if (!holds_changes(&s->nics[i]))
			n = &s->nics[i];
	if (n) {
		memset(n, 0, sizeof(*n));
		snprintf(n->name, sizeof(n->name), "%s", name);
	}
	return n;
}

int prep_journal(struct prep *p, struct prep_nic *rec)
{
	int r = p->dry_run ? 0 : prep_state_save(p);
	if (r < 0)
		return prep_fail(p, rec, r, "cannot write the record %s before or after a change: %s; nothing more is changed (free space in state_dir)",
				 p->state_path, strerror(-r));
	return 0;
}

/* A flag of the journal; records written before it existed were complete. */
static bool done_flag(const cJSON *o, const char *k)
{
	const cJSON *v = cJSON_GetObjectItemCaseSensitive(o, k);
	return !v || cJSON_IsTrue(v);
}

static const char *str(const cJSON *o, const char *k)
{
	const cJSON *v = cJSON_GetObjectItemCaseSensitive(o, k);
	return cJSON_IsString(v) ? v->valuestring : "";
}

static double num(const cJSON *o, const char *k)
{
	const cJSON *v = cJSON_GetObjectItemCaseSensitive(o, k);
	return cJSON_IsNumber(v) ? v->valuedouble : 0;
}

static void lines_from(const cJSON *a, char lines[][PREP_LINE], unsigned *n)
{
	const cJSON *v;
	*n = 0;
	cJSON_ArrayForEach(v, a)
		if (cJSON_IsString(v) && *n < PREP_LINES)
			snprintf(lines[(*n)++], PREP_LINE, "%s", v->valuestring);
}

static void nic_from(struct prep_nic *n, const cJSON *o)
{
	lines_from(cJSON_GetObjectItemCaseSensitive(o, "found"), n->found, &n->nfound);
	lines_from(cJSON_GetObjectItemCaseSensitive(o, "did"), n->did, &n->ndid);
	snprintf(n->error, sizeof(n->error), "%s", str(o, "error"));
	const cJSON *b = cJSON_GetObjectItemCaseSensitive(o, "bind");
	if (cJSON_IsObject(b)) {
		n->bound = true;
		n->was_up = cJSON_IsTrue(cJSON_GetObjectItemCaseSensitive(b, "was_up"));
		snprintf(n->pci, sizeof(n->pci), "%s", str(b, "pci"));
		snprintf(n->ifname, sizeof(n->ifname), "%s", str(b, "ifname"));
		snprintf(n->from_drv, sizeof(n->from_drv), "%s", str(b, "from"));
		snprintf(n->to_drv, sizeof(n->to_drv), "%s", str(b, "to"));
		snprintf(n->tool, sizeof(n->tool), "%s", str(b, "tool"));
		n->bind_done = done_flag(b, "done");
	}
	n->mtu_before = (unsigned)num(o, "mtu_before");
	n->mtu_after = (unsigned)num(o, "mtu_after");
	n->mtu_done = done_flag(o, "mtu_done");
	n->ch_before = (unsigned)num(o, "channels_before");
	n->ch_after = (unsigned)num(o, "channels_after");
	n->ch_combined = cJSON_IsTrue(cJSON_GetObjectItemCaseSensitive(o, "channels_combined"));
	n->ch_done = done_flag(o, "channels_done");
}

static void state_from(struct prep *p, const cJSON *root)
{
	const cJSON *v;
	cJSON_ArrayForEach(v, cJSON_GetObjectItemCaseSensitive(root, "hugepages")) {
		if (p->st.nhp == HP_MAX_REQ)
			break;
		p->st.hp[p->st.nhp++] = (struct prep_hp){ (unsigned)num(v, "kb"), (int)num(v, "node"),
							  (unsigned)num(v, "before"), (unsigned)num(v, "after"),
							  done_flag(v, "done") };
	}
	cJSON_ArrayForEach(v, cJSON_GetObjectItemCaseSensitive(root, "mounts")) {
		if (p->st.nmounts == PREP_MAX_MOUNTS)
			break;
		struct prep_mount *m = &p->st.mounts[p->st.nmounts++];
		snprintf(m->dir, sizeof(m->dir), "%s", str(v, "dir"));
		m->kb = (unsigned)num(v, "kb");
		m->made_dir = cJSON_IsTrue(cJSON_GetObjectItemCaseSensitive(v, "made_dir"));
		m->done = done_flag(v, "done");
	}
	cJSON_ArrayForEach(v, cJSON_GetObjectItemCaseSensitive(root, "nics")) {
		struct prep_nic *n = v->string ? prep_state_nic(p, v->string) : NULL;
		if (n) /* never NULL for a record scand wrote: it holds what fits */
			nic_from(n, v);
	}
}

int prep_state_load(struct prep *p)
{
	char *text;
	size_t len;
	int r;
	memset(&p->st, 0, sizeof(p->st));
	snprintf(p->state_path, sizeof(p->state_path), "%s%s/%s", p->env.root, p->cfg->state_dir, PREP_STATE_FILE);
	if ((r = statefile_read(p->state_path, STATE_MAX, &text, &len)) == -ENOENT)
		return 0;
	if (r < 0)
		return r;
	cJSON *root = cJSON_ParseWithLength(text, len);
	free(text);
	if (!cJSON_IsObject(root)) {
		cJSON_Delete(root);
		return -EBADMSG;
	}
	state_from(p, root);
	cJSON_Delete(root);
	return 0;
}

static cJSON *lines_json(const char lines[][PREP_LINE], unsigned n)
{
	cJSON *a = cJSON_CreateArray();
	for (unsigned i = 0; i < n; i++)
		cJSON_AddItemToArray(a, cJSON_CreateString(lines[i]));
	return a;
}

static cJSON *nic_json(const struct prep_nic *n)
{
	cJSON *o = cJSON_CreateObject();
	cJSON_AddItemToObject(o, "found", lines_json(n->found, n->nfound));
	cJSON_AddItemToObject(o, "did", lines_json(n->did, n->ndid));
	if (n->error[0])
		cJSON_AddStringToObject(o, "error", n->error);
	else
		cJSON_AddNullToObject(o, "error");
	if (n->bound) {
		cJSON *b = cJSON_AddObjectToObject(o, "bind");
		cJSON_AddStringToObject(b, "pci", n->pci);
		cJSON_AddStringToObject(b, "ifname", n->ifname);
		cJSON_AddStringToObject(b, "from", n->from_drv);
		cJSON_AddStringToObject(b, "to", n->to_drv);
		cJSON_AddStringToObject(b, "tool", n->tool);
		cJSON_AddBoolToObject(b, "was_up", n->was_up);
		cJSON_AddBoolToObject(b, "done", n->bind_done);
	}
	if (n->mtu_after) {
		cJSON_AddNumberToObject(o, "mtu_before", n->mtu_before);
		cJSON_AddNumberToObject(o, "mtu_after", n->mtu_after);
		cJSON_AddBoolToObject(o, "mtu_done", n->mtu_done);
	}
	if (n->ch_after) {
		cJSON_AddNumberToObject(o, "channels_before", n->ch_before);
		cJSON_AddNumberToObject(o, "channels_after", n->ch_after);
		cJSON_AddBoolToObject(o, "channels_combined", n->ch_combined);
		cJSON_AddBoolToObject(o, "channels_done", n->ch_done);
	}
	return o;
}

static cJSON *state_json(const struct prep *p)
{
	char ts[40];
	cJSON *o = cJSON_CreateObject(), *a;
	clock_iso8601_ms(clock_real_ms(), ts, sizeof(ts));
	cJSON_AddStringToObject(o, "at", ts);
	a = cJSON_AddArrayToObject(o, "hugepages");
	for (unsigned i = 0; i < p->st.nhp; i++) {
		cJSON *h = cJSON_CreateObject();
		cJSON_AddNumberToObject(h, "kb", p->st.hp[i].kb);
		cJSON_AddNumberToObject(h, "node", p->st.hp[i].node);
		cJSON_AddNumberToObject(h, "before", p->st.hp[i].before);
		cJSON_AddNumberToObject(h, "after", p->st.hp[i].after);
		cJSON_AddBoolToObject(h, "done", p->st.hp[i].done);
		cJSON_AddItemToArray(a, h);
	}
	a = cJSON_AddArrayToObject(o, "mounts");
	for (unsigned i = 0; i < p->st.nmounts; i++) {
		cJSON *m = cJSON_CreateObject();
		cJSON_AddStringToObject(m, "dir", p->st.mounts[i].dir);
		cJSON_AddNumberToObject(m, "kb", p->st.mounts[i].kb);
		cJSON_AddBoolToObject(m, "made_dir", p->st.mounts[i].made_dir);
		cJSON_AddBoolToObject(m, "done", p->st.mounts[i].done);
		cJSON_AddItemToArray(a, m);
	}
	a = cJSON_AddObjectToObject(o, "nics");
	for (unsigned i = 0; i < p->st.nnics; i++)
		cJSON_AddItemToObject(a, p->st.nics[i].name, nic_json(&p->st.nics[i]));
	return o;
}

int prep_state_save(struct prep *p)
{
	char dir[512];
	int r;
	snprintf(dir, sizeof(dir), "%s%s", p->env.root, p->cfg->state_dir);
	if ((r = statefile_mkdirs(dir, 0750)) < 0)
		return r;
	cJSON *o = state_json(p);
	char *text = cJSON_Print(o);
	cJSON_Delete(o);
	if (!text)
		return -ENOMEM;
	r = statefile_write(p->state_path, text, strlen(text));
	free(text);
	/* --prepare runs as root; scand (the state dir's owner) reads the record for daemon.info */
	struct stat st;
	if (r == 0 && stat(dir, &st) == 0 && chown(p->state_path, st.st_uid, st.st_gid) < 0 && errno != EPERM)
		r = -errno;
	return r;
}

cJSON *prepare_report_nic(const char *state_dir, const char *nic)
{
	char path[512], *text;
	size_t len;
	snprintf(path, sizeof(path), "%s/%s", state_dir, PREP_STATE_FILE);
	if (statefile_read(path, STATE_MAX, &text, &len) < 0)
		return cJSON_CreateNull();
	cJSON *root = cJSON_ParseWithLength(text, len), *out = NULL;
	free(text);
	cJSON *n = cJSON_GetObjectItemCaseSensitive(cJSON_GetObjectItemCaseSensitive(root, "nics"), nic);
	if (cJSON_IsObject(n)) {
		out = cJSON_CreateObject();
		cJSON_AddStringToObject(out, "at", str(root, "at"));
		static const char *const keep[] = { "found", "did", "error" };
		for (size_t i = 0; i < ARRAY_SIZE(keep); i++)
			cJSON_AddItemToObject(out, keep[i], cJSON_Duplicate(cJSON_GetObjectItemCaseSensitive(n, keep[i]), 1));
	}
	cJSON_Delete(root);
	return out ? out : cJSON_CreateNull();
}
