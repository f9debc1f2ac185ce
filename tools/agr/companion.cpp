#include "companion.h"

#include <unistd.h>

#include <climits>

namespace agr {

std::string executable_folder() {
  char path[PATH_MAX];
  const ssize_t n = ::readlink("/proc/self/exe", path, sizeof path - 1);
  if (n <= 0) return {};
  const std::string exe(path, static_cast<size_t>(n));
  return exe.substr(0, exe.rfind('/'));
}

std::string find_companion(const std::string& name, const std::string& from_bin, std::string* missing) {
  const std::string folder = executable_folder();
  const std::string beside = folder + "/" + name, installed = folder + "/" + from_bin + "/" + name;
  for (const std::string* path : {&beside, &installed})
    if (::access(path->c_str(), F_OK) == 0) return *path;
  *missing = "no " + name + " beside " + folder + "/agr or at " + installed;
  return {};
}

}  // namespace agr
