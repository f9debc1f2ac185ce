// Finds and loads the JIT plugin (jit/plugin.h). Linked into agr in every build; without LLVM at
// build time there is no plugin to find, and it says so.
#include <dlfcn.h>
#include <unistd.h>

#include <cerrno>
#include <climits>
#include <cstring>
#include <mutex>
#include <string>
#include <vector>

#include "plugin.h"

namespace agr::jit {
namespace {

// The folder of the running executable.
std::string executable_folder() {
  char path[PATH_MAX];
  const ssize_t n = ::readlink("/proc/self/exe", path, sizeof path - 1);
  if (n <= 0) return {};
  const std::string exe(path, static_cast<size_t>(n));
  return exe.substr(0, exe.rfind('/'));
}

const PluginInterface* load(std::string* error) {
#ifndef AGR_JIT_PLUGIN_FILE
  *error = "this agr was built without the LLVM JIT; use --engine vm";
  return nullptr;
#else
  const std::string folder = executable_folder();
  // Beside the executable (the build tree, or a folder with everything in it), else where the
  // package installs it relative to bin/ (LIBDIR/agr/).
  const std::string installed = folder + "/" AGR_JIT_PLUGIN_FROM_BIN "/" AGR_JIT_PLUGIN_FILE;
  const std::vector<std::string> places = {folder + "/" AGR_JIT_PLUGIN_FILE, installed};
  for (const std::string& path : places) {
    if (::access(path.c_str(), F_OK) != 0) continue;
    void* handle = ::dlopen(path.c_str(), RTLD_NOW | RTLD_LOCAL);
    if (!handle) {
      const char* why = ::dlerror();
      *error = "cannot load the JIT plugin " + path + ": " + (why ? why : "dlopen failed");
      return nullptr;
    }
    auto entry = reinterpret_cast<PluginEntry>(::dlsym(handle, kPluginEntry));
    const PluginInterface* plugin = entry ? entry() : nullptr;
    if (!plugin) {
      *error = "cannot load the JIT plugin " + path + ": it has no " + kPluginEntry + " entry";
      return nullptr;
    }
    if (!(plugin->abi == PluginAbi{})) {
      *error = "cannot load the JIT plugin " + path + ": it was built with another agr (reinstall both together)";
      return nullptr;
    }
    return plugin;  // never unloaded: native code and the LLJITs live in it until the process ends
  }
  *error = "cannot load the JIT plugin: no " AGR_JIT_PLUGIN_FILE " beside " + folder + "/agr or at " + installed +
           " (this agr's JIT is a separate file; install it with agr, or use --engine vm)";
  return nullptr;
#endif
}

}  // namespace

const PluginInterface* load_plugin(std::string* error) {
  static std::once_flag once;
  static const PluginInterface* plugin = nullptr;
  static std::string failure;
  std::call_once(once, [] { plugin = load(&failure); });
  if (!plugin) *error = failure;
  return plugin;
}

}  // namespace agr::jit
