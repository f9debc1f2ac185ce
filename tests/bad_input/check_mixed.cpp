// Runs `agr run AGREEMENT MIXED` over a file of good lines interleaved with every kind of bad one
// (mixed.jsonl, described line by line in mixed.expect) and checks the io-contract's promises:
//   - exit status 1 (the input held errors);
//   - as many output lines as input lines, in order;
//   - each good line's output is byte for byte what `agr run` writes for that line alone;
//   - each bad line's output is {"id": <string or null>, "error": {"line": N, "message": "..."}}
//     with N its own line number (and, where mixed.expect states it, a message saying what it must).
//
//   check_mixed AGR AGREEMENT MIXED EXPECT WORKDIR
#include <simdjson.h>
#include <sys/wait.h>

#include <cstdio>
#include <filesystem>
#include <fstream>
#include <iterator>
#include <sstream>
#include <string>
#include <vector>

namespace {

int failures = 0;

void problem(size_t line, const std::string& what) {
  std::fprintf(stderr, "line %zu: %s\n", line, what.c_str());
  ++failures;
}

std::string read_file(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  return std::string((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
}

// Lines as `agr run` reads them: split at '\n'; a last line without one still counts.
std::vector<std::string> split_lines(const std::string& text) {
  std::vector<std::string> lines;
  size_t pos = 0;
  while (pos < text.size()) {
    const size_t newline = text.find('\n', pos);
    if (newline == std::string::npos) {
      lines.push_back(text.substr(pos));
      break;
    }
    lines.push_back(text.substr(pos, newline - pos));
    pos = newline + 1;
  }
  return lines;
}

std::string quoted(const std::string& s) {
  std::string out = "'";
  for (char ch : s) out += ch == '\'' ? std::string("'\\''") : std::string(1, ch);
  return out + "'";
}

// Runs `agr run agreement input`; returns its stdout, *status its exit status.
std::string agr_run(const std::string& agr, const std::string& agreement, const std::string& input, int* status) {
  const std::string command = quoted(agr) + " run " + quoted(agreement) + " " + quoted(input) + " 2>/dev/null";
  std::FILE* pipe = popen(command.c_str(), "r");
  if (!pipe) {
    std::perror("popen");
    std::exit(2);
  }
  std::string out;
  char buffer[1 << 16];
  size_t got;
  while ((got = std::fread(buffer, 1, sizeof buffer, pipe)) > 0) out.append(buffer, got);
  const int raw = pclose(pipe);
  *status = WIFEXITED(raw) ? WEXITSTATUS(raw) : -1;
  return out;
}

}  // namespace

int main(int argc, char** argv) {
  if (argc != 6) {
    std::fprintf(stderr, "usage: check_mixed AGR AGREEMENT MIXED EXPECT WORKDIR\n");
    return 2;
  }
  const std::string agr = argv[1], agreement = argv[2], mixed = argv[3], expect_path = argv[4], work = argv[5];
  std::filesystem::create_directories(work);

  const std::vector<std::string> input = split_lines(read_file(mixed));
  std::vector<std::string> kinds(input.size() + 1), messages(input.size() + 1);
  {
    std::istringstream expect(read_file(expect_path));
    std::string row;
    while (std::getline(expect, row)) {
      if (row.empty() || row[0] == '#') continue;
      std::istringstream fields(row);
      size_t n = 0;
      std::string kind;
      fields >> n >> kind;
      if (n == 0 || n > input.size() || (kind != "good" && kind != "bad")) {
        std::fprintf(stderr, "%s: bad row '%s' (the input has %zu lines)\n", expect_path.c_str(), row.c_str(), input.size());
        return 2;
      }
      kinds[n] = kind;
      const size_t marker = row.find(" -- message: ");
      if (marker != std::string::npos) messages[n] = row.substr(marker + 13);
    }
  }
  size_t good = 0, bad = 0;
  for (size_t n = 1; n <= input.size(); ++n) {
    if (kinds[n].empty()) problem(n, "not described in " + expect_path);
    (kinds[n] == "good" ? good : bad) += 1;
  }

  int status = 0;
  const std::vector<std::string> output = split_lines(agr_run(agr, agreement, mixed, &status));
  if (status != 1) problem(0, "agr run exited with " + std::to_string(status) + ", not 1");
  if (output.size() != input.size())
    problem(0, std::to_string(input.size()) + " lines in, " + std::to_string(output.size()) + " out");

  simdjson::dom::parser parser;
  for (size_t n = 1; n <= input.size() && n <= output.size(); ++n) {
    const std::string& out = output[n - 1];
    simdjson::dom::element doc;
    if (parser.parse(out).get(doc) != simdjson::SUCCESS || doc.type() != simdjson::dom::element_type::OBJECT) {
      problem(n, "the output is not a JSON object: " + out);
      continue;
    }
    simdjson::dom::object error;
    const bool is_error = doc["error"].get(error) == simdjson::SUCCESS;
    if (kinds[n] == "good") {
      if (is_error) problem(n, "a good line gave an error: " + out);
      const std::string alone_path = work + "/line-" + std::to_string(n) + ".jsonl";
      std::ofstream(alone_path, std::ios::binary) << input[n - 1] << '\n';
      int alone_status = 0;
      const std::string alone = agr_run(agr, agreement, alone_path, &alone_status);
      if (alone_status != 0) problem(n, "alone, agr run exited with " + std::to_string(alone_status));
      if (alone != out + "\n") problem(n, "the output differs from the line's output alone:\n  " + out + "\n  " + alone);
    } else {
      uint64_t line = 0;
      std::string_view message;
      simdjson::dom::element id;
      simdjson::dom::object top;
      size_t keys = 0;
      if (doc.get(top) == simdjson::SUCCESS) keys = top.size();
      if (!is_error) {
        problem(n, "a bad line gave no error object: " + out);
      } else if (error["line"].get(line) != simdjson::SUCCESS || line != n) {
        problem(n, "the error does not name line " + std::to_string(n) + ": " + out);
      } else if (error["message"].get(message) != simdjson::SUCCESS || message.empty()) {
        problem(n, "the error has no message: " + out);
      } else if (!messages[n].empty() && message.find(messages[n]) == std::string_view::npos) {
        problem(n, "the message does not say '" + messages[n] + "': " + out);
      } else if (doc["id"].get(id) != simdjson::SUCCESS || keys != 2 ||
                 (!id.is_string() && !id.is_null())) {
        problem(n, "an error line must be {\"id\": string or null, \"error\": {...}}: " + out);
      }
    }
  }
  std::printf("check_mixed: %zu lines (%zu good, %zu bad), %d problem%s\n", input.size(), good, bad, failures,
              failures == 1 ? "" : "s");
  return failures == 0 ? 0 : 1;
}
