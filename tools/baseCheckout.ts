// A program and its stack files as they are at a git ref, for `npm run plan -- <stack> --base <ref>`:
// the ref's tree is exported (git archive, which leaves the repository untouched) to a temporary
// folder, with this checkout's node_modules linked in so the program's dependencies resolve to the
// same modules (one Pulumi SDK, whose mocks the plan sets).

import { execFileSync, spawnSync } from "child_process";
import * as fs from "fs";
import * as os from "os";
import * as path from "path";

export class BaseRefError extends Error {
    constructor(message: string) {
        super(message);
        this.name = "BaseRefError";
    }
}

export interface BaseCheckout {
    /** `main (1a2b3c4)`: the ref as given and the commit it named. */
    readonly label: string;
    /** The program's folder in the exported tree (it may not exist there). */
    readonly programDir: string;
    /** Removes the exported tree. */
    cleanup(): void;
}

function git(cwd: string, args: readonly string[]): string {
    return execFileSync("git", args, { cwd, encoding: "utf8", stdio: ["ignore", "pipe", "pipe"] }).trim();
}

/** Exports the tree of `ref` holding `programDir`, and links `nodeModulesFrom`'s node_modules into it. */
export function checkoutBase(ref: string, programDir: string, nodeModulesFrom: string): BaseCheckout {
    if (ref.startsWith("-")) throw new BaseRefError(`--base: ${JSON.stringify(ref)} is not a git ref`);
    let top: string;
    try {
        top = git(programDir, ["rev-parse", "--show-toplevel"]);
    } catch {
        throw new BaseRefError(`--base needs a git checkout, and ${programDir} is not in one`);
    }
    let commit: string;
    try {
        commit = git(top, ["rev-parse", "--verify", "--quiet", "--end-of-options", `${ref}^{commit}`]);
    } catch {
        throw new BaseRefError(`--base: ${JSON.stringify(ref)} names no commit in ${top} (fetch it first, e.g. git fetch origin ${ref})`);
    }
    const root = fs.mkdtempSync(path.join(os.tmpdir(), "keyless-base-"));
    const cleanup = () => fs.rmSync(root, { recursive: true, force: true });
    try {
        const archive = spawnSync("git", ["archive", "--format=tar", commit], { cwd: top, maxBuffer: 1024 * 1024 * 1024 });
        if (archive.status !== 0) throw new BaseRefError(`--base: git archive ${commit} failed: ${archive.stderr.toString().trim()}`);
        const extract = spawnSync("tar", ["-x", "-f", "-", "-C", root], { input: archive.stdout });
        if (extract.status !== 0) throw new BaseRefError(`--base: could not unpack ${ref}: ${extract.stderr.toString().trim()}`);
        const relative = path.relative(fs.realpathSync(top), fs.realpathSync(programDir));
        // node_modules are not in git: this checkout's serve the base's program too (the program's
        // own, if it has one, and the project's at the root of the tree, where resolution ends up).
        const links: Array<[string, string]> = [
            [path.join(programDir, "node_modules"), path.join(root, relative, "node_modules")],
            [path.join(nodeModulesFrom, "node_modules"), path.join(root, "node_modules")],
        ];
        for (const [from, to] of links) {
            if (fs.existsSync(from) && fs.existsSync(path.dirname(to)) && !fs.existsSync(to)) fs.symlinkSync(fs.realpathSync(from), to, "dir");
        }
        return { label: `${ref} (${commit.slice(0, 7)})`, programDir: path.join(root, relative), cleanup };
    } catch (error) {
        cleanup();
        throw error;
    }
}
