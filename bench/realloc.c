/* SPDX-License-Identifier: MIT */
/* realloc — growth by realloc: vector doubling, exact string appends, shrink.
 *
 * Models: dynamic arrays (std::vector, Python lists, Go slices) that double
 * their capacity, and string builders that grow by exactly the appended
 * length (the common C idiom `s = realloc(s, len + n + 1)`), followed by
 * shrink-to-fit.  Several containers grow at once, interleaved, so a block
 * can rarely just extend into free space at the end of the heap.
 */
#include "common.h"

static struct param P[] = {
	{"rounds", 60, "repetitions of the whole pattern"},
	{"vectors", 16, "vectors grown at once"},
	{"maxlen", 200000, "largest vector length (8-byte elements)"},
	{"strings", 64, "strings grown at once"},
	{"maxstr", 16384, "largest string length"},
	{"seed", 5, "PRNG seed"},
};
#define ROUNDS P[0].value
#define VECTORS P[1].value
#define MAXLEN P[2].value
#define STRINGS P[3].value
#define MAXSTR P[4].value
#define SEED P[5].value

struct vec {
	uint64_t *v;
	size_t len, cap, target;
};

struct str {
	char *s;
	size_t len, target;
};

static uint64_t vectors(struct rng *r)
{
	struct vec *vs = calloc((size_t)VECTORS, sizeof *vs);
	uint64_t sum = 0;
	size_t active = 0;
	for (long i = 0; i < VECTORS; i++) {
		/* log-uniform lengths: many short vectors, a few long ones */
		size_t bits = rng_range(r, 2, 63 - (size_t)__builtin_clzll((unsigned long long)MAXLEN));
		vs[i].target = rng_range(r, (size_t)1 << (bits - 1), (size_t)1 << bits);
		active++;
	}
	while (active) {
		for (long i = 0; i < VECTORS; i++) {
			struct vec *v = &vs[i];
			if (v->len == v->target)
				continue;
			/* push a short burst of elements, as a loop body would */
			for (int k = 0; k < 16 && v->len < v->target; k++) {
				if (v->len == v->cap) {
					v->cap = v->cap ? v->cap * 2 : 4;
					uint64_t *n = realloc(v->v, v->cap * sizeof(uint64_t));
					if (!n)
						abort();
					v->v = n;
				}
				v->v[v->len] = v->len * 3 + 1;
				v->len++;
			}
			if (v->len == v->target) {
				active--;
				sum += v->v[v->len / 2] + v->v[v->len - 1];
			}
		}
	}
	for (long i = 0; i < VECTORS; i++)
		free(vs[i].v);
	free(vs);
	return sum;
}

static uint64_t strings(struct rng *r)
{
	struct str *ss = calloc((size_t)STRINGS, sizeof *ss);
	uint64_t sum = 0;
	size_t active = (size_t)STRINGS;
	for (long i = 0; i < STRINGS; i++)
		ss[i].target = rng_range(r, 16, (size_t)MAXSTR);
	while (active) {
		for (long i = 0; i < STRINGS; i++) {
			struct str *s = &ss[i];
			if (s->len >= s->target)
				continue;
			size_t n = rng_range(r, 1, 40);
			char *p = realloc(s->s, s->len + n + 1);
			if (!p)
				abort();
			memset(p + s->len, 'a' + (int)(n % 26), n);
			s->len += n;
			p[s->len] = 0;
			s->s = p;
			if (s->len >= s->target)
				active--;
		}
	}
	/* shrink to fit, repeatedly, as buffers are trimmed after use */
	for (long i = 0; i < STRINGS; i++) {
		struct str *s = &ss[i];
		while (s->len > 16) {
			s->len /= 2;
			char *p = realloc(s->s, s->len + 1);
			if (!p)
				abort();
			p[s->len] = 0;
			s->s = p;
			sum += (unsigned char)p[s->len - 1];
		}
		free(s->s);
	}
	free(ss);
	return sum;
}

int main(int argc, char **argv)
{
	PARAMS_PARSE(P, argc, argv);
	struct rng r;
	rng_seed(&r, (uint64_t)SEED);
	uint64_t sum = 0;
	for (long i = 0; i < ROUNDS; i++) {
		sum = mix64(sum, vectors(&r));
		sum = mix64(sum, strings(&r));
	}
	print_checksum(sum);
	return 0;
}
