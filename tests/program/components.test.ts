// The components check their own arguments before anything is registered, so a program other
// than keyless's index.ts that uses them gets the same guarantees.
import * as assert from "node:assert/strict";
import { DeployRole, DeployRoleArgs } from "../../components/deployRole";
import { DeploymentEnvironment } from "../../components/deploymentEnvironment";
import { GithubOidcProvider } from "../../components/githubOidcProvider";
import { Statement } from "../../components/presets";

const role: DeployRoleArgs = {
    oidcProviderArn: "arn:aws:iam::123456789012:oidc-provider/token.actions.githubusercontent.com",
    issuerHost: "token.actions.githubusercontent.com",
    subjects: ["repo:acme/api:environment:production"],
    roleName: "api-production",
    permissions: {
        Version: "2012-10-17",
        Statement: [{ Effect: "Allow", Action: "lambda:UpdateFunctionCode", Resource: "arn:aws:lambda:eu-west-1:123456789012:function:api" }],
    },
};

describe("component arguments", () => {
    it("DeployRole accepts exact subjects in both forms", () => {
        assert.deepEqual(DeployRole.validate({ ...role, subjects: ["repo:acme/api:environment:production", "repo:acme@1/api@2:environment:production"] }), []);
    });

    it("DeployRole refuses wildcards, other claims and subjects without a context", () => {
        const problems = DeployRole.validate({
            ...role,
            subjects: ["repo:acme/*", "repo:acme@*/api@*:environment:production", "repository_id:42", "repo:acme/api"],
        });
        assert.equal(problems.filter((problem) => /has a wildcard/.test(problem)).length, 2, problems.join("\n"));
        assert.ok(problems.some((problem) => /repository_id:42.*repo:OWNER\/REPO/.test(problem)), problems.join("\n"));
        assert.ok(problems.some((problem) => /"repo:acme\/api" names no environment/.test(problem)), problems.join("\n"));
    });

    it("DeployRole accepts STS's audience of either partition and refuses another audience, as the pack does", () => {
        assert.deepEqual(DeployRole.validate({ ...role, audience: "sts.amazonaws.com.cn" }), []);
        const problems = DeployRole.validate({ ...role, audience: "https://github.com/acme" });
        assert.ok(problems.some((problem) => /^audience: aud value "https:\/\/github\.com\/acme" is not an audience/.test(problem)), problems.join("\n"));
    });

    it("DeployRole refuses a role whose own policy could rewrite it, as iam-no-self-escalation does, and accepts it scoped to other roles", () => {
        const withStatement = (statement: Statement): DeployRoleArgs => ({
            ...role,
            path: "/github-actions/",
            permissions: { Version: "2012-10-17", Statement: [statement] },
        });
        const own = DeployRole.validate(withStatement({ Effect: "Allow", Action: "iam:Put*Policy", Resource: "arn:aws:iam::123456789012:role/github-actions/*" }));
        assert.ok(own.some((problem) => /^permissions: .*iam:PutRolePolicy.*role\/github-actions\/api-production/.test(problem)), own.join("\n"));
        const unbounded = DeployRole.validate(withStatement({ Effect: "Allow", Action: "iam:CreateRole", Resource: "*" }));
        assert.ok(unbounded.some((problem) => /iam:CreateRole/.test(problem)), unbounded.join("\n"));
        assert.deepEqual(
            DeployRole.validate(withStatement({ Effect: "Allow", Action: "iam:PutRolePolicy", Resource: "arn:aws:iam::123456789012:role/apps/*" })),
            [],
        );
    });

    it("DeployRole refuses permissions and managed policies the pack would block", () => {
        const problems = DeployRole.validate({
            ...role,
            permissions: { Version: "2012-10-17", Statement: [{ Effect: "Allow", Action: "iam:Pass*", Resource: "arn:aws:iam::123456789012:role/*" }] },
            managedPolicyArns: ["arn:aws-us-gov:iam::aws:policy/AdministratorAccess"],
            maxSessionDuration: 100,
        });
        assert.ok(problems.some((problem) => /^permissions: Statement\[0\].*PassRole/.test(problem)), problems.join("\n"));
        assert.ok(problems.some((problem) => /^managedPolicyArns: .*AdministratorAccess/.test(problem)), problems.join("\n"));
        assert.ok(problems.some((problem) => /^maxSessionDuration: 100/.test(problem)));
    });

    it("DeployRole throws before registering anything", () => {
        assert.throws(() => new DeployRole("bad", { ...role, subjects: [] }), /invalid arguments for DeployRole bad[\s\S]*subjects: empty/);
    });

    it("GithubOidcProvider adopts only the provider of its issuer", () => {
        assert.deepEqual(GithubOidcProvider.validate({ existingProviderArn: role.oidcProviderArn as string }), []);
        assert.match(
            GithubOidcProvider.validate({ existingProviderArn: role.oidcProviderArn as string, enterpriseSlug: "acme" }).join(),
            /not the ARN of the provider for token\.actions\.githubusercontent\.com\/acme/,
        );
    });

    it("DeploymentEnvironment needs a branch rule that lets something deploy, and GitHub's limits", () => {
        const problems = DeploymentEnvironment.validate({
            repository: "api",
            environment: "production",
            reviewerUserIds: [1, 2, 3, 4, 5, 6, 7],
            waitTimer: 50000,
            deploymentRefs: { branches: [], tags: [] },
        });
        assert.ok(problems.some((problem) => /at most 6/.test(problem)));
        assert.ok(problems.some((problem) => /waitTimer: 50000/.test(problem)));
        assert.ok(problems.some((problem) => /nothing could deploy/.test(problem)));
    });
});
