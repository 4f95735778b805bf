#include "workers/warc/writer.h"

#include <fcntl.h>
#include <unistd.h>

#include <cerrno>
#include <chrono>
#include <cstdio>
#include <cstring>

#include "workers/warc/cdxj.h"

namespace forager::warc {
namespace {

int64_t now_unix_ms() {
  return std::chrono::duration_cast<std::chrono::milliseconds>(
             std::chrono::system_clock::now().time_since_epoch())
      .count();
}

// How many serials to try when a name is taken (a file left by an earlier
// process with the same pid in the same second).
constexpr int kNameAttempts = 1000;

// Buffer capacity kept from one group to the next: a page of the usual size
// reuses it, a huge one (up to --max-bytes) gives its memory back.
constexpr size_t kKeptBufferBytes = 1u << 20;

}  // namespace

bool Writer::write_group(std::vector<Record> records) {
  if ((!fd_.valid() || size_ >= options_.max_file_bytes) && !open_next(now_unix_ms())) return false;
  const std::string filename = path_.substr(options_.dir.size() + 1);
  group_bytes_.clear();
  std::vector<std::string> lines;
  std::vector<uint64_t> offsets;
  for (Record& record : records) {
    record.add_field("WARC-Warcinfo-ID", warcinfo_id_);
    serialize(record, record_bytes_);
    const uint64_t offset = size_ + group_bytes_.size();
    if (!gzip_.append_member(record_bytes_, group_bytes_)) {
      error_ = "gzip compression failed";
      trim_buffers();
      return false;
    }
    std::string line = cdxj_line(record, offset, size_ + group_bytes_.size() - offset, filename);
    if (!line.empty()) lines.push_back(std::move(line));
    offsets.push_back(offset);
  }
  const bool written = append(group_bytes_);
  trim_buffers();
  if (!written) return false;
  group_offsets_ = std::move(offsets);
  for (std::string& line : lines) index_lines_.push_back(std::move(line));
  return true;
}

void Writer::trim_buffers() {
  if (record_bytes_.capacity() > kKeptBufferBytes) std::string().swap(record_bytes_);
  if (group_bytes_.capacity() > kKeptBufferBytes) std::string().swap(group_bytes_);
}

void Writer::finish_file() {
  if (path_.empty()) return;
  const std::string suffix = ".warc.gz";
  const std::string index = path_.substr(0, path_.size() - suffix.size()) + ".cdxj";
  std::string error;
  if (!write_cdxj(index, std::move(index_lines_), error)) std::fprintf(stderr, "forager worker: %s\n", error.c_str());
  index_lines_.clear();
}

bool Writer::open_next(int64_t now_ms) {
  finish_file();
  fd_.reset();
  path_.clear();
  size_ = 0;
  const std::string stamp = compact_timestamp(now_ms);
  for (int attempt = 0; attempt < kNameAttempts; ++attempt) {
    char serial[16];
    std::snprintf(serial, sizeof serial, "%05u", serial_++);
    const std::string path =
        options_.dir + "/" + options_.prefix + "-" + stamp + "-" + serial + "-" + options_.member + ".warc.gz";
    const int fd = ::open(path.c_str(), O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0644);
    if (fd < 0 && errno == EEXIST) continue;
    if (fd < 0) {
      error_ = "cannot create " + path + ": " + std::strerror(errno);
      return false;
    }
    fd_.reset(fd);
    path_ = path;
    Record info;
    info.type = "warcinfo";
    info.record_id = new_record_id();
    info.date = warc_date(now_ms);
    info.add_field("WARC-Filename", path.substr(options_.dir.size() + 1));
    info.add_field("Content-Type", "application/warc-fields");
    info.block = options_.warcinfo;
    info.add_field("WARC-Block-Digest", sha1_digest(info.block));
    warcinfo_id_ = info.record_id;
    serialize(info, record_bytes_);
    group_bytes_.clear();
    if (!gzip_.append_member(record_bytes_, group_bytes_)) {
      error_ = "gzip compression failed";
      return false;
    }
    return append(group_bytes_);
  }
  error_ = "no free file name in " + options_.dir;
  return false;
}

bool Writer::append(const std::string& bytes) {
  size_t done = 0;
  while (done < bytes.size()) {
    const ssize_t n = ::write(fd_.get(), bytes.data() + done, bytes.size() - done);
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) {
      error_ = "cannot write " + path_ + ": " + std::strerror(n < 0 ? errno : ENOSPC);
      // Take the partial group back out, so that the file ends at a record.
      if (::ftruncate(fd_.get(), static_cast<off_t>(size_)) != 0) fd_.reset();
      return false;
    }
    done += static_cast<size_t>(n);
  }
  size_ += bytes.size();
  return true;
}

}  // namespace forager::warc
