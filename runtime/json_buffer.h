// The verdict writer's output buffer: appends are inline (a bounds check and a memcpy, no call),
// the storage is reused from line to line and grows geometrically, and nothing is initialised
// before it is written.
#pragma once

#include <cstdint>
#include <cstring>
#include <memory>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "calendar.h"

namespace agr {

// Text rendered once and copied often (the verdict writer's fragments), kept in one string with
// kSlack readable bytes after each piece, so that JsonBuffer::put_fragment copies a piece in
// whole 16-byte moves instead of calling memcpy.
class FragmentTable {
 public:
  static constexpr size_t kSlack = 16;

  void push_back(std::string_view text) {
    text_.resize(text_.size() - (text_.empty() ? 0 : kSlack));
    at_.push_back({static_cast<uint32_t>(text_.size()), static_cast<uint32_t>(text.size())});
    text_.append(text);
    text_.append(kSlack, '\0');
  }
  std::string_view operator[](size_t i) const { return {text_.data() + at_[i].first, at_[i].second}; }
  size_t size() const { return at_.size(); }

 private:
  std::string text_;
  std::vector<std::pair<uint32_t, uint32_t>> at_;  // each piece's offset and size in text_
};

class JsonBuffer {
 public:
  // Room for `n` more bytes without growing: a caller that knows how much it writes reserves once.
  void reserve(size_t n) { room(n); }

  void clear() { p_ = data_.get(); }
  std::string_view view() const { return {data_.get(), static_cast<size_t>(p_ - data_.get())}; }

  void put(char c) {
    room(1);
    *p_++ = c;
  }
  template <size_t N>
  void put(const char (&literal)[N]) {  // a literal: its length known, the copy inlined
    room(N - 1);
    std::memcpy(p_, literal, N - 1);
    p_ += N - 1;
  }
  void put(std::string_view s) {
    room(s.size());
    std::memcpy(p_, s.data(), s.size());
    p_ += s.size();
  }

  // A piece of a FragmentTable (kSlack readable bytes after it). The copies go through a local
  // pointer: a store through p_ may alias p_ itself, which would reload it after every move.
  void put_fragment(std::string_view piece) {
    static_assert(FragmentTable::kSlack >= 16);
    p_ = copy16(raw(piece.size() + 16), piece);
  }

  // For a writer that knows how much it writes: room for `n` bytes at the pointer returned, where
  // it writes directly (copy16 ...), then commit(the end of what it wrote).
  char* raw(size_t n) {
    room(n);
    return p_;
  }
  void commit(char* end) { p_ = end; }
  // `text` to `to` in whole 16-byte moves (16 bytes readable past its end, room for them at `to`);
  // returns the end of the copy.
  static char* copy16(char* to, std::string_view text) {
    for (size_t i = 0; i < text.size(); i += 16) std::memcpy(to + i, text.data() + i, 16);
    return to + text.size();
  }

  // `text` quoted, as it is: it needs no escape, and 16 bytes can be read at any place in it.
  void put_plain_string(std::string_view text) {
    char* p = raw(text.size() + 18);
    *p++ = '"';
    p = copy16(p, text);
    *p++ = '"';
    p_ = p;
  }

  // `text` as a JSON string literal: quotes, and escapes for '"', '\\' and control characters.
  void put_string(std::string_view text) {
    room(text.size() * 6 + 2);  // the longest escape, \u00XX, is 6 bytes
    *p_++ = '"';
    // Eight bytes at a time while none of them needs an escape (ids and codes mostly).
    while (text.size() >= 8) {
      uint64_t w;
      std::memcpy(&w, text.data(), 8);
      if (needs_escape(w)) break;
      std::memcpy(p_, &w, 8);
      p_ += 8;
      text.remove_prefix(8);
    }
    for (const char ch : text) {
      const unsigned char c = static_cast<unsigned char>(ch);
      if (c >= 0x20 && c != '"' && c != '\\') {
        *p_++ = ch;
        continue;
      }
      *p_++ = '\\';
      switch (c) {
        case '"': *p_++ = '"'; break;
        case '\\': *p_++ = '\\'; break;
        case '\n': *p_++ = 'n'; break;
        case '\r': *p_++ = 'r'; break;
        case '\t': *p_++ = 't'; break;
        default:
          std::memcpy(p_, "u00", 3);
          p_[3] = "0123456789abcdef"[c >> 4];
          p_[4] = "0123456789abcdef"[c & 15];
          p_ += 5;
      }
    }
    *p_++ = '"';
  }

  // Øre as a string of kroner with exactly two decimals: "327.12". The digits two at a time from
  // a table, written from the right into a scratch of the longest such string.
  void put_money(int64_t ore) {
    const bool negative = ore < 0;
    uint64_t kroner = negative ? 0 - static_cast<uint64_t>(ore) : static_cast<uint64_t>(ore);
    char text[26];  // '"', '-', 19 digits of kroner at most (2^64 / 100), '.', 2 digits, '"'
    char* p = text + sizeof text;
    *--p = '"';
    p -= 2;
    std::memcpy(p, digit_pair(kroner % 100), 2);
    *--p = '.';
    kroner /= 100;
    while (kroner >= 100) {
      p -= 2;
      std::memcpy(p, digit_pair(kroner % 100), 2);
      kroner /= 100;
    }
    if (kroner >= 10) {
      p -= 2;
      std::memcpy(p, digit_pair(kroner), 2);
    } else {
      *--p = static_cast<char>('0' + kroner);
    }
    if (negative) *--p = '-';
    *--p = '"';
    put(std::string_view(p, static_cast<size_t>(text + sizeof text - p)));
  }

  // "YYYY-MM-DD", quoted.
  void put_date(Day day) {
    room(12);
    *p_++ = '"';
    format_iso_date(day, p_);
    p_ += 10;
    *p_++ = '"';
  }

 private:
  // Whether any of the eight bytes in `w` is '"', '\\' or a control character (below 0x20): the
  // classic tests for a zero byte (of w ^ '"' and of w ^ '\\') and for a byte below n.
  static bool needs_escape(uint64_t w) {
    constexpr uint64_t kOnes = 0x0101010101010101ull, kHigh = 0x8080808080808080ull;
    const uint64_t quote = w ^ (kOnes * '"'), backslash = w ^ (kOnes * '\\');
    return (((quote - kOnes) & ~quote) | ((backslash - kOnes) & ~backslash) | ((w - kOnes * 0x20) & ~w)) & kHigh;
  }

  // "00" .. "99": the two digits of n < 100.
  static const char* digit_pair(uint64_t n) {
    static constexpr char kPairs[] =
        "00010203040506070809101112131415161718192021222324252627282930313233343536373839"
        "40414243444546474849505152535455565758596061626364656667686970717273747576777879"
        "8081828384858687888990919293949596979899";
    return kPairs + 2 * n;
  }

  void room(size_t n) {
    if (static_cast<size_t>(end_ - p_) < n) grow(n);
  }
  void grow(size_t n) {
    const size_t used = static_cast<size_t>(p_ - data_.get());
    size_t capacity = static_cast<size_t>(end_ - data_.get());
    capacity = capacity ? capacity * 2 : 4096;
    while (capacity - used < n) capacity *= 2;
    std::unique_ptr<char[]> bigger(new char[capacity]);
    if (used) std::memcpy(bigger.get(), data_.get(), used);
    data_ = std::move(bigger);
    p_ = data_.get() + used;
    end_ = data_.get() + capacity;
  }

  std::unique_ptr<char[]> data_;
  char* p_ = nullptr;
  char* end_ = nullptr;
};

}  // namespace agr
