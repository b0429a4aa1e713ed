// iam-no-self-escalation through the SDK's own argument shapes: a role's own inline and managed lists
// (aws and aws-native, as declared and as the provider reads them from AWS), and the stack-level join of
// RolePolicy, attachments and the stack's managed policies and boundary.

import * as assert from "node:assert/strict";
import { iamNoSelfEscalation } from "../../policy/rules/iamNoSelfEscalation";
import { ACCOUNT, allow, deny, policyDocument } from "./helpers/documents";
import { ResourceInput, runResourcePolicy, runStackPolicy, UNKNOWN } from "./helpers/sdk";

const ROLE_PATH = "/github-actions/";
const OWN_ROLES = `arn:aws:iam::${ACCOUNT}:role/github-actions/*`;
const APP_ROLES = `arn:aws:iam::${ACCOUNT}:role/app/*`;
const BOUNDARY_ARN = `arn:aws:iam::${ACCOUNT}:policy/keyless-boundary`;

function awsRole(props: Record<string, unknown>, name = "deploy-api"): ResourceInput {
    return { type: "aws:iam/role:Role", name, props: { name, path: ROLE_PATH, assumeRolePolicy: "{}", ...props } };
}
const inline = (...statements: Record<string, unknown>[]) => [{ name: "deploy", policy: JSON.stringify(policyDocument(...statements)) }];

describe("iam-no-self-escalation through the SDK", () => {
    it("blocks a role whose inline policy lets it rewrite its own trust, naming the statement and the fix", () => {
        const outcome = runResourcePolicy(iamNoSelfEscalation, awsRole({ inlinePolicies: inline(allow(["iam:UpdateAssumeRolePolicy", "iam:PutRolePolicy"], OWN_ROLES)) }));
        assert.equal(outcome.violations.length, 2);
        assert.match(outcome.violations[0].message, /^inline policy "deploy" Statement\[0\]: allows iam:UpdateAssumeRolePolicy .* on arn:<partition>:iam::<account>:role\/github-actions\/deploy-api/);
        assert.match(outcome.violations[1].message, /iam:PutRolePolicy/);
    });

    it("passes a role that manages other roles only", () =>
        assert.deepEqual(runResourcePolicy(iamNoSelfEscalation, awsRole({ inlinePolicies: inline(allow(["iam:PutRolePolicy", "iam:UpdateAssumeRolePolicy"], APP_ROLES), allow("s3:*", "*")) })), { violations: [] }));

    it("blocks AWS-managed AdministratorAccess in managedPolicyArns, and says an unknown boundary is not counted", () => {
        const outcome = runResourcePolicy(iamNoSelfEscalation, awsRole({ managedPolicyArns: ["arn:aws:iam::aws:policy/AdministratorAccess"], permissionsBoundary: BOUNDARY_ARN }));
        assert.ok(outcome.violations.some((v) => /rewrite its own trust policy/.test(v.message) && /permissions boundary "arn:aws:iam::123456789012:policy\/keyless-boundary" is not known to this check/.test(v.message)), JSON.stringify(outcome));
    });

    it("judges an aws-native role's policies", () => {
        const outcome = runResourcePolicy(iamNoSelfEscalation, {
            type: "aws-native:iam:Role",
            name: "native",
            props: { roleName: "deploy-api", path: ROLE_PATH, policies: [{ policyName: "p", policyDocument: policyDocument(allow("iam:Attach*", "*")) }] },
        });
        assert.match(outcome.violations[0]?.message ?? "", /inline policy "p" Statement\[0\]: allows iam:AttachRolePolicy/);
    });

    it("judges a role read from AWS (audit): ARN known, trust and documents as JSON strings", () => {
        const outcome = runResourcePolicy(iamNoSelfEscalation, {
            type: "aws:iam/role:Role",
            name: "handmade",
            props: {
                arn: `arn:aws:iam::${ACCOUNT}:role/handmade`,
                name: "handmade",
                path: "/",
                assumeRolePolicy: "{}",
                inlinePolicies: [{ name: "ci", policy: JSON.stringify(policyDocument(allow("iam:CreateRole", "*"))) }],
                managedPolicyArns: [],
            },
        });
        assert.match(outcome.violations[0]?.message ?? "", /allows iam:CreateRole .* on new roles of the account/);
    });

    it("waits when one inline policy is unknown at preview: it may hold a Deny that closes the path", () => {
        const outcome = runResourcePolicy(iamNoSelfEscalation, awsRole({ inlinePolicies: [...inline(allow("iam:PutRolePolicy", OWN_ROLES)), { name: "guard", policy: UNKNOWN }] }));
        assert.deepEqual(outcome.violations, []);
        assert.ok(outcome.advisory !== undefined);
    });

    it("waits for values unknown at preview instead of reporting or failing", () => {
        const outcome = runResourcePolicy(iamNoSelfEscalation, awsRole({ inlinePolicies: [{ name: "deploy", policy: UNKNOWN }] }));
        assert.deepEqual(outcome.violations, []);
        assert.ok(outcome.advisory !== undefined);
    });

    it("is not applicable to resources other than roles", () =>
        assert.ok(runResourcePolicy(iamNoSelfEscalation, { type: "aws:s3/bucket:Bucket", props: {} }).notApplicable !== undefined));

    describe("at the stack level", () => {
        const policy = (name: string, document: unknown): ResourceInput => ({
            type: "aws:iam/policy:Policy",
            name,
            props: { name, path: "/", arn: `arn:aws:iam::${ACCOUNT}:policy/${name}`, policy: JSON.stringify(document) },
        });

        it("joins a RolePolicy of the stack to its role", () => {
            const outcome = runStackPolicy(iamNoSelfEscalation, [
                awsRole({}),
                { type: "aws:iam/rolePolicy:RolePolicy", name: "extra", props: { role: "deploy-api", policy: JSON.stringify(policyDocument(allow("iam:PutRolePolicy", OWN_ROLES))) } },
            ]);
            assert.equal(outcome.violations.length, 1);
            assert.match(outcome.violations[0].message, /^role "deploy-api" inline policy "RolePolicy extra" Statement\[0\]: allows iam:PutRolePolicy/);
        });

        it("joins an attachment of a managed policy of the stack, and reports CreatePolicyVersion on it", () => {
            const outcome = runStackPolicy(iamNoSelfEscalation, [
                awsRole({}),
                policy("deploy-extra", policyDocument(allow("iam:CreatePolicyVersion", `arn:aws:iam::${ACCOUNT}:policy/*`))),
                {
                    type: "aws:iam/rolePolicyAttachment:RolePolicyAttachment",
                    name: "attach",
                    props: { role: "deploy-api", policyArn: `arn:aws:iam::${ACCOUNT}:policy/deploy-extra` },
                    propertyDependencies: { policyArn: ["urn:pulumi:test::keyless::aws:iam/policy:Policy::deploy-extra"] },
                },
            ]);
            assert.equal(outcome.violations.length, 1, JSON.stringify(outcome));
            assert.match(outcome.violations[0].message, /allows iam:CreatePolicyVersion .* on arn:aws:iam::123456789012:policy\/deploy-extra/);
        });

        it("uses a boundary of the stack: one that denies the path closes it, and nothing is reported twice", () => {
            const grants = awsRole({ inlinePolicies: inline(allow("iam:PutRolePolicy", OWN_ROLES)), permissionsBoundary: `arn:aws:iam::${ACCOUNT}:policy/boundary` });
            // The role's own lists are reported by its resource check; the stack adds nothing new here.
            assert.deepEqual(runStackPolicy(iamNoSelfEscalation, [grants, policy("boundary", policyDocument(allow("*", "*")))]), { violations: [] });
            assert.deepEqual(runStackPolicy(iamNoSelfEscalation, [grants, policy("boundary", policyDocument(allow("*", "*"), deny("iam:PutRolePolicy", "*")))]), { violations: [] });
            // Writing the stack's boundary is a path only the stack shows.
            const rewrites = awsRole({ inlinePolicies: inline(allow("iam:SetDefaultPolicyVersion", `arn:aws:iam::${ACCOUNT}:policy/boundary`)), permissionsBoundary: `arn:aws:iam::${ACCOUNT}:policy/boundary` });
            const resourceLevel = runResourcePolicy(iamNoSelfEscalation, rewrites);
            assert.equal(resourceLevel.violations.length, 1);
            assert.deepEqual(runStackPolicy(iamNoSelfEscalation, [rewrites, policy("boundary", policyDocument(allow("*", "*")))]), { violations: [] });
        });
    });
});
