// GitHub `sub` claims, default and customised (include_claim_keys): the context is read up to the next
// `:`, because GitHub writes a `:` inside a claim value as `%3A`.

import * as assert from "node:assert/strict";
import { extraSubjectClaims, parseGithubSubject } from "../../policy/analysis";
import { githubTrustedEnvironmentProtected } from "../../policy/rules/githubTrustedEnvironmentProtected";
import { githubTrust } from "./helpers/documents";
import { runStackPolicy } from "./helpers/sdk";

const WORKFLOW = "acme/deploy-workflows/.github/workflows/deploy.yml@refs/heads/main";

function context(value: string): unknown {
    const parsed = parseGithubSubject(value);
    assert.ok(parsed.ok, JSON.stringify(parsed));
    return parsed.subject.context;
}

describe("GitHub subjects", () => {
    it("reads the default contexts", () => {
        assert.deepEqual(context("repo:acme/api:environment:prod"), { kind: "environment", environment: "prod" });
        assert.deepEqual(context("repo:acme/api:ref:refs/heads/main"), { kind: "branch", branch: "main" });
        assert.deepEqual(context("repo:acme@1/api@2:ref:refs/tags/v1"), { kind: "tag", tag: "v1" });
        assert.deepEqual(context("repo:acme/api:pull_request"), { kind: "pull_request" });
        assert.deepEqual(extraSubjectClaims("repo:acme/api:environment:prod"), []);
    });

    it("reads the context of a customised subject with more claims after it", () => {
        assert.deepEqual(context(`repo:acme/api:environment:prod:job_workflow_ref:${WORKFLOW}`), { kind: "environment", environment: "prod" });
        assert.deepEqual(context(`repo:acme/api:ref:refs/heads/main:job_workflow_ref:${WORKFLOW}`), { kind: "branch", branch: "main" });
        assert.deepEqual(context(`repo:acme/api:pull_request:job_workflow_ref:${WORKFLOW}`), { kind: "pull_request" });
        assert.deepEqual(extraSubjectClaims(`repo:acme/api:environment:prod:job_workflow_ref:${WORKFLOW}:runner_environment:github-hosted`), [
            { key: "job_workflow_ref", value: WORKFLOW },
            { key: "runner_environment", value: "github-hosted" },
        ]);
    });

    it("reads %3A inside a value as a colon", () => {
        assert.deepEqual(context("repo:acme/api:environment:eu%3Aprod:job_workflow_ref:x"), { kind: "environment", environment: "eu:prod" });
        assert.deepEqual(extraSubjectClaims("repo:acme/api:environment:prod:workflow:Deploy %3A prod"), [{ key: "workflow", value: "Deploy : prod" }]);
    });

    it("judges a customised subject against the environment it names", () => {
        const role = {
            type: "aws:iam/role:Role",
            name: "deploy",
            props: { assumeRolePolicy: JSON.stringify(githubTrust({ sub: `repo:acme/api:environment:production:job_workflow_ref:${WORKFLOW}` })) },
        };
        const protectedEnvironment = {
            type: "github:index/repositoryEnvironment:RepositoryEnvironment",
            name: "production",
            provider: { type: "pulumi:providers:github", name: "acme", props: { owner: "acme" } },
            props: {
                repository: "api",
                environment: "production",
                reviewers: [{ teams: [1], users: [] }],
                canAdminsBypass: false,
                deploymentBranchPolicy: { protectedBranches: true, customBranchPolicies: false },
            },
        };
        assert.deepEqual(runStackPolicy(githubTrustedEnvironmentProtected, [role, protectedEnvironment]), { violations: [] });
        const unprotected = runStackPolicy(githubTrustedEnvironmentProtected, [role]);
        assert.equal(unprotected.violations.length, 1);
        assert.match(unprotected.violations[0].message, /does not manage GitHub environment "production" of acme\/api/);
    });
});
