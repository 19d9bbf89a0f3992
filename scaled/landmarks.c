#include "scaled/landmarks.h"

#include <math.h>
#include <string.h>

void landmarks_maxmin(const double *pts, size_t n, size_t dim, size_t m, double *out, double *scratch)
{
	double *dist = scratch;   /* squared distance to the nearest chosen point; -1: chosen */
	size_t pick = 0;
	if (m == 0 || n == 0)
		return;
	for (size_t i = 0; i < n; i++)
		dist[i] = INFINITY;
	for (size_t j = 0; j < m; j++) {
		const double *p = pts + pick * dim;
		memcpy(out + j * dim, p, sizeof(double) * dim);
		dist[pick] = -1;
		size_t next = 0;
		double far = -1;
		for (size_t i = 0; i < n; i++) {
			if (dist[i] < 0)
				continue;
			double s = 0;
			for (size_t k = 0; k < dim; k++) {
				double d = pts[i * dim + k] - p[k];
				s += d * d;
			}
			if (s < dist[i])
				dist[i] = s;
			if (dist[i] > far) {   /* strict: the lowest index wins ties */
				far = dist[i];
				next = i;
			}
		}
		pick = next;
	}
}
