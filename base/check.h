// check.h — gener's error type and the GENER_CHECK / GENER_THROW macros (file:line in every message).
#pragma once
#include <sstream>
#include <stdexcept>
#include <string>

namespace gener {

// Every failure in gener is a gener::Error carrying one human-readable line.
class Error : public std::runtime_error {
 public:
  explicit Error(const std::string& what) : std::runtime_error(what) {}
};

namespace detail {
// The message as one line of bounded length: control characters escaped, any overlong run of non-blank
// characters (a 10 MB token that reached a message unformatted) cut like base/show.h's show(). In base/show.cpp.
std::string one_line(const std::string& msg);

[[noreturn]] inline void throw_error(const char* file, int line, const std::string& msg) {
  std::ostringstream os;
  os << one_line(msg) << " [" << file << ":" << line << "]";
  throw Error(os.str());
}
}  // namespace detail

// Rethrow the error `e` with `context` in front ("FILE: " + its message), keeping its one source location.
[[noreturn]] inline void rethrow_with_context(const std::string& context, const std::exception& e) {
  throw Error(context + ": " + e.what());
}
}  // namespace gener

// GENER_THROW(a << b) — throw gener::Error built from a stream expression.
#define GENER_THROW(stream_expr)                                          \
  do {                                                                    \
    std::ostringstream gener_os_;                                         \
    gener_os_ << stream_expr;                                             \
    ::gener::detail::throw_error(__FILE__, __LINE__, gener_os_.str());    \
  } while (0)

// GENER_CHECK(cond, a << b) — throw with the failed condition and the message.
#define GENER_CHECK(cond, stream_expr)                                    \
  do {                                                                    \
    if (!(cond)) GENER_THROW(stream_expr << " (check failed: " #cond ")"); \
  } while (0)
