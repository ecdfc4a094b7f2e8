/* scand entry point: arguments, configuration, blocklist, then daemon_run().
 * scand never forks: systemd (Type=notify) or the shell supervises it. */
#include "daemon.h"
#include "registry.h"
#include "log.h"
#include "prepare.h"
#include "scand-config.h"

#include <getopt.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>

static void usage(FILE *f)
{
	fprintf(f,
		"Usage: scand [--config PATH] [--foreground] [--check-config] [--version]\n"
		"       scand --prepare [--dry-run|--undo] [--config PATH]\n"
		"\n"
		"Resident multi-engine port scanner. Listens on the control socket named in the\n"
		"config and runs scan jobs submitted with scanctl.\n"
		"\n"
		"  -c, --config PATH   configuration file (default %s/scand.conf)\n"
		"  -f, --foreground    accepted for compatibility; scand never daemonizes\n"
		"  -t, --check-config  validate the configuration and the blocklist, then exit\n"
		"                      (0 when valid; 1 with one line per problem)\n"
		"  -p, --prepare       make the host match the config (hugepages, hugetlbfs, DPDK\n"
		"                      NIC binding, AF_XDP MTU/channels; run as root before scand,\n"
		"                      e.g. ExecStartPre=+); records what it changed\n"
		"  -n, --dry-run       with --prepare: print what would change, change nothing\n"
		"  -u, --undo          with --prepare: revert what --prepare recorded (bound NICs,\n"
		"                      hugepages, mounts, MTU, channels)\n"
		"  -V, --version       print the version and the engines compiled in\n"
		"  -h, --help          this text\n"
		"\n"
		"Signals: SIGHUP (systemctl reload scand) re-opens NICs marked failed;\n"
		"SIGTERM/SIGINT checkpoint running jobs (they resume at the next start), detach\n"
		"XDP programs, close the engines and exit 0.\n"
		"systemd: Type=notify (READY=1, STATUS=, WATCHDOG=1 every tick, RELOADING=1,\n"
		"STOPPING=1); a socket passed by scand.socket (sd_listen_fds) replaces [daemon] socket.\n"
		"Files: %s/scand.conf, blocklist.conf; state in [daemon] state_dir.\n",
		SCAND_SYSCONFDIR, SCAND_SYSCONFDIR);
}

/* Loads config, blocklist and allow list; errors go to stderr. */
static int load_all(struct daemon *d, const char *path)
{
	struct errbuf e = { { 0 } };
	if (config_load(&d->cfg, path, &e) < 0 ||
	    daemon_load_lists(&d->cfg, &d->blocklist, &d->allow, &e) < 0) {
		fprintf(stderr, "%s%s%s\n", strncmp(e.msg, path, strlen(path)) ? path : "",
			strncmp(e.msg, path, strlen(path)) ? ": " : "", e.msg);
		return -1;
	}
	return 0;
}

static void print_version(void)
{
	printf("scand %s\nengines:", SCAND_VERSION);
	for (const char *const *n = engine_compiled(); *n; n++)
		printf(" %s", *n);
	printf("\n");
}

int main(int argc, char **argv)
{
	static const struct option opts[] = {
		{ "config", required_argument, NULL, 'c' }, { "foreground", no_argument, NULL, 'f' },
		{ "check-config", no_argument, NULL, 't' }, { "version", no_argument, NULL, 'V' },
		{ "help", no_argument, NULL, 'h' },	    { "prepare", no_argument, NULL, 'p' },
		{ "dry-run", no_argument, NULL, 'n' },	    { "undo", no_argument, NULL, 'u' },
		{ 0 }
	};
	const char *path = SCAND_SYSCONFDIR "/scand.conf";
	bool check = false, prepare = false, dry_run = false, undo = false;
	struct daemon *d;
	int c, r;

	while ((c = getopt_long(argc, argv, "c:ftVhpnu", opts, NULL)) != -1) {
		switch (c) {
		case 'c': path = optarg; break;
		case 'f': break;
		case 't': check = true; break;
		case 'p': prepare = true; break;
		case 'n': dry_run = true; break;
		case 'u': undo = true; break;
		case 'V': print_version(); return 0;
		case 'h': usage(stdout); return 0;
		default: usage(stderr); return 2;
		}
	}
	if (optind < argc) {
		fprintf(stderr, "scand: unexpected argument \"%s\"\n", argv[optind]);
		usage(stderr);
		return 2;
	}
	if ((dry_run || undo) && !prepare) {
		fprintf(stderr, "scand: --dry-run and --undo go with --prepare\n");
		return 2;
	}
	if (!(d = calloc(1, sizeof(*d))))
		return 1;
	d->config_path = path;
	r = load_all(d, path);
	if (r == 0 && check)
		printf("%s: OK (%u NIC%s)\n", path, d->cfg.nnics, d->cfg.nnics == 1 ? "" : "s");
	if (r == 0 && prepare)
		r = prepare_main(&d->cfg, "", dry_run, undo);
	else if (r == 0 && !check) {
		log_set_level(d->cfg.log_level);
		r = daemon_run(d);
	}
	cidr_list_free(&d->blocklist);
	cidr_list_free(&d->allow);
	free(d);
	return r == 0 ? 0 : 1;
}
