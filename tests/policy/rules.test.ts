// The resource policies through the SDK's own argument shapes: every resource type that carries a document
// or a policy ARN, both document forms, secrets, unknowns at preview, odd input, configuration.

import * as assert from "node:assert/strict";
import { githubOidcTrustPinsRepository } from "../../policy/rules/githubOidcTrustPinsRepository";
import { iamNoAdminAccess } from "../../policy/rules/iamNoAdminAccess";
import { iamNoPassroleOnAllRoles } from "../../policy/rules/iamNoPassroleOnAllRoles";
import { allow, githubTrust, githubTrustStatement, policyDocument } from "./helpers/documents";
import { Outcome, runResourcePolicy, secret, UNKNOWN } from "./helpers/sdk";

const GOOD_TRUST = githubTrust({ sub: "repo:acme/api:environment:production" });
const BAD_TRUST = githubTrust({ sub: "repo:acme/*", subOperator: "StringLike" });
const PASS_ANY_ROLE = policyDocument(allow("iam:PassRole", "*"));
const ADMIN_DOCUMENT = policyDocument(allow("*", "*"));
const SCOPED = policyDocument(allow(["s3:GetObject"], "arn:aws:s3:::site/*"), allow("iam:PassRole", "arn:aws:iam::123456789012:role/app"));
const ADMIN_ARN = "arn:aws:iam::aws:policy/AdministratorAccess";

function assertViolation(outcome: Outcome, mention?: RegExp): void {
    assert.ok(outcome.violations.length > 0, `expected a violation, got ${JSON.stringify(outcome)}`);
    assert.equal(outcome.advisory, undefined, `no preview advisory expected: ${outcome.advisory}`);
    if (mention !== undefined) {
        assert.ok(outcome.violations.some((v) => mention.test(v.message)), `expected ${mention} in ${JSON.stringify(outcome.violations)}`);
    }
}

function assertClean(outcome: Outcome): void {
    assert.deepEqual(outcome, { violations: [] });
}

describe("github-oidc-trust-pins-repository through the SDK", () => {
    const run = (type: string, props: Record<string, unknown>, config?: Record<string, unknown>): Outcome =>
        runResourcePolicy(githubOidcTrustPinsRepository, { type, name: "deploy", props }, config);

    for (const [type, property] of [
        ["aws:iam/role:Role", "assumeRolePolicy"],
        ["aws-native:iam:Role", "assumeRolePolicyDocument"],
    ]) {
        describe(type, () => {
            it("blocks a wildcard trust, as a JSON string or an object", () => {
                assertViolation(run(type, { [property]: JSON.stringify(BAD_TRUST) }), new RegExp(`^${property} Statement\\[0\\]: sub "repo:acme/\\*"`));
                assertViolation(run(type, { [property]: BAD_TRUST }), /wildcard/);
            });
            it("passes an exact trust, as a JSON string or an object", () => {
                assertClean(run(type, { [property]: JSON.stringify(GOOD_TRUST) }));
                assertClean(run(type, { [property]: GOOD_TRUST }));
            });
            it("reads a trust policy passed as a secret", () => assertViolation(run(type, { [property]: secret(JSON.stringify(BAD_TRUST)) })));
            it("fails closed on a missing or unreadable trust policy", () => {
                assertViolation(run(type, {}), /missing; a trust policy keyless cannot read is treated as trusting anyone/);
                assertViolation(run(type, { [property]: "{{" }), /cannot be read/);
                assertViolation(run(type, { [property]: 17 }), /cannot be read/);
            });
        });
    }

    it("is not applicable to other types", () => assert.match(run("aws:s3/bucket:Bucket", {}).notApplicable ?? "", /trust policies/));

    describe("preview", () => {
        it("a trust policy unknown until `pulumi up` gives the SDK's advisory, not a violation", () => {
            const outcome = run("aws:iam/role:Role", { assumeRolePolicy: UNKNOWN });
            assert.deepEqual(outcome.violations, []);
            assert.match(outcome.advisory ?? "", /can't be known during preview/);
        });
        it("known statements are judged first; the unknown one is left for `up`", () => {
            const document = policyDocument(
                githubTrustStatement({ sub: "repo:acme/*", subOperator: "StringLike" }),
                { ...githubTrustStatement({}), Condition: { StringEquals: { "token.actions.githubusercontent.com:sub": UNKNOWN } } },
            );
            const outcome = run("aws:iam/role:Role", { assumeRolePolicy: document });
            assert.equal(outcome.violations.length, 1);
            assert.match(outcome.violations[0].message, /Statement\[0\]/);
            assert.match(outcome.advisory ?? "", /can't be known during preview/);
        });
        it("an unknown statement alone is never a violation (no missing-sub verdict from an unknown condition)", () => {
            const outcome = run("aws-native:iam:Role", {
                assumeRolePolicyDocument: policyDocument({ ...githubTrustStatement({}), Condition: UNKNOWN }),
            });
            assert.deepEqual(outcome.violations, []);
            assert.ok(outcome.advisory);
        });
        it("unknown properties the rule does not read change nothing", () =>
            assertClean(run("aws:iam/role:Role", { assumeRolePolicy: GOOD_TRUST, name: UNKNOWN, permissionsBoundary: UNKNOWN })));
    });

    it("applies allowedOwners from the configuration", () => {
        assertViolation(run("aws:iam/role:Role", { assumeRolePolicy: GOOD_TRUST }, { allowedOwners: ["globex"] }), /not in allowedOwners/);
        assertClean(run("aws:iam/role:Role", { assumeRolePolicy: GOOD_TRUST }, { allowedOwners: ["ACME"] }));
    });

    it("applies allowedAudiences from the configuration, and STS's audience by default", () => {
        const ownerAudience = policyDocument(githubTrustStatement({ sub: "repo:acme/api:environment:production", aud: "https://github.com/acme" }));
        assertViolation(run("aws:iam/role:Role", { assumeRolePolicy: ownerAudience }), /not an audience/);
        assertClean(run("aws:iam/role:Role", { assumeRolePolicy: ownerAudience }, { allowedAudiences: ["https://github.com/acme"] }));
        assertViolation(run("aws:iam/role:Role", { assumeRolePolicy: GOOD_TRUST }, { allowedAudiences: ["https://github.com/acme"] }), /not an audience/);
    });
});

const PERMISSION_SITES: Array<[string, string, (document: unknown) => Record<string, unknown>]> = [
    ["aws:iam/policy:Policy", "policy", (d) => ({ policy: d })],
    ["aws:iam/rolePolicy:RolePolicy", "policy", (d) => ({ role: "app", policy: d })],
    ["aws:iam/userPolicy:UserPolicy", "policy", (d) => ({ user: "ci", policy: d })],
    ["aws:iam/groupPolicy:GroupPolicy", "policy", (d) => ({ group: "ops", policy: d })],
    ["aws:iam/role:Role", "inlinePolicies[1].policy", (d) => ({ assumeRolePolicy: GOOD_TRUST, inlinePolicies: [{ name: "ok", policy: JSON.stringify(SCOPED) }, { name: "x", policy: d }] })],
    ["aws-native:iam:ManagedPolicy", "policyDocument", (d) => ({ policyDocument: d })],
    ["aws-native:iam:Policy", "policyDocument", (d) => ({ policyName: "p", policyDocument: d })],
    ["aws-native:iam:RolePolicy", "policyDocument", (d) => ({ roleName: "app", policyName: "p", policyDocument: d })],
    ["aws-native:iam:UserPolicy", "policyDocument", (d) => ({ userName: "ci", policyName: "p", policyDocument: d })],
    ["aws-native:iam:GroupPolicy", "policyDocument", (d) => ({ groupName: "ops", policyName: "p", policyDocument: d })],
    ["aws-native:iam:Role", "policies[0].policyDocument", (d) => ({ assumeRolePolicyDocument: GOOD_TRUST, policies: [{ policyName: "p", policyDocument: d }] })],
    ["aws-native:iam:User", "policies[0].policyDocument", (d) => ({ policies: [{ policyName: "p", policyDocument: d }] })],
    ["aws-native:iam:Group", "policies[0].policyDocument", (d) => ({ policies: [{ policyName: "p", policyDocument: d }] })],
];

describe("iam-no-passrole-on-all-roles through the SDK", () => {
    for (const [type, path, props] of PERMISSION_SITES) {
        it(`${type} ${path}: blocks PassRole on every role, passes scoped PassRole`, () => {
            for (const document of [PASS_ANY_ROLE, JSON.stringify(PASS_ANY_ROLE)]) {
                const outcome = runResourcePolicy(iamNoPassroleOnAllRoles, { type, props: props(document) });
                assertViolation(outcome, new RegExp(`^${path.replace(/[[\].]/g, "\\$&")} Statement\\[0\\]: allows iam:PassRole`));
            }
            assertClean(runResourcePolicy(iamNoPassroleOnAllRoles, { type, props: props(SCOPED) }));
        });
    }
    it("aws.iam.Role inline entries without a document (the provider's way to remove inline policies) are skipped", () =>
        assertClean(runResourcePolicy(iamNoPassroleOnAllRoles, { type: "aws:iam/role:Role", props: { assumeRolePolicy: GOOD_TRUST, inlinePolicies: [{}, { name: "", policy: "" }] } })));
    it("an unknown document gives the advisory; a known bad one next to it is still reported", () => {
        const outcome = runResourcePolicy(iamNoPassroleOnAllRoles, {
            type: "aws:iam/role:Role",
            props: { assumeRolePolicy: GOOD_TRUST, inlinePolicies: [{ name: "a", policy: UNKNOWN }, { name: "b", policy: JSON.stringify(PASS_ANY_ROLE) }] },
        });
        assert.equal(outcome.violations.length, 1);
        assert.match(outcome.violations[0].message, /^inlinePolicies\[1\]\.policy/);
        assert.ok(outcome.advisory);
    });
    it("an unknown Deny keeps a grant it might cancel undecided", () => {
        const outcome = runResourcePolicy(iamNoPassroleOnAllRoles, {
            type: "aws:iam/policy:Policy",
            props: { policy: policyDocument(allow("iam:PassRole", "*"), { Effect: "Deny", Action: "iam:PassRole", Resource: UNKNOWN }) },
        });
        assert.deepEqual(outcome.violations, []);
        assert.ok(outcome.advisory);
    });
    it("is not applicable to attachments and other types", () => {
        assert.ok(runResourcePolicy(iamNoPassroleOnAllRoles, { type: "aws:iam/rolePolicyAttachment:RolePolicyAttachment", props: {} }).notApplicable);
        assert.ok(runResourcePolicy(iamNoPassroleOnAllRoles, { type: "aws:s3/bucket:Bucket", props: {} }).notApplicable);
    });
});

describe("iam-no-admin-access through the SDK", () => {
    for (const [type, path, props] of PERMISSION_SITES) {
        it(`${type} ${path}: blocks an admin document`, () => {
            assertViolation(runResourcePolicy(iamNoAdminAccess, { type, props: props(ADMIN_DOCUMENT) }), /administrator access/);
            assertClean(runResourcePolicy(iamNoAdminAccess, { type, props: props(SCOPED) }));
        });
    }
    const ARN_SITES: Array<[string, string, (arn: string) => Record<string, unknown>]> = [
        ["aws:iam/rolePolicyAttachment:RolePolicyAttachment", "policyArn", (arn) => ({ role: "app", policyArn: arn })],
        ["aws:iam/userPolicyAttachment:UserPolicyAttachment", "policyArn", (arn) => ({ user: "ci", policyArn: arn })],
        ["aws:iam/groupPolicyAttachment:GroupPolicyAttachment", "policyArn", (arn) => ({ group: "ops", policyArn: arn })],
        ["aws:iam/policyAttachment:PolicyAttachment", "policyArn", (arn) => ({ roles: ["app"], policyArn: arn })],
        ["aws:iam/role:Role", "managedPolicyArns[1]", (arn) => ({ assumeRolePolicy: GOOD_TRUST, managedPolicyArns: ["arn:aws:iam::aws:policy/ReadOnlyAccess", arn] })],
        ["aws:iam/rolePolicyAttachmentsExclusive:RolePolicyAttachmentsExclusive", "policyArns[0]", (arn) => ({ roleName: "app", policyArns: [arn] })],
        ["aws:iam/userPolicyAttachmentsExclusive:UserPolicyAttachmentsExclusive", "policyArns[0]", (arn) => ({ userName: "ci", policyArns: [arn] })],
        ["aws:iam/groupPolicyAttachmentsExclusive:GroupPolicyAttachmentsExclusive", "policyArns[0]", (arn) => ({ groupName: "ops", policyArns: [arn] })],
        ["aws-native:iam:Role", "managedPolicyArns[0]", (arn) => ({ assumeRolePolicyDocument: GOOD_TRUST, managedPolicyArns: [arn] })],
        ["aws-native:iam:User", "managedPolicyArns[0]", (arn) => ({ managedPolicyArns: [arn] })],
        ["aws-native:iam:Group", "managedPolicyArns[0]", (arn) => ({ managedPolicyArns: [arn] })],
    ];
    for (const [type, path, props] of ARN_SITES) {
        it(`${type} ${path}: blocks AdministratorAccess in any partition, passes others`, () => {
            for (const arn of [ADMIN_ARN, "arn:aws-cn:iam::aws:policy/AdministratorAccess", "arn:aws:iam::aws:policy/IAMFullAccess"]) {
                assertViolation(runResourcePolicy(iamNoAdminAccess, { type, props: props(arn) }), new RegExp(`^${path.replace(/[[\].]/g, "\\$&")} "${arn.replace(/[.*]/g, "\\$&")}"`));
            }
            assertClean(runResourcePolicy(iamNoAdminAccess, { type, props: props("arn:aws:iam::aws:policy/ReadOnlyAccess") }));
            assertClean(runResourcePolicy(iamNoAdminAccess, { type, props: props("arn:aws:iam::123456789012:policy/AdministratorAccess") }));
        });
    }
    it("additionalAdminPolicies come from the configuration", () => {
        const props = { role: "app", policyArn: "arn:aws:iam::aws:policy/PowerUserAccess" };
        assertClean(runResourcePolicy(iamNoAdminAccess, { type: "aws:iam/rolePolicyAttachment:RolePolicyAttachment", props }));
        assertViolation(
            runResourcePolicy(iamNoAdminAccess, { type: "aws:iam/rolePolicyAttachment:RolePolicyAttachment", props }, { additionalAdminPolicies: ["PowerUserAccess"] }),
            /PowerUserAccess/,
        );
    });
    it("a policy ARN unknown at preview gives the advisory", () => {
        const outcome = runResourcePolicy(iamNoAdminAccess, { type: "aws:iam/rolePolicyAttachment:RolePolicyAttachment", props: { role: "app", policyArn: UNKNOWN } });
        assert.deepEqual(outcome.violations, []);
        assert.ok(outcome.advisory);
    });
    it("an unknown entry of managedPolicyArns does not hide a known admin one", () => {
        const outcome = runResourcePolicy(iamNoAdminAccess, { type: "aws:iam/role:Role", props: { assumeRolePolicy: GOOD_TRUST, managedPolicyArns: [UNKNOWN, ADMIN_ARN] } });
        assert.equal(outcome.violations.length, 1);
        assert.ok(outcome.advisory);
    });
});

describe("odd input never escapes a policy as an exception", () => {
    const oddValues: unknown[] = [null, 0, true, [], [[]], {}, { Statement: null }, { Statement: [null, 1, "x"] }, "", "null", "[]", "{\"Statement\":{}}", [UNKNOWN], { nested: { deeper: [UNKNOWN] } }];
    for (const policy of [githubOidcTrustPinsRepository, iamNoPassroleOnAllRoles, iamNoAdminAccess]) {
        it(policy.name, () => {
            for (const [type] of [...PERMISSION_SITES, ["aws:iam/rolePolicyAttachment:RolePolicyAttachment"], ["aws:iam/rolePolicyAttachmentsExclusive:RolePolicyAttachmentsExclusive"]]) {
                for (const value of oddValues) {
                    for (const property of ["assumeRolePolicy", "assumeRolePolicyDocument", "policy", "policyDocument", "inlinePolicies", "policies", "managedPolicyArns", "policyArn", "policyArns"]) {
                        assert.doesNotThrow(() => runResourcePolicy(policy, { type, props: { [property]: value } }), `${policy.name} ${type}.${property} = ${JSON.stringify(value)}`);
                    }
                }
            }
        });
    }
});
