// Reads input in large blocks and hands out complete lines; memory is bounded by the longest
// line, never by the file.
#pragma once

#include <cstdio>
#include <string>
#include <string_view>

namespace agr::cli {

class LineReader {
 public:
  explicit LineReader(std::FILE* in) : in_(in) {}

  bool next(std::string_view* line) {
    for (;;) {
      const size_t newline = buffer_.find('\n', pos_);
      if (newline != std::string::npos) {
        *line = std::string_view(buffer_).substr(pos_, newline - pos_);
        pos_ = newline + 1;
        return true;
      }
      if (eof_) {
        if (pos_ >= buffer_.size()) return false;
        *line = std::string_view(buffer_).substr(pos_);
        pos_ = buffer_.size();
        return true;
      }
      buffer_.erase(0, pos_);
      pos_ = 0;
      const size_t old = buffer_.size();
      buffer_.resize(old + kBlock);
      const size_t got = std::fread(buffer_.data() + old, 1, kBlock, in_);
      buffer_.resize(old + got);
      if (got == 0) eof_ = true;
    }
  }

 private:
  static constexpr size_t kBlock = 1 << 20;
  std::FILE* in_;
  std::string buffer_;
  size_t pos_ = 0;
  bool eof_ = false;
};

}  // namespace agr::cli
