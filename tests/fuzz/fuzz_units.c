/* SPDX-License-Identifier: Apache-2.0 */
/* libFuzzer harness: the size and time parsers of src/util.h (parse_size,
 * parse_seconds, parse_uint), which read every limit of the command line
 * and the config. The input is the string (up to the first NUL); the first
 * byte also picks parse_uint's maximum. Each accepted value is compared with
 * a reference reading of the documented grammar:
 *   size:    DIGITS [K|M|G [B]]  (case-insensitive), bytes, fits in 64 bits
 *   seconds: DIGITS and '.', a finite number in [0, 1e9]
 *   uint:    DIGITS, at most max */
#include <errno.h>
#include <math.h>

#include "fuzz_common.h"
#include "util.h"

/* 0 and the value, -EINVAL (not the grammar), -ERANGE (too big). */
static int ref_digits(const char **s, uint64_t *out)
{
    const char *p = *s;
    uint64_t v = 0;
    bool big = false;
    if (!(*p >= '0' && *p <= '9'))
        return -EINVAL;
    for (; *p >= '0' && *p <= '9'; p++) {
        unsigned d = (unsigned)(*p - '0');
        if (v > (UINT64_MAX - d) / 10)
            big = true;
        else
            v = v * 10 + d;
    }
    *s = p;
    *out = v;
    return big ? -ERANGE : 0;
}

static int ref_size(const char *s, uint64_t *out)
{
    uint64_t v;
    int r = ref_digits(&s, &v);
    if (r == -EINVAL)
        return r;
    unsigned shift = 0;
    if (*s == 'k' || *s == 'K')
        shift = 10;
    else if (*s == 'm' || *s == 'M')
        shift = 20;
    else if (*s == 'g' || *s == 'G')
        shift = 30;
    if (shift) {
        s++;
        if (*s == 'b' || *s == 'B')
            s++;
    }
    if (*s)
        return -EINVAL;
    if (r < 0 || (shift && v > (UINT64_MAX >> shift)))
        return -ERANGE;
    *out = v << shift;
    return 0;
}

static int ref_uint(const char *s, uint64_t max, uint64_t *out)
{
    uint64_t v;
    int r = ref_digits(&s, &v);
    if (r == -EINVAL || *s)
        return -EINVAL;
    if (r < 0 || v > max)
        return -ERANGE;
    *out = v;
    return 0;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    if (size == 0 || size > 4096)
        return 0;
    static const uint64_t maxes[] = { 0, 1, 9, 10, 1000, 2147483647ULL, 4294967295ULL, UINT64_MAX / 1024,
                                      UINT64_MAX };
    uint64_t max = maxes[data[0] % (sizeof(maxes) / sizeof(maxes[0]))];
    char *s = malloc(size + 1);
    if (!s)
        return 0;
    memcpy(s, data, size);
    s[size] = '\0';

    uint64_t got = 0xdeadbeef, want = 0;
    int r = parse_size(s, &got), w = ref_size(s, &want);
    /* Which error (invalid or too large) is a matter of wording; accepting
     * or refusing, and the value, are the contract. */
    FUZZ_CHECK((r == 0) == (w == 0), "parse_size(\"%s\") = %d, expected %d", s, r, w);
    if (r == 0)
        FUZZ_CHECK(got == want, "parse_size(\"%s\") = %llu, expected %llu", s, (unsigned long long)got,
                   (unsigned long long)want);
    else
        FUZZ_CHECK(got == 0xdeadbeef, "parse_size(\"%s\") wrote its output on failure", s);

    got = 0xdeadbeef;
    r = parse_uint(s, max, &got);
    w = ref_uint(s, max, &want);
    FUZZ_CHECK((r == 0) == (w == 0), "parse_uint(\"%s\", %llu) = %d, expected %d", s, (unsigned long long)max, r, w);
    if (r == 0)
        FUZZ_CHECK(got == want, "parse_uint(\"%s\") = %llu, expected %llu", s, (unsigned long long)got,
                   (unsigned long long)want);

    double d = -1;
    r = parse_seconds(s, &d);
    if (r == 0) {
        FUZZ_CHECK(isfinite(d) && d >= 0 && d <= 1e9, "parse_seconds(\"%s\") = %g", s, d);
        for (const char *p = s; *p; p++)
            FUZZ_CHECK((*p >= '0' && *p <= '9') || *p == '.', "parse_seconds accepted \"%s\"", s);
        FUZZ_CHECK(fabs(d - strtod(s, NULL)) <= 1e-9 * (d + 1), "parse_seconds(\"%s\") = %g", s, d);
    } else {
        FUZZ_CHECK(r == -EINVAL || r == -ERANGE, "parse_seconds(\"%s\") returned %d", s, r);
        FUZZ_CHECK(d == -1, "parse_seconds(\"%s\") wrote its output on failure", s);
    }
    free(s);
    return 0;
}
