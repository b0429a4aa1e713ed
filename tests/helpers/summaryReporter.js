// Mocha's spec reporter, plus a machine-readable summary for .ci/run: when TEST_SUMMARY_FILE is
// set, the counts of passed, failed and pending tests are written there as JSON at the end.
"use strict";
const fs = require("fs");
const Mocha = require("mocha");

class SummaryReporter extends Mocha.reporters.Spec {
    constructor(runner, options) {
        super(runner, options);
        runner.once(Mocha.Runner.constants.EVENT_RUN_END, () => {
            const file = process.env.TEST_SUMMARY_FILE;
            if (!file) return;
            const { passes, failures, pending } = runner.stats;
            fs.writeFileSync(file, JSON.stringify({ passed: passes, failed: failures, pending }));
        });
    }
}

module.exports = SummaryReporter;
