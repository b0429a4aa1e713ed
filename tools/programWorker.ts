// The child process a plan runs the program in (tools/programRunner.ts starts it). Isolated so
// that whatever the program does (throws late, calls process.exit, never finishes, writes to
// stdout) cannot take the plan down with it or corrupt its output: this process's stdout is the
// plan's stderr, and the recorded run goes back over the IPC channel.

import { OfflineRunOptions, runOffline } from "./offlineRun";

export type WorkerRequest = Omit<OfflineRunOptions, "answers">;
export type WorkerReply = { readonly kind: "done"; readonly run: Awaited<ReturnType<typeof runOffline>> } | { readonly kind: "crashed"; readonly message: string };

function reply(message: WorkerReply): void {
    // Exit once the reply is written: the program may leave handles open that would keep us alive.
    process.send?.(message, undefined, {}, () => process.exit(0));
}

// The plan went away (ended, or was killed): nothing would read the result.
process.on("disconnect", () => process.exit(1));

process.once("message", (request: WorkerRequest) => {
    runOffline(request).then(
        (run) => reply({ kind: "done", run }),
        (error: unknown) => reply({ kind: "crashed", message: error instanceof Error ? (error.stack ?? error.message) : String(error) }),
    );
});
