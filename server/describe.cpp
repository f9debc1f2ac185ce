#include "describe.h"

#include "agr/agr.h"
#include "verdict_writer.h"  // append_json_string

namespace agr::server {
namespace {

// [ "a", "b" ]
template <typename List, typename Text>
void append_strings(std::string* out, const List& list, Text text_of) {
  out->push_back('[');
  bool first = true;
  for (const auto& item : list) {
    if (!first) out->push_back(',');
    first = false;
    append_json_string(out, text_of(item));
  }
  out->push_back(']');
}

void append_strings(std::string* out, const std::vector<std::string>& list) {
  append_strings(out, list, [](const std::string& s) -> std::string_view { return s; });
}

// The codes of a set of services.
void append_codes(std::string* out, const Program& program, uint32_t set) {
  append_strings(out, program.sets[set], [&](uint32_t service) -> std::string_view { return program.services[service].code; });
}

void append_field(std::string* out, const char* key, std::string_view text) {
  out->append(",\"").append(key).append("\":");
  append_json_string(out, text);
}

}  // namespace

std::string describe_agreement(const Program& program) {
  std::string out = "{\"name\":";
  append_json_string(&out, program.name);
  append_field(&out, "title", program.title);
  out += ",\"sources\":";
  append_strings(&out, program.sources);
  if (program.has_price_level) append_field(&out, "price_level", format_date(program.price_level));
  out += ",\"referral_required\":";
  out += program.referral_required ? "true" : "false";

  out += ",\"flags\":";
  append_strings(&out, program.flags);

  // Each service's fee levels; one level today, one per price regulation once services have
  // several (io-contract version 2), each then with the date it starts.
  out += ",\"services\":[";
  for (size_t i = 0; i < program.services.size(); ++i) {
    const Service& s = program.services[i];
    out += i ? ",{\"code\":" : "{\"code\":";
    append_json_string(&out, s.code);
    append_field(&out, "title", s.title);
    out += ",\"supplement\":";
    out += s.supplement ? "true" : "false";
    out += ",\"fees\":[";
    if (s.has_fee) {
      out += "{\"total\":\"" + format_money(s.fee.total) + "\",\"subsidy\":\"" + format_money(s.fee.subsidy) +
             "\",\"patient\":\"" + format_money(s.fee.patient) + "\"}";
    }
    out += "]}";
  }
  out += ']';

  if (program.course_starts != kNoSet) {
    out += ",\"course\":{\"starts_with\":";
    append_codes(&out, program, program.course_starts);
    out += ",\"ends_with\":";
    append_codes(&out, program, program.course_ends);
    out += '}';
  }

  out += ",\"rules\":[";
  for (size_t i = 0; i < program.rules.size(); ++i) {
    const Rule& r = program.rules[i];
    out += i ? ",{\"id\":" : "{\"id\":";
    append_json_string(&out, r.id);
    out += r.warning ? ",\"kind\":\"warning\",\"for\":" : ",\"kind\":\"rule\",\"for\":";
    append_codes(&out, program, r.applies_to);
    append_field(&out, "message", r.message);
    append_field(&out, "source", r.source);
    out += ",\"line\":" + std::to_string(r.line) + "}";
  }
  out += ']';

  out += ",\"due\":[";
  for (size_t i = 0; i < program.dues.size(); ++i) {
    const DueItem& d = program.dues[i];
    out += i ? ",{\"id\":" : "{\"id\":";
    append_json_string(&out, d.rule);
    append_field(&out, "code", program.services[d.service].code);
    append_field(&out, "message", d.message);
    append_field(&out, "source", d.source);
    out += ",\"line\":" + std::to_string(d.line) + "}";
  }
  out += ']';

  // Facts about the patient arrive with io-contract version 2's `facts`; none are declared yet.
  out += ",\"facts\":[]}";
  return out;
}

}  // namespace agr::server
