// No deploy role keyless creates can widen itself (issue 14.2): by IAM's evaluation of its
// identity policy and its permissions boundary together, no role of a stack (keyless's own
// included) may change its own trust, policies, tags or existence, lift or replace its boundary,
// or rewrite the boundary policy. Roles with managed policies whose documents the test cannot read
// count as allowed everything by them: the boundary alone must then close it. Checked on every
// role of the fixture stacks and of the project's own stack files, with controls showing the
// check catches a wildcard, a `?` and a NotAction.

import * as assert from "node:assert/strict";
import * as path from "node:path";
import { KeylessConfig, loadStackConfig } from "../../components/config";
import { POLICY_CHANGE_ACTIONS, ROLE_CHANGE_ACTIONS } from "../../components/keylessPermissions";
import { boundaryArgsForStack } from "../../components/permissionsBoundary";
import { keylessStatements, PolicyDocument, Statement } from "../../components/presets";
import { analyzeSelfEscalation } from "../../policy/analysis/selfEscalation";
import { listStacks, readStackConfig } from "../../tools/stackFiles";
import { EvaluatedRole, selfEscalations, stackRoles } from "../helpers/iamEvaluation";
import { FIXTURE_STACKS } from "../helpers/runStack";

function loadConfig(projectDir: string, stack: string, file?: string): KeylessConfig {
    const read = readStackConfig(projectDir, stack, file);
    return loadStackConfig({ stack, values: read.values, secretKeys: new Set(read.secretKeys) });
}

const escalations = (role: EvaluatedRole) => selfEscalations(role, ROLE_CHANGE_ACTIONS, POLICY_CHANGE_ACTIONS);

const STACKS: { label: string; config: () => KeylessConfig }[] = [
    ...["dev", "prod"].map((stack) => ({ label: `fixture ${stack}`, config: () => loadConfig(".", stack, path.join(FIXTURE_STACKS, `Pulumi.${stack}.yaml`)) })),
    { label: "fixture selftest", config: () => loadConfig("tests/fixtures/keyless-self", "selftest") },
    // Generic: whatever the project's own stack files hold.
    ...listStacks(".").map((stack) => ({ label: `project ${stack}`, config: () => loadConfig(".", stack) })),
];

describe("no deploy role can widen itself (IAM evaluation of identity policy and boundary)", () => {
    for (const { label, config } of STACKS) {
        it(`${label}: no role can change itself, lift or replace its boundary, or rewrite the boundary policy`, () => {
            const roles = stackRoles(config());
            assert.ok(roles.length > 0);
            const found = roles.flatMap((role) => escalations(role).map((line) => `${role.key}: ${line}`));
            assert.deepEqual(found, []);
        });
        it(`${label}: the boundary alone closes it for every bounded role, and keyless's own preset alone for its role`, () => {
            for (const role of stackRoles(config())) {
                if (role.boundary !== undefined) assert.deepEqual(escalations({ ...role, identity: "unknown" }), [], `${role.key}, boundary alone`);
                if (role.keyless) assert.deepEqual(escalations({ ...role, boundary: undefined }), [], `${role.key}, preset alone`);
            }
        });
    }

    for (const { label, config } of STACKS) {
        it(`${label}: every role passes the pack's iam-no-self-escalation analysis, with the boundary document`, () => {
            const found = stackRoles(config()).flatMap((role) =>
                analyzeSelfEscalation({
                    role: { arn: role.arn },
                    inlinePolicies: [{ name: "keyless-deploy", document: role.inline }],
                    managedPolicies: role.managedPolicyArns.map((arn) => ({ arn })),
                    permissionsBoundary: role.boundaryArn === undefined ? undefined : { arn: role.boundaryArn, document: role.boundary },
                }).escalations.map((escalation) => `${role.key}: ${escalation.message}`),
            );
            assert.deepEqual(found, []);
        });
    }

    describe("the check can fail", () => {
        const config = loadConfig(".", "dev", path.join(FIXTURE_STACKS, "Pulumi.dev.yaml"));
        const keyless = stackRoles(config).find((role) => role.keyless);
        assert.ok(keyless);
        const document = (statements: Statement[]): PolicyDocument => ({ Version: "2012-10-17", Statement: statements });

        it("flags keyless's preset as it was before (no Deny on itself), without a boundary", () => {
            const scope = { partition: config.partition, region: config.region, accountId: config.accountId, keyless: boundaryTarget(config) };
            const found = escalations({ ...keyless, identity: document(keylessStatements(scope)), boundary: undefined });
            for (const action of ["iam:UpdateAssumeRolePolicy", "iam:PutRolePolicy", "iam:AttachRolePolicy"]) {
                assert.ok(found.includes(`${action} on ${keyless.arn}`), `${action}: ${found.join("; ")}`);
            }
        });

        it("the pack flags keyless's preset as it was before, too", () => {
            const scope = { partition: config.partition, region: config.region, accountId: config.accountId, keyless: boundaryTarget(config) };
            const analysis = analyzeSelfEscalation({ role: { arn: keyless.arn }, inlinePolicies: [{ name: "keyless-deploy", document: document(keylessStatements(scope)) }] });
            assert.ok(analysis.escalations.some((escalation) => escalation.action === "iam:UpdateAssumeRolePolicy"), JSON.stringify(analysis.escalations));
        });

        it("flags a wildcard, a ? and a NotAction that cover the role, and the boundary policy", () => {
            const questionMark = keyless.arn.replace(/.$/, "?");
            assert.notEqual(questionMark, keyless.arn);
            const cases: Statement[][] = [
                [{ Effect: "Allow", Action: "iam:*", Resource: "*" }],
                [{ Effect: "Allow", Action: "iam:Update?ssumeRolePolicy", Resource: questionMark }],
                [{ Effect: "Allow", NotAction: "s3:*", Resource: "*" } as unknown as Statement],
                [{ Effect: "Allow", Action: "iam:CreatePolicyVersion", Resource: `arn:aws:iam::${config.accountId}:policy/*` }],
            ];
            for (const statements of cases) {
                assert.notDeepEqual(escalations({ ...keyless, identity: document(statements), boundary: undefined }), [], JSON.stringify(statements));
            }
        });

        it("an unconditional Deny closes what a wildcard opens", () => {
            const statements: Statement[] = [
                { Effect: "Allow", Action: "iam:*", Resource: "*" },
                { Effect: "Deny", Action: [...ROLE_CHANGE_ACTIONS], Resource: keyless.arn },
                { Effect: "Deny", Action: [...POLICY_CHANGE_ACTIONS], Resource: keyless.boundaryArn ?? "*" },
            ];
            assert.deepEqual(escalations({ ...keyless, identity: document(statements), boundary: undefined }), []);
        });
    });
});

function boundaryTarget(config: KeylessConfig) {
    const args = boundaryArgsForStack(config);
    if ("problem" in args) return assert.fail(args.problem);
    return args.target;
}
