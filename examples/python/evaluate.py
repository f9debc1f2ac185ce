"""Judges course histories with an agreement from Python: one history as a dict, a bad one, and a
file of them on every core, into a pandas DataFrame.

    PYTHONPATH=build/python /usr/bin/python3 examples/python/evaluate.py \
        agreements/lbp.agr examples/histories/lbp.jsonl
"""
import sys

import agr

agreement = agr.Agreement(sys.argv[1])  # an .agr source or a compiled .agrc
print(f"{agreement.name}: {len(agreement.services)} services, {len(agreement.rules)} rules")

# One history, as a dict; the verdict is the JSON line of `agr run`, parsed.
verdict = agreement.evaluate({
    "id": "c-1", "referral_date": "2025-09-01", "clinic": "K1",
    "events": [{"id": "e1", "date": "2025-09-03", "code": "0262"},
               {"id": "e2", "date": "2025-10-01", "code": "0261"}]})
for event in verdict["events"]:
    rules = [violation["rule"] for violation in event.get("violations", [])]
    print(event["id"], event["code"], event["status"], event.get("fee", {}).get("total", ""), *rules)
print("due:", [(due["code"], due["target"]) for due in verdict["due"]])

# A history that breaks the input contract raises HistoryError with the library's message.
try:
    agreement.evaluate({"id": "c-2", "events": [{"id": "e1", "date": "2025-02-30", "code": "0261"}]})
except agr.HistoryError as error:
    print("c-2:", error)

# A file of histories on every core: the lines `agr run` writes, then one row per event.
with open(sys.argv[2], "rb") as histories:
    lines = agreement.run(histories)
frame = agr.to_frame(lines)
print(frame.groupby("status").size().to_string())
print("subsidy of accepted events:", frame.fee_subsidy.dropna().sum())
