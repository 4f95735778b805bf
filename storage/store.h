// Store: a read-write store with every role a crawl or an export needs, on
// one connection. storage::open (open.h) returns one for a location.
#pragma once

#include "storage/crawl_store.h"
#include "storage/job_locks.h"
#include "storage/record_reader.h"
#include "storage/records.h"

namespace forager::storage {

class Store : public CrawlStore, public RecordReader, public JobLocks {};

}  // namespace forager::storage
