// Reading a whole file, bounded: a file over the limit (or /dev/zero) is refused without being
// read whole. Shared by the compiler (.agr sources) and the runtime (.agrc files).
#pragma once

#include <string>

namespace agr {

// Reads `path` into *out, or at most `limit` + 1 bytes of it (the caller refuses a larger file).
// False with "cannot read PATH: REASON" (the system's words for errno) in *error when it cannot
// be opened or read; a folder cannot be read.
bool read_file_bounded(const std::string& path, size_t limit, std::string* out, std::string* error);

}  // namespace agr
