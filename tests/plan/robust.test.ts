// A plan survives the program it runs: a program that fails is told from one that refuses the
// stack's config, a program that never finishes is stopped, a program that prints keeps the
// JSON plan valid, an interrupted plan leaves no process behind, and a stack name is only a name.
import * as assert from "node:assert/strict";
import { spawn } from "node:child_process";
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { plan } from "../../tools/plan";
import { readStackConfig, StackFileError, stackNameProblem } from "../../tools/stackFiles";
import { renderMarkdownHtml } from "../helpers/markdown";
import { PlanRun, PROJECT_DIR, runPlan } from "../helpers/runPlan";

const FIXTURE = path.join(PROJECT_DIR, "tests/fixtures/misbehaving-program");
const program = (stack: string, ...more: string[]) => [stack, "--program", FIXTURE, ...more];
const NO_TRACE = /^\s+at .+:\d+:\d+\)?$/m;

describe("npm run plan on a misbehaving program", function () {
    const runs: Record<string, PlanRun> = {};
    let brokenDir: string;
    before(async function () {
        // A program that does not compile (kept out of the project's own typecheck and lint).
        brokenDir = fs.mkdtempSync(path.join(os.tmpdir(), "keyless-broken-"));
        for (const file of ["Pulumi.yaml", "package.json", "Pulumi.behave.yaml"]) fs.copyFileSync(path.join(FIXTURE, file), path.join(brokenDir, file));
        fs.writeFileSync(path.join(brokenDir, "index.ts"), "export = async () => {\n    const x: number = ;\n");
        const commands: Record<string, string[]> = {
            throws: program("throw"),
            throwsMarkdown: program("throw", "--format", "markdown"),
            refuses: program("refuse"),
            exits: program("exit", "--format", "json"),
            missesAModule: program("miss-a-module"),
            doesNotCompile: ["behave", "--program", brokenDir],
            logsJson: program("log", "--format", "json"),
            hangs: program("hang", "--timeout", "2"),
            pathLikeStack: ["x/../../evil"],
            dottedStack: [".."],
            missingPolicyConfig: program("hang", "--policy-config", path.join(brokenDir, "no-such-config.json")),
            badTimeout: program("behave", "--timeout", "soon"),
        };
        await Promise.all(Object.entries(commands).map(async ([name, args]) => (runs[name] = await runPlan(args))));
    });
    after(() => fs.rmSync(brokenDir, { recursive: true, force: true }));

    it("reports a program that throws as the program failing (exit 2), with its stack trace, not as a refused config", () => {
        const { exitCode, stdout } = runs.throws;
        assert.equal(exitCode, 2, stdout);
        assert.match(stdout, /the program failed, so nothing can be planned/);
        assert.match(stdout, /TypeError: Cannot read properties of undefined[\s\S]*index\.ts:\d+/);
        assert.doesNotMatch(stdout, /refused/);
    });

    it("says so in the Markdown comment, the error in a code block", () => {
        const { exitCode, stdout } = runs.throwsMarkdown;
        assert.equal(exitCode, 2, stdout);
        assert.match(stdout, /^### :x: keyless plan: misbehaving\/throw\n\nThe program failed, so nothing can be planned:\n\n```\nTypeError: Cannot read properties/);
        assert.match(renderMarkdownHtml(stdout), /<pre><code>TypeError: Cannot read properties of undefined \(reading 'name'\)\n {4}at /);
    });

    it("reports a RunError as the program refusing the stack's config (exit 1), without a trace", () => {
        const { exitCode, stdout } = runs.refuses;
        assert.equal(exitCode, 1, stdout);
        assert.match(stdout, /the program refused this stack's config[\s\S]*misbehaving:does: this stack's config is refused/);
        assert.doesNotMatch(stdout, NO_TRACE);
    });

    it("reports a program that calls process.exit as failing, in the format asked for", () => {
        const { exitCode, stdout } = runs.exits;
        assert.equal(exitCode, 2, stdout);
        const failure = JSON.parse(stdout) as { failed?: string; refused?: string };
        assert.match(failure.failed ?? "", /the program ended the process \(exit code \d+\) before it finished/);
        assert.equal(failure.refused, undefined);
    });

    it("reports a missing module and a program that does not compile as the program failing", () => {
        assert.equal(runs.missesAModule.exitCode, 2, runs.missesAModule.stdout);
        assert.match(runs.missesAModule.stdout, /the program failed[\s\S]*Cannot find module '\.\/no-such-module'/);
        assert.equal(runs.doesNotCompile.exitCode, 2, runs.doesNotCompile.stdout);
        assert.match(runs.doesNotCompile.stdout, /the program failed[\s\S]*(Unable to compile TypeScript|Expression expected)/);
    });

    it("keeps --format json valid when the program writes to stdout, and passes its output on to stderr", () => {
        const { exitCode, stdout, stderr } = runs.logsJson;
        assert.notEqual(exitCode, 2, stderr);
        // Larger than a pipe's buffer: written whole before the plan exits.
        assert.ok(stdout.length > 65_536, `${stdout.length} bytes`);
        const report = JSON.parse(stdout) as { roles: { roleName: string }[] };
        assert.equal(report.roles.length, 250);
        assert.ok(report.roles.some((role) => role.roleName === "misbehaving-deploy-249"));
        assert.match(stderr, /the program says hello on stdout\n\{ not json/);
    });

    it("stops a program that never finishes after --timeout, and says so", () => {
        const { exitCode, stdout } = runs.hangs;
        assert.equal(exitCode, 2, stdout);
        assert.match(stdout, /the program did not finish within 2 s and was stopped \(raise the limit with --timeout <seconds>/);
    });

    it("refuses a path-like stack name before reading any file", () => {
        for (const run of [runs.pathLikeStack, runs.dottedStack]) {
            assert.equal(run.exitCode, 2);
            assert.match(run.stderr, /is not a stack name: stack names may only contain letters, digits, hyphens, underscores and periods/);
            assert.doesNotMatch(run.stderr, /no stack named|cannot read/);
        }
    });

    it("fails on a missing --policy-config before running the program, without a stack trace", () => {
        // The stack's program never finishes: only a check made before running it can end the plan.
        const { exitCode, stdout, stderr } = runs.missingPolicyConfig;
        assert.equal(exitCode, 2, stdout);
        assert.match(stderr, /^plan: --policy-config: cannot read .*no-such-config\.json: ENOENT\n$/);
        assert.doesNotMatch(stdout + stderr, /did not finish/);
    });

    it("rejects a --timeout that is not a number of seconds", () => {
        assert.equal(runs.badTimeout.exitCode, 2);
        assert.match(runs.badTimeout.stderr, /--timeout must be a positive number of seconds, not "soon"/);
    });
});

describe("stack names", () => {
    it("accepts what the Pulumi CLI accepts and refuses anything else", () => {
        for (const name of ["dev", "prod", "eu-west-1.prod", "feature_x", "a".repeat(100)]) assert.equal(stackNameProblem(name), undefined, name);
        for (const name of ["", "x/../../evil", "../prod", "acme/prod", "prod yaml", "..", ".", "a".repeat(101), "prod\n"]) {
            assert.match(stackNameProblem(name) ?? "", /is not a stack name/, JSON.stringify(name));
        }
    });

    it("are checked by the stack file reader itself", () => {
        assert.throws(() => readStackConfig(FIXTURE, "../misbehaving-program/Pulumi.behave"), StackFileError);
    });
});

describe("the plan's processes", function () {
    it("stays free to read the pack's port while a busy program runs: the pack's start timer does not race the program", async function () {
        // The program spins for 8 s without yielding. Run in the plan's own process, it would hold
        // the plan's event loop (and the pack's start timer with the port it waits for) as long.
        let last = Date.now();
        let longestStall = 0;
        const ticker = setInterval(() => {
            longestStall = Math.max(longestStall, Date.now() - last);
            last = Date.now();
        }, 100);
        try {
            const outcome = await plan({ stack: "busy", programDir: FIXTURE, format: "json" });
            assert.notEqual(outcome.exitCode, 2, outcome.output);
            assert.deepEqual(
                outcome.report?.roles.map((role) => role.roleName),
                ["misbehaving-deploy"],
            );
        } finally {
            clearInterval(ticker);
        }
        assert.ok(longestStall < 4_000, `the plan's event loop stalled for ${longestStall} ms`);
    });

    for (const signal of ["SIGTERM", "SIGINT"] as const) {
        it(`stops the program's process and the pack's on ${signal}`, async function () {
            const child = spawn(process.execPath, ["--require", "ts-node/register/transpile-only", "tools/plan.ts", "hang", "--program", FIXTURE], {
                cwd: PROJECT_DIR,
                stdio: ["ignore", "pipe", "pipe"],
            });
            let stderr = "";
            child.stderr.on("data", (chunk: Buffer) => (stderr += chunk.toString()));
            const exited = new Promise<number | null>((resolve) => child.once("exit", (code) => resolve(code)));
            const children = await waitForChildren(child.pid!, 2, 30_000);
            child.kill(signal);
            const code = await exited;
            assert.equal(code, signal === "SIGTERM" ? 143 : 130, stderr);
            assert.match(stderr, new RegExp(`plan: ${signal}: stopping the program and the policy pack`));
            for (const pid of children) assert.ok(await gone(pid, 10_000), `process ${pid} is still running after ${signal}`);
        });
    }
});

/** The processes whose parent is `pid` (Linux /proc), once there are at least `count`. */
async function waitForChildren(pid: number, count: number, timeoutMs: number): Promise<number[]> {
    const deadline = Date.now() + timeoutMs;
    for (;;) {
        const children = fs
            .readdirSync("/proc")
            .filter((entry) => /^\d+$/.test(entry))
            .filter((entry) => {
                try {
                    return new RegExp(`^PPid:\\s+${pid}$`, "m").test(fs.readFileSync(`/proc/${entry}/status`, "utf8"));
                } catch {
                    return false;
                }
            })
            .map(Number);
        if (children.length >= count) {
            // Let both finish starting, so that the signal finds them running.
            await new Promise((resolve) => setTimeout(resolve, 3_000));
            return children;
        }
        if (Date.now() > deadline) throw new Error(`plan ${pid} started ${children.length} of ${count} child processes`);
        await new Promise((resolve) => setTimeout(resolve, 200));
    }
}

async function gone(pid: number, timeoutMs: number): Promise<boolean> {
    const deadline = Date.now() + timeoutMs;
    while (Date.now() < deadline) {
        try {
            const state = /^State:\s+(\w)/m.exec(fs.readFileSync(`/proc/${pid}/status`, "utf8"))?.[1];
            if (state === "Z") return true;
        } catch {
            return true;
        }
        await new Promise((resolve) => setTimeout(resolve, 100));
    }
    return false;
}
