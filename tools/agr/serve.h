// `agr serve`'s command line, defined once for the two programs that parse it: agr, which checks
// it and answers --help as for every command, and agr-serve (serve_main.cpp), which agr starts
// with the same arguments (serve.cpp says why the server is a program of its own).
#pragma once

#include <CLI/CLI.hpp>

#include "http_server.h"

namespace agr::cli {

struct ServeCommandLine {
  server::ServeOptions serve;
  double timeout_seconds = 0;  // --timeout; options() puts it into serve.limits

  server::ServeOptions options() const;
};

// Adds `agr serve`'s operands and options to `command`, each read into *line. Every option has a
// long name: agr hands each one over as --NAME=VALUE.
void add_serve_options(CLI::App* command, ServeCommandLine* line);

}  // namespace agr::cli
