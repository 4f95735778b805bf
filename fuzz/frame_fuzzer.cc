// The coordinator <-> worker frame decoder (crawler/wire/channel.h FrameDecoder)
// and payload decoder (crawler/wire/protocol.h decode) on a hostile byte stream.
// Checks that the input gives the same messages whether it arrives at once or
// split at every byte, and that every decoded message encodes back to a frame
// that decodes to the same bytes.
#include <cstddef>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "crawler/wire/channel.h"
#include "crawler/wire/protocol.h"
#include "fuzz/fuzz_check.h"

namespace {

using forager::FrameDecoder;
namespace protocol = forager::protocol;

std::string encoded(const protocol::Message& message) {
  std::string out;
  protocol::encode(message, out);
  return out;
}

// Every message of `stream`, fed in pieces of at most `piece` bytes, each
// re-encoded (comparable bytes); `failed` tells whether the decoder gave up.
std::vector<std::string> decode_all(std::string_view stream, size_t piece, bool& failed) {
  FrameDecoder decoder;
  std::vector<std::string> out;
  for (size_t at = 0; at < stream.size(); at += piece) {
    decoder.feed(stream.substr(at, piece));
    while (auto message = decoder.next()) out.push_back(encoded(*message));
  }
  failed = decoder.failed();
  return out;
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  std::string_view stream(reinterpret_cast<const char*>(data), size);
  bool failed_whole = false, failed_bytes = false;
  auto whole = decode_all(stream, stream.size() + 1, failed_whole);
  auto bytes = decode_all(stream, 1, failed_bytes);
  FUZZ_CHECK(whole == bytes);
  FUZZ_CHECK(failed_whole == failed_bytes);

  for (const std::string& frame : whole) {
    FrameDecoder again;
    again.feed(frame);
    auto message = again.next();
    FUZZ_CHECK(message.has_value());
    FUZZ_CHECK(encoded(*message) == frame);
    FUZZ_CHECK(again.buffered() == 0 && !again.failed());
  }

  // The payload decoder alone: first byte is the kind.
  if (size > 0) protocol::decode(data[0], stream.substr(1));
  return 0;
}
