/* Result records and their NDJSON / CSV encodings (DESIGN §2). Encoders
 * write into a caller buffer: no allocation per record. */
#pragma once
#include "common.h"

enum out_format { OUT_NDJSON, OUT_CSV };

struct result {
	struct ipaddr ip;
	uint16_t port;	/* 0: a row without a port (icmp_echo) */
	uint8_t status; /* enum reply_status */
	uint8_t ttl;
	uint8_t icmp_type, icmp_code; /* status unreachable */
	uint64_t ts_ms; /* CLOCK_REALTIME milliseconds */
	char nic[16];
};

#define OUTPUT_MAX_LINE 256
/* {"ip":"198.18.1.7","port":80,"status":"open","ttl":64,"ts":"2026-11-25T10:00:00.123Z","nic":"sc0"}\n
 * A row without a port has no "port"; an unreachable row has "icmp_type"
 * and "icmp_code" after "status":
 * {"ip":"198.18.1.9","status":"unreachable","icmp_type":3,"icmp_code":1,"ttl":64,...}
 * Returns the length written (including '\n'), or 0 if cap is too small. */
size_t output_ndjson(const struct result *r, char *buf, size_t cap);
/* 198.18.1.7,80,open,64,2026-11-25T10:00:00.123Z,sc0\n -- the same columns for
 * every module: a row without a port has an empty port field
 * (198.18.1.7,,up,64,...); ICMP type and code are in NDJSON only. */
size_t output_csv(const struct result *r, char *buf, size_t cap);
const char *output_csv_header(void); /* "ip,port,status,ttl,ts,nic\n" */
int output_parse_format(const char *s, enum out_format *f); /* "ndjson"|"csv" */
/* Parses one NDJSON line written by output_ndjson (used for resume and
 * format conversion): port, icmp_type and icmp_code may be absent (0).
 * 0 or -EINVAL. */
int output_parse_ndjson(const char *line, size_t len, struct result *r);
/* "open", "closed", "up", "unreachable" ("unknown" for anything else). */
const char *reply_status_name(uint8_t status);
/* The status named s (1..REPLY_NSTATUS-1), or -EINVAL. */
int reply_status_parse(const char *s);
