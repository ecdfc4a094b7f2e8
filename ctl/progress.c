/* Progress bar and human numbers for scanctl (see progress.h). */
#include "progress.h"

#include <stdio.h>
#include <string.h>
#include <time.h>

const char *human(double v, char *buf, size_t len)
{
	if (v >= 1e9)
		snprintf(buf, len, "%.1fG", v / 1e9);
	else if (v >= 1e6)
		snprintf(buf, len, "%.1fM", v / 1e6);
	else if (v >= 1e3)
		snprintf(buf, len, "%.1fk", v / 1e3);
	else
		snprintf(buf, len, "%.0f", v);
	return buf;
}

double progress_now(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

static double field(const cJSON *o, const char *k)
{
	const cJSON *v = cJSON_GetObjectItemCaseSensitive(o, k);
	return cJSON_IsNumber(v) ? v->valuedouble : 0;
}

void progress_draw(const cJSON *st, bool tty)
{
	double sent = field(st, "sent"), total = field(st, "total");
	double frac = total > 0 ? (sent < total ? sent / total : 1) : 1;
	const cJSON *state = cJSON_GetObjectItemCaseSensitive(st, "state");
	const cJSON *probe = cJSON_GetObjectItemCaseSensitive(st, "probe");
	/* what a host-discovery job finds is hosts up, not open ports */
	bool hosts = cJSON_IsString(probe) && strcmp(probe->valuestring, "icmp_echo") == 0;
	char bar[32], pps[16], eta[32];
	int fill = (int)(frac * 20);

	for (int i = 0; i < 20; i++)
		bar[i] = i < fill ? '#' : '.';
	bar[20] = '\0';
	const cJSON *e = cJSON_GetObjectItemCaseSensitive(st, "eta_s");
	if (cJSON_IsNumber(e))
		snprintf(eta, sizeof(eta), "%.0fs", e->valuedouble);
	else
		snprintf(eta, sizeof(eta), "-");
	fprintf(stderr, "%s[%s] %3.0f%% %.0f/%.0f  %s pps  replies %.0f  %s %.0f  ETA %s  %s%s",
		tty ? "\r" : "", bar, frac * 100, sent, total, human(field(st, "pps"), pps, sizeof(pps)),
		field(st, "replies"), hosts ? "up" : "open", field(st, hosts ? "up" : "open"), eta,
		cJSON_IsString(state) ? state->valuestring : "", tty ? "   " : "\n");
	fflush(stderr);
}
