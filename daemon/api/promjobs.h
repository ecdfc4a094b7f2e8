/* The daemon and job part of the Prometheus textfile: liveness (scand_up,
 * the time of this write), jobs by state, rate and pressure, and per
 * unfinished job its counters, state, pressure and last progress, labelled
 * job_id plus the job's own labels. */
#pragma once
#include "core.h"
#include <stdio.h>

void promjobs_write(struct daemon *d, FILE *f);
