#include "fuzz_common.h"

#include <simdjson.h>

#include <algorithm>
#include <cstdio>
#include <cstdlib>
#include <filesystem>

#include "driver.h"
#include "evaluate.h"
#include "verdict_writer.h"

#ifndef AGR_FUZZ_AGREEMENTS_DIR
#error "AGR_FUZZ_AGREEMENTS_DIR must name the directory of the bundled agreements"
#endif
#ifndef AGR_FUZZ_EXAMPLES_DIR
#error "AGR_FUZZ_EXAMPLES_DIR must name the directory of the example agreements"
#endif

namespace agr::fuzz {

std::string agreements_dir() { return AGR_FUZZ_AGREEMENTS_DIR; }

void fail(const char* target, const std::string& what, std::string_view input) {
  std::fprintf(stderr, "\n%s: invariant broken: %s\n", target, what.c_str());
  if (!input.empty()) {
    // Printable ASCII as itself, every other byte as \xNN.
    std::string shown;
    for (size_t i = 0; i < input.size() && shown.size() < 2000; ++i) {
      const unsigned char ch = static_cast<unsigned char>(input[i]);
      if (ch >= 0x20 && ch < 0x7f && ch != '\\') {
        shown += static_cast<char>(ch);
      } else {
        char hex[5];
        std::snprintf(hex, sizeof hex, "\\x%02X", ch);
        shown += hex;
      }
    }
    std::fprintf(stderr, "%s: input (%zu bytes%s): %s\n", target, input.size(),
                 shown.size() >= 2000 ? ", cut" : "", shown.c_str());
  }
  std::fflush(stderr);
  std::abort();
}

const std::vector<Bundled>& bundled_agreements() {
  static const std::vector<Bundled> all = [] {
    std::vector<std::filesystem::path> paths;
    for (const std::string& dir : {agreements_dir(), std::string(AGR_FUZZ_EXAMPLES_DIR)}) {
      std::vector<std::filesystem::path> here;
      for (const auto& entry : std::filesystem::directory_iterator(dir))
        if (entry.path().extension() == ".agr") here.push_back(entry.path());
      std::sort(here.begin(), here.end());
      paths.insert(paths.end(), here.begin(), here.end());
    }
    std::vector<Bundled> out;
    for (const auto& path : paths) {
      SourceFile file;
      std::string error;
      if (!read_source_file(path.string(), &file, &error)) fail("setup", error);
      Diagnostics diags;
      Compilation c = compile(file, diags);
      if (!c.program) fail("setup", path.string() + " does not compile:\n" + diags.render(file));
      auto agreement = Agreement::from_program(std::move(*c.program), &error);
      if (!agreement) fail("setup", path.string() + ": " + error);
      out.push_back({path.stem().string(), path.string(), std::move(agreement)});
    }
    if (out.empty()) fail("setup", "no agreements in " + agreements_dir());
    return out;
  }();
  return all;
}

std::string check_json_line(std::string_view out) {
  if (out.empty() || out.back() != '\n') return "the output does not end in a newline";
  const size_t newlines = static_cast<size_t>(std::count(out.begin(), out.end(), '\n'));
  if (newlines != 1) return "the output holds " + std::to_string(newlines) + " lines, not 1";
  static simdjson::dom::parser parser;
  const simdjson::padded_string padded(out.substr(0, out.size() - 1));
  simdjson::dom::element doc;
  if (auto error = parser.parse(padded).get(doc); error != simdjson::SUCCESS)
    return std::string("the output is not valid JSON: ") + simdjson::error_message(error);
  if (doc.type() != simdjson::dom::element_type::OBJECT) return "the output is not a JSON object";
  return {};
}

std::string to_json_line(const HistoryInput& h) {
  std::string out = "{\"id\":";
  append_json_string(&out, h.id);
  if (h.referral_date) {
    out += ",\"referral_date\":";
    append_json_string(&out, *h.referral_date);
  }
  if (h.clinic) {
    out += ",\"clinic\":";
    append_json_string(&out, *h.clinic);
  }
  if (!h.facts.empty()) {
    out += ",\"facts\":{";
    for (size_t i = 0; i < h.facts.size(); ++i) {
      const FactInput& f = h.facts[i];
      if (i) out += ',';
      append_json_string(&out, f.name);
      out += ':';
      switch (f.kind) {
        case FactInput::Kind::String: append_json_string(&out, f.text); break;
        case FactInput::Kind::Integer: out += std::to_string(f.integer); break;
        case FactInput::Kind::Boolean: out += f.boolean ? "true" : "false"; break;
      }
    }
    out += '}';
  }
  out += ",\"events\":[";
  for (size_t i = 0; i < h.events.size(); ++i) {
    const EventInput& e = h.events[i];
    if (i) out += ',';
    out += "{\"id\":";
    append_json_string(&out, e.id);
    out += ",\"date\":";
    append_json_string(&out, e.date);
    out += ",\"code\":";
    append_json_string(&out, e.code);
    if (e.clinic) {
      out += ",\"clinic\":";
      append_json_string(&out, *e.clinic);
    }
    if (!e.flags.empty()) {
      out += ",\"flags\":[";
      for (size_t f = 0; f < e.flags.size(); ++f) {
        if (f) out += ',';
        append_json_string(&out, e.flags[f]);
      }
      out += ']';
    }
    out += '}';
  }
  out += "]}";
  return out;
}

std::vector<FactInput> generate_facts(ByteSource& in, const Program& p, Day around, bool mistakes) {
  std::vector<FactInput> out;
  for (const Fact& fact : p.facts) {
    if (!fact.required && in.coin(3)) continue;
    if (mistakes && in.coin(fact.required ? 40 : 20)) {
      if (in.coin(2)) continue;  // left out
      out.push_back(in.coin(2) ? FactInput::integer_value(fact.name, 12) : FactInput::string(fact.name, "x y"));
      continue;
    }
    switch (fact.type) {
      case FactType::Date: {
        // Around the ages 16, 18 and 65 on the history's dates, and a 29 February now and then.
        static const int kYears[] = {16, 18, 65};
        Day born = around - static_cast<Day>(kYears[in.below(3)] * 365 + in.below(800)) + 400;
        if (in.coin(8)) parse_date("2008-02-29", &born);
        out.push_back(FactInput::string(fact.name, format_date(born)));
        break;
      }
      case FactType::Integer: out.push_back(FactInput::integer_value(fact.name, int64_t(in.below(8)) - 2)); break;
      case FactType::Boolean: out.push_back(FactInput::boolean_value(fact.name, in.coin(2))); break;
      case FactType::Code:
      case FactType::String: {
        std::vector<std::string> known;
        for (const TextPatterns& list : p.text_patterns) {
          known.insert(known.end(), list.exact.begin(), list.exact.end());
          for (const std::string& prefix : list.prefixes) {
            known.push_back(prefix);
            known.push_back(prefix + std::to_string(in.below(10)));
            if (prefix.size() > 1) known.push_back(prefix.substr(0, prefix.size() - 1));
          }
        }
        known.push_back("DX" + std::to_string(in.below(100)));
        out.push_back(FactInput::string(fact.name, known[in.below(static_cast<uint32_t>(known.size()))]));
        break;
      }
    }
  }
  if (mistakes && in.coin(50)) out.push_back(FactInput::string("undeclared", "1"));
  return out;
}

}  // namespace agr::fuzz
