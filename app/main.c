/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * xbgw: policy gateway for international data channels.
 *
 *   xbgw [EAL options] -- [options]
 *
 * The main lcore is the control plane (config, replay feeding, progress,
 * outputs); every other lcore is a worker running xb_worker_main().
 */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <inttypes.h>
#include <math.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/random.h>
#include <sys/stat.h>
#include <unistd.h>

#include <rte_bus_vdev.h>
#include <rte_cycles.h>
#include <rte_eal.h>
#include <rte_ethdev.h>
#include <rte_lcore.h>
#include <rte_log.h>
#include <rte_mbuf.h>
#include <rte_malloc.h>
#include <rte_mbuf_dyn.h>
#include <rte_version.h>

#ifdef XBGW_HAVE_SYSTEMD
#include <systemd/sd-daemon.h>
#endif

#include "xb_afxdp.h"
#include "xb_app.h"
#include "xb_explain_out.h"
#include "xb_billing.h"
#include "xb_cluster.h"
#include "xb_shares.h"
#include "xb_control.h"
#include "xb_events.h"
#include "xb_flow.h"
#include "xb_frag.h"
#include "xb_log.h"
#include "xb_pcapout.h"
#include "xb_prefix.h"
#include "xb_ops.h"
#include "xb_rules.h"
#include "xb_stats.h"

/* The default config: the installed one (the build passes this
 * install's <confdir>/xbgw.conf), or, for the binary of a build tree, the
 * source tree's, relative to the current directory (the README's commands
 * run from the source root). */
#ifndef XBGW_DEFAULT_CONFIG
#define XBGW_DEFAULT_CONFIG "/etc/xbgw/xbgw.conf"
#endif
#define SOURCE_TREE_CONFIG "config/xbgw.conf"
/* Per worker: flows that may be reassembling a name at once; the
 * entries of its partition of the shared DNS answer cache (336 bytes
 * each: 21 MiB); DNS queries in flight it remembers (64 bytes each). */
#define XB_NAME_SLOTS 4096
#define XB_DNS_CACHE_ENTRIES 65536
#define XB_DNS_PENDING_QUERIES 16384

static volatile sig_atomic_t quit_signal;
static volatile sig_atomic_t reload_signal;
static volatile sig_atomic_t reopen_signal;

/* SIGHUP: reload the tables and reopen the flow log; SIGUSR1: reopen the
 * flow log only (logrotate); SIGINT/SIGTERM: stop. */
static void
on_signal(int sig)
{
	if (sig == SIGHUP) {
		reload_signal = 1;
		reopen_signal = 1;
	} else if (sig == SIGUSR1) {
		reopen_signal = 1;
	} else {
		quit_signal = 1;
	}
}

/* Is this process the binary of xbgw's build tree (not an installed
 * one)? */
static bool
from_build_tree(void)
{
	char exe[PATH_MAX];
	ssize_t l = readlink("/proc/self/exe", exe, sizeof(exe) - 1);

	if (l <= 0)
		return false;
	exe[l] = '\0';
	return strncmp(exe, XBGW_BUILD_ROOT "/", strlen(XBGW_BUILD_ROOT) + 1) ==
	       0;
}

static const char *
default_config(void)
{
	return from_build_tree() ? SOURCE_TREE_CONFIG : XBGW_DEFAULT_CONFIG;
}

static void
usage(FILE *f)
{
	fprintf(f,
		"usage: xbgw [EAL options] -- [options]\n"
		"  -c, --config FILE        main config (default: %s)\n"
		"      --check-config       validate config and all tables, print every\n"
		"                           error as \"file:line: message\", exit 0 or 1\n"
		"      --replay FILE[,FILE..]  replay pcap/pcapng files as the input\n"
		"      --loops N            replay loops (default 1)\n"
		"      --duration S         replay for S seconds (loops the capture)\n"
		"      --pcap-out FILE      write forwarded packets (pcap)\n"
		"      --stats-json FILE    write the final statistics document\n"
		"      --flow-log FILE      one JSON line per flow when it ends or at exit\n"
		"                           (overrides [flowlog] file; truncated at start)\n"
		"      --clock wall|capture clock for meters, bands and timeouts\n"
		"      --verify-events FILE check an event log: hash chain and seq, exit 0\n"
		"                           (intact), 1 (changed; the line is printed) or\n"
		"                           3 (unreadable); with it:\n"
		"        --events-key KEYFILE   also check every line's hmac ([events] key)\n"
		"        --events-anchor SEQ:HASH|USAGE_CSV  the log must reach that line\n"
		"                           with that hash (from syslog's \"event log\n"
		"                           anchor\" or a usage file's \"# events\" line);\n"
		"                           repeatable\n"
		"      --progress / --no-progress  live progress line (default: on a tty)\n"
		"      --stages io|parse|flow|all  benchmark: run the pipeline up to a stage\n"
		"                           and forward everything (default: all)\n"
		"      --explain PROTO SRC DST SPORT DPORT [--name N] [--vlan V]\n"
		"        [--tenant T] [--time HH:MM] [--json]  the verdict of one flow\n"
		"                           on the config, with the table line that\n"
		"                           decided each step (exit 0, 1 config, 2 usage)\n"
		"      --cluster-init       create or upgrade the [cluster] schema in\n"
		"                           PostgreSQL (config/cluster.sql), exit 0,\n"
		"                           1 (no [cluster] / config error) or 3 (failed)\n"
		"      --version, --help\n"
		"Without EAL options, xbgw picks defaults (all cores, hugepages when\n"
		"reserved, else --no-huge; --no-pci in replay mode).\n"
		"Signals: HUP reloads the tables and reopens the flow log, USR1\n"
		"reopens the flow log, INT/TERM stop.\n"
		"Exit codes: 0 ok, 1 config error, 2 usage error, 3 runtime failure.\n",
		default_config());
}

static int
usage_error(const char *fmt, const char *arg)
{
	fprintf(stderr, "xbgw: ");
	fprintf(stderr, fmt, arg);
	fprintf(stderr, " (see xbgw -- --help)\n");
	return -XB_EXIT_USAGE;
}

static int
parse_u64(const char *s, uint64_t min, uint64_t max, uint64_t *out)
{
	char *end;
	unsigned long long v;

	if (s[0] == '-' || s[0] == '\0')
		return -1;
	errno = 0;
	v = strtoull(s, &end, 10);
	if (errno != 0 || *end != '\0' || v < min || v > max)
		return -1;
	*out = v;
	return 0;
}

enum {
	OPT_CHECK = 256,
	OPT_REPLAY,
	OPT_LOOPS,
	OPT_DURATION,
	OPT_PCAP_OUT,
	OPT_STATS_JSON,
	OPT_FLOW_LOG,
	OPT_CLOCK,
	OPT_VERSION,
	OPT_PROGRESS,
	OPT_STAGES,
	OPT_NO_PROGRESS,
	OPT_VERIFY_EVENTS,
	OPT_EVENTS_KEY,
	OPT_EVENTS_ANCHOR,
	OPT_EXPLAIN,
	OPT_EXPLAIN_NAME,
	OPT_EXPLAIN_VLAN,
	OPT_EXPLAIN_TENANT,
	OPT_EXPLAIN_TIME,
	OPT_EXPLAIN_JSON,
	OPT_CLUSTER_INIT,
};

/* Returns 0 to run, 1 to exit 0 (help/version), <0 = -exit code. */
static int
parse_options(int argc, char **argv, struct xb_options *o)
{
	static const struct option longopts[] = {
		{"config", required_argument, NULL, 'c'},
		{"check-config", no_argument, NULL, OPT_CHECK},
		{"replay", required_argument, NULL, OPT_REPLAY},
		{"loops", required_argument, NULL, OPT_LOOPS},
		{"duration", required_argument, NULL, OPT_DURATION},
		{"pcap-out", required_argument, NULL, OPT_PCAP_OUT},
		{"stats-json", required_argument, NULL, OPT_STATS_JSON},
		{"flow-log", required_argument, NULL, OPT_FLOW_LOG},
		{"clock", required_argument, NULL, OPT_CLOCK},
		{"progress", no_argument, NULL, OPT_PROGRESS},
		{"stages", required_argument, NULL, OPT_STAGES},
		{"no-progress", no_argument, NULL, OPT_NO_PROGRESS},
		{"version", no_argument, NULL, OPT_VERSION},
		{"verify-events", required_argument, NULL, OPT_VERIFY_EVENTS},
		{"events-key", required_argument, NULL, OPT_EVENTS_KEY},
		{"events-anchor", required_argument, NULL, OPT_EVENTS_ANCHOR},
		{"explain", no_argument, NULL, OPT_EXPLAIN},
		{"name", required_argument, NULL, OPT_EXPLAIN_NAME},
		{"vlan", required_argument, NULL, OPT_EXPLAIN_VLAN},
		{"tenant", required_argument, NULL, OPT_EXPLAIN_TENANT},
		{"time", required_argument, NULL, OPT_EXPLAIN_TIME},
		{"json", no_argument, NULL, OPT_EXPLAIN_JSON},
		{"cluster-init", no_argument, NULL, OPT_CLUSTER_INIT},
		{"help", no_argument, NULL, 'h'},
		{NULL, 0, NULL, 0},
	};
	bool loops_set = false;
	int c;

	memset(o, 0, sizeof(*o));
	o->config = default_config();
	o->loops = 1;
	o->progress = -1;
	optind = 1;
	opterr = 0;
	while ((c = getopt_long(argc, argv, ":c:h", longopts, NULL)) != -1) {
		switch (c) {
		case 'c':
			o->config = optarg;
			break;
		case OPT_CHECK:
			o->check_config = true;
			break;
		case OPT_EXPLAIN:
			o->explain = true;
			break;
		case OPT_EXPLAIN_NAME:
			o->explain_name = optarg;
			break;
		case OPT_EXPLAIN_TENANT:
			o->explain_tenant = optarg;
			break;
		case OPT_EXPLAIN_TIME:
			o->explain_time = optarg;
			break;
		case OPT_EXPLAIN_JSON:
			o->explain_json = true;
			break;
		case OPT_EXPLAIN_VLAN: {
			uint64_t v;

			if (parse_u64(optarg, 1, 4094, &v) < 0)
				return usage_error("--vlan: got \"%s\", expected 1..4094",
						   optarg);
			o->explain_vlan = (uint16_t)v;
			break;
		}
		case OPT_REPLAY: {
			char *list = strdup(optarg), *save = NULL, *tok;

			if (list == NULL)
				return -XB_EXIT_RUNTIME;
			for (tok = strtok_r(list, ",", &save); tok;
			     tok = strtok_r(NULL, ",", &save)) {
				if (o->nreplay == XB_MAX_REPLAY_FILES)
					return usage_error("too many replay files (at most %s)",
							   "64");
				o->replay[o->nreplay++] = tok;
			}
			if (o->nreplay == 0)
				return usage_error("--replay: no file in \"%s\"",
						   optarg);
			break; /* list stays allocated: argv lifetime */
		}
		case OPT_LOOPS:
			if (parse_u64(optarg, 1, UINT64_MAX / 2, &o->loops) < 0)
				return usage_error("--loops: got \"%s\", expected an integer >= 1",
						   optarg);
			loops_set = true;
			break;
		case OPT_DURATION: {
			char *end;

			errno = 0;
			o->duration_s = strtod(optarg, &end);
			if (errno != 0 || *end != '\0' || !(o->duration_s > 0) ||
			    !isfinite(o->duration_s))
				return usage_error("--duration: got \"%s\", expected seconds > 0",
						   optarg);
			break;
		}
		case OPT_PCAP_OUT:
			o->pcap_out = optarg;
			break;
		case OPT_STATS_JSON:
			o->stats_json = optarg;
			break;
		case OPT_FLOW_LOG:
			o->flow_log = optarg;
			break;
		case OPT_CLOCK:
			if (strcmp(optarg, "wall") == 0)
				o->clock_capture = false;
			else if (strcmp(optarg, "capture") == 0)
				o->clock_capture = true;
			else
				return usage_error("--clock: got \"%s\", expected wall or capture",
						   optarg);
			break;
		case OPT_PROGRESS:
			o->progress = 1;
			break;
		case OPT_STAGES:
			if (strcmp(optarg, "all") == 0)
				o->stages = XB_STAGES_ALL;
			else if (strcmp(optarg, "parse") == 0)
				o->stages = XB_STAGES_PARSE;
			else if (strcmp(optarg, "flow") == 0)
				o->stages = XB_STAGES_FLOW;
			else if (strcmp(optarg, "io") == 0)
				o->stages = XB_STAGES_IO;
			else
				return usage_error("--stages: got \"%s\", expected io, parse, flow or all",
						   optarg);
			break;
		case OPT_NO_PROGRESS:
			o->progress = 0;
			break;
		case OPT_VERIFY_EVENTS:
			o->verify_events = optarg;
			break;
		case OPT_EVENTS_KEY:
			o->events_key = optarg;
			break;
		case OPT_CLUSTER_INIT:
			o->cluster_init = true;
			break;
		case OPT_EVENTS_ANCHOR:
			if (o->nevents_anchor == RTE_DIM(o->events_anchor))
				return usage_error("too many --events-anchor options (at most %s)",
						   "16");
			o->events_anchor[o->nevents_anchor++] = optarg;
			break;
		case OPT_VERSION:
			printf("xbgw %s (DPDK %s)\n", XBGW_VERSION, rte_version());
			return 1;
		case 'h':
			usage(stdout);
			return 1;
		case ':':
			return usage_error("option %s needs a value",
					   argv[optind - 1]);
		default:
			return usage_error("unknown option \"%s\"",
					   argv[optind - 1]);
		}
	}
	if (o->explain) {
		/* getopt moved the five words of --explain to the end. */
		if (argc - optind != 5)
			return usage_error("%s",
					   "--explain needs PROTO SRC DST SPORT DPORT");
		for (int k = 0; k < 5; k++)
			o->explain_args[k] = argv[optind + k];
		optind = argc;
	} else if (o->explain_name || o->explain_tenant || o->explain_time ||
		   o->explain_vlan || o->explain_json) {
		return usage_error("%s",
				   "--name/--vlan/--tenant/--time/--json need --explain");
	}
	if (optind < argc)
		return usage_error("unexpected argument \"%s\"", argv[optind]);
	if (loops_set && o->duration_s > 0)
		return usage_error("%s", "--loops and --duration exclude each other");
	if (o->duration_s > 0)
		o->loops = 0;
	if (o->nreplay == 0 && (loops_set || o->duration_s > 0))
		return usage_error("%s", "--loops/--duration need --replay");
	if (o->nreplay == 0 && o->clock_capture)
		return usage_error("%s", "--clock capture needs --replay");
	if (o->verify_events == NULL &&
	    (o->events_key != NULL || o->nevents_anchor > 0))
		return usage_error("%s",
				   "--events-key/--events-anchor need --verify-events");
	return 0;
}

/*
 * Can an output file be written?  Checked before EAL starts, so a bad
 * path costs no run (the statistics document is written only at the end).
 * An existing regular file is opened for writing without truncation and
 * left as it is until the run writes it; a file that does not exist is
 * created and removed again, so a run that fails later leaves none behind;
 * a FIFO or a device is only checked with access(), since opening it
 * could block or be seen by its reader.  Returns 0, else the errno.
 */
static int
output_writable(const char *path)
{
	struct stat st, lst;
	int fd;

	if (path[0] == '\0')
		return ENOENT;
	if (stat(path, &st) == 0) {
		if (S_ISDIR(st.st_mode))
			return EISDIR;
		if (!S_ISREG(st.st_mode))
			return access(path, W_OK) == 0 ? 0 : errno;
		fd = open(path, O_WRONLY | O_NOCTTY | O_CLOEXEC);
		if (fd < 0)
			return errno;
		close(fd);
		return 0;
	}
	if (errno != ENOENT)
		return errno;
	fd = open(path, O_WRONLY | O_CREAT | O_NOCTTY | O_CLOEXEC, 0666);
	if (fd < 0)
		return errno;
	close(fd);
	/* Ours to remove, unless the path is a symlink (its target stays). */
	if (lstat(path, &lst) == 0 && S_ISREG(lst.st_mode))
		unlink(path);
	return 0;
}

/* Every output path (--stats-json, --flow-log, --pcap-out) writable and
 * distinct?  Returns 0 or -XB_EXIT_USAGE after one line on stderr. */
static int
check_outputs(const struct xb_options *o)
{
	const struct {
		const char *opt, *path;
	} out[] = {
		{"--stats-json", o->stats_json},
		{"--flow-log", o->flow_log},
		{"--pcap-out", o->pcap_out},
	};

	for (unsigned int i = 0; i < RTE_DIM(out); i++) {
		int err;

		if (out[i].path == NULL)
			continue;
		for (unsigned int j = 0; j < i; j++) {
			struct stat a, b;

			if (out[j].path != NULL &&
			    (strcmp(out[i].path, out[j].path) == 0 ||
			     (stat(out[i].path, &a) == 0 &&
			      stat(out[j].path, &b) == 0 && S_ISREG(a.st_mode) &&
			      a.st_dev == b.st_dev && a.st_ino == b.st_ino))) {
				fprintf(stderr,
					"xbgw: %s and %s name the same file: %s\n",
					out[j].opt, out[i].opt, out[i].path);
				return -XB_EXIT_USAGE;
			}
		}
		err = output_writable(out[i].path);
		if (err != 0) {
			fprintf(stderr, "xbgw: %s: cannot write \"%s\": %s\n",
				out[i].opt, out[i].path, strerror(err));
			return -XB_EXIT_USAGE;
		}
	}
	return 0;
}

/* Hugepages reserved and free?  Otherwise run on 4 KB pages. */
static bool
hugepages_available(uint64_t need_mb)
{
	FILE *f = fopen("/proc/meminfo", "r");
	char line[128];
	uint64_t free_pages = 0, size_kb = 0;

	if (f == NULL)
		return false;
	while (fgets(line, sizeof(line), f) != NULL) {
		sscanf(line, "HugePages_Free: %" SCNu64, &free_pages);
		sscanf(line, "Hugepagesize: %" SCNu64, &size_kb);
	}
	fclose(f);
	return free_pages * size_kb / 1024 >= need_mb &&
	       access("/dev/hugepages", W_OK) == 0;
}

/*
 * xbgw's XDP program: $XBGW_XDP_PROG, else the one built beside this
 * binary when it runs from its build tree, else the installed one.
 */
static const char *
xdp_prog_path(void)
{
	const char *env = getenv("XBGW_XDP_PROG");

	if (env != NULL && env[0] != '\0')
		return env;
	if (XBGW_XDP_OBJ_BUILD[0] != '\0' && from_build_tree())
		return XBGW_XDP_OBJ_BUILD;
	return XBGW_XDP_OBJ_INSTALL;
}

/*
 * A net_af_xdp vdev without xdp_prog= gets xbgw's program, so the PMD
 * loads it (and fills its XSKMAP) instead of libxdp's default program,
 * which would send host traffic to xbgw too.  arg is the vdev spec, as a
 * separate argument or as "--vdev=SPEC".
 */
static char *
with_xdp_prog(char *arg)
{
	const char *spec = strncmp(arg, "--vdev=", 7) == 0 ? arg + 7 : arg;
	const char *path;
	char *out;

	if (strncmp(spec, "net_af_xdp", 10) != 0 ||
	    strstr(spec, "xdp_prog=") != NULL)
		return arg;
	path = xdp_prog_path();
	if (access(path, R_OK) != 0)
		return arg; /* xb_afxdp_attach() will say what is wrong */
	if (asprintf(&out, "%s,xdp_prog=%s", arg, path) < 0)
		return arg;
	return out; /* lives as long as EAL's argv */
}

/* The value of EAL option name ("--file-prefix") among the user's EAL
 * arguments, as "--name=V" or "--name V"; NULL when absent. */
static const char *
user_eal_value(int user_argc, char **user_argv, const char *name)
{
	size_t l = strlen(name);
	const char *v = NULL;

	for (int i = 1; i < user_argc; i++) {
		if (strncmp(user_argv[i], name, l) != 0)
			continue;
		if (user_argv[i][l] == '=')
			v = user_argv[i] + l + 1;
		else if (user_argv[i][l] == '\0' && i + 1 < user_argc)
			v = user_argv[i + 1];
	}
	return v;
}

/*
 * EAL arguments: the user's when given, else defaults that work on any
 * machine: every core in the affinity mask, a private file prefix,
 * hugepages when reserved.
 */
static int
build_eal_args(int user_argc, char **user_argv, bool replay, bool check_only,
	       char **out, int max)
{
	static char prefix[PATH_MAX], mem[16];
	int n = 0;

	out[n++] = user_argv[0];
	if (check_only) {
		const char *p = user_eal_value(user_argc, user_argv,
					       "--file-prefix");

		/* Validation needs EAL memory for rte_fib/rte_acl, nothing
		 * else: no devices, no hugepages, no shared files.  Its
		 * runtime directory is still made, under a private prefix
		 * (the user's, if given) so that removing it at exit can
		 * touch no other process's. */
		if (p != NULL)
			snprintf(prefix, sizeof(prefix), "--file-prefix=%s", p);
		else
			snprintf(prefix, sizeof(prefix), "--file-prefix=xbgw%d",
				 (int)getpid());
		out[n++] = prefix;
		out[n++] = "-l";
		out[n++] = "0";
		out[n++] = "--no-huge";
		out[n++] = "-m";
		out[n++] = "1024";
		out[n++] = "--no-pci";
		out[n++] = "--no-telemetry";
		out[n++] = "--no-shconf";
		out[n++] = "--log-level=*:error";
		return n;
	}
	/* DPDK 22.11 warns at every start that it creates no legacy
	 * telemetry socket (xbgw registers no legacy command; the v2 socket,
	 * which dpdk-telemetry.py and the tests use, is there): telemetry
	 * logs errors only.  Given first, so a --log-level of the user's own
	 * still wins. */
	out[n++] = "--log-level=lib.telemetry:error";
	if (user_argc > 1) {
		for (int i = 1; i < user_argc && n < max - 1; i++) {
			bool vdev = strncmp(user_argv[i], "--vdev=", 7) == 0 ||
				    (i > 1 && strcmp(user_argv[i - 1], "--vdev") == 0);

			out[n++] = vdev ? with_xdp_prog(user_argv[i])
					: user_argv[i];
		}
		return n;
	}
	snprintf(prefix, sizeof(prefix), "--file-prefix=xbgw%d", (int)getpid());
	out[n++] = prefix;
	out[n++] = "--log-level=lib.eal:warning";
	if (replay)
		out[n++] = "--no-pci";
	if (hugepages_available(1024)) {
		out[n++] = "--huge-unlink";
	} else {
		snprintf(mem, sizeof(mem), "%d", 2048);
		out[n++] = "--no-huge";
		out[n++] = "-m";
		out[n++] = mem;
	}
	return n;
}

/*
 * The runtime directory EAL makes for the process (/var/run/dpdk/PREFIX,
 * or under $XDG_RUNTIME_DIR): DPDK 22.11 leaves it behind at exit with
 * its config, fbarray_* and hugepage_info files (about 1.8 MB, in RAM on
 * a tmpfs).  remove_runtime_dir() runs from atexit(), registered before
 * rte_eal_init(), so it runs after every exit handler EAL registers (the
 * telemetry socket is unlinked by one), after rte_eal_cleanup() on every
 * path out of main() and after rte_exit().  It acts only when xbgw was
 * the primary process of that directory and removes only the files EAL
 * makes there, then the directory itself; with --no-shconf or
 * --in-memory (files not shared, so the prefix may be shared with another
 * process) it only removes the directory when it is empty.
 */
static struct {
	bool armed;
	bool files;
	char dir[PATH_MAX];
} runtime_dir;

static bool
eal_runtime_file(const char *name)
{
	return strcmp(name, "config") == 0 ||
	       strcmp(name, "hugepage_info") == 0 ||
	       strcmp(name, "mp_socket") == 0 ||
	       strcmp(name, "dpdk_telemetry.v2") == 0 ||
	       strcmp(name, "telemetry") == 0 ||
	       strncmp(name, "fbarray_", 8) == 0;
}

static void
remove_runtime_dir(void)
{
	DIR *d;

	if (!runtime_dir.armed)
		return;
	runtime_dir.armed = false;
	d = runtime_dir.files ? opendir(runtime_dir.dir) : NULL;
	if (d != NULL) {
		struct dirent *e;

		while ((e = readdir(d)) != NULL)
			if (eal_runtime_file(e->d_name))
				unlinkat(dirfd(d), e->d_name, 0);
		closedir(d);
	}
	rmdir(runtime_dir.dir); /* fails, harmlessly, if anything is left */
}

/* Called once rte_eal_init() has returned.  own_prefix: the file prefix
 * is xbgw's private one (xbgw<pid>), so the directory is this process's
 * even when EAL failed half-way. */
static void
arm_runtime_dir_removal(char **eal_argv, int eal_argc, bool init_ok,
			bool own_prefix)
{
	const char *dir = rte_eal_get_runtime_dir();

	if (dir == NULL || dir[0] == '\0')
		return;
	if (init_ok ? rte_eal_process_type() != RTE_PROC_PRIMARY : !own_prefix)
		return;
	runtime_dir.files = true;
	for (int i = 1; i < eal_argc; i++)
		if (strcmp(eal_argv[i], "--no-shconf") == 0 ||
		    strcmp(eal_argv[i], "--in-memory") == 0)
			runtime_dir.files = false;
	snprintf(runtime_dir.dir, sizeof(runtime_dir.dir), "%s", dir);
	runtime_dir.armed = true;
}

static double
now_s(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

int xb_check_config(const struct xb_options *o);
static int xb_explain_cli(struct xb_app *app);
int xb_run(struct xb_app *app);

/* config/cluster.sql, embedded at build time (app/meson.build). */
extern const char xb_cluster_sql[];

/* app->quota_held: what the cluster granted this gateway, not yet used. */
static uint64_t
cluster_held(struct xb_app *app, const char *tenant, uint32_t month,
	     uint64_t used_now)
{
	return xb_cluster_held(app->cluster, tenant, month, used_now);
}

/* app->meters_prepare: a new ruleset's meters start at the last shares. */
static void
cluster_meters_prepare(struct xb_app *app, struct xb_ruleset *rs)
{
	xb_shares_prepare(xb_cluster_shares(app->cluster), rs);
}

/* --cluster-init: the [cluster] schema, created or upgraded. */
static int
cluster_init(const struct xb_options *o)
{
	static struct xb_config cfg;
	struct xb_errors errs;
	char err[1024];

	xb_errors_init(&errs);
	if (xb_config_load(o->config, &cfg, &errs) < 0 ||
	    xb_errors_count(&errs) > 0) {
		xb_errors_print(&errs, stderr);
		xb_errors_free(&errs);
		return XB_EXIT_CONFIG;
	}
	xb_errors_free(&errs);
	if (!cfg.cluster.enabled) {
		fprintf(stderr, "xbgw: %s: no [cluster] section (expected dsn = ..., gateway = ...)\n",
			o->config);
		return XB_EXIT_CONFIG;
	}
	if (xb_cluster_init_schema(cfg.cluster.dsn, xb_cluster_sql, err,
				   sizeof(err)) < 0) {
		fprintf(stderr, "xbgw: --cluster-init: %s\n", err);
		return XB_EXIT_RUNTIME;
	}
	printf("cluster schema ready\n");
	return XB_EXIT_OK;
}

int
main(int argc, char **argv)
{
	static struct xb_app app;
	char *eal_argv[128];
	sigset_t sigs;
	bool own_prefix;
	int split = argc, eal_argc, rc;
	int app_argc;
	char **app_argv;

	/* Split at "--": EAL options before, xbgw options after.  Without
	 * "--", everything is an xbgw option and EAL gets defaults. */
	for (int i = 1; i < argc; i++)
		if (strcmp(argv[i], "--") == 0) {
			split = i;
			break;
		}
	if (split == argc) {
		app_argc = argc;
		app_argv = argv;
		split = 1;
	} else {
		app_argc = argc - split;
		app_argv = argv + split; /* argv[split] = "--" acts as argv0 */
	}
	rc = parse_options(app_argc, app_argv, &app.opt);
	if (rc == 1)
		return XB_EXIT_OK;
	if (rc < 0)
		return -rc;
	if (app.opt.cluster_init) /* PostgreSQL only: no EAL needed */
		return cluster_init(&app.opt);
	if (app.opt.verify_events != NULL) /* a file check: no EAL needed */
		return xb_ops_verify_events(app.opt.verify_events,
					    app.opt.events_key,
					    app.opt.events_anchor,
					    app.opt.nevents_anchor);

	/* Output paths are checked before anything runs: a bad one is a
	 * usage error now, not a failure after the whole run. */
	if (app.opt.explain)
		app.opt.check_config = true; /* EAL as --check-config has it */
	if (!app.opt.check_config) {
		rc = check_outputs(&app.opt);
		if (rc < 0)
			return -rc;
	}

	xb_log_stream_open(); /* each log line once in the journal */
	eal_argc = build_eal_args(split, argv, app.opt.nreplay > 0,
				  app.opt.check_config, eal_argv,
				  (int)RTE_DIM(eal_argv));
	/* Runs after EAL's own exit handlers (registered by rte_eal_init). */
	atexit(remove_runtime_dir);
	/* No SIGINT/SIGTERM/SIGHUP/SIGUSR1 while EAL starts (the threads it makes
	 * keep them blocked, so the main thread takes them); one that comes
	 * meanwhile is handled once the handlers are in place, so the run
	 * still ends through the exit path that cleans up. */
	sigemptyset(&sigs);
	sigaddset(&sigs, SIGINT);
	sigaddset(&sigs, SIGTERM);
	sigaddset(&sigs, SIGHUP);
	sigaddset(&sigs, SIGUSR1);
	sigprocmask(SIG_BLOCK, &sigs, NULL);
	own_prefix = user_eal_value(split, argv, "--file-prefix") == NULL &&
		     (split == 1 || app.opt.check_config);
	if (rte_eal_init(eal_argc, eal_argv) < 0) {
		fprintf(stderr, "xbgw: EAL initialisation failed: %s\n",
			rte_strerror(rte_errno));
		arm_runtime_dir_removal(eal_argv, eal_argc, false, own_prefix);
		return XB_EXIT_RUNTIME;
	}
	arm_runtime_dir_removal(eal_argv, eal_argc, true, own_prefix);
	signal(SIGINT, on_signal);
	signal(SIGTERM, on_signal);
	signal(SIGHUP, on_signal);
	signal(SIGUSR1, on_signal);
	sigprocmask(SIG_UNBLOCK, &sigs, NULL);
	if (app.opt.explain) {
		rc = xb_explain_cli(&app);
		rte_eal_cleanup();
		return rc;
	}
	if (app.opt.check_config) {
		rc = xb_check_config(&app.opt);
		rte_eal_cleanup();
		return rc;
	}
	rc = xb_run(&app);
	rte_eal_cleanup();
	return rc;
}

/* ---- check-config ---------------------------------------------------- */

int
xb_check_config(const struct xb_options *o)
{
	struct xb_errors errs;
	struct xb_config cfg;
	int rc;

	xb_errors_init(&errs);
	/* The validation a start runs (xb_run), short of creating or
	 * binding anything. */
	rc = xb_app_config(o->config, &cfg, XB_CONFIG_CHECK, &errs);
	if (rc < 0 || xb_errors_count(&errs) > 0) {
		xb_errors_print(&errs, stdout);
		printf("%s: %u error%s\n", o->config, xb_errors_count(&errs),
		       xb_errors_count(&errs) == 1 ? "" : "s");
		xb_errors_free(&errs);
		return XB_EXIT_CONFIG;
	}
	printf("%s: OK\n", o->config);
	xb_errors_free(&errs);
	return XB_EXIT_OK;
}

/* ---- explain ----------------------------------------------------------- */

/*
 * xbgw --explain: the verdict of one flow on the config's tables, built as
 * a start builds them (the same ruleset code), printed as one line per
 * step or as the JSON document telemetry /xbgw/explain gives.  Exit 0, 1
 * when the config has errors, 2 for a bad request.
 */
static int
xb_explain_cli(struct xb_app *app)
{
	const struct xb_options *o = &app->opt;
	struct xb_explain_query q;
	struct xb_explain e;
	struct xb_errors errs;
	struct xb_ruleset *rs;
	struct timespec ts;
	char why[256];
	int rc;

	if (xb_explain_parse(o->explain_args[0], o->explain_args[1],
			     o->explain_args[2], o->explain_args[3],
			     o->explain_args[4], &q, why, sizeof(why)) < 0) {
		fprintf(stderr, "xbgw: --explain: %s\n", why);
		return XB_EXIT_USAGE;
	}
	q.name = o->explain_name;
	q.vlan = o->explain_vlan;
	q.tenant = o->explain_tenant;
	xb_errors_init(&errs);
	rc = xb_app_config(o->config, &app->cfg, XB_CONFIG_CHECK, &errs);
	app->nworkers = 1;
	rs = rc < 0 || xb_errors_count(&errs) > 0 ? NULL
						   : xb_rules_build(app, 1, &errs);
	if (rs == NULL) {
		xb_errors_print(&errs, stderr);
		xb_errors_free(&errs);
		return XB_EXIT_CONFIG;
	}
	xb_errors_free(&errs);
	clock_gettime(CLOCK_REALTIME, &ts);
	q.now_ns = (uint64_t)ts.tv_sec * 1000000000ull + (uint64_t)ts.tv_nsec;
	if (o->explain_time != NULL &&
	    xb_explain_parse_time(o->explain_time, rs->utc_offset_s, q.now_ns,
				  &q.now_ns) < 0) {
		fprintf(stderr, "xbgw: --time: got \"%s\", expected HH:MM\n",
			o->explain_time);
		xb_ruleset_free(rs);
		return XB_EXIT_USAGE;
	}
	rc = xb_explain_run(rs, &q, &e);
	if (rc < 0) {
		fprintf(stderr, "xbgw: --explain: %s\n",
			e.steps[XB_EXPLAIN_TENANT].detail[0] ?
				e.steps[XB_EXPLAIN_TENANT].detail :
				strerror(-rc));
		xb_ruleset_free(rs);
		return XB_EXIT_USAGE;
	}
	if (o->explain_json)
		xb_explain_print_json(stdout, &q, &e);
	else
		xb_explain_print_text(stdout, &q, &e);
	xb_ruleset_free(rs);
	return XB_EXIT_OK;
}

/* ---- run --------------------------------------------------------------- */

/*
 * Where replay's forwarded frames go: with --pcap-out, xbgw's own writer
 * (drivers/xb_pcapout.h: a ring port the main lcore drains into the file,
 * with each frame's capture timestamp under --clock capture; net_pcap
 * would stamp the time of sending); otherwise a net_null sink.
 */
static int
create_sink(struct xb_app *app, uint16_t *port, char *err, size_t errlen)
{
	const char *name = "net_null_xbgw_out";
	int rc;

	if (app->opt.pcap_out != NULL) {
		app->pcap_out = xb_pcapout_create(
			app->opt.pcap_out, app->mp, app->nworkers, app->cap.nano,
			app->opt.clock_capture ? app->ts_offset : -1,
			app->ts_flag, err, errlen);
		if (app->pcap_out == NULL)
			return -1;
		*port = xb_pcapout_port(app->pcap_out);
		return 0;
	}
	rc = rte_vdev_init(name, "no-rx=1");
	if (rc != 0) {
		snprintf(err, errlen, "cannot create port %s: %s", name,
			 rte_strerror(-rc));
		return -1;
	}
	return xb_port_find(name, port) == 0 ? 0 : -1;
}

static void *
socket_zalloc(size_t size, size_t align, void *arg)
{
	return rte_zmalloc_socket("xbgw_flows", size, (unsigned int)align,
				  (int)(intptr_t)arg);
}

static void
socket_free(void *p, void *arg)
{
	(void)arg;
	rte_free(p);
}

/* A secret for a keyed hash, drawn at start (the kernel's random pool;
 * should it fail, the TSC: unknown outside, if weaker). */
static uint64_t
start_secret(void)
{
	uint64_t v;

	if (getrandom(&v, sizeof(v), GRND_NONBLOCK) == (ssize_t)sizeof(v))
		return v;
	return rte_rdtsc() * 0x9e3779b97f4a7c15ull;
}

static uint16_t mbuf_size(uint32_t mtu);

/* Per-worker state, on the worker's NUMA node: flow table, IP reassembly,
 * name extraction context, flow-log ring, clock base; and the DNS answer
 * cache the workers share (one partition each). */
static int
setup_worker_state(struct xb_app *app)
{
	const uint64_t s = 1000000000ull;
	struct timespec ts;

	clock_gettime(CLOCK_REALTIME, &ts);
	app->dns_cache = xb_dns_cache_create(app->nworkers, XB_DNS_CACHE_ENTRIES,
					     start_secret());
	if (app->dns_cache == NULL) {
		fprintf(stderr, "xbgw: out of memory for the DNS cache\n");
		return -1;
	}
	for (unsigned int i = 0; i < app->nworkers; i++) {
		struct xb_worker *w = app->workers[i];
		int socket = (int)rte_lcore_to_socket_id(w->lcore_id);
		struct xb_flow_table_params fp = {
			.capacity = app->cfg.flow_capacity,
			.timeouts = {
				.tcp_ns = app->cfg.tcp_timeout_s * s,
				.tcp_closed_ns = app->cfg.tcp_closed_timeout_s * s,
				.udp_ns = app->cfg.udp_timeout_s * s,
				.other_ns = app->cfg.other_timeout_s * s,
			},
			.zalloc = socket_zalloc,
			.free = socket_free,
			.alloc_arg = (void *)(intptr_t)socket,
		};

		struct xb_frag_params frp = {
			.datagrams = app->cfg.frag_datagrams,
			.timeout_ns = app->cfg.frag_timeout_s * s,
			.mbuf_size = mbuf_size(app->cfg.mtu),
			.socket = socket,
		};
		char frag_name[32];

		snprintf(frag_name, sizeof(frag_name), "xbgw_frag%u", i);
		frp.name = frag_name;
		w->rules = &xb_rules_swap;
		w->flows = xb_flow_table_create(&fp);
		/* IP reassembly only where the whole pipeline runs (the
		 * --stages benchmarks forward fragments as they come). */
		if (app->opt.stages == XB_STAGES_ALL) {
			w->frag = xb_frag_create(&frp);
			if (w->frag == NULL) {
				fprintf(stderr,
					"xbgw: cannot create the reassembly table of worker %u: %s\n",
					i, rte_strerror(rte_errno));
				return -1;
			}
		}
		w->non_ip_drop = app->cfg.non_ip_drop;
		w->names = xb_name_ctx_create(XB_NAME_SLOTS, 0);
		if (w->names != NULL)
			xb_name_set_quic_budget(w->names,
						app->cfg.quic_decrypt_budget);
		w->dns = xb_dns_learner_create(app->dns_cache, i,
					       XB_DNS_PENDING_QUERIES,
					       start_secret());
		bool want_log = app->flow_log != NULL ||
				xb_ops_want_flow_records(app); /* IPFIX */

		if (want_log)
			w->flowlog = xb_flowrec_ring_create(16);
		w->notices = xb_flowrec_ring_create(12);
		w->name_cache = rte_zmalloc_socket("xbgw_name_cache",
						   sizeof(*w->name_cache),
						   RTE_CACHE_LINE_SIZE, socket);
		if (w->flows == NULL || w->names == NULL || w->notices == NULL ||
		    w->name_cache == NULL || w->dns == NULL ||
		    (want_log && w->flowlog == NULL)) {
			fprintf(stderr,
				"xbgw: out of memory for worker state (flow table of %u entries)\n",
				app->cfg.flow_capacity);
			return -1;
		}
		w->base_tsc = rte_rdtsc();
		w->base_ns = (uint64_t)ts.tv_sec * s + (uint64_t)ts.tv_nsec;
		w->ns_mult = (uint64_t)(((unsigned __int128)s << 32) / app->tsc_hz);
	}
	return 0;
}

static void
free_worker_state(struct xb_app *app)
{
	for (unsigned int i = 0; i < app->nworkers; i++) {
		struct xb_worker *w = app->workers[i];

		xb_flow_table_free(w->flows);
		xb_frag_free(w->frag);
		xb_name_ctx_free(w->names);
		xb_dns_learner_free(w->dns);
		xb_flowrec_ring_free(w->flowlog);
		xb_flowrec_ring_free(w->notices);
		rte_free(w->name_cache);
		rte_free(w);
	}
	app->nworkers = 0;
	xb_dns_cache_free(app->dns_cache);
	app->dns_cache = NULL;
}

static void
drain_flow_logs(struct xb_app *app)
{
	/* Records go to the flow log and to IPFIX. */
	for (unsigned int i = 0; i < app->nworkers; i++)
		app->flows_logged += xb_ops_drain_flows(app,
							app->workers[i]->flowlog);
}

static void
checkpoint(struct xb_app *app)
{
	struct xb_errors errs;

	xb_errors_init(&errs);
	/* The event log's durable head goes into the checkpoint. */
	xb_ops_anchor_events(app);
	if (xb_billing_checkpoint(app, &errs) < 0) {
		XB_LOG(ERR, "usage checkpoint failed:\n");
		xb_errors_print(&errs, stderr);
	} else if (app->cluster != NULL && xb_control_lock_timed(1000) == 0) {
		/* The durable records are the ledger's next shipment. */
		xb_cluster_ship(app->cluster, app);
		xb_control_unlock();
	}
	xb_errors_free(&errs);
}

/* Worker notices become events: negative-list hits, approvals that
 * expired while in use, audited flows. */
static void
notice_event(void *ctx, const struct xb_flow_record *r)
{
	char src[48], dst[48];

	(void)ctx;
	xb_addr_format(r->family, r->src, src, sizeof(src));
	xb_addr_format(r->family, r->dst, dst, sizeof(dst));
	struct xb_event_field f[] = {
		XB_EV_STR("tenant", r->tenant),
		XB_EV_STR("category", r->category),
		XB_EV_STR("country", r->country),
		XB_EV_STR("src", src),
		XB_EV_STR("dst", dst),
		XB_EV_U64("sport", r->sport),
		XB_EV_U64("dport", r->dport),
		XB_EV_U64("proto", r->proto),
		XB_EV_STR("name", r->name_source ? r->name : ""),
	};
	xb_ops_event(r->end_reason == XB_NOTICE_AUDIT ? XB_EVENT_AUDIT
		     : r->end_reason == XB_NOTICE_APPROVAL_EXPIRED
			     ? XB_EVENT_APPROVAL_EXPIRED
			     : XB_EVENT_NEGATIVE_LIST,
		     f, RTE_DIM(f));
}

static void
quota_event(struct xb_app *app, const struct xb_tenant *t, unsigned int line,
	    uint32_t month)
{
	char m[12], row[48];
	static const char *const actions[] = {"notify", "throttle", "block"};

	(void)app;
	snprintf(m, sizeof(m), "%04u-%02u", month / 100 % 10000, month % 100);
	/* The tenants.csv row that set the quota. */
	snprintf(row, sizeof(row), "tenants.csv:%u", line);
	struct xb_event_field f[] = {
		XB_EV_STR("tenant", t->id),
		XB_EV_STR("row", row),
		XB_EV_STR("month", m),
		XB_EV_U64("quota_bytes", t->quota_bytes),
		XB_EV_STR("over_quota", actions[t->over_quota % 3]),
	};
	xb_ops_event(XB_EVENT_QUOTA, f, RTE_DIM(f));
}

/* ---- systemd: readiness, stopping, watchdog ---------------------------- */

/*
 * Type=notify: READY=1 once the workers run, STOPPING=1 when they are
 * told to stop, and, when the unit sets WatchdogSec=, WATCHDOG=1 every
 * half period from the main lcore's periodic work, but only while every
 * worker's poll counter has advanced since the previous ping: a stalled
 * worker (or a stalled main lcore) stops the pings and systemd restarts
 * the service.  Without libsystemd at build time, or outside systemd
 * ($NOTIFY_SOCKET unset), these do nothing.
 */
static struct {
	uint64_t interval_us;  /* WatchdogSec, 0: no watchdog */
	double last;           /* time of the last check (now_s()) */
	uint64_t polls[RTE_MAX_LCORE];
	bool stalled;          /* a stall was logged (once per stall) */
	bool stopping;
} sd;

static void
sd_say(const char *what)
{
#ifdef XBGW_HAVE_SYSTEMD
	sd_notify(0, what);
#else
	(void)what;
#endif
}

static void
sd_ready(struct xb_app *app, double t)
{
#ifdef XBGW_HAVE_SYSTEMD
	if (sd_watchdog_enabled(0, &sd.interval_us) <= 0)
		sd.interval_us = 0;
	sd_notifyf(0, "READY=1\nSTATUS=%u workers, ruleset generation %u",
		   app->nworkers, app->generation);
#else
	(void)app;
#endif
	sd.last = t;
}

static void
sd_watchdog(struct xb_app *app, double t)
{
	unsigned int stalled = UINT32_MAX;

	if (sd.interval_us == 0 || sd.stopping ||
	    t - sd.last < (double)sd.interval_us / 2e6)
		return;
	sd.last = t;
	for (unsigned int i = 0; i < app->nworkers; i++) {
		uint64_t p = __atomic_load_n(&app->workers[i]->c.polls,
					     __ATOMIC_RELAXED);

		if (p == sd.polls[i])
			stalled = i;
		sd.polls[i] = p;
	}
	if (stalled == UINT32_MAX) {
		sd_say("WATCHDOG=1");
		sd.stalled = false;
	} else if (!sd.stalled) {
		XB_LOG(ERR, "worker %u (lcore %u) made no progress: watchdog not fed\n",
		       stalled, app->workers[stalled]->lcore_id);
		sd.stalled = true;
	}
}

/* ---- the flow log ----------------------------------------------------- */

/* --flow-log FILE (truncated at start: one run, one file), else [flowlog]
 * file (appended: a service's log across restarts). */
static const char *
flow_log_path(const struct xb_app *app)
{
	if (app->opt.flow_log != NULL)
		return app->opt.flow_log;
	return app->cfg.flowlog_file[0] != '\0' ? app->cfg.flowlog_file : NULL;
}

/* SIGUSR1 / SIGHUP: after logrotate renamed the file, records go to a new
 * one of the same name (appended if it exists).  On failure the old file
 * stays in use. */
static void
reopen_flow_log(struct xb_app *app)
{
	const char *path = flow_log_path(app);
	FILE *f;

	if (app->flow_log == NULL || path == NULL)
		return;
	f = fopen(path, "a");
	if (f == NULL) {
		XB_LOG(ERR, "flow log %s: cannot reopen (%s), writing on to the old file\n",
		       path, strerror(errno));
		return;
	}
	if (fclose(app->flow_log) != 0)
		XB_LOG(ERR, "flow log: closing the old file: %s\n",
		       strerror(errno));
	app->flow_log = f;
	XB_LOG(INFO, "flow log %s reopened\n", path);
}

/* Late packets the log has reported. */
static uint64_t late_logged;

/* Does a worker wait for a fold (its month switch, xb_worker.c)? */
static bool
fold_wanted(const struct xb_app *app)
{
	for (unsigned int i = 0; i < app->nworkers; i++)
		if (atomic_load_explicit(&app->workers[i]->fold_wanted,
					 memory_order_acquire))
			return true;
	return false;
}

/* The meter with the most red packets since the last call, of the
 * active ruleset rs: its tenant, its row ("qos.csv:12", or "over_quota"
 * for a tenant's throttle meter), its red packets and how many meters
 * turned anything red.  Reads the workers' own colour counters (relaxed:
 * a count may lag by a packet).  Main lcore.  0, or -1 when none did. */
struct red_meter {
	char tenant[32];
	char row[32];
	uint64_t red;
	uint64_t meters;
};

static int
top_red_meter(const struct xb_ruleset *rs, struct red_meter *top)
{
	static uint64_t *prev;
	static uint32_t prev_gen, prev_n;
	uint32_t best = UINT32_MAX, n;
	uint64_t best_red = 0;

	if (rs == NULL || rs->meters == NULL)
		return -1;
	n = rs->meters->n_instances;
	if (prev == NULL || prev_gen != rs->generation || prev_n != n) {
		/* A new ruleset's counters start from zero. */
		free(prev);
		prev = calloc(n + 1, sizeof(*prev));
		if (prev == NULL)
			return -1;
		prev_gen = rs->generation;
		prev_n = n;
	}
	top->meters = 0;
	for (uint32_t m = 0; m < n; m++) {
		uint64_t red = 0;

		for (unsigned int w = 0; w < rs->nworkers; w++)
			red += __atomic_load_n(
				&rs->counters[w].meter_colors[m][XB_RED].packets,
				__ATOMIC_RELAXED);
		if (red > prev[m]) {
			top->meters++;
			if (red - prev[m] > best_red) {
				best_red = red - prev[m];
				best = m;
			}
		}
		prev[m] = red;
	}
	if (best == UINT32_MAX)
		return -1;
	{
		uint16_t tenant = 0, row = 0;
		const struct xb_policy_row *r = NULL;

		if (best >= rs->throttle_meter_base) {
			tenant = (uint16_t)(best - rs->throttle_meter_base);
			snprintf(top->row, sizeof(top->row), "over_quota");
		} else if (xb_policy_meter_owner(rs->policy, best, &tenant,
						 &row) == 0 &&
			   (r = xb_policy_row(rs->policy, row)) != NULL) {
			snprintf(top->row, sizeof(top->row), "%s:%u",
				 xb_rule_table_file(XB_RULES_QOS), r->line);
		} else {
			return -1;
		}
		if (xb_tenants_get(rs->tenants, tenant) == NULL)
			return -1;
		snprintf(top->tenant, sizeof(top->tenant), "%s",
			 xb_tenants_get(rs->tenants, tenant)->id);
	}
	top->red = best_red;
	return 0;
}

/* [cluster]: grants to the live ruleset's quotas (every 10 ms), and
 * events when PostgreSQL goes away or comes back, or the gateways'
 * rulesets differ. */
static void
cluster_poll(struct xb_app *app, double t)
{
	char other[64] = "", other_sha[65] = "";
	unsigned int news;

	if (xb_control_lock_timed(0) != 0)
		return; /* a reader holds it: next pass */
	news = xb_cluster_poll(app->cluster, app, xb_rules_active(),
			       (uint64_t)(t * 1e9), other, other_sha);
	xb_shares_poll(xb_cluster_shares(app->cluster), xb_rules_active(),
		       &xb_rules_swap, (uint64_t)(t * 1e9));
	xb_control_unlock();
	if (news & XB_CLUSTER_UNREACHABLE) {
		struct xb_event_field f[] = {
			XB_EV_STR("gateway", app->cfg.cluster.gateway)};

		XB_LOG(WARNING, "cluster: PostgreSQL unreachable: tenants follow on_unreachable\n");
		xb_ops_event(XB_EVENT_CLUSTER_UNREACHABLE, f, RTE_DIM(f));
	}
	if (news & XB_CLUSTER_BACK) {
		struct xb_event_field f[] = {
			XB_EV_STR("gateway", app->cfg.cluster.gateway)};

		XB_LOG(NOTICE, "cluster: PostgreSQL reachable again\n");
		xb_ops_event(XB_EVENT_CLUSTER_BACK, f, RTE_DIM(f));
	}
	if (news & XB_CLUSTER_MISMATCH) {
		struct xb_event_field f[] = {
			XB_EV_STR("gateway", app->cfg.cluster.gateway),
			XB_EV_STR("other", other),
			XB_EV_STR("other_sha256", other_sha)};

		XB_LOG(WARNING, "cluster: gateway %s runs another ruleset (sha256 %s)\n",
		       other, other_sha);
		xb_ops_event(XB_EVENT_RULESET_MISMATCH, f, RTE_DIM(f));
	}
	if (news & XB_CLUSTER_MATCH)
		XB_LOG(NOTICE, "cluster: every gateway runs the same ruleset again\n");
}

/* Every pass: reclaim a ruleset a reload retired once its grace period is
 * over.  Every 0.1 s: fold usage (of the active ruleset and of one still
 * retiring) under the control lock (Prometheus reads the records).  Once a
 * second: checkpoint them, and report a meter surge (red drops in the
 * last second). */
static void
periodic(struct xb_app *app, double t, double *last_fold,
	 double *last_second, uint64_t *last_red)
{
	for (unsigned int i = 0; i < app->nworkers; i++)
		xb_flowrec_drain_each(app->workers[i]->notices, notice_event, app);
	/* Polled, never waited for: the lock only once the reclaim is due,
	 * and only if no reader holds it now (a timeout of 0 ms: the next
	 * pass tries again; until then the ruleset stays retiring, still
	 * folded and summed). */
	if (xb_rules_reclaim_due() && xb_control_lock_timed(0) == 0) {
		xb_rules_reclaim(app);
		xb_control_unlock();
	}
	if (t - *last_fold >= 0.1 || fold_wanted(app)) {
		if (xb_control_lock_timed(1000) == 0) {
			xb_rules_billing_fold(app);
			xb_control_unlock();
		}
		*last_fold = t;
	}
	if (app->cluster != NULL)
		cluster_poll(app, t);
	if (t - *last_second >= 1.0) {
		struct xb_counters s;
		uint64_t red;

		checkpoint(app);
		xb_stats_sum(app, &s);
		if (s.usage_late_pkts + s.usage_held_pkts > late_logged) {
			XB_LOG(WARNING, "usage: %" PRIu64 " packets stamped in another month than the current %u (late: a closed month; held: a later one at stop) billed in the current month (usage_late in the statistics)\n",
				s.usage_late_pkts + s.usage_held_pkts - late_logged,
				xb_billing_current(app));
			late_logged = s.usage_late_pkts + s.usage_held_pkts;
		}
		red = s.drop[XB_DROP_METER_RED];
		if (red - *last_red > 0) {
			struct red_meter top;
			struct xb_event_field f[] = {
				XB_EV_U64("red_packets", red - *last_red),
				XB_EV_U64("interval_ms",
					  (uint64_t)((t - *last_second) * 1000)),
				XB_EV_STR("tenant", ""),
				XB_EV_STR("row", ""),
				XB_EV_U64("row_red_packets", 0),
				XB_EV_U64("meters", 0),
			};
			unsigned int nf = 2;

			/* The meter that dropped most names the tenant and
			 * the qos.csv row (the surge of an active ruleset's
			 * meters; none after a reload reset them). */
			if (top_red_meter(xb_rules_active(), &top) == 0) {
				f[2] = (struct xb_event_field)XB_EV_STR("tenant",
									top.tenant);
				f[3] = (struct xb_event_field)XB_EV_STR("row",
									top.row);
				f[4] = (struct xb_event_field)XB_EV_U64(
					"row_red_packets", top.red);
				f[5] = (struct xb_event_field)XB_EV_U64(
					"meters", top.meters);
				nf = 6;
			}
			xb_ops_event(XB_EVENT_METER_SURGE, f, nf);
		}
		*last_red = red;
		*last_second = t;
	}
	sd_watchdog(app, t);
}

static void
do_reload(struct xb_app *app)
{
	struct xb_errors errs;
	int rc;

	xb_errors_init(&errs);
	/* A long rebuild must not starve the watchdog: ping before it, as
	 * the workers ran until now. */
	sd_say("RELOADING=1");
	sd.last = 0;
	sd_watchdog(app, now_s());
	xb_ops_reload_begin(app); /* keeps telemetry/Prometheus off */
	rc = xb_rules_reload(app, &errs);
	if (rc == 0) {
		XB_LOG(NOTICE, "reload: ruleset generation %u active\n",
			app->generation);
		if (app->cluster != NULL) {
			char sha[65];

			xb_cluster_ruleset_sha(&app->cfg, sha);
			xb_cluster_set_ruleset(app->cluster, sha, app->generation);
		}
	} else {
		app->reloads_failed++;
		XB_LOG(ERR, "reload failed, generation %u stays active:\n",
			app->generation);
		xb_errors_print(&errs, stderr);
	}
	xb_ops_reload_end(app, rc, &errs); /* event, telemetry answer */
	xb_errors_free(&errs);
#ifdef XBGW_HAVE_SYSTEMD
	sd_notifyf(0, "READY=1\nSTATUS=%u workers, ruleset generation %u%s",
		   app->nworkers, app->generation,
		   rc == 0 ? "" : " (last reload failed)");
#endif
}

/* Ports of the live pairs: inside, channel and, where named, public. */
static unsigned int
live_ports(const struct xb_config *cfg)
{
	unsigned int n = 0;

	for (unsigned int p = 0; p < cfg->npairs; p++)
		n += cfg->pairs[p].public_[0] ? 3 : 2;
	return n;
}

static unsigned int
pool_size(const struct xb_app *app, unsigned int nports)
{
	unsigned int per_port = (XB_RX_DESC + XB_TX_DESC) * app->cfg.queues;
	/* Each worker also holds fragments waiting for their datagram
	 * (xb_frag.h: one RX mbuf per copy buffer). */
	unsigned int n = nports * per_port + app->nworkers *
			 (XB_BURST + XB_MAX_PORTS * XB_TX_BUF +
			  xb_frag_copies(app->cfg.frag_datagrams)) + 8192;

	if (app->cfg.mbufs > n)
		n = app->cfg.mbufs;
	return n;
}

/*
 * Mbuf size (headroom + data room): a frame of the configured MTU (plus
 * Ethernet header, two VLAN tags and FCS) fits one mbuf, never less than
 * DPDK's default.  Jumbo MTUs thus cost memory per mbuf, not chained
 * segments on every large frame; drivers that cannot take such mbufs
 * still scatter.
 */
static uint16_t
mbuf_size(uint32_t mtu)
{
	uint32_t room = mtu + RTE_ETHER_HDR_LEN + 2 * RTE_VLAN_HLEN +
			RTE_ETHER_CRC_LEN;

	room = RTE_ALIGN_CEIL(room, RTE_CACHE_LINE_SIZE);
	if (room + RTE_PKTMBUF_HEADROOM < RTE_MBUF_DEFAULT_BUF_SIZE)
		return RTE_MBUF_DEFAULT_BUF_SIZE;
	return (uint16_t)(room + RTE_PKTMBUF_HEADROOM);
}

int
xb_run(struct xb_app *app)
{
	struct xb_errors errs;
	char err[512];
	unsigned int lcore;
	uint16_t in_port, out_port;
	double t0, last_progress = 0, last_fold = 0, last_checkpoint = 0, elapsed;
	uint64_t last_red = 0;
	bool progress;
	int rc = XB_EXIT_OK;

	app->tsc_hz = rte_get_tsc_hz();
	app->ts_offset = -1;
	xb_errors_init(&errs);
	/* Every configuration error is found here, before any port, thread
	 * or file is touched, by the code --check-config runs: exit 1. */
	if (xb_app_config(app->opt.config, &app->cfg, XB_CONFIG_START,
			  &errs) < 0) {
		xb_errors_print(&errs, stderr);
		xb_errors_free(&errs);
		return XB_EXIT_CONFIG;
	}

	RTE_LCORE_FOREACH_WORKER(lcore) {
		struct xb_worker *w = rte_zmalloc_socket(
			"xbgw_worker", sizeof(*w), RTE_CACHE_LINE_SIZE,
			(int)rte_lcore_to_socket_id(lcore));

		if (w == NULL) {
			fprintf(stderr, "xbgw: out of memory for workers\n");
			return XB_EXIT_RUNTIME;
		}
		w->lcore_id = lcore;
		w->index = app->nworkers;
		w->ts_offset = -1;
		app->workers[app->nworkers++] = w;
	}
	if (app->nworkers == 0) {
		fprintf(stderr,
			"xbgw: no worker lcore (give EAL at least two cores, e.g. -l 0,1)\n");
		return XB_EXIT_USAGE;
	}

	if (app->opt.nreplay > 0) {
		if (xb_capture_load(&app->cap, app->opt.replay,
				    app->opt.nreplay, err, sizeof(err)) < 0) {
			fprintf(stderr, "xbgw: %s\n", err);
			return XB_EXIT_RUNTIME;
		}
		if (rte_mbuf_dyn_rx_timestamp_register(&app->ts_offset,
						       &app->ts_flag) != 0) {
			fprintf(stderr, "xbgw: cannot register the timestamp field\n");
			return XB_EXIT_RUNTIME;
		}
	}
	app->on_quota_crossed = quota_event;
	if (app->cfg.cluster.enabled) {
		char sha[65];

		/* Before the first ruleset: its quotas start in cluster
		 * mode, holding nothing until PostgreSQL grants. */
		xb_cluster_ruleset_sha(&app->cfg, sha);
		app->cluster = xb_cluster_start(&app->cfg.cluster, sha, 1, err,
						sizeof(err));
		if (app->cluster == NULL) {
			fprintf(stderr, "xbgw: %s\n", err);
			return XB_EXIT_RUNTIME;
		}
		app->quota_held = cluster_held;
		app->meters_prepare = cluster_meters_prepare;
	}
	if (xb_billing_init(app, &errs) < 0 || xb_rules_start(app, &errs) < 0) {
		xb_errors_print(&errs, stderr);
		xb_errors_free(&errs);
		return XB_EXIT_CONFIG;
	}
	xb_errors_free(&errs);
	if (flow_log_path(app) != NULL) {
		app->flow_log = fopen(flow_log_path(app),
				      app->opt.flow_log != NULL ? "w" : "a");
		if (app->flow_log == NULL) {
			fprintf(stderr, "xbgw: %s: %s\n", flow_log_path(app),
				strerror(errno));
			return XB_EXIT_RUNTIME;
		}
	}
	if (xb_ops_start(app, err, sizeof(err)) < 0) {
		fprintf(stderr, "xbgw: %s\n", err);
		return XB_EXIT_RUNTIME;
	}
	if (setup_worker_state(app) < 0)
		return XB_EXIT_RUNTIME;
	app->mp = rte_pktmbuf_pool_create(
		"xbgw_mbufs", pool_size(app, app->opt.nreplay ? 2 : live_ports(&app->cfg)),
		256, 0, mbuf_size(app->cfg.mtu), (int)rte_socket_id());
	if (app->mp == NULL) {
		fprintf(stderr, "xbgw: cannot create the mbuf pool: %s\n",
			rte_strerror(rte_errno));
		return XB_EXIT_RUNTIME;
	}

	if (app->opt.nreplay > 0) {
		app->replay = xb_replay_create(&app->cap, app->mp, app->opt.loops,
					       app->nworkers, app->ts_offset,
					       app->ts_flag, err, sizeof(err));
		if (app->replay == NULL) {
			fprintf(stderr, "xbgw: %s\n", err);
			return XB_EXIT_RUNTIME;
		}
		in_port = xb_replay_port(app->replay);
		if (create_sink(app, &out_port, err, sizeof(err)) < 0) {
			fprintf(stderr, "xbgw: %s\n", err);
			return XB_EXIT_RUNTIME;
		}
		if (xb_port_setup(in_port, (uint16_t)app->nworkers,
				  (uint16_t)app->nworkers,
				  app->cfg.mtu, app->mp, &app->ports[0], err,
				  sizeof(err)) < 0 ||
		    xb_port_setup(out_port, 1, (uint16_t)app->nworkers,
				  app->cfg.mtu, app->mp, &app->ports[1], err,
				  sizeof(err)) < 0) {
			fprintf(stderr, "xbgw: %s\n", err);
			return XB_EXIT_RUNTIME;
		}
		app->nports = 2;
		/* One RX queue per worker, filled by flow hash. */
		for (unsigned int i = 0; i < app->nworkers; i++) {
			struct xb_worker *w = app->workers[i];

			w->rxq[w->nrxq++] = (struct xb_rxq){
				.port = in_port, .queue = (uint16_t)i,
				.tx_port = out_port, .public_port = out_port,
				.role = XB_ROLE_NONE};
		}
	} else {
		if (app->cfg.npairs == 0) {
			fprintf(stderr,
				"xbgw: no input: give --replay FILE or [ports] pairs in %s\n",
				app->cfg.path);
			return XB_EXIT_USAGE;
		}
		for (unsigned int p = 0; p < app->cfg.npairs; p++) {
			const struct xb_port_pair *pair = &app->cfg.pairs[p];
			uint16_t ids[3];
			const char *names[3] = {pair->inside, pair->outside,
						pair->public_};
			int nsides = pair->public_[0] ? 3 : 2;

			for (int s = 0; s < nsides; s++) {
				if (xb_port_find(names[s], &ids[s]) < 0) {
					fprintf(stderr,
						"xbgw: %s: port \"%s\" not found (give it to EAL: -a PCI or --vdev)\n",
						app->cfg.path, names[s]);
					return XB_EXIT_CONFIG;
				}
				if (ids[s] >= XB_MAX_PORTS) {
					fprintf(stderr, "xbgw: port id %u too high\n",
						ids[s]);
					return XB_EXIT_RUNTIME;
				}
				if (xb_port_setup(ids[s], (uint16_t)app->cfg.queues,
						  (uint16_t)app->nworkers,
						  app->cfg.mtu, app->mp,
						  &app->ports[app->nports], err,
						  sizeof(err)) < 0) {
					fprintf(stderr, "xbgw: %s\n", err);
					return XB_EXIT_RUNTIME;
				}
				app->nports++;
				xb_port_watch_link(ids[s]);
				/* AF_XDP: host traffic stays with the kernel. */
				if (xb_afxdp_attach(ids[s], &app->cfg.afxdp, err,
						    sizeof(err)) < 0) {
					fprintf(stderr, "xbgw: %s\n", err);
					return XB_EXIT_RUNTIME;
				}
			}
			/* Spread queues over workers: queue q -> worker q % W. */
			for (unsigned int q = 0; q < app->cfg.queues; q++) {
				struct xb_worker *w =
					app->workers[q % app->nworkers];

				/* Inside -> channel (or public, by
				 * action); channel and public -> inside. */
				for (int s = 0; s < nsides; s++) {
					uint16_t to = s == 0 ? ids[1] : ids[0];

					if (w->nrxq == XB_MAX_RXQ) {
						fprintf(stderr,
							"xbgw: too many RX queues per worker\n");
						return XB_EXIT_CONFIG;
					}
					w->rxq[w->nrxq++] = (struct xb_rxq){
						.port = ids[s],
						.queue = (uint16_t)q,
						.tx_port = to,
						.public_port = s == 0 && nsides == 3
								       ? ids[2]
								       : to,
						.role = s == 0 ? XB_ROLE_INSIDE
							       : XB_ROLE_OUTSIDE};
				}
			}
		}
	}

	if (app->replay != NULL && app->opt.clock_capture) {
		const uint64_t *now[RTE_MAX_LCORE];

		for (unsigned int i = 0; i < app->nworkers; i++)
			now[i] = &app->workers[i]->now_ns;
		/* Workers' capture clocks within 1 ms of each other. */
		xb_replay_sync_clocks(app->replay, now, 1000000);
	}
	for (unsigned int i = 0; i < app->nworkers; i++) {
		struct xb_worker *w = app->workers[i];

		w->clock_capture = app->opt.clock_capture;
		w->stages = app->opt.stages;
		if (app->cfg.ipfix_collector[0] != '\0')
			w->active_timeout_ns =
				(uint64_t)app->cfg.ipfix_active_timeout_s *
				1000000000ull;
		w->ts_offset = app->ts_offset;
		rte_eal_remote_launch(xb_worker_main, w, w->lcore_id);
	}

	progress = app->opt.progress < 0 ? isatty(STDERR_FILENO)
					 : app->opt.progress;
	t0 = now_s();
	sd_ready(app, t0);
	for (;;) {
		double t = now_s();

		if (quit_signal)
			break;
		if (app->replay != NULL) {
			unsigned int fed = xb_replay_feed(app->replay, 4096);
			/* Forwarded frames to --pcap-out: written here, on
			 * the main lcore, never on a worker. */
			unsigned int written =
				app->pcap_out != NULL
					? xb_pcapout_drain(app->pcap_out, 8192)
					: 0;

			if (app->opt.duration_s > 0 &&
			    t - t0 >= app->opt.duration_s)
				xb_replay_stop(app->replay);
			if (xb_replay_done(app->replay)) {
				struct xb_counters s;

				xb_stats_sum(app, &s);
				if (s.rx_pkts >= xb_replay_fed(app->replay))
					break;
			}
			if (fed == 0 && written == 0)
				rte_delay_us_sleep(50);
		} else {
			rte_delay_us_sleep(10000);
		}
		drain_flow_logs(app);
		periodic(app, t, &last_fold, &last_checkpoint, &last_red);
		xb_ops_poll(app); /* IPFIX timers */
		/* A reload starts once the ruleset the previous one retired
		 * is reclaimed (one ruleset retires at a time, xb_rules.h):
		 * normally already the case; else the request stays posted
		 * for the next pass, which polls the reclaim again. */
		if (reopen_signal) {
			reopen_signal = 0;
			reopen_flow_log(app);
		}
		if ((reload_signal || xb_control_reload_requested()) &&
		    xb_rules_retiring() == 0) {
			reload_signal = 0;
			do_reload(app);
		}
		if (progress && t - last_progress >= 0.5) {
			xb_stats_progress(app, stderr, t - t0);
			last_progress = t;
		}
	}
	elapsed = now_s() - t0;
	sd.stopping = true;
	sd_say("STOPPING=1");
	for (unsigned int i = 0; i < app->nworkers; i++)
		atomic_store(&app->workers[i]->stop, true);
	/* Workers flush their flow tables into the flow log at exit; keep
	 * draining until every one has finished. */
	for (bool all = false; !all;) {
		all = true;
		drain_flow_logs(app);
		for (unsigned int i = 0; i < app->nworkers; i++)
			if (!atomic_load(&app->workers[i]->flushed))
				all = false;
		if (!all) {
			/* A worker in a month switch gives way to its stop
			 * flag; fold for it all the same. */
			periodic(app, now_s(), &last_fold, &last_checkpoint,
				 &last_red);
			rte_delay_us_sleep(100);
		}
	}
	rte_eal_mp_wait_lcore();
	drain_flow_logs(app);
	/* The workers flushed their TX buffers before stopping: every
	 * forwarded frame is in --pcap-out's ring or already written. */
	if (app->pcap_out != NULL) {
		struct xb_counters s;

		xb_stats_sum(app, &s);
		if (xb_pcapout_close(app->pcap_out, err, sizeof(err)) < 0) {
			fprintf(stderr, "xbgw: %s\n", err);
			rc = XB_EXIT_RUNTIME;
		} else if (xb_pcapout_written(app->pcap_out) != s.tx_pkts) {
			fprintf(stderr,
				"xbgw: --pcap-out %s: %" PRIu64 " frames written, %" PRIu64 " forwarded\n",
				app->opt.pcap_out,
				xb_pcapout_written(app->pcap_out), s.tx_pkts);
			rc = XB_EXIT_RUNTIME;
		}
	}
	/* Workers are stopped (offline: every grace period is over): a
	 * ruleset still retiring is reclaimed, and the last fold is
	 * complete, and durable. */
	periodic(app, now_s() + 3600, &last_fold, &last_checkpoint, &last_red);
	if (xb_control_lock_timed(5000) == 0) {
		xb_rules_reclaim(app);
		xb_rules_billing_fold(app);
		xb_billing_settle(app); /* months before the current: closed */
		xb_control_unlock();
	}
	checkpoint(app);
	/* The last checkpoint to the ledger (if PostgreSQL answers within
	 * 5 s; else the usage files ship it at the next start). */
	{
		/* Unpublished under the control lock first: telemetry and
		 * Prometheus read it under that lock. */
		struct xb_cluster *cluster = app->cluster;

		if (xb_control_lock_timed(5000) == 0) {
			app->cluster = NULL;
			xb_control_unlock();
		}
		if (app->cluster == NULL)
			xb_cluster_stop(cluster, 5.0);
	}
	if (app->flow_log != NULL && fclose(app->flow_log) != 0) {
		fprintf(stderr, "xbgw: %s: %s\n", flow_log_path(app),
			strerror(errno));
		rc = XB_EXIT_RUNTIME;
	}
	app->flow_log = NULL;
	xb_ops_stop(app); /* IPFIX flush, Prometheus, events */
	if (progress) {
		xb_stats_progress(app, stderr, elapsed);
		fputc('\n', stderr);
	}

	/* Close the ports first: their rings give back every mbuf, so the
	 * pool must then be full again; anything else is a leak. */
	for (unsigned int p = 0; p < app->nports; p++)
		xb_port_stop(app->ports[p].port);
	xb_replay_free(app->replay);
	app->replay = NULL;
	xb_pcapout_free(app->pcap_out);
	app->pcap_out = NULL;
	app->mbufs_in_use_at_exit =
		rte_mempool_in_use_count(app->mp);

	xb_stats_report(app, stdout, elapsed);
	if (app->opt.stats_json != NULL) {
		FILE *f = fopen(app->opt.stats_json, "w");

		if (f == NULL) {
			fprintf(stderr, "xbgw: %s: %s\n", app->opt.stats_json,
				strerror(errno));
			rc = XB_EXIT_RUNTIME;
		} else {
			xb_stats_write_json(app, f, true);
			if (fclose(f) != 0)
				rc = XB_EXIT_RUNTIME;
		}
	}
	xb_afxdp_release();
	xb_rules_stop(app);
	xb_billing_free(app);
	free_worker_state(app);
	xb_capture_free(&app->cap);
	return rc;
}
