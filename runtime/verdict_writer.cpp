// JSON Lines output (io-contract.md, "Output"): one result per input line, in input order.
#include "verdict_writer.h"

#include <cstring>

#include "explain.h"
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

OutputFragments render_output_fragments(const Program& p) {
  OutputFragments f;
  f.agreement = ",\"agreement\":";
  append_json_string(&f.agreement, p.name);
  f.agreement += ",\"events\":[";
  std::vector<std::string> accepted;
  for (const Service& s : p.services) {
    std::string code = ",\"code\":";
    append_json_string(&code, s.code);
    accepted.push_back(code + ",\"status\":\"accepted\"");
    f.accepted.push_back(accepted.back());
    f.accepted_closed.push_back(accepted.back() + "}");
    f.rejected.push_back(code + ",\"status\":\"rejected\",\"violations\":[");
  }
  for (const FeeEntry& fee : p.fees) f.fee_closed.push_back(accepted[fee.service] + render_fee_json("fee", fee.split) + "}");
  for (const Rule& r : p.rules) {
    f.violation.push_back("{" + render_rule_json(r) + "}");
    f.warning.push_back("{" + render_rule_json(r) + ",\"event\":");
  }
  for (const DueItem& d : p.dues) {
    std::string head = "{\"code\":";
    append_json_string(&head, p.services[d.service].code);
    f.due_head.push_back(head + ",\"earliest\":");
    std::string tail = ",\"rule\":";
    append_json_string(&tail, d.rule);
    f.due_tail.push_back(tail + "}");
  }
  return f;
}

namespace {

// {"total":..,"subsidy":..,"patient":..}
void put_split(JsonBuffer& out, const FeeSplit& fee) {
  out.put("{\"total\":");
  out.put_money(fee.total);
  out.put(",\"subsidy\":");
  out.put_money(fee.subsidy);
  out.put(",\"patient\":");
  out.put_money(fee.patient);
  out.put('}');
}

// The one fragment from an accepted event's id to its end, when one is all it needs (the
// service's, with its fee line's where it has one), else empty. A verdict made elsewhere (the
// reference evaluator) may carry only the fee's amounts.
inline std::string_view closing_fragment(const OutputFragments& f, const std::vector<FeeEntry>& fees,
                                         const EventVerdict& ev) {
  if (!ev.has_fee) return f.accepted_closed[ev.service];
  if (ev.fee_entry < fees.size() && static_cast<int32_t>(fees[ev.fee_entry].service) == ev.service)
    return f.fee_closed[ev.fee_entry];
  return {};
}

// `,{"id":"ID"` and the event's closing fragment with one reservation, written in 16-byte moves:
// an id that needs no escape (it lies in its line, padding after it) and the event's fragment,
// which is all most events write.
void put_plain_event(JsonBuffer& out, bool first, std::string_view id, std::string_view closed) {
  static constexpr char kHead[] = ",{\"id\":\"";  // 8 bytes; the first event's starts at its '{'
  char* p = out.raw(sizeof kHead + id.size() + 16 + closed.size() + 16);
  std::memcpy(p, kHead + first, 8);
  p += 8 - first;
  p = JsonBuffer::copy16(p, id);
  *p++ = '"';
  out.commit(JsonBuffer::copy16(p, closed));
}

}  // namespace

void write_verdict_json(JsonBuffer& out, const Agreement& agreement, const PreparedHistory& h,
                        const CourseVerdict& v, const VerdictNotes* notes) {
  const OutputFragments& f = agreement.index().out;
  const std::vector<FeeEntry>& fees = agreement.program().fees;
  // A string from the fast reader is copied as it lies (JsonBuffer::put_plain_string).
  const auto put_text = [&out, plain = h.plain_strings](std::string_view text) {
    if (plain)
      out.put_plain_string(text);
    else
      out.put_string(text);
  };
  out.put("{\"id\":");
  put_text(h.id);
  out.put(f.agreement);
  for (size_t i = 0; i < h.events.size(); ++i) {
    const PreparedEvent& e = h.events[i];
    const EventVerdict& ev = v.events[i];
    if (ev.status == EventStatus::Accepted && h.plain_strings) {
      const std::string_view closed = closing_fragment(f, fees, ev);
      if (!closed.empty()) {
        put_plain_event(out, i == 0, e.id, closed);
        continue;
      }
    }
    if (i) out.put(',');
    out.put("{\"id\":");
    put_text(e.id);
    switch (ev.status) {
      case EventStatus::Accepted:
        if (const std::string_view closed = closing_fragment(f, fees, ev); !closed.empty()) {
          out.put_fragment(closed);
          continue;
        }
        out.put_fragment(f.accepted[ev.service]);
        out.put(",\"fee\":");
        put_split(out, ev.fee);
        break;
      case EventStatus::Rejected:
        out.put_fragment(f.rejected[ev.service]);
        for (uint32_t j = 0; j < ev.violation_count; ++j) {
          if (j) out.put(',');
          const std::string_view violation = f.violation[v.violations[ev.first_violation + j]];
          if (!notes) {
            out.put_fragment(violation);
            continue;
          }
          out.put(violation.substr(0, violation.size() - 1));  // all but its '}'
          out.put(',');
          out.put(notes->violations[ev.first_violation + j]);
          out.put('}');
        }
        out.put(']');
        break;
      case EventStatus::NotGoverned:
        out.put(",\"code\":");
        put_text(e.code);
        out.put(",\"status\":\"not_governed\"");
        break;
    }
    out.put('}');
  }
  out.put("],\"warnings\":[");
  for (size_t i = 0; i < v.warnings.size(); ++i) {
    if (i) out.put(',');
    out.put_fragment(f.warning[v.warnings[i].rule]);
    put_text(h.events[v.warnings[i].event].id);
    if (notes) {
      out.put(',');
      out.put(notes->warnings[i]);
    }
    out.put('}');
  }
  out.put("],\"totals\":");
  put_split(out, v.totals);
  out.put(",\"due\":[");
  for (size_t i = 0; i < v.due.size(); ++i) {
    const DueVerdict& d = v.due[i];
    if (i) out.put(',');
    out.put_fragment(f.due_head[d.due]);
    out.put_date(d.earliest);
    out.put(",\"target\":");
    out.put_date(d.target);
    if (d.has_latest) {
      out.put(",\"latest\":");
      out.put_date(d.latest);
    }
    out.put(d.overdue ? ",\"overdue\":true" : ",\"overdue\":false");
    out.put_fragment(f.due_tail[d.due]);
  }
  out.put("]}\n");
}

void append_verdict_json(std::string* out, const Agreement& agreement, const PreparedHistory& history,
                         const CourseVerdict& verdict) {
  thread_local JsonBuffer buffer;  // reused: no allocation per verdict in the steady state
  buffer.clear();
  write_verdict_json(buffer, agreement, history, verdict);
  out->append(buffer.view());
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

}  // namespace agr
