// `npm run bench:plan [-- 10 100 1000] [--no-github-calls | --github-calls-only]`: time and peak memory of `npm run plan`
// on synthetic stacks of N repository entries (the keyless program, one lambda role and environment
// per entry), then the GitHub API calls a preview and a drift refresh of each stack make. CPU seconds (user and system, all processes) tell more than wall time on a busy machine.
// Memory is the peak resident size of the plan's whole process tree (the plan, the
// program's process and the policy pack's), sampled from /proc every 50 ms: Linux only.

import { spawn } from "child_process";
import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import type { GithubWorld } from "../offlineGithub";
import { countByKind, countsAgainstBudget, githubCallsOf, installationBudget, refreshReadsOf, repeatedQuestions } from "../githubCalls";
import { runProgram } from "../programRunner";
import { readStackConfig } from "../stackFiles";

const PROJECT_DIR = path.resolve(__dirname, "../..");

function syntheticProject(entries: number): string {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), "keyless-bench-"));
    fs.copyFileSync(path.join(PROJECT_DIR, "tests/fixtures/keyless-config-cases/Pulumi.yaml"), path.join(dir, "Pulumi.yaml"));
    fs.writeFileSync(path.join(dir, "package.json"), JSON.stringify({ name: "keyless-bench", private: true, main: "index.ts" }));
    fs.writeFileSync(path.join(dir, "index.ts"), `import keyless from ${JSON.stringify(path.join(PROJECT_DIR, "index"))};\nexport = keyless;\n`);
    const repositories = Array.from({ length: entries }, (_, index) => {
        const name = `service-${String(index).padStart(4, "0")}`;
        return [`    - name: ${name}`, "      subjectFormat: legacy", "      permissions:", "        lambda:", `          functions: [${name}, ${name}-worker]`].join("\n");
    });
    const stack = [
        "config:",
        "  aws:region: eu-west-1",
        "  github:owner: acme",
        '  keyless:accountId: "333333333333"',
        "  keyless:environment: prod",
        "  keyless:reviewerUsers: [octo-lead]",
        "  keyless:deploymentBranches: [main, release/*]",
        "  keyless:permissionsBoundaryArn: arn:aws:iam::333333333333:policy/github-actions-boundary",
        "  keyless:repositories:",
        ...repositories,
        "",
    ].join("\n");
    fs.writeFileSync(path.join(dir, "Pulumi.bench.yaml"), stack);
    return dir;
}

/** User plus system CPU seconds a process has used so far (/proc/<pid>/stat, fields 14 and 15). */
function cpuSeconds(pid: number): number {
    try {
        const fields = fs.readFileSync(`/proc/${pid}/stat`, "utf8").replace(/^.*\) /, "").split(" ");
        return (Number(fields[11]) + Number(fields[12])) / 100;
    } catch {
        return 0;
    }
}

/** Which of the plan's processes `pid` is, from its command line. */
function processRole(pid: number): string {
    try {
        const command = fs.readFileSync(`/proc/${pid}/cmdline`, "utf8");
        return command.includes("programWorker") ? "program" : command.includes("run-policy-pack") ? "pack" : command.includes("tools/plan.ts") ? "plan" : "other";
    } catch {
        return "other";
    }
}

function residentKb(pid: number): number {
    try {
        return Number(/^VmRSS:\s+(\d+) kB$/m.exec(fs.readFileSync(`/proc/${pid}/status`, "utf8"))?.[1] ?? 0);
    } catch {
        return 0;
    }
}

/** `pid` and every process below it. */
function tree(pid: number): number[] {
    const children = new Map<number, number[]>();
    for (const entry of fs.readdirSync("/proc")) {
        if (!/^\d+$/.test(entry)) continue;
        try {
            const parent = Number(/^PPid:\s+(\d+)$/m.exec(fs.readFileSync(`/proc/${entry}/status`, "utf8"))?.[1]);
            children.set(parent, [...(children.get(parent) ?? []), Number(entry)]);
        } catch {
            // gone meanwhile
        }
    }
    const all: number[] = [];
    const visit = (id: number) => {
        all.push(id);
        for (const child of children.get(id) ?? []) visit(child);
    };
    visit(pid);
    return all;
}

type Role = "plan" | "program" | "pack";

interface Measure {
    readonly seconds: number;
    readonly cpuSeconds: number;
    readonly split: Record<Role, number>;
    /** Peak of the sum over the whole tree, sampled at once. */
    readonly peakMb: number;
    /** Each process's own peak (they need not peak together). */
    readonly peakMbOf: Record<Role, number>;
    readonly roles: number;
    readonly exitCode: number | null;
}

async function measure(entries: number, extraArgs: readonly string[]): Promise<Measure> {
    const dir = syntheticProject(entries);
    try {
        const started = process.hrtime.bigint();
        const output = path.join(dir, "plan.json");
        const outputFd = fs.openSync(output, "w");
        const child = spawn(process.execPath, ["--require", "ts-node/register/transpile-only", "tools/plan.ts", "bench", "--program", dir, "--format", "json", "--timeout", "3600", ...extraArgs], {
            cwd: PROJECT_DIR,
            stdio: ["ignore", outputFd, "inherit"],
        });
        fs.closeSync(outputFd);
        let peakKb = 0;
        const peakKbOf: Record<Role, number> = { plan: 0, program: 0, pack: 0 };
        // CPU time per process, as last seen (a process's last 50 ms may be missed).
        const cpu = new Map<number, number>();
        const roleOf = new Map<number, string>();
        const sampler = setInterval(() => {
            const pids = tree(child.pid!);
            const residentOf: Record<Role, number> = { plan: 0, program: 0, pack: 0 };
            let total = 0;
            for (const pid of pids) {
                cpu.set(pid, Math.max(cpu.get(pid) ?? 0, cpuSeconds(pid)));
                // Read each time: a process just spawned still shows its parent's command line.
                const role = processRole(pid);
                if (role !== "other") roleOf.set(pid, role);
                const resident = residentKb(pid);
                total += resident;
                const known = roleOf.get(pid);
                if (known === "plan" || known === "program" || known === "pack") residentOf[known] += resident;
            }
            peakKb = Math.max(peakKb, total);
            for (const role of ["plan", "program", "pack"] as const) peakKbOf[role] = Math.max(peakKbOf[role], residentOf[role]);
        }, 50);
        const exitCode = await new Promise<number | null>((resolve) => child.once("close", resolve));
        clearInterval(sampler);
        const seconds = Number(process.hrtime.bigint() - started) / 1e9;
        let roles = -1;
        try {
            roles = (JSON.parse(fs.readFileSync(output, "utf8")) as { roles: unknown[] }).roles.length;
        } catch {
            // reported below as a failed run
        }
        const cpuTotal = [...cpu.values()].reduce((sum, value) => sum + value, 0);
        const split: Record<Role, number> = { plan: 0, program: 0, pack: 0 };
        for (const [pid, seconds_] of cpu) {
            const role = roleOf.get(pid);
            if (role === "program" || role === "pack" || role === "plan") split[role] += seconds_;
        }
        const peakMbOf = { plan: peakKbOf.plan / 1024, program: peakKbOf.program / 1024, pack: peakKbOf.pack / 1024 };
        return { seconds, cpuSeconds: cpuTotal, split, peakMb: peakKb / 1024, peakMbOf, roles, exitCode };
    } finally {
        fs.rmSync(dir, { recursive: true, force: true });
    }
}

/** The GitHub the synthetic stack is valid in: its repositories private, on Enterprise, the reviewer able to read them all. */
function syntheticWorld(entries: number): GithubWorld {
    const names = Array.from({ length: entries }, (_, index) => `service-${String(index).padStart(4, "0")}`);
    return {
        owner: { login: "acme", id: 4242, type: "Organization", plan: "enterprise" },
        repositories: names.map((name, index) => ({ name, id: 70000 + index, visibility: "private", subjectFormat: "legacy" })),
        users: [{ login: "octo-lead", id: 9000, permissions: Object.fromEntries(names.map((name) => [name, "write" as const])) }],
        // More than any installation has, so that the program's up-front budget check (an upper
        // bound per entry) lets the run through and the calls it really makes can be counted.
        rateLimit: { limit: 100_000, remaining: 100_000, reset: 1_893_456_000 },
    };
}

const percent = (part: number, whole: number) => `${((100 * part) / whole).toFixed(1)}%`;

/**
 * What a preview of the stack asks GitHub (the program's data-source calls against the offline
 * GitHub, in a process of its own as the plan runs it) and what a drift refresh reads, against the
 * installation's hourly budget (tools/githubCalls.ts).
 */
async function githubCalls(entries: number): Promise<string[]> {
    const dir = syntheticProject(entries);
    try {
        const stack = readStackConfig(dir, "bench");
        const result = await runProgram(
            { programDir: dir, project: stack.project, stack: "bench", config: stack.values, secretKeys: stack.secretKeys, accountId: "333333333333", github: syntheticWorld(entries) },
            { timeoutMs: 3_600_000 },
        );
        if (result.kind === "failed" || result.run.error !== undefined) return [`  the program failed: ${result.kind === "failed" ? result.message : result.run.error}`];
        const asked = githubCallsOf(result.run.invokes);
        const calls = asked.filter(countsAgainstBudget);
        const reads = refreshReadsOf(result.run.resources);
        const repeats = repeatedQuestions(asked);
        // The installation covers the stack's repositories; its organisation's users are not known here (20 or fewer assumed).
        const budget = installationBudget({ repositories: entries, users: 0, enterpriseCloud: false });
        const lines = [
            `  preview: ${calls.length} GitHub calls that count against the budget, ${(calls.length / entries).toFixed(2)} per repository` +
                `${repeats.length > 0 ? `, ${repeats.length} REPEATED` : ", none repeated"} (and ${asked.length - calls.length} GET rate_limit, which is free)`,
            ...countByKind(calls).map(([kind, count]) => `    ${String(count).padStart(6)}  ${kind}`),
            `  drift refresh (preview --refresh): ${reads.length} reads (one GET per GitHub resource) + the preview's ${calls.length} = ${reads.length + calls.length}`,
            ...countByKind(reads).map(([kind, count]) => `    ${String(count).padStart(6)}  ${kind}`),
            `  share of the installation's hourly budget: preview ${percent(calls.length, 5000)} of 5,000, ${percent(calls.length, budget)} of ${budget.toLocaleString("en")} ` +
                `(${entries} repositories); drift ${percent(reads.length + calls.length, 5000)} of 5,000, ${percent(reads.length + calls.length, budget)} of ${budget.toLocaleString("en")}, ` +
                `${percent(reads.length + calls.length, 15_000)} of Enterprise Cloud's 15,000`,
        ];
        return lines;
    } finally {
        fs.rmSync(dir, { recursive: true, force: true });
    }
}

async function main(): Promise<void> {
    const args = process.argv.slice(2);
    const sizes = args.filter((arg) => /^\d+$/.test(arg)).map(Number);
    const extra = args.filter((arg) => !/^\d+$/.test(arg));
    const planArgs = extra.filter((arg) => arg !== "--no-github-calls" && arg !== "--github-calls-only");
    if (extra.includes("--github-calls-only")) {
        for (const entries of sizes.length > 0 ? sizes : [10, 100, 1000]) {
            console.log(`GitHub API calls of the ${entries}-entry stack:`);
            for (const line of await githubCalls(entries)) console.log(line);
        }
        return;
    }
    console.log(`npm run plan on synthetic stacks (${os.cpus().length} CPUs, Node.js ${process.version})`);
    console.log(`load average ${os.loadavg()[0].toFixed(1)}; CPU seconds of the plan, the program's process and the pack's; peak MB of all three`);
    console.log("the ratio is to the first size's time; peak MB of all three at once, then of each (plan, program, pack)");
    console.log("entries   seconds   ratio   CPU seconds (plan + program + pack)   peak MB (plan, program, pack)");
    let first: number | undefined;
    for (const entries of sizes.length > 0 ? sizes : [10, 100, 1000]) {
        const result = await measure(entries, planArgs);
        if (result.roles !== entries) {
            console.log(`${String(entries).padStart(7)}   the plan failed (exit ${result.exitCode}, ${result.roles} roles)`);
            process.exitCode = 1;
            continue;
        }
        first ??= result.seconds;
        const { plan, program, pack } = result.split;
        const cpu = `${result.cpuSeconds.toFixed(1)} (${plan.toFixed(1)} + ${program.toFixed(1)} + ${pack.toFixed(1)})`;
        const of = result.peakMbOf;
        const memory = `${result.peakMb.toFixed(0)} (${of.plan.toFixed(0)}, ${of.program.toFixed(0)}, ${of.pack.toFixed(0)})`;
        const ratio = `${(result.seconds / first).toFixed(1)}x`;
        console.log(`${String(entries).padStart(7)}   ${result.seconds.toFixed(1).padStart(7)}   ${ratio.padStart(5)}   ${cpu.padEnd(35)}   ${memory}`);
    }
    if (extra.includes("--no-github-calls")) return;
    for (const entries of sizes.length > 0 ? sizes : [10, 100, 1000]) {
        console.log(`\nGitHub API calls of the ${entries}-entry stack:`);
        for (const line of await githubCalls(entries)) console.log(line);
    }
}

void main();
