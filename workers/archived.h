// Purpose::kExtract: a page extracted from its archived response instead of
// a fetch (`forager extract`). The same extraction as a crawl's
// (fill_content, and the X-Robots-Tag headers), over the body as the WARC
// record keeps it once its Content-Encoding is undone. No network access.
#pragma once

#include "crawler/wire/protocol.h"

namespace forager {

struct Rules;  // workers/rules/rules.h

// Reads the response record at task.warc_file / task.warc_offset and fills
// the result as a fetch of task.url would: status, content_type, etag,
// last_modified from the archived head; bytes, content_hash, title,
// description, links, fields_json, noindex from the body (a body decoded
// past config.max_bytes is cut there, with the error too_large, as a
// crawl's). Errors: `warc` when the record cannot be read or is no HTTP
// response, `content_encoding` when its coding cannot be undone.
protocol::FetchResult extract_archived(const protocol::FetchTask& task, const protocol::Config& config,
                                       const Rules* rules);

}  // namespace forager
