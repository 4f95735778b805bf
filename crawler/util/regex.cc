#define PCRE2_CODE_UNIT_WIDTH 8
#include "crawler/util/regex.h"

#include <pcre2.h>

namespace forager {
namespace {
constexpr uint32_t kMatchLimit = 100000;
}

struct Regex::Compiled {
  pcre2_code* code = nullptr;
  pcre2_match_context* context = nullptr;
  ~Compiled() {
    pcre2_match_context_free(context);
    pcre2_code_free(code);
  }
};

Regex::Regex(std::string pattern, std::shared_ptr<const Compiled> compiled)
    : pattern_(std::move(pattern)), compiled_(std::move(compiled)) {}

std::variant<Regex, std::string> Regex::compile(const std::string& pattern) {
  int error = 0;
  PCRE2_SIZE offset = 0;
  auto compiled = std::make_shared<Compiled>();
  compiled->code = pcre2_compile(reinterpret_cast<PCRE2_SPTR>(pattern.data()), pattern.size(),
                                 PCRE2_UTF | PCRE2_MATCH_INVALID_UTF, &error, &offset, nullptr);
  if (!compiled->code) {
    PCRE2_UCHAR message[256];
    pcre2_get_error_message(error, message, sizeof message);
    return "invalid regular expression '" + pattern + "' at offset " + std::to_string(offset) +
           ": " + reinterpret_cast<const char*>(message);
  }
  pcre2_jit_compile(compiled->code, PCRE2_JIT_COMPLETE);  // optional speed-up
  compiled->context = pcre2_match_context_create(nullptr);
  pcre2_set_match_limit(compiled->context, kMatchLimit);
  return Regex(pattern, std::move(compiled));
}

bool Regex::search(std::string_view subject) const {
  // One match-data block per thread, sized for the largest pattern used.
  thread_local std::unique_ptr<pcre2_match_data, decltype(&pcre2_match_data_free)> data(
      pcre2_match_data_create(1, nullptr), &pcre2_match_data_free);
  int rc = pcre2_match(compiled_->code, reinterpret_cast<PCRE2_SPTR>(subject.data()),
                       subject.size(), 0, 0, data.get(), compiled_->context);
  return rc >= 0;
}

std::vector<Regex::Groups> Regex::matches(std::string_view subject, size_t limit) const {
  std::vector<Groups> out;
  std::unique_ptr<pcre2_match_data, decltype(&pcre2_match_data_free)> data(
      pcre2_match_data_create_from_pattern(compiled_->code, nullptr), &pcre2_match_data_free);
  if (!data) return out;
  const uint32_t groups = group_count();
  const auto* text = reinterpret_cast<PCRE2_SPTR>(subject.data());
  size_t start = 0;
  while (out.size() < limit && start <= subject.size()) {
    const int rc = pcre2_match(compiled_->code, text, subject.size(), start, 0, data.get(), compiled_->context);
    if (rc < 0) break;
    const PCRE2_SIZE* ovector = pcre2_get_ovector_pointer(data.get());
    Groups match;
    for (uint32_t g = 0; g <= groups; ++g) {
      if (ovector[2 * g] == PCRE2_UNSET) {
        match.emplace_back(std::string_view::npos, std::string_view::npos);
      } else {
        match.emplace_back(ovector[2 * g], ovector[2 * g + 1]);
      }
    }
    size_t next = ovector[1];
    if (next <= ovector[0]) {  // an empty match: go on after the next character
      next = ovector[0] + 1;
      while (next < subject.size() && (static_cast<unsigned char>(subject[next]) & 0xC0) == 0x80) ++next;
    }
    out.push_back(std::move(match));
    start = next;
  }
  return out;
}

uint32_t Regex::group_count() const {
  uint32_t groups = 0;
  pcre2_pattern_info(compiled_->code, PCRE2_INFO_CAPTURECOUNT, &groups);
  return groups;
}

uint32_t Regex::group_number(const std::string& name) const {
  const int n = pcre2_substring_number_from_name(compiled_->code, reinterpret_cast<PCRE2_SPTR>(name.c_str()));
  return n > 0 ? static_cast<uint32_t>(n) : 0;
}

std::vector<std::string> Regex::extract(std::string_view subject, size_t limit) const {
  std::vector<std::string> out;
  const size_t group = group_count() > 0 ? 1 : 0;
  for (const Groups& match : matches(subject, limit)) {
    const auto [begin, end] = match[group];
    out.emplace_back(begin == std::string_view::npos ? std::string_view() : subject.substr(begin, end - begin));
  }
  return out;
}

}  // namespace forager
