/* What an endpoint answers (serve/serve.h). */
#include <string.h>

#include "serve/serve.h"

void
serve_reply_init(struct serve_reply *r)
{
	memset(r, 0, sizeof(*r));
	kiln_buf_init(&r->body);
	kiln_buf_init(&r->sans);
	r->status = 500;
	r->content_type = "application/json";
}

void
serve_reply_free(struct serve_reply *r)
{
	kiln_buf_free(&r->body);
	kiln_buf_free(&r->sans);
	serve_reply_init(r);
}
