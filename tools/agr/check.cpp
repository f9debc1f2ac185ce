// `agr check FILE...`: parse and check agreements; diagnostics on stderr, a line per good file on
// stdout. Exit 1 when a file has errors, 2 when one cannot be read.
#include "cli.h"
#include "driver.h"

namespace agr::cli {
namespace {

struct CheckOptions {
  std::vector<std::string> files;
};

int check(const CheckOptions& options) {
  Output out = Output::standard();
  const bool colour = colour_on_stderr();
  int status = kOk;
  for (const std::string& path : options.files) {
    SourceFile file;
    std::string error;
    if (!read_source_file(path, &file, &error)) {
      eprint("agr: {}\n", printable(error));
      status = kFailure;
      continue;
    }
    Diagnostics diags;
    Compilation c = compile(file, diags);
    eprint("{}", diags.render(file, colour));
    if (diags.has_errors()) {
      eprint("{}: {} error{}\n", printable(path), diags.error_count(), diags.error_count() == 1 ? "" : "s");
      status = std::max(status, kInputErrors);
    } else {
      out.print("{}: ok, agreement {} with {} services, {} rules and {} due items\n", printable(path),
                printable(c.program->name), c.program->services.size(), c.program->rules.size(),
                c.program->dues.size());
    }
  }
  return out.finish(status);
}

}  // namespace

Command add_check_command(CLI::App& agr) {
  auto options = std::make_shared<CheckOptions>();
  CLI::App* command = agr.add_subcommand(
      "check", "parse and check agreements; diagnostics on stderr");
  command->add_option("FILE", options->files, "an agreement (.agr)")->required();
  return {command, [options] { return check(*options); }};
}

}  // namespace agr::cli
