// The stack policies: trusted GitHub environments must be protected in the same stack, and admin documents
// attached by reference. Ends with a stack shaped like the keyless program's (DESIGN.md), which must pass.

import * as assert from "node:assert/strict";
import { policies } from "../../policy/policies";
import { githubTrustedEnvironmentProtected } from "../../policy/rules/githubTrustedEnvironmentProtected";
import { iamNoAdminAccess } from "../../policy/rules/iamNoAdminAccess";
import { allow, githubProviderArn, githubTrust, githubTrustStatement, policyDocument } from "./helpers/documents";
import { Outcome, ResourceInput, runResourcePolicy, runStackPolicy, secret, UNKNOWN } from "./helpers/sdk";

const ENVIRONMENT = "github:index/repositoryEnvironment:RepositoryEnvironment";
const GITHUB_PROVIDER = { type: "pulumi:providers:github", name: "github-acme", props: { owner: "acme" } };

function role(name: string, sub: string | string[], subOperator = "StringEquals"): ResourceInput {
    return { type: "aws:iam/role:Role", name, props: { assumeRolePolicy: JSON.stringify(githubTrust({ sub, subOperator })) } };
}

function environment(name: string, props: Record<string, unknown>, provider: ResourceInput["provider"] = GITHUB_PROVIDER): ResourceInput {
    return {
        type: ENVIRONMENT,
        name,
        provider,
        props: {
            repository: "api",
            environment: "production",
            reviewers: [{ teams: [4242], users: [] }],
            canAdminsBypass: false,
            preventSelfReview: true,
            waitTimer: 5,
            deploymentBranchPolicy: { protectedBranches: true, customBranchPolicies: false },
            ...props,
        },
    };
}

const protect = (resources: ResourceInput[], config?: Record<string, unknown>): Outcome =>
    runStackPolicy(githubTrustedEnvironmentProtected, resources, config);

describe("github-trusted-environment-protected", () => {
    it("passes when the trusted environment is managed with reviewers, admin bypass off and a branch policy", () =>
        assert.deepEqual(protect([role("deploy", "repo:acme/api:environment:production"), environment("production", {})]), { violations: [] }));

    it("blocks a trusted environment the stack does not manage, naming role, subject and fix", () => {
        const outcome = protect([role("deploy", "repo:acme/api:environment:production")]);
        assert.equal(outcome.violations.length, 1);
        const [violation] = outcome.violations;
        assert.match(violation.message, /role "deploy" trusts "repo:acme\/api:environment:production"/);
        assert.match(violation.message, /does not manage GitHub environment "production" of acme\/api/);
        assert.match(violation.message, /unprotected/);
        assert.match(violation.message, /required reviewers, canAdminsBypass: false and a deploymentBranchPolicy/);
        assert.equal(violation.urn, "urn:pulumi:test::keyless::aws:iam/role:Role::deploy");
    });

    for (const [label, props, missing] of [
        ["no reviewers", { reviewers: [] }, /required reviewers/],
        ["reviewers without IDs", { reviewers: [{ teams: [], users: [] }] }, /required reviewers/],
        ["canAdminsBypass unset (the provider defaults it to true)", { canAdminsBypass: undefined }, /canAdminsBypass: false/],
        ["canAdminsBypass true", { canAdminsBypass: true }, /canAdminsBypass: false/],
        ["no deployment branch policy", { deploymentBranchPolicy: undefined }, /deploymentBranchPolicy/],
        ["a branch policy that restricts nothing", { deploymentBranchPolicy: { protectedBranches: false, customBranchPolicies: false } }, /deploymentBranchPolicy/],
    ] as const) {
        it(`names what is missing: ${label}`, () => {
            const outcome = protect([role("deploy", "repo:acme/api:environment:production"), environment("production", props)]);
            assert.equal(outcome.violations.length, 1);
            assert.match(outcome.violations[0].message, /\(resource "production"\) lacks/);
            assert.match(outcome.violations[0].message, missing);
        });
    }

    it("custom branch policies count as a deployment branch policy", () =>
        assert.deepEqual(protect([role("deploy", "repo:acme/api:environment:production"), environment("production", { deploymentBranchPolicy: { protectedBranches: false, customBranchPolicies: true } })]).violations, []));

    it("an immutable subject refers to the same owner and repository", () =>
        assert.deepEqual(protect([role("deploy", "repo:acme@1234/api@5678:environment:production"), environment("production", {})]).violations, []));

    it("names match case-insensitively", () =>
        assert.deepEqual(protect([role("deploy", "repo:ACME/Api:environment:Production"), environment("production", {})]).violations, []));

    it("the owner comes from the resource's provider: another owner's environment does not protect the trust", () => {
        const other = { ...GITHUB_PROVIDER, props: { owner: "globex" } };
        assert.equal(protect([role("deploy", "repo:acme/api:environment:production"), environment("production", {}, other)]).violations.length, 1);
    });

    it("without an owner on the provider, repository and environment names decide", () =>
        assert.deepEqual(protect([role("deploy", "repo:acme/api:environment:production"), environment("production", {}, undefined)]).violations, []));

    it("requires reviewers only where configured (as the organisation's configuration does: prod* and production)", () => {
        const config = { environmentsRequiringReviewers: ["prod*", "production"] };
        const staging = [role("deploy", "repo:acme/api:environment:staging"), environment("staging", { environment: "staging", reviewers: undefined })];
        assert.deepEqual(protect(staging, config).violations, []);
        const production = [role("deploy", "repo:acme/api:environment:production"), environment("production", { reviewers: undefined })];
        assert.match(protect(production, config).violations[0]?.message ?? "", /required reviewers/);
        assert.match(protect(staging).violations[0]?.message ?? "", /required reviewers/, "the default requires reviewers everywhere");
    });

    it("admin bypass and the branch policy are required even where reviewers are not", () => {
        const config = { environmentsRequiringReviewers: [] };
        const outcome = protect([role("deploy", "repo:acme/api:environment:staging"), environment("staging", { environment: "staging", canAdminsBypass: undefined })], config);
        assert.match(outcome.violations[0]?.message ?? "", /canAdminsBypass/);
    });

    it("a wildcard environment can never be protected", () => {
        const outcome = protect([role("deploy", "repo:acme/api:environment:*", "StringLike"), environment("production", {})]);
        assert.equal(outcome.violations.length, 1);
        assert.match(outcome.violations[0].message, /every environment of acme\/api/);
    });

    it("branch, pull_request and non-GitHub trusts need no environment", () => {
        const resources = [
            role("main", "repo:acme/api:ref:refs/heads/main"),
            role("preview", "repo:acme/api:pull_request"),
            { type: "aws:iam/role:Role", name: "ec2", props: { assumeRolePolicy: JSON.stringify(policyDocument({ Effect: "Allow", Principal: { Service: "ec2.amazonaws.com" }, Action: "sts:AssumeRole" })) } },
        ];
        assert.deepEqual(protect(resources), { violations: [] });
    });

    it("only the subjects that decide count: an exact clause AND-ed with a looser one", () => {
        const trust = githubTrust({ sub: "repo:acme/api:environment:production", conditions: { StringLike: { "token.actions.githubusercontent.com:sub": "repo:acme/api:environment:*" } } });
        const resources = [{ type: "aws-native:iam:Role", name: "native", props: { assumeRolePolicyDocument: trust } }, environment("production", {})];
        assert.deepEqual(protect(resources).violations, []);
    });

    it("each trusted environment is checked: one protected, one missing", () => {
        const outcome = protect([role("deploy", ["repo:acme/api:environment:production", "repo:acme/api:environment:staging"]), environment("production", {})]);
        assert.equal(outcome.violations.length, 1);
        assert.match(outcome.violations[0].message, /"staging"/);
    });

    describe("preview", () => {
        it("reviewers unknown until `up`: the advisory, no violation", () => {
            const outcome = protect([role("deploy", "repo:acme/api:environment:production"), environment("production", { reviewers: [{ teams: [UNKNOWN] }] })]);
            assert.deepEqual(outcome.violations, []);
            const whole = protect([role("deploy", "repo:acme/api:environment:production"), environment("production", { reviewers: UNKNOWN })]);
            assert.deepEqual(whole.violations, []);
            assert.ok(whole.advisory);
        });
        it("an environment whose name is unknown may be the trusted one: no violation yet", () => {
            const outcome = protect([role("deploy", "repo:acme/api:environment:production"), environment("production", { environment: UNKNOWN })]);
            assert.deepEqual(outcome.violations, []);
            assert.ok(outcome.advisory);
        });
        it("a trust policy unknown until `up` (provider created in the same update): the advisory", () => {
            const outcome = protect([{ type: "aws:iam/role:Role", name: "deploy", props: { assumeRolePolicy: UNKNOWN } }]);
            assert.deepEqual(outcome.violations, []);
            assert.ok(outcome.advisory);
        });
        it("known violations are still reported next to unknown roles", () => {
            const outcome = protect([{ type: "aws:iam/role:Role", name: "later", props: { assumeRolePolicy: UNKNOWN } }, role("deploy", "repo:acme/api:environment:production")]);
            assert.equal(outcome.violations.length, 1);
            assert.ok(outcome.advisory);
        });
    });
});

describe("iam-no-admin-access: managed policies of the stack attached by reference", () => {
    const adminPolicy: ResourceInput = {
        type: "aws:iam/policy:Policy",
        name: "AdministratorAccess",
        props: { name: "AdministratorAccess", policy: JSON.stringify(policyDocument(allow("*", "*"))), arn: "arn:aws:iam::123456789012:policy/AdministratorAccess" },
    };
    const lookalike: ResourceInput = {
        type: "aws:iam/policy:Policy",
        name: "AdministratorAccess",
        props: { name: "AdministratorAccess", policy: JSON.stringify(policyDocument(allow("s3:GetObject", "arn:aws:s3:::site/*"))), arn: "arn:aws:iam::123456789012:policy/AdministratorAccess" },
    };
    const attachment = (policy: ResourceInput, byDependency: boolean, policyArn: string): ResourceInput => ({
        type: "aws:iam/rolePolicyAttachment:RolePolicyAttachment",
        name: "attach",
        props: { role: "deploy", policyArn },
        dependencies: [`urn:pulumi:test::keyless::${policy.type}::${policy.name}`],
        propertyDependencies: byDependency ? { policyArn: [`urn:pulumi:test::keyless::${policy.type}::${policy.name}`] } : {},
    });

    it("follows the policyArn property dependency to the policy's document (the ARN is unknown at preview)", () => {
        const outcome = runStackPolicy(iamNoAdminAccess, [adminPolicy, attachment(adminPolicy, true, UNKNOWN)]);
        assert.equal(outcome.violations.length, 1);
        assert.match(outcome.violations[0].message, /^policyArn attaches aws:iam\/policy:Policy "AdministratorAccess" of this stack, whose policy Statement\[0\]: allows every action/);
        assert.equal(outcome.violations[0].urn, "urn:pulumi:test::keyless::aws:iam/rolePolicyAttachment:RolePolicyAttachment::attach");
    });
    it("matches by ARN once the ARN is known", () =>
        assert.equal(runStackPolicy(iamNoAdminAccess, [adminPolicy, attachment(adminPolicy, false, "arn:aws:iam::123456789012:policy/AdministratorAccess")]).violations.length, 1));
    it("a customer-managed policy that only shares the name is judged by its document", () => {
        assert.deepEqual(runStackPolicy(iamNoAdminAccess, [lookalike, attachment(lookalike, true, "arn:aws:iam::123456789012:policy/AdministratorAccess")]), { violations: [] });
        assert.deepEqual(
            runResourcePolicy(iamNoAdminAccess, { type: "aws:iam/rolePolicyAttachment:RolePolicyAttachment", props: { role: "deploy", policyArn: "arn:aws:iam::123456789012:policy/AdministratorAccess" } }),
            { violations: [] },
        );
    });
    it("an aws-native managed policy referenced from managedPolicyArns", () => {
        const native: ResourceInput = { type: "aws-native:iam:ManagedPolicy", name: "all-iam", props: { policyDocument: policyDocument(allow("iam:*", "*")) } };
        const nativeRole: ResourceInput = {
            type: "aws-native:iam:Role",
            name: "deploy",
            props: { assumeRolePolicyDocument: githubTrust({ sub: "repo:acme/api:pull_request" }), managedPolicyArns: [UNKNOWN] },
            propertyDependencies: { managedPolicyArns: ["urn:pulumi:test::keyless::aws-native:iam:ManagedPolicy::all-iam"] },
        };
        const outcome = runStackPolicy(iamNoAdminAccess, [native, nativeRole]);
        assert.equal(outcome.violations.length, 1);
        assert.match(outcome.violations[0].message, /all of IAM/);
    });
    it("a policy document unknown until `up` gives the advisory", () => {
        const unknownPolicy: ResourceInput = { ...adminPolicy, props: { policy: UNKNOWN } };
        const outcome = runStackPolicy(iamNoAdminAccess, [unknownPolicy, attachment(unknownPolicy, true, UNKNOWN)]);
        assert.deepEqual(outcome.violations, []);
        assert.ok(outcome.advisory);
    });
});

describe("a stack shaped like the keyless program passes the whole pack", () => {
    // Per DESIGN.md: an adopted OIDC provider (known ARN), per repository a deploy role trusting exactly one
    // environment (StringEquals sub, pinned aud), least-privilege permissions on named resources, a pull
    // request preview role, and the protected GitHub environment with its secret and variable.
    const provider = githubProviderArn();
    const deployTrust = policyDocument(githubTrustStatement({ sub: "repo:acme@1234/api@5678:environment:production", sid: "GitHubDeploy" }));
    const previewTrust = policyDocument(githubTrustStatement({ sub: "repo:acme@1234/api@5678:pull_request", sid: "GitHubPreview" }));
    const deployPermissions = policyDocument(
        { Sid: "Bucket", Effect: "Allow", Action: ["s3:PutObject", "s3:DeleteObject", "s3:ListBucket"], Resource: ["arn:aws:s3:::acme-site", "arn:aws:s3:::acme-site/*"] },
        { Sid: "PassTaskRole", Effect: "Allow", Action: "iam:PassRole", Resource: "arn:aws:iam::123456789012:role/acme-api-task", Condition: { StringEquals: { "iam:PassedToService": "ecs-tasks.amazonaws.com" } } },
        { Sid: "Deploy", Effect: "Allow", Action: ["ecs:UpdateService", "ecs:DescribeServices"], Resource: "arn:aws:ecs:eu-west-1:123456789012:service/acme/api" },
    );
    const stack: ResourceInput[] = [
        { type: "pulumi:pulumi:Stack", name: "keyless-prod", props: {} },
        { type: "aws:iam/openIdConnectProvider:OpenIdConnectProvider", name: "github", props: { url: "https://token.actions.githubusercontent.com", clientIdLists: ["sts.amazonaws.com"], arn: provider } },
        {
            type: "aws:iam/role:Role",
            name: "api-production-deploy",
            props: { assumeRolePolicy: JSON.stringify(deployTrust), maxSessionDuration: 3600, permissionsBoundary: "arn:aws:iam::123456789012:policy/keyless-boundary" },
        },
        { type: "aws:iam/rolePolicy:RolePolicy", name: "api-production-deploy", props: { role: "api-production-deploy", policy: JSON.stringify(deployPermissions) } },
        { type: "aws:iam/role:Role", name: "api-preview", props: { assumeRolePolicy: JSON.stringify(previewTrust), maxSessionDuration: 3600 } },
        { type: "aws:iam/rolePolicyAttachment:RolePolicyAttachment", name: "api-preview-readonly", props: { role: "api-preview", policyArn: "arn:aws:iam::aws:policy/ReadOnlyAccess" } },
        environment("api-production", {}),
        { type: "github:index/actionsEnvironmentSecret:ActionsEnvironmentSecret", name: "api-production-role", provider: GITHUB_PROVIDER, props: { repository: "api", environment: "production", secretName: "AWS_DEPLOY_ROLE_ARN", plaintextValue: secret("arn:aws:iam::123456789012:role/api-production-deploy") } },
        { type: "github:index/actionsEnvironmentVariable:ActionsEnvironmentVariable", name: "api-production-region", provider: GITHUB_PROVIDER, props: { repository: "api", environment: "production", variableName: "AWS_REGION", value: "eu-west-1" } },
    ];

    it("no policy reports anything, resource by resource or for the stack", () => {
        for (const policy of policies) {
            if ("validateResource" in policy && policy.validateResource !== undefined) {
                for (const resource of stack) {
                    assert.deepEqual(runResourcePolicy(policy, resource).violations, [], `${policy.name} on ${resource.name}`);
                }
            }
            if ("validateStack" in policy && policy.validateStack !== undefined) {
                assert.deepEqual(runStackPolicy(policy as { validateStack: NonNullable<typeof policy.validateStack> }, stack).violations, [], policy.name);
            }
        }
    });
});
