#include "workers/parse/charset.h"

#include <gtest/gtest.h>

#include <random>
#include <string>

namespace forager::charset {
namespace {

TEST(CharsetTest, LabelsFollowTheWhatwgTable) {
  EXPECT_EQ(encoding_for_label("utf-8"), "UTF-8");
  EXPECT_EQ(encoding_for_label(" UTF8 "), "UTF-8");
  EXPECT_EQ(encoding_for_label("ISO-8859-1"), "windows-1252");
  EXPECT_EQ(encoding_for_label("latin1"), "windows-1252");
  EXPECT_EQ(encoding_for_label("US-ASCII"), "windows-1252");
  EXPECT_EQ(encoding_for_label("iso-8859-9"), "windows-1254");
  EXPECT_EQ(encoding_for_label("SJIS"), "Shift_JIS");
  EXPECT_EQ(encoding_for_label("gb2312"), "GBK");
  EXPECT_EQ(encoding_for_label("big5"), "Big5");
  EXPECT_EQ(encoding_for_label("koi8-r"), "KOI8-R");
  EXPECT_EQ(encoding_for_label("euc-kr"), "EUC-KR");
  EXPECT_EQ(encoding_for_label("iso-2022-kr"), "replacement");
  EXPECT_EQ(encoding_for_label("no-such-charset"), "");
  EXPECT_EQ(encoding_for_label(""), "");
}

TEST(CharsetTest, ByteOrderMarks) {
  EXPECT_EQ(sniff_bom("\xEF\xBB\xBFhi").encoding, "UTF-8");
  EXPECT_EQ(sniff_bom("\xEF\xBB\xBFhi").length, 3u);
  EXPECT_EQ(sniff_bom(std::string_view("\xFF\xFEh\0", 4)).encoding, "UTF-16LE");
  EXPECT_EQ(sniff_bom(std::string_view("\xFE\xFF\0h", 4)).encoding, "UTF-16BE");
  EXPECT_EQ(sniff_bom("hi").encoding, "");
}

TEST(CharsetTest, BomWinsOverHeaderAndIsStripped) {
  EXPECT_EQ(to_utf8("\xEF\xBB\xBF\xC3\xA9t\xC3\xA9", "text/html; charset=iso-8859-1"),
            "\xC3\xA9t\xC3\xA9");
  const std::string utf16le("\xFF\xFE" "h\0i\0\xE9\0", 8);
  EXPECT_EQ(to_utf8(utf16le, "text/html; charset=utf-8"), "hi\xC3\xA9");
  const std::string utf16be("\xFE\xFF\0h\0i", 6);
  EXPECT_EQ(to_utf8(utf16be, ""), "hi");
}

TEST(CharsetTest, CharsetParameter) {
  EXPECT_EQ(charset_parameter("text/html; charset=UTF-8"), "UTF-8");
  EXPECT_EQ(charset_parameter("text/html;charset=\"iso-8859-1\""), "iso-8859-1");
  EXPECT_EQ(charset_parameter("text/html; foo=bar; CharSet = koi8-r ;x=y"), "koi8-r");
  EXPECT_EQ(charset_parameter("text/html"), "");
  EXPECT_EQ(charset_parameter(""), "");
}

TEST(CharsetTest, HeaderWinsOverMeta) {
  const std::string body = "<meta charset=\"utf-8\"><p>caf\xE9</p>";
  EXPECT_EQ(decide_encoding(body, "text/html; charset=windows-1252").encoding, "windows-1252");
  EXPECT_EQ(to_utf8(body, "text/html; charset=windows-1252"),
            "<meta charset=\"utf-8\"><p>caf\xC3\xA9</p>");
}

TEST(CharsetTest, UnknownHeaderLabelFallsThroughToMeta) {
  const std::string body = "<meta charset=koi8-r>";
  EXPECT_EQ(decide_encoding(body, "text/html; charset=bogus").encoding, "KOI8-R");
}

TEST(CharsetTest, MetaPrescan) {
  EXPECT_EQ(prescan_meta_charset("<html><head><meta charset=\"Shift_JIS\">"), "Shift_JIS");
  EXPECT_EQ(prescan_meta_charset("<META CHARSET='latin1'>"), "windows-1252");
  EXPECT_EQ(prescan_meta_charset(
                "<meta http-equiv=\"Content-Type\" content=\"text/html; charset=euc-jp\">"),
            "EUC-JP");
  // content without http-equiv does not count.
  EXPECT_EQ(prescan_meta_charset("<meta content=\"text/html; charset=euc-jp\">"), "");
  // Attributes in either order.
  EXPECT_EQ(prescan_meta_charset(
                "<meta content='text/html; charset=\"koi8-r\"' http-equiv=content-type>"),
            "KOI8-R");
  // Inside a comment: ignored.
  EXPECT_EQ(prescan_meta_charset("<!-- <meta charset=koi8-r> --><p>"), "");
  // UTF-16 declared in a meta means UTF-8.
  EXPECT_EQ(prescan_meta_charset("<meta charset=utf-16le>"), "UTF-8");
  // Past the first 1024 bytes: not seen.
  EXPECT_EQ(prescan_meta_charset(std::string(1100, ' ') + "<meta charset=koi8-r>"), "");
  // Attributes of other tags cannot fake a meta.
  EXPECT_EQ(prescan_meta_charset("<div title='<meta charset=koi8-r>'>"), "");
  // Unknown label: none.
  EXPECT_EQ(prescan_meta_charset("<meta charset=bogus>"), "");
}

TEST(CharsetTest, DefaultIsUtf8WhenValidElseWindows1252) {
  EXPECT_EQ(decide_encoding("caf\xC3\xA9", "").encoding, "UTF-8");
  EXPECT_EQ(decide_encoding("caf\xE9", "").encoding, "windows-1252");
  // A body cut inside a character is still UTF-8 when the rest shows it is.
  EXPECT_EQ(decide_encoding("caf\xC3\xA9 \xE2\x82", "text/html").encoding, "UTF-8");
  EXPECT_EQ(decide_encoding("caf\xE2\x82", "text/html").encoding, "windows-1252");
}

TEST(CharsetTest, Windows1252SmartQuotes) {
  EXPECT_EQ(to_utf8("\x93quoted\x94 \x80", "text/html; charset=windows-1252"),
            "\xE2\x80\x9Cquoted\xE2\x80\x9D \xE2\x82\xAC");
  // Bytes undefined in windows-1252 map to C1 controls, never fail.
  EXPECT_EQ(to_utf8("\x81", "text/html; charset=windows-1252"), "\xC2\x81");
}

TEST(CharsetTest, Iso88591IsWindows1252) {
  EXPECT_EQ(to_utf8("na\xEFve \x93", "text/html; charset=ISO-8859-1"),
            "na\xC3\xAFve \xE2\x80\x9C");
}

TEST(CharsetTest, ShiftJis) {
  // 日本語 in Shift_JIS.
  EXPECT_EQ(to_utf8("\x93\xFA\x96\x7B\x8C\xEA", "text/html; charset=shift_jis"),
            "\xE6\x97\xA5\xE6\x9C\xAC\xE8\xAA\x9E");
  // Declared in a meta instead.
  EXPECT_EQ(to_utf8("<meta charset=sjis>\x93\xFA", ""), "<meta charset=sjis>\xE6\x97\xA5");
}

TEST(CharsetTest, OtherLegacyEncodings) {
  // Привет in KOI8-R.
  EXPECT_EQ(to_utf8("\xF0\xD2\xC9\xD7\xC5\xD4", "text/html; charset=koi8-r"),
            "\xD0\x9F\xD1\x80\xD0\xB8\xD0\xB2\xD0\xB5\xD1\x82");
  // 中文 in GBK.
  EXPECT_EQ(to_utf8("\xD6\xD0\xCE\xC4", "text/html; charset=gb2312"), "\xE4\xB8\xAD\xE6\x96\x87");
}

TEST(CharsetTest, UnknownLabelFallsBackToWindows1252) {
  EXPECT_EQ(to_utf8("caf\xE9", "text/html; charset=x-made-up"), "caf\xC3\xA9");
  EXPECT_EQ(to_utf8("<meta charset=x-made-up>caf\xE9", ""), "<meta charset=x-made-up>caf\xC3\xA9");
  // An unknown label is skipped (WHATWG), so valid UTF-8 still decodes as UTF-8.
  EXPECT_EQ(to_utf8("caf\xC3\xA9", "text/html; charset=x-made-up"), "caf\xC3\xA9");
}

TEST(CharsetTest, InvalidUtf8BecomesReplacementCharacters) {
  EXPECT_EQ(decode("a\xFF" "b", "UTF-8"), "a\xEF\xBF\xBD" "b");
  EXPECT_EQ(decode("a\xC3", "UTF-8"), "a\xEF\xBF\xBD");
  // An overlong encoding and a surrogate: one U+FFFD per bad byte.
  EXPECT_EQ(decode("\xC0\xAF", "UTF-8"), "\xEF\xBF\xBD\xEF\xBF\xBD");
  EXPECT_EQ(decode("\xED\xA0\x80", "UTF-8"), "\xEF\xBF\xBD\xEF\xBF\xBD\xEF\xBF\xBD");
  // A truncated sequence followed by ASCII keeps the ASCII.
  EXPECT_EQ(decode("\xE2\x82x", "UTF-8"), "\xEF\xBF\xBDx");
  EXPECT_EQ(to_utf8("ok \xE2\x82\xAC bad \xFF", "text/html; charset=utf-8"),
            "ok \xE2\x82\xAC bad \xEF\xBF\xBD");
}

TEST(CharsetTest, InvalidLegacyBytesBecomeReplacementCharacters) {
  // 0x80 is not a Shift_JIS lead byte in CP932 as iconv sees it; 0xFF never is.
  const std::string out = to_utf8("a\xFF" "b\x93", "text/html; charset=shift_jis");
  EXPECT_TRUE(is_valid_utf8(out));
  EXPECT_NE(out.find("\xEF\xBF\xBD"), std::string::npos);
  EXPECT_EQ(out.front(), 'a');
  // Odd byte count in UTF-16.
  EXPECT_EQ(decode(std::string("h\0i", 3), "UTF-16LE"), "h\xEF\xBF\xBD");
}

TEST(CharsetTest, ReplacementEncodingGivesOneReplacementCharacter) {
  EXPECT_EQ(to_utf8("anything", "text/html; charset=iso-2022-kr"), "\xEF\xBF\xBD");
}

TEST(CharsetTest, OutputIsAlwaysValidUtf8) {
  std::mt19937 rng(42);
  const char* types[] = {"",
                         "text/html; charset=utf-8",
                         "text/html; charset=shift_jis",
                         "text/html; charset=euc-jp",
                         "text/html; charset=gbk",
                         "text/html; charset=big5",
                         "text/html; charset=utf-16le",
                         "text/html; charset=utf-16be",
                         "text/html; charset=iso-2022-jp",
                         "text/html; charset=euc-kr",
                         "text/html; charset=x-user-defined",
                         "text/html; charset=koi8-u"};
  for (int round = 0; round < 300; ++round) {
    std::string garbage(1000, '\0');
    for (char& c : garbage) c = static_cast<char>(rng());
    if (round % 3 == 0) {
      garbage = "<meta charset=" + std::string(types[1 + round % 11]).substr(19) + ">" + garbage;
    }
    for (const char* type : types) {
      const std::string out = to_utf8(garbage, type);
      ASSERT_TRUE(is_valid_utf8(out)) << type << " round " << round;
    }
  }
}

TEST(CharsetTest, Utf8Validation) {
  EXPECT_TRUE(is_valid_utf8(""));
  EXPECT_TRUE(is_valid_utf8("plain ascii"));
  EXPECT_TRUE(is_valid_utf8("\xF0\x9F\x98\x80"));
  EXPECT_FALSE(is_valid_utf8("\xF0\x9F\x98"));
  EXPECT_TRUE(is_valid_utf8("\xF0\x9F\x98", /*allow_truncated_end=*/true));
  EXPECT_FALSE(is_valid_utf8("\xF4\x90\x80\x80"));  // above U+10FFFF
  EXPECT_FALSE(is_valid_utf8("\xFE"));
}

}  // namespace
}  // namespace forager::charset
