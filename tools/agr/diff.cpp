// `agr diff OLD NEW HISTORIES [--as-of DATE] [--format text|jsonl]`: what a revised agreement
// changes (docs/io-contract.md, "agr diff"; docs/diff.md). The comparison and both reports are
// the diff library's (diff/diff.h), which the server's POST /v1/diff shares; this file is the
// command line: its options, its files, and its exit status: 0 when nothing changed, 1 when
// something did, 2 on a usage error, an agreement that does not load, or input or output that
// failed.
#include "cli.h"
#include "diff.h"

namespace agr::cli {
namespace {

struct DiffOptions {
  std::string old_agreement, new_agreement, histories;
  std::optional<Day> as_of;
  std::string format = "text";
};

// ---- the command --------------------------------------------------------------------------------

int run_diff(const DiffOptions& options) {
  auto old_agreement = load_agreement(options.old_agreement);
  if (!old_agreement) return kFailure;
  auto new_agreement = load_agreement(options.new_agreement);
  if (!new_agreement) return kFailure;
  Input input;
  if (!input.open(options.histories)) return kFailure;

  Output out = Output::standard();
  diff::Comparison comparison(std::move(old_agreement), std::move(new_agreement), options.as_of,
                              options.format == "jsonl" ? diff::Format::Jsonl : diff::Format::Text, out.buffer());
  const LineLoop loop = {"diff", false, " under both versions"};
  const int status = for_each_line(loop, input, out, [&](std::string_view line, uint64_t number) {
    return comparison.add_line(line, number);
  });
  if (status == kFailure) return out.finish(kFailure);
  comparison.finish();
  return out.finish(comparison.changed() > 0 ? kInputErrors : kOk);
}

}  // namespace

Command add_diff_command(CLI::App& agr) {
  auto options = std::make_shared<DiffOptions>();
  CLI::App* command =
      agr.add_subcommand("diff", "what a revised agreement changes: both versions judge the same histories");
  command->add_option("OLD", options->old_agreement, "the agreement in force: .agr or .agrc")->required();
  command->add_option("NEW", options->new_agreement, "the revised agreement: .agr or .agrc")->required();
  command->add_option("HISTORIES", options->histories, "a JSON Lines file of course histories, or - for standard input")
      ->required();
  command->footer(
      "The last line on stdout is 'compared N courses: M changed' (docs/diff.md).\n"
      "Exit status: 0 nothing changed; 1 something changed (as diff(1)); 2 a usage error, an agreement that does "
      "not load, or input or output that failed.");
  add_as_of_option(command, &options->as_of);
  command->add_option("--format", options->format, "a report for people, or one JSON line per changed course")
      ->type_name("text|jsonl")
      ->check(one_of({"text", "jsonl"}));
  return {command, [options] { return run_diff(*options); }};
}

}  // namespace agr::cli
