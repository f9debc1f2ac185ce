// Finds and loads the JIT plugin (jit/plugin.h). Linked into agr in every build; without LLVM at
// build time there is no plugin to find, and it says so.
#include <dlfcn.h>

#include <mutex>
#include <string>

#include "companion.h"
#include "plugin.h"

namespace agr::jit {
namespace {

const PluginInterface* load(std::string* error) {
#ifndef AGR_JIT_PLUGIN_FILE
  *error = "this agr was built without the LLVM JIT; use --engine vm";
  return nullptr;
#else
  // Beside the executable (the build tree, or a folder with everything in it), else where the
  // package installs it relative to bin/ (LIBDIR/agr/).
  std::string missing;
  const std::string path = find_companion(AGR_JIT_PLUGIN_FILE, AGR_JIT_PLUGIN_FROM_BIN, &missing);
  if (path.empty()) {
    *error = "cannot load the JIT plugin: " + missing +
             " (this agr's JIT is a separate file; install it with agr, or use --engine vm)";
    return nullptr;
  }
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
