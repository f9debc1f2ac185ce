// `agr serve AGREEMENT_OR_FOLDER... [--host H] [--port N] [--workers N] [--max-body-bytes N]
//  [--timeout SECONDS]`: the HTTP API and the authors' page (server/, docs/server.md).
#include <CLI/CLI.hpp>

#include <algorithm>
#include <cmath>

#include "cli.h"
#include "http_server.h"

namespace agr::cli {

int cmd_serve(const std::vector<std::string>& args) {
  server::ServeOptions options;
  double timeout_seconds = std::chrono::duration<double>(options.limits.timeout).count();
  CLI::App app{"Serve the HTTP API (docs/server.md) and the authors' page at /. SIGHUP reloads the "
               "agreements; SIGTERM stops after the requests in flight.",
               "agr serve"};
  app.add_option("agreements", options.paths, "agreement files (.agr, .agrc) and folders of them")->required();
  app.add_option("--host", options.host, "the address to listen on")->capture_default_str();
  app.add_option("--port", options.port, "the port to listen on; 0 picks a free one (the log names it)")
      ->check(CLI::Range(0, 65535))
      ->capture_default_str();
  app.add_option("--workers", options.workers, "requests handled at once (default: from the cores)")
      ->check(CLI::Range(1, 1024));
  app.add_option("--max-body-bytes", options.limits.max_body_bytes, "a larger request body gets 413")
      ->check(CLI::Range(size_t{1}, size_t{1} << 32))
      ->capture_default_str();
  app.add_option("--timeout", timeout_seconds, "seconds per request: each read, each write, and the work")
      ->check(CLI::Range(0.001, 3600.0))
      ->capture_default_str();

  std::vector<std::string> reversed(args.rbegin(), args.rend());  // CLI11 takes them last first
  try {
    app.parse(reversed);
  } catch (const CLI::ParseError& e) {
    const int status = app.exit(e);
    return status == 0 ? 0 : 2;
  }
  options.limits.timeout = std::chrono::milliseconds(std::llround(timeout_seconds * 1000));
  return server::serve(options);
}

}  // namespace agr::cli
