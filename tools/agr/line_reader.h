// Reads input in large blocks and hands out complete lines; memory is bounded by the longest
// line, never by the file, and by max_line however long a line is: a longer line comes out cut
// to max_line + 1 bytes (so that it is still refused as too long, on its own line number) while
// the rest of it is read and dropped. Every line comes with kLinePadding readable bytes after
// it (the buffer keeps them past its data), so the JSON parser reads it where it lies
// (PaddedLine).
//
// It reads with read(2), which returns what is there: on a pipe or a terminal a line that has
// arrived is handed out at once, never held back until a block is full (a co-process answers
// each request). The end of the input and a failed read are told apart: next() returns false for
// both, and error() is then 0 at the end and the errno of the failure otherwise (a folder, an
// I/O error, a closed standard input). Lines already handed out stay good; after a failure the
// unfinished last line is dropped rather than taken for a whole one.
#pragma once

#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstring>
#include <functional>
#include <string>
#include <string_view>

#include "history_reader.h"

namespace agr::cli {

class LineReader {
 public:
  explicit LineReader(int fd, size_t max_line = kMaxLineBytes) : fd_(fd), max_line_(max_line) {}

  // Called before every read from the input, which may block on a pipe or a terminal: the place
  // to flush output a co-process is waiting for, or to show progress.
  void before_read(std::function<void()> hook) { before_read_ = std::move(hook); }

  bool next(std::string_view* line) {
    size_t scanned = pos_;  // no '\n' in [pos_, scanned): a long line is not searched again
    for (;;) {
      if (const void* nl = std::memchr(buffer_.data() + scanned, '\n', end_ - scanned)) {
        const size_t newline = static_cast<size_t>(static_cast<const char*>(nl) - buffer_.data());
        *line = std::string_view(buffer_.data() + pos_, std::min(newline - pos_, max_line_ + 1));
        pos_ = newline + 1;
        return true;
      }
      scanned = end_;
      if (end_ - pos_ > max_line_) {
        end_ = pos_ + max_line_ + 1;
        skip_rest_of_line();  // appends what follows the line's end, if anything
        *line = std::string_view(buffer_.data() + pos_, max_line_ + 1);
        pos_ += max_line_ + 1;
        return true;
      }
      if (error_ != 0) return false;
      if (eof_) {
        if (pos_ >= end_) return false;
        *line = std::string_view(buffer_.data() + pos_, end_ - pos_);  // at most max_line: checked above
        pos_ = end_;
        return true;
      }
      std::memmove(buffer_.data(), buffer_.data() + pos_, end_ - pos_);
      end_ -= pos_;
      scanned -= pos_;
      pos_ = 0;
      reserve(end_ + kBlock);
      const ssize_t got = read_some(buffer_.data() + end_, kBlock);
      if (got > 0) end_ += static_cast<size_t>(got);
    }
  }

  // 0 after the end of the input; the errno of the read that failed otherwise.
  int error() const { return error_; }
  // Bytes read from the input so far.
  uint64_t bytes_read() const { return bytes_read_; }

 private:
  // One read(2), retried when interrupted; sets eof_ (and error_) when nothing more will come.
  ssize_t read_some(char* into, size_t size) {
    if (before_read_) before_read_();
    ssize_t got;
    do got = ::read(fd_, into, size);
    while (got < 0 && errno == EINTR);
    if (got < 0) error_ = errno;
    if (got <= 0) eof_ = true;
    else bytes_read_ += static_cast<uint64_t>(got);
    return got;
  }

  // Drops input up to and including the next '\n' and appends what follows it at end_.
  void skip_rest_of_line() {
    std::string block(kBlock, '\0');
    for (;;) {
      const ssize_t got = read_some(block.data(), kBlock);
      if (got <= 0) return;
      if (const void* nl = std::memchr(block.data(), '\n', static_cast<size_t>(got))) {
        const char* after = static_cast<const char*>(nl) + 1;
        const size_t rest = static_cast<size_t>(block.data() + got - after);
        reserve(end_ + rest);
        std::memcpy(buffer_.data() + end_, after, rest);
        end_ += rest;
        return;
      }
    }
  }

  // Room for data up to `end`, and kLinePadding bytes after it. The buffer only grows: it is
  // not filled with zeros again for every read.
  void reserve(size_t end) {
    if (buffer_.size() < end + kLinePadding) buffer_.resize(end + kLinePadding);
  }

  static constexpr size_t kBlock = 1 << 20;
  int fd_;
  size_t max_line_;
  std::function<void()> before_read_;
  std::string buffer_;  // the input is in [pos_, end_); then room to read into, at least kLinePadding
  size_t pos_ = 0, end_ = 0;
  bool eof_ = false;
  int error_ = 0;
  uint64_t bytes_read_ = 0;
};

}  // namespace agr::cli
