// Runs `npm run plan` as a user or the pipeline does, offline and with no credentials.
import { execFile } from "node:child_process";
import * as os from "node:os";
import * as path from "node:path";
import { promisify } from "node:util";

export interface PlanRun {
    readonly exitCode: number;
    readonly stdout: string;
    readonly stderr: string;
}

export const PROJECT_DIR = path.resolve(__dirname, "../..");

// A plan is three processes (the plan, the program, the policy pack) busy for some seconds each:
// more plans at once than processors only makes each of them slower, until the pack's start
// timer runs out.
const MAX_AT_ONCE = Math.max(1, os.availableParallelism());
let running = 0;
const waiting: (() => void)[] = [];

async function slot<T>(work: () => Promise<T>): Promise<T> {
    if (running >= MAX_AT_ONCE) await new Promise<void>((resolve) => waiting.push(resolve));
    running++;
    try {
        return await work();
    } finally {
        running--;
        waiting.shift()?.();
    }
}

/** Relative paths in `args` are taken from the project folder, where npm runs the script. */
export function runPlan(args: readonly string[]): Promise<PlanRun> {
    return slot(() => runPlanNow(args));
}

async function runPlanNow(args: readonly string[]): Promise<PlanRun> {
    try {
        const { stdout, stderr } = await promisify(execFile)("npm", ["run", "--silent", "plan", "--", ...args], {
            cwd: PROJECT_DIR,
            env: { ...process.env, AWS_ACCESS_KEY_ID: "", AWS_SECRET_ACCESS_KEY: "", GITHUB_TOKEN: "" },
            maxBuffer: 64 * 1024 * 1024,
        });
        return { exitCode: 0, stdout, stderr };
    } catch (error) {
        const failed = error as { code?: number; stdout?: string; stderr?: string };
        return { exitCode: failed.code ?? -1, stdout: failed.stdout ?? "", stderr: failed.stderr ?? "" };
    }
}
