#include "crawler/frontier/scope.h"

#include <gtest/gtest.h>

#include <string>
#include <variant>
#include <vector>

namespace forager {
namespace {

Scope make_scope(ScopeMode mode, const std::vector<std::string>& allow = {},
                 const std::vector<std::string>& deny = {}) {
  auto made = Scope::make(mode, allow, deny);
  if (auto* error = std::get_if<std::string>(&made)) ADD_FAILURE() << *error;
  return std::get<Scope>(std::move(made));
}

TEST(Scope, HostModeFollowsOnlyTheSeedsHosts) {
  Scope scope = make_scope(ScopeMode::kHost);
  scope.add_seed("https://www.example.com/start");
  EXPECT_TRUE(scope.in_scope("https://www.example.com/other"));
  EXPECT_TRUE(scope.in_scope("http://www.example.com/"));           // scheme does not matter
  EXPECT_TRUE(scope.in_scope("https://www.example.com:8443/x"));    // nor the port
  EXPECT_FALSE(scope.in_scope("https://example.com/"));
  EXPECT_FALSE(scope.in_scope("https://shop.example.com/"));
  EXPECT_FALSE(scope.in_scope("https://www.example.org/"));
}

TEST(Scope, DomainModeFollowsTheSeedsRegisteredDomains) {
  Scope scope = make_scope(ScopeMode::kDomain);
  scope.add_seed("https://www.example.co.uk/");
  EXPECT_TRUE(scope.in_scope("https://example.co.uk/"));
  EXPECT_TRUE(scope.in_scope("https://a.b.example.co.uk/page"));
  EXPECT_FALSE(scope.in_scope("https://other.co.uk/"));  // same public suffix only
  EXPECT_FALSE(scope.in_scope("https://example.com/"));
}

TEST(Scope, DomainModeKeepsIpAddressesAndLocalhostAsTheyAre) {
  Scope scope = make_scope(ScopeMode::kDomain);
  scope.add_seed("http://127.0.0.1:8080/");
  scope.add_seed("http://localhost/");
  EXPECT_TRUE(scope.in_scope("http://127.0.0.1:9090/a"));
  EXPECT_TRUE(scope.in_scope("http://localhost:1234/"));
  EXPECT_FALSE(scope.in_scope("http://127.0.0.2/"));
}

TEST(Scope, AnyModeFollowsEverythingEvenWithoutSeeds) {
  Scope scope = make_scope(ScopeMode::kAny);
  EXPECT_TRUE(scope.in_scope("https://anything.example/"));
  EXPECT_TRUE(scope.follows("http://10.0.0.1/x"));
}

TEST(Scope, NoSeedsMeansNothingIsInScopeForHostAndDomain) {
  EXPECT_FALSE(make_scope(ScopeMode::kHost).in_scope("https://example.com/"));
  EXPECT_FALSE(make_scope(ScopeMode::kDomain).in_scope("https://example.com/"));
}

TEST(Scope, EverySeedWidensTheScope) {
  Scope scope = make_scope(ScopeMode::kHost);
  scope.add_seed("https://a.example/");
  EXPECT_FALSE(scope.in_scope("https://b.example/"));
  scope.add_seed("https://b.example/");
  EXPECT_TRUE(scope.in_scope("https://a.example/"));
  EXPECT_TRUE(scope.in_scope("https://b.example/"));
  EXPECT_FALSE(scope.in_scope("https://c.example/"));
}

TEST(Scope, ASeedWithoutAHostIsIgnored) {
  Scope scope = make_scope(ScopeMode::kHost);
  scope.add_seed("not a url");
  scope.add_seed("");
  EXPECT_FALSE(scope.in_scope("https://example.com/"));
  EXPECT_FALSE(scope.in_scope("not a url"));
}

TEST(Scope, FollowsAppliesDenyThenAllowOnTopOfTheScope) {
  Scope scope = make_scope(ScopeMode::kHost, {"/catalogue/"}, {"/catalogue/private"});
  scope.add_seed("https://example.com/");
  EXPECT_TRUE(scope.follows("https://example.com/catalogue/page-1.html"));
  EXPECT_FALSE(scope.follows("https://example.com/about"));                  // not allowed
  EXPECT_FALSE(scope.follows("https://example.com/catalogue/private/x"));    // denied wins
  EXPECT_FALSE(scope.follows("https://other.example/catalogue/page-1.html"));  // out of scope
  // in_scope is the --scope rule alone: the filters do not apply to it.
  EXPECT_TRUE(scope.in_scope("https://example.com/about"));
  EXPECT_TRUE(scope.in_scope("https://example.com/catalogue/private/x"));
}

TEST(Scope, WithoutAllowPatternsEverythingInScopeAndNotDeniedIsFollowed) {
  Scope scope = make_scope(ScopeMode::kHost, {}, {"\\.pdf$", "[?&]sort="});
  scope.add_seed("https://example.com/");
  EXPECT_TRUE(scope.follows("https://example.com/a.html"));
  EXPECT_FALSE(scope.follows("https://example.com/a.pdf"));
  EXPECT_FALSE(scope.follows("https://example.com/list?page=2&sort=asc"));
  EXPECT_TRUE(scope.follows("https://example.com/list?page=2"));
}

TEST(Scope, AnyAllowPatternIsEnough) {
  Scope scope = make_scope(ScopeMode::kAny, {"^https://a\\.example/", "/docs/"});
  EXPECT_TRUE(scope.follows("https://a.example/x"));
  EXPECT_TRUE(scope.follows("https://b.example/docs/y"));
  EXPECT_FALSE(scope.follows("https://b.example/x"));
}

TEST(Scope, PatternsSearchTheWholeUrlUnanchored) {
  Scope scope = make_scope(ScopeMode::kAny, {"example"});
  EXPECT_TRUE(scope.follows("https://www.example.com/"));  // matches in the host
  EXPECT_TRUE(scope.follows("https://h.test/?q=example"));
}

TEST(Scope, ABadPatternIsReportedWithItsOption) {
  auto allow = Scope::make(ScopeMode::kHost, {"ok", "(unclosed"}, {});
  ASSERT_TRUE(std::holds_alternative<std::string>(allow));
  const std::string& allow_error = std::get<std::string>(allow);
  EXPECT_EQ(allow_error.rfind("--allow: ", 0), 0u) << allow_error;
  EXPECT_NE(allow_error.find("(unclosed"), std::string::npos) << allow_error;

  auto deny = Scope::make(ScopeMode::kHost, {}, {"[z-a]"});
  ASSERT_TRUE(std::holds_alternative<std::string>(deny));
  EXPECT_EQ(std::get<std::string>(deny).rfind("--deny: ", 0), 0u) << std::get<std::string>(deny);

  // --allow is checked first when both are bad.
  auto both = Scope::make(ScopeMode::kHost, {"("}, {")"});
  ASSERT_TRUE(std::holds_alternative<std::string>(both));
  EXPECT_EQ(std::get<std::string>(both).rfind("--allow: ", 0), 0u);
}

}  // namespace
}  // namespace forager
