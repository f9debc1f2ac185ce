// `agr check FILE...`: parse and check agreements; diagnostics (errors and warnings) on stderr, a
// line per good file on stdout; or, with --format json, one JSON object per file on stdout
// (Diagnostics::render_json). Exit 1 when a file has errors (or, with --werror, warnings), 2 when
// one cannot be read.
#include "cli.h"
#include "driver.h"

namespace agr::cli {
namespace {

struct CheckOptions {
  std::vector<std::string> files;
  bool werror = false;
  std::string format = "text";
};

std::string plural(size_t n, const char* what) { return fmt::format("{} {}{}", n, what, n == 1 ? "" : "s"); }

int check(const CheckOptions& options) {
  Output out = Output::standard();
  const bool colour = colour_on_stderr(), json = options.format == "json";
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
    const size_t errors = diags.error_count(), warnings = diags.warning_count();
    if (errors > 0 || (options.werror && warnings > 0)) status = std::max(status, kInputErrors);
    if (json) {
      out.print("{}\n", diags.render_json(file));
      continue;
    }
    eprint("{}", diags.render(file, colour));
    const std::string warned = warnings ? plural(warnings, "warning") : "";
    if (errors > 0) {
      eprint("{}: {}{}\n", printable(path), plural(errors, "error"), warned.empty() ? "" : ", " + warned);
    } else if (options.werror && warnings > 0) {
      eprint("{}: {} (--werror)\n", printable(path), warned);
    } else {
      out.print("{}: ok, agreement {} with {}, {} and {}{}\n", printable(path), printable(c.program->name),
                plural(c.program->services.size(), "service"), plural(c.program->rules.size(), "rule"),
                plural(c.program->dues.size(), "due item"), warned.empty() ? "" : " (" + warned + ")");
    }
  }
  return out.finish(status);
}

}  // namespace

Command add_check_command(CLI::App& agr) {
  auto options = std::make_shared<CheckOptions>();
  CLI::App* command = agr.add_subcommand(
      "check", "parse and check agreements; errors and warnings on stderr");
  command->add_option("FILE", options->files, "an agreement (.agr)")->required();
  command->add_flag("--werror", options->werror, "a warning fails the file, as an error does");
  command->add_option("--format", options->format,
                      "text: diagnostics on stderr for people; json: one object per file on stdout, for editors and CI")
      ->type_name("text|json")
      ->check(one_of({"text", "json"}));
  return {command, [options] { return check(*options); }};
}

}  // namespace agr::cli
