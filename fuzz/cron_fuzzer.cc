// The cron expression parser and next-run search (crawler/schedule/cron.h) on hostile
// expressions. Input: the expression; the first byte after a NUL, if any,
// picks the start time and the zone.
#include <cstddef>
#include <cstdint>
#include <optional>
#include <string_view>
#include <variant>

#include "crawler/schedule/cron.h"
#include "fuzz/fuzz_check.h"

namespace {

const forager::TimeZone& zone(uint8_t pick) {
  static const forager::TimeZone utc = forager::TimeZone::utc();
  // A zone with DST, and one whose DST shift is half an hour.
  static const std::optional<forager::TimeZone> berlin = forager::TimeZone::named("Europe/Berlin");
  static const std::optional<forager::TimeZone> lord_howe = forager::TimeZone::named("Australia/Lord_Howe");
  if (pick % 3 == 1 && berlin) return *berlin;
  if (pick % 3 == 2 && lord_howe) return *lord_howe;
  return utc;
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  std::string_view input(reinterpret_cast<const char*>(data), size);
  uint8_t pick = 0;
  if (size_t nul = input.find('\0'); nul != std::string_view::npos) {
    if (nul + 1 < size) pick = data[nul + 1];
    input = input.substr(0, nul);
  }
  auto parsed = forager::Cron::parse(input);
  if (auto* error = std::get_if<std::string>(&parsed)) {
    FUZZ_CHECK(!error->empty());
    return 0;
  }
  const auto& cron = std::get<forager::Cron>(parsed);
  // Start times from 1970 to ~2100, spread by the pick byte: the parser is
  // the target here, not arithmetic on the ends of int64.
  const int64_t after = 1'700'000'000 + static_cast<int64_t>(pick) * 15'552'000 - 1'000'000'000;
  auto next = cron.next_after(after, zone(pick));
  if (next) {
    FUZZ_CHECK(*next > after);
    if (zone(pick).is_utc()) FUZZ_CHECK(*next % 60 == 0);
  }
  return 0;
}
