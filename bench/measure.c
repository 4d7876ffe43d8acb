/* SPDX-License-Identifier: MIT */
/* measure — run one command and report its wall time, CPU and peak RSS.
 *
 * Usage: measure [-p preload.so] [-t timeout_s] -o report -- cmd [args...]
 *
 * The runner starts every benchmark through this small program rather than
 * forking Python itself: ru_maxrss is a high-water mark that survives exec,
 * so a child forked from a 15 MiB Python process would report at least
 * 15 MiB.  This launcher is ~1 MiB and is not itself preloaded: the
 * allocator named with -p goes into LD_PRELOAD of the child only.
 * The child gets its own process group; on timeout the whole group is killed
 * (gcc's cc1 and as included).  The report file gets one line:
 *   wall_s=<f> user_s=<f> sys_s=<f> maxrss_kib=<n> status=<exit code|sig:N|timeout>
 * ru_maxrss from wait4 covers the child and its reaped descendants.
 */
#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

static volatile sig_atomic_t timed_out;
static pid_t child;

static void on_alarm(int sig)
{
	(void)sig;
	timed_out = 1;
	kill(-child, SIGKILL);
}

static double now(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec * 1e-9;
}

int main(int argc, char **argv)
{
	const char *preload = NULL, *report = NULL;
	unsigned timeout = 0;
	int opt;
	while ((opt = getopt(argc, argv, "+p:t:o:")) != -1) {
		switch (opt) {
		case 'p': preload = optarg; break;
		case 't': timeout = (unsigned)atoi(optarg); break;
		case 'o': report = optarg; break;
		default: goto usage;
		}
	}
	if (!report || optind >= argc)
		goto usage;
	if (preload && *preload)
		setenv("LD_PRELOAD", preload, 1);
	else
		unsetenv("LD_PRELOAD");

	double t0 = now();
	child = fork();
	if (child < 0) {
		perror("measure: fork");
		return 125;
	}
	if (child == 0) {
		setpgid(0, 0);
		execvp(argv[optind], argv + optind);
		fprintf(stderr, "measure: exec %s: %s\n", argv[optind], strerror(errno));
		_exit(127);
	}
	setpgid(child, child);
	signal(SIGALRM, on_alarm);
	if (timeout)
		alarm(timeout);
	int status;
	struct rusage ru;
	pid_t r;
	while ((r = wait4(child, &status, 0, &ru)) < 0 && errno == EINTR)
		;
	double wall = now() - t0;
	alarm(0);
	if (r < 0) {
		perror("measure: wait4");
		return 125;
	}
	char st[32];
	if (timed_out)
		snprintf(st, sizeof st, "timeout");
	else if (WIFEXITED(status))
		snprintf(st, sizeof st, "%d", WEXITSTATUS(status));
	else
		snprintf(st, sizeof st, "sig:%d", WTERMSIG(status));
	FILE *f = fopen(report, "w");
	if (!f) {
		perror("measure: report");
		return 125;
	}
	fprintf(f, "wall_s=%.6f user_s=%.6f sys_s=%.6f maxrss_kib=%ld status=%s\n", wall,
		(double)ru.ru_utime.tv_sec + (double)ru.ru_utime.tv_usec * 1e-6,
		(double)ru.ru_stime.tv_sec + (double)ru.ru_stime.tv_usec * 1e-6, ru.ru_maxrss, st);
	fclose(f);
	return 0;
usage:
	fprintf(stderr, "usage: measure [-p preload.so] [-t timeout_s] -o report -- cmd [args...]\n");
	return 2;
}
