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

}  // namespace forager
