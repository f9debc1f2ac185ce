// What the commands share: options, loading an agreement, checked input and output, the loop over
// input lines, and what only a terminal gets (colour, progress).
#include "cli.h"

#include <fcntl.h>
#include <poll.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <chrono>
#include <cstdlib>
#include <cstring>
#include <filesystem>

#include "driver.h"
#include "line_reader.h"

namespace agr::cli {

// ---- options ------------------------------------------------------------------------------------

void add_as_of_option(CLI::App* command, std::optional<Day>* as_of) {
  command
      ->add_option_function<std::string>(
          "--as-of",
          [as_of](const std::string& text) {
            Day day;
            if (parse_date(text, &day)) *as_of = day;  // validated below, before this runs
          },
          "the evaluation date for due items (default: the date of each history's last event)")
      ->type_name("YYYY-MM-DD")
      ->check(CLI::Validator(
          [](std::string& text) -> std::string {
            Day day;
            return parse_date(text, &day) ? "" : "expected a calendar date YYYY-MM-DD, not '" + text + "'";
          },
          "", "date"));
}

void add_line_buffered_option(CLI::App* command, bool* line_buffered) {
  command->add_flag("--line-buffered", *line_buffered,
                    "write each result at once (a pipe or a terminal is answered line by line anyway)");
}

void add_jobs_option(CLI::App* command, unsigned* jobs, const std::string& what) {
  command->add_option("--jobs", *jobs, what)->type_name("N")->check(CLI::Range(1u, 9999u));
}

CLI::Validator one_of(std::vector<std::string> choices) {
  std::string expected = choices.front();
  for (size_t i = 1; i < choices.size(); ++i) expected += (i + 1 == choices.size() ? " or " : ", ") + choices[i];
  return CLI::Validator(
      [choices, expected](std::string& value) -> std::string {
        return std::find(choices.begin(), choices.end(), value) != choices.end()
                   ? ""
                   : "expected " + expected + ", not '" + value + "'";
      },
      "", "one of");
}

int usage_error(const CLI::App* command, std::string_view problem) {
  std::string name = command->get_name();
  for (const CLI::App* parent = command->get_parent(); parent; parent = parent->get_parent())
    name = parent->get_name() + " " + name;
  eprint("{}: {} (see '{} --help')\n", name, problem, name);
  return kFailure;
}

// ---- agreements ---------------------------------------------------------------------------------

std::shared_ptr<const Agreement> load_agreement(const std::string& path, std::string* error, bool colour) {
  if (path.size() >= 5 && path.compare(path.size() - 5, 5, ".agrc") == 0) {
    auto agreement = Agreement::load_file(path, error);
    if (!agreement) *error = "agr: " + *error + "\n";
    return agreement;
  }
  SourceFile file;
  if (!read_source_file(path, &file, error)) {
    *error = "agr: " + *error + "\n";
    return nullptr;
  }
  Diagnostics diags;
  auto agreement = compile_agreement(file, diags, error);
  if (diags.has_errors()) {
    *error = diags.render(file, colour) + fmt::format("agr: {} does not compile\n", printable(path));
    return nullptr;
  }
  if (diags.warning_count() > 0) write_stderr(diags.render(file, colour));  // as `agr check` gives them
  if (!agreement) *error = "agr: " + *error + "\n";
  return agreement;
}

std::shared_ptr<const Agreement> load_agreement(const std::string& path) {
  std::string error;
  auto agreement = load_agreement(path, &error, colour_on_stderr());
  if (!agreement) write_stderr(error);
  return agreement;
}

bool load_agreements(const std::vector<std::string>& paths, std::vector<std::shared_ptr<const Agreement>>* out) {
  std::string error;
  const std::vector<std::string> files = agreement_files(paths, &error);
  if (!error.empty()) {  // a line per folder that cannot be read or holds no agreement
    for (size_t begin = 0, end; (end = error.find('\n', begin)) != std::string::npos; begin = end + 1)
      eprint("agr: {}\n", printable(std::string_view(error).substr(begin, end - begin)));
    return false;
  }
  for (const std::string& file : files) {
    auto agreement = load_agreement(file);
    if (!agreement) return false;
    out->push_back(std::move(agreement));
  }
  return true;
}

// ---- input and output ---------------------------------------------------------------------------

Input::~Input() {
  if (owned_) ::close(fd_);
}

bool Input::open(const std::string& path) {
  if (path == "-") {
    fd_ = STDIN_FILENO;
    name_ = "standard input";
  } else {
    name_ = path;
    fd_ = ::open(path.c_str(), O_RDONLY | O_CLOEXEC);
    if (fd_ < 0) {
      eprint("agr: cannot read {}: {}\n", printable(path), std::strerror(errno));
      return false;
    }
    owned_ = true;
  }
  struct stat st;
  if (::fstat(fd_, &st) == 0 && S_ISREG(st.st_mode)) {
    regular_ = true;
    size_ = static_cast<uint64_t>(st.st_size);
  }
  return true;  // a folder or a closed standard input fails on its first read, with its errno
}

bool Output::flush() {
  size_t done = 0;
  while (error_ == 0 && done < buffer_.size()) {
    const ssize_t wrote = ::write(fd_, buffer_.data() + done, buffer_.size() - done);
    if (wrote >= 0) done += static_cast<size_t>(wrote);
    else if (errno != EINTR) error_ = errno;
  }
  buffer_.clear();
  return error_ == 0;
}

int Output::finish(int status) {
  if (flush()) return status;
  eprint("agr: cannot write to {}: {}\n", printable(name_), std::strerror(error_));
  return kFailure;
}

bool write_file_atomically(const std::string& path, std::string_view bytes, std::string* error, bool keep_mode) {
  namespace fs = std::filesystem;
  const fs::path target(path);
  const fs::path folder = target.has_parent_path() ? target.parent_path() : fs::path(".");
  std::string temporary = (folder / ("." + target.filename().string() + ".XXXXXX")).string();
  auto fail = [&](int code) {
    *error = fmt::format("cannot write {}: {}", printable(path), std::strerror(code));
    return false;
  };
  const int fd = ::mkostemp(temporary.data(), O_CLOEXEC);
  if (fd < 0) return fail(errno);
  Output out(fd, temporary);
  out.write(bytes);
  int code = out.flush() ? 0 : out.error();
  // mkostemp makes the file 0600; give it the mode a new file gets (0666 less the umask), or with
  // `keep_mode` the mode of the file it replaces.
  const mode_t mask = ::umask(0);
  ::umask(mask);
  mode_t mode = 0666 & ~mask;
  struct stat old;
  if (keep_mode && ::stat(path.c_str(), &old) == 0) mode = old.st_mode & 07777;
  if (code == 0 && ::fchmod(fd, mode) != 0) code = errno;
  if (code == 0 && ::fsync(fd) != 0) code = errno;
  if (::close(fd) != 0 && code == 0) code = errno;
  if (code == 0 && ::rename(temporary.c_str(), path.c_str()) != 0) code = errno;
  if (code != 0) {
    ::unlink(temporary.c_str());
    return fail(code);
  }
  return true;
}

bool same_file(const std::string& a, const std::string& b) {
  struct stat sa, sb;
  return ::stat(a.c_str(), &sa) == 0 && ::stat(b.c_str(), &sb) == 0 && sa.st_dev == sb.st_dev &&
         sa.st_ino == sb.st_ino;
}

// ---- terminals ----------------------------------------------------------------------------------

void write_stderr(std::string_view text) {
  while (!text.empty()) {
    const ssize_t wrote = ::write(STDERR_FILENO, text.data(), text.size());
    if (wrote < 0 && errno == EINTR) continue;
    if (wrote <= 0) return;
    text.remove_prefix(static_cast<size_t>(wrote));
  }
}

bool colour_on_stderr() {
  const char* no_color = std::getenv("NO_COLOR");
  const char* term = std::getenv("TERM");
  return ::isatty(STDERR_FILENO) && !(no_color && *no_color) && !(term && std::strcmp(term, "dumb") == 0);
}

Progress::Progress(const std::string& command, uint64_t total_bytes)
    : command_(command),
      total_(total_bytes),
      enabled_(::isatty(STDERR_FILENO) && !::isatty(STDOUT_FILENO)),
      start_(Clock::now()),
      last_(start_) {}

void Progress::update(uint64_t lines, uint64_t bytes) {
  if (!enabled_) return;
  const auto now = Clock::now();
  if (now - start_ < std::chrono::seconds(1) || now - last_ < std::chrono::milliseconds(250)) return;
  last_ = now;
  const double seconds = std::chrono::duration<double>(now - start_).count();
  std::string text = fmt::format("\r\x1b[Kagr {}: {} lines, {:.1f} MB", command_, lines, bytes / 1e6);
  if (total_ > 0) text += fmt::format(" ({:.0f}%)", 100.0 * static_cast<double>(bytes) / static_cast<double>(total_));
  text += fmt::format(", {:.1f} MB/s", bytes / 1e6 / seconds);
  shown_ = true;
  write_stderr(text);
}

void Progress::clear() {
  if (shown_) write_stderr("\r\x1b[K");
  shown_ = false;
}

namespace {

// Whether a read from `fd` would return at once (input is there, or its end).
bool input_waiting(int fd) {
  pollfd ready = {fd, POLLIN, 0};
  return ::poll(&ready, 1, 0) == 1;
}

}  // namespace

int for_each_line(const LineLoop& loop, Input& input, Output& out,
                  const std::function<bool(std::string_view line, uint64_t line_number)>& each) {
  LineReader reader(input.fd());
  Progress progress(loop.command, input.size());
  const bool may_block = !input.is_regular_file();
  uint64_t line_number = 0, errors = 0;
  reader.before_read([&] {
    // Whoever feeds a pipe line by line waits for these answers: flush when the read would wait.
    if (may_block && !input_waiting(input.fd())) out.flush();
    progress.update(line_number, reader.bytes_read());
  });
  std::string_view line;
  while (!out.failed() && reader.next(&line)) {
    ++line_number;
    if (!each(line, line_number)) ++errors;
    if (loop.line_buffered) out.flush();
    else out.flush_if_full();
  }
  progress.clear();
  int status = errors > 0 ? kInputErrors : kOk;
  if (reader.error() != 0) {
    eprint("agr: cannot read {}: {}\n", printable(input.name()), std::strerror(reader.error()));
    status = kFailure;
  }
  say_error_lines(loop.command, errors, line_number, loop.errors_are);
  return status;
}

void say_error_lines(const std::string& command, uint64_t errors, uint64_t lines, std::string_view errors_are) {
  if (errors > 0)
    eprint("agr {}: {} of {} line{} {}{}\n", command, errors, lines, lines == 1 ? "" : "s",
           errors == 1 ? "was an error" : "were errors", errors_are);
}

int batch_failure(const Input& input, const std::string& error) {
  const bool writing = error.rfind("writing: ", 0) == 0;
  const size_t reason = error.find(": ");
  eprint("agr: cannot {} {}: {}\n", writing ? "write to" : "read", writing ? "standard output" : printable(input.name()),
         reason == std::string::npos ? error : error.substr(reason + 2));
  return kFailure;
}

}  // namespace agr::cli
