// Input for the tests of the batch runner and what shares it (agr::ReadInput): a text handed out
// at most `piece` bytes a read, as a pipe hands out what has arrived; then the end of the input,
// or with `fail_errno` a read that fails with that errno.
#pragma once

#include <algorithm>
#include <cerrno>
#include <cstring>
#include <memory>
#include <string>

#include "agr/agr.h"

namespace agr::testing {

inline ReadInput read_in_pieces(std::string text, size_t piece, int fail_errno = 0) {
  auto input = std::make_shared<const std::string>(std::move(text));
  auto pos = std::make_shared<size_t>(0);
  return [input, pos, piece, fail_errno](char* buffer, size_t capacity) -> ptrdiff_t {
    if (*pos == input->size() && fail_errno) {
      errno = fail_errno;
      return -1;
    }
    const size_t n = std::min({capacity, piece, input->size() - *pos});
    std::memcpy(buffer, input->data() + *pos, n);
    *pos += n;
    return static_cast<ptrdiff_t>(n);
  };
}

}  // namespace agr::testing
