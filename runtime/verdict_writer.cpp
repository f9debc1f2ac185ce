// JSON Lines output (io-contract.md, "Output"): one result per input line, in input order.
#include "verdict_writer.h"

#include "history_reader.h"
#include "scratch.h"

namespace agr {

void append_json_string(std::string* out, std::string_view text) {
  static const char kHex[] = "0123456789abcdef";
  out->push_back('"');
  size_t run = 0;  // characters that need no escape are copied in runs
  for (size_t i = 0; i < text.size(); ++i) {
    const unsigned char ch = static_cast<unsigned char>(text[i]);
    if (ch >= 0x20 && ch != '"' && ch != '\\') continue;
    out->append(text.data() + run, i - run);
    run = i + 1;
    switch (ch) {
      case '"': out->append("\\\""); break;
      case '\\': out->append("\\\\"); break;
      case '\n': out->append("\\n"); break;
      case '\r': out->append("\\r"); break;
      case '\t': out->append("\\t"); break;
      default:
        out->append("\\u00");
        out->push_back(kHex[ch >> 4]);
        out->push_back(kHex[ch & 15]);
    }
  }
  out->append(text.data() + run, text.size() - run);
  out->push_back('"');
}

namespace {

void append_money(std::string* out, int64_t ore) {
  out->push_back('"');
  out->append(format_money(ore));
  out->push_back('"');
}

void append_date(std::string* out, Day day) {
  char text[10];
  format_iso_date(day, text);
  out->push_back('"');
  out->append(text, 10);
  out->push_back('"');
}

}  // namespace

std::string render_fee_json(const char* key, const FeeSplit& fee) {
  std::string out = ",\"";
  out += key;
  out += "\":{\"total\":";
  append_money(&out, fee.total);
  out += ",\"subsidy\":";
  append_money(&out, fee.subsidy);
  out += ",\"patient\":";
  append_money(&out, fee.patient);
  out += '}';
  return out;
}

std::string render_rule_json(const Rule& rule) {
  std::string out = "\"rule\":";
  append_json_string(&out, rule.id);
  out += ",\"message\":";
  append_json_string(&out, rule.message);
  out += ",\"source\":";
  append_json_string(&out, rule.source);
  return out;
}

namespace {
}  // namespace

void append_verdict_json(std::string* out, const Agreement& agreement, const PreparedHistory& h,
                         const CourseVerdict& v) {
  const Program& p = agreement.program();
  const AgreementIndex& index = agreement.index();
  out->append("{\"id\":");
  append_json_string(out, h.id);
  out->append(",\"agreement\":");
  append_json_string(out, p.name);
  out->append(",\"events\":[");
  for (size_t i = 0; i < h.events.size(); ++i) {
    const PreparedEvent& e = h.events[i];
    const EventVerdict& ev = v.events[i];
    if (i) out->push_back(',');
    out->append("{\"id\":");
    append_json_string(out, e.id);
    out->append(",\"code\":");
    append_json_string(out, e.code);
    switch (ev.status) {
      case EventStatus::Accepted: out->append(",\"status\":\"accepted\""); break;
      case EventStatus::Rejected: out->append(",\"status\":\"rejected\""); break;
      case EventStatus::NotGoverned: out->append(",\"status\":\"not_governed\""); break;
    }
    // The fee as rendered at load time; a verdict made elsewhere (the reference evaluator) may
    // carry only the amounts.
    if (ev.has_fee) {
      if (ev.fee_entry < index.fee_json.size())
        out->append(index.fee_json[ev.fee_entry]);
      else
        out->append(render_fee_json("fee", ev.fee));
    }
    if (ev.status == EventStatus::Rejected) {
      out->append(",\"violations\":[");
      for (uint32_t j = 0; j < ev.violation_count; ++j) {
        if (j) out->push_back(',');
        out->push_back('{');
        out->append(index.rule_json[v.violations[ev.first_violation + j]]);
        out->push_back('}');
      }
      out->push_back(']');
    }
    out->push_back('}');
  }
  out->append("],\"warnings\":[");
  for (size_t i = 0; i < v.warnings.size(); ++i) {
    if (i) out->push_back(',');
    out->push_back('{');
    out->append(index.rule_json[v.warnings[i].rule]);
    out->append(",\"event\":");
    append_json_string(out, h.events[v.warnings[i].event].id);
    out->push_back('}');
  }
  out->push_back(']');
  out->append(render_fee_json("totals", v.totals));
  out->append(",\"due\":[");
  for (size_t i = 0; i < v.due.size(); ++i) {
    const DueVerdict& d = v.due[i];
    const DueItem& item = p.dues[d.due];
    if (i) out->push_back(',');
    out->append("{\"code\":");
    append_json_string(out, p.services[item.service].code);
    out->append(",\"earliest\":");
    append_date(out, d.earliest);
    out->append(",\"target\":");
    append_date(out, d.target);
    if (d.has_latest) {
      out->append(",\"latest\":");
      append_date(out, d.latest);
    }
    out->append(d.overdue ? ",\"overdue\":true" : ",\"overdue\":false");
    out->append(",\"rule\":");
    append_json_string(out, item.rule);
    out->push_back('}');
  }
  out->append("]}\n");
}

void append_error_json(std::string* out, const std::string* id, uint64_t line_number, std::string_view message) {
  out->append("{\"id\":");
  if (id)
    append_json_string(out, *id);
  else
    out->append("null");
  out->append(",\"error\":{\"line\":");
  out->append(std::to_string(line_number));
  out->append(",\"message\":");
  append_json_string(out, message);
  out->append("}}\n");
}

bool Evaluator::evaluate_json_line(std::string_view line, uint64_t line_number, std::optional<Day> as_of,
                                   std::string* out) {
  const Program& p = agreement_->program();
  Scratch& s = *scratch_;
  std::string error;
  if (read_history_json(s, p, agreement_->index(), line, &error) &&
      evaluate_prepared(*agreement_, s.history, as_of, s.state, &s.verdict)) {
    append_verdict_json(out, *agreement_, s.history, s.verdict);
    return true;
  }
  if (error.empty()) error = s.verdict.error;
  std::string id;
  const bool has_id = read_history_id(s, line, &id);
  append_error_json(out, has_id ? &id : nullptr, line_number, error);
  return false;
}

bool Evaluator::evaluate_json(std::string_view line, std::optional<Day> as_of, CourseVerdict* out,
                              std::string* course_id) {
  Scratch& s = *scratch_;
  std::string error;
  course_id->clear();
  if (read_history_json(s, agreement_->program(), agreement_->index(), line, &error)) {
    *course_id = std::string(s.history.id);
    return evaluate_prepared(*agreement_, s.history, as_of, s.state, out);
  }
  out->error = error;
  read_history_id(s, line, course_id);
  return false;
}

}  // namespace agr
