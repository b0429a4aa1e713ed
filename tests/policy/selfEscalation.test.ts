// Self-escalation of a role, judged by IAM's evaluation of its identity policies and its boundary
// (policy/analysis/selfEscalation.ts), through the analysis API.

import * as assert from "node:assert/strict";
import { analyzeSelfEscalation, checkRoleSelfEscalation, SelfEscalationInput, SelfEscalationPath } from "../../policy/analysis";
import { ACCOUNT, allow, deny, policyDocument, Statement } from "./helpers/documents";

const ROLE_ARN = `arn:aws:iam::${ACCOUNT}:role/github-actions/deploy-api`;
const BOUNDARY_ARN = `arn:aws:iam::${ACCOUNT}:policy/keyless-boundary`;
const APP_POLICY_ARN = `arn:aws:iam::${ACCOUNT}:policy/app/deploy-api`;
const UNKNOWN = "04da6b54-80e4-46f7-96ec-b56ff0331ba9";

function role(statements: Statement[], extra: Partial<SelfEscalationInput> = {}): SelfEscalationInput {
    return { role: { arn: ROLE_ARN }, inlinePolicies: [{ name: "deploy", document: policyDocument(...statements) }], ...extra };
}

function paths(input: SelfEscalationInput): string[] {
    return analyzeSelfEscalation(input).escalations.map((e) => `${e.path} ${e.action}`);
}

function assertOpens(input: SelfEscalationInput, path: SelfEscalationPath, action: string): void {
    const found = paths(input);
    assert.ok(found.includes(`${path} ${action}`), `expected ${path} ${action} in ${JSON.stringify(found)}`);
}

function assertNone(input: SelfEscalationInput): void {
    const analysis = analyzeSelfEscalation(input);
    assert.deepEqual(analysis.escalations.map((e) => `${e.path} ${e.action}: ${e.message}`), []);
}

const boundaryAllowing = (...statements: Statement[]) => ({ arn: BOUNDARY_ARN, document: policyDocument(...statements) });

describe("iam-no-self-escalation analysis", () => {
    describe("rewriting its own trust or permissions", () => {
        for (const [action, escalation] of [
            ["iam:UpdateAssumeRolePolicy", "rewrite-trust"],
            ["iam:PutRolePolicy", "rewrite-permissions"],
            ["iam:AttachRolePolicy", "rewrite-permissions"],
        ] as const) {
            for (const written of [action, action.toUpperCase(), "iam:*", "*", action.replace("Role", "R?le"), `${action.slice(0, 8)}*`]) {
                it(`${written} on a wildcard that covers its own ARN opens ${escalation}`, () =>
                    assertOpens(role([allow(written, `arn:aws:iam::${ACCOUNT}:role/github-actions/*`)]), escalation, action));
            }
        }
        it("NotAction that leaves the action in, and NotResource that does not exclude the role, count", () => {
            assertOpens(role([{ Effect: "Allow", NotAction: "s3:*", Resource: "*" }]), "rewrite-trust", "iam:UpdateAssumeRolePolicy");
            assertOpens(role([{ Effect: "Allow", Action: "iam:PutRolePolicy", NotResource: `arn:aws:iam::${ACCOUNT}:role/app/*` }]), "rewrite-permissions", "iam:PutRolePolicy");
        });
        it("resources that do not cover its ARN, NotAction and NotResource that exclude it, pass", () => {
            assertNone(role([allow(["iam:PutRolePolicy", "iam:AttachRolePolicy", "iam:UpdateAssumeRolePolicy"], `arn:aws:iam::${ACCOUNT}:role/app/*`)]));
            assertNone(role([allow("iam:PutRolePolicy", `arn:aws:iam::${ACCOUNT}:role/github-actions/deploy-api-*`)]));
            assertNone(role([{ Effect: "Allow", NotAction: "iam:*", Resource: "*" }]));
            assertNone(role([{ Effect: "Allow", Action: "iam:PutRolePolicy", NotResource: `arn:aws:iam::${ACCOUNT}:role/github-actions/*` }]));
            // Resources are case-sensitive.
            assertNone(role([allow("iam:PutRolePolicy", `arn:aws:iam::${ACCOUNT}:role/GitHub-Actions/*`)]));
        });
        it("read-only IAM is no path", () => assertNone(role([allow(["iam:Get*", "iam:List*"], "*")])));
        it("iam:DeleteRolePolicy and iam:DetachRolePolicy alone are no path", () =>
            assertNone(role([allow(["iam:DeleteRolePolicy", "iam:DetachRolePolicy"], ROLE_ARN)])));
        it("a role known by name and path only is matched in any account", () => {
            const input = { role: { name: "deploy-api", path: "/github-actions/" }, inlinePolicies: [{ name: "deploy", document: policyDocument(allow("iam:PutRolePolicy", `arn:aws:iam::${ACCOUNT}:role/github-actions/*`)) }] };
            assertOpens(input, "rewrite-permissions", "iam:PutRolePolicy");
            const other = { ...input, role: { name: "deploy-api", path: "/other/" } };
            assertNone(other);
        });
        it("the message names the action, the statement, the resource and the fix", () => {
            const [escalation] = analyzeSelfEscalation(role([allow("iam:Update*", `arn:aws:iam::${ACCOUNT}:role/github-actions/*`, { Sid: "Roles" })])).escalations;
            assert.equal(escalation.document, 'inline policy "deploy"');
            assert.equal(escalation.statement, 'Statement[0] (Sid "Roles")');
            assert.equal(escalation.resource, ROLE_ARN);
            assert.match(escalation.message, /allows iam:UpdateAssumeRolePolicy \(Action "iam:Update\*"\) on arn:aws:iam::123456789012:role\/github-actions\/deploy-api/);
            assert.match(escalation.message, /rewrite its own trust policy/);
        });
    });

    describe("explicit Deny", () => {
        const grant = allow("iam:*", "*");
        it("an unconditional Deny covering the role closes the path", () => {
            const found = paths(role([grant, deny(["iam:UpdateAssumeRolePolicy", "iam:PutRolePolicy", "iam:AttachRolePolicy"], ROLE_ARN)]));
            assert.ok(!found.some((p) => p.startsWith("rewrite-trust") || p.startsWith("rewrite-permissions")), JSON.stringify(found));
        });
        it("a conditional Deny, or one on other roles, does not", () => {
            assertOpens(role([grant, deny("iam:PutRolePolicy", ROLE_ARN, { Condition: { Bool: { "aws:MultiFactorAuthPresent": "false" } } })]), "rewrite-permissions", "iam:PutRolePolicy");
            assertOpens(role([grant, deny("iam:PutRolePolicy", `arn:aws:iam::${ACCOUNT}:role/app/*`)]), "rewrite-permissions", "iam:PutRolePolicy");
        });
        it("a Deny in an inline policy the role can delete does not hold; in the same policy as the grant it does", () => {
            const input: SelfEscalationInput = {
                role: { arn: ROLE_ARN },
                inlinePolicies: [
                    { name: "grants", document: policyDocument(allow(["iam:UpdateAssumeRolePolicy", "iam:DeleteRolePolicy"], ROLE_ARN)) },
                    { name: "guard", document: policyDocument(deny("iam:UpdateAssumeRolePolicy", ROLE_ARN)) },
                ],
            };
            const [escalation] = analyzeSelfEscalation(input).escalations;
            assert.equal(escalation?.path, "rewrite-trust");
            assert.match(escalation.message, /The Deny in inline policy "guard" does not hold: it can delete that inline policy/);
            assertNone({ ...input, inlinePolicies: [{ name: "one", document: policyDocument(allow(["iam:UpdateAssumeRolePolicy", "iam:DeleteRolePolicy"], ROLE_ARN), deny("iam:UpdateAssumeRolePolicy", ROLE_ARN)) }] });
        });
        it("a Deny in an attached policy the role can detach does not hold", () => {
            const input: SelfEscalationInput = {
                role: { arn: ROLE_ARN },
                inlinePolicies: [{ name: "grants", document: policyDocument(allow(["iam:PutRolePolicy", "iam:DetachRolePolicy"], ROLE_ARN)) }],
                managedPolicies: [{ arn: APP_POLICY_ARN, document: policyDocument(deny("iam:PutRolePolicy", "*")) }],
            };
            assertOpens(input, "rewrite-permissions", "iam:PutRolePolicy");
        });
    });

    describe("the permissions boundary", () => {
        const putRolePolicy = allow("iam:PutRolePolicy", ROLE_ARN);
        it("caps the identity policy: a boundary that does not allow the action closes it", () => {
            assertNone(role([putRolePolicy], { permissionsBoundary: boundaryAllowing(allow("s3:*", "*")) }));
            assertNone(role([putRolePolicy], { permissionsBoundary: boundaryAllowing(allow("iam:PutRolePolicy", `arn:aws:iam::${ACCOUNT}:role/app/*`)) }));
        });
        it("a boundary that allows it too leaves it open; a Deny in the boundary closes it", () => {
            assertOpens(role([putRolePolicy], { permissionsBoundary: boundaryAllowing(allow("iam:*Role*", `arn:aws:iam::${ACCOUNT}:role/github-actions/*`)) }), "rewrite-permissions", "iam:PutRolePolicy");
            assertNone(role([putRolePolicy], { permissionsBoundary: boundaryAllowing(allow("*", "*"), deny("iam:PutRolePolicy", ROLE_ARN)) }));
        });
        it("a boundary whose document is not known caps nothing keyless can judge", () => {
            const analysis = analyzeSelfEscalation(role([putRolePolicy], { permissionsBoundary: { arn: BOUNDARY_ARN } }));
            assert.deepEqual(analysis.escalations.map((e) => e.path), ["rewrite-permissions"]);
            assert.deepEqual(analysis.unjudged, [`permissions boundary "${BOUNDARY_ARN}"`]);
        });
        it("iam:DeleteRolePermissionsBoundary lifts it, and then the boundary caps nothing", () => {
            const input = role([allow(["iam:DeleteRolePermissionsBoundary", "iam:UpdateAssumeRolePolicy"], ROLE_ARN)], {
                permissionsBoundary: boundaryAllowing(allow("iam:DeleteRolePermissionsBoundary", "*")),
            });
            assert.deepEqual(paths(input).sort(), ["lift-boundary iam:DeleteRolePermissionsBoundary", "rewrite-trust iam:UpdateAssumeRolePolicy"]);
        });
        it("iam:DeleteRolePermissionsBoundary and PutRolePermissionsBoundary are no path for a role without a boundary", () =>
            assertNone(role([allow(["iam:DeleteRolePermissionsBoundary", "iam:PutRolePermissionsBoundary"], ROLE_ARN)])));
        it("iam:PutRolePermissionsBoundary replaces it unless pinned to exact ARNs by iam:PermissionsBoundary", () => {
            const boundary = { permissionsBoundary: { arn: BOUNDARY_ARN, document: policyDocument(allow("*", "*")) } };
            const put = (condition?: Record<string, Record<string, unknown>>) =>
                role([allow("iam:PutRolePermissionsBoundary", ROLE_ARN, condition === undefined ? {} : { Condition: condition })], boundary);
            assertOpens(put(), "lift-boundary", "iam:PutRolePermissionsBoundary");
            assertOpens(put({ StringLike: { "iam:PermissionsBoundary": `arn:aws:iam::${ACCOUNT}:policy/*` } }), "lift-boundary", "iam:PutRolePermissionsBoundary");
            assertOpens(put({ StringNotEquals: { "iam:PermissionsBoundary": BOUNDARY_ARN } }), "lift-boundary", "iam:PutRolePermissionsBoundary");
            assertNone(put({ StringEquals: { "IAM:PermissionsBoundary": BOUNDARY_ARN } }));
            assertNone(put({ ArnEquals: { "iam:PermissionsBoundary": [BOUNDARY_ARN] } }));
            // The request always carries the key, so IfExists pins it here.
            assertNone(put({ StringEqualsIfExists: { "iam:PermissionsBoundary": BOUNDARY_ARN } }));
        });
        it("iam:PermissionsBoundary on PutRolePolicy tests the role's own boundary", () => {
            const scoped = allow("iam:PutRolePolicy", `arn:aws:iam::${ACCOUNT}:role/github-actions/*`, { Condition: { StringEquals: { "iam:PermissionsBoundary": BOUNDARY_ARN } } });
            const ownBoundary = boundaryAllowing(allow("iam:PutRolePolicy", "*"));
            assertOpens(role([scoped], { permissionsBoundary: ownBoundary }), "rewrite-permissions", "iam:PutRolePolicy");
            assertNone(role([scoped], { permissionsBoundary: { ...ownBoundary, arn: `arn:aws:iam::${ACCOUNT}:policy/other` } }));
            assertNone(role([scoped]));
        });
    });

    describe("rewriting managed policies", () => {
        const attached = { managedPolicies: [{ arn: APP_POLICY_ARN, document: policyDocument(allow("s3:GetObject", "*")) }] };
        for (const action of ["iam:CreatePolicyVersion", "iam:SetDefaultPolicyVersion"]) {
            it(`${action} on an attached customer-managed policy`, () => {
                assertOpens(role([allow(action, `arn:aws:iam::${ACCOUNT}:policy/app/*`)], attached), "rewrite-managed-policy", action);
                assertNone(role([allow(action, `arn:aws:iam::${ACCOUNT}:policy/other/*`)], attached));
            });
            it(`${action} on its boundary`, () =>
                assertOpens(role([allow(action, "*")], { permissionsBoundary: boundaryAllowing(allow("iam:*Policy*", "*")) }), "rewrite-managed-policy", action));
        }
        it("AWS-managed policies cannot be versioned by customers", () =>
            assertNone(role([allow("iam:CreatePolicyVersion", "*")], { managedPolicies: [{ arn: "arn:aws:iam::aws:policy/ReadOnlyAccess" }] })));
    });

    describe("creating roles without a boundary", () => {
        const create = (extra: Statement = {}) => role([allow("iam:CreateRole", `arn:aws:iam::${ACCOUNT}:role/app/*`, extra)]);
        it("iam:CreateRole without an iam:PermissionsBoundary condition opens it", () => {
            assertOpens(create(), "create-unbounded-role", "iam:CreateRole");
            assertOpens(create({ Condition: { StringEqualsIfExists: { "iam:PermissionsBoundary": BOUNDARY_ARN } } }), "create-unbounded-role", "iam:CreateRole");
            assertOpens(create({ Condition: { StringLike: { "iam:PermissionsBoundary": "*" } } }), "create-unbounded-role", "iam:CreateRole");
        });
        it("pinned by iam:PermissionsBoundary, by the Allow or by a Deny of every other boundary, it is closed", () => {
            assertNone(create({ Condition: { StringEquals: { "iam:PermissionsBoundary": BOUNDARY_ARN } } }));
            assertNone(role([allow("iam:CreateRole", "*"), deny("iam:CreateRole", "*", { Condition: { StringNotEquals: { "iam:PermissionsBoundary": BOUNDARY_ARN } } })]));
        });
        it("CreateRole in another account is no path", () =>
            assertNone(role([allow("iam:CreateRole", "arn:aws:iam::999999999999:role/*")])));
    });

    describe("attached policies", () => {
        it("AWS-managed AdministratorAccess and IAMFullAccess open every path; unknown AWS-managed documents are listed as not judged", () => {
            for (const name of ["AdministratorAccess", "IAMFullAccess"]) {
                assertOpens({ role: { arn: ROLE_ARN }, managedPolicies: [{ arn: `arn:aws:iam::aws:policy/${name}` }] }, "rewrite-trust", "iam:UpdateAssumeRolePolicy");
            }
            const analysis = analyzeSelfEscalation({ role: { arn: ROLE_ARN }, managedPolicies: [{ arn: "arn:aws:iam::aws:policy/ReadOnlyAccess" }] });
            assert.deepEqual(analysis.escalations, []);
            assert.deepEqual(analysis.unjudged, ['managed policy "arn:aws:iam::aws:policy/ReadOnlyAccess"']);
        });
        it("a customer-managed policy's document is judged as the role's own", () =>
            assertOpens({ role: { arn: ROLE_ARN }, managedPolicies: [{ arn: APP_POLICY_ARN, document: JSON.stringify(policyDocument(allow("iam:PutRolePolicy", "*"))) }] }, "rewrite-permissions", "iam:PutRolePolicy"));
    });

    describe("odd input", () => {
        it("an unreadable document fails closed", () => {
            const [escalation] = analyzeSelfEscalation({ role: { arn: ROLE_ARN }, inlinePolicies: [{ name: "x", document: "{not json" }] }).escalations;
            assert.equal(escalation.failClosed, true);
            assert.match(escalation.message, /not valid JSON.*fails closed/);
        });
        it("an unknown statement defers the verdict instead of reporting", () => {
            const analysis = analyzeSelfEscalation(role([allow("iam:PutRolePolicy", ROLE_ARN), { Effect: UNKNOWN, Action: "iam:PutRolePolicy", Resource: ROLE_ARN }]));
            assert.deepEqual(analysis.escalations, []);
            assert.ok(analysis.unresolved.length > 0);
        });
        it("a role without a name (generated) could be any role of its path", () => {
            const grant = (resource: string) => ({ role: { path: "/github-actions/" }, inlinePolicies: [{ name: "x", document: policyDocument(allow("iam:PutRolePolicy", resource)) }] });
            assertOpens(grant(`arn:aws:iam::${ACCOUNT}:role/github-actions/app-*`), "rewrite-permissions", "iam:PutRolePolicy");
            assertNone(grant(`arn:aws:iam::${ACCOUNT}:role/app/*`));
        });
        it("a managed policy whose ARN and name are not known yet is decided once they are", () => {
            const analysis = analyzeSelfEscalation({ role: { arn: ROLE_ARN }, managedPolicies: [{ document: policyDocument(allow("s3:GetObject", "*")) }] });
            assert.deepEqual(analysis.escalations, []);
            assert.deepEqual(analysis.unresolved, [{ path: 'managed policy "#0" ARN' }]);
        });
    });

    it("checkRoleSelfEscalation gives the program findings of iam-no-self-escalation", () => {
        const findings = checkRoleSelfEscalation(role([allow("iam:UpdateAssumeRolePolicy", ROLE_ARN)]));
        assert.deepEqual(findings.map((f) => [f.policy, f.location]), [["iam-no-self-escalation", 'inline policy "deploy" Statement[0]']]);
        assert.deepEqual(checkRoleSelfEscalation(role([allow("s3:GetObject", "*")])), []);
    });
});
