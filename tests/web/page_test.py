"""The authors' page in a real browser: Debian's headless Chromium, driven over the DevTools
protocol (cdp.py), against a running `agr serve`.

    page_test.py AGR SOURCE_DIR WORK_DIR

An author types an agreement with an error and finds the diagnostic; opens the bundled LBP
agreement and its example histories and finds the rejected event's rule on the timeline; raises a
limit and sees the verdict change. Screenshots go to WORK_DIR (page-*.png).
"""

import json
import os
import sys
import unittest

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "server"))
from agr_serve import AgrServer  # noqa: E402
from cdp import Browser  # noqa: E402

AGR, SOURCE_DIR, WORK_DIR = sys.argv[1:4]
del sys.argv[1:4]

BROKEN = """agreement knee "Knæ"

service 0301 "Indledende konsultation"
service 0302 "Træning"

rule KNE-1 for 0303
  require count(0302) < 6
  message "Højst 6 træninger."
  source "Træning kan højst gives 6 gange."
"""


def js(value):
    return json.dumps(value)


class Page(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        os.makedirs(WORK_DIR, exist_ok=True)
        cls.server = AgrServer(AGR, [os.path.join(SOURCE_DIR, "agreements")], log_dir=WORK_DIR)
        cls.browser = Browser(os.environ.get("AGR_CHROMIUM", "/usr/bin/chromium"),
                              log_path=os.path.join(WORK_DIR, "chromium.log"))
        cls.browser.open(f"http://127.0.0.1:{cls.server.port}/")
        cls.browser.wait_for("document.querySelector('#check-status').textContent.includes('compiles')",
                             what="the loaded agreement to be checked")

    @classmethod
    def tearDownClass(cls):
        cls.browser.close()
        status = cls.server.stop()
        assert status == 0, cls.server.log()

    def shot(self, name):
        self.browser.screenshot(os.path.join(WORK_DIR, f"page-{name}.png"))

    def set_source(self, text):
        """Focuses the editor, selects everything and types `text` over it."""
        b = self.browser
        b.evaluate("(() => { const t = document.querySelector('.editor-input'); t.focus(); t.select(); })()")
        b.type_text(text)

    def test_1_an_agreement_with_an_error_shows_its_diagnostic(self):
        b = self.browser
        b.evaluate("(() => { const p = document.querySelector('#agreement-picker'); p.value = '';"
                   " p.dispatchEvent(new Event('change')); })()")
        b.wait_for("document.querySelector('.editor-input').value.includes('agreement draft')", what="the template")
        b.wait_for("document.querySelector('#check-status').textContent.includes('compiles')")
        self.set_source(BROKEN)
        problem = b.wait_for("document.querySelector('#problems .diag-error')?.textContent",
                             what="the diagnostic in the problem list")
        self.assertIn("6:16", problem)  # line 6, column 16: the code 0303, which is not declared
        self.assertIn("unknown service code or group '0303'", problem)
        self.assertIn("did you mean", problem)
        self.assertIn("1 error", b.evaluate("document.querySelector('#check-status').textContent"))
        # Under the line: the code is underlined, and the gutter marks line 6.
        self.assertEqual(b.evaluate("document.querySelector('.mark-error').textContent"), "0303")
        self.assertEqual(b.evaluate("document.querySelector('.gutter-has-error').textContent"), "✕6")
        # F8 takes the caret to the problem, and the status line under the editor names it.
        b.evaluate("document.querySelector('.editor-input').setSelectionRange(0, 0)")
        b.press("F8", 119)
        start = b.evaluate("document.querySelector('.editor-input').selectionStart")
        self.assertEqual(BROKEN[start:start + 4], "0303")
        self.assertIn("unknown service code", b.evaluate("document.querySelector('#caret-status').textContent"))
        # Hovering the underlined code shows the message beside it.
        box = b.evaluate("(() => { const r = document.querySelector('.mark-error').getBoundingClientRect();"
                         " return [r.left + r.width / 2, r.top + r.height / 2]; })()")
        b.mouse_move(*box)
        tip = b.wait_for("!document.querySelector('.editor-tooltip').hidden && document.querySelector('.editor-tooltip').textContent",
                         what="the tooltip over the mark")
        self.assertIn("unknown service code or group '0303'", tip)
        self.shot("diagnostic")
        # Fixing the code clears it.
        start = b.evaluate("document.querySelector('.editor-input').value.indexOf('for 0303') + 4")
        b.evaluate(f"document.querySelector('.editor-input').setSelectionRange({start}, {start + 4})")
        b.type_text("0302")
        b.wait_for("document.querySelector('#check-status').textContent.includes('compiles')")
        self.assertEqual(b.evaluate("document.querySelectorAll('.mark').length"), 0)

    def test_2_the_rejected_events_rule_is_on_the_timeline(self):
        b = self.browser
        b.evaluate("(() => { const p = document.querySelector('#agreement-picker'); p.value = 'lbp';"
                   " p.dispatchEvent(new Event('change')); })()")
        b.wait_for("document.querySelector('.editor-input').value.includes('agreement lbp')", what="lbp's source")
        b.wait_for("document.querySelectorAll('.course-tab').length === 5", what="the five example courses")
        b.evaluate("[...document.querySelectorAll('.course-tab')].find(t => t.textContent.includes('c-18')).click()")
        row = b.wait_for("(() => { const r = [...document.querySelectorAll('.tl-row.tl-rejected')]"
                         ".find(r => r.textContent.includes('LBP-5')); return r && r.textContent; })()",
                         what="the rejected e8 on the timeline")
        self.assertIn("2025-10-22", row)
        self.assertIn("0263", row)
        self.assertIn("rejected", row)  # a word, not only a colour
        # Dates in order, the course's start and end marked, the due item as a window.
        dates = b.evaluate("[...document.querySelectorAll('.tl-rows')[0].querySelectorAll('.tl-date')].map(d => d.textContent)")
        self.assertEqual(dates, sorted(dates))
        labels = b.evaluate("[...document.querySelectorAll('.guide-label')].map(l => l.textContent)")
        self.assertEqual(labels, ["referral", "course start", "course end", "as of"])
        self.assertIn("0268", b.evaluate("document.querySelector('.tl-due').textContent"))
        self.assertEqual(b.evaluate("document.querySelectorAll('.tl-due .window').length"), 1)
        self.assertIn("2344.44", b.evaluate("document.querySelector('.tl-totals').textContent"))
        # Keyboard: focus the row and press Enter; the rule, its message and its source appear.
        b.evaluate("[...document.querySelectorAll('.tl-row.tl-rejected')].find(r => r.textContent.includes('LBP-5')).focus()")
        tip = b.wait_for("!document.querySelector('#tooltip').hidden && document.querySelector('#tooltip').textContent")
        self.assertIn("LBP-5", tip)
        b.press("Enter", 13, text="\r")
        details = b.wait_for("document.querySelector('#details').textContent.includes('e8') && document.querySelector('#details').textContent")
        self.assertIn("LBP-5", details)
        self.assertIn("Patient education (0263 and 0265 together) may be used at most twice per course.", details)
        self.assertIn("Patientuddannelse (0263/0265) kan tilsammen maksimalt anvendes 2 gange", details)
        # The rule's source line in the agreement, one click away.
        b.evaluate("document.querySelector('#details [data-line]').click()")
        selected = b.evaluate("(() => { const t = document.querySelector('.editor-input');"
                              " return t.value.slice(t.selectionStart, t.selectionEnd); })()")
        self.assertEqual(selected, "rule LBP-5 for education")

    def test_3_raising_a_limit_changes_the_verdict(self):
        b = self.browser
        b.wait_for("document.querySelector('.course-tab[aria-selected=true]').textContent.includes('c-18')")
        start = b.evaluate("document.querySelector('.editor-input').value.indexOf('count(education) < 2') + 19")
        b.evaluate(f"(() => {{ const t = document.querySelector('.editor-input'); t.focus();"
                   f" t.setSelectionRange({start}, {start + 1}); }})()")
        b.type_text("3")
        changed = b.wait_for("document.querySelector('#changes .summary-changed')?.textContent",
                             what="the comparison with the loaded agreement")
        self.assertEqual(changed, "compared 5 courses: 1 changed")
        changes = b.evaluate("document.querySelector('#changes').textContent")
        self.assertIn("e8 (0263): ✕ rejected by LBP-5 → ✓ accepted", " ".join(changes.split()))
        row = b.evaluate("(() => { const r = document.querySelector('.tl-row[data-event=\"7\"]');"
                         " return [r.className, r.textContent]; })()")
        self.assertIn("tl-accepted", row[0])
        self.assertIn("tl-changed", row[0])
        self.assertIn("was ✕ rejected · LBP-5", " ".join(row[1].split()))
        self.assertIn("was 2344.44", b.evaluate("document.querySelector('.tl-totals').textContent"))
        self.assertIn("changed", b.evaluate("document.querySelector('.course-tab[aria-selected=true]').textContent"))
        b.evaluate("document.querySelector('.tl-row[data-event=\"7\"]').click()")
        b.wait_for("document.querySelector('#details').textContent.includes('Before the edit')")
        self.shot("timeline")


if __name__ == "__main__":
    unittest.main(verbosity=2)
