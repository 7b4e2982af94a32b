// show.cpp — value formatting for messages and the one-line tidy-up every gener::Error goes through.
#include "base/show.h"

#include <algorithm>

#include "base/check.h"

namespace gener {
namespace {

// Length of the valid UTF-8 sequence starting at s[i] (2 to 4 bytes), or 0 when it is not one.
size_t utf8_sequence(std::string_view s, size_t i) {
  const unsigned char c = static_cast<unsigned char>(s[i]);
  size_t n = 0;
  unsigned min = 0;
  if (c >= 0xc2 && c <= 0xdf) n = 2, min = 0x80;
  else if (c >= 0xe0 && c <= 0xef) n = 3, min = 0x800;
  else if (c >= 0xf0 && c <= 0xf4) n = 4, min = 0x10000;
  else return 0;
  if (i + n > s.size()) return 0;
  unsigned cp = c & (0xff >> (n + 1));
  for (size_t k = 1; k < n; ++k) {
    const unsigned char t = static_cast<unsigned char>(s[i + k]);
    if ((t & 0xc0) != 0x80) return 0;
    cp = (cp << 6) | (t & 0x3f);
  }
  if (cp < min || cp > 0x10ffff || (cp >= 0xd800 && cp <= 0xdfff)) return 0;
  return n;
}

void append_escaped(std::string& out, unsigned char c) {
  static const char kHex[] = "0123456789abcdef";
  switch (c) {
    case '\n': out += "\\n"; return;
    case '\r': out += "\\r"; return;
    case '\t': out += "\\t"; return;
    default: break;
  }
  out += "\\x";
  out += kHex[c >> 4];
  out += kHex[c & 15];
}

// show() with tabs kept as they are when `keep_tabs` (a tab-separated line quoted in a message stays readable).
std::string show_impl(std::string_view value, size_t max, bool keep_tabs) {
  std::string out;
  out.reserve(std::min(value.size(), max) + 8);
  size_t shown = 0, i = 0;
  for (; i < value.size() && shown < max; ++shown) {
    const unsigned char c = static_cast<unsigned char>(value[i]);
    if ((c >= 0x20 && c < 0x7f) || (keep_tabs && c == '\t')) {
      out += static_cast<char>(c);
      ++i;
    } else if (const size_t n = c >= 0x80 ? utf8_sequence(value, i) : 0) {
      out.append(value.data() + i, n);
      i += n;
    } else {
      append_escaped(out, c);
      ++i;
    }
  }
  if (i < value.size()) out += "…(" + std::to_string(value.size()) + " bytes)";
  return out;
}

}  // namespace

std::string show(std::string_view value, size_t max) { return show_impl(value, max, false); }

namespace detail {

std::string one_line(const std::string& msg) {
  constexpr size_t kLongToken = 240;  // a path or a formatted value is shorter; raw data is cut
  std::string out;
  out.reserve(std::min<size_t>(msg.size(), 4096));
  size_t i = 0;
  while (i < msg.size()) {
    size_t j = i;
    while (j < msg.size() && msg[j] != ' ') ++j;
    const std::string_view token(msg.data() + i, j - i);
    out += show_impl(token, token.size() > kLongToken ? kShowMax : token.size(), true);
    if (j < msg.size()) out += ' ';
    i = j + 1;
  }
  return out;
}

}  // namespace detail
}  // namespace gener
