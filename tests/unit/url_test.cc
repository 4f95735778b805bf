#include "crawler/util/url.h"

#include <gtest/gtest.h>

#include <optional>
#include <random>
#include <string>
#include <thread>
#include <vector>

namespace forager::url {
namespace {

struct Case {
  const char* input;
  const char* expected;  // nullptr: rejected
};

std::string show(const std::optional<std::string>& s) { return s ? *s : "<nullopt>"; }
std::string show(const char* s) { return s ? s : "<nullopt>"; }

// ---- normalize ------------------------------------------------------------------

TEST(NormalizeTest, Table) {
  const Case cases[] = {
      // case of scheme and host; path case kept
      {"HTTP://Example.COM/Path", "http://example.com/Path"},
      {"hTTpS://WWW.EXAMPLE.com/A?B=C", "https://www.example.com/A?B=C"},
      // default ports dropped, others kept
      {"http://example.com:80/", "http://example.com/"},
      {"https://example.com:443/x", "https://example.com/x"},
      {"http://example.com:443/", "http://example.com:443/"},
      {"https://example.com:80/", "https://example.com:80/"},
      {"http://example.com:8080/a", "http://example.com:8080/a"},
      // empty path
      {"http://example.com", "http://example.com/"},
      {"http://example.com?q=1", "http://example.com/?q=1"},
      {"http://example.com#top", "http://example.com/"},
      // dot segments
      {"http://example.com/a/./b/../c", "http://example.com/a/c"},
      {"http://example.com/a/b/../../..", "http://example.com/"},
      {"http://example.com/../x", "http://example.com/x"},
      {"http://example.com/a/.", "http://example.com/a/"},
      {"http://example.com/a/..", "http://example.com/"},
      {"http://example.com/.well-known/x", "http://example.com/.well-known/x"},
      // fragments
      {"http://example.com/a#b", "http://example.com/a"},
      {"http://example.com/a?x=1#b?c", "http://example.com/a?x=1"},
      {"http://example.com/a#", "http://example.com/a"},
      // percent-encoding: upper-case hex, decode unreserved, keep reserved
      {"http://example.com/%7euser", "http://example.com/~user"},
      {"http://example.com/%7Euser", "http://example.com/~user"},
      {"http://example.com/%41%42%2d%2E%5f", "http://example.com/AB-._"},
      {"http://example.com/a%2fb", "http://example.com/a%2Fb"},
      {"http://example.com/a%3fb?c%3dd", "http://example.com/a%3Fb?c%3Dd"},
      {"http://example.com/%e2%82%ac", "http://example.com/%E2%82%AC"},
      {"http://example.com/100%", "http://example.com/100%25"},  // a lone % is written %25
      {"http://example.com/%zz", "http://example.com/%25zz"},
      {"http://example.com/?q=%7e&r=%2B", "http://example.com/?q=~&r=%2B"},
      // octets not allowed in URIs are encoded
      {"http://example.com/a b?c d", "http://example.com/a%20b?c%20d"},
      {"http://example.com/caf\xc3\xa9?q=\xc3\xa9", "http://example.com/caf%C3%A9?q=%C3%A9"},
      {"http://example.com/a\"b<c>", "http://example.com/a%22b%3Cc%3E"},
      {"http://example.com/a{b}|c^`", "http://example.com/a%7Bb%7D%7Cc%5E%60"},
      // query kept as is: order, '+', empty values, repeated keys
      {"http://example.com/?b=2&a=1&a=&c", "http://example.com/?b=2&a=1&a=&c"},
      {"http://example.com/?q=a+b", "http://example.com/?q=a+b"},
      {"http://example.com/x?", "http://example.com/x"},
      {"http://example.com/x??", "http://example.com/x??"},
      {"http://example.com/x?a?", "http://example.com/x?a?"},
      // IDN hosts to punycode
      {"http://b\xc3\xbc" "cher.example/", "http://xn--bcher-kva.example/"},
      {"http://B\xc3\x9c" "CHER.example/a", "http://xn--bcher-kva.example/a"},
      {"https://\xe4\xbe\x8b\xe3\x81\x88.jp/", "https://xn--r8jz45g.jp/"},
      {"http://xn--bcher-kva.example/", "http://xn--bcher-kva.example/"},
      // IP hosts
      {"http://127.0.0.1:8080/", "http://127.0.0.1:8080/"},
      {"http://[::1]:80/x", "http://[::1]/x"},
      {"http://[2001:DB8::1]/", "http://[2001:db8::1]/"},
      // userinfo is kept, percent-encoded as browsers do
      {"http://user:pw@Example.com/", "http://user:pw@example.com/"},
      {"http://us er:p@ss@Example.com/", "http://us%20er:p%40ss@example.com/"},
      {"http://:@example.com/", "http://example.com/"},
      // backslashes are slashes, as in browsers
      {"http:\\\\example.com\\a\\b", "http://example.com/a/b"},
      {"http://example.com/a\\..\\b?c\\d", "http://example.com/b?c%5Cd"},
      // a missing "//" is supplied
      {"http:example.com/a", "http://example.com/a"},
      {"https:/example.com/a", "https://example.com/a"},
      {"http:///example.com/", "http://example.com/"},
      // IPv4 in every form browsers accept is written dotted decimal
      {"http://0x7f.1/", "http://127.0.0.1/"},
      {"http://127.1/", "http://127.0.0.1/"},
      {"http://2130706433/", "http://127.0.0.1/"},
      {"http://0177.0.0.1/", "http://127.0.0.1/"},
      {"http://127.0.0.1./", "http://127.0.0.1/"},
      {"http://%31%32%37.0.0.1/", "http://127.0.0.1/"},
      {"http://[::ffff:1.2.3.4]/", "http://[::ffff:102:304]/"},
      {"http://[0:0:0:0:0:0:0:1]/", "http://[::1]/"},
      // control characters other than tab/CR/LF are percent-encoded in path and query
      {"http://example.com/a\x01" "b", "http://example.com/a%01b"},
      {"http://example.com/a\x7f", "http://example.com/a%7F"},
      // whitespace cleanup
      {"  http://example.com/a  ", "http://example.com/a"},
      {"\t\nhttp://example.com/\r\n", "http://example.com/"},
      {"http://exa\tmple.com/a\nb", "http://example.com/ab"},
      // rejected
      {"", nullptr},
      {"   ", nullptr},
      {"example.com", nullptr},
      {"example.com/path", nullptr},
      {"/relative/path", nullptr},
      {"//example.com/", nullptr},
      {"ftp://example.com/", nullptr},
      {"file:///etc/passwd", nullptr},
      {"mailto:a@example.com", nullptr},
      {"javascript:alert(1)", nullptr},
      {"data:text/html,hi", nullptr},
      {"http://", nullptr},
      {"http://:80/", nullptr},
      {"http://example.com:99999/", nullptr},
      {"http://example.com:port/", nullptr},
      {"http://exa mple.com/", nullptr},
      {"http://exa\x01mple.com/", nullptr},
      {"http://256.256.256.256/", nullptr},
      {"http://1.2.3.4.5/", nullptr},
      {"http://0x100000000/", nullptr},
      {"http://foo.09/", nullptr},
      {"http://[::1::]/", nullptr},
      {"http://[::1]x/", nullptr},
      {"http://a<b.example/", nullptr},
      {"http://a%25b.example/", nullptr},
      {"http://xn--a.example/", nullptr},           // invalid punycode
      {"http://xn--ls8h.example/", "http://xn--ls8h.example/"},  // valid punycode
      {"http://user@/", nullptr},
      {"http://example.com:65536/", nullptr},
  };
  for (const Case& c : cases) {
    EXPECT_EQ(show(normalize(c.input)), show(c.expected)) << "input: " << c.input;
  }
}

// A NUL is percent-encoded in a path, as browsers do, and refused in a host.
TEST(NormalizeTest, EmbeddedNul) {
  const std::string in_path("http://example.com/a\0b", 22);
  EXPECT_EQ(normalize(in_path), "http://example.com/a%00b");
  const std::string in_host("http://exa\0mple.com/", 21);
  EXPECT_EQ(normalize(in_host), std::nullopt);
}

TEST(NormalizeTest, IsIdempotent) {
  const char* inputs[] = {"HTTP://Example.COM:80/a/./b/../c?x=%7e#f",
                          ("http://b\xc3\xbc" "cher.example/caf\xc3\xa9 x"),
                          "https://example.com/%2f%3A?a=b&c=%20"};
  for (const char* input : inputs) {
    const auto once = normalize(input);
    ASSERT_TRUE(once) << input;
    EXPECT_EQ(show(normalize(*once)), *once);
  }
}

TEST(NormalizeTest, LengthLimit) {
  const std::string prefix = "http://example.com/";
  const std::string fits = prefix + std::string(kMaxUrlBytes - prefix.size(), 'a');
  ASSERT_EQ(fits.size(), kMaxUrlBytes);
  EXPECT_EQ(show(normalize(fits)), fits);
  EXPECT_EQ(normalize(fits + "a"), std::nullopt);
  // Encoding can push a URL over the limit.
  const std::string grows = prefix + std::string(kMaxUrlBytes / 2, ' ') + "x";
  EXPECT_EQ(normalize(grows), std::nullopt);
  EXPECT_EQ(normalize(std::string(1 << 20, 'a')), std::nullopt);
}

// A URL parsed before must not leak into the next call on the same thread.
TEST(NormalizeTest, NoStateBetweenCalls) {
  ASSERT_TRUE(normalize("http://example.com/dir/page"));
  EXPECT_EQ(normalize("other/page"), std::nullopt);
  EXPECT_EQ(normalize("?q=1"), std::nullopt);
  ASSERT_TRUE(resolve("http://example.com/dir/page", "x"));
  EXPECT_EQ(normalize("/abs"), std::nullopt);
}

TEST(NormalizeTest, ThreadsAreIndependent) {
  std::vector<std::thread> threads;
  std::vector<int> failures(4, 0);
  for (int t = 0; t < 4; ++t) {
    threads.emplace_back([t, &failures] {
      for (int i = 0; i < 500; ++i) {
        const std::string n = std::to_string(t * 1000 + i);
        const auto got = resolve("http://h" + n + ".example/a/b", "../c?n=" + n);
        if (!got || *got != "http://h" + n + ".example/c?n=" + n) ++failures[t];
        const auto idn = normalize("http://b\xc3\xbc" "cher.example/" + n);
        if (!idn || *idn != "http://xn--bcher-kva.example/" + n) ++failures[t];
      }
    });
  }
  for (auto& thread : threads) thread.join();
  for (int f : failures) EXPECT_EQ(f, 0);
}

TEST(NormalizeTest, RandomBytesNeverCrash) {
  std::mt19937 rng(12345);
  std::uniform_int_distribution<int> byte(0, 255);
  std::uniform_int_distribution<int> length(0, 200);
  const std::string prefixes[] = {"", "http://", "https://example.com/", "http://["};
  int accepted = 0;
  for (int i = 0; i < 20000; ++i) {
    std::string s = prefixes[i % 4];
    const int n = length(rng);
    for (int k = 0; k < n; ++k) s += static_cast<char>(byte(rng));
    const auto got = normalize(s);
    if (got) {
      ++accepted;
      EXPECT_TRUE(got->starts_with("http://") || got->starts_with("https://")) << *got;
      EXPECT_LE(got->size(), kMaxUrlBytes);
      EXPECT_EQ(show(normalize(*got)), *got);
    }
    (void)resolve("http://example.com/a/b", s);
    (void)host(s);
    (void)origin(s);
    (void)path_and_query(s);
    (void)registrable_domain(s);
  }
  EXPECT_GE(accepted, 0);
}

TEST(NormalizeTest, RandomPrintableNeverCrash) {
  std::mt19937 rng(777);
  const std::string alphabet = "aZ09-._~:/?#[]@!$&'()*+,;=% \"<>\\^`{|}\t\xc3\xa9";
  std::uniform_int_distribution<size_t> pick(0, alphabet.size() - 1);
  for (int i = 0; i < 20000; ++i) {
    std::string s = (i % 2) ? "http://example.com" : "";
    for (int k = 0; k < 40; ++k) s += alphabet[pick(rng)];
    const auto got = normalize(s);
    if (got) {
      EXPECT_EQ(show(normalize(*got)), *got) << s;
    }
    const auto rel = resolve("https://example.com/a/b?c", s);
    if (rel) {
      EXPECT_EQ(show(normalize(*rel)), *rel) << s;
    }
  }
}

// ---- resolve ----------------------------------------------------------------------

// RFC 3986 section 5.4; results are then normalized (fragments dropped, empty "?"
// dropped). "g:h" has a non-http scheme and is rejected.
TEST(ResolveTest, Rfc3986NormalExamples) {
  const char* base = "http://a/b/c/d;p?q";
  const Case cases[] = {
      {"g:h", nullptr},
      {"g", "http://a/b/c/g"},
      {"./g", "http://a/b/c/g"},
      {"g/", "http://a/b/c/g/"},
      {"/g", "http://a/g"},
      {"//g", "http://g/"},
      {"?y", "http://a/b/c/d;p?y"},
      {"g?y", "http://a/b/c/g?y"},
      {"#s", "http://a/b/c/d;p?q"},
      {"g#s", "http://a/b/c/g"},
      {"g?y#s", "http://a/b/c/g?y"},
      {";x", "http://a/b/c/;x"},
      {"g;x", "http://a/b/c/g;x"},
      {"g;x?y#s", "http://a/b/c/g;x?y"},
      {"", "http://a/b/c/d;p?q"},
      {".", "http://a/b/c/"},
      {"./", "http://a/b/c/"},
      {"..", "http://a/b/"},
      {"../", "http://a/b/"},
      {"../g", "http://a/b/g"},
      {"../..", "http://a/"},
      {"../../", "http://a/"},
      {"../../g", "http://a/g"},
  };
  for (const Case& c : cases) {
    EXPECT_EQ(show(resolve(base, c.input)), show(c.expected)) << "reference: " << c.input;
  }
}

TEST(ResolveTest, Rfc3986AbnormalExamples) {
  const char* base = "http://a/b/c/d;p?q";
  const Case cases[] = {
      {"../../../g", "http://a/g"},
      {"../../../../g", "http://a/g"},
      {"/./g", "http://a/g"},
      {"/../g", "http://a/g"},
      {"g.", "http://a/b/c/g."},
      {".g", "http://a/b/c/.g"},
      {"g..", "http://a/b/c/g.."},
      {"..g", "http://a/b/c/..g"},
      {"./../g", "http://a/b/g"},
      {"./g/.", "http://a/b/c/g/"},
      {"g/./h", "http://a/b/c/g/h"},
      {"g/../h", "http://a/b/c/h"},
      {"g;x=1/./y", "http://a/b/c/g;x=1/y"},
      {"g;x=1/../y", "http://a/b/c/y"},
      {"g?y/./x", "http://a/b/c/g?y/./x"},
      {"g?y/../x", "http://a/b/c/g?y/../x"},
      {"g#s/./x", "http://a/b/c/g"},
      {"g#s/../x", "http://a/b/c/g"},
      // RFC 3986 allows "http:g" to be read as "g" (for backward compatibility), as
      // browsers do with a base of the same scheme.
      {"http:g", "http://a/b/c/g"},
  };
  for (const Case& c : cases) {
    EXPECT_EQ(show(resolve(base, c.input)), show(c.expected)) << "reference: " << c.input;
  }
}

TEST(ResolveTest, CommonHrefs) {
  const char* base = "https://Example.com:443/dir/page.html?x=1#frag";
  const Case cases[] = {
      {"other.html", "https://example.com/dir/other.html"},
      {"  other.html\n", "https://example.com/dir/other.html"},
      {"/root?a=%7e", "https://example.com/root?a=~"},
      {"//cdn.example.net/x.js", "https://cdn.example.net/x.js"},
      {"http://OTHER.example:80/", "http://other.example/"},
      {"HTTPS://other.example/", "https://other.example/"},
      {"#", "https://example.com/dir/page.html?x=1"},
      {"#section-2", "https://example.com/dir/page.html?x=1"},
      {"?page=2", "https://example.com/dir/page.html?page=2"},
      {"a b/c\xc3\xa9.html", "https://example.com/dir/a%20b/c%C3%A9.html"},
      {"../../../../up", "https://example.com/up"},
      {"//b\xc3\xbc" "cher.example/", "https://xn--bcher-kva.example/"},
  };
  for (const Case& c : cases) {
    EXPECT_EQ(show(resolve(base, c.input)), show(c.expected)) << "reference: " << c.input;
  }
}

TEST(ResolveTest, NonHttpSchemesAreRejected) {
  const char* base = "http://example.com/a/b";
  const char* refs[] = {"javascript:void(0)", "JavaScript:alert(1)", " javascript:x",
                        "mailto:someone@example.com", "tel:+123456", "data:text/plain,hi",
                        "ftp://example.com/file", "file:///etc/passwd", "about:blank",
                        "irc://irc.example.net/chan", "sms:123", "urn:isbn:123"};
  for (const char* ref : refs) {
    EXPECT_EQ(resolve(base, ref), std::nullopt) << ref;
  }
}

TEST(ResolveTest, BadBaseOrReference) {
  EXPECT_EQ(resolve("not a url", "x"), std::nullopt);
  EXPECT_EQ(resolve("ftp://example.com/", "x"), std::nullopt);
  EXPECT_EQ(resolve("", ""), std::nullopt);
  EXPECT_EQ(resolve("", "#x"), std::nullopt);
  EXPECT_EQ(resolve("http://example.com/", "a\x01" "b"), "http://example.com/a%01b");
  EXPECT_EQ(resolve("http://example.com/", "//exa\x01mple.com/"), std::nullopt);
  EXPECT_EQ(resolve("http://example.com/", "http://exa mple.com/"), std::nullopt);
  EXPECT_EQ(resolve("http://example.com/", std::string(kMaxUrlBytes + 1, 'a')),
            std::nullopt);
  // An absolute reference does not need a valid base.
  EXPECT_EQ(show(resolve("http://example.com/", "http://other.example/x")),
            "http://other.example/x");
  EXPECT_EQ(show(resolve("not a url", "http://other.example/x")), "http://other.example/x");
  EXPECT_EQ(show(resolve("ftp://example.com/", "https:other.example")), "https://other.example/");
}

// resolve() keeps the last parsed base per thread; changing bases must not mix them up.
TEST(ResolveTest, ChangingBases) {
  const char* a = "http://a.example/x/y";
  const char* b = "https://b.example:8443/p/q?r";
  for (int round = 0; round < 3; ++round) {
    EXPECT_EQ(show(resolve(a, "z")), "http://a.example/x/z");
    EXPECT_EQ(show(resolve(a, "?k")), "http://a.example/x/y?k");
    EXPECT_EQ(show(resolve(b, "z")), "https://b.example:8443/p/z");
    EXPECT_EQ(resolve("junk", "z"), std::nullopt);
    EXPECT_EQ(resolve("junk", "z"), std::nullopt);
    EXPECT_EQ(show(resolve(b, "")), "https://b.example:8443/p/q?r");
    EXPECT_EQ(show(resolve("http://b\xc3\xbc" "cher.example/a", "b")),
              "http://xn--bcher-kva.example/b");
  }
}

// ---- host / origin / path_and_query ------------------------------------------------

TEST(PartsTest, Host) {
  EXPECT_EQ(host("http://example.com/"), "example.com");
  EXPECT_EQ(host("https://www.example.com:8443/a?b#c"), "www.example.com");
  EXPECT_EQ(host("http://user:pw@example.com:8080/"), "example.com");
  EXPECT_EQ(host("http://127.0.0.1:8080/x"), "127.0.0.1");
  EXPECT_EQ(host("http://[::1]:8080/x"), "[::1]");
  EXPECT_EQ(host("http://example.com?q"), "example.com");
  EXPECT_EQ(host("http://xn--bcher-kva.example/"), "xn--bcher-kva.example");
  EXPECT_EQ(host("ftp://example.com/"), "");
  EXPECT_EQ(host("example.com"), "");
  EXPECT_EQ(host("http:///x"), "");
  EXPECT_EQ(host(""), "");
}

TEST(PartsTest, Origin) {
  EXPECT_EQ(origin("http://example.com/a/b?c"), "http://example.com");
  EXPECT_EQ(origin("https://example.com:8443/"), "https://example.com:8443");
  EXPECT_EQ(origin("http://user:pw@example.com:81/"), "http://example.com:81");
  EXPECT_EQ(origin("http://[::1]:8080/"), "http://[::1]:8080");
  EXPECT_EQ(origin("mailto:x@example.com"), "");
  // Default ports never appear: normalize() dropped them.
  EXPECT_EQ(origin(*normalize("https://Example.com:443/x")), "https://example.com");
}

TEST(PartsTest, PathAndQuery) {
  EXPECT_EQ(path_and_query("http://example.com/"), "/");
  EXPECT_EQ(path_and_query("http://example.com/a/b?x=1"), "/a/b?x=1");
  EXPECT_EQ(path_and_query("http://example.com:81/a?x=1&y=%2F"), "/a?x=1&y=%2F");
  EXPECT_EQ(path_and_query("http://example.com/a#frag"), "/a");
  EXPECT_EQ(path_and_query("http://example.com"), "/");
  EXPECT_EQ(path_and_query("http://example.com?q"), "/?q");
  EXPECT_EQ(path_and_query("gopher://example.com/a"), "");
}

TEST(PartsTest, RegistrableDomain) {
  EXPECT_EQ(registrable_domain("a.b.example.co.uk"), "example.co.uk");
  EXPECT_EQ(registrable_domain("example.co.uk"), "example.co.uk");
  EXPECT_EQ(registrable_domain("www.example.com"), "example.com");
  EXPECT_EQ(registrable_domain("example.com"), "example.com");
  EXPECT_EQ(registrable_domain("deep.sub.domain.example.org"), "example.org");
  EXPECT_EQ(registrable_domain("foo.github.io"), "foo.github.io");
  EXPECT_EQ(registrable_domain("127.0.0.1"), "127.0.0.1");
  EXPECT_EQ(registrable_domain("[::1]"), "[::1]");
  EXPECT_EQ(registrable_domain("::1"), "::1");
  EXPECT_EQ(registrable_domain("localhost"), "localhost");
  EXPECT_EQ(registrable_domain("co.uk"), "co.uk");
  EXPECT_EQ(registrable_domain("com"), "com");
  EXPECT_EQ(registrable_domain(""), "");
  EXPECT_EQ(registrable_domain("www.xn--bcher-kva.example"), "xn--bcher-kva.example");
}

TEST(NormalizeEscapesTest, Table) {
  EXPECT_EQ(normalize_escapes("/a%7eb%2fc%zz%"), "/a~b%2Fc%zz%");
  EXPECT_EQ(normalize_escapes("/\xc3\xa9 x"), "/%C3%A9%20x");
  EXPECT_EQ(normalize_escapes("/*$?a=b"), "/*$?a=b");
  EXPECT_EQ(normalize_escapes(""), "");
}

// Found by fuzz/url_fuzzer and fuzz/html_fuzzer (tests/fuzz/corpus keeps the inputs).
TEST(NormalizeTest, FuzzFindsStayFixed) {
  // A '%' that starts no escape is written %25, so a second pass changes nothing.
  EXPECT_EQ(normalize("http://a.example/%3%39"), "http://a.example/%2539");
  EXPECT_EQ(normalize("http://a.example/100%"), "http://a.example/100%25");
  for (const char* input : {"http://a.example/%3%39", "http://a.example/%%34%31", "http://a.example/100%",
                            "http://example.com/a/b/%2e%2e/c", "http://example.com/a/%2E/b"}) {
    auto once = normalize(input);
    ASSERT_TRUE(once.has_value()) << input;
    EXPECT_EQ(normalize(*once), once) << input;
  }
  // An escape decoded into a host that then reads as an IPv4 number settles on a second pass.
  EXPECT_EQ(normalize("http:/%39"), "http://0.0.0.9/");
  EXPECT_EQ(normalize(*normalize("http:/%39")), normalize("http:/%39"));
  // %2e is a dot for dot segments, as in browsers.
  EXPECT_EQ(normalize("http://example.com/a/b/%2e%2e/c"), "http://example.com/a/c");
  EXPECT_EQ(normalize("http://example.com/a/%2E/b"), "http://example.com/a/b");
  // An IDN mapping must not smuggle a space into a host.
  EXPECT_EQ(resolve("http://example.com/", "//a\xc2\xa0" "b.example/z"), std::nullopt);
  EXPECT_EQ(normalize("http://a\xc2\xa0" "b.example/"), std::nullopt);
}

// resolve() resolves plain references by hand (resolve_plain) and everything else
// through the URL Standard's parser (resolve_full). Every combination of path segments, dot segments, queries and
// fragments, against bases of several shapes, must give the same URL both ways.
TEST(ResolvePlainTest, AgreesWithTheFullParserOnEveryCombination) {
  const std::vector<std::string> bases = {
      "http://example.com/",           "http://example.com/a",       "http://example.com/a/",
      "http://example.com/a/b/c.html", "http://example.com/a/b/?q=1", "https://h.example:8443/x//y/z?k=v&w",
      "http://127.0.0.1:8080/s07/p000712.html"};
  const std::vector<std::string> pieces = {"", ".", "..", "a", "p000124.html", "~u", "x-y_z"};
  const std::vector<std::string> tails = {"", "?", "?x=1&y=2", "#", "#frag", "?a=b#c", "?..#..", "/"};
  std::vector<std::string> references;
  for (const std::string& lead : {std::string(), std::string("/"), std::string("./"), std::string("../")}) {
    for (const std::string& p1 : pieces) {
      for (const std::string& p2 : pieces) {
        for (const std::string& tail : tails) references.push_back(lead + p1 + "/" + p2 + tail);
      }
      for (const std::string& tail : tails) references.push_back(lead + p1 + tail);
    }
  }
  for (const char* extra : {"?", "?x", "#", "..", "../..", "../../../../g", "a//b/../c", ".//..", "//",
                            "/./", "/..", "a/b/c/./../../g", "g;x", "g:h", "%41", "a b"}) {
    references.push_back(extra);
  }
  size_t plain = 0;
  for (const std::string& base : bases) {
    ASSERT_EQ(normalize(base), base);
    for (const std::string& reference : references) {
      const auto fast = resolve_plain(base, reference);
      const auto slow = resolve_full(base, reference);
      if (fast) {
        ++plain;
        EXPECT_EQ(show(fast), show(slow)) << base << " + " << reference;
      }
      EXPECT_EQ(show(resolve(base, reference)), show(slow)) << base << " + " << reference;
    }
  }
  EXPECT_GT(plain, references.size() * bases.size() * 9 / 10);  // the rest start "//" or are not plain
}

TEST(ResolvePlainTest, LeavesTheRestToTheFullParser) {
  const std::string base = "http://example.com/a/b";
  for (const char* reference : {"//other.example/p", "http://x.example/", "g:h", "a b", "%41",
                                "a\\b", "\xc3\xa9", "mailto:x@y", "a;b", "a+b", " a", "a\tb"}) {
    EXPECT_EQ(resolve_plain(base, reference), std::nullopt) << reference;
  }
  EXPECT_EQ(resolve_plain(base, "../../../c?d=e#f"), "http://example.com/c?d=e");
  EXPECT_EQ(resolve_plain(base, ""), base);
  EXPECT_EQ(resolve_plain(base, "#x"), base);
  EXPECT_EQ(resolve_plain(base, "?"), "http://example.com/a/b");
  EXPECT_EQ(resolve_plain(base, ".?q"), "http://example.com/a/?q");
  // Empty segments are segments, as in browsers: ".." removes one.
  EXPECT_EQ(resolve_plain("http://wwwwwwwwww//:pttsWW", "http4/ooo~h11111110-22/"),
            "http://wwwwwwwwww//http4/ooo~h11111110-22/");
  EXPECT_EQ(resolve_plain("http://example.com/a//b", "../c"), "http://example.com/a/c");
  EXPECT_EQ(resolve_full("http://example.com/a//b", "../c"), "http://example.com/a/c");
}

}  // namespace
}  // namespace forager::url
