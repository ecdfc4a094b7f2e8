/* scanctl progress display: a redrawn bar on a TTY, plain lines otherwise. */
#pragma once
#include <cjson/cJSON.h>
#include <stdbool.h>

/* Draws one update for a job.status result on stderr. */
void progress_draw(const cJSON *status, bool tty);
/* "20.0k", "1.2M" */
const char *human(double v, char *buf, size_t len);
/* Seconds on the monotonic clock: scanctl's one clock. */
double progress_now(void);
