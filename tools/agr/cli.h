// The command line's shared pieces: how a command joins `agr`, the exit statuses, loading an
// agreement, input and output that never lose a failure, and what is shown only on a terminal.
//
// A command is one file in tools/agr/ (check.cpp, compile.cpp, ...) with one function that adds
// its CLI11 subcommand and options and returns what runs it; main.cpp lists those functions and
// nothing else. A new command is a new file and one line there.
#pragma once

#include <CLI/CLI.hpp>
#include <fmt/core.h>

#include <chrono>
#include <cstdint>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "agr/agr.h"
#include "diagnostics.h"  // printable

namespace agr::cli {

// Exit statuses (docs/io-contract.md): 0 success; 1 the input held errors (every good line was
// still processed and written); 2 a usage error, an agreement that does not load, or input or
// output that failed.
inline constexpr int kOk = 0, kInputErrors = 1, kFailure = 2;

// ---- commands -----------------------------------------------------------------------------------

// A command of agr: its subcommand (with options, parsed by CLI11) and what runs it once the
// command line has been parsed, returning the exit status.
struct Command {
  CLI::App* app;
  std::function<int()> run;
};

Command add_check_command(CLI::App& agr);
Command add_compile_command(CLI::App& agr);
Command add_run_command(CLI::App& agr);
Command add_test_command(CLI::App& agr);
Command add_schedule_command(CLI::App& agr);
Command add_diff_command(CLI::App& agr);
Command add_fmt_command(CLI::App& agr);      // agreement files in the canonical layout
Command add_explain_command(CLI::App& agr);  // one event's verdict, clause by clause
Command add_serve_command(CLI::App& agr);  // the HTTP API and the authors' page (server/)
Command add_lsp_command(CLI::App& agr);    // the language server for editors (lsp/)

// Options several commands share, with their validation: `--as-of YYYY-MM-DD` (the evaluation
// date for due items), `--line-buffered`, and `--jobs N` (worker threads, 1 to 9999; *jobs stays
// 0, one per core, when it is not given), `what` saying what the threads do.
void add_as_of_option(CLI::App* command, std::optional<Day>* as_of);
void add_line_buffered_option(CLI::App* command, bool* line_buffered);
void add_jobs_option(CLI::App* command, unsigned* jobs, const std::string& what);
// Validates a value against a fixed list: "expected vm or jit, not 'x'".
CLI::Validator one_of(std::vector<std::string> choices);

// A usage error found after parsing (a missing pairing of options, say): one line on stderr,
// "agr COMMAND: PROBLEM (see 'agr COMMAND --help')"; returns kFailure.
int usage_error(const CLI::App* command, std::string_view problem);

// ---- agreements ---------------------------------------------------------------------------------

// An agreement from an .agr file (compiled in memory) or an .agrc file (read and verified).
// On failure returns null with printable text (diagnostics included, coloured when `colour`) in
// *error.
std::shared_ptr<const Agreement> load_agreement(const std::string& path, std::string* error,
                                                bool colour = false);
// The same, saying why on stderr (diagnostics coloured on a terminal).
std::shared_ptr<const Agreement> load_agreement(const std::string& path);

// The agreements named on a command line, in order: files, and folders (each stands for its .agr
// and .agrc files, sorted by name; not its subfolders). False, said on stderr, when one does not
// load or a folder holds none.
bool load_agreements(const std::vector<std::string>& paths, std::vector<std::shared_ptr<const Agreement>>* out);

// ---- input and output ---------------------------------------------------------------------------

// An input file, or standard input for "-". Opened, not read: LineReader reads it.
class Input {
 public:
  Input() = default;
  Input(const Input&) = delete;
  Input& operator=(const Input&) = delete;
  ~Input();

  // False, having said "agr: cannot read NAME: REASON" on stderr, when it cannot be opened.
  bool open(const std::string& path);

  int fd() const { return fd_; }
  // The name for messages: the path, or "standard input".
  const std::string& name() const { return name_; }
  // A regular file is read in large blocks and its output written in large chunks; anything else
  // (a pipe, a terminal) may be a co-process waiting for each answer.
  bool is_regular_file() const { return regular_; }
  // The file's size when it is a regular file (for progress), else 0.
  uint64_t size() const { return size_; }

 private:
  int fd_ = -1;
  bool owned_ = false, regular_ = false;
  uint64_t size_ = 0;
  std::string name_;
};

// Buffered output to a file descriptor whose every write is checked. The first failure is kept
// (later writes are dropped) and reported by finish(): "agr: cannot write to NAME: REASON".
class Output {
 public:
  Output(int fd, std::string name) : fd_(fd), name_(std::move(name)) {}
  Output(const Output&) = delete;
  Output& operator=(const Output&) = delete;

  static Output standard() { return Output(1, "standard output"); }

  // Where to append text; flush_if_full() or flush() writes it.
  std::string* buffer() { return &buffer_; }
  void write(std::string_view text) { buffer_ += text; }
  template <typename... T>
  void print(fmt::format_string<T...> format, T&&... args) {
    fmt::format_to(std::back_inserter(buffer_), format, std::forward<T>(args)...);
  }

  // Writes the buffer once it holds a large chunk (64 KiB): the steady state of a file run.
  void flush_if_full() {
    if (buffer_.size() >= kChunk) flush();
  }
  // Writes everything buffered; false when this or an earlier write failed.
  bool flush();
  bool failed() const { return error_ != 0; }
  int error() const { return error_; }  // the errno of the first failed write, else 0

  // Flushes, and on failure says so on stderr. Returns `status`, or kFailure when anything
  // written was lost.
  int finish(int status);

 private:
  static constexpr size_t kChunk = 1 << 16;
  int fd_;
  std::string name_;
  std::string buffer_;
  int error_ = 0;
};

// Writes `bytes` to `path` through a temporary file in the same folder, renamed over `path` only
// once everything was written: a failed write never leaves a truncated file. The new file gets
// the mode a new file gets, or with `keep_mode` the mode of the file it replaces. False with the
// reason in *error.
bool write_file_atomically(const std::string& path, std::string_view bytes, std::string* error,
                           bool keep_mode = false);

// Whether the two paths name one file (the same one through another path, a symbolic or a hard
// link); false when either does not exist.
bool same_file(const std::string& a, const std::string& b);

// Reads `input` line by line and calls `each(line, line_number)` for every line, which returns
// false for a line that was an error. Output that a co-process may be waiting for is flushed
// before any read that would wait (the input is not a regular file) and, with `line_buffered`,
// after every line; a regular file's output goes in large chunks. Shows progress on a terminal.
// Stops early when `out` fails. Returns kFailure (said on stderr) when the input could not be
// read, else kInputErrors with a summary on stderr ("agr run: 12 of 700000 lines were errors")
// when a line was an error, else kOk; the caller ends with out.finish(status).
struct LineLoop {
  std::string command;  // "run": names the command in the summary and the progress line
  bool line_buffered = false;
  std::string errors_are = "";  // what an error line is, in the summary: " under both versions"
};
int for_each_line(const LineLoop& loop, Input& input, Output& out,
                  const std::function<bool(std::string_view line, uint64_t line_number)>& each);

// The summary of error lines on stderr, when there were any: "agr run: 12 of 700000 lines were
// errors", followed by `errors_are` (" under both versions").
void say_error_lines(const std::string& command, uint64_t errors, uint64_t lines, std::string_view errors_are = "");

// After a batch run over `input` to standard output (agr.h's run_json_lines, or what shares its
// runner) failed with *error "reading: REASON" or "writing: REASON": says so on stderr as Input
// and Output do ("agr: cannot read NAME: REASON") and returns kFailure.
int batch_failure(const Input& input, const std::string& error);

// A progress line on stderr for a long run: only when stderr is a terminal and stdout is not (the
// results would tear it), only after the first second, at most four updates a second, and
// erased by clear() (or at the end).
class Progress {
 public:
  Progress(const std::string& command, uint64_t total_bytes);
  ~Progress() { clear(); }
  void update(uint64_t lines, uint64_t bytes);
  void clear();

 private:
  using Clock = std::chrono::steady_clock;
  std::string command_;
  uint64_t total_;
  bool enabled_, shown_ = false;
  Clock::time_point start_, last_;
};

// Writes to stderr, best effort: a message about a failure must not fail itself (fmt::print would
// throw when stderr is full or closed). eprint formats first.
void write_stderr(std::string_view text);
template <typename... T>
void eprint(fmt::format_string<T...> format, T&&... args) {
  write_stderr(fmt::format(format, std::forward<T>(args)...));
}

// ---- terminals ----------------------------------------------------------------------------------

// Colour on stderr: only when it is a terminal, and never when NO_COLOR is set (no-color.org) or
// TERM is "dumb".
bool colour_on_stderr();

// Text from the input shown to people (ids, codes, messages quoting them) goes through
// agr::printable (compiler/diagnostics.h): no escape sequence from a file reaches the terminal.

}  // namespace agr::cli
