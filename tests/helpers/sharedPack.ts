// One policy pack process for the test files that only need a pack to talk to: starting one, as the
// CLI does, costs seconds of CPU. Each user configures it before use (configure replaces the whole
// configuration), and mocha runs the files one after the other.

import { AnalyzerClient } from "../../policy/harness/analyzerClient";

let starting: Promise<AnalyzerClient> | undefined;

/** The shared pack, started on first use. */
export function sharedPack(): Promise<AnalyzerClient> {
    starting ??= AnalyzerClient.start();
    return starting;
}

// A root-level hook (outside any describe): runs once, after every test file.
after(async () => {
    await (await starting?.catch(() => undefined))?.close();
});
