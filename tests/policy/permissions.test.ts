// iam:PassRole on every role and admin access, judged by IAM's matching rules (semantics note: Matching,
// Admin), through the analysis API.

import * as assert from "node:assert/strict";
import { checkManagedPolicyArn, checkPermissionPolicy, PolicyName } from "../../policy/analysis";
import { allow, deny, policyDocument, Statement } from "./helpers/documents";

const PASSROLE: PolicyName = "iam-no-passrole-on-all-roles";
const ADMIN: PolicyName = "iam-no-admin-access";

function messages(policy: PolicyName, ...statements: Statement[]): string[] {
    return checkPermissionPolicy(policyDocument(...statements))
        .filter((f) => f.policy === policy)
        .map((f) => `${f.location}: ${f.message}`);
}

function assertBlocked(policy: PolicyName, statements: Statement[], mentions: RegExp[] = []): void {
    const found = messages(policy, ...statements);
    assert.ok(found.length > 0, `expected ${policy} to block ${JSON.stringify(statements)}`);
    for (const mention of mentions) {
        assert.ok(found.some((m) => mention.test(m)), `expected ${mention} in:\n${found.join("\n")}`);
    }
}

function assertPasses(policy: PolicyName, statements: Statement[]): void {
    assert.deepEqual(messages(policy, ...statements), []);
}

describe("iam-no-passrole-on-all-roles analysis", () => {
    describe("actions that grant iam:PassRole", () => {
        for (const action of ["iam:PassRole", "IAM:PASSROLE", "iam:passrole", "iam:Pass*", "iam:*Role", "iam:P?ssRole", "iam:*", "*", "*:*", ["s3:GetObject", "iam:PassRole"]]) {
            it(`Action ${JSON.stringify(action)} on "*"`, () => assertBlocked(PASSROLE, [allow(action, "*")]));
        }
        it("NotAction that does not exclude it", () => assertBlocked(PASSROLE, [{ Effect: "Allow", NotAction: "s3:*", Resource: "*" }], [/NotAction \["s3:\*"\]|NotAction "s3:\*"/]));
        it("NotAction that excludes it grants no PassRole", () => {
            assertPasses(PASSROLE, [{ Effect: "Allow", NotAction: "iam:PassRole", Resource: "*" }]);
            assertPasses(PASSROLE, [{ Effect: "Allow", NotAction: ["IAM:Pass*"], Resource: "*" }]);
        });
        for (const action of ["iam:PassRoles", "iam:GetRole", "iam:Pass", "s3:*", "iam:List*"]) {
            it(`Action ${action} does not grant it`, () => assertPasses(PASSROLE, [allow(action, "*")]));
        }
    });

    describe("resources that cover every role", () => {
        for (const resource of [
            "*",
            "arn:aws:iam::*:role/*",
            "arn:*:iam::*:*",
            "arn:aws:iam::123456789012:role/*",
            "arn:aws-us-gov:iam::123456789012:role/*",
            "arn:aws:iam::123456789012:*",
            "arn:aws:iam::*",
            "arn:aws:iam::123456789012:role*",
            ["arn:aws:iam::123456789012:role/app", "arn:aws:iam::*:role/*"],
        ]) {
            it(`Resource ${JSON.stringify(resource)}`, () => assertBlocked(PASSROLE, [allow("iam:PassRole", resource)]));
        }
        it("NotResource grants every role it does not list", () =>
            assertBlocked(PASSROLE, [{ Effect: "Allow", Action: "iam:PassRole", NotResource: "arn:aws:iam::123456789012:role/admin" }], [/NotResource/]));
        it("NotResource that excludes every role grants none", () =>
            assertPasses(PASSROLE, [{ Effect: "Allow", Action: "iam:PassRole", NotResource: "arn:*:iam::*:role/*" }]));
    });

    describe("resources that do not", () => {
        for (const resource of [
            "arn:aws:iam::123456789012:role/app-task-role",
            "arn:aws:iam::123456789012:role/service-role/*",
            "arn:aws:iam::123456789012:role/deploy-*",
            "arn:aws:iam::*:role/app-?",
            "arn:aws:s3:::*",
            "ARN:AWS:IAM::*:ROLE/*",
            ["arn:aws:iam::123456789012:role/a", "arn:aws:iam::123456789012:role/b"],
        ]) {
            it(`Resource ${JSON.stringify(resource)}`, () => assertPasses(PASSROLE, [allow("iam:PassRole", resource)]));
        }
    });

    it("iam:PassedToService does not make it acceptable", () =>
        assertBlocked(PASSROLE, [allow("iam:PassRole", "*", { Condition: { StringEquals: { "iam:PassedToService": "ecs-tasks.amazonaws.com" } } })], [/iam:PassedToService condition limits which service receives the role, not which role/]));

    describe("explicit Deny", () => {
        it("an unconditional Deny of PassRole on every resource cancels the grant", () =>
            assertPasses(PASSROLE, [allow("iam:PassRole", "*"), deny("iam:PassRole", "*")]));
        it("an unconditional Deny covering every role cancels it, however written", () => {
            assertPasses(PASSROLE, [allow("iam:*", "*"), deny("IAM:Pass*", "arn:*:iam::*:role/*")]);
            assertPasses(PASSROLE, [allow("iam:PassRole", "arn:aws:iam::123456789012:role/*"), deny("iam:*", "arn:aws:iam::123456789012:role/*")]);
        });
        it("a Deny on one role leaves the others passable", () =>
            assertBlocked(PASSROLE, [allow("iam:PassRole", "*"), deny("iam:PassRole", "arn:aws:iam::123456789012:role/admin")]));
        it("a conditional Deny does not cancel it", () =>
            assertBlocked(PASSROLE, [allow("iam:PassRole", "*"), deny("iam:PassRole", "*", { Condition: { Bool: { "aws:MultiFactorAuthPresent": "false" } } })]));
        it("a Deny of other actions does not cancel it", () => assertBlocked(PASSROLE, [allow("iam:PassRole", "*"), deny("iam:CreateRole", "*")]));
        it("Deny statements combine: together they cover every role", () =>
            assertPasses(PASSROLE, [
                allow("iam:PassRole", "arn:aws:iam::123456789012:role/*"),
                deny("iam:PassRole", "arn:aws:iam::123456789012:role/a*"),
                deny("iam:PassRole", "arn:aws:iam::123456789012:role/*"),
            ]));
    });

    it("every statement counts", () =>
        assertBlocked(PASSROLE, [allow("s3:GetObject", "*"), allow("iam:PassRole", "arn:aws:iam::123456789012:role/app"), { Sid: "Loose", ...allow("iam:PassRole", "*") }], [/^Statement\[2\] \(Sid "Loose"\)/]));

    it("messages name the statement, the action and resource values and the fix", () => {
        const [message] = messages(PASSROLE, { Sid: "Pass", ...allow(["s3:GetObject", "iam:Pass*"], ["arn:aws:s3:::b/*", "arn:aws:iam::*:role/*"]) });
        assert.match(message, /^Statement\[0\] \(Sid "Pass"\)/);
        assert.match(message, /Action "iam:Pass\*"/);
        assert.match(message, /Resource "arn:aws:iam::\*:role\/\*"/);
        assert.match(message, /List the role ARNs/);
    });
});

describe("iam-no-admin-access analysis", () => {
    describe("documents that grant admin", () => {
        for (const [label, statement] of [
            ["* on *", allow("*", "*")],
            ["*:* on *", allow("*:*", "*")],
            ["* on arn:*", allow("*", "arn:*")],
            ["* on every ARN of a partition", allow("*", "arn:aws:*")],
            ["iam:* on *", allow("iam:*", "*")],
            ["IAM:* on *", allow("IAM:*", "*")],
            ["iam:* on every IAM resource", allow("iam:*", "arn:aws:iam::*:*")],
            ["* on every IAM resource of an account", allow("*", "arn:aws:iam::123456789012:*")],
            ["NotAction that leaves IAM in", { Effect: "Allow", NotAction: ["s3:*", "ec2:*"], Resource: "*" }],
            ["* with NotResource", { Effect: "Allow", Action: "*", NotResource: "arn:aws:s3:::secrets/*" }],
            ["* on * with a condition", allow("*", "*", { Condition: { Bool: { "aws:MultiFactorAuthPresent": "true" } } })],
            ["single Action and Resource given as lists", allow(["*"], ["*"])],
        ] as const) {
            it(label, () => assertBlocked(ADMIN, [statement as Statement], [/administrator access|attach AdministratorAccess to itself/]));
        }
    });

    describe("documents that do not", () => {
        for (const [label, statement] of [
            ["* on one bucket", allow("*", "arn:aws:s3:::site/*")],
            ["iam:* on one role", allow("iam:*", "arn:aws:iam::123456789012:role/app")],
            ["part of IAM on *", allow(["iam:Get*", "iam:List*"], "*")],
            ["NotAction that excludes all of IAM (PowerUserAccess-like)", { Effect: "Allow", NotAction: ["iam:*", "organizations:*"], Resource: "*" }],
            ["s3:* on *", allow("s3:*", "*")],
        ] as const) {
            it(label, () => assertPasses(ADMIN, [statement as Statement]));
        }
        it("an unconditional Deny of everything cancels it", () => assertPasses(ADMIN, [allow("*", "*"), deny("*", "*")]));
        it("a Deny of IAM leaves every other action: still admin", () => assertBlocked(ADMIN, [allow("*", "*"), deny("iam:*", "*")]));
    });

    describe("unreadable documents fail closed for both policies", () => {
        for (const [label, document] of [
            ["malformed JSON", "{"],
            ["Statement of the wrong type", { Statement: 7 }],
            ["a statement with a numeric Action", { Statement: [{ Effect: "Allow", Action: 3, Resource: "*" }] }],
        ] as const) {
            it(label, () => {
                const policies = checkPermissionPolicy(document).map((f) => f.policy);
                assert.ok(policies.includes(PASSROLE) && policies.includes(ADMIN), JSON.stringify(policies));
            });
        }
    });
});

describe("managed policy ARNs", () => {
    for (const arn of [
        "arn:aws:iam::aws:policy/AdministratorAccess",
        "arn:aws-us-gov:iam::aws:policy/AdministratorAccess",
        "arn:aws-cn:iam::aws:policy/AdministratorAccess",
        "arn:${AWS::Partition}:iam::aws:policy/AdministratorAccess",
        "arn:aws:iam::aws:policy/IAMFullAccess",
        "arn:aws:iam::aws:policy/administratoraccess",
    ]) {
        it(`${arn} is admin`, () => assert.equal(checkManagedPolicyArn(arn)?.policy, ADMIN));
    }
    for (const arn of [
        "arn:aws:iam::123456789012:policy/AdministratorAccess",
        "arn:aws:iam::aws:policy/ReadOnlyAccess",
        "arn:aws:iam::aws:policy/AdministratorAccess-Amplify",
        "AdministratorAccess",
        "",
    ]) {
        it(`${arn || "(empty)"} is not admin by name`, () => assert.equal(checkManagedPolicyArn(arn), undefined));
    }
    it("the list of admin-equivalent names is configurable, by name or ARN", () => {
        const options = { additionalAdminPolicies: ["PowerUserAccess", "arn:aws:iam::aws:policy/job-function/NetworkAdministrator"] };
        assert.match(checkManagedPolicyArn("arn:aws:iam::aws:policy/PowerUserAccess", options)?.message ?? "", /additionalAdminPolicies/);
        assert.ok(checkManagedPolicyArn("arn:aws:iam::aws:policy/job-function/NetworkAdministrator", options));
        assert.equal(checkManagedPolicyArn("arn:aws:iam::aws:policy/PowerUserAccess"), undefined);
    });
    it("never throws on a non-string", () => assert.equal(checkManagedPolicyArn(42 as unknown as string), undefined));
});
