// `npm run scan` on account dumps of the documented shape: who can assume each role from GitHub, the
// pack's findings, the keyless entry that replaces it, the exit code under the organisation's pack
// configuration, and clear errors for malformed or partial dumps.

import * as assert from "node:assert/strict";
import { execFile } from "node:child_process";
import * as fs from "node:fs";
import * as path from "node:path";
import { promisify } from "node:util";
import { parse } from "yaml";
import { DeployRole } from "../../components/deployRole";
import { permissionPolicy } from "../../components/documents";
import { exactSubjects } from "../../components/subjects";
import { runScan } from "../../tools/scan";
import { dumpOf, fixture, GITHUB, Json, readFixture, roleDetail, urlEncoded, writeDumps } from "./helpers";

const PROJECT_DIR = path.resolve(__dirname, "../..");

interface JsonRole {
    arn: string;
    name: string;
    trustsGithub: boolean;
    subjects: { subject: string; admits: string; repository?: string; context?: string; issuer: string; ownerId?: string; repositoryId?: string }[];
    findings: { policy: string; message: string; location: string; enforcementLevel: string }[];
    keyless: { owner?: string; enterpriseSlug?: string; entries: Record<string, unknown>[]; notes: string[] } | null;
}
interface JsonReport {
    schemaVersion: number;
    blocked: boolean;
    accounts: { source: string; accountId?: string; roles: number }[];
    roles: JsonRole[];
}

async function scanJson(...args: string[]): Promise<{ exitCode: number; report: JsonReport }> {
    const run = await runScan([...args, "--format", "json"]);
    assert.equal(run.stderr, "", "no error");
    return { exitCode: run.exitCode, report: JSON.parse(run.stdout) as JsonReport };
}

const byName = (report: JsonReport, name: string): JsonRole => {
    const role = report.roles.find((r) => r.name === name);
    assert.ok(role, `role ${name} is in the report`);
    return role;
};
const policiesOf = (role: JsonRole): string[] => [...new Set(role.findings.map((f) => f.policy))].sort();

describe("npm run scan", () => {
    let cli: JsonReport;
    let cliExit: number;
    before(async () => {
        ({ report: cli, exitCode: cliExit } = await scanJson(fixture("cli-account.json")));
    });

    describe("who can assume each role from GitHub, and the pack's findings", () => {
        it("an org-wide StringLike trust is a pattern and blocked, naming what it lets in", () => {
            const role = byName(cli, "deploy-org-wide");
            assert.equal(role.trustsGithub, true);
            assert.deepEqual(role.subjects.map((s) => [s.subject, s.admits]), [["repo:acme/*", "pattern"]]);
            assert.deepEqual(policiesOf(role), ["github-oidc-trust-pins-repository"]);
            assert.match(role.findings[0].message, /any repository of acme, including ones a member creates later/);
            assert.match(role.findings[0].location, /^AssumeRolePolicyDocument Statement\[0\]/);
            assert.equal(role.keyless?.entries.length, 0, "no entry can be made from a pattern");
        });
        it("a trust without a sub condition admits any repository", () => {
            const role = byName(cli, "deploy-any-repo");
            assert.deepEqual(role.subjects.map((s) => s.admits), ["anyone"]);
            assert.match(role.findings[0].message, /any repository on GitHub/);
        });
        it("an immutable subject with the ECS preset's exact permissions is clean and becomes that entry", () => {
            const role = byName(cli, "orders-api-production");
            assert.deepEqual(role.findings, []);
            assert.deepEqual(role.subjects.map((s) => [s.repository, s.ownerId, s.repositoryId, s.context]), [["acme/orders-api", "73214512", "1061140022", "environment:production"]]);
            assert.equal(role.keyless?.owner, "acme");
            assert.deepEqual(role.keyless?.entries, [
                {
                    name: "orders-api",
                    environment: "production",
                    subjectFormat: "immutable",
                    ownerId: 73214512,
                    repositoryId: 1061140022,
                    permissions: {
                        ecs: {
                            cluster: "orders-prod",
                            services: ["orders-api"],
                            ecrRepositories: ["orders-api"],
                            taskRoleArns: ["arn:aws:iam::111111111111:role/orders-api-task"],
                        },
                    },
                },
            ]);
            assert.ok(role.keyless?.notes.some((note) => /protects it, so keyless manages it with required reviewers/.test(note)), "production needs reviewers under the organisation's configuration");
        });
        it("AdministratorAccess attached is admin access, reported once by name", () => {
            const role = byName(cli, "infra-admin");
            const admin = role.findings.filter((f) => f.policy === "iam-no-admin-access");
            assert.equal(admin.length, 1);
            assert.match(admin[0].message, /AWS-managed policy AdministratorAccess/);
            assert.ok(!policiesOf(role).includes("iam-no-passrole-on-all-roles"), "admin access says it: not repeated as PassRole from its document");
            assert.ok(policiesOf(role).includes("iam-no-self-escalation"), "admin can rewrite its own trust, as the pack reports for AdministratorAccess");
            assert.ok(role.keyless?.notes.some((note) => /refuses admin managed policies/.test(note)));
        });
        it("iam:PassRole on every role is blocked even with iam:PassedToService", () => {
            const role = byName(cli, "web-staging");
            assert.deepEqual(policiesOf(role), ["iam-no-passrole-on-all-roles"]);
            assert.match(role.findings[0].message, /iam:PassedToService condition limits which service/);
            assert.match(role.findings[0].location, /^RolePolicyList \(deploy\) Statement\[0\] \(Sid "PassAnyRole"\)/);
            assert.ok(role.keyless?.notes.some((note) => /refuses extra statements the pack blocks/.test(note)));
        });
        it("a customer-managed policy is judged by its default version: admin there is blocked, admin in an old version is not", () => {
            const current = byName(cli, "ci-default-admin");
            assert.ok(policiesOf(current).includes("iam-no-admin-access"));
            assert.match(current.findings.find((f) => f.policy === "iam-no-admin-access")!.location, /policy\/ci-power \(default version v2\)/);
            assert.deepEqual(byName(cli, "ci-old-admin").findings, []);
        });
        it("a role no GitHub issuer can assume has no subjects and no entry", () => {
            const role = byName(cli, "app-instance");
            assert.equal(role.trustsGithub, false);
            assert.deepEqual(role.subjects, []);
            assert.equal(role.keyless, null);
        });
        it("JSON has a schema version and the documented fields; a mandatory finding exits 1", () => {
            assert.equal(cli.schemaVersion, 1);
            assert.equal(cliExit, 1);
            assert.equal(cli.blocked, true);
            for (const role of cli.roles) {
                assert.deepEqual(Object.keys(role).filter((k) => ["arn", "name", "trustsGithub", "subjects", "findings"].includes(k)).sort(), ["arn", "findings", "name", "subjects", "trustsGithub"]);
                for (const finding of role.findings) {
                    assert.equal(typeof finding.policy, "string");
                    assert.equal(typeof finding.message, "string");
                }
            }
        });
    });

    describe("input forms", () => {
        it("the raw API's URL-encoded documents give the same judgement as the CLI's decoded ones", async () => {
            const { paths } = writeDumps({ "cli-account.json": urlEncoded(readFixture("cli-account.json")) });
            const { report } = await scanJson(paths["cli-account.json"]);
            const strip = (r: JsonReport) => r.roles.map(({ arn, subjects, findings, keyless }) => ({ arn, subjects, findings, keyless }));
            assert.deepEqual(strip(report), strip(cli));
        });
        it("an enterprise issuer in GovCloud, raw API shape: subjects carry the issuer, entries the enterprise slug", async () => {
            const { report } = await scanJson(fixture("raw-api-govcloud.json"));
            const worker = byName(report, "billing-worker-production");
            assert.deepEqual(worker.findings, []);
            assert.deepEqual(worker.subjects.map((s) => s.issuer), [`${GITHUB}/acme-corp`]);
            assert.equal(worker.keyless?.enterpriseSlug, "acme-corp");
            assert.deepEqual(worker.keyless?.entries[0].permissions, { lambda: { functions: ["billing-worker"] } });
            const loose = byName(report, "billing-any-branch");
            assert.deepEqual(policiesOf(loose), ["github-oidc-trust-pins-repository"]);
            assert.match(loose.findings[0].message, /every branch, tag, pull_request run and environment of acme\/billing/);
        });
        it("several accounts at once, each role named with its account", async () => {
            const { report } = await scanJson(fixture("cli-account.json"), fixture("raw-api-govcloud.json"));
            assert.deepEqual(report.accounts.map((a) => [path.basename(a.source), a.accountId, a.roles]), [
                ["cli-account.json", "111111111111", 8],
                ["raw-api-govcloud.json", "222222222222", 2],
            ]);
            assert.equal(report.roles.length, 10);
        });
        it("a role keyless itself would create comes out clean, with the entry that makes it", async () => {
            const account = "444444444444";
            const scope = { partition: "aws" as const, region: "eu-central-1", accountId: account };
            const providerArn = `arn:aws:iam::${account}:oidc-provider/${GITHUB}`;
            const documents = DeployRole.documents(
                {
                    oidcProviderArn: providerArn,
                    issuerHost: GITHUB,
                    subjects: exactSubjects({ owner: "acme", repository: "site", ownerId: 73214512, repositoryId: 99 }, "both", { kind: "environment", environment: "production" }),
                    roleName: "site-production",
                    permissions: permissionPolicy({ staticSite: { bucket: "acme-site", distributionId: "E2ABCDEF123456" } }, [], scope),
                },
                providerArn,
            );
            // As IAM stores and returns it: URL-encoded documents (GetAccountAuthorizationDetails).
            const role = {
                ...roleDetail(account, documents.roleName, encodeURIComponent(documents.trustPolicy), { path: documents.path }),
                RolePolicyList: Object.entries(documents.inlinePolicies).map(([PolicyName, text]) => ({ PolicyName, PolicyDocument: encodeURIComponent(text) })),
            };
            const { paths } = writeDumps({ "keyless.json": dumpOf([role]) });
            const { exitCode, report } = await scanJson(paths["keyless.json"]);
            assert.equal(exitCode, 0);
            const judged = report.roles[0];
            assert.deepEqual(judged.findings, []);
            assert.deepEqual(judged.keyless?.entries, [
                {
                    name: "site",
                    environment: "production",
                    subjectFormat: "both",
                    ownerId: 73214512,
                    repositoryId: 99,
                    permissions: { staticSite: { bucket: "acme-site", distributionId: "E2ABCDEF123456" } },
                },
            ]);
        });
        it("a preset's statements plus one more: the preset and the extra statement", async () => {
            const account = "444444444444";
            const scope = { partition: "aws" as const, region: "eu-central-1", accountId: account };
            const extra = { Sid: "ReadConfig", Effect: "Allow" as const, Action: "ssm:GetParameter", Resource: `arn:aws:ssm:eu-central-1:${account}:parameter/site/*` };
            const trust = { Version: "2012-10-17", Statement: [{ Effect: "Allow", Principal: { Federated: `arn:aws:iam::${account}:oidc-provider/${GITHUB}` }, Action: "sts:AssumeRoleWithWebIdentity", Condition: { StringEquals: { [`${GITHUB}:aud`]: "sts.amazonaws.com", [`${GITHUB}:sub`]: "repo:acme/worker:ref:refs/tags/v1" } } }] };
            const role = roleDetail(account, "worker", trust, { inline: { deploy: permissionPolicy({ lambda: { functions: ["worker"] } }, [extra], scope) } });
            const { paths } = writeDumps({ "a.json": dumpOf([role]) });
            const { report } = await scanJson(paths["a.json"]);
            assert.deepEqual(report.roles[0].keyless?.entries, [
                { name: "worker", tag: "v1", subjectFormat: "legacy", permissions: { lambda: { functions: ["worker"] }, statements: [extra] } },
            ]);
        });
    });

    describe("iam-no-self-escalation, with the dump's managed policies and boundaries resolved", () => {
        const account = "888888888888";
        const trust = (sub: string) => ({
            Version: "2012-10-17",
            Statement: [{ Effect: "Allow", Principal: { Federated: `arn:aws:iam::${account}:oidc-provider/${GITHUB}` }, Action: "sts:AssumeRoleWithWebIdentity", Condition: { StringEquals: { [`${GITHUB}:aud`]: "sts.amazonaws.com", [`${GITHUB}:sub`]: sub } } }],
        });
        const document = (...Statement: Json[]) => ({ Version: "2012-10-17", Statement });
        const managedPolicy = (name: string, doc: unknown) => ({
            PolicyName: name,
            Arn: `arn:aws:iam::${account}:policy/${name}`,
            Path: "/",
            DefaultVersionId: "v1",
            PolicyVersionList: [{ Document: doc, VersionId: "v1", IsDefaultVersion: true }],
        });
        const selfArn = (name: string) => `arn:aws:iam::${account}:role/${name}`;
        let report: JsonReport;
        before(async () => {
            const bounded = roleDetail(account, "bounded", trust("repo:acme/a:environment:dev"), { inline: { self: document({ Effect: "Allow", Action: "iam:PutRolePolicy", Resource: selfArn("bounded") }) } });
            bounded.PermissionsBoundary = { PermissionsBoundaryType: "Policy", PermissionsBoundaryArn: `arn:aws:iam::${account}:policy/no-iam-writes` };
            const lifts = roleDetail(account, "lifts-boundary", trust("repo:acme/b:environment:dev"), { attached: [`arn:aws:iam::${account}:policy/boundary-admin`] });
            lifts.PermissionsBoundary = { PermissionsBoundaryType: "Policy", PermissionsBoundaryArn: `arn:aws:iam::${account}:policy/broad-boundary` };
            const { paths } = writeDumps({
                "self.json": dumpOf(
                    [
                        roleDetail(account, "rewrites-itself", trust("repo:acme/a:environment:dev"), { inline: { self: document({ Effect: "Allow", Action: "iam:PutRolePolicy", Resource: selfArn("rewrites-itself") }) } }),
                        lifts,
                        roleDetail(account, "creates-pinned", trust("repo:acme/c:environment:dev"), {
                            inline: {
                                create: document({
                                    Effect: "Allow",
                                    Action: "iam:CreateRole",
                                    Resource: `arn:aws:iam::${account}:role/app/*`,
                                    Condition: { StringEquals: { "iam:PermissionsBoundary": `arn:aws:iam::${account}:policy/no-iam-writes` } },
                                }),
                            },
                        }),
                        bounded,
                    ],
                    [
                        managedPolicy("boundary-admin", document({ Effect: "Allow", Action: "iam:DeleteRolePermissionsBoundary", Resource: "*" })),
                        managedPolicy("no-iam-writes", document({ Effect: "Allow", Action: "s3:*", Resource: "*" })),
                        managedPolicy("broad-boundary", document({ Effect: "Allow", Action: "*", Resource: "*" }, { Effect: "Deny", Action: "organizations:*", Resource: "*" })),
                    ],
                ),
            });
            ({ report } = await scanJson(paths["self.json"]));
        });
        it("a role that can write its own inline policy is blocked", () => {
            const role = byName(report, "rewrites-itself");
            assert.deepEqual(policiesOf(role), ["iam-no-self-escalation"]);
            assert.match(role.findings[0].message, /iam:PutRolePolicy/);
        });
        it("a customer-managed policy that lifts the role's boundary is blocked, found through the dump's Policies", () => {
            const role = byName(report, "lifts-boundary");
            assert.deepEqual(policiesOf(role), ["iam-no-self-escalation"]);
            assert.match(role.findings[0].location, /policy\/boundary-admin/);
        });
        it("CreateRole pinned to a boundary passes, and a boundary from the dump that allows no IAM write closes the path", () => {
            assert.deepEqual(byName(report, "creates-pinned").findings, []);
            assert.deepEqual(byName(report, "bounded").findings, []);
        });
    });

    it("a customised subject (claims after the environment) is read as its environment, and the entry says what it loses", async () => {
        const account = "999999999999";
        const sub = "repo:acme/api:environment:prod:job_workflow_ref:acme/workflows/.github/workflows/deploy.yml@refs/heads/main";
        const trust = { Version: "2012-10-17", Statement: [{ Effect: "Allow", Principal: { Federated: `arn:aws:iam::${account}:oidc-provider/${GITHUB}` }, Action: "sts:AssumeRoleWithWebIdentity", Condition: { StringEquals: { [`${GITHUB}:aud`]: "sts.amazonaws.com", [`${GITHUB}:sub`]: sub } } }] };
        const { paths } = writeDumps({ "c.json": dumpOf([roleDetail(account, "api-prod", trust, { inline: { read: { Version: "2012-10-17", Statement: [{ Effect: "Allow", Action: "s3:GetObject", Resource: "arn:aws:s3:::acme/*" }] } } })]) });
        const { report } = await scanJson(paths["c.json"]);
        const role = report.roles[0];
        assert.equal(role.subjects[0].context, "environment:prod");
        assert.equal(role.keyless?.entries[0].environment, "prod");
        assert.ok(role.keyless?.notes.some((note) => /also pins job_workflow_ref=acme\/workflows\/.github\/workflows\/deploy.yml@refs\/heads\/main/.test(note)));
    });

    describe("the organisation's pack configuration decides the exit code", () => {
        it("all advisory: the same findings, exit 0", async () => {
            const { paths } = writeDumps({ "advisory.json": { all: "advisory" } });
            const { exitCode, report } = await scanJson(fixture("cli-account.json"), "--config", paths["advisory.json"]);
            assert.equal(exitCode, 0);
            assert.ok(report.roles.flatMap((r) => r.findings).every((f) => f.enforcementLevel === "advisory"));
            assert.equal(report.roles.flatMap((r) => r.findings).length, cli.roles.flatMap((r) => r.findings).length);
        });
        it("a disabled policy reports nothing; allowedOwners is the pack's setting", async () => {
            const { paths } = writeDumps({ "c.json": { "iam-no-admin-access": "disabled", "github-oidc-trust-pins-repository": { allowedOwners: ["other-org"] } } });
            const { report } = await scanJson(fixture("cli-account.json"), "--config", paths["c.json"]);
            assert.ok(!report.roles.some((r) => policiesOf(r).includes("iam-no-admin-access")));
            assert.match(byName(report, "orders-api-production").findings[0].message, /not in allowedOwners/);
        });
        it("a configuration the pack would refuse is an error, exit 2", async () => {
            const { paths } = writeDumps({ "bad.json": { "iam-no-such-policy": "mandatory" } });
            const run = await runScan([fixture("cli-account.json"), "--config", paths["bad.json"]]);
            assert.equal(run.exitCode, 2);
            assert.match(run.stderr, /iam-no-such-policy: the pack has no policy of that name/);
        });
        it("--github-only leaves out roles no GitHub issuer can assume", async () => {
            const { report } = await scanJson(fixture("cli-account.json"), "--github-only");
            assert.ok(report.roles.every((r) => r.trustsGithub));
            assert.equal(report.roles.length, cli.roles.length - 1);
        });
    });

    describe("malformed and partial dumps: exit 2 and an error naming the file and the entry", () => {
        const scanError = async (...args: string[]): Promise<string> => {
            const run = await runScan(args);
            assert.equal(run.exitCode, 2);
            assert.equal(run.stdout, "");
            assert.doesNotMatch(run.stderr, /\n\s+at /, "no stack trace");
            return run.stderr;
        };
        it("a trust policy that is not JSON", async () => {
            const file = fixture("malformed-trust.json");
            assert.match(await scanError(file), new RegExp(`^scan: ${file.replace(/[.*+?^${}()|[\]\\/]/g, "\\$&")}: RoleDetailList\\[1\\] \\(deploy-x\\): AssumeRolePolicyDocument is not JSON`));
        });
        it("one page of a paginated response", async () => {
            assert.match(await scanError(fixture("one-page.json")), /one-page\.json: is one page of several \(IsTruncated is true\)/);
        });
        it("an attached customer-managed policy missing from Policies (a dump made with --filter Role)", async () => {
            const dump = readFixture("cli-account.json");
            const { paths } = writeDumps({ "filtered.json": { ...dump, Policies: [] } });
            assert.match(await scanError(paths["filtered.json"]), /filtered\.json: RoleDetailList\[5\] \(ci-default-admin\): AttachedManagedPolicies\[0\] arn:aws:iam::111111111111:policy\/ci-power is not in the dump's Policies/);
        });
        it("entries of the wrong type, each named", async () => {
            const { paths } = writeDumps({
                "odd.json": dumpOf([{ RoleName: "no-arn", AssumeRolePolicyDocument: {} }, "text" as unknown as Json, roleDetail("555555555555", "inline", {}, { inline: { broken: "%E0%A4%A" } })]),
            });
            const stderr = await scanError(paths["odd.json"]);
            assert.match(stderr, /RoleDetailList\[0\] \(no-arn\): has no Arn/);
            assert.match(stderr, /RoleDetailList\[1\]: must be an object/);
            assert.match(stderr, /RoleDetailList\[2\] \(inline\): RolePolicyList\[0\] \(broken\): PolicyDocument is not JSON, nor URL-encoded JSON/);
        });
        it("a file that is not JSON, not a dump, or not there", async () => {
            const { paths } = writeDumps({ "text.json": "RoleDetailList", "other.json": { Users: [] } });
            assert.match(await scanError(paths["text.json"]), /text\.json: is not JSON/);
            assert.match(await scanError(paths["other.json"]), /other\.json: has neither RoleDetailList nor Policies/);
            assert.match(await scanError(path.join(paths["text.json"], "..", "missing.json")), /missing\.json: cannot read it \(ENOENT\)/);
        });
        it("bad arguments print the usage", async () => {
            assert.match(await scanError(), /name at least one dump file/);
            assert.match(await scanError(fixture("cli-account.json"), "--format", "xml"), /--format: "xml" is not one of text, markdown, json, sarif/);
        });
    });

    describe("text and Markdown", () => {
        it("text names each role, its subjects, its findings with their levels, the entry and the verdict", async () => {
            const run = await runScan([fixture("cli-account.json")]);
            assert.match(run.stdout, /role orders-api-production \(arn:aws:iam::111111111111:role\/github-actions\/orders-api-production\)\n {2}GitHub: repo:acme@73214512\/orders-api@1061140022:environment:production\n {2}keyless entry \(stack of account 111111111111, github:owner acme\):/);
            assert.match(run.stdout, /FAIL \[mandatory\] iam-no-admin-access: AttachedManagedPolicies arn:aws:iam::aws:policy\/AdministratorAccess/);
            assert.match(run.stdout, /1 other role: no finding, no GitHub trust\nFAIL: \d+ mandatory findings and 0 advisory on 5 roles\n$/);
            const yamlBlock = run.stdout.split("keyless entry (stack of account 111111111111, github:owner acme):\n")[1].split("\n\n")[0].split("\n").filter((l) => l.startsWith("    ")).map((l) => l.slice(4)).join("\n");
            assert.equal((parse(yamlBlock) as { "keyless:repositories": unknown[] })["keyless:repositories"].length, 1, "the entry is YAML a stack file takes");
        });
        it("Markdown: a table of roles and a details block per role; values cannot break the table or the code block", async () => {
            const account = "666666666666";
            const trust = { Version: "2012-10-17", Statement: [{ Sid: "a|b`<x>", Effect: "Allow", Principal: { Federated: `arn:aws:iam::${account}:oidc-provider/${GITHUB}` }, Action: "sts:AssumeRoleWithWebIdentity", Condition: { StringLike: { [`${GITHUB}:sub`]: "repo:acme/*|`x`" } } }] };
            const { paths } = writeDumps({ "m.json": dumpOf([roleDetail(account, "odd", trust)]) });
            const run = await runScan([paths["m.json"], "--format", "markdown"]);
            assert.match(run.stdout, /^### keyless scan\n/);
            const rows = run.stdout.split("\n").filter((line) => line.startsWith("| <code>"));
            assert.equal(rows.length, 1);
            assert.equal(rows[0].replace(/\\\|/g, "").split("|").length, 5, "three cells, the | in values escaped");
            assert.match(run.stdout, /<details><summary>odd: \d+ findings?<\/summary>/);
        });
    });

    it("runs as `npm run scan` with the exit code and no stack trace", async () => {
        const npm = (args: string[]) =>
            promisify(execFile)("npm", ["run", "--silent", "scan", "--", ...args], { cwd: PROJECT_DIR }).then(
                () => ({ code: 0, stderr: "" }),
                (error: { code: number; stderr: string }) => ({ code: error.code, stderr: error.stderr }),
            );
        // An offline scan never loads the AWS SDK (--live loads it on demand).
        const sdkLoaded = promisify(execFile)(
            process.execPath,
            ["-r", "ts-node/register/transpile-only", "-e", `require("./tools/scan").runScan([${JSON.stringify(fixture("cli-account.json"))}]).then(() => console.log(Object.keys(require.cache).some((k) => k.includes("@aws-sdk"))))`],
            { cwd: PROJECT_DIR, env: { ...process.env, TS_NODE_PROJECT: "tsconfig.json" } },
        ).then(({ stdout }) => stdout.trim());
        const [blocked, malformed, loaded] = await Promise.all([npm([fixture("cli-account.json")]), npm([fixture("malformed-trust.json")]), sdkLoaded]);
        assert.equal(loaded, "false");
        assert.equal(blocked.code, 1);
        assert.equal(malformed.code, 2);
        assert.match(malformed.stderr, /RoleDetailList\[1\] \(deploy-x\): AssumeRolePolicyDocument is not JSON/);
        assert.doesNotMatch(malformed.stderr, /\n\s+at /);
        assert.ok(fs.existsSync(fixture("cli-account.json")));
    });
});
