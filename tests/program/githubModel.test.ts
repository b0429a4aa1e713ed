// The program against the offline GitHub (tools/offlineGithub.ts): what it asks, what it refuses
// up front, what it falls back to when GitHub refuses a question, and what GitHub itself refuses
// at registration. Behaviour is shown on the northwind fixtures; the example stacks are only
// checked generically (they run, and GitHub refuses nothing they create).

import * as assert from "node:assert/strict";
import * as fs from "fs";
import { environmentRejection, planProtection } from "../../components/realServices/github";
import { GithubWorld } from "../../tools/offlineGithub";
import { runOffline } from "../../tools/offlineRun";
import { readStackConfig } from "../../tools/stackFiles";
import { DEV_LIKE, ENTERPRISE_PRIVATE, HIDDEN_TEAM_PLAN_PRIVATE, PROD_LIKE, TEAM_PLAN_PRIVATE, TEAM_PLAN_PUBLIC } from "../fixtures/github/northwind";
import { worldForStack } from "../helpers/githubWorld";
import { PROJECT_STACK, runConfig, runStack, StackRun } from "../helpers/runStack";

const ENVIRONMENT = "github:index/repositoryEnvironment:RepositoryEnvironment";
const ROLE = "aws:iam/role:Role";
const EXAMPLE_STACKS = fs
    .readdirSync(".")
    .map((file) => /^Pulumi\.(.+)\.yaml$/.exec(file)?.[1])
    .filter((stack): stack is string => stack !== undefined);

const refused = (status: number, message: string) => ({ status, message });
const withRefusals = (world: GithubWorld, refusals: GithubWorld["refusals"]): GithubWorld => ({ ...world, refusals });

function trustedSubjects(run: StackRun, roleName: string): string[] {
    const role = run.one(ROLE, "name", roleName);
    const document = JSON.parse(String(role.inputs.assumeRolePolicy)) as { Statement: { Condition: { StringEquals: Record<string, unknown> } }[] };
    return Object.entries(document.Statement[0].Condition.StringEquals)
        .filter(([key]) => key.endsWith(":sub"))
        .flatMap(([, value]) => (Array.isArray(value) ? value.map(String) : [String(value)]));
}

describe("the program against the offline GitHub", () => {
    describe("the example stacks", () => {
        it("has example stacks to check", () => assert.ok(EXAMPLE_STACKS.length > 0));

        for (const stack of EXAMPLE_STACKS) {
            for (const variant of [
                { plan: "enterprise", visibility: "private" as const },
                { plan: "team", visibility: "public" as const },
            ]) {
                it(`${stack}: runs with ${variant.visibility} repositories on ${variant.plan}, and GitHub refuses nothing it creates`, async () => {
                    const values = readStackConfig(".", stack).values;
                    const run = (await runStack(stack, { ...PROJECT_STACK, github: worldForStack(values, variant) })).assertSucceeded();
                    assert.ok(run.ofType(ENVIRONMENT).length + run.ofType("github:index/actionsVariable:ActionsVariable").length > 0);
                    assert.ok(!run.run.warnings.some((warning) => /stand-in/.test(warning)), run.run.warnings.join("\n"));
                });
            }

            it(`${stack}: offline, names GitHub's facts as stand-ins and never as GitHub's answers`, async () => {
                const run = (await runStack(stack, PROJECT_STACK)).assertSucceeded();
                assert.ok(!run.run.warnings.some((warning) => /GitHub answered/.test(warning)), run.run.warnings.join("\n"));
                const protectedEnvironment = run.ofType(ENVIRONMENT).some((environment) => (environment.inputs.waitTimer ?? 0) !== 0 || (environment.inputs.reviewers as unknown[] | undefined)?.length);
                if (protectedEnvironment) {
                    assert.ok(
                        run.run.warnings.some((warning) => /offline stand-ins, not GitHub's answers: .*visibility.* would be asked of GitHub at `pulumi up`/.test(warning)),
                        run.run.warnings.join("\n"),
                    );
                }
            });
        }
    });

    describe("offline stand-ins", () => {
        it("names each fact it could not ask as a stand-in that `pulumi up` would ask, never as GitHub's answer", async () => {
            const run = (await runConfig(PROD_LIKE)).assertSucceeded();
            const standIns = run.run.warnings.filter((warning) => /^offline stand-ins, not GitHub's answers:/.test(warning));
            assert.equal(standIns.length, 1, run.run.warnings.join("\n"));
            for (const fact of [
                /which OIDC subject form each of these uses \(trusting both exact forms meanwhile\): northwind\/web-shop/,
                /the visibility of northwind\/billing-api, northwind\/web-shop/,
                /the GitHub plan of northwind/,
                /whether each reviewer can read northwind\/billing-api, northwind\/web-shop/,
                /would be asked of GitHub at `pulumi up`/,
            ]) {
                assert.match(standIns[0], fact);
            }
            assert.ok(!run.run.warnings.some((warning) => /GitHub answered|GitHub spells/.test(warning)), run.run.warnings.join("\n"));
        });
    });

    describe("plan and visibility", () => {
        it("refuses a prod-like stack with private repositories in a Team organisation, naming plan and visibility, before registering anything", async () => {
            const run = await runConfig(PROD_LIKE, { github: TEAM_PLAN_PRIVATE });
            const error = run.run.error ?? "";
            assert.match(error, /keyless stopped before creating anything/);
            // Both repositories, the pinned one too: its visibility is asked because its environment has reviewers.
            for (const repository of ["billing-api", "web-shop"]) {
                assert.match(error, new RegExp(`northwind/${repository} is private and northwind is on GitHub Team, which allows them only on public repositories`));
            }
            assert.match(error, /Ways out: GitHub Enterprise \(Cloud\) for northwind; make northwind\/web-shop public; or explicitly no reviewers/);
            assert.deepEqual(
                run.run.resources.filter((resource) => resource.type !== "pulumi:pulumi:Stack"),
                [],
                "nothing registered, not even a component",
            );
        });

        it("refuses it for a personal account too, whose plan is Free or Pro", async () => {
            const personal: GithubWorld = { ...TEAM_PLAN_PRIVATE, owner: { login: "northwind", id: 5100, type: "User", plan: "pro", planVisible: false }, teams: [] };
            const run = await runConfig({ ...PROD_LIKE, "keyless:reviewerTeams": [] }, { github: personal });
            assert.match(run.run.error ?? "", /northwind\/web-shop is private and northwind is on a personal account's plan \(GitHub Free or Pro\)/);
            assert.deepEqual(run.customResources, []);
        });

        for (const [name, world] of [
            ["private repositories on GitHub Enterprise", ENTERPRISE_PRIVATE],
            ["public repositories on GitHub Team", TEAM_PLAN_PUBLIC],
        ] as const) {
            it(`protects environments of ${name} with the reviewers, self-review prevention and wait timer`, async () => {
                const run = (await runConfig(PROD_LIKE, { github: world })).assertSucceeded();
                const environment = run.one(ENVIRONMENT, "repository", "web-shop");
                assert.deepEqual(environment.inputs.reviewers, [{ teams: [5200], users: [5300] }]);
                assert.equal(environment.inputs.preventSelfReview, true);
                assert.equal(environment.inputs.waitTimer, 15);
            });
        }

        it("warns when the plan cannot be read, naming the fix; GitHub then refuses the environment before any role exists", async () => {
            const run = await runConfig(PROD_LIKE, { github: HIDDEN_TEAM_PLAN_PRIVATE });
            const warning = run.run.warnings.find((text) => /northwind\/web-shop is private, but keyless could not read the plan of northwind/.test(text));
            assert.ok(warning, run.run.warnings.join("\n"));
            assert.match(warning, /let the token read the plan \(the Organization plan permission on northwind/);
            assert.match(warning, /Ways out: GitHub Enterprise/);
            assert.match(run.run.error ?? "", /422 Failed to create the environment protection rule\. Please ensure the billing plan supports the required reviewers protection rule\./);
            assert.deepEqual(run.ofType(ROLE), []);
        });

        it("creates dev-like environments without reviewers, and without prevent_self_review, even on private Team repositories", async () => {
            const run = (await runConfig(DEV_LIKE, { github: TEAM_PLAN_PRIVATE })).assertSucceeded();
            const environments = run.ofType(ENVIRONMENT);
            assert.equal(environments.length, 2);
            for (const environment of environments) {
                assert.deepEqual(environment.inputs.reviewers ?? [], []);
                assert.equal(environment.inputs.preventSelfReview, false);
            }
            assert.deepEqual(run.run.warnings, []);
        });
    });

    describe("the program's check and GitHub's agree", () => {
        // For every plan and visibility: the program refuses up front exactly what GitHub would
        // refuse at registration, and what it lets through, GitHub accepts.
        const protections = [
            { name: "reviewers", config: { "keyless:waitTimer": "0" }, request: { reviewers: 2, waitTimer: 0, preventSelfReview: true } },
            {
                name: "a wait timer alone",
                // An environment the organisation's pack configuration does not protect (production needs reviewers).
                config: { "keyless:environment": "staging", "keyless:requireReviewers": "false", "keyless:reviewerTeams": [], "keyless:reviewerUsers": [] },
                request: { reviewers: 0, waitTimer: 15, preventSelfReview: false },
            },
        ];
        for (const plan of ["free", "team", "enterprise"]) {
            for (const visibility of ["public", "private", "internal"] as const) {
                for (const protection of protections) {
                    const rejection = environmentRejection(protection.request, { visibility, plan: planProtection(plan) });
                    it(`${protection.name}, ${visibility} repositories, ${plan}: ${rejection ? "refused up front" : "accepted by GitHub"}`, async () => {
                        const world: GithubWorld = {
                            ...TEAM_PLAN_PRIVATE,
                            owner: { ...TEAM_PLAN_PRIVATE.owner, plan },
                            repositories: TEAM_PLAN_PRIVATE.repositories.map((repository) => ({ ...repository, visibility })),
                        };
                        const run = await runConfig({ ...PROD_LIKE, ...protection.config }, { github: world });
                        if (rejection) {
                            assert.match(run.run.error ?? "", /^keyless stopped before creating anything/);
                            assert.deepEqual(run.customResources, []);
                        } else {
                            run.assertSucceeded();
                            assert.equal(run.ofType(ENVIRONMENT).length, 2);
                        }
                    });
                }
            }
        }
    });

    describe("reviewers", () => {
        it("refuses, by name, a reviewer team and a reviewer user who cannot read the repository", async () => {
            const world: GithubWorld = {
                ...ENTERPRISE_PRIVATE,
                teams: [{ slug: "release-approvers", id: 5200, repositories: ["billing-api"] }],
                users: [{ login: "lead-dev", id: 5300, permissions: { "billing-api": "read" } }],
            };
            const run = await runConfig(PROD_LIKE, { github: world });
            const error = run.run.error ?? "";
            assert.match(error, /keyless:repositories\[1\]: reviewer team "release-approvers" cannot read northwind\/web-shop/);
            assert.match(error, /keyless:repositories\[1\]: reviewer "lead-dev" cannot read northwind\/web-shop \(GitHub reports permission "none"\)/);
            assert.doesNotMatch(error, /repositories\[0\]/);
            assert.deepEqual(run.customResources, []);
        });

        it("warns when a single user is the only reviewer and may not approve their own deployments", async () => {
            const run = (await runConfig({ ...PROD_LIKE, "keyless:reviewerTeams": [] }, { github: ENTERPRISE_PRIVATE })).assertSucceeded();
            assert.ok(
                run.run.warnings.some((warning) => /has one reviewer, "lead-dev", and prevents self-review, so nobody can approve a deployment "lead-dev" starts/.test(warning)),
                run.run.warnings.join("\n"),
            );
        });
    });

    describe("questions GitHub refuses", () => {
        it("trusts both exact subject forms, with a warning naming the repository and Actions: read, when the subject question gets 403", async () => {
            const world = withRefusals(ENTERPRISE_PRIVATE, { "repos/northwind/web-shop/actions/oidc/customization/sub": refused(403, "Resource not accessible by integration") });
            const run = (await runConfig(PROD_LIKE, { github: world })).assertSucceeded();
            assert.deepEqual(trustedSubjects(run, "web-shop-production-fixture").sort(), [
                "repo:northwind/web-shop:environment:production",
                "repo:northwind@5100/web-shop@5102:environment:production",
            ]);
            assert.ok(
                run.run.warnings.some((warning) => /HTTP 403 \(Resource not accessible by integration\) .* lacks Actions: read on northwind\/web-shop.* trusts both exact subject forms/.test(warning)),
                run.run.warnings.join("\n"),
            );
        });

        it("names the permission a fine-grained token may lack when the subject question gets 404", async () => {
            const world = withRefusals(ENTERPRISE_PRIVATE, { "repos/northwind/web-shop/actions/oidc/customization/sub": refused(404, "Not Found") });
            const run = (await runConfig(PROD_LIKE, { github: world })).assertSucceeded();
            assert.ok(
                run.run.warnings.some((warning) => /HTTP 404: no such repository, or the token lacks Actions: read on northwind\/web-shop.* trusts both/.test(warning)),
                run.run.warnings.join("\n"),
            );
        });

        it("stops with a clear problem, not a bare error, when GitHub refuses the repository question", async () => {
            const world = withRefusals(ENTERPRISE_PRIVATE, { "repos/northwind/web-shop": refused(403, "Resource not accessible by integration") });
            const run = await runConfig(PROD_LIKE, { github: world });
            assert.match(run.run.error ?? "", /keyless:repositories\[1\]\.name: GitHub answered HTTP 403 .* lacks Metadata: read on northwind\/web-shop/);
            assert.deepEqual(run.customResources, []);
        });

        it("names the permission a reviewer access check needs when GitHub refuses it", async () => {
            const world = withRefusals(ENTERPRISE_PRIVATE, { "orgs/northwind/teams/release-approvers/repos/northwind/billing-api": refused(403, "Resource not accessible by integration") });
            const run = await runConfig(PROD_LIKE, { github: world });
            assert.match(run.run.error ?? "", /reviewer team "release-approvers": could not check its access, .*lacks Members: read on northwind and Metadata: read on northwind\/billing-api/);
        });

        it("treats the plan as unknown when the rate limit stops the plan question, and says so", async () => {
            const world = withRefusals(ENTERPRISE_PRIVATE, { "orgs/northwind": refused(403, "API rate limit exceeded for installation ID 1.") });
            const run = (await runConfig(PROD_LIKE, { github: world })).assertSucceeded();
            assert.ok(run.run.warnings.some((warning) => /could not read the plan of northwind \(.*rate limit is exhausted/.test(warning)), run.run.warnings.join("\n"));
        });
    });

    describe("GitHub's refusals at registration", () => {
        const raw = (environment: Record<string, unknown>, github?: GithubWorld) =>
            runOffline({
                programDir: "tests/fixtures/github/raw-environments",
                project: "raw-github-environments",
                stack: "test",
                config: { "raw:environment": JSON.stringify({ repository: "billing-api", environment: "production", ...environment }) },
                github,
            });

        it("fails a program that registers prevent_self_review without reviewers with GitHub's message", async () => {
            const run = await raw({ preventSelfReview: true });
            assert.match(run.error ?? "", /422 Failed to create or update the environment protection rule\. Required reviewers must have at least one reviewer to set prevent_self_review\./);
        });

        it("fails reviewers on a private repository of a Team organisation, and accepts the same on Enterprise", async () => {
            const environment = { reviewers: [{ teams: [5200], users: [] }], preventSelfReview: true };
            assert.match((await raw(environment, TEAM_PLAN_PRIVATE)).error ?? "", /billing plan supports the required reviewers protection rule/);
            assert.equal((await raw(environment, ENTERPRISE_PRIVATE)).error, undefined);
        });
    });
});
