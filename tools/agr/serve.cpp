// `agr serve AGREEMENT_OR_FOLDER... [--host H] [--port N] [--workers N] [--max-body-bytes N]
//  [--timeout SECONDS]`: the HTTP API and the authors' page (server/, docs/server.md).
//
// The server is a program of its own, agr-serve (serve_main.cpp), so that cpp-httplib and what
// Debian builds it with (OpenSSL, brotli) are loaded by `agr serve` alone and not at the start of
// every command (issue 12; ARCHITECTURE.md, "The server is a program of its own"). agr parses and
// checks the command line here as for any command, then replaces itself with agr-serve (execv:
// the same process, so signals reach the server and its exit status is agr's), handing over the
// arguments it was given; agr-serve parses them again with the same definitions and serves.
#include <unistd.h>

#include <cerrno>
#include <chrono>
#include <cmath>
#include <cstring>

#include "cli.h"
#include "companion.h"
#include "serve.h"

namespace agr::cli {
namespace {

// The arguments `command` was given, as agr-serve takes them: each option as --NAME=VALUE (a
// value may begin with '-'), then "--" and the operands.
std::vector<std::string> given_arguments(const CLI::App& command) {
  std::vector<std::string> options, operands;
  for (const CLI::Option* option : command.get_options()) {
    for (const std::string& value : option->results()) {
      if (option->get_positional())
        operands.push_back(value);
      else
        options.push_back("--" + option->get_lnames().front() + "=" + value);
    }
  }
  options.push_back("--");
  options.insert(options.end(), operands.begin(), operands.end());
  return options;
}

// Becomes agr-serve with the command's arguments; returns only when that fails, saying why.
int exec_server(const CLI::App& command) {
  std::string missing;
  const std::string path = find_companion("agr-serve", AGR_SERVE_FROM_BIN, &missing);
  if (path.empty()) {
    eprint("agr serve: cannot start the server: {} (the server is a separate program; install it with agr)\n",
           missing);
    return kFailure;
  }
  std::vector<std::string> arguments = given_arguments(command);
  arguments.insert(arguments.begin(), path);
  std::vector<char*> argv;
  for (std::string& argument : arguments) argv.push_back(argument.data());
  argv.push_back(nullptr);
  ::execv(path.c_str(), argv.data());
  eprint("agr serve: cannot start the server {}: {}\n", path, std::strerror(errno));
  return kFailure;
}

}  // namespace

server::ServeOptions ServeCommandLine::options() const {
  server::ServeOptions options = serve;
  options.limits.timeout = std::chrono::milliseconds(std::llround(timeout_seconds * 1000));
  return options;
}

void add_serve_options(CLI::App* command, ServeCommandLine* line) {
  line->timeout_seconds = std::chrono::duration<double>(line->serve.limits.timeout).count();
  command->add_option("AGREEMENT_OR_FOLDER", line->serve.paths, "agreement files (.agr, .agrc) and folders of them")
      ->required();
  command->add_option("--host", line->serve.host, "the address to listen on")->capture_default_str();
  command->add_option("--port", line->serve.port, "the port to listen on; 0 picks a free one (the log names it)")
      ->check(CLI::Range(0, 65535))
      ->capture_default_str();
  command->add_option("--workers", line->serve.workers, "requests handled at once (default: from the cores)")
      ->check(CLI::Range(1, 1024));
  command->add_option("--max-body-bytes", line->serve.limits.max_body_bytes, "a larger request body gets 413")
      ->check(CLI::Range(size_t{1}, size_t{1} << 32))
      ->capture_default_str();
  command->add_option("--timeout", line->timeout_seconds, "seconds per request: each read, each write, and the work")
      ->check(CLI::Range(0.001, 3600.0))
      ->capture_default_str();
}

Command add_serve_command(CLI::App& agr) {
  CLI::App* command = agr.add_subcommand(
      "serve",
      "serve the HTTP API (docs/server.md) and the authors' page at /; SIGHUP reloads the agreements, SIGTERM "
      "stops after the requests in flight");
  // Parsed here only to be checked (and for --help): agr-serve reads the same arguments.
  auto line = std::make_shared<ServeCommandLine>();
  add_serve_options(command, line.get());
  return {command, [command, line] { return exec_server(*command); }};  // line: alive until parsed
}

}  // namespace agr::cli
