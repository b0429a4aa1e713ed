import * as assert from "node:assert/strict";
import { KeylessConfigError } from "../../components/configReader";
import { loadStackConfig, StackConfigSource } from "../../components/config";
import { readStackConfig } from "../../tools/stackFiles";
import { FIXTURE_STACKS } from "../helpers/runStack";

/** A stack file the tests own, read as the CLI would hand it over. */
function fixtureStack(stack: string): StackConfigSource {
    const file = readStackConfig(".", stack, `${FIXTURE_STACKS}/Pulumi.${stack}.yaml`);
    return { stack, values: file.values, secretKeys: new Set(file.secretKeys) };
}

/** A stack's config from plain values, as the Pulumi runtime would hand it over. */
function source(config: Record<string, unknown>, secretKeys: string[] = []): StackConfigSource {
    const values = Object.fromEntries(
        Object.entries(config).map(([key, value]) => [key, typeof value === "string" ? value : JSON.stringify(value)]),
    );
    return { stack: "prod", values, secretKeys: new Set(secretKeys) };
}

const lambdaRepository = { name: "billing", permissions: { lambda: { functions: ["billing"] } } };
const base = {
    "aws:region": "eu-west-1",
    "github:owner": "acme",
    "keyless:accountId": "222222222222",
    "keyless:environment": "production",
    "keyless:reviewerTeams": ["approvers"],
    "keyless:repositories": [lambdaRepository],
};
const withRepositories = (...repositories: unknown[]) => source({ ...base, "keyless:repositories": repositories });
const withRepository = (fields: Record<string, unknown>) => withRepositories({ ...lambdaRepository, ...fields });

/** The problems loadStackConfig reports; fails the test if it accepts the config. */
function problemsOf(config: StackConfigSource): readonly string[] {
    try {
        loadStackConfig(config);
    } catch (error) {
        assert.ok(error instanceof KeylessConfigError, String(error));
        return error.problems;
    }
    return assert.fail("the config was accepted");
}

function assertProblem(config: StackConfigSource, key: string, message: RegExp): void {
    const problems = problemsOf(config);
    assert.ok(
        problems.some((problem) => problem.startsWith(`${key}: `) && message.test(problem)),
        `expected a problem at ${key} matching ${message}, got:\n${problems.join("\n")}`,
    );
}

describe("stack config", () => {
    describe("whole stack files (fixtures)", () => {
        for (const stack of ["dev", "prod"]) {
            it(`accepts the ${stack} fixture as written`, () => {
                const config = loadStackConfig(fixtureStack(stack));
                assert.equal(config.owner, "acme");
                assert.deepEqual(
                    config.deployments.map((deployment) => `${deployment.repository} ${deployment.context.kind}`),
                    [
                        "keyless environment",
                        "keyless pullRequest",
                        "keyless branch",
                        "orders-api environment",
                        "invoice-worker environment",
                        "storefront environment",
                    ],
                );
            });
        }

        it("prod protects every environment with reviewers, a wait timer and main-only deployment", () => {
            const config = loadStackConfig(fixtureStack("prod"));
            for (const deployment of config.deployments) {
                if (deployment.github.kind !== "environment") continue;
                const protection = deployment.github.protection;
                assert.ok(protection.reviewerTeams.length + protection.reviewerUsers.length > 0, deployment.key);
                assert.ok(protection.waitTimer > 0, deployment.key);
                assert.equal(protection.preventSelfReview, true);
                assert.deepEqual(protection.branchPolicy.kind === "selectedRefs" && protection.branchPolicy.branches, ["main"]);
            }
        });
    });

    describe("defaults", () => {
        it("reads string keys as text, so an environment may be named like a number", () => {
            const config = loadStackConfig(source({ ...base, "keyless:environment": "2026" }));
            assert.deepEqual(config.deployments[0].context, { kind: "environment", environment: "2026" });
        });

        it("gives a repository an environment role with a 1-hour session under /github-actions/", () => {
            const config = loadStackConfig(source(base));
            const [deployment] = config.deployments;
            assert.deepEqual(deployment.context, { kind: "environment", environment: "production" });
            assert.equal(deployment.maxSessionDuration, 3600);
            assert.equal(config.rolePath, "/github-actions/");
            assert.equal(deployment.roleName, "billing-production-prod");
            assert.equal(deployment.subjectFormat, "auto");
        });
    });

    describe("partitions and contexts", () => {
        it("writes ARNs and the audience of the China partition for a cn- region", () => {
            const config = loadStackConfig(source({ ...base, "aws:region": "cn-north-1", "keyless:repositories": [{ ...lambdaRepository }] }));
            assert.equal(config.partition, "aws-cn");
            assert.equal(config.audience, "sts.amazonaws.com.cn");
            const [statement] = config.deployments[0].permissions.Statement;
            assert.match(String(statement.Resource), /^arn:aws-cn:lambda:cn-north-1:222222222222:function:billing/);
        });

        it("publishes branch and pull request roles in repository variables named after the stack", () => {
            const config = loadStackConfig(
                withRepositories(
                    { ...lambdaRepository, branch: "main" },
                    { name: "billing", pullRequest: true, permissions: { statements: [{ Effect: "Allow", Action: "lambda:GetFunction", Resource: "arn:aws:lambda:eu-west-1:222222222222:function:billing" }] } },
                ),
            );
            assert.deepEqual(
                config.deployments.map((deployment) => deployment.github.kind === "repositoryVariables" && deployment.github.prefix),
                ["AWS_DEPLOY_PROD", "AWS_PREVIEW_PROD"],
            );
        });
    });

    describe("bad input", () => {
        it("reports every problem at once, each under its own key", () => {
            const problems = problemsOf(
                source({
                    "aws:region": "europe",
                    "keyless:maxSessionDuration": 60,
                    "keyless:repositories": [{ name: "api*", permissions: { lambda: { functions: ["f"] } } }],
                }),
            );
            for (const key of ["keyless:accountId", "keyless:environment", "github:owner", "aws:region", "keyless:maxSessionDuration", "keyless:repositories[0].name"]) {
                assert.ok(problems.some((problem) => problem.startsWith(`${key}: `)), `${key} in:\n${problems.join("\n")}`);
            }
        });

        it("rejects a wildcard in a repository, environment, branch or tag name", () => {
            assertProblem(withRepository({ name: "api-*" }), "keyless:repositories[0].name", /no wildcard/);
            assertProblem(withRepository({ environment: "prod*" }), "keyless:repositories[0].environment", /no \* \? or :/);
            assertProblem(withRepository({ branch: "release/*" }), "keyless:repositories[0].branch", /one exact branch/);
            assertProblem(withRepository({ tag: "v?" }), "keyless:repositories[0].tag", /one exact tag/);
        });

        it("keeps the session within AWS's 3600-43200 seconds", () => {
            assertProblem(withRepository({ maxSessionDuration: 43201 }), "keyless:repositories[0].maxSessionDuration", /outside 3600-43200/);
            assertProblem(source({ ...base, "keyless:maxSessionDuration": "900" }), "keyless:maxSessionDuration", /outside 3600-43200/);
        });

        it("rejects a repository listed twice for the same context", () => {
            assertProblem(withRepositories(lambdaRepository, { ...lambdaRepository, name: "Billing" }), "keyless:repositories[1]", /repeats keyless:repositories\[0\]/);
        });

        it("accepts one repository in two contexts", () => {
            const config = loadStackConfig(withRepositories(lambdaRepository, { ...lambdaRepository, branch: "main" }));
            assert.deepEqual(config.deployments.map((deployment) => deployment.roleName), ["billing-production-prod", "billing-branch-main-prod"]);
        });

        it("refuses an admin managed policy, in any partition, with the pack's reason", () => {
            for (const arn of ["arn:aws:iam::aws:policy/AdministratorAccess", "arn:aws:iam::aws:policy/IAMFullAccess"]) {
                assertProblem(
                    withRepository({ permissions: { managedPolicyArns: [arn] } }),
                    "keyless:repositories[0].permissions.managedPolicyArns[0]",
                    /AdministratorAccess|IAMFullAccess/,
                );
            }
        });

        it("refuses statements the pack would block: PassRole on every role, all actions on everything", () => {
            assertProblem(
                withRepository({ permissions: { statements: [{ Effect: "Allow", Action: "iam:PassRole", Resource: "*" }] } }),
                "keyless:repositories[0].permissions.statements[0]",
                /PassRole/,
            );
            assertProblem(
                withRepository({ permissions: { statements: [{ Effect: "Allow", Action: "*", Resource: "*" }] } }),
                "keyless:repositories[0].permissions.statements[0]",
                /admin|every action/i,
            );
        });

        it("takes allow-lists only: no NotAction or NotResource, and no principal", () => {
            const statement = { Effect: "Allow", NotAction: "iam:*", NotResource: "arn:aws:s3:::x", Principal: "*", Resource: "*" };
            const config = withRepository({ permissions: { statements: [statement] } });
            assertProblem(config, "keyless:repositories[0].permissions.statements[0].NotAction", /allow-lists only/);
            assertProblem(config, "keyless:repositories[0].permissions.statements[0].NotResource", /allow-lists only/);
            assertProblem(config, "keyless:repositories[0].permissions.statements[0].Principal", /the role is the principal/);
        });

        it("names unknown fields of a preset and of a repository", () => {
            assertProblem(
                withRepository({ permissions: { ecs: { cluster: "c", services: ["s"], ecrRepositories: ["r"], taskRoleArns: [], image: "x" } } }),
                "keyless:repositories[0].permissions.ecs.image",
                /unknown field; the fields keyless reads here are cluster, services, ecrRepositories, taskRoleArns/,
            );
            assertProblem(withRepository({ reviewer: ["x"] }), "keyless:repositories[0].reviewer", /unknown field/);
        });

        it("requires the task roles of the ECS preset to be exact role ARNs of this account", () => {
            const ecs = (taskRoleArns: string[]) =>
                withRepository({ permissions: { ecs: { cluster: "c", services: ["s"], ecrRepositories: ["repo"], taskRoleArns } } });
            assertProblem(ecs(["arn:aws:iam::222222222222:role/*"]), "keyless:repositories[0].permissions.ecs.taskRoleArns[0]", /wildcard/);
            assertProblem(ecs(["arn:aws:iam::333333333333:role/task"]), "keyless:repositories[0].permissions.ecs.taskRoleArns[0]", /not in this stack's account/);
        });

        it("requires reviewers for a protected environment", () => {
            assertProblem(
                source({ ...base, "keyless:reviewerTeams": [] }),
                "keyless:reviewerTeams/reviewerUsers",
                /requires reviewers but none are given/,
            );
            assert.doesNotThrow(() => loadStackConfig(source({ ...base, "keyless:reviewerTeams": [], "keyless:requireReviewers": false })));
        });

        it("keeps GitHub's limit of six reviewers", () => {
            assertProblem(
                withRepository({ reviewers: { teams: ["a", "b", "c", "d"], users: ["e", "f", "g"] } }),
                "keyless:repositories[0].reviewers",
                /at most 6/,
            );
        });

        it("keeps pull_request roles read-only", () => {
            assertProblem(withRepository({ pullRequest: true }), "keyless:repositories[0].permissions.lambda", /must stay read-only/);
        });

        it("lets a role trust one context only", () => {
            assertProblem(withRepository({ branch: "main", environment: "production" }), "keyless:repositories[0]", /exclusive/);
        });

        it("rejects environment settings on a branch role", () => {
            assertProblem(withRepository({ branch: "main", waitTimer: 5 }), "keyless:repositories[0].waitTimer", /only applies to a role trusted on a GitHub environment/);
        });

        it("takes environment secret values only from encrypted config", () => {
            const secrets = { SENTRY_DSN: "billingSentryDsn" };
            assertProblem(withRepository({ secrets }), "keyless:repositories[0].secrets.SENTRY_DSN", /is not set/);
            assertProblem(
                source({ ...base, "keyless:repositories": [{ ...lambdaRepository, secrets }], "keyless:billingSentryDsn": "plain" }),
                "keyless:repositories[0].secrets.SENTRY_DSN",
                /stored in plaintext; store it encrypted/,
            );
            assert.doesNotThrow(() =>
                loadStackConfig(
                    source(
                        { ...base, "keyless:repositories": [{ ...lambdaRepository, secrets }], "keyless:billingSentryDsn": "s3cr3t" },
                        ["keyless:billingSentryDsn"],
                    ),
                ),
            );
        });

        it("keeps the role ARN secret and region variable for keyless", () => {
            assertProblem(withRepository({ variables: { aws_region: "us-east-1" } }), "keyless:repositories[0]", /set by keyless itself/);
        });

        it("adopts only the provider of the stack's issuer, in the stack's account", () => {
            const adopt = (arn: string, extra: Record<string, unknown> = {}) => source({ ...base, "keyless:oidcProviderArn": arn, ...extra });
            assertProblem(
                adopt("arn:aws:iam::222222222222:oidc-provider/token.actions.githubusercontent.com", { "keyless:enterpriseSlug": "octo" }),
                "keyless:oidcProviderArn",
                /this stack's issuer is token.actions.githubusercontent.com\/octo/,
            );
            assertProblem(adopt("arn:aws:iam::999999999999:oidc-provider/token.actions.githubusercontent.com"), "keyless:oidcProviderArn", /account/);
            assert.equal(
                loadStackConfig(adopt("arn:aws:iam::222222222222:oidc-provider/token.actions.githubusercontent.com")).oidcProviderArn,
                "arn:aws:iam::222222222222:oidc-provider/token.actions.githubusercontent.com",
            );
        });

        it("needs both immutable IDs or neither", () => {
            assertProblem(withRepository({ ownerId: 1 }), "keyless:repositories[0]", /set both or neither/);
        });
    });
});
