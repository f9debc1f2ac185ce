// The command line's conventions, as a table of runs of the real `agr` binary: help and usage
// errors, `--opt value` and `--opt=value`, option validation, `--version`, output that cannot be
// written (/dev/full), input that cannot be read (a folder, a missing file, a closed standard
// input), `compile -o` onto its own input and a failed write that leaves the old file whole,
// escaped schedule and test output, the error summary, colour only on a terminal; then the cases
// a table cannot say: a co-process fed one line at a time, and progress on a terminal.
//
//   agr_cli_test AGR SOURCE_DIR WORK_DIR
//
// Each run has a time limit: a regression that makes agr wait fails the test instead of hanging it.
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <functional>
#include <iterator>
#include <optional>
#include <regex>
#include <string>
#include <vector>

#include "agr/version.h"

namespace {

namespace fs = std::filesystem;
using Clock = std::chrono::steady_clock;

std::string agr_path, source_dir, work_dir;
int failures = 0;

std::string read_file(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  return std::string((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
}

void write_file(const std::string& path, const std::string& text) {
  std::ofstream(path, std::ios::binary) << text;
}

// Placeholders in arguments and expectations: {lbp} the bundled LBP agreement, {examples} its
// example histories (three good lines, two error lines), {work} the work folder, {src} the tree.
std::string expand(std::string text) {
  const std::pair<std::string, std::string> names[] = {
      {"{lbp}", source_dir + "/agreements/lbp.agr"},
      {"{examples}", source_dir + "/examples/histories/lbp.jsonl"},
      {"{work}", work_dir},
      {"{src}", source_dir},
  };
  for (const auto& [name, value] : names)
    for (size_t at; (at = text.find(name)) != std::string::npos;) text.replace(at, name.size(), value);
  return text;
}

// ---- running agr --------------------------------------------------------------------------------

enum class In { Null, Closed, File, Pipe };
enum class Out { Pipe, DevFull };
enum class Err { Pipe, Terminal };

struct Spawn {
  std::vector<std::string> args = {};  // after "agr", placeholders expanded
  In in = In::Null;
  std::string in_file = {};
  Out out = Out::Pipe;
  Err err = Err::Pipe;
  std::vector<std::string> env = {};  // "NAME=value" sets, "NAME" unsets
  long file_size_limit = -1;     // RLIMIT_FSIZE in bytes, with SIGXFSZ ignored: writes fail with EFBIG
};

struct Process {
  pid_t pid = -1;
  int stdin_fd = -1, stdout_fd = -1, stderr_fd = -1;  // the parent's ends, -1 when not a pipe
};

void fail_setup(const char* what) {
  std::perror(what);
  std::exit(2);
}

Process start(const Spawn& spec) {
  int in_pipe[2] = {-1, -1}, out_pipe[2] = {-1, -1}, err_pipe[2] = {-1, -1};
  int terminal = -1;
  std::string terminal_name;
  if (spec.in == In::Pipe && pipe(in_pipe) != 0) fail_setup("pipe");
  if (spec.out == Out::Pipe && pipe(out_pipe) != 0) fail_setup("pipe");
  if (spec.err == Err::Pipe && pipe(err_pipe) != 0) fail_setup("pipe");
  if (spec.err == Err::Terminal) {
    terminal = posix_openpt(O_RDWR | O_NOCTTY);
    if (terminal < 0 || grantpt(terminal) != 0 || unlockpt(terminal) != 0) fail_setup("pty");
    terminal_name = ptsname(terminal);
  }
  Process p;
  p.pid = fork();
  if (p.pid < 0) fail_setup("fork");
  if (p.pid == 0) {
    switch (spec.in) {
      case In::Null: dup2(open("/dev/null", O_RDONLY), 0); break;
      case In::Closed: close(0); break;
      case In::File: dup2(open(expand(spec.in_file).c_str(), O_RDONLY), 0); break;
      case In::Pipe: dup2(in_pipe[0], 0); break;
    }
    dup2(spec.out == Out::Pipe ? out_pipe[1] : open("/dev/full", O_WRONLY), 1);
    if (spec.err == Err::Terminal) {
      setsid();
      dup2(open(terminal_name.c_str(), O_RDWR), 2);
    } else {
      dup2(err_pipe[1], 2);
    }
    for (int fd = 3; fd < 256; ++fd) close(fd);
    for (const std::string& setting : spec.env) {
      const size_t eq = setting.find('=');
      if (eq == std::string::npos) unsetenv(setting.c_str());
      else setenv(setting.substr(0, eq).c_str(), setting.substr(eq + 1).c_str(), 1);
    }
    if (spec.file_size_limit >= 0) {
      signal(SIGXFSZ, SIG_IGN);
      const rlimit limit = {static_cast<rlim_t>(spec.file_size_limit), static_cast<rlim_t>(spec.file_size_limit)};
      setrlimit(RLIMIT_FSIZE, &limit);
    }
    std::vector<std::string> args = {agr_path};
    for (const std::string& a : spec.args) args.push_back(expand(a));
    std::vector<char*> argv;
    for (std::string& a : args) argv.push_back(a.data());
    argv.push_back(nullptr);
    execv(agr_path.c_str(), argv.data());
    _exit(127);
  }
  if (in_pipe[0] >= 0) close(in_pipe[0]);
  if (out_pipe[1] >= 0) close(out_pipe[1]);
  if (err_pipe[1] >= 0) close(err_pipe[1]);
  p.stdin_fd = in_pipe[1];
  p.stdout_fd = out_pipe[0];
  p.stderr_fd = spec.err == Err::Terminal ? terminal : err_pipe[0];
  return p;
}

struct Finished {
  int status = -1;  // the exit status; -1 when killed at the time limit (or by a signal)
  std::string out, err;
  bool timed_out = false;
};

// Reads stdout and stderr to their ends (a terminal's end is EIO once agr has gone) and waits,
// killing agr after `seconds`.
Finished finish(Process& p, double seconds = 20) {
  Finished f;
  if (p.stdin_fd >= 0) close(p.stdin_fd);
  const auto deadline = Clock::now() + std::chrono::duration<double>(seconds);
  std::vector<std::pair<int, std::string*>> open = {{p.stdout_fd, &f.out}, {p.stderr_fd, &f.err}};
  std::erase_if(open, [](const auto& o) { return o.first < 0; });
  while (!open.empty()) {
    const auto left = std::chrono::duration_cast<std::chrono::milliseconds>(deadline - Clock::now()).count();
    if (left <= 0) {
      f.timed_out = true;
      kill(p.pid, SIGKILL);
      break;
    }
    std::vector<pollfd> fds;
    for (const auto& o : open) fds.push_back({o.first, POLLIN, 0});
    poll(fds.data(), fds.size(), static_cast<int>(left));
    for (size_t i = fds.size(); i-- > 0;) {
      if (fds[i].revents == 0) continue;
      char block[65536];
      const ssize_t got = read(fds[i].fd, block, sizeof block);
      if (got > 0) {
        open[i].second->append(block, static_cast<size_t>(got));
      } else if (got == 0 || errno != EINTR) {
        close(fds[i].fd);
        open.erase(open.begin() + static_cast<long>(i));
      }
    }
  }
  for (const auto& o : open) close(o.first);
  int wstatus = 0;
  waitpid(p.pid, &wstatus, 0);
  f.status = WIFEXITED(wstatus) ? WEXITSTATUS(wstatus) : -1;
  return f;
}

std::string shown(const std::string& text) {  // control characters made visible for a report
  std::string out;
  for (const unsigned char ch : text) {
    if (ch == '\n') out += "\n      ";
    else if (ch < 0x20 || ch == 0x7F) out += "<" + std::to_string(ch) + ">";
    else out += static_cast<char>(ch);
  }
  return out;
}

// ---- the table ----------------------------------------------------------------------------------

// A file the case leaves behind (or must not): its content's start, or kAbsent.
struct FileCheck {
  std::string path;
  std::string starts_with;
};
const std::string kAbsent = "<absent>";

struct Case {
  std::string name;
  Spawn run;
  int status;
  // Substrings that must (or must not) appear; "re:..." is a regular expression instead.
  std::vector<std::string> out_has = {}, err_has = {}, out_lacks = {}, err_lacks = {};
  int err_lines = -1;  // the exact number of stderr lines, when >= 0
  std::vector<FileCheck> files = {};
};

bool matches(const std::string& text, const std::string& pattern) {
  if (pattern.rfind("re:", 0) == 0) return std::regex_search(text, std::regex(expand(pattern.substr(3))));
  return text.find(expand(pattern)) != std::string::npos;
}

void check_case(const Case& c) {
  Process p = start(c.run);
  const Finished f = finish(p);
  std::vector<std::string> problems;
  if (f.timed_out) problems.push_back("timed out");
  if (f.status != c.status) problems.push_back("exit status " + std::to_string(f.status) + ", expected " + std::to_string(c.status));
  for (const auto& s : c.out_has)
    if (!matches(f.out, s)) problems.push_back("stdout lacks " + shown(s));
  for (const auto& s : c.err_has)
    if (!matches(f.err, s)) problems.push_back("stderr lacks " + shown(s));
  for (const auto& s : c.out_lacks)
    if (matches(f.out, s)) problems.push_back("stdout has " + shown(s));
  for (const auto& s : c.err_lacks)
    if (matches(f.err, s)) problems.push_back("stderr has " + shown(s));
  if (c.err_lines >= 0 && std::count(f.err.begin(), f.err.end(), '\n') != c.err_lines)
    problems.push_back("stderr has " + std::to_string(std::count(f.err.begin(), f.err.end(), '\n')) + " lines, expected " +
                       std::to_string(c.err_lines));
  for (const FileCheck& file : c.files) {
    const std::string path = expand(file.path);
    if (file.starts_with == kAbsent) {
      const fs::path pattern(path);  // a name prefix: no file in its folder may start with it
      for (const auto& entry : fs::directory_iterator(pattern.parent_path()))
        if (entry.path().filename().string().rfind(pattern.filename().string(), 0) == 0)
          problems.push_back("left behind: " + entry.path().string());
    } else if (read_file(path).rfind(expand(file.starts_with), 0) != 0) {
      problems.push_back(path + " does not start with " + shown(expand(file.starts_with)));
    }
  }
  if (problems.empty()) {
    std::printf("ok    %s\n", c.name.c_str());
    return;
  }
  ++failures;
  std::printf("FAIL  %s\n", c.name.c_str());
  for (const auto& problem : problems) std::printf("      %s\n", problem.c_str());
  std::printf("      stdout: %s\n      stderr: %s\n", shown(f.out.substr(0, 1500)).c_str(),
              shown(f.err.substr(0, 1500)).c_str());
}

// The files the table reads, made in the work folder.
void make_inputs() {
  fs::remove_all(work_dir);
  fs::create_directories(work_dir + "/folder");
  const std::string lbp = read_file(source_dir + "/agreements/lbp.agr");
  write_file(work_dir + "/same.agr", lbp);
  write_file(work_dir + "/old.agrc", "old bytes");
  // Histories for a run of several agreements: one per agreement, one naming none, one naming
  // an agreement not loaded; a folder holding LBP as source and STE compiled.
  write_file(work_dir + "/mixed.jsonl",
             R"({"id":"m-lbp","agreement":"lbp","referral_date":"2025-09-01","events":[{"id":"e1","date":"2025-09-03","code":"0110"}]})" "\n"
             R"({"id":"m-ste","agreement":"ste","events":[{"id":"e1","date":"2025-09-01","code":"0251","flags":["questionnaire"]}]})" "\n"
             R"({"id":"m-none","referral_date":"2025-09-01","events":[{"id":"e1","date":"2025-09-03","code":"0110"}]})" "\n"
             R"({"id":"m-knee","agreement":"knee","events":[]})" "\n");
  fs::create_directories(work_dir + "/agreements/sub");
  write_file(work_dir + "/agreements/lbp.agr", lbp);
  write_file(work_dir + "/agreements/notes.txt", "not an agreement");
  if (std::system(("'" + agr_path + "' compile '" + source_dir + "/agreements/ste.agr' -o '" + work_dir +
                   "/agreements/ste.agrc'").c_str()) != 0)
    fail_setup("agr compile ste.agr");
  fs::create_symlink(work_dir + "/same.agr", work_dir + "/link.agrc");
  fs::create_hard_link(work_dir + "/same.agr", work_dir + "/hard.agrc");
  // An error on a line that holds escape sequences (a bell, a clear screen).
  write_file(work_dir + "/escape.agr", "agreement tiny \"T\"\nservice 0301 \"A\x1b[31mred\" \x1b[2J\x07 0302\n");
  write_file(work_dir + "/error.agr",
             "agreement tiny \"T\"\nservice 0301 \"A\"\ncourse starts with 0301 ends with 0309\n");
  // Ids, codes and a message quoting the input, each carrying escape sequences (as JSON escapes).
  write_file(work_dir + "/escape.jsonl",
             R"({"id":"c\u001b[2J1","referral_date":"2025-09-01","events":[{"id":"e1","date":"2025-09-03","code":"0110"}]})"
             "\n"
             R"({"id":"c\u001b]0;owned\u00072","events":[{"id":"e\u001b[1m","date":"2025-09-03","code":"0110","flags":["x\u009b2J"]}]})"
             "\n");
  write_file(work_dir + "/escape-diff.jsonl",  // a course that tests/diff/training-removed.agr changes
             R"({"id":"c\u001b[2J","events":[{"id":"e1","date":"2026-01-05","code":"0301"},)"
             R"({"id":"e\u001b]0;owned\u0007","date":"2026-01-07","code":"0304"}]})"
             "\n");
  write_file(work_dir + "/escape.suite.json",
             R"({"agreement": ")" + source_dir +
                 R"(/agreements/lbp.agr", "cases": [{"name": "n\u001b[2Jame", "history": {"id": "h", "events": []},
                 "expect": {"id": "h\u001b[2J"}}]})");
}

std::vector<Case> table() {
  const std::string kFull = "cannot write to standard output: No space left on device";
  const std::string kOneVerdict = R"({"id":"c-17","agreement":"lbp")";
  std::vector<Case> cases = {
      // ---- help, version, usage errors
      {"agr --help", {{"--help"}}, 0, {"Usage: agr", "check", "compile", "run", "test", "schedule", "Exit status"}, {}, {}, {}, 0},
      {"agr help", {{"help"}}, 0, {"Usage: agr", "schedule"}, {}, {}, {}, 0},
      {"agr help run", {{"help", "run"}}, 0, {"Usage: agr run", "--as-of"}, {}, {}, {}, 0},
      {"agr help with an unknown command", {{"help", "frobnicate"}}, 2, {}, {"frobnicate"}, {}, {}, 1},
      {"agr alone: usage on stderr", {{}}, 2, {}, {"Usage: agr"}},
      {"agr check --help", {{"check", "--help"}}, 0, {"Usage: agr check", "FILE"}, {}, {}, {}, 0},
      {"agr compile --help", {{"compile", "--help"}}, 0, {"Usage: agr compile", "--emit", "-o,--output"}, {}, {}, {}, 0},
      {"agr run --help", {{"run", "--help"}}, 0, {"Usage: agr run", "--as-of", "--engine", "--line-buffered"}, {}, {}, {}, 0},
      {"agr test --help", {{"test", "--help"}}, 0, {"Usage: agr test", "--verbose", "--jobs"}, {}, {}, {}, 0},
      {"agr diff --help", {{"diff", "--help"}}, 0, {"Usage: agr diff", "OLD", "NEW", "--as-of", "--format", "--jobs", "0 nothing changed; 1 something changed"}, {}, {}, {}, 0},
      {"agr schedule --help", {{"schedule", "--help"}}, 0, {"Usage: agr schedule", "--as-of"}, {}, {}, {}, 0},
      {"agr run -h", {{"run", "-h"}}, 0, {"Usage: agr run"}, {}, {}, {}, 0},
      {"an unknown command", {{"frobnicate"}}, 2, {}, {"frobnicate"}, {}, {}, 1},
      {"check: an unknown option is refused, not read as a file", {{"check", "--werror-typo", "{lbp}"}}, 2, {},
       {"agr check: ", "--werror-typo"}, {}, {"cannot read"}, 1},
      {"compile: an unknown option", {{"compile", "{lbp}", "--emit=ir", "--fast"}}, 2, {}, {"agr compile: ", "--fast"}, {"rule"}, {}, 1},
      {"run: an unknown option", {{"run", "{lbp}", "{examples}", "--fast"}}, 2, {}, {"agr run: ", "--fast"}, {"c-17"}, {}, 1},
      {"run: an unknown option before the arguments", {{"run", "--fast", "{lbp}", "{examples}"}}, 2, {}, {"agr run: ", "--fast"}, {}, {}, 1},
      {"test: an unknown option", {{"test", "{src}/tests/suites/lbp", "--junit-typo"}}, 2, {}, {"agr test: ", "--junit-typo"}, {"passed"}, {}, 1},
      {"schedule: an unknown option", {{"schedule", "{lbp}", "{examples}", "-x"}}, 2, {}, {"agr schedule: ", "-x"}, {"c-17"}, {}, 1},
      {"diff: an unknown option", {{"diff", "{lbp}", "{lbp}", "{examples}", "--brief"}}, 2, {}, {"agr diff: ", "--brief"}, {"compared"}, {}, 1},
      {"run: a history file given as an agreement is refused, nothing evaluated", {{"run", "{lbp}", "{examples}", "{examples}"}}, 2, {}, {"lbp.jsonl", "does not compile"}, {"c-17"}},
      {"schedule: an extra argument", {{"schedule", "{lbp}", "{examples}", "more"}}, 2, {}, {"agr schedule: ", "more"}, {}, {}, 1},
      {"compile: an extra argument", {{"compile", "{lbp}", "{lbp}", "--emit=ast"}}, 2, {}, {"agr compile: "}, {}, {}, 1},
      {"run: a missing argument", {{"run", "{lbp}"}}, 2, {}, {"agr run: ", "HISTORIES"}, {}, {}, 1},
      {"compile: neither -o nor --emit", {{"compile", "{lbp}"}}, 2, {}, {"agr compile: ", "-o"}, {}, {}, 1},
      // ---- several agreements: each history judged by the one it names (io-contract v2)
      {"run with two agreements: each history by the one it names", {{"run", "{lbp}", "{src}/agreements/ste.agr", "{work}/mixed.jsonl"}}, 1,
       {R"({"id":"m-lbp","agreement":"lbp")", R"({"id":"m-ste","agreement":"ste")", R"("line":3)", "names no agreement"}, {"agr run: 2 of 4 lines were errors"}},
      {"run with a folder of agreements (.agr and .agrc)", {{"run", "{work}/agreements", "{work}/mixed.jsonl", "--jobs", "2"}}, 1,
       {R"({"id":"m-lbp","agreement":"lbp")", R"({"id":"m-ste","agreement":"ste")", "loaded: lbp, ste"}, {"agr run: 2 of 4 lines were errors"}},
      {"run: a history naming an agreement not loaded is an error line listing those loaded", {{"run", "{lbp}", "{src}/agreements/ste.agr", "{work}/mixed.jsonl"}}, 1,
       {"which this run has not loaded; loaded: lbp, ste"}},
      {"run: one agreement judges histories naming it or none, and refuses another's", {{"run", "{lbp}", "{work}/mixed.jsonl"}}, 1,
       {R"({"id":"m-lbp","agreement":"lbp")", R"({"id":"m-none","agreement":"lbp")", R"("line":2)"}, {"agr run: 2 of 4 lines were errors"}},
      {"run: two agreements of one name are refused", {{"run", "{lbp}", "{work}/same.agr", "{work}/mixed.jsonl"}}, 2, {}, {"two agreements are named 'lbp'"}, {"m-lbp"}, {}, 1},
      {"run: a folder without agreements is refused", {{"run", "{work}/folder", "{work}/mixed.jsonl"}}, 2, {}, {"the folder {work}/folder holds no agreement"}, {"m-lbp"}, {}, 1},
      // ---- option values: --opt value and --opt=value, validated
      {"run --as-of=DATE", {{"run", "{lbp}", "{examples}", "--as-of=2027-01-01"}}, 1, {"\"overdue\":true"}},
      {"run --as-of DATE", {{"run", "{lbp}", "{examples}", "--as-of", "2027-01-01"}}, 1, {"\"overdue\":true"}},
      {"run --engine=vm --jit-opt=0 --line-buffered", {{"run", "--engine=vm", "--jit-opt=0", "--line-buffered", "{lbp}", "{examples}"}}, 1, {kOneVerdict}},
      {"run --engine vm --jit-opt 2", {{"run", "{lbp}", "{examples}", "--engine", "vm", "--jit-opt", "2"}}, 1, {kOneVerdict}},
      {"run: --as-of not a calendar date", {{"run", "{lbp}", "{examples}", "--as-of=2025-02-30"}}, 2, {},
       {"agr run: --as-of: expected a calendar date YYYY-MM-DD, not '2025-02-30'"}, {"c-17"}, {}, 1},
      {"run: --as-of without a value", {{"run", "{lbp}", "{examples}", "--as-of"}}, 2, {}, {"agr run: ", "--as-of"}, {}, {}, 1},
      {"run: an unknown engine", {{"run", "{lbp}", "{examples}", "--engine", "fast"}}, 2, {}, {"--engine: expected vm or jit, not 'fast'"}, {}, {}, 1},
      {"run: an unknown JIT level", {{"run", "{lbp}", "{examples}", "--jit-opt=3"}}, 2, {}, {"--jit-opt: expected 0 or 2, not '3'"}, {}, {}, 1},
      {"schedule --as-of=DATE", {{"schedule", "{lbp}", "{examples}", "--as-of=2027-01-01"}}, 1, {"c-17  (as of 2027-01-01)", "OVERDUE"}},
      {"schedule --as-of DATE", {{"schedule", "--as-of", "2027-01-01", "{lbp}", "{examples}"}}, 1, {"c-17  (as of 2027-01-01)"}},
      {"schedule: --as-of not a date", {{"schedule", "{lbp}", "{examples}", "--as-of=soon"}}, 2, {}, {"expected a calendar date YYYY-MM-DD, not 'soon'"}, {}, {}, 1},
      {"compile --emit ast", {{"compile", "{lbp}", "--emit", "ast"}}, 0, {"(agreement lbp"}},
      {"compile --emit=bytecode", {{"compile", "{lbp}", "--emit=bytecode"}}, 0, {"rule LBP-"}},
      {"diff --format=jsonl --as-of=DATE", {{"diff", "--format=jsonl", "--as-of=2027-01-01", "{lbp}", "{lbp}", "{examples}"}}, 0,
       {"compared 5 courses: 0 changed\n"}},
      {"diff --format jsonl --as-of DATE", {{"diff", "{lbp}", "{lbp}", "{examples}", "--format", "jsonl", "--as-of", "2027-01-01"}}, 0,
       {"compared 5 courses: 0 changed\n"}},
      {"diff: an unknown format", {{"diff", "{lbp}", "{lbp}", "{examples}", "--format=xml"}}, 2, {}, {"--format: expected text or jsonl, not 'xml'"}, {}, {}, 1},
      {"run: --jobs 0", {{"run", "{lbp}", "{examples}", "--jobs", "0"}}, 2, {}, {"agr run: --jobs: Value 0 not in range 1 to 9999"}, {"c-17"}, {}, 1},
      {"diff: --jobs 0", {{"diff", "{lbp}", "{lbp}", "{examples}", "--jobs=0"}}, 2, {}, {"agr diff: --jobs: Value 0 not in range 1 to 9999"}, {"compared"}, {}, 1},
      {"test: --jobs not a number", {{"test", "{src}/tests/suites/ste", "--jobs", "many"}}, 2, {}, {"agr test: --jobs"}, {"passed"}, {}, 1},
      {"diff --jobs 2", {{"diff", "--jobs", "2", "{lbp}", "{lbp}", "{examples}"}}, 0, {"re:^compared 5 courses: 0 changed\n$"},
       {"agr diff: 2 of 5 lines were errors under both versions"}, {}, {}, 1},
      {"test --jobs 2", {{"test", "--jobs=2", "{src}/tests/suites/ste"}}, 0, {" passed, 0 failed"}},
      {"compile: an unknown stage", {{"compile", "{lbp}", "--emit=tokens"}}, 2, {}, {"--emit: expected ast, ir or bytecode, not 'tokens'"}, {}, {}, 1},
      {"compile --output=FILE", {{"compile", "{lbp}", "--output={work}/out.agrc"}}, 0, {}, {}, {}, {}, 0, {{"{work}/out.agrc", "AGRC"}}},
      {"compile -o FILE", {{"compile", "-o", "{work}/out2.agrc", "{lbp}"}}, 0, {}, {}, {}, {}, 0, {{"{work}/out2.agrc", "AGRC"}}},
      {"run the compiled file", {{"run", "{work}/out.agrc", "{examples}"}}, 1, {kOneVerdict}},
      {"diff an .agr against its .agrc: nothing changed", {{"diff", "{lbp}", "{work}/out.agrc", "{examples}"}}, 0,
       {"re:^compared 5 courses: 0 changed\n$"}, {"agr diff: 2 of 5 lines were errors under both versions"}, {}, {}, 1},
      {"diff: an agreement that does not compile", {{"diff", "{lbp}", "{work}/error.agr", "{examples}"}}, 2, {}, {"does not compile"}, {"compared"}},
      {"test --verbose", {{"test", "--verbose", "{src}/tests/suites/ste"}}, 0, {"PASS ", " passed, 0 failed"}},
      // ---- output that cannot be written: exit 2, naming the output and the reason
      {"run > /dev/full", {{"run", "{lbp}", "{examples}"}, In::Null, "", Out::DevFull}, 2, {}, {kFull}},
      {"run - < file > /dev/full", {{"run", "{lbp}", "-"}, In::File, "{examples}", Out::DevFull}, 2, {}, {kFull}},
      {"schedule > /dev/full", {{"schedule", "{lbp}", "{examples}"}, In::Null, "", Out::DevFull}, 2, {}, {kFull}},
      {"check > /dev/full", {{"check", "{lbp}"}, In::Null, "", Out::DevFull}, 2, {}, {kFull}},
      {"test > /dev/full", {{"test", "{src}/tests/suites/lbp"}, In::Null, "", Out::DevFull}, 2, {}, {kFull}},
      {"compile --emit=ir > /dev/full", {{"compile", "{lbp}", "--emit=ir"}, In::Null, "", Out::DevFull}, 2, {}, {kFull}, {}, {"terminate"}},
      {"compile --emit=ast > /dev/full", {{"compile", "{lbp}", "--emit=ast"}, In::Null, "", Out::DevFull}, 2, {}, {kFull}},
      {"compile --emit=bytecode > /dev/full", {{"compile", "{lbp}", "--emit=bytecode"}, In::Null, "", Out::DevFull}, 2, {}, {kFull}},
      {"diff > /dev/full", {{"diff", "{lbp}", "{lbp}", "{examples}"}, In::Null, "", Out::DevFull}, 2, {}, {kFull}},
      {"diff --jobs 2 > /dev/full", {{"diff", "--jobs", "2", "{lbp}", "{lbp}", "{examples}"}, In::Null, "", Out::DevFull}, 2, {}, {kFull}},
      {"--version > /dev/full", {{"--version"}, In::Null, "", Out::DevFull}, 2, {}, {kFull}},
      {"--help > /dev/full", {{"run", "--help"}, In::Null, "", Out::DevFull}, 2, {}, {kFull}},
      // A failed write of -o leaves the old file whole and no temporary file behind.
      {"compile -o: a failed write keeps the old file", {{"compile", "{lbp}", "-o", "{work}/old.agrc"}, In::Null, "", Out::Pipe, Err::Pipe, {}, 4096},
       2, {}, {"cannot write {work}/old.agrc: File too large"}, {}, {}, 1,
       {{"{work}/old.agrc", "old bytes"}, {"{work}/.old.agrc.", kAbsent}}},
      // ---- input that cannot be read: exit 2 with the reason, never taken for an empty input
      {"run: a folder as histories", {{"run", "{lbp}", "{work}/folder"}}, 2, {}, {"cannot read {work}/folder: Is a directory"}},
      {"run: a missing histories file", {{"run", "{lbp}", "{work}/missing.jsonl"}}, 2, {}, {"cannot read {work}/missing.jsonl: No such file or directory"}},
      {"run: a folder on standard input", {{"run", "{lbp}", "-"}, In::File, "{work}/folder"}, 2, {}, {"cannot read standard input: Is a directory"}},
      {"run: a closed standard input", {{"run", "{lbp}", "-"}, In::Closed}, 2, {}, {"cannot read standard input: Bad file descriptor"}, {}, {}, 1},
      {"schedule: a folder as histories", {{"schedule", "{lbp}", "{work}/folder"}}, 2, {}, {"cannot read {work}/folder: Is a directory"}},
      {"schedule: a closed standard input", {{"schedule", "{lbp}", "-"}, In::Closed}, 2, {}, {"cannot read standard input: Bad file descriptor"}},
      {"diff: a closed standard input", {{"diff", "{lbp}", "{lbp}", "-"}, In::Closed}, 2, {}, {"cannot read standard input: Bad file descriptor"}, {"compared"}},
      {"diff: a folder as histories", {{"diff", "{lbp}", "{lbp}", "{work}/folder"}}, 2, {}, {"cannot read {work}/folder: Is a directory"}, {"compared"}},
      {"check: a folder", {{"check", "{work}/folder"}}, 2, {}, {"cannot read {work}/folder: Is a directory"}},
      {"check: a missing file", {{"check", "{work}/missing.agr"}}, 2, {}, {"cannot read {work}/missing.agr: No such file or directory"}},
      // ---- compile -o onto an input
      {"compile -o onto its input", {{"compile", "{work}/same.agr", "-o", "{work}/same.agr"}}, 2, {}, {"is the input"}, {}, {}, 1,
       {{"{work}/same.agr", "# "}}},
      {"compile -o onto its input by another path", {{"compile", "{work}/same.agr", "-o", "{work}/folder/../same.agr"}}, 2, {}, {"is the input"}, {}, {}, 1,
       {{"{work}/same.agr", "# "}}},
      {"compile -o onto a symbolic link to its input", {{"compile", "{work}/same.agr", "-o", "{work}/link.agrc"}}, 2, {}, {"is the input"}, {}, {}, 1,
       {{"{work}/same.agr", "# "}}},
      {"compile -o onto a hard link to its input", {{"compile", "{work}/same.agr", "-o", "{work}/hard.agrc"}}, 2, {}, {"is the input"}, {}, {}, 1,
       {{"{work}/same.agr", "# "}}},
      // ---- nothing from the input reaches the terminal as an escape sequence
      {"schedule escapes ids, codes and messages", {{"schedule", "{lbp}", "{work}/escape.jsonl"}}, 1,
       {"c\\x1b[2J1  (as of 2025-09-03)", "c\\x1b]0;owned\\x072  line 2:"}, {}, {"\x1b", "\x07", "\xc2\x9b"}},
      {"check escapes the source line it shows", {{"check", "{work}/escape.agr"}}, 1, {}, {"\\x1b[2J\\x07"}, {}, {"\x1b", "\x07"}},
      {"diff escapes ids", {{"diff", "{src}/tests/diff/training.agr", "{src}/tests/diff/training-removed.agr", "{work}/escape-diff.jsonl"}}, 1,
       {"c\\x1b[2J (line 1)", "e\\x1b]0;owned\\x07  0304  accepted → not_governed"}, {}, {"\x1b", "\x07"}},
      {"test escapes case names and values", {{"test", "{work}/escape.suite.json"}}, 1, {"n\\x1b[2Jame"}, {}, {"\x1b"}},
      // ---- the summary of a run with errors
      {"run: the error summary", {{"run", "{lbp}", "{examples}"}}, 1, {kOneVerdict}, {"agr run: 2 of 5 lines were errors"}, {}, {}, 1},
      {"schedule: the error summary", {{"schedule", "{lbp}", "{examples}"}}, 1, {"c-17"}, {"agr schedule: 2 of 5 lines were errors"}, {}, {}, 1},
      {"run: one error in one line", {{"run", "{lbp}", "-"}, In::File, "{work}/escape.jsonl"}, 1, {}, {"agr run: 1 of 2 lines was an error"}},
      {"run without errors: no summary", {{"run", "{lbp}", "-"}}, 0, {}, {}, {}, {}, 0},
      // ---- colour: only on a terminal, never with NO_COLOR
      {"check: colour on a terminal", {{"check", "{work}/error.agr"}, In::Null, "", Out::Pipe, Err::Terminal, {"TERM=xterm", "NO_COLOR"}}, 1, {},
       {"\x1b[1;31merror:\x1b[0m", "\x1b[1;32m^~~~\x1b[0m"}},
      {"check: no colour with NO_COLOR", {{"check", "{work}/error.agr"}, In::Null, "", Out::Pipe, Err::Terminal, {"TERM=xterm", "NO_COLOR=1"}}, 1, {},
       {"error: unknown service code"}, {}, {"\x1b"}},
      {"check: no colour off a terminal", {{"check", "{work}/error.agr"}, In::Null, "", Out::Pipe, Err::Pipe, {"TERM=xterm", "NO_COLOR"}}, 1, {},
       {"error: unknown service code"}, {}, {"\x1b"}},
      {"run: colour in the diagnostics of an agreement", {{"run", "{work}/error.agr", "{examples}"}, In::Null, "", Out::Pipe, Err::Terminal, {"TERM=xterm", "NO_COLOR"}}, 2, {},
       {"\x1b[1;31merror:", "does not compile"}},
  };
  return cases;
}

// ---- what a table cannot say --------------------------------------------------------------------

void report(const std::string& name, const std::vector<std::string>& problems, const Finished& f) {
  if (problems.empty()) {
    std::printf("ok    %s\n", name.c_str());
    return;
  }
  ++failures;
  std::printf("FAIL  %s\n", name.c_str());
  for (const auto& problem : problems) std::printf("      %s\n", problem.c_str());
  std::printf("      stdout: %s\n      stderr: %s\n", shown(f.out.substr(0, 1500)).c_str(), shown(f.err.substr(0, 1500)).c_str());
}

// The version facts come from agr/version.h, and a compiled file carries the same format version.
void version_case() {
  Process p = start({{"--version"}});
  Finished f = finish(p);
  std::vector<std::string> problems;
  const std::string expected = std::string("agr ") + AGR_VERSION_STRING + "\ncontract version " +
                               std::to_string(AGR_CONTRACT_VERSION) + "\nbytecode format version " +
                               std::to_string(AGR_BYTECODE_FORMAT_VERSION) + "\n";
  if (f.status != 0) problems.push_back("exit status " + std::to_string(f.status));
  if (f.out.rfind(expected, 0) != 0) problems.push_back("the first three lines are not\n      " + shown(expected));
  if (!std::regex_match(AGR_VERSION_STRING, std::regex(R"(\d+\.\d+\.\d+)")))
    problems.push_back("AGR_VERSION_STRING is not MAJOR.MINOR.PATCH");
  if (AGR_VERSION_STRING != std::to_string(AGR_VERSION_MAJOR) + "." + std::to_string(AGR_VERSION_MINOR) + "." +
                                std::to_string(AGR_VERSION_PATCH))
    problems.push_back("AGR_VERSION_STRING disagrees with AGR_VERSION_MAJOR/MINOR/PATCH");
  const std::string agrc = read_file(work_dir + "/out.agrc");  // written by the table
  if (agrc.size() < 6 || (static_cast<unsigned char>(agrc[4]) | static_cast<unsigned char>(agrc[5]) << 8) != AGR_BYTECODE_FORMAT_VERSION)
    problems.push_back("a compiled file's format version is not AGR_BYTECODE_FORMAT_VERSION");
  report("agr --version", problems, f);
}

// Reads from `fd` until a '\n' arrives or `seconds` pass; the line without it, or nullopt.
std::optional<std::string> read_line(int fd, std::string& pending, double seconds) {
  const auto deadline = Clock::now() + std::chrono::duration<double>(seconds);
  for (;;) {
    if (const size_t nl = pending.find('\n'); nl != std::string::npos) {
      std::string line = pending.substr(0, nl);
      pending.erase(0, nl + 1);
      return line;
    }
    const auto left = std::chrono::duration_cast<std::chrono::milliseconds>(deadline - Clock::now()).count();
    if (left <= 0) return std::nullopt;
    pollfd pfd = {fd, POLLIN, 0};
    if (poll(&pfd, 1, static_cast<int>(left)) <= 0) continue;
    char block[65536];
    const ssize_t got = read(fd, block, sizeof block);
    if (got <= 0) return std::nullopt;
    pending.append(block, static_cast<size_t>(got));
  }
}

// A request/response integrator: writes one history, waits for its verdict, then the next. Each
// answer must come back while the pipe stays open (agr must not wait for 64 KiB or the end).
void coprocess_case(const std::vector<std::string>& extra, const std::string& name) {
  std::vector<std::string> args = {"run", "{lbp}", "-"};
  args.insert(args.end(), extra.begin(), extra.end());
  Process p = start({args, In::Pipe});
  std::vector<std::string> problems;
  std::string pending;
  std::ifstream examples(source_dir + "/examples/histories/lbp.jsonl");
  int number = 0;
  for (std::string line; std::getline(examples, line);) {
    ++number;
    line += '\n';
    if (write(p.stdin_fd, line.data(), line.size()) != static_cast<ssize_t>(line.size())) {
      problems.push_back("cannot write line " + std::to_string(number));
      break;
    }
    const auto answer = read_line(p.stdout_fd, pending, 5);
    if (!answer) {
      problems.push_back("no answer to line " + std::to_string(number) + " within 5 s");
      kill(p.pid, SIGKILL);
      break;
    }
    const std::string id = "\"id\":\"c-" + std::to_string(16 + number) + "\"";
    if (answer->find(id) == std::string::npos) problems.push_back("answer " + std::to_string(number) + " lacks " + id);
  }
  Finished f = finish(p);
  if (problems.empty() && f.status != 1) problems.push_back("exit status " + std::to_string(f.status) + ", expected 1");
  report(name, problems, f);
}

// Progress on a terminal: histories fed slowly for about 1.6 s, stderr a terminal, stdout a pipe.
// The progress line appears after the first second, and is erased at the end.
void progress_case() {
  Process p = start({{"run", "{lbp}", "-"}, In::Pipe, "", Out::Pipe, Err::Terminal});
  std::ifstream examples(source_dir + "/examples/histories/lbp.jsonl");
  std::string first;
  std::getline(examples, first);
  first += '\n';
  for (int i = 0; i < 16; ++i) {
    if (write(p.stdin_fd, first.data(), first.size()) < 0) break;
    usleep(100 * 1000);
  }
  Finished f = finish(p);
  std::vector<std::string> problems;
  if (f.status != 0) problems.push_back("exit status " + std::to_string(f.status));
  if (!std::regex_search(f.err, std::regex("\r\x1b\\[Kagr run: [0-9]+ lines, [0-9.]+ MB"))) problems.push_back("no progress line");
  if (f.err.size() < 4 || f.err.substr(f.err.size() - 4) != "\r\x1b[K") problems.push_back("the progress line is not erased at the end");
  if (std::count(f.out.begin(), f.out.end(), '\n') != 16) problems.push_back("not 16 verdicts");
  report("run: progress on a terminal", problems, f);

  // Not on a terminal: stderr stays empty however long the run.
  Process quiet = start({{"run", "{lbp}", "-"}, In::Pipe});
  for (int i = 0; i < 12; ++i) {
    if (write(quiet.stdin_fd, first.data(), first.size()) < 0) break;
    usleep(100 * 1000);
  }
  f = finish(quiet);
  problems.clear();
  if (f.status != 0 || !f.err.empty()) problems.push_back("stderr is not empty, or the run failed");
  report("run: no progress off a terminal", problems, f);
}

}  // namespace

int main(int argc, char** argv) {
  if (argc != 4) {
    std::fprintf(stderr, "usage: agr_cli_test AGR SOURCE_DIR WORK_DIR\n");
    return 2;
  }
  agr_path = fs::absolute(argv[1]).string();
  source_dir = fs::absolute(argv[2]).lexically_normal().string();
  work_dir = fs::absolute(argv[3]).lexically_normal().string();
  if (!source_dir.empty() && source_dir.back() == '/') source_dir.pop_back();
  signal(SIGPIPE, SIG_IGN);
  make_inputs();
  for (const Case& c : table()) check_case(c);
  version_case();
  coprocess_case({}, "run: a co-process is answered line by line");
  coprocess_case({"--line-buffered"}, "run --line-buffered: a co-process is answered line by line");
  progress_case();
  std::printf("%s\n", failures == 0 ? "all passed" : (std::to_string(failures) + " failed").c_str());
  return failures == 0 ? 0 : 1;
}
