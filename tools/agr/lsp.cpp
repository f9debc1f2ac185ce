// `agr lsp [--stdio]`: the language server for editors (lsp/), on standard input and output.
#include <cstdio>

#include "cli.h"
#include "language_server.h"

namespace agr::cli {

int cmd_lsp(const std::vector<std::string>& args) {
  for (const std::string& arg : args) {
    if (arg == "--help" || arg == "-h") {
      std::printf("usage: agr lsp [--stdio]\n  the Language Server Protocol on standard input and output, for editors\n");
      return 0;
    }
    if (arg != "--stdio") {  // editors' clients pass --stdio; it is the only transport
      std::fprintf(stderr, "agr lsp: unexpected argument '%s'; usage: agr lsp [--stdio]\n", arg.c_str());
      return 2;
    }
  }
  return lsp::serve_stdio(stdin, stdout);
}

}  // namespace agr::cli
