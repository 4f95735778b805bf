#include "crawler/frontier/redirects.h"

#include <algorithm>

#include "crawler/wire/error_codes.h"

namespace forager {

const char* redirect_error(const PendingUrl& page, const std::optional<std::string>& target, const Scope& scope) {
  if (!target) return errors::kBadRedirect;
  if (static_cast<int>(page.chain.size()) + 1 > kMaxRedirectHops) return errors::kTooManyRedirects;
  if (*target == page.target() || *target == page.url ||
      std::find(page.chain.begin(), page.chain.end(), *target) != page.chain.end())
    return errors::kRedirectLoop;
  if (!scope.in_scope(*target)) return errors::kOutOfScope;
  return nullptr;
}

}  // namespace forager
