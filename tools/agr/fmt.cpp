// `agr fmt [--check] FILE...`: lays agreement files out in the one canonical layout
// (compiler/format.cpp). Without --check each file that changes is rewritten in place, atomically
// (a new file beside it, renamed over it, with the old file's mode); `-` reads standard input and
// writes the result to standard output. With --check nothing is written: the files that would
// change are named on standard output, and the exit status is 1 if there are any.
#include "cli.h"
#include "driver.h"
#include "format.h"
#include "limits_table.h"
#include "read_file.h"

namespace agr::cli {
namespace {

struct FmtOptions {
  std::vector<std::string> files;
  bool check = false;
};

int format_files(const FmtOptions& options) {
  Output out = Output::standard();
  const bool colour = colour_on_stderr();
  int status = kOk;
  for (const std::string& path : options.files) {
    SourceFile file;
    std::string error;
    const bool from_stdin = path == "-";
    if (from_stdin) {
      file.path = "<stdin>";
      if (!read_file_bounded("/dev/stdin", kMaxSourceBytes, &file.text, &error)) {
        eprint("agr: cannot read standard input: {}\n", printable(error));
        status = kFailure;
        continue;
      }
    } else if (!read_source_file(path, &file, &error)) {
      eprint("agr: {}\n", printable(error));
      status = kFailure;
      continue;
    }
    Diagnostics diags;
    std::string formatted;
    if (!format_source(file, diags, &formatted)) {
      eprint("{}{}: not formatted\n", diags.render(file, colour), printable(file.path));
      status = std::max(status, kInputErrors);
      continue;
    }
    const bool changed = formatted != file.text;
    if (options.check) {
      if (!changed) continue;
      out.print("{}\n", printable(file.path));
      status = std::max(status, kInputErrors);
    } else if (from_stdin) {
      out.write(formatted);
    } else if (changed && !write_file_atomically(path, formatted, &error, /*keep_mode=*/true)) {
      eprint("agr: {}\n", error);
      status = kFailure;
    }
  }
  return out.finish(status);
}

}  // namespace

Command add_fmt_command(CLI::App& agr) {
  auto options = std::make_shared<FmtOptions>();
  CLI::App* command = agr.add_subcommand(
      "fmt", "lay agreement files out in the canonical layout (docs/language.md), comments kept");
  command->footer(
      "Exit status: 0 every file is (now) in the layout; 1 with --check a file would change, or a file does not "
      "parse; 2 a usage error, or a file that cannot be read or written.");
  command->add_option("FILE", options->files, "an agreement (.agr), rewritten in place; - for standard input")
      ->required();
  command->add_flag("--check", options->check, "write nothing: name the files that would change, and exit 1");
  return {command, [options] { return format_files(*options); }};
}

}  // namespace agr::cli
