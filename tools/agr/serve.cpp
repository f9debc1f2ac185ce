// `agr serve AGREEMENT_OR_FOLDER... [--host H] [--port N] [--workers N] [--max-body-bytes N]
//  [--timeout SECONDS]`: the HTTP API and the authors' page (server/, docs/server.md).
#include <chrono>
#include <cmath>

#include "cli.h"
#include "http_server.h"

namespace agr::cli {

Command add_serve_command(CLI::App& agr) {
  struct Options {
    server::ServeOptions serve;
    double timeout_seconds = 0;
  };
  auto options = std::make_shared<Options>();
  options->timeout_seconds = std::chrono::duration<double>(options->serve.limits.timeout).count();
  CLI::App* command = agr.add_subcommand(
      "serve",
      "serve the HTTP API (docs/server.md) and the authors' page at /; SIGHUP reloads the agreements, SIGTERM "
      "stops after the requests in flight");
  command->add_option("AGREEMENT_OR_FOLDER", options->serve.paths, "agreement files (.agr, .agrc) and folders of them")
      ->required();
  command->add_option("--host", options->serve.host, "the address to listen on")->capture_default_str();
  command->add_option("--port", options->serve.port, "the port to listen on; 0 picks a free one (the log names it)")
      ->check(CLI::Range(0, 65535))
      ->capture_default_str();
  command->add_option("--workers", options->serve.workers, "requests handled at once (default: from the cores)")
      ->check(CLI::Range(1, 1024));
  command->add_option("--max-body-bytes", options->serve.limits.max_body_bytes, "a larger request body gets 413")
      ->check(CLI::Range(size_t{1}, size_t{1} << 32))
      ->capture_default_str();
  command->add_option("--timeout", options->timeout_seconds, "seconds per request: each read, each write, and the work")
      ->check(CLI::Range(0.001, 3600.0))
      ->capture_default_str();
  return {command, [options] {
            options->serve.limits.timeout = std::chrono::milliseconds(std::llround(options->timeout_seconds * 1000));
            return server::serve(options->serve);
          }};
}

}  // namespace agr::cli
