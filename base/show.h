// show.h — the one formatter for values quoted in messages: at most ~80 characters (longer ones cut with an
// ellipsis and their length), control and invalid bytes escaped, so an error stays one readable line.
#pragma once
#include <cstddef>
#include <string>
#include <string_view>

namespace gener {

constexpr size_t kShowMax = 80;  // characters of a value kept in a message

// `value` as it should appear inside quotes in a message: printable ASCII and valid UTF-8 as is; a control
// character, a lone quote-breaking byte or invalid UTF-8 as \n, \t, \r or \xNN; cut after `max` characters
// (never inside a UTF-8 sequence) with "…" and the full length: "AAAA…(10485760 bytes)".
std::string show(std::string_view value, size_t max = kShowMax);

}  // namespace gener
