// The release, performed the way `pulumi policy publish` and a stack that enforces the published pack
// perform it (pulumi/pulumi):
// - publish: `npm pack --loglevel=error` in the pack's folder, and the whole of its stdout, trimmed, is the
//   tarball's file name (sdk/nodejs/npm/npm.go `Pack`; pkg/backend/httpstate/policypack.go `Publish`);
// - install: the tarball is extracted, its `package/` folder becomes the pack's folder, and the Node.js
//   language host's InstallDependencies runs `npm install --loglevel=error` there, devDependencies
//   included (`npm.Install(..., false /*production*/, ...)` in sdk/nodejs/cmd/pulumi-language-nodejs;
//   `installRequiredPolicy` in policypack.go);
// - run: `node <@pulumi/pulumi/cmd/run-policy-pack resolved from the pack> <engine> .` in that folder
//   (RunPlugin, kind analyzer), which policy/harness/analyzerClient.ts reproduces.
// The build before it is the release workflow's (`npm run build` of the policy workspace).
//
// Network: the install reads the npm registry (npm's cache first), once per run.

import * as assert from "node:assert/strict";
import { execFileSync, spawnSync } from "child_process";
import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import { AnalyzerClient } from "../../policy/harness/analyzerClient";
import { allow, githubTrust, policyDocument } from "./helpers/documents";

const REPO = path.resolve(__dirname, "..", "..");
const PACK_DIR = path.join(REPO, "policy");
const VERSION = (JSON.parse(fs.readFileSync(path.join(PACK_DIR, "package.json"), "utf8")) as { version: string }).version;

function npm(args: readonly string[], cwd: string, env: NodeJS.ProcessEnv = {}): { stdout: string; stderr: string } {
    const result = spawnSync("npm", args, { cwd, encoding: "utf8", env: { ...process.env, ...env }, timeout: 240_000 });
    if (result.status !== 0) {
        throw new Error(`npm ${args.join(" ")} in ${cwd} failed (${result.status ?? result.signal}):\n${result.stderr}\n${result.stdout}`);
    }
    return { stdout: result.stdout, stderr: result.stderr };
}

describe("the pack's release, as the Pulumi CLI publishes, installs and runs it", function () {
    this.timeout(300_000);
    let work: string;
    let installed: string;
    let tarballName: string;
    let packStdout: string;

    before(function () {
        work = fs.mkdtempSync(path.join(os.tmpdir(), "keyless-release-"));
        // A copy of the pack as checked out (no bin/, no node_modules), beside the repository's installed
        // dependencies (as the workspace's hoisted node_modules is beside policy/ in CI).
        const checkout = path.join(work, "checkout");
        const copy = path.join(checkout, "policy");
        fs.cpSync(PACK_DIR, copy, { recursive: true, filter: (source) => !/[\\/](bin|node_modules)$/.test(source) });
        fs.symlinkSync(path.join(REPO, "node_modules"), path.join(checkout, "node_modules"), "dir");
        npm(["run", "build"], copy);
        const packed = npm(["pack", "--loglevel=error"], copy);
        packStdout = packed.stdout;
        tarballName = packStdout.trim();
        const tarball = path.join(copy, tarballName);
        assert.ok(fs.existsSync(tarball), `npm pack printed ${JSON.stringify(packStdout)}, which names no file in ${copy}`);
        const extracted = path.join(work, "installed");
        fs.mkdirSync(extracted);
        execFileSync("tar", ["-xzf", tarball, "-C", extracted]);
        installed = path.join(extracted, "package");
        // npm's cache first, so a run on a machine that installed the repository reads few tarballs.
        npm(["install", "--loglevel=error"], installed, { npm_config_prefer_offline: "true", npm_config_audit: "false", npm_config_fund: "false" });
    });

    after(() => {
        if (work !== undefined) fs.rmSync(work, { recursive: true, force: true });
    });

    it("npm pack --loglevel=error prints only the tarball's name on stdout", () => {
        assert.equal(packStdout, `keyless-guardrails-${VERSION}.tgz\n`);
    });

    it("the tarball ships the compiled pack, its config and no TypeScript source", () => {
        const files = new Set<string>();
        const walk = (dir: string): void => {
            for (const entry of fs.readdirSync(dir, { withFileTypes: true })) {
                if (entry.name === "node_modules") continue;
                const full = path.join(dir, entry.name);
                if (entry.isDirectory()) walk(full);
                else files.add(path.relative(installed, full).split(path.sep).join("/"));
            }
        };
        walk(installed);
        for (const file of ["main.js", "PulumiPolicy.yaml", "package.json", "config/organization.json", "bin/index.js", "bin/rules/iamNoSelfEscalation.js", "bin/analysis/selfEscalation.js"]) {
            assert.ok(files.has(file), `${file} missing from ${[...files].join(", ")}`);
        }
        assert.deepEqual([...files].filter((f) => f.endsWith(".ts") && !f.endsWith(".d.ts")), []);
        assert.deepEqual([...files].filter((f) => f.startsWith("bin/harness/") || f.startsWith("bin/bench/")), []);
    });

    it("installed as the CLI installs it, it serves the analyzer protocol and judges a passing and a failing role", async () => {
        const pack = await AnalyzerClient.start({ packDir: installed });
        try {
            const info = await pack.getAnalyzerInfo();
            assert.equal(info.name, "keyless-guardrails");
            assert.equal(info.version, VERSION);
            assert.ok(info.policies.some((p) => p.name === "iam-no-self-escalation"));
            await pack.configure(fs.readFileSync(path.join(installed, "config", "organization.json"), "utf8"));
            const good = await pack.analyze({
                type: "aws:iam/role:Role",
                name: "api-deploy",
                properties: {
                    name: "api-deploy",
                    assumeRolePolicy: JSON.stringify(githubTrust({ sub: "repo:acme/api:environment:production" })),
                    inlinePolicies: [{ name: "deploy", policy: JSON.stringify(policyDocument(allow("s3:PutObject", "arn:aws:s3:::acme-site/*"))) }],
                },
            });
            assert.deepEqual(good.diagnostics, []);
            const bad = await pack.analyze({
                type: "aws:iam/role:Role",
                name: "api-anything",
                properties: {
                    name: "api-anything",
                    assumeRolePolicy: JSON.stringify(githubTrust({ sub: "repo:acme/*", subOperator: "StringLike" })),
                    inlinePolicies: [{ name: "self", policy: JSON.stringify(policyDocument(allow("iam:UpdateAssumeRolePolicy", "*"))) }],
                },
            });
            assert.deepEqual([...new Set(bad.diagnostics.map((d) => d.policyName))].sort(), ["github-oidc-trust-pins-repository", "iam-no-self-escalation"]);
            assert.ok(bad.diagnostics.every((d) => d.enforcementLevel === "mandatory"));
        } finally {
            await pack.close();
        }
    });
});
