// The pack over its real gRPC interface, started from source exactly as the Pulumi CLI starts it.

import * as assert from "node:assert/strict";
import * as fs from "fs";
import * as path from "path";
import { POLICY_NAMES } from "../../policy/analysis";
import { AnalyzerClient, PackConfigError, secret, UNKNOWN, WireResource } from "../../policy/harness/analyzerClient";
import { allow, githubTrust, policyDocument } from "./helpers/documents";

// The organisation configuration the tests own (the user's policy/config/organization.json may say anything).
const FIXTURE_CONFIG = path.resolve(__dirname, "../fixtures/policy-config/organization.json");

const goodRole: WireResource = {
    type: "aws:iam/role:Role",
    name: "api-deploy",
    properties: {
        assumeRolePolicy: JSON.stringify(githubTrust({ sub: "repo:acme/api:environment:production" })),
        inlinePolicies: [{ name: "deploy", policy: JSON.stringify(policyDocument(allow("s3:PutObject", "arn:aws:s3:::acme-site/*"))) }],
    },
};
const badRole: WireResource = {
    type: "aws:iam/role:Role",
    name: "api-anything",
    properties: {
        assumeRolePolicy: secret(JSON.stringify(githubTrust({ sub: "repo:acme/*", subOperator: "StringLike" }))),
        managedPolicyArns: ["arn:aws:iam::aws:policy/AdministratorAccess"],
        inlinePolicies: [{ name: "pass", policy: JSON.stringify(policyDocument(allow("iam:Pass*", "*"))) }],
    },
};
const environment: WireResource = {
    type: "github:index/repositoryEnvironment:RepositoryEnvironment",
    name: "api-production",
    provider: { type: "pulumi:providers:github", name: "acme", properties: { owner: "acme" } },
    properties: {
        repository: "api",
        environment: "production",
        reviewers: [{ teams: [42], users: [] }],
        canAdminsBypass: false,
        deploymentBranchPolicy: { protectedBranches: true, customBranchPolicies: false },
    },
};

describe("the pack over gRPC, started as the CLI starts it", function () {
    let pack: AnalyzerClient;

    before(async function () {
        pack = await AnalyzerClient.start({ load: "source" });
    });
    after(async () => {
        await pack?.close();
    });

    it("reports its name, version and policies with their types and config schemas", async () => {
        const info = await pack.getAnalyzerInfo();
        assert.equal(info.name, "keyless-guardrails");
        assert.equal(info.version, (JSON.parse(fs.readFileSync(path.join(__dirname, "..", "..", "policy", "package.json"), "utf8")) as { version: string }).version);
        assert.deepEqual(info.policies.map((p) => p.name), [...POLICY_NAMES]);
        assert.equal(info.policies.find((p) => p.name === "github-trusted-environment-protected")?.type, "stack");
        assert.deepEqual(info.policies.find((p) => p.name === "github-trusted-environment-protected")?.configSchema?.properties.environmentsRequiringReviewers.default, ["*"]);
        assert.ok(info.policies.every((p) => p.enforcementLevel === "mandatory"));
    });

    it("rejects a config file with an unknown setting before sending it", async () => {
        await assert.rejects(pack.configure({ "iam-no-admin-access": { extraAdmins: ["x"] } }), PackConfigError);
    });

    it("blocks a bad role with mandatory violations from each policy it breaks, and passes a good one", async () => {
        await pack.configure(fs.readFileSync(FIXTURE_CONFIG, "utf8"));
        const bad = await pack.analyze(badRole);
        const byPolicy = new Map(bad.diagnostics.map((d) => [d.policyName, d]));
        assert.deepEqual([...byPolicy.keys()].sort(), ["github-oidc-trust-pins-repository", "iam-no-admin-access", "iam-no-passrole-on-all-roles", "iam-no-self-escalation"]);
        assert.ok(bad.diagnostics.every((d) => d.enforcementLevel === "mandatory"));
        assert.match(byPolicy.get("github-oidc-trust-pins-repository")?.message ?? "", /"repo:acme\/\*" under StringLike/);
        assert.match(byPolicy.get("iam-no-passrole-on-all-roles")?.message ?? "", /inlinePolicies\[0\]\.policy Statement\[0\]: allows iam:PassRole \(Action "iam:Pass\*"\)/);
        assert.match(byPolicy.get("iam-no-admin-access")?.message ?? "", /managedPolicyArns\[0\] "arn:aws:iam::aws:policy\/AdministratorAccess"/);
        assert.deepEqual((await pack.analyze(goodRole)).diagnostics, []);
    });

    it("turns a value unknown at preview into the SDK's advisory", async () => {
        const result = await pack.analyze({ ...goodRole, properties: { assumeRolePolicy: UNKNOWN } });
        assert.deepEqual(result.diagnostics.map((d) => [d.policyName, d.enforcementLevel]), [["github-oidc-trust-pins-repository", "advisory"]]);
        assert.match(result.diagnostics[0].message, /can't run policy .* during preview/);
    });

    it("honours per-policy enforcement levels from the config file", async () => {
        await pack.configure({ "iam-no-admin-access": "advisory", "iam-no-passrole-on-all-roles": "disabled" });
        const levels = new Map((await pack.analyze(badRole)).diagnostics.map((d) => [d.policyName, d.enforcementLevel]));
        assert.equal(levels.get("iam-no-admin-access"), "advisory");
        assert.equal(levels.has("iam-no-passrole-on-all-roles"), false);
        assert.equal(levels.get("github-oidc-trust-pins-repository"), "mandatory");
    });

    it("analyzeStack: a trusted environment protected in the stack passes; without it the role is blocked", async () => {
        await pack.configure(fs.readFileSync(FIXTURE_CONFIG, "utf8"));
        assert.deepEqual((await pack.analyzeStack([goodRole, environment])).diagnostics, []);
        const missing = await pack.analyzeStack([goodRole]);
        assert.equal(missing.diagnostics.length, 1);
        assert.equal(missing.diagnostics[0].policyName, "github-trusted-environment-protected");
        assert.equal(missing.diagnostics[0].urn, "urn:pulumi:test::keyless::aws:iam/role:Role::api-deploy");
        assert.match(missing.diagnostics[0].message, /does not manage GitHub environment "production" of acme\/api/);
    });

    describe("on roles discovered in an AWS account (audit policy groups run only resource policies)", () => {
        // As @pulumi/aws reads an existing role from IAM (GetRole, ListRolePolicies/GetRolePolicy,
        // ListAttachedRolePolicies): outputs with the trust as a JSON string, inline documents as JSON strings.
        const discovered = (name: string, trust: unknown, inline: Record<string, unknown>[], managedPolicyArns: string[]): WireResource => ({
            type: "aws:iam/role:Role",
            name,
            urn: `urn:pulumi:audit::aws-account::aws:iam/role:Role::${name}`,
            properties: {
                arn: `arn:aws:iam::123456789012:role/${name}`,
                id: name,
                name,
                path: "/",
                uniqueId: "AROAEXAMPLEID0000000",
                createDate: "2024-03-01T10:00:00Z",
                maxSessionDuration: 3600,
                assumeRolePolicy: JSON.stringify(trust),
                inlinePolicies: inline.map((document, i) => ({ name: `inline-${i}`, policy: JSON.stringify(document) })),
                managedPolicyArns,
                permissionsBoundary: "",
                tags: {},
                tagsAll: {},
            },
        });

        it("every check one role can decide is a resource policy; only the environment check needs a stack", async () => {
            const info = await pack.getAnalyzerInfo();
            const types = Object.fromEntries(info.policies.map((p) => [p.name, p.type]));
            assert.deepEqual(types, {
                "github-oidc-trust-pins-repository": "resource",
                "iam-no-passrole-on-all-roles": "resource",
                "iam-no-admin-access": "resource",
                "iam-no-self-escalation": "resource",
                "github-trusted-environment-protected": "stack",
            });
        });

        it("judges a hand-made role by its trust, its inline policies and its managed policy ARNs", async () => {
            await pack.configure(fs.readFileSync(FIXTURE_CONFIG, "utf8"));
            const handmade = discovered(
                "github-deploy",
                githubTrust({ sub: "repo:acme/*", subOperator: "StringLike" }),
                [policyDocument(allow(["iam:PassRole", "iam:UpdateAssumeRolePolicy"], "*"))],
                ["arn:aws:iam::aws:policy/AdministratorAccess"],
            );
            const result = await pack.analyze(handmade);
            const byPolicy = new Map<string, string[]>();
            for (const d of result.diagnostics) byPolicy.set(d.policyName, [...(byPolicy.get(d.policyName) ?? []), d.message]);
            assert.deepEqual([...byPolicy.keys()].sort(), ["github-oidc-trust-pins-repository", "iam-no-admin-access", "iam-no-passrole-on-all-roles", "iam-no-self-escalation"]);
            assert.ok(byPolicy.get("iam-no-self-escalation")?.some((m) => m.includes('inline policy "inline-0" Statement[0]: allows iam:UpdateAssumeRolePolicy') && m.includes("arn:aws:iam::123456789012:role/github-deploy")));
            assert.ok(byPolicy.get("iam-no-admin-access")?.some((m) => /managedPolicyArns\[0\] "arn:aws:iam::aws:policy\/AdministratorAccess"/.test(m)));
            assert.ok(result.diagnostics.every((d) => d.urn === "" || d.urn === handmade.urn));
        });

        it("passes a scoped, read-only discovered role", async () => {
            await pack.configure(fs.readFileSync(FIXTURE_CONFIG, "utf8"));
            const scoped = discovered(
                "github-readonly",
                githubTrust({ sub: "repo:acme/api:environment:production" }),
                [policyDocument(allow(["s3:GetObject"], "arn:aws:s3:::acme-site/*"), allow(["iam:Get*", "iam:List*"], "*"))],
                ["arn:aws:iam::aws:policy/ReadOnlyAccess"],
            );
            assert.deepEqual((await pack.analyze(scoped)).diagnostics, []);
        });
    });

    it("analyzeStack follows property dependencies to a managed policy of the stack", async () => {
        const policy: WireResource = { type: "aws:iam/policy:Policy", name: "admin", properties: { name: "admin", policy: JSON.stringify(policyDocument(allow("*", "*"))) } };
        const attachment: WireResource = {
            type: "aws:iam/rolePolicyAttachment:RolePolicyAttachment",
            name: "attach-admin",
            properties: { role: "api-deploy", policyArn: UNKNOWN },
            propertyDependencies: { policyArn: ["urn:pulumi:test::keyless::aws:iam/policy:Policy::admin"], role: ["urn:pulumi:test::keyless::aws:iam/role:Role::api-deploy"] },
        };
        const result = await pack.analyzeStack([goodRole, environment, policy, attachment]);
        const admin = result.diagnostics.filter((d) => d.policyName === "iam-no-admin-access");
        assert.deepEqual(admin.map((d) => d.urn), ["urn:pulumi:test::keyless::aws:iam/rolePolicyAttachment:RolePolicyAttachment::attach-admin"]);
        // The attached admin document lets the role rewrite itself and the policy; its own resource check cannot see it.
        const escalations = result.diagnostics.filter((d) => d.policyName === "iam-no-self-escalation");
        assert.ok(escalations.every((d) => d.urn === "urn:pulumi:test::keyless::aws:iam/role:Role::api-deploy"));
        for (const action of ["iam:UpdateAssumeRolePolicy", "iam:PutRolePolicy", "iam:CreatePolicyVersion", "iam:CreateRole"]) {
            assert.ok(escalations.some((d) => d.message.includes(`allows ${action}`)), action);
        }
        assert.equal(result.diagnostics.length, admin.length + escalations.length);
    });
});
