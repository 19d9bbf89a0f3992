#include <errno.h>
#include <stdio.h>
#include <stdlib.h>

#include "cli/cli.h"

char *cli_read_file(const char *path, size_t *len)
{
	FILE *f = fopen(path, "rb");
	if (!f)
		return NULL;
	size_t cap = 4096, n = 0;
	char *p = malloc(cap);
	while (p) {
		size_t got = fread(p + n, 1, cap - n - 1, f);
		n += got;
		if (n < cap - 1)
			break;
		char *q = realloc(p, cap *= 2);
		if (!q) {
			free(p);
			p = NULL;
		}
		p = q;
	}
	int err = ferror(f) ? EIO : 0;
	fclose(f);
	if (!p || err) {
		free(p);
		errno = err ? err : ENOMEM;
		return NULL;
	}
	p[n] = 0;
	*len = n;
	return p;
}
