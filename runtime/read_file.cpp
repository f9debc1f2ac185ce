#include "read_file.h"

#include <fstream>

namespace agr {

bool read_file_bounded(const std::string& path, size_t limit, std::string* out, std::string* error) {
  std::ifstream in(path, std::ios::binary);
  if (!in) {
    *error = "cannot read " + path;
    return false;
  }
  out->clear();
  char block[1 << 16];
  while (out->size() <= limit && in.read(block, sizeof block).gcount() > 0)
    out->append(block, static_cast<size_t>(in.gcount()));
  if (in.bad()) {
    *error = "cannot read " + path;
    return false;
  }
  return true;
}

}  // namespace agr
