/*
 * features_dump - the features of one diagram read from stdin, as
 * scaled/features.c computes them, for tests/oracle/check_features.py to
 * compare with GUDHI.
 *
 *   features_dump LO HI RES LAYERS POWER [BW RX RY X0 X1 Y0 Y1]
 *       stdin: one interval per line, "BIRTH DEATH", DEATH "inf" for an
 *       essential class
 *
 * Output, one JSON object: {"count":..,"essential":..,"total":..,"max":..,
 * "entropy":..,"betti":[..],"landscape":[..],"silhouette":[..]} with
 * numbers in "%.17g" (exact round trip); with the image arguments also
 * "image":[..], the RX * RY pixels of features_image() in its order.
 * Exit 2 on bad usage or input.
 */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>

#include "scaled/features.h"

#define MAX_INTERVALS 1000000

int main(int argc, char **argv)
{
	if (argc != 6 && argc != 13) {
		fputs("usage: features_dump LO HI RES LAYERS POWER [BW RX RY X0 X1 Y0 Y1] < intervals\n", stderr);
		return 2;
	}
	double bw = 1, range[4] = {0};
	long rx = 0, ry = 0;
	if (argc == 13) {
		bw = strtod(argv[6], NULL);
		rx = strtol(argv[7], NULL, 10);
		ry = strtol(argv[8], NULL, 10);
		for (int k = 0; k < 4; k++)
			range[k] = strtod(argv[9 + k], NULL);
		if (!(bw > 0) || rx < 1 || ry < 1 || rx * ry > 10000000) {
			fputs("features_dump: expected BW > 0, RX, RY >= 1, RX * RY <= 1e7\n", stderr);
			return 2;
		}
	}
	long layers = strtol(argv[4], NULL, 10);
	double power = strtod(argv[5], NULL);
	if (layers < 1 || layers > 100) {
		fputs("features_dump: expected 1 <= LAYERS <= 100\n", stderr);
		return 2;
	}
	double lo = strtod(argv[1], NULL), hi = strtod(argv[2], NULL);
	long res = strtol(argv[3], NULL, 10);
	if (res < 2 || res > 100000 || !(lo < hi)) {
		fputs("features_dump: expected LO < HI and 2 <= RES <= 100000\n", stderr);
		return 2;
	}
	static struct tdp_interval iv[MAX_INTERVALS];
	size_t n = 0;
	char b[64], d[64];
	while (n < MAX_INTERVALS && scanf("%63s %63s", b, d) == 2) {
		iv[n].birth = strtod(b, NULL);
		iv[n].death = strtod(d, NULL);   /* "inf" reads as +INFINITY */
		if (isnan(iv[n].birth) || isnan(iv[n].death) || iv[n].death < iv[n].birth) {
			fprintf(stderr, "features_dump: bad interval %s %s\n", b, d);
			return 2;
		}
		n++;
	}
	struct feature_summary s;
	features_summary(iv, n, &s);
	uint64_t *betti = malloc(sizeof(*betti) * (size_t)res);
	double *scratch = malloc(sizeof(double) * (2 * n + 1));
	if (!betti || !scratch)
		return 2;
	features_betti(iv, n, lo, hi, (uint32_t)res, scratch, betti);
	printf("{\"count\":%llu,\"essential\":%llu,\"total\":%.17g,\"max\":%.17g,\"entropy\":%.17g,\"betti\":[",
	       (unsigned long long)s.count, (unsigned long long)s.essential, s.total, s.max, s.entropy);
	for (long j = 0; j < res; j++)
		printf("%s%llu", j ? "," : "", (unsigned long long)betti[j]);
	double *land = malloc(sizeof(double) * (size_t)(layers * res)), *sil = malloc(sizeof(double) * (size_t)res);
	if (!land || !sil)
		return 2;
	features_landscape(iv, n, lo, hi, (uint32_t)res, (uint32_t)layers, land);
	features_silhouette(iv, n, lo, hi, (uint32_t)res, power, sil);
	printf("],\"landscape\":[");
	for (long j = 0; j < layers * res; j++)
		printf("%s%.17g", j ? "," : "", land[j]);
	printf("],\"silhouette\":[");
	for (long j = 0; j < res; j++)
		printf("%s%.17g", j ? "," : "", sil[j]);
	printf("]");
	if (rx) {
		double *img = malloc(sizeof(double) * (size_t)(rx * ry));
		if (!img || features_image(iv, n, bw, (uint32_t)rx, (uint32_t)ry, range, img) < 0)
			return 2;
		printf(",\"image\":[");
		for (long k = 0; k < rx * ry; k++)
			printf("%s%.17g", k ? "," : "", img[k]);
		printf("]");
		free(img);
	}
	printf("}\n");
	free(scratch);
	free(betti);
	free(land);
	free(sil);
	return 0;
}
