// The pack as a whole: its registry and names, its configuration files, its self-containment, and the
// loader that picks compiled JavaScript or TypeScript sources.

import * as assert from "node:assert/strict";
import { execFileSync } from "child_process";
import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import { POLICY_NAMES } from "../../policy/analysis";
import { PackConfigError, PolicyConfigInfo, policyConfigInfo, resolvePackConfig } from "../../policy/harness/packConfig";
import { policies, PolicyRegistry } from "../../policy/policies";
import { githubOidcTrustPinsRepository } from "../../policy/rules/githubOidcTrustPinsRepository";

const PACK_DIR = path.resolve(__dirname, "../../policy");

// What getAnalyzerInfo reports, built from the policies themselves.
const configInfo: PolicyConfigInfo[] = policyConfigInfo(policies);

describe("the policy pack", () => {
    describe("registry", () => {
        it("registers exactly the policies named in docs/CONTRACTS.md, in order, each mandatory by default", () => {
            assert.deepEqual(policies.map((p) => p.name), [...POLICY_NAMES]);
            for (const policy of policies) {
                assert.equal(policy.enforcementLevel, "mandatory", policy.name);
                assert.ok(policy.description.length > 80, `${policy.name} has a description a reviewer understands`);
            }
        });
        it("refuses a duplicate name and the reserved name \"all\"", () => {
            const registry = new PolicyRegistry().register(githubOidcTrustPinsRepository);
            assert.throws(() => registry.register(githubOidcTrustPinsRepository), /registered twice/);
            assert.throws(() => registry.register({ ...githubOidcTrustPinsRepository, name: "all" }), /reserved/);
            assert.throws(() => registry.register({ ...githubOidcTrustPinsRepository, name: "NotKebab" }), /kebab-case/);
        });
        it("config schemas use only properties and required at the top level, and never enforcementLevel", () => {
            for (const policy of policies) {
                if (policy.configSchema !== undefined) {
                    assert.deepEqual(Object.keys(policy.configSchema).filter((k) => k !== "properties" && k !== "required"), []);
                    assert.ok(!("enforcementLevel" in policy.configSchema.properties));
                }
            }
        });
    });

    describe("configuration files", () => {
        it("every configuration file under policy/config resolves against the pack (the organisation's included)", () => {
            const files = fs.readdirSync(path.join(PACK_DIR, "config")).filter((file) => file.endsWith(".json"));
            assert.ok(files.includes("organization.json"), "policy/config/organization.json is the organisation's configuration");
            for (const file of files) {
                assert.doesNotThrow(() => resolvePackConfig(configInfo, fs.readFileSync(path.join(PACK_DIR, "config", file), "utf8")), file);
            }
        });
        it("with no configuration, every policy is mandatory and every trusted environment needs reviewers", () => {
            const resolved = resolvePackConfig(configInfo, undefined);
            for (const policy of policies) {
                assert.equal(resolved[policy.name].enforcementLevel, "mandatory");
            }
            assert.deepEqual(resolved["github-oidc-trust-pins-repository"].properties, { allowedOwners: [], allowedAudiences: [] });
            assert.deepEqual(resolved["iam-no-admin-access"].properties, { additionalAdminPolicies: [] });
            assert.deepEqual(resolved["github-trusted-environment-protected"].properties, { environmentsRequiringReviewers: ["*"] });
        });
        it("resolves as the CLI does: all, shorthand levels, per-policy objects, schema defaults", () => {
            const resolved = resolvePackConfig(configInfo, { all: "advisory", "iam-no-admin-access": "disabled", "github-oidc-trust-pins-repository": { allowedOwners: ["acme"] } });
            assert.equal(resolved["iam-no-passrole-on-all-roles"].enforcementLevel, "advisory");
            assert.equal(resolved["iam-no-admin-access"].enforcementLevel, "disabled");
            assert.deepEqual(resolved["github-oidc-trust-pins-repository"], { enforcementLevel: "advisory", properties: { allowedOwners: ["acme"], allowedAudiences: [] } });
        });
        it("rejects unknown policies, unknown settings, wrong types and bad levels, all at once", () => {
            assert.throws(
                () => resolvePackConfig(configInfo, { "no-such-policy": "mandatory", "iam-no-admin-access": { additionalAdminPolicy: [] }, "github-oidc-trust-pins-repository": { allowedOwners: "acme" }, all: "strict" }),
                (error: unknown) =>
                    error instanceof PackConfigError &&
                    error.problems.length === 4 &&
                    /no-such-policy/.test(error.message) &&
                    /unknown setting/.test(error.message) &&
                    /must be of type array/.test(error.message) &&
                    /not an enforcement level/.test(error.message),
            );
        });
    });

    describe("self-containment", () => {
        it("no source file of the pack imports from outside policy/", () => {
            const offenders: string[] = [];
            const walk = (dir: string): void => {
                for (const entry of fs.readdirSync(dir, { withFileTypes: true })) {
                    const full = path.join(dir, entry.name);
                    if (entry.isDirectory() && !["node_modules", "bin"].includes(entry.name)) {
                        walk(full);
                    } else if (entry.name.endsWith(".ts") || entry.name.endsWith(".js")) {
                        for (const match of fs.readFileSync(full, "utf8").matchAll(/(?:from|require\()\s*["'](\.[^"']*)["']/g)) {
                            if (!path.resolve(dir, match[1]).startsWith(PACK_DIR)) {
                                offenders.push(`${path.relative(PACK_DIR, full)} imports ${match[1]}`);
                            }
                        }
                        if (/from\s+["']@pulumi\/(aws|aws-native|github)["'/]/.test(fs.readFileSync(full, "utf8"))) {
                            offenders.push(`${path.relative(PACK_DIR, full)} loads a provider SDK`);
                        }
                    }
                }
            };
            walk(PACK_DIR);
            assert.deepEqual(offenders, []);
        });
        it("has its own PulumiPolicy.yaml and package.json, whose main is the loader and files ship the compiled pack", () => {
            assert.match(fs.readFileSync(path.join(PACK_DIR, "PulumiPolicy.yaml"), "utf8"), /runtime: nodejs/);
            const pkg = JSON.parse(fs.readFileSync(path.join(PACK_DIR, "package.json"), "utf8")) as { main: string; files: string[]; scripts: Record<string, string>; dependencies: Record<string, string>; engines: Record<string, string> };
            const root = JSON.parse(fs.readFileSync(path.join(PACK_DIR, "..", "package.json"), "utf8")) as { dependencies: Record<string, string>; engines: Record<string, string> };
            assert.equal(pkg.main, "main.js");
            assert.ok(pkg.files.includes("main.js") && pkg.files.includes("PulumiPolicy.yaml") && pkg.files.includes("bin/index.js"));
            assert.match(pkg.scripts.build, /tsc/);
            assert.ok(!("prepare" in pkg.scripts) && !("postinstall" in pkg.scripts), "nothing may build on install: a published pack has no sources to build");
            // `pulumi policy publish` reads all of `npm pack`'s stdout as the tarball name; npm prints each
            // pack-time script's banner there (tests/policy/release.test.ts packs it as the CLI does).
            assert.ok(!("prepack" in pkg.scripts) && !("postpack" in pkg.scripts), "no script may run on npm pack");
            // Published alone, the pack must ask for the same SDK and runtime as the program it guards.
            assert.equal(pkg.dependencies["@pulumi/pulumi"], root.dependencies["@pulumi/pulumi"]);
            assert.equal(pkg.engines.node, root.engines.node);
        });
    });

    describe("loader (main.js)", () => {
        // A copy of main.js next to stand-ins for bin/index.js and index.ts that say which one loaded.
        let dir: string;
        const load = (env: Record<string, string> = {}): string =>
            execFileSync(process.execPath, [path.join(dir, "main.js")], { env: { ...process.env, KEYLESS_GUARDRAILS_LOAD: "", ...env }, stdio: ["ignore", "pipe", "pipe"] }).toString().trim();
        const setTime = (file: string, seconds: number): void => fs.utimesSync(path.join(dir, file), seconds, seconds);

        beforeEach(() => {
            dir = fs.mkdtempSync(path.join(os.tmpdir(), "keyless-loader-"));
            fs.copyFileSync(path.join(PACK_DIR, "main.js"), path.join(dir, "main.js"));
            fs.mkdirSync(path.join(dir, "bin"));
            fs.mkdirSync(path.join(dir, "rules"));
            // Valid JavaScript as well as TypeScript, so plain node can load the stand-in.
            fs.writeFileSync(path.join(dir, "index.ts"), 'console.log("source");\n');
            fs.writeFileSync(path.join(dir, "rules", "rule.ts"), "export {};\n");
            fs.writeFileSync(path.join(dir, "bin", "index.js"), 'console.log("compiled");\n');
        });
        afterEach(() => fs.rmSync(dir, { recursive: true, force: true }));

        it("loads bin/ when it is at least as new as every source", () => {
            setTime("index.ts", 1_000);
            setTime("rules/rule.ts", 1_000);
            setTime("bin/index.js", 2_000);
            assert.equal(load(), "compiled");
        });
        it("loads the sources when any source is newer than bin/", () => {
            setTime("index.ts", 1_000);
            setTime("rules/rule.ts", 3_000);
            setTime("bin/index.js", 2_000);
            assert.equal(load(), "source");
        });
        it("loads the sources when bin/ is missing (a clean clone)", () => {
            fs.rmSync(path.join(dir, "bin"), { recursive: true });
            assert.equal(load(), "source");
        });
        it("says how to fix a tarball packed without a build (no bin/, no sources)", () => {
            fs.rmSync(path.join(dir, "bin"), { recursive: true });
            fs.rmSync(path.join(dir, "index.ts"));
            assert.throws(() => load(), /bin\/index\.js is missing; run `npm run build` in policy\/ before `pulumi policy publish`/);
        });
        it("KEYLESS_GUARDRAILS_LOAD forces one or the other", () => {
            setTime("bin/index.js", 2_000);
            assert.equal(load({ KEYLESS_GUARDRAILS_LOAD: "source" }), "source");
            setTime("rules/rule.ts", 3_000);
            assert.equal(load({ KEYLESS_GUARDRAILS_LOAD: "compiled" }), "compiled");
        });
    });
});
