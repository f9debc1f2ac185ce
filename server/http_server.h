// `agr serve`: the HTTP API (api.h) and the authors' page (web/) on cpp-httplib, with a worker
// pool, bounded bodies, a timeout per request, one access-log line per request on stderr, a
// graceful stop on SIGTERM or SIGINT and a reload of the agreements on SIGHUP. docs/server.md.
#pragma once

#include <string>
#include <vector>

#include "api.h"

namespace agr::server {

struct ServeOptions {
  std::vector<std::string> paths;  // agreement files and folders, loaded again on SIGHUP
  std::string host = "127.0.0.1";
  int port = 8080;                 // 0: any free port (the log says which)
  size_t workers = 0;              // 0: a default from the machine's cores
  Limits limits;
};

// Loads the agreements, listens, and serves until SIGTERM or SIGINT; then lets the requests in
// flight finish and returns 0. Returns 2 when the agreements do not load or the address cannot
// be bound (the reason on stderr).
int serve(const ServeOptions& options);

}  // namespace agr::server
