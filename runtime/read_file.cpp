#include "read_file.h"

#include <fcntl.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>

namespace agr {

bool read_file_bounded(const std::string& path, size_t limit, std::string* out, std::string* error) {
  auto fail = [&](int code) {
    *error = "cannot read " + path + ": " + std::strerror(code);
    return false;
  };
  const int fd = ::open(path.c_str(), O_RDONLY | O_CLOEXEC);
  if (fd < 0) return fail(errno);
  out->clear();
  char block[1 << 16];
  while (out->size() <= limit) {
    const ssize_t got = ::read(fd, block, sizeof block);
    if (got < 0 && errno == EINTR) continue;
    if (got < 0) {  // a folder (EISDIR), an I/O error: never a short file taken for the whole
      const int code = errno;
      ::close(fd);
      return fail(code);
    }
    if (got == 0) break;
    out->append(block, static_cast<size_t>(got));
  }
  ::close(fd);
  return true;
}

}  // namespace agr
