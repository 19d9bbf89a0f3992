#include "publish/results_sink.h"

#include <stdlib.h>

#include "common/exitcode.h"
#include "common/log.h"

/* The kind of sink for each sink type of the config. */
static const struct results_sink_ops *const kinds[] = {
	[TDP_SINK_STDOUT] = &sink_file_ops,
	[TDP_SINK_FILE] = &sink_file_ops,
	[TDP_SINK_KAFKA] = &sink_kafka_ops,
};

int results_sink_open(struct results_sink **out, struct tdp_child *c, int64_t *seen)
{
	enum tdp_sink_type type = c->cfg.sink.type;
	const struct results_sink_ops *ops = (size_t)type < sizeof(kinds) / sizeof(kinds[0]) ? kinds[type] : NULL;
	if (!ops) {
		tdp_log_error("sink: no sink of type %d", (int)type);
		return TDP_EXIT_SYSTEM;
	}
	struct results_sink *s = calloc(1, ops->size);
	if (!s)
		return TDP_EXIT_SYSTEM;
	*s = (struct results_sink){ops, c, seen};
	*out = s;
	return ops->open(s);
}

void results_sink_close(struct results_sink *s)
{
	s->ops->close(s);
	free(s);
}
