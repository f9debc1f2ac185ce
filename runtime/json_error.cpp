// Finds the first byte of a refused line that breaks JSON (RFC 8259, with simdjson's limits on
// nesting and numbers), to say where simdjson's error is. It runs only after simdjson has refused
// the line, so it is written for clarity. It is iterative (a stack of open containers), so a line
// of 16 MiB of '[' cannot overflow the C++ stack.
#include "json_error.h"

#include <cerrno>
#include <cstdint>
#include <cstdlib>
#include <vector>

namespace agr {
namespace {

struct Finding {
  size_t offset = 0;
  std::string what;
};

std::string hex_byte(unsigned char byte) {
  static const char kHex[] = "0123456789abcdef";
  return std::string("0x") + kHex[byte >> 4] + kHex[byte & 15];
}

// The length of the well-formed UTF-8 sequence at s[i] (RFC 3629: no overlong forms, no
// surrogates, nothing past U+10FFFF), or 0.
size_t utf8_sequence(std::string_view s, size_t i) {
  const auto at = [&](size_t k) { return i + k < s.size() ? static_cast<unsigned char>(s[i + k]) : 0u; };
  const unsigned b0 = at(0);
  if (b0 < 0x80) return 1;
  const auto cont = [&](size_t k, unsigned lo = 0x80, unsigned hi = 0xBF) { return at(k) >= lo && at(k) <= hi; };
  if (b0 >= 0xC2 && b0 <= 0xDF) return cont(1) ? 2 : 0;
  if (b0 == 0xE0) return cont(1, 0xA0) && cont(2) ? 3 : 0;
  if (b0 == 0xED) return cont(1, 0x80, 0x9F) && cont(2) ? 3 : 0;
  if (b0 >= 0xE1 && b0 <= 0xEF) return cont(1) && cont(2) ? 3 : 0;
  if (b0 == 0xF0) return cont(1, 0x90) && cont(2) && cont(3) ? 4 : 0;
  if (b0 >= 0xF1 && b0 <= 0xF3) return cont(1) && cont(2) && cont(3) ? 4 : 0;
  if (b0 == 0xF4) return cont(1, 0x80, 0x8F) && cont(2) && cont(3) ? 4 : 0;
  return 0;
}

bool first_invalid_utf8(std::string_view s, Finding* f) {
  for (size_t i = 0; i < s.size();) {
    const size_t n = utf8_sequence(s, i);
    if (n == 0) {
      *f = {i, "invalid UTF-8 (byte " + hex_byte(static_cast<unsigned char>(s[i])) + ")"};
      return true;
    }
    i += n;
  }
  return false;
}

bool is_hex(char c) { return (c >= '0' && c <= '9') || (c >= 'a' && c <= 'f') || (c >= 'A' && c <= 'F'); }

class Scanner {
 public:
  Scanner(std::string_view s, size_t max_depth) : s_(s), max_depth_(max_depth) {}

  // True with the first problem in *f; false when the scan finds the line well formed.
  bool find(Finding* f) {
    f_ = f;
    skip_space();
    if (i_ == s_.size()) return fail(i_, "no JSON value on the line");
    for (;;) {
      // A value is expected at i_.
      skip_space();
      if (i_ == s_.size()) return truncated();
      const char c = s_[i_];
      if (c == '{' || c == '[') {
        if (open_.size() + 1 > max_depth_)
          return fail(i_, "nesting deeper than the limit of " + std::to_string(max_depth_) + " objects and arrays");
        open_.push_back(c);
        ++i_;
        skip_space();
        if (i_ < s_.size() && s_[i_] == (c == '{' ? '}' : ']')) {
          ++i_;
          open_.pop_back();
        } else if (c == '{') {
          if (!key()) return true;
          continue;
        } else {
          continue;
        }
      } else if (c == '"') {
        if (!string()) return true;
      } else if (c == '-' || (c >= '0' && c <= '9')) {
        if (!number()) return true;
      } else if (c == 't' || c == 'f' || c == 'n') {
        if (!literal()) return true;
      } else {
        return fail(i_, std::string("expected a value, found ") + shown(i_));
      }
      // After a value: close containers, or go on to the next member or element.
      for (;;) {
        skip_space();
        if (open_.empty()) {
          if (i_ < s_.size()) return fail(i_, "content after the end of the JSON value");
          return false;
        }
        if (i_ == s_.size()) return truncated();
        const char close = open_.back() == '{' ? '}' : ']';
        if (s_[i_] == close) {
          ++i_;
          open_.pop_back();
          continue;
        }
        if (s_[i_] != ',')
          return fail(i_, open_.back() == '{' ? "expected ',' or '}'" : "expected ',' or ']'");
        ++i_;
        if (open_.back() == '{' && !key()) return true;
        break;
      }
    }
  }

 private:
  bool fail(size_t offset, std::string what) {
    *f_ = {offset, std::move(what)};
    return true;
  }
  bool truncated() { return fail(i_, "the line ends before the JSON value does (truncated)"); }

  std::string shown(size_t at) const {
    const unsigned char c = static_cast<unsigned char>(s_[at]);
    if (c >= 0x20 && c < 0x7f) return std::string("'") + static_cast<char>(c) + "'";
    return "byte " + hex_byte(c);
  }

  void skip_space() {
    while (i_ < s_.size() && (s_[i_] == ' ' || s_[i_] == '\t' || s_[i_] == '\n' || s_[i_] == '\r')) ++i_;
  }

  // A member's key and its ':'; false (with the finding) when broken.
  bool key() {
    skip_space();
    if (i_ == s_.size()) return !truncated();
    if (s_[i_] != '"') return !fail(i_, "expected a key (a string in double quotes), found " + shown(i_));
    if (!string()) return false;
    skip_space();
    if (i_ == s_.size()) return !truncated();
    if (s_[i_] != ':') return !fail(i_, "expected ':' after the key, found " + shown(i_));
    ++i_;
    return true;
  }

  bool string() {
    const size_t begin = i_++;  // the opening quote
    while (i_ < s_.size()) {
      const unsigned char c = static_cast<unsigned char>(s_[i_]);
      if (c == '"') {
        ++i_;
        return true;
      }
      if (c < 0x20) return !fail(i_, "a control character (" + hex_byte(c) + ") not escaped in a string");
      if (c == '\\') {
        const size_t at = i_;
        if (!escape()) return !fail(at, "a bad escape in a string");
        continue;
      }
      const size_t n = utf8_sequence(s_, i_);
      if (n == 0) return !fail(i_, "invalid UTF-8 (byte " + hex_byte(c) + ")");
      i_ += n;
    }
    return !fail(begin, "the line ends inside the string that starts here");
  }

  // \" \\ \/ \b \f \n \r \t \uXXXX (a high surrogate followed by a low one).
  bool escape() {
    if (i_ + 1 >= s_.size()) return false;
    const char e = s_[i_ + 1];
    if (e != 'u') {
      i_ += 2;
      return std::string_view("\"\\/bfnrt").find(e) != std::string_view::npos;
    }
    unsigned unit = 0;
    if (!hex4(i_ + 2, &unit)) return false;
    i_ += 6;
    if (unit >= 0xDC00 && unit <= 0xDFFF) return false;
    if (unit >= 0xD800 && unit <= 0xDBFF) {
      unsigned low = 0;
      if (i_ + 1 >= s_.size() || s_[i_] != '\\' || s_[i_ + 1] != 'u' || !hex4(i_ + 2, &low) || low < 0xDC00 ||
          low > 0xDFFF)
        return false;
      i_ += 6;
    }
    return true;
  }

  bool hex4(size_t at, unsigned* out) const {
    if (at + 4 > s_.size()) return false;
    unsigned v = 0;
    for (size_t k = at; k < at + 4; ++k) {
      if (!is_hex(s_[k])) return false;
      const char c = s_[k];
      v = v * 16 + static_cast<unsigned>(c <= '9' ? c - '0' : (c | 0x20) - 'a' + 10);
    }
    *out = v;
    return true;
  }

  // The token is the longest run of characters a number could hold; it must be exactly a number
  // of the grammar, and fit: integers in 64 bits (signed, or unsigned when positive), others in a
  // finite double.
  bool number() {
    const size_t begin = i_;
    auto number_char = [](char c) {
      return (c >= '0' && c <= '9') || (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || c == '.' || c == '+' ||
             c == '-';
    };
    while (i_ < s_.size() && number_char(s_[i_])) ++i_;
    const std::string_view token = s_.substr(begin, i_ - begin);
    const std::string quoted = "(" + std::string(token.substr(0, 40)) + (token.size() > 40 ? "..." : "") + ")";
    size_t k = 0;
    auto digits = [&] {
      const size_t from = k;
      while (k < token.size() && token[k] >= '0' && token[k] <= '9') ++k;
      return k > from;
    };
    bool integer = true;
    if (k < token.size() && token[k] == '-') ++k;
    if (k < token.size() && token[k] == '0') {
      ++k;
    } else if (!digits()) {
      return !fail(begin, "a malformed number " + quoted);
    }
    if (k < token.size() && token[k] == '.') {
      ++k;
      integer = false;
      if (!digits()) return !fail(begin, "a malformed number " + quoted);
    }
    if (k < token.size() && (token[k] == 'e' || token[k] == 'E')) {
      ++k;
      integer = false;
      if (k < token.size() && (token[k] == '+' || token[k] == '-')) ++k;
      if (!digits()) return !fail(begin, "a malformed number " + quoted);
    }
    if (k != token.size()) return !fail(begin, "a malformed number " + quoted);
    const std::string text(token);
    errno = 0;
    char* end = nullptr;
    bool fits;
    if (integer && token[0] == '-') {
      std::strtoll(text.c_str(), &end, 10);
      fits = errno != ERANGE;
    } else if (integer) {
      std::strtoull(text.c_str(), &end, 10);
      fits = errno != ERANGE;
    } else {
      const double value = std::strtod(text.c_str(), &end);
      fits = value - value == 0;  // finite (an underflow to 0 is fine, as for simdjson)
    }
    if (!fits) return !fail(begin, "a number out of range " + quoted);
    return true;
  }

  bool literal() {
    for (std::string_view word : {"true", "false", "null"}) {
      if (s_.substr(i_, word.size()) == word) {
        const size_t after = i_ + word.size();
        if (after == s_.size() || std::string_view(" \t\r\n,]}").find(s_[after]) != std::string_view::npos) {
          i_ = after;
          return true;
        }
      }
    }
    size_t end = i_;
    while (end < s_.size() && end - i_ < 20 && s_[end] >= 'a' && s_[end] <= 'z') ++end;
    return !fail(i_, "expected a value, found '" + std::string(s_.substr(i_, end - i_)) + "'");
  }

  std::string_view s_;
  size_t max_depth_;
  size_t i_ = 0;
  std::vector<char> open_;
  Finding* f_ = nullptr;
};

}  // namespace

std::string describe_json_error(std::string_view line, simdjson::error_code code, size_t max_depth) {
  Finding f;
  bool found;
  if (line.substr(0, 3) == "\xEF\xBB\xBF") {
    found = true;
    f = {0, "the line starts with a byte-order mark (EF BB BF), which JSON Lines does not allow"};
  } else if (code == simdjson::UTF8_ERROR) {
    found = first_invalid_utf8(line, &f);
  } else {
    found = Scanner(line, max_depth).find(&f);
  }
  if (!found) return std::string("not valid JSON: ") + simdjson::error_message(code);  // simdjson's own words
  return "not valid JSON at column " + std::to_string(f.offset + 1) + ": " + f.what;
}

}  // namespace agr
