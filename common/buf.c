#include "common/buf.h"

#include <errno.h>
#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

void tdp_buf_init(struct tdp_buf *b)
{
	memset(b, 0, sizeof(*b));
}

void tdp_buf_fini(struct tdp_buf *b)
{
	free(b->p);
	memset(b, 0, sizeof(*b));
}

void tdp_buf_reset(struct tdp_buf *b)
{
	b->len = 0;
	b->failed = false;
}

bool tdp_buf_reserve(struct tdp_buf *b, size_t more)
{
	if (b->failed)
		return false;
	if (more > SIZE_MAX - b->len) {
		b->failed = true;   /* the size itself would overflow */
		return false;
	}
	size_t need = b->len + more;
	if (need <= b->cap)
		return true;
	size_t cap = b->cap ? b->cap : 256;
	while (cap < need)
		cap = cap > SIZE_MAX / 2 ? need : cap * 2;
	char *p = realloc(b->p, cap);
	if (!p) {
		b->failed = true;
		return false;
	}
	b->p = p;
	b->cap = cap;
	return true;
}

void tdp_buf_append(struct tdp_buf *b, const void *p, size_t n)
{
	if (!tdp_buf_reserve(b, n))
		return;
	memcpy(b->p + b->len, p, n);
	b->len += n;
}

void tdp_buf_putc(struct tdp_buf *b, char c)
{
	if (!tdp_buf_reserve(b, 1))
		return;
	b->p[b->len++] = c;
}

void tdp_buf_puts(struct tdp_buf *b, const char *s)
{
	tdp_buf_append(b, s, strlen(s));
}

void tdp_buf_printf(struct tdp_buf *b, const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	int n = vsnprintf(NULL, 0, fmt, ap);
	va_end(ap);
	if (n < 0 || !tdp_buf_reserve(b, (size_t)n + 1)) {
		b->failed = true;
		return;
	}
	va_start(ap, fmt);
	vsnprintf(b->p + b->len, (size_t)n + 1, fmt, ap);
	va_end(ap);
	b->len += (size_t)n;
}

int tdp_buf_read_fd(struct tdp_buf *b, int fd, size_t max)
{
	struct stat st;
	int rc = 0;
	if (fstat(fd, &st) < 0)
		rc = -errno;
	else if (S_ISDIR(st.st_mode))
		rc = -EISDIR;
	size_t start = b->len;
	while (!rc) {
		if (!tdp_buf_reserve(b, 65536)) {
			rc = -ENOMEM;
			break;
		}
		ssize_t got = read(fd, b->p + b->len, b->cap - b->len);
		if (got < 0 && errno == EINTR)
			continue;
		if (got < 0)
			rc = -errno;
		else if (got == 0)
			break;
		else if ((b->len += (size_t)got) - start > max)
			rc = -EFBIG;
	}
	if (!rc) {
		tdp_buf_putc(b, '\0');
		if (!tdp_buf_ok(b))
			return -ENOMEM;
		b->len--;
	}
	return rc;
}

int tdp_buf_read_file(struct tdp_buf *b, const char *path, size_t max)
{
	int fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return -errno;
	int rc = tdp_buf_read_fd(b, fd, max);
	close(fd);
	return rc;
}

void tdp_buf_put_u64(struct tdp_buf *b, uint64_t x)
{
	char tmp[20];
	tdp_buf_append(b, tmp, tdp_u64_digits(tmp, x));
}
