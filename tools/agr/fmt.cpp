// `agr fmt [--check] FILE...`: lays agreement files out in the one canonical layout
// (compiler/format.cpp). Without --check each file that changes is rewritten in place, atomically
// (a new file beside it, renamed over it); `-` reads standard input and writes the result to
// standard output. With --check nothing is written: the files that would change are named on
// standard output, and the exit status is 1 if there are any.
#include <fmt/core.h>

#include <cerrno>
#include <cstdio>
#include <cstring>
#include <string>
#include <vector>

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include "cli.h"
#include "driver.h"
#include "format.h"
#include "parse.h"
#include "read_file.h"

namespace agr::cli {
namespace {

constexpr int kOk = 0, kChanged = 1, kUsage = 2;

// Writes `text` to a new file beside `path` and renames it over `path`, so that a reader sees the
// old file or the new one, never a part. The file keeps its permissions.
bool replace_file(const std::string& path, const std::string& text, std::string* error) {
  struct stat original {};
  const mode_t mode = ::stat(path.c_str(), &original) == 0 ? original.st_mode & 07777 : 0644;
  std::string temporary = path + ".fmt-XXXXXX";
  const int fd = ::mkstemp(temporary.data());
  if (fd < 0) {
    *error = "cannot write beside " + path + ": " + std::strerror(errno);
    return false;
  }
  bool ok = ::fchmod(fd, mode) == 0;
  for (size_t written = 0; ok && written < text.size();) {
    const ssize_t n = ::write(fd, text.data() + written, text.size() - written);
    if (n < 0 && errno == EINTR) continue;
    ok = n > 0;
    if (ok) written += static_cast<size_t>(n);
  }
  ok = ok && ::fsync(fd) == 0;
  const int saved = errno;
  ok = ::close(fd) == 0 && ok;
  if (ok && ::rename(temporary.c_str(), path.c_str()) == 0) return true;
  *error = "cannot write " + path + ": " + std::strerror(ok ? errno : saved);
  ::unlink(temporary.c_str());
  return false;
}

}  // namespace

int cmd_fmt(const std::vector<std::string>& args) {
  bool check = false;
  std::vector<std::string> paths;
  for (const std::string& arg : args) {
    if (arg == "--check") {
      check = true;
    } else if (arg.size() > 1 && arg[0] == '-') {
      fmt::print(stderr, "agr: fmt: unknown option '{}'\nusage: agr fmt [--check] FILE... (- for standard input)\n", arg);
      return kUsage;
    } else {
      paths.push_back(arg);
    }
  }
  if (paths.empty()) {
    fmt::print(stderr, "agr: fmt needs at least one file (- for standard input)\n");
    return kUsage;
  }
  int status = kOk;
  for (const std::string& path : paths) {
    SourceFile file;
    std::string error;
    const bool from_stdin = path == "-";
    if (from_stdin) {
      file.path = "<stdin>";
      if (!read_file_bounded("/dev/stdin", kMaxSourceBytes, &file.text, &error)) {
        fmt::print(stderr, "agr: cannot read standard input\n");
        return kUsage;
      }
    } else if (!read_source_file(path, &file, &error)) {
      fmt::print(stderr, "agr: {}\n", error);
      status = kUsage;
      continue;
    }
    Diagnostics diags;
    std::string formatted;
    if (!format_source(file, diags, &formatted)) {
      fmt::print(stderr, "{}{}: not formatted\n", diags.render(file), file.path);
      if (status == kOk) status = kChanged;
      continue;
    }
    if (formatted == file.text) {
      if (from_stdin && !check) fmt::print("{}", formatted);
      continue;
    }
    if (check) {
      fmt::print("{}\n", file.path);
      if (status == kOk) status = kChanged;
    } else if (from_stdin) {
      fmt::print("{}", formatted);
    } else if (!replace_file(path, formatted, &error)) {
      fmt::print(stderr, "agr: {}\n", error);
      status = kUsage;
    }
  }
  return status;
}

}  // namespace agr::cli
