// Reads input in large blocks and hands out complete lines; memory is bounded by the longest
// line, never by the file, and by max_line however long a line is: a longer line comes out cut
// to max_line + 1 bytes (so that it is still refused as too long, on its own line number) while
// the rest of it is read and dropped. Every line comes with kLinePadding readable bytes after
// it (the buffer keeps them past its data), so the JSON parser reads it where it lies.
#pragma once

#include <algorithm>
#include <cstdio>
#include <cstring>
#include <string>
#include <string_view>

#include "history_reader.h"

namespace agr::cli {

class LineReader {
 public:
  explicit LineReader(std::FILE* in, size_t max_line = kMaxLineBytes) : in_(in), max_line_(max_line) {}

  bool next(std::string_view* line) {
    size_t scanned = pos_;  // no '\n' in [pos_, scanned): a long line is not searched again
    for (;;) {
      const size_t newline = data().find('\n', scanned);
      if (newline != std::string::npos) {
        *line = data().substr(pos_, std::min(newline - pos_, max_line_ + 1));
        pos_ = newline + 1;
        return true;
      }
      scanned = end_;
      if (end_ - pos_ > max_line_) {
        resize(pos_ + max_line_ + 1);
        skip_rest_of_line();  // appends what follows the line's end, if anything
        *line = data().substr(pos_, max_line_ + 1);
        pos_ += max_line_ + 1;
        return true;
      }
      if (eof_) {
        if (pos_ >= end_) return false;
        *line = data().substr(pos_);  // at most max_line: checked above
        pos_ = end_;
        return true;
      }
      buffer_.erase(0, pos_);
      end_ -= pos_;
      scanned -= pos_;
      pos_ = 0;
      const size_t old = end_;
      resize(old + kBlock);
      const size_t got = std::fread(buffer_.data() + old, 1, kBlock, in_);
      resize(old + got);
      if (got == 0) eof_ = true;
    }
  }

 private:
  // Drops input up to and including the next '\n' and appends what follows it to the data.
  void skip_rest_of_line() {
    std::string block(kBlock, '\0');
    for (;;) {
      const size_t got = std::fread(block.data(), 1, kBlock, in_);
      if (got == 0) {
        eof_ = true;
        return;
      }
      if (const void* nl = std::memchr(block.data(), '\n', got)) {
        const char* after = static_cast<const char*>(nl) + 1;
        const size_t old = end_;
        resize(old + static_cast<size_t>(block.data() + got - after));
        std::memcpy(buffer_.data() + old, after, end_ - old);
        return;
      }
    }
  }

  // The data is buffer_[0, end_); kLinePadding more bytes follow it.
  std::string_view data() const { return std::string_view(buffer_.data(), end_); }
  void resize(size_t end) {
    end_ = end;
    buffer_.resize(end + kLinePadding);
  }

  static constexpr size_t kBlock = 1 << 20;
  std::FILE* in_;
  size_t max_line_;
  std::string buffer_;
  size_t end_ = 0;
  size_t pos_ = 0;
  bool eof_ = false;
};

}  // namespace agr::cli
