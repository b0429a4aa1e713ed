// GitHub's rules (components/realServices/github.ts) in both directions, and the two places
// that apply them: the component's own check and the offline GitHub's registration check.

import * as assert from "node:assert/strict";
import { DeploymentEnvironment, DeploymentEnvironmentArgs } from "../../components/deploymentEnvironment";
import {
    environmentLimitProblems,
    environmentRejection,
    explainRefusal,
    GITHUB_MESSAGES,
    planProtection,
    readGithubRefusal,
    repositoryVisibility,
    teamCanRead,
    userCanRead,
} from "../../components/realServices/github";
import { engineInvokeError, githubRegistrationRefusal, providerError } from "../../tools/offlineGithub";
import { TEAM_PLAN_PRIVATE } from "../fixtures/github/northwind";

const ENVIRONMENT = "github:index/repositoryEnvironment:RepositoryEnvironment";

describe("GitHub's rules", () => {
    describe("environments", () => {
        it("refuses prevent_self_review without reviewers, and accepts it with one", () => {
            assert.equal(environmentRejection({ reviewers: 0, waitTimer: 0, preventSelfReview: true }), GITHUB_MESSAGES.preventSelfReviewWithoutReviewers);
            assert.equal(environmentRejection({ reviewers: 0, waitTimer: 0, preventSelfReview: false }), undefined);
            assert.equal(environmentRejection({ reviewers: 1, waitTimer: 0, preventSelfReview: true }), undefined);
        });

        it("allows reviewers and wait timers on private repositories only with GitHub Enterprise", () => {
            const privateOn = (plan: "enterprise" | "limited" | "unknown") => ({ visibility: "private" as const, plan });
            assert.equal(environmentRejection({ reviewers: 2, waitTimer: 0, preventSelfReview: true }, privateOn("limited")), GITHUB_MESSAGES.reviewersNotInPlan);
            assert.equal(environmentRejection({ reviewers: 0, waitTimer: 5, preventSelfReview: false }, privateOn("limited")), GITHUB_MESSAGES.waitTimerNotInPlan);
            assert.equal(environmentRejection({ reviewers: 0, waitTimer: 5, preventSelfReview: false }, { visibility: "internal", plan: "limited" }), GITHUB_MESSAGES.waitTimerNotInPlan);
            assert.equal(environmentRejection({ reviewers: 2, waitTimer: 5, preventSelfReview: true }, privateOn("enterprise")), undefined);
            assert.equal(environmentRejection({ reviewers: 2, waitTimer: 5, preventSelfReview: true }, { visibility: "public", plan: "limited" }), undefined);
            // Without protection, nothing is gated: branch rules work on every paid plan.
            assert.equal(environmentRejection({ reviewers: 0, waitTimer: 0, preventSelfReview: false }, privateOn("limited")), undefined);
        });

        it("classifies plan names, leaving names it does not know unknown", () => {
            assert.equal(planProtection("enterprise"), "enterprise");
            for (const name of ["free", "pro", "team", "Team"]) assert.equal(planProtection(name), "limited", name);
            for (const name of [undefined, "", "medium", "business_plus"]) assert.equal(planProtection(name), "unknown", String(name));
        });

        it("keeps reviewers to six and the wait timer within 0-43200 minutes", () => {
            assert.deepEqual(environmentLimitProblems({ teams: 3, users: 3, waitTimer: 43200 }), []);
            assert.deepEqual(environmentLimitProblems({ teams: 0, users: 0, waitTimer: 0 }), []);
            assert.match(environmentLimitProblems({ teams: 4, users: 3, waitTimer: 0 }).join(), /7 given; GitHub accepts at most 6/);
            assert.match(environmentLimitProblems({ teams: 0, users: 0, waitTimer: 43201 }).join(), /expected wait_timer to be in the range \(0 - 43200\), got 43201/);
            assert.match(environmentLimitProblems({ teams: 0, users: 0, waitTimer: -1 }).join(), /-1 is outside/);
            assert.match(environmentLimitProblems({ teams: 0, users: 0, waitTimer: 1.5 }).join(), /1.5 is outside/);
        });
    });

    describe("answers", () => {
        it("reads reviewer access from the team check's status and the collaborator permission", () => {
            assert.ok(teamCanRead(204) && teamCanRead(200));
            assert.ok(!teamCanRead(404));
            for (const permission of ["admin", "maintain", "write", "triage", "read"]) assert.ok(userCanRead(permission), permission);
            for (const permission of ["none", undefined, ""]) assert.ok(!userCanRead(permission), String(permission));
        });

        it("reads visibility, or the older private flag", () => {
            assert.equal(repositoryVisibility({ visibility: "internal", private: true }), "internal");
            assert.equal(repositoryVisibility({ private: true }), "private");
            assert.equal(repositoryVisibility({ private: false }), "public");
            assert.equal(repositoryVisibility({}), undefined);
        });

        it("reads the status and message out of the error the provider raises, through the engine", () => {
            const raised = engineInvokeError(
                "github:index/getRestApi:getRestApi",
                providerError("GET", "repos/acme/api/actions/oidc/customization/sub", 403, "Resource not accessible by integration"),
            );
            assert.deepEqual(readGithubRefusal(raised), { status: 403, message: "Resource not accessible by integration" });
            assert.deepEqual(readGithubRefusal(new Error("connection reset")), { message: "connection reset" });
            assert.deepEqual(readGithubRefusal(engineInvokeError("github:index/getTeam:getTeam", new Error("Could not resolve to a team"))), { message: "Could not resolve to a team" });
        });

        it("says which permission the token lacks, and names rate limits and single sign-on", () => {
            const question = "GET repos/acme/api/actions/oidc/customization/sub";
            assert.match(explainRefusal({ status: 403, message: "Resource not accessible by integration" }, question, "Actions: read on acme/api"), /HTTP 403.*lacks Actions: read on acme\/api/);
            assert.match(explainRefusal({ status: 403, message: "API rate limit exceeded for installation ID 1." }, question, "x"), /rate limit is exhausted; wait/);
            assert.match(explainRefusal({ status: 403, message: "Resource protected by organization SAML enforcement." }, question, "x"), /SAML single sign-on; authorize/);
            assert.match(explainRefusal({ status: 401, message: "Bad credentials" }, question, "x"), /missing, expired or revoked/);
        });
    });

    describe("applied by the component before anything is registered", () => {
        const base: DeploymentEnvironmentArgs = { repository: "api", environment: "prod", deploymentRefs: { branches: ["main"], tags: [] } };

        it("accepts reviewers with self-review prevented, and none with it left at its default", () => {
            assert.deepEqual(DeploymentEnvironment.validate({ ...base, reviewerTeamIds: [1], preventSelfReview: true, waitTimer: 30 }), []);
            assert.deepEqual(DeploymentEnvironment.validate(base), []);
        });

        it("refuses seven reviewers and an out-of-range wait timer", () => {
            const problems = DeploymentEnvironment.validate({ ...base, reviewerTeamIds: [1, 2, 3, 4], reviewerUserIds: [5, 6, 7], waitTimer: 50000 });
            assert.ok(problems.some((problem) => /reviewers: 7 given/.test(problem)), problems.join("\n"));
            assert.ok(problems.some((problem) => /waitTimer: 50000/.test(problem)), problems.join("\n"));
        });
    });

    describe("applied by the offline GitHub when a resource is registered", () => {
        const inputs = (extra: Record<string, unknown>) => ({ repository: "billing-api", environment: "production", ...extra });
        const reviewers = (teams: number[], users: number[]) => [{ teams, users }];

        it("refuses prevent_self_review without reviewers, with or without a world", () => {
            for (const world of [undefined, TEAM_PLAN_PRIVATE]) {
                const refusal = githubRegistrationRefusal(ENVIRONMENT, inputs({ preventSelfReview: true, reviewers: [] }), world);
                assert.match(refusal?.message ?? "", /422 Failed to create or update the environment protection rule\. Required reviewers must have at least one reviewer to set prevent_self_review\./);
                assert.equal(githubRegistrationRefusal(ENVIRONMENT, inputs({ preventSelfReview: false, reviewers: [] }), world), undefined);
            }
        });

        it("refuses reviewers and wait timers on a private repository of a Team organisation, and accepts them on Enterprise or public", () => {
            const refused = githubRegistrationRefusal(ENVIRONMENT, inputs({ reviewers: reviewers([5200], []), preventSelfReview: true }), TEAM_PLAN_PRIVATE);
            assert.match(refused?.message ?? "", /PUT https:\/\/api\.github\.com\/repos\/northwind\/billing-api\/environments\/production: 422 .*billing plan supports the required reviewers/);
            assert.match(githubRegistrationRefusal(ENVIRONMENT, inputs({ waitTimer: 10 }), TEAM_PLAN_PRIVATE)?.message ?? "", /supports the wait timer protection rule/);
            const enterprise = { ...TEAM_PLAN_PRIVATE, owner: { ...TEAM_PLAN_PRIVATE.owner, plan: "enterprise" } };
            assert.equal(githubRegistrationRefusal(ENVIRONMENT, inputs({ reviewers: reviewers([5200], [5300]), waitTimer: 10, preventSelfReview: true }), enterprise), undefined);
            const hidden = { ...TEAM_PLAN_PRIVATE, owner: { ...TEAM_PLAN_PRIVATE.owner, planVisible: false } };
            assert.match(githubRegistrationRefusal(ENVIRONMENT, inputs({ waitTimer: 10 }), hidden)?.message ?? "", /wait timer protection rule/, "GitHub knows its plan even when the token does not");
        });

        it("refuses more than six reviewers and a wait timer out of range, with the provider's words", () => {
            assert.match(githubRegistrationRefusal(ENVIRONMENT, inputs({ reviewers: reviewers([1, 2, 3, 4, 5, 6, 7], []) }), undefined)?.message ?? "", /supports 6 item maximum, config has 7/);
            assert.match(githubRegistrationRefusal(ENVIRONMENT, inputs({ reviewers: reviewers([1, 2, 3, 4], [5, 6, 7]) }), undefined)?.message ?? "", /7 given; GitHub accepts at most 6/);
            assert.match(githubRegistrationRefusal(ENVIRONMENT, inputs({ waitTimer: 43201 }), undefined)?.message ?? "", /expected wait_timer to be in the range \(0 - 43200\), got 43201/);
            assert.equal(githubRegistrationRefusal(ENVIRONMENT, inputs({ reviewers: reviewers([1, 2, 3], [4, 5, 6]), waitTimer: 43200, preventSelfReview: true }), undefined), undefined);
        });

        it("refuses a reviewer who cannot read the repository", () => {
            const world = { ...TEAM_PLAN_PRIVATE, owner: { ...TEAM_PLAN_PRIVATE.owner, plan: "enterprise" }, teams: [{ slug: "outsiders", id: 5299, repositories: ["web-shop"] }] };
            assert.match(githubRegistrationRefusal(ENVIRONMENT, inputs({ reviewers: reviewers([5299], []) }), world)?.message ?? "", /Reviewer team 5299 must have at least read access/);
            assert.match(githubRegistrationRefusal(ENVIRONMENT, inputs({ reviewers: reviewers([], [9999]) }), world)?.message ?? "", /Reviewer user 9999 must have at least read access/);
        });
    });
});
