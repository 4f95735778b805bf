// Reads one record back from a .warc.gz file, by the offset of its gzip
// member (what the store and the CDXJ index keep): `forager extract` reads
// the archived responses this way, without reading the rest of the file.
#pragma once

#include <cstdint>
#include <optional>
#include <string>

#include "workers/warc/record.h"

namespace forager::warc {

// The record whose gzip member starts at `offset` in `path`: its type,
// WARC-Record-ID, WARC-Date and other named fields (in file order, names as
// written) and its block. At most `max_bytes` are inflated (a longer record
// is refused). nullopt, with `error` set, when the file cannot be read, the
// member is not a complete gzip member (a torn tail) or the record does not
// parse (no WARC/1.x line, no Content-Length, a block shorter than it says).
std::optional<Record> read_record(const std::string& path, uint64_t offset, uint64_t max_bytes, std::string& error);

// The value of the first field named `name` (ASCII case-insensitive), or "".
std::string field_value(const Record& record, std::string_view name);

}  // namespace forager::warc
