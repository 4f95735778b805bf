// A worker's WARC files: each record group (the request, response and
// metadata records of one fetch) appended to the current file with one
// write, files rolled over at a size (max_file_bytes), each file opened new (never appended
// to) and starting with a warcinfo record.
//
// Files are named PREFIX-YYYYMMDDhhmmss-SERIAL-MEMBER.warc.gz (MEMBER: the
// worker's pid, so that workers of one crawl never share a file). When a
// file is complete (rolled over, or the writer destroyed) its CDXJ index
// (workers/warc/cdxj.h) is written beside it, as the same name with .cdxj
// instead of .warc.gz; a file whose process was killed has no index (any
// CDXJ indexer, e.g. `warcio cdx-index`, can make one).
//
// Crash safety: a group is written with write(2) straight to the file (no
// user-space buffer), so when write_group returns true the records survive
// a kill -9 of the process (not a power cut: no fsync). A kill during the
// write can leave a torn last gzip member: readers (warcio, pywb) stop at
// it, and nothing is ever appended after it, because a new process opens a
// new file. A failed write (disk full) truncates the file back to where the
// group started, so the file never holds half a group.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "crawler/util/unique_fd.h"
#include "workers/warc/gzip.h"
#include "workers/warc/record.h"

namespace forager::warc {

struct WriterOptions {
  std::string dir;                  // must exist (the coordinator creates it)
  std::string prefix = "forager";
  std::string member;               // e.g. the pid
  uint64_t max_file_bytes = 1ull << 30;  // roll over when a group would pass it
  std::string warcinfo;             // the warcinfo block (application/warc-fields)
};

class Writer {
 public:
  explicit Writer(WriterOptions options) : options_(std::move(options)) {}
  Writer(const Writer&) = delete;
  Writer& operator=(const Writer&) = delete;
  ~Writer() { finish_file(); }

  // Adds WARC-Warcinfo-ID (the file's warcinfo record) to each record,
  // compresses each as its own gzip member (workers/warc/gzip.h) and appends
  // them all, in order, with one write. Opens a new file first when there is none yet or when the
  // current one has reached max_file_bytes (so a file passes it by at most
  // one group). False, with error() set, when a file could not be opened or
  // written; the group is then absent from every file.
  bool write_group(std::vector<Record> records);

  const std::string& error() const { return error_; }
  // Where the records of the last group written went: the offset of each
  // one's gzip member in path(), in the order given.
  const std::vector<uint64_t>& group_offsets() const { return group_offsets_; }
  const std::string& path() const { return path_; }  // the current file, "" before the first
  uint64_t offset() const { return size_; }          // bytes in the current file

 private:
  bool open_next(int64_t now_ms);
  // Writes the current file's CDXJ index; stderr tells when it cannot.
  void finish_file();
  bool append(const std::string& bytes);
  // Gives back the buffers' memory after a group bigger than usual.
  void trim_buffers();

  WriterOptions options_;
  GzipCompressor gzip_;
  std::string record_bytes_;  // one record serialized; reused
  std::string group_bytes_;   // the group's gzip members; reused
  UniqueFd fd_;
  std::string path_;
  uint64_t size_ = 0;
  uint32_t serial_ = 0;
  std::string warcinfo_id_;
  std::vector<std::string> index_lines_;  // CDXJ lines of the current file
  std::vector<uint64_t> group_offsets_;
  std::string error_;
};

}  // namespace forager::warc
