// agr: the command line (docs/io-contract.md). This file only dispatches: each command is one
// file in tools/agr/ that adds its own subcommand (cli.h), and kCommands below lists them.
//
// Exit status: 0 success; 1 the input held errors (every good line is still processed);
// 2 a usage error, an agreement that does not load, or input or output that failed.
#include <fcntl.h>
#include <unistd.h>

#include <cerrno>
#include <cstdlib>
#include <exception>
#include <new>

#include "agr/version.h"
#include "cli.h"

namespace agr::cli {
namespace {

using AddCommand = Command (*)(CLI::App&);
constexpr AddCommand kCommands[] = {
    add_check_command, add_compile_command, add_run_command, add_explain_command, add_test_command,
    add_schedule_command, add_diff_command, add_fmt_command, add_serve_command, add_lsp_command,
};

// A standard stream that was closed when agr started (`agr run A - <&-`) would otherwise be the
// number the next open() returns, and agr would read its agreement as the histories or write
// bytecode as results. Each closed one gets a placeholder that cannot be read or written, so
// that using it fails with EBADF, as the closed stream would.
void guard_standard_streams() {
  for (int fd = STDIN_FILENO; fd <= STDERR_FILENO; ++fd) {
    if (::fcntl(fd, F_GETFD) != -1 || errno != EBADF) continue;
    const int placeholder = ::open("/dev/null", O_PATH);
    if (placeholder >= 0 && placeholder != fd) {
      ::dup2(placeholder, fd);
      ::close(placeholder);
    }
  }
}

std::string version_text() {
  return fmt::format(
      "agr {}\n"
      "contract version {}\n"
      "bytecode format version {}\n"
      "engines: {}\n",
      AGR_VERSION_STRING, AGR_CONTRACT_VERSION, AGR_BYTECODE_FORMAT_VERSION,
#ifdef AGR_HAVE_JIT
      "vm, jit"
#else
      "vm"
#endif
  );
}

// Help and version go to stdout, checked like any output.
int print(const std::string& text) {
  Output out = Output::standard();
  out.write(text);
  return out.finish(kOk);
}

// The subcommand the command line named (the deepest one parsed), else the app itself.
const CLI::App* named_command(const CLI::App& app) {
  for (const CLI::App* sub : app.get_subcommands()) return sub;
  return &app;
}

// One line for a parse error: "agr run: the following argument was not expected: --fast (see
// 'agr run --help')".
int parse_error(const CLI::App& app, const CLI::ParseError& e) {
  std::string message = e.what();
  if (message.size() > 1 && std::isupper(static_cast<unsigned char>(message[0])) &&
      std::islower(static_cast<unsigned char>(message[1])))
    message[0] = static_cast<char>(std::tolower(static_cast<unsigned char>(message[0])));
  return usage_error(named_command(app), message);
}

int main(int argc, char** argv) {
  guard_standard_streams();
  CLI::App app("agr: agreements as code. Check and compile an agreement (.agr), and judge course histories "
               "(JSON Lines) against it.",
               "agr");
  const std::string exit_status =
      "Exit status: 0 success; 1 the input held errors (every good line is still processed and written); "
      "2 a usage error, an agreement that does not load, or input or output that failed.";
  app.footer(exit_status);  // each command's help ends with it too
  app.get_formatter()->column_width(30);
  app.get_formatter()->label("REQUIRED", "(required)");
  app.set_help_flag("-h,--help", "print this help and exit");
  bool version = false;
  app.add_flag("--version", version, "print agr's version, the contract's and the bytecode format's");
  app.require_subcommand(0, 1);

  std::vector<Command> commands;
  for (AddCommand add : kCommands) commands.push_back(add(app));
  for (const Command& command : commands)  // a positional's name says what it is: no "TEXT"
    for (CLI::Option* option : command.app->get_options([](const CLI::Option* o) { return o->get_positional(); }))
      option->type_name("");
  app.footer(exit_status + "\n'agr COMMAND --help' describes a command; docs/io-contract.md is the contract.");

  std::string help_topic;
  CLI::App* help = app.add_subcommand("help", "describe agr, or one of its commands");
  help->add_option("COMMAND", help_topic, "the command to describe");

  try {
    app.parse(argc, argv);
  } catch (const CLI::CallForHelp&) {
    return print(app.help());  // the named command's, as "agr COMMAND"
  } catch (const CLI::ParseError& e) {
    return parse_error(app, e);
  }

  if (version) return print(version_text());
  if (help->parsed()) {
    if (help_topic.empty()) return print(app.get_formatter()->make_help(&app, "agr", CLI::AppFormatMode::Normal));
    for (const Command& command : commands)
      if (command.app->get_name() == help_topic) return print(command.app->help("agr"));
    return usage_error(&app, "there is no command '" + printable(help_topic) + "'");
  }
  for (const Command& command : commands) {
    if (!command.app->parsed()) continue;
    try {
      return command.run();
    } catch (const std::bad_alloc&) {
      eprint("agr: out of memory\n");
    } catch (const std::exception& e) {
      eprint("agr: internal error: {}\n", e.what());
    }
    return kFailure;
  }
  eprint("{}", app.help());
  return kFailure;
}

}  // namespace
}  // namespace agr::cli

int main(int argc, char** argv) { return agr::cli::main(argc, argv); }
