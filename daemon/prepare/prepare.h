/* scand --prepare [--dry-run|--undo]: makes the host match scand.conf before
 * scand starts (hugepages + hugetlbfs, DPDK NIC binding, AF_XDP MTU and
 * channels) and records what it changed, so --undo reverts only that. The
 * record is a journal: each change's intent is written (fsync'd) before the
 * change is made and marked done after it, so --undo after a crash at any
 * step reverts every change that was started. */
#pragma once
#include "config.h"
#include "hugepages.h"

#include <cjson/cJSON.h>

#define PREP_LINES 12
#define PREP_LINE 240
#define PREP_MAX_MOUNTS 4
#define PREP_STATE_FILE "prepare.json"
#define PREP_HUGEPAGES "[hugepages]" /* the record for host-wide steps (not a NIC name) */

/* What preparation found and did for one NIC, and what --undo needs. */
struct prep_nic {
	char name[IFNAMSIZ];
	unsigned nfound, ndid;
	char found[PREP_LINES][PREP_LINE];
	char did[PREP_LINES][PREP_LINE];
	char error[512];
	/* undo facts, kept across runs until undone; each written before its
	 * change (started), its *_done flag set once the change was made */
	bool bound, was_up, bind_done;
	char pci[16], ifname[IFNAMSIZ], from_drv[32], to_drv[32], tool[24];
	unsigned mtu_before, mtu_after; /* 0: scand did not change the MTU */
	unsigned ch_before, ch_after;	/* 0: scand did not change channels */
	bool ch_combined;		/* combined channels, else rx + tx */
	bool mtu_done, ch_done;
};

struct prep_hp {
	unsigned kb;
	int node;
	unsigned before, after; /* nr_hugepages before scand and after its write (the asked count until done) */
	bool done;
};

struct prep_mount {
	char dir[256];
	unsigned kb;
	bool made_dir; /* scand creates (created) the directory */
	bool done;
};

struct prep_state {
	unsigned nhp, nmounts, nnics;
	struct prep_hp hp[HP_MAX_REQ];
	struct prep_mount mounts[PREP_MAX_MOUNTS];
	struct prep_nic nics[2 * CONFIG_MAX_NICS + 1]; /* NICs of this and earlier configs, and [hugepages] */
};

struct prep {
	const struct config *cfg;
	struct dpdk_env env; /* root "" on a real host; fake trees in tests */
	bool dry_run;
	FILE *out, *err;
	unsigned changes, problems;
	char state_path[512];
	struct prep_state st;
};

/* scand --prepare: 0 when the host matches the config, 1 when something
 * could not be prepared (each problem printed with its fix). root is "" on a
 * real host. */
int prepare_main(const struct config *cfg, const char *root, bool dry_run, bool undo);
/* daemon.info: what the last --prepare found and did for this NIC
 * ({"at", "found", "did", "error"}), or JSON null when it never ran. */
cJSON *prepare_report_nic(const char *state_dir, const char *nic);

/* --- steps (prepare_huge.c, prepare_pci.c, prepare_xdp.c) --- */
int prep_hugepages(struct prep *p, struct prep_nic *rep);
int prep_hugepages_undo(struct prep *p);
int prep_dpdk_nic(struct prep *p, const struct nic_config *nc, struct prep_nic *rec);
int prep_dpdk_undo(struct prep *p, struct prep_nic *rec);
int prep_xdp_nic(struct prep *p, const struct nic_config *nc, struct prep_nic *rec);
int prep_xdp_undo(struct prep *p, struct prep_nic *rec);

/* --- state (prepare_state.c) --- */
int prep_state_load(struct prep *p);
int prep_state_save(struct prep *p);
/* The record of name, created when missing (reusing the slot of a NIC with
 * nothing to undo when the table is full); NULL when every slot holds
 * changes to undo. */
struct prep_nic *prep_state_nic(struct prep *p, const char *name);
/* The journal step around a change: writes the record, fsync'd, with the
 * change's intent (before it is made) or its done mark (after). Nothing with
 * --dry-run. 0, or a problem on rec: the change must not be made. */
int prep_journal(struct prep *p, struct prep_nic *rec);

/* --- output and commands (prepare_cmd.c) --- */
/* A fact ("found") for rec, printed and kept for daemon.info. */
void prep_found(struct prep *p, struct prep_nic *rec, const char *fmt, ...) __attribute__((format(printf, 3, 4)));
/* A problem: printed to stderr, kept as rec->error; returns r. */
int prep_fail(struct prep *p, struct prep_nic *rec, int r, const char *fmt, ...) __attribute__((format(printf, 4, 5)));
/* A change made by running argv: printed; with --dry-run only printed as
 * "would run". 0, or -EIO with rec->error holding the command's output. */
int prep_run(struct prep *p, struct prep_nic *rec, const char *const *argv);
/* A change made by writing v to root + rel (sysfs); dry-run prints it. */
int prep_write(struct prep *p, struct prep_nic *rec, const char *rel, unsigned v);
/* Reads an unsigned integer from root + rel. 0 or -errno. */
int prep_read_uint(const struct prep *p, const char *rel, unsigned *v);
bool prep_exists(const struct prep *p, const char *rel);
/* The control-plane check (common/ctlplane.c) for a NIC about to be changed:
 * -EPERM and a problem naming consequence and the fix when ifname carries
 * the host's control plane and [nic] control_plane_ok is false; with it
 * true a found line says so ("...: doing it anyway"). */
int prep_control_plane(struct prep *p, struct prep_nic *rec, const struct nic_config *nc, const char *ifname,
		       const char *consequence, const char *anyway);

/* The runner: argv[0] is looked up on PATH (tests put stubs first); stdout and
 * stderr land in out. Returns the exit status (0-255) or -errno (-ENOENT: not
 * installed, -ETIMEDOUT after 60 s). */
int cmd_run(const char *const *argv, char *out, size_t len);
/* True when prog is an executable on PATH. */
bool cmd_exists(const char *prog);
/* argv as one shell-style line. */
void cmd_format(const char *const *argv, char *buf, size_t len);
