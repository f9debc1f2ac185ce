// agr-serve: the server behind `agr serve`, a program of its own so that only it loads cpp-httplib
// (serve.cpp). agr checks the command line and execs this program with the arguments it was given,
// which are parsed here again by the same definitions (serve.h). Installed in LIBEXECDIR/agr/, not
// on PATH; run by hand, it takes `agr serve`'s arguments.
#include "cli.h"
#include "serve.h"

int main(int argc, char** argv) {
  using namespace agr::cli;
  CLI::App app("the HTTP API and the authors' page; started by agr serve (docs/server.md)", "agr serve");
  ServeCommandLine line;
  add_serve_options(&app, &line);
  try {
    app.parse(argc, argv);
  } catch (const CLI::ParseError& e) {
    return app.exit(e) == 0 ? kOk : kFailure;  // the help, or the problem on stderr
  }
  return agr::server::serve(line.options());
}
