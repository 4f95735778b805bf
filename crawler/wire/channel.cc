#include "crawler/wire/channel.h"

#include <fcntl.h>
#include <sys/socket.h>

#include <cerrno>

namespace forager {
namespace {

constexpr size_t kHeaderBytes = 4;      // u32 length
constexpr size_t kMinFrameLength = 2;   // version + kind
constexpr size_t kReadChunk = 256u << 10;

uint32_t read_length(const char* p) {
  uint32_t v = 0;
  for (int i = 0; i < 4; ++i) v |= static_cast<uint32_t>(static_cast<uint8_t>(p[i])) << (8 * i);
  return v;
}

}  // namespace

void FrameDecoder::feed(std::string_view bytes) {
  if (failed_) return;
  // Drop consumed bytes before growing, so the buffer holds at most one
  // partial frame plus what just arrived.
  if (consumed_ > 0 && consumed_ >= buffer_.size() / 2) {
    buffer_.erase(0, consumed_);
    consumed_ = 0;
  }
  buffer_.append(bytes);
}

std::optional<protocol::Message> FrameDecoder::next() {
  if (failed_ || buffered() < kHeaderBytes) return std::nullopt;
  const char* p = buffer_.data() + consumed_;
  uint32_t length = read_length(p);
  if (length < kMinFrameLength || length > protocol::kMaxFrameBytes) {
    failed_ = true;
    return std::nullopt;
  }
  if (buffered() < kHeaderBytes + length) return std::nullopt;
  uint8_t version = static_cast<uint8_t>(p[4]);
  uint8_t kind = static_cast<uint8_t>(p[5]);
  std::string_view payload(p + kHeaderBytes + kMinFrameLength, length - kMinFrameLength);
  consumed_ += kHeaderBytes + length;
  if (version != protocol::kProtocolVersion) {
    failed_ = true;
    return std::nullopt;
  }
  auto message = protocol::decode(kind, payload);
  if (!message) failed_ = true;
  if (consumed_ == buffer_.size()) {
    buffer_.clear();
    consumed_ = 0;
  }
  return message;
}

Channel::Channel(UniqueFd fd) : fd_(std::move(fd)) {
  int flags = ::fcntl(fd_.get(), F_GETFL);
  if (flags >= 0) ::fcntl(fd_.get(), F_SETFL, flags | O_NONBLOCK);
}

void Channel::send(const protocol::Message& message) {
  if (out_offset_ > 0 && out_offset_ == out_.size()) {
    out_.clear();
    out_offset_ = 0;
  }
  protocol::encode(message, out_);
}

bool Channel::flush() {
  while (out_offset_ < out_.size()) {
    ssize_t n = ::send(fd_.get(), out_.data() + out_offset_, out_.size() - out_offset_, MSG_NOSIGNAL);
    if (n > 0) {
      out_offset_ += static_cast<size_t>(n);
      continue;
    }
    if (n < 0 && errno == EINTR) continue;
    if (n < 0 && (errno == EAGAIN || errno == EWOULDBLOCK)) break;
    return false;
  }
  if (out_offset_ == out_.size()) {
    out_.clear();
    out_offset_ = 0;
  } else if (out_offset_ > (1u << 20)) {
    out_.erase(0, out_offset_);
    out_offset_ = 0;
  }
  return true;
}

Channel::ReadStatus Channel::read_available(std::vector<protocol::Message>& out) {
  static thread_local std::string chunk(kReadChunk, '\0');
  ReadStatus status = ReadStatus::kOk;
  for (;;) {
    ssize_t n = ::recv(fd_.get(), chunk.data(), chunk.size(), 0);
    if (n > 0) {
      decoder_.feed(std::string_view(chunk.data(), static_cast<size_t>(n)));
      while (auto message = decoder_.next()) out.push_back(std::move(*message));
      if (decoder_.failed()) return ReadStatus::kProtocolError;
      continue;
    }
    if (n < 0 && errno == EINTR) continue;
    if (n < 0 && (errno == EAGAIN || errno == EWOULDBLOCK)) break;
    status = ReadStatus::kClosed;  // EOF or a reset connection
    break;
  }
  return status;
}

}  // namespace forager
