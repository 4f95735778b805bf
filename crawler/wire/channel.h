// A framed message queue over one end of a SOCK_STREAM socketpair between the
// coordinator and one worker. Nonblocking: send() only queues, flush() writes
// what the socket takes, read_available() drains what has arrived. Neither
// side ever blocks on the other, so a slow or dead peer cannot hang the loop.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "crawler/util/unique_fd.h"
#include "crawler/wire/protocol.h"

namespace forager {

// Splits a byte stream into frames. Survives input split at any byte; a
// length above kMaxFrameBytes, a wrong version or an undecodable payload puts
// it in the failed state for good.
class FrameDecoder {
 public:
  void feed(std::string_view bytes);
  // The next complete message, or nullopt when more bytes are needed or the
  // decoder has failed.
  std::optional<protocol::Message> next();
  bool failed() const { return failed_; }
  // Bytes received but not yet consumed (a partial frame).
  size_t buffered() const { return buffer_.size() - consumed_; }

 private:
  std::string buffer_;
  size_t consumed_ = 0;
  bool failed_ = false;
};

class Channel {
 public:
  // Takes ownership of a connected stream socket and makes it nonblocking.
  explicit Channel(UniqueFd fd);

  int fd() const { return fd_.get(); }

  // Queues one message for sending. Never blocks.
  void send(const protocol::Message& message);
  // Writes queued bytes until the socket would block. Retries on EINTR.
  // Returns false when the peer has gone away.
  bool flush();
  bool wants_write() const { return out_offset_ < out_.size(); }
  size_t queued_bytes() const { return out_.size() - out_offset_; }

  enum class ReadStatus { kOk, kClosed, kProtocolError };
  // Reads everything available now and appends the decoded messages to `out`.
  // kClosed: the peer closed its end (messages before EOF are still appended).
  ReadStatus read_available(std::vector<protocol::Message>& out);

 private:
  UniqueFd fd_;
  std::string out_;
  size_t out_offset_ = 0;
  FrameDecoder decoder_;
};

}  // namespace forager
