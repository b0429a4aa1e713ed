// The suite does not depend on which stack files exist: in a copy of the project where a team did
// what the documentation allows (added a `staging` stack copied by hand, with its own account and
// values, and deleted `Pulumi.prod.yaml`; or removed every stack file), the tests that check the
// project's stack files, and the adoption tests, still pass. They run there in a mocha of their
// own, on those files only.
import * as assert from "node:assert/strict";
import { execFile } from "node:child_process";
import * as fs from "node:fs";
import * as path from "node:path";
import { promisify } from "node:util";
import { copyProject, handCopyStack } from "../helpers/projectCopy";
import { FIXTURE_STACKS } from "../helpers/runStack";
import { listStacks } from "../../tools/stackFiles";

/** Test files whose checks run over the project's own Pulumi.<stack>.yaml files (listStacks), and the adoption tests. */
const GENERIC_TEST_FILES = [
    "tests/adoption/userStacks.test.ts",
    "tests/adoption/otherOrganisation.test.ts",
    "tests/adoption/readme.test.ts",
    "tests/program/configMistakes.test.ts",
    "tests/program/iamQuotas.test.ts",
    "tests/program/permissionsBoundary.test.ts",
];

interface MochaReport {
    readonly stats: { readonly passes: number; readonly failures: number; readonly pending: number };
    readonly passes: readonly { readonly fullTitle: string }[];
    readonly failures: readonly { readonly fullTitle: string; readonly err: { readonly message?: string } }[];
}

/** Runs mocha on `files` in `dir` and returns its JSON report. */
async function mochaIn(dir: string, files: readonly string[]): Promise<MochaReport> {
    const report = path.join(dir, "mocha-report.json");
    const mocha = path.join(dir, "node_modules/mocha/bin/mocha.js");
    const args = [mocha, "--no-config", "--require", "ts-node/register/transpile-only", "--extension", "ts", "--timeout", "180000", "--reporter", "json", "--reporter-option", `output=${report}`, ...files];
    const env: NodeJS.ProcessEnv = { ...process.env };
    delete env.TEST_SUMMARY_FILE;
    let output = "";
    try {
        output = (await promisify(execFile)(process.execPath, args, { cwd: dir, env, maxBuffer: 64 * 1024 * 1024 })).stderr;
    } catch (error) {
        output = String((error as { stderr?: string }).stderr ?? error);
    }
    assert.ok(fs.existsSync(report), `mocha wrote no report in ${dir}:\n${output}`);
    return JSON.parse(fs.readFileSync(report, "utf8")) as MochaReport;
}

function assertGreen(report: MochaReport): void {
    const failures = report.failures.map((failure) => `${failure.fullTitle}: ${failure.err.message ?? ""}`);
    assert.deepEqual(failures, []);
    assert.ok(report.stats.passes > 0);
}

describe("the tests, on another set of stack files", function () {
    let dir: string;
    before(() => {
        dir = copyProject("keyless-any-stacks-");
    });
    after(() => {
        if (dir) fs.rmSync(dir, { recursive: true, force: true });
    });

    it("pass with a hand-copied staging stack in another account and no Pulumi.prod.yaml", async function () {
        this.timeout(600_000);
        fs.rmSync(path.join(dir, "Pulumi.prod.yaml"), { force: true });
        // As a team would: from one of its own stack files (the fixture dev when it has none), with
        // its own environment, account and repositories, in the same organisation.
        const own = listStacks(dir).filter((stack) => stack !== "staging");
        const source = own.length > 0 ? path.join(dir, `Pulumi.${own[0]}.yaml`) : path.join(FIXTURE_STACKS, "Pulumi.dev.yaml");
        handCopyStack(dir, source, { stack: "staging", environment: "staging", accountId: "333333333333", seed: 3 });
        assert.ok(listStacks(dir).includes("staging") && !listStacks(dir).includes("prod"));
        const report = await mochaIn(dir, GENERIC_TEST_FILES);
        assertGreen(report);
        // The generic checks did look at the new stack.
        assert.ok(report.passes.some((test) => /Pulumi\.staging\.yaml plans/.test(test.fullTitle)), "no plan of Pulumi.staging.yaml ran");
    });

    it("pass with no stack file at all", async function () {
        this.timeout(600_000);
        for (const stack of listStacks(dir)) fs.rmSync(path.join(dir, `Pulumi.${stack}.yaml`));
        assertGreen(await mochaIn(dir, ["tests/adoption/userStacks.test.ts", "tests/program/configMistakes.test.ts", "tests/program/iamQuotas.test.ts", "tests/program/permissionsBoundary.test.ts"]));
    });
});
