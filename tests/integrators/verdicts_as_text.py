"""The verdicts `agr run` wrote, as the example programs print them from structured verdicts:

    verdicts_as_text.py embed   AGR_RUN_OUTPUT COURSE_ID   as examples/embed.cpp prints one course
    verdicts_as_text.py summary AGR_RUN_OUTPUT             as examples/embed.c --summary prints

The install test compares the examples' output with this, so what they read through the public
headers is checked against the JSON of `agr run`, an independent path through the runtime.
"""
import json
import sys


def fee(what, split):
    return f"{what} {split['total']} (subsidy {split['subsidy']}, patient {split['patient']})"


def embed(verdict):
    out = [f"course {verdict['id']} under {verdict['agreement']}"]
    for event in verdict["events"]:
        line = f"{event['id']} {event['code']} {event['status']}"
        if "fee" in event:
            line += ", " + fee("fee", event["fee"])
        for violation in event.get("violations", []):
            line += f"\n  broke {violation['rule']}: {violation['message']}"
        out.append(line)
    for warning in verdict["warnings"]:
        out.append(f"warning {warning['rule']} on {warning['event']}: {warning['message']}")
    out.append(fee("totals", verdict["totals"]))
    for due in verdict["due"]:
        line = f"due {due['code']} from {due['earliest']}, target {due['target']}"
        if "latest" in due:
            line += f", latest {due['latest']}"
        out.append(line + (", overdue" if due["overdue"] else "") + f" ({due['rule']})")
    return "\n".join(out) + "\n"


def summary(verdict):
    if "error" in verdict:
        return f"line {verdict['error']['line']}: {verdict['error']['message']}\n"
    line = f"{verdict['id']}:"
    for i, event in enumerate(verdict["events"]):
        if event["status"] == "rejected":
            line += f" event {i + 1} broke " + " ".join(v["rule"] for v in event["violations"]) + ";"
    line += f" totals {verdict['totals']['total']}"
    for due in verdict["due"]:
        line += f"; due {due['code']} by {due['target']}" + (" (overdue)" if due["overdue"] else "")
    return line + "\n"


def main():
    mode, path = sys.argv[1], sys.argv[2]
    with open(path, encoding="utf-8") as f:
        verdicts = [json.loads(line) for line in f]
    if mode == "embed":
        [verdict] = [v for v in verdicts if v.get("id") == sys.argv[3] and "error" not in v]
        sys.stdout.write(embed(verdict))
    elif mode == "summary":
        sys.stdout.write("".join(summary(v) for v in verdicts))
    else:
        sys.exit(f"verdicts_as_text.py: unknown mode {mode}")


if __name__ == "__main__":
    main()
