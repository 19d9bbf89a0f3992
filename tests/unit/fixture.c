/*
 * fixture.c - a segment from a YAML config, for tests (fixture.h).
 */
#include "tests/unit/fixture.h"
#include "common/shm_check.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

int seg_from_yaml(struct seg_fixture *f, enum seg_where where, const char *name, const char *yaml)
{
	char err[512];
	int n;
	memset(f, 0, sizeof(*f));
	f->where = where;
	f->seg.fd = -1;
	if (where == SEG_SHM)
		n = snprintf(f->text, sizeof(f->text), "instance: %s-%d\n%s", name, (int)getpid(), yaml);
	else
		n = snprintf(f->text, sizeof(f->text), "instance: %s\n%s", name, yaml);
	if (n < 0 || (size_t)n >= sizeof(f->text)) {
		fprintf(stderr, "seg_from_yaml: config of %s longer than %zu bytes\n", name, sizeof(f->text));
		return -1;
	}
	size_t len = (size_t)n;
	if (tdp_config_parse(f->text, len, "t.yaml", &f->cfg, err, sizeof(err)) < 0) {
		fprintf(stderr, "seg_from_yaml: %s\n", err);
		return -1;
	}
	if (where == SEG_SHM) {
		int other;
		tdp_shm_unlink(f->cfg.instance);
		if (tdp_shm_create(&f->seg, &f->cfg, f->text, len, &other, err, sizeof(err)) < 0) {
			fprintf(stderr, "seg_from_yaml: %s\n", err);
			return -1;
		}
		return 0;
	}
	f->seg.size = tdp_shm_size(&f->cfg, len);
	if (posix_memalign((void **)&f->seg.hdr, 4096, f->seg.size)) {
		f->seg.hdr = NULL;
		fprintf(stderr, "seg_from_yaml: %zu bytes: out of memory\n", f->seg.size);
		return -1;
	}
	memset(f->seg.hdr, 0, f->seg.size);
	tdp_shm_format(f->seg.hdr, &f->cfg, f->text, len);
	return 0;
}

int seg_from_yaml_checked(struct seg_fixture *f, const char *name, const char *yaml)
{
	char err[512];
	if (seg_from_yaml(f, SEG_MEMORY, name, yaml) < 0)
		return -1;
	if (tdp_shm_check(f->seg.hdr, f->seg.size, err, sizeof(err)) < 0 ||
	    tdp_shm_check_config(f->seg.hdr, &f->cfg, err, sizeof(err)) < 0) {
		fprintf(stderr, "%s: %s\n", name, err);
		return -1;
	}
	return 0;
}

void seg_fixture_fini(struct seg_fixture *f)
{
	if (f->where == SEG_MEMORY) {
		free(f->seg.hdr);
		f->seg.hdr = NULL;
		return;
	}
	tdp_shm_detach(&f->seg);
	tdp_shm_unlink(f->cfg.instance);
}
