// test_base_show.cpp — values in messages: cut to ~80 characters with an ellipsis, control bytes escaped, UTF-8 kept
// whole; every gener::Error one line of bounded length; range bounds printed as people write them.
#include <gtest/gtest.h>

#include <cmath>
#include <limits>
#include <string>

#include "base/check.h"
#include "base/range.h"
#include "base/show.h"

namespace gener {
namespace {

TEST(Show, ShortValuesAreKeptAsTheyAre) {
  EXPECT_EQ(show("YAL001C"), "YAL001C");
  EXPECT_EQ(show(""), "");
  EXPECT_EQ(show("Gène"), "Gène");  // valid UTF-8 passes
}

TEST(Show, LongValuesAreCutWithAnEllipsisAndTheirLength) {
  const std::string big(10 * 1024 * 1024, 'A');
  const std::string s = show(big);
  EXPECT_EQ(s, std::string(kShowMax, 'A') + "…(10485760 bytes)");
  EXPECT_LT(s.size(), 120u);
  EXPECT_EQ(show(std::string(kShowMax, 'B')), std::string(kShowMax, 'B'));  // exactly the limit: not cut
}

TEST(Show, ControlAndInvalidBytesAreEscaped) {
  EXPECT_EQ(show("a\tb\nc\rd"), "a\\tb\\nc\\rd");
  EXPECT_EQ(show(std::string("x\0y", 3)), "x\\x00y");
  EXPECT_EQ(show("\xff\xfe"), "\\xff\\xfe");
  EXPECT_EQ(show("\xc3"), "\\xc3");  // a truncated UTF-8 sequence
}

TEST(Show, NeverCutsInsideAUtf8Sequence) {
  std::string v;
  for (int i = 0; i < 100; ++i) v += "é";  // 2 bytes each
  const std::string s = show(v, 5);
  EXPECT_EQ(s, "ééééé…(200 bytes)");
}

TEST(ErrorLine, AHugeTokenInAMessageIsCut) {
  const std::string token(10 * 1024 * 1024, 'Z');
  try {
    GENER_THROW("data.tsv:3: bad value '" << token << "'");
    FAIL() << "no throw";
  } catch (const Error& e) {
    const std::string msg = e.what();
    EXPECT_LT(msg.size(), 400u) << msg.substr(0, 400);
    EXPECT_NE(msg.find("data.tsv:3: bad value"), std::string::npos) << msg;
    EXPECT_NE(msg.find("…("), std::string::npos) << msg;
  }
}

TEST(ErrorLine, NewlinesAreEscapedTabsAndPathsKept) {
  try {
    GENER_THROW("f.tsv:1: got 'a\tb' then\nmore in /some/rather/long/path/name/that/is/still/fine.tsv");
    FAIL() << "no throw";
  } catch (const Error& e) {
    const std::string msg = e.what();
    EXPECT_EQ(msg.find('\n'), std::string::npos) << msg;
    EXPECT_NE(msg.find("'a\tb'"), std::string::npos) << msg;
    EXPECT_NE(msg.find("/some/rather/long/path/name/that/is/still/fine.tsv"), std::string::npos) << msg;
  }
}

TEST(Bounds, AdmitsOnlyFiniteValuesInside) {
  const Bounds unit = Bounds::closed(0, 1);
  EXPECT_TRUE(unit.admits(0));
  EXPECT_TRUE(unit.admits(1));
  EXPECT_FALSE(unit.admits(2));
  EXPECT_FALSE(unit.admits(-0.1));
  EXPECT_FALSE(unit.admits(std::nan("")));
  EXPECT_FALSE(Bounds{}.admits(std::numeric_limits<double>::infinity()));
  EXPECT_FALSE(Bounds::above(0).admits(0));
  EXPECT_FALSE(Bounds::half_open(0, 1).admits(1));
  EXPECT_TRUE(Bounds::half_open(0, 1).admits(0));
}

TEST(Bounds, DescriptionsAreShort) {
  EXPECT_EQ(Bounds::at_least(1).describe(true), "an integer >= 1");
  EXPECT_EQ(Bounds::above(0).describe(false), "a number > 0");
  EXPECT_EQ(Bounds::half_open(0, 1).describe(false), "a number in [0, 1)");
  EXPECT_EQ(Bounds::closed(1, 1 << 24).describe(true), "an integer in [1, 16777216]");
  const std::string huge = Bounds::closed(0, std::numeric_limits<double>::max()).describe(false);
  EXPECT_LT(huge.size(), 40u) << huge;  // never the 309 digits of DBL_MAX
  EXPECT_EQ(Bounds::number(1e-7), "1e-07");
}

}  // namespace
}  // namespace gener
