#include <moat/core/json_read.hpp>

#include <gtest/gtest.h>

#include <string>

using moat::core::json_value_offsets;
using moat::core::line_and_column;

TEST(JsonRead, ValueOffsetsByPointer) {
  const std::string text =
      "{\n  \"a\": [1, \"x]\", {\"b\": null}],\n  \"c/d\": {\"e~f\": true},\n  \"\\\"q\": 2\n}";
  const auto offsets = json_value_offsets(text);
  EXPECT_EQ(offsets.at(""), 0U);
  EXPECT_EQ(text.substr(offsets.at("/a"), 1), "[");
  EXPECT_EQ(text.substr(offsets.at("/a/0"), 1), "1");
  EXPECT_EQ(text.substr(offsets.at("/a/1"), 4), "\"x]\"");
  EXPECT_EQ(text.substr(offsets.at("/a/2/b"), 4), "null");
  // RFC 6901 escapes: "/" as ~1 and "~" as ~0; a string escape undone.
  EXPECT_EQ(text.substr(offsets.at("/c~1d/e~0f"), 4), "true");
  EXPECT_EQ(text.substr(offsets.at("/\"q"), 1), "2");
  EXPECT_EQ(line_and_column(text, offsets.at("/a/2/b")), std::make_pair(2, 24));
  EXPECT_EQ(line_and_column(text, offsets.at("/c~1d/e~0f")), std::make_pair(3, 18));
  EXPECT_FALSE(offsets.contains("/a/3"));
}

TEST(JsonRead, DeepDocumentsAreIndexedToALimitWithoutRecursingFurther) {
  const std::string deep = std::string(100000, '[') + std::string(100000, ']');
  const auto offsets = json_value_offsets(deep);
  EXPECT_TRUE(offsets.contains(""));
  EXPECT_LE(offsets.size(), 513U);
}
