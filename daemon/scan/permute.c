/* Keyed bijection over [0, n) (see permute.h): balanced Feistel network on
 * 2*half_bits bits with cycle-walking. */
#include "permute.h"

static uint64_t splitmix64(uint64_t *x)
{
	uint64_t z = (*x += 0x9e3779b97f4a7c15ull);
	z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ull;
	z = (z ^ (z >> 27)) * 0x94d049bb133111ebull;
	return z ^ (z >> 31);
}

void perm_init(struct permutation *p, uint64_t n, uint64_t seed)
{
	unsigned bits = 2;
	while (bits < 64 && (1ull << bits) < n)
		bits += 2;
	p->n = n;
	p->half_bits = bits / 2;
	p->half_mask = (1ull << p->half_bits) - 1;
	for (int i = 0; i < 4; i++)
		p->key[i] = splitmix64(&seed);
}

/* Keyed round function: a fast 64-bit mixer of (half, key). */
static inline uint64_t round_fn(uint64_t x, uint64_t k)
{
	x ^= k;
	x *= 0xff51afd7ed558ccdull;
	x ^= x >> 32;
	x *= 0xc4ceb9fe1a85ec53ull;
	return x ^ (x >> 29);
}

static inline uint64_t feistel(const struct permutation *p, uint64_t v)
{
	uint64_t l = v >> p->half_bits, r = v & p->half_mask;
	for (int i = 0; i < 4; i++) {
		uint64_t t = l ^ (round_fn(r, p->key[i]) & p->half_mask);
		l = r;
		r = t;
	}
	return (l << p->half_bits) | r;
}

uint64_t perm_at(const struct permutation *p, uint64_t pos)
{
	uint64_t v = feistel(p, pos);
	while (v >= p->n)
		v = feistel(p, v);
	return v;
}
