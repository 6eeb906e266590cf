// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * test_hugemem.c - fwd/hugemem.h: zeroed, page-aligned, resident at
 * once, freed; a zero size gives NULL.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

#include <cmocka.h>

#include "fwd/hugemem.h"

#define SIZE	(6u << 20)	/* three huge pages' worth */

static void test_alloc_zeroed_resident(void **state)
{
	long page = sysconf(_SC_PAGESIZE);
	unsigned char vec[SIZE / 4096];
	uint8_t *p = hf_huge_alloc(SIZE);
	size_t i, resident = 0;

	(void)state;
	assert_non_null(p);
	assert_int_equal((uintptr_t)p % (uintptr_t)page, 0);
	for (i = 0; i < SIZE; i += 4096)
		assert_int_equal(p[i], 0);
	assert_int_equal(p[SIZE - 1], 0);
	/* faulted in by the allocation, not by the first use */
	assert_int_equal(page, 4096);
	assert_int_equal(mincore(p, SIZE, vec), 0);
	for (i = 0; i < sizeof(vec); i++)
		resident += vec[i] & 1;
	assert_int_equal(resident, sizeof(vec));
	memset(p, 0xa5, SIZE);
	hf_huge_free(p, SIZE);
}

static void test_zero_and_null(void **state)
{
	(void)state;
	assert_null(hf_huge_alloc(0));
	hf_huge_free(NULL, 123);	/* no-op */
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_alloc_zeroed_resident),
		cmocka_unit_test(test_zero_and_null),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
