/* SipHash-2-4 (Aumasson & Bernstein), 128-bit key, 64-bit output. */
#pragma once
#include <stddef.h>
#include <stdint.h>

uint64_t siphash24(const uint8_t key[16], const void *data, size_t len);
