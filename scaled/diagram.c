/*
 * diagram.c - persistence diagrams as arrays of intervals.
 */
#include "scaled/diagram.h"

#include <stdbool.h>

/*
 * Strict order of the result: birth, then death.  +INFINITY compares
 * greater than every finite double, so essential classes land last among
 * equal births with no special case.  Diagrams never hold NaN (the
 * producers reject it), so '<' is a total order here.
 */
static bool interval_less(const struct tdp_interval *a, const struct tdp_interval *b)
{
	if (a->birth != b->birth)
		return a->birth < b->birth;
	return a->death < b->death;
}

/*
 * Restore the max-heap property below ROOT in iv[0..n).  Iterative, so the
 * stack depth does not depend on the input.
 */
static void interval_sift_down(struct tdp_interval *iv, size_t root, size_t n)
{
	struct tdp_interval v = iv[root];

	for (;;) {
		size_t child = 2 * root + 1;

		if (child >= n)
			break;
		if (child + 1 < n && interval_less(&iv[child], &iv[child + 1]))
			child++;
		if (!interval_less(&v, &iv[child]))
			break;
		iv[root] = iv[child];
		root = child;
	}
	iv[root] = v;
}

/*
 * Sort IV[0..n) by birth, then death, in place.  Heapsort: O(n log n) worst
 * case, no allocation and no recursion, because this runs inside a scale
 * worker on every window (glibc's qsort() may malloc a merge buffer).
 * Equal intervals are indistinguishable, so stability does not matter.
 */
void diagram_sort(struct tdp_interval *iv, size_t n)
{
	if (n < 2)
		return;
	for (size_t i = n / 2; i-- > 0;)
		interval_sift_down(iv, i, n);
	for (size_t end = n - 1; end > 0; end--) {
		struct tdp_interval top = iv[0];

		iv[0] = iv[end];
		iv[end] = top;
		interval_sift_down(iv, 0, end);
	}
}
