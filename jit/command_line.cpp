#include "command_line.h"

#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <system_error>

#include "plugin.h"

namespace agr::jit {

std::string default_cache_dir() {
  std::string dir;
  if (const char* env = std::getenv("AGR_JIT_CACHE")) {
    dir = env;  // set but empty: no disk cache
  } else if (const char* xdg = std::getenv("XDG_CACHE_HOME"); xdg && xdg[0] == '/') {
    dir = std::string(xdg) + "/agr";  // the XDG spec ignores a relative XDG_CACHE_HOME
  } else if (const char* home = std::getenv("HOME"); home && *home) {
    dir = std::string(home) + "/.cache/agr";
  }
  if (dir.empty() || dir[0] == '/') return dir;
  std::error_code ec;
  const auto absolute = std::filesystem::absolute(dir, ec);
  return ec ? std::string() : absolute.string();
}

std::shared_ptr<const Agreement> compile_for_command_line(const Agreement& agreement, int opt_level,
                                                           std::string* error) {
  std::string why;
  const PluginInterface* plugin = load_plugin(&why);
  if (!plugin) {
    *error = why;
    return nullptr;
  }
  Options options;
  options.opt_level = opt_level;
  options.cache_dir = default_cache_dir();
  Stats stats;
  auto native = plugin->compile(agreement, options, &stats, error);
  if (native && std::getenv("AGR_JIT_STATS")) {
    std::fprintf(stderr, "agr: jit: %zu functions at O%d in %.2f ms%s, %s%s\n", stats.functions, opt_level,
                 stats.compile_ms, stats.from_cache ? " (cached)" : "",
                 options.cache_dir.empty() ? "no disk cache" : "cache ", options.cache_dir.c_str());
    for (const std::string& note : stats.notes) std::fprintf(stderr, "agr: jit: %s\n", note.c_str());
  }
  return native;
}

}  // namespace agr::jit
