// `agr lsp [--stdio]`: the language server for editors (lsp/), on standard input and output.
#include <cstdio>
#include <memory>

#include "cli.h"
#include "language_server.h"

namespace agr::cli {

Command add_lsp_command(CLI::App& agr) {
  CLI::App* command =
      agr.add_subcommand("lsp", "the Language Server Protocol on standard input and output, for editors");
  // Editors' clients pass --stdio; it is the only transport.
  auto stdio = std::make_shared<bool>(true);
  command->add_flag("--stdio", *stdio, "talk over standard input and output (the default and only transport)");
  return {command, [stdio] { return lsp::serve_stdio(stdin, stdout); }};
}

}  // namespace agr::cli
