/* The one clock module: monotonic time for intervals and deadlines, wall
 * time for timestamps users see. Stateless; safe from any thread. */
#pragma once
#include <stddef.h>
#include <stdint.h>

/* CLOCK_MONOTONIC in nanoseconds / seconds. */
uint64_t clock_mono_ns(void);
double clock_mono_s(void);
/* CLOCK_REALTIME in milliseconds since the epoch. */
uint64_t clock_real_ms(void);
/* RFC 3339 UTC with milliseconds ("2026-11-25T10:00:00.123Z") for a
 * clock_real_ms() value; buf holds at least 25 bytes. */
void clock_iso8601_ms(uint64_t ms, char *buf, size_t len);
