#include "crawler/frontier/redirects.h"

#include <gtest/gtest.h>

#include <string>
#include <variant>

#include "crawler/util/url.h"
#include "crawler/wire/error_codes.h"

namespace forager {
namespace {

class RedirectsTest : public ::testing::Test {
 protected:
  RedirectsTest() : scope_(std::get<Scope>(Scope::make(ScopeMode::kHost, {}, {}))) {
    scope_.add_seed("http://a.test/");
    page_.url = "http://a.test/start";
  }
  std::string error(const std::string& location) const {
    const char* e = redirect_error(page_, url::normalize(location), scope_);
    return e ? e : "";
  }

  Scope scope_;
  PendingUrl page_;
};

TEST_F(RedirectsTest, FollowsAHopInScope) {
  EXPECT_EQ(error("http://a.test/next"), "");
  EXPECT_EQ(error("http://A.TEST/next#fragment"), "");
}

TEST_F(RedirectsTest, ErrorCodes) {
  EXPECT_EQ(error("ftp://a.test/file"), errors::kBadRedirect);
  EXPECT_EQ(error("not a url"), errors::kBadRedirect);
  EXPECT_EQ(error("http://a.test/start"), errors::kRedirectLoop);
  EXPECT_EQ(error("http://b.test/start"), errors::kOutOfScope);
}

TEST_F(RedirectsTest, LoopThroughAnEarlierHop) {
  page_.chain = {"http://a.test/start", "http://a.test/one"};
  page_.redirect_target = "http://a.test/two";
  EXPECT_EQ(error("http://a.test/one"), errors::kRedirectLoop);
  EXPECT_EQ(error("http://a.test/two"), errors::kRedirectLoop);
  EXPECT_EQ(error("http://a.test/three"), "");
}

TEST_F(RedirectsTest, ChainLimit) {
  for (int i = 0; i < kMaxRedirectHops - 1; ++i) page_.chain.push_back("http://a.test/hop" + std::to_string(i));
  EXPECT_EQ(error("http://a.test/last"), "");
  page_.chain.push_back("http://a.test/one-more");
  EXPECT_EQ(error("http://a.test/last"), errors::kTooManyRedirects);
  EXPECT_EQ(error("http://b.test/"), errors::kTooManyRedirects);  // the limit is checked first
}

}  // namespace
}  // namespace forager
