// One definition of "protected": the organisation's pack configuration decides which environments
// need reviewers, and the program refuses up front what the pack would block at `pulumi up`.
import * as assert from "node:assert/strict";
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { KeylessConfig, loadStackConfig } from "../../components/config";
import { checkAgainstOrganization, checkProtection, ORGANIZATION_PACK_CONFIG, parseOrganizationProtection, PACK_CONFIG_ENV } from "../../components/protection";
import { AnalyzerClient, WireResource } from "../../policy/harness/analyzerClient";
import { sharedPack } from "../helpers/sharedPack";
import { githubTrust } from "../policy/helpers/documents";
import { FIXTURE_PACK_CONFIG, runStack } from "../helpers/runStack";

/** A one-repository stack trusting `environment`, with or without reviewers. */
function stack(environment: string, reviewers: boolean): KeylessConfig {
    const values: Record<string, string> = {
        "aws:region": "eu-west-1",
        "github:owner": "acme",
        "keyless:accountId": "222222222222",
        "keyless:environment": environment,
        "keyless:requireReviewers": "false",
        "keyless:repositories": JSON.stringify([{ name: "api", permissions: { lambda: { functions: ["api"] } } }]),
        ...(reviewers ? { "keyless:reviewerTeams": JSON.stringify(["approvers"]) } : {}),
    };
    return loadStackConfig({ stack: "test", values, secretKeys: new Set() });
}

const parsed = (config: unknown) => {
    const { protection, problems } = parseOrganizationProtection(JSON.stringify(config), "org.json");
    assert.deepEqual(problems, []);
    return protection!;
};
const FIXTURE = JSON.parse(fs.readFileSync(FIXTURE_PACK_CONFIG, "utf8")) as unknown;

describe("environment protection, as the organisation's pack configuration defines it", function () {
    describe("reading the configuration as the CLI resolves it", () => {
        it("no file: the pack's defaults, every environment needs reviewers, mandatory", () => {
            assert.deepEqual(parseOrganizationProtection(undefined, "org.json").protection, {
                file: "org.json",
                enforcementLevel: "mandatory",
                environmentsRequiringReviewers: ["*"],
            });
        });

        it("reads the list and the level from `all`, the policy's shorthand level or its object", () => {
            assert.deepEqual(parsed(FIXTURE).environmentsRequiringReviewers, ["prod*", "production"]);
            assert.equal(parsed({ all: "advisory" }).enforcementLevel, "advisory");
            assert.equal(parsed({ all: "advisory", "github-trusted-environment-protected": "disabled" }).enforcementLevel, "disabled");
            assert.equal(parsed({ all: { enforcementLevel: "advisory" }, "github-trusted-environment-protected": { enforcementLevel: "mandatory" } }).enforcementLevel, "mandatory");
        });

        it("names the file and the setting when the configuration cannot be read", () => {
            assert.match(parseOrganizationProtection("{", "org.json").problems.join(), /^org\.json: not valid JSON/);
            assert.match(
                parseOrganizationProtection('{"github-trusted-environment-protected": {"environmentsRequiringReviewers": "prod"}}', "org.json").problems.join(),
                /org\.json: github-trusted-environment-protected\.environmentsRequiringReviewers must be a list/,
            );
            assert.match(parseOrganizationProtection('{"all": "strict"}', "org.json").problems.join(), /org\.json: all is "strict", not an enforcement level/);
        });
    });

    describe("checking a stack", () => {
        const protection = parsed(FIXTURE);

        it("accepts dev and staging without reviewers, and prod with them", () => {
            for (const environment of ["dev", "staging", "qa"]) assert.deepEqual(checkProtection(stack(environment, false), protection), { problems: [], warnings: [] }, environment);
            assert.deepEqual(checkProtection(stack("prod", true), protection), { problems: [], warnings: [] });
        });

        it("refuses prod, prod-eu and Production without reviewers, quoting the rule and the file", () => {
            for (const environment of ["prod", "prod-eu", "Production"]) {
                const { problems } = checkProtection(stack(environment, false), protection);
                assert.equal(problems.length, 1, environment);
                assert.match(problems[0], /^keyless:repositories\[0\]: environment "[^"]+" of api has no reviewers/);
                assert.ok(problems[0].includes('github-trusted-environment-protected.environmentsRequiringReviewers ["prod*","production"] in org.json'), problems[0]);
                assert.match(problems[0], /would block this stack at `pulumi up`.*keyless:reviewerTeams/);
            }
        });

        it("only warns when the organisation made the policy advisory, and says nothing when it is disabled", () => {
            const advisory = checkProtection(stack("prod", false), { ...protection, enforcementLevel: "advisory" });
            assert.equal(advisory.problems.length, 0);
            assert.match(advisory.warnings.join(), /has no reviewers.*the pack warns/);
            assert.deepEqual(checkProtection(stack("prod", false), { ...protection, enforcementLevel: "disabled" }), { problems: [], warnings: [] });
        });

        it("with the pack's default, every environment needs reviewers", () => {
            const defaults = parseOrganizationProtection(undefined, "org.json").protection!;
            assert.equal(checkProtection(stack("dev", false), defaults).problems.length, 1);
        });

        it("branch, tag and pull request roles have no environment to protect", () => {
            const config = loadStackConfig({
                stack: "test",
                values: {
                    "aws:region": "eu-west-1",
                    "github:owner": "acme",
                    "keyless:accountId": "222222222222",
                    "keyless:environment": "prod",
                    "keyless:reviewerTeams": JSON.stringify(["approvers"]),
                    "keyless:repositories": JSON.stringify([{ name: "api", pullRequest: true, permissions: { statements: [{ Effect: "Allow", Action: "iam:GetRole", Resource: "*" }] } }]),
                },
                secretKeys: new Set(),
            });
            assert.deepEqual(checkProtection(config, parsed({ "github-trusted-environment-protected": { environmentsRequiringReviewers: ["*"] } })).problems, []);
        });

        it("reads policy/config/organization.json of the project, or the file $KEYLESS_PACK_CONFIG names", () => {
            const dir = fs.mkdtempSync(path.join(os.tmpdir(), "keyless-protection-"));
            try {
                fs.mkdirSync(path.join(dir, path.dirname(ORGANIZATION_PACK_CONFIG)), { recursive: true });
                fs.writeFileSync(path.join(dir, ORGANIZATION_PACK_CONFIG), JSON.stringify({ "github-trusted-environment-protected": { environmentsRequiringReviewers: ["dev"] } }));
                const saved = process.env[PACK_CONFIG_ENV];
                delete process.env[PACK_CONFIG_ENV];
                try {
                    assert.match(checkAgainstOrganization(stack("dev", false), dir).problems.join(), /\["dev"\] in policy\/config\/organization\.json/);
                    process.env[PACK_CONFIG_ENV] = FIXTURE_PACK_CONFIG;
                    assert.deepEqual(checkAgainstOrganization(stack("dev", false), dir).problems, []);
                } finally {
                    if (saved === undefined) delete process.env[PACK_CONFIG_ENV];
                    else process.env[PACK_CONFIG_ENV] = saved;
                }
            } finally {
                fs.rmSync(dir, { recursive: true, force: true });
            }
        });
    });

    describe("the program on the fixture stacks", () => {
        const noReviewers = { "keyless:reviewerTeams": [], "keyless:reviewerUsers": [], "keyless:requireReviewers": false };

        it("runs dev, and a staging stack in another account, without reviewers", async () => {
            (await runStack("dev")).assertSucceeded();
            const staging = (await runStack("dev", { config: { "keyless:environment": "staging", "keyless:accountId": "333333333333", "keyless:permissionsBoundaryArn": undefined, "keyless:repositories": [{ name: "api", permissions: { lambda: { functions: ["api"] } } }] } })).assertSucceeded();
            assert.equal(staging.ofType("github:index/repositoryEnvironment:RepositoryEnvironment")[0].inputs.environment, "staging");
        });

        it("refuses prod with its reviewers removed, before registering anything, with a message about reviewers", async () => {
            const run = await runStack("prod", { config: noReviewers });
            assert.match(run.run.error ?? "", /keyless stopped before creating anything/);
            assert.match(run.run.error ?? "", /environment "prod" of orders-api has no reviewers.*environmentsRequiringReviewers/);
            assert.deepEqual(run.customResources, []);
            // Without `requireReviewers: false`, the stack's own setting refuses it first.
            const required = await runStack("prod", { config: { "keyless:reviewerTeams": [], "keyless:reviewerUsers": [] } });
            assert.match(required.run.error ?? "", /requires reviewers but none are given/);
        });

        it("applies the organisation's configuration it is given, not a per-stack one", async () => {
            const everyEnvironment = path.join(fs.mkdtempSync(path.join(os.tmpdir(), "keyless-org-")), "organization.json");
            fs.writeFileSync(everyEnvironment, JSON.stringify({ "github-trusted-environment-protected": { environmentsRequiringReviewers: ["*"] } }));
            const run = await runStack("dev", { packConfig: everyEnvironment });
            assert.match(run.run.error ?? "", /environment "dev" of orders-api has no reviewers/);
            fs.rmSync(path.dirname(everyEnvironment), { recursive: true, force: true });
        });
    });

    describe("agreement with the pack", function () {
        let pack: AnalyzerClient;
        before(async function () {
            pack = await sharedPack();
        });

        it("the program refuses exactly what the pack blocks, and warns exactly where it warns, for the same file", async () => {
            const configs: unknown[] = [
                FIXTURE,
                {},
                { all: "advisory" },
                { "github-trusted-environment-protected": "disabled" },
                { "github-trusted-environment-protected": { enforcementLevel: "advisory", environmentsRequiringReviewers: ["stag?ng", "*-prod"] } },
            ];
            const environments = ["dev", "staging", "prod", "Prod-EU", "production", "productions", "eu-prod"];
            for (const config of configs) {
                await pack.configure(JSON.stringify(config));
                const protection = parseOrganizationProtection(JSON.stringify(config), "org.json").protection!;
                for (const environment of environments) {
                    const role: WireResource = { type: "aws:iam/role:Role", name: "deploy", properties: { assumeRolePolicy: JSON.stringify(githubTrust({ sub: `repo:acme/api:environment:${environment}` })) } };
                    const unreviewed: WireResource = {
                        type: "github:index/repositoryEnvironment:RepositoryEnvironment",
                        name: "api-env",
                        properties: { repository: "api", environment, reviewers: [], canAdminsBypass: false, deploymentBranchPolicy: { protectedBranches: false, customBranchPolicies: true } },
                    };
                    const levels = (await pack.analyzeStack([role, unreviewed])).diagnostics.map((d) => d.enforcementLevel);
                    const program = checkProtection(stack(environment, false), protection);
                    const verdict = program.problems.length > 0 ? ["mandatory"] : program.warnings.length > 0 ? ["advisory"] : [];
                    assert.deepEqual(verdict, levels, `${JSON.stringify(config)} ${environment}`);
                }
            }
        });
    });
});
