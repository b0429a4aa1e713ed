// Runs a Pulumi program offline in a child process (tools/programWorker.ts) and hands back what
// it registered. The child's stdout goes to this process's stderr, so nothing the program prints
// reaches a plan's output; a program that exits, crashes or never finishes is reported as such.

import { fork } from "child_process";
import * as path from "path";
import type { OfflineRun } from "./offlineRun";
import type { WorkerReply, WorkerRequest } from "./programWorker";

const PROJECT_DIR = path.resolve(__dirname, "..");

export type ProgramResult =
    | { readonly kind: "ran"; readonly run: OfflineRun }
    /** The program did not finish: it crashed, exited, was stopped, or ran out of time. */
    | { readonly kind: "failed"; readonly message: string };

export interface RunProgramOptions {
    /** Stop the program after this long. */
    readonly timeoutMs: number;
    /** Aborting stops the program at once (the plan was interrupted). */
    readonly signal?: AbortSignal;
}

export function runProgram(given: WorkerRequest, options: RunProgramOptions): Promise<ProgramResult> {
    // Absolute, since the program's process runs in the program's folder.
    const request: WorkerRequest = { ...given, programDir: path.resolve(given.programDir) };
    return new Promise((resolve) => {
        // As the Pulumi CLI does, the program runs with its own folder as the working directory.
        const child = fork(path.join(__dirname, "programWorker.ts"), [], {
            cwd: request.programDir,
            execArgv: ["--require", require.resolve("ts-node/register/transpile-only")],
            env: { ...process.env, TS_NODE_PROJECT: path.join(PROJECT_DIR, "tsconfig.json") },
            // stdin closed, stdout and stderr to our stderr, and the channel the result comes back on.
            stdio: ["ignore", 2, 2, "ipc"],
            serialization: "advanced",
        });
        let settled = false;
        const finish = (result: ProgramResult) => {
            if (settled) return;
            settled = true;
            clearTimeout(timer);
            options.signal?.removeEventListener("abort", onAbort);
            if (child.exitCode === null && child.signalCode === null) child.kill("SIGKILL");
            resolve(result);
        };
        const timer = setTimeout(() => {
            finish({
                kind: "failed",
                message: `the program did not finish within ${options.timeoutMs / 1000} s and was stopped (raise the limit with --timeout <seconds> if it is only slow)`,
            });
        }, options.timeoutMs);
        const onAbort = () => finish({ kind: "failed", message: "the plan was interrupted" });
        options.signal?.addEventListener("abort", onAbort);
        if (options.signal?.aborted) onAbort();

        child.on("message", (message: WorkerReply) => {
            if (message.kind === "done") finish({ kind: "ran", run: message.run });
            else finish({ kind: "failed", message: `the program crashed: ${message.message}` });
        });
        child.on("error", (error) => finish({ kind: "failed", message: `the program could not be started: ${error.message}` }));
        child.on("exit", (code, signal) => {
            const failed = () =>
                finish({
                    kind: "failed",
                    message:
                        signal !== null
                            ? `the program was killed by ${signal} before it finished`
                            : `the program ended the process (exit code ${code}) before it finished: it called process.exit, crashed, ` +
                              "or left nothing running while the promise it returned was still pending",
                });
            // A reply, when there is one, is read before the channel closes.
            if (child.connected) child.once("disconnect", failed);
            else setImmediate(failed);
        });
        child.send(request);
    });
}
