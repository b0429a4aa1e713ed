// The real program, run under Pulumi's mocks with the stack files the tests own (tests/fixtures/stacks).
import * as assert from "node:assert/strict";
import { isSecret } from "../../policy/harness/analyzerClient";
import { REDACTED } from "../../tools/stackFiles";
import { runStack, StackRun } from "../helpers/runStack";

const ROLE = "aws:iam/role:Role";
const ROLE_POLICY = "aws:iam/rolePolicy:RolePolicy";
const ENVIRONMENT = "github:index/repositoryEnvironment:RepositoryEnvironment";
const DEPLOYMENT_POLICY = "github:index/repositoryEnvironmentDeploymentPolicy:RepositoryEnvironmentDeploymentPolicy";
const SECRET = "github:index/actionsEnvironmentSecret:ActionsEnvironmentSecret";
const VARIABLE = "github:index/actionsEnvironmentVariable:ActionsEnvironmentVariable";
const REPOSITORY_VARIABLE = "github:index/actionsVariable:ActionsVariable";

/** The trust policy keyless must write: one statement, exact subjects, aud pinned. */
function expectedTrust(account: string, subjects: string[]) {
    return {
        Version: "2012-10-17",
        Statement: [
            {
                Sid: "GithubActionsExactSubjects",
                Effect: "Allow",
                Principal: { Federated: `arn:aws:iam::${account}:oidc-provider/token.actions.githubusercontent.com` },
                Action: "sts:AssumeRoleWithWebIdentity",
                Condition: {
                    StringEquals: {
                        "token.actions.githubusercontent.com:aud": "sts.amazonaws.com",
                        "token.actions.githubusercontent.com:sub": subjects.length === 1 ? subjects[0] : subjects,
                    },
                },
            },
        ],
    };
}

const trustOf = (run: StackRun, roleName: string) =>
    JSON.parse(String(run.one(ROLE, "name", roleName).inputs.assumeRolePolicy)) as unknown;
const statementsOf = (run: StackRun, roleName: string) =>
    (JSON.parse(String(run.one(ROLE_POLICY, "role", roleName).inputs.policy)) as { Statement: { Action: string | string[]; Resource: string | string[] }[] }).Statement;
const list = (value: string | string[]) => (Array.isArray(value) ? value : [value]);

describe("the program under mocks", function () {
    let dev: StackRun;
    let prod: StackRun;
    before(async function () {
        dev = (await runStack("dev")).assertSucceeded();
        prod = (await runStack("prod")).assertSucceeded();
    });

    describe("dev stack", () => {
        it("creates GitHub's OIDC provider for sts.amazonaws.com", () => {
            const [provider] = dev.ofType("aws:iam/openIdConnectProvider:OpenIdConnectProvider");
            assert.equal(provider.inputs.url, "https://token.actions.githubusercontent.com");
            assert.deepEqual(provider.inputs.clientIdLists, ["sts.amazonaws.com"]);
        });

        it("trusts each repository's dev environment on its exact subjects", () => {
            assert.deepEqual(trustOf(dev, "orders-api-dev"), expectedTrust("111111111111", ["repo:acme@73214512/orders-api@1061140022:environment:dev"]));
            assert.deepEqual(trustOf(dev, "invoice-worker-dev"), expectedTrust("111111111111", ["repo:acme/invoice-worker:environment:dev"]));
            assert.deepEqual(
                trustOf(dev, "storefront-dev"),
                expectedTrust("111111111111", ["repo:acme/storefront:environment:dev", "repo:acme@73214512/storefront@684421907:environment:dev"]),
            );
            assert.deepEqual(trustOf(dev, "keyless-pull-request-dev"), expectedTrust("111111111111", ["repo:acme@73214512/keyless@1052213377:pull_request"]));
        });

        it("never writes a wildcard or a Like operator into a trust", () => {
            for (const role of dev.ofType(ROLE)) {
                const trust = String(role.inputs.assumeRolePolicy);
                assert.doesNotMatch(trust, /Like|IfExists|ForAllValues|\*|\?/, role.name);
            }
        });

        it("bounds every role: path, session, permissions boundary, tags", () => {
            for (const role of dev.ofType(ROLE)) {
                assert.equal(role.inputs.path, "/github-actions/");
                assert.equal(role.inputs.maxSessionDuration, 3600);
                assert.equal(role.inputs.permissionsBoundary, "arn:aws:iam::111111111111:policy/github-actions-boundary");
                assert.equal((role.inputs.tags as Record<string, string>)["keyless:stack"], "dev");
            }
        });

        it("scopes the ECS preset to the named repositories, services and task roles", () => {
            const statements = statementsOf(dev, "orders-api-dev");
            const resources = statements.flatMap((statement) => list(statement.Resource));
            assert.deepEqual(resources.filter((arn) => arn !== "*").sort(), [
                "arn:aws:ecr:eu-west-1:111111111111:repository/orders-api",
                "arn:aws:ecs:eu-west-1:111111111111:service/orders-dev/orders-api",
                "arn:aws:iam::111111111111:role/orders-api-task",
                "arn:aws:iam::111111111111:role/orders-api-task-execution",
            ]);
        });

        it("protects each dev environment without reviewers but with branch rules and no admin bypass", () => {
            const environment = dev.one(ENVIRONMENT, "repository", "orders-api");
            assert.equal(environment.inputs.environment, "dev");
            assert.equal(environment.inputs.canAdminsBypass, false);
            // GitHub refuses prevent_self_review on an environment without reviewers.
            assert.equal(environment.inputs.preventSelfReview, false);
            assert.deepEqual(environment.inputs.reviewers ?? [], []);
            assert.deepEqual(environment.inputs.deploymentBranchPolicy, { protectedBranches: false, customBranchPolicies: true });
            const patterns = dev
                .ofType(DEPLOYMENT_POLICY)
                .filter((policy) => policy.inputs.repository === "orders-api")
                .map((policy) => policy.inputs.branchPattern);
            assert.deepEqual(patterns.sort(), ["main", "release/*"]);
        });

        it("puts the role ARN in the environment secret the seed workflows read, as a secret", () => {
            const secret = dev
                .ofType(SECRET)
                .find((resource) => resource.inputs.repository === "orders-api" && resource.inputs.secretName === "AWS_DEPLOY_ROLE_ARN")!;
            assert.equal(secret.inputs.value, "arn:aws:iam::111111111111:role/github-actions/orders-api-dev");
            assert.ok(isSecret(secret.properties.value), "AWS_DEPLOY_ROLE_ARN value is a Pulumi secret");
            const region = dev.ofType(VARIABLE).find((resource) => resource.inputs.repository === "orders-api" && resource.inputs.variableName === "AWS_REGION")!;
            assert.equal(region.inputs.value, "eu-west-1");
        });

        it("keeps config secrets secret end to end", () => {
            const sentry = dev.one(SECRET, "secretName", "SENTRY_AUTH_TOKEN");
            assert.ok(isSecret(sentry.properties.value));
            assert.equal(sentry.inputs.value, REDACTED);
            assert.equal(dev.one(VARIABLE, "variableName", "SITE_URL").inputs.value, "https://dev.shop.acme.example");
        });

        it("creates the role only after its environment is protected", () => {
            const role = dev.one(ROLE, "name", "orders-api-dev");
            const environment = dev.one(ENVIRONMENT, "repository", "orders-api");
            assert.ok(role.dependencies.includes(environment.urn), "the role depends on the environment");
        });

        it("publishes the pull-request role in repository variables, not an environment", () => {
            const names = dev.ofType(REPOSITORY_VARIABLE).map((variable) => `${variable.inputs.repository} ${variable.inputs.variableName}=${variable.inputs.value}`);
            assert.deepEqual(names.sort(), [
                "keyless AWS_DRIFT_DEV_REGION=eu-west-1",
                "keyless AWS_DRIFT_DEV_ROLE_ARN=arn:aws:iam::111111111111:role/github-actions/keyless-branch-main-dev",
                "keyless AWS_PREVIEW_DEV_REGION=eu-west-1",
                "keyless AWS_PREVIEW_DEV_ROLE_ARN=arn:aws:iam::111111111111:role/github-actions/keyless-pull-request-dev",
            ]);
            assert.equal(dev.ofType(ENVIRONMENT).filter((environment) => environment.inputs.repository === "keyless").length, 1);
        });

        it("exports who can deploy where", () => {
            const deployments = dev.run.outputs?.deployments as Record<string, { roleArn: string; subjects: string[]; environment?: string }>;
            assert.deepEqual(deployments["orders-api/environment:dev"], {
                repository: "acme/orders-api",
                environment: "dev",
                roleArn: "arn:aws:iam::111111111111:role/github-actions/orders-api-dev",
                subjects: ["repo:acme@73214512/orders-api@1061140022:environment:dev"],
                subjectFormat: "immutable",
            });
            assert.equal(dev.run.outputs?.oidcProviderArn, "arn:aws:iam::111111111111:oidc-provider/token.actions.githubusercontent.com");
        });
    });

    describe("prod stack", () => {
        it("requires the named reviewers, by their GitHub IDs, and waits 10 minutes", () => {
            const teamId = Number([...prod.run.standIns].find(([, what]) => what === "team platform-approvers")![0]);
            const userId = Number([...prod.run.standIns].find(([, what]) => what === "user octo-lead")![0]);
            for (const environment of prod.ofType(ENVIRONMENT)) {
                assert.deepEqual(environment.inputs.reviewers, [{ teams: [teamId], users: [userId] }], String(environment.inputs.repository));
                assert.equal(environment.inputs.waitTimer, 10);
                assert.equal(environment.inputs.canAdminsBypass, false);
            }
        });

        it("lets only main deploy, and storefront's release tags", () => {
            const rules = prod.ofType(DEPLOYMENT_POLICY).map((policy) => `${policy.inputs.repository} ${policy.inputs.branchPattern ?? `tag ${policy.inputs.tagPattern}`}`);
            assert.deepEqual(rules.sort(), ["invoice-worker main", "keyless main", "orders-api main", "storefront main", "storefront tag v*"]);
        });

        it("gives orders-api its longer session and scopes it to both prod services", () => {
            assert.equal(prod.one(ROLE, "name", "orders-api-prod").inputs.maxSessionDuration, 7200);
            const services = statementsOf(prod, "orders-api-prod").flatMap((statement) => list(statement.Resource)).filter((arn) => arn.includes(":service/"));
            assert.deepEqual(services, [
                "arn:aws:ecs:eu-west-1:222222222222:service/orders-prod/orders-api",
                "arn:aws:ecs:eu-west-1:222222222222:service/orders-prod/orders-api-worker",
            ]);
        });
    });

    describe("refusals", () => {
        it("registers nothing when the config is invalid, and says what is wrong", async () => {
            const run = await runStack("prod", { config: { "keyless:maxSessionDuration": 99999, "keyless:reviewerTeams": [], "keyless:reviewerUsers": [] } });
            assert.match(run.run.error ?? "", /keyless:maxSessionDuration: 99999 is outside 3600-43200/);
            assert.match(run.run.error ?? "", /requires reviewers but none are given/);
            assert.deepEqual(run.customResources, []);
        });

        it("registers nothing when the credentials belong to another account", async () => {
            const run = await runStack("prod", {
                answers: (token) =>
                    token === "aws:index/getCallerIdentity:getCallerIdentity" ? { accountId: "111111111111", arn: "arn:aws:iam::111111111111:user/x", userId: "x" } : undefined,
            });
            assert.match(run.run.error ?? "", /belongs to account 222222222222, but the AWS credentials are for 111111111111/);
            assert.deepEqual(run.customResources, []);
        });

        it("registers nothing when a reviewer team does not exist", async () => {
            const run = await runStack("prod", {
                answers: (token) => {
                    if (token === "github:index/getTeam:getTeam") throw new Error("Could not resolve to a team");
                    return undefined;
                },
            });
            assert.match(run.run.error ?? "", /reviewer team "platform-approvers" of acme: not found/);
            assert.deepEqual(run.customResources, []);
        });

        it("adopts an existing provider without creating one", async () => {
            const arn = "arn:aws:iam::222222222222:oidc-provider/token.actions.githubusercontent.com";
            const run = (await runStack("prod", { config: { "keyless:oidcProviderArn": arn } })).assertSucceeded();
            assert.deepEqual(run.ofType("aws:iam/openIdConnectProvider:OpenIdConnectProvider"), []);
            assert.match(String(run.one(ROLE, "name", "orders-api-prod").inputs.assumeRolePolicy), /oidc-provider\/token\.actions\.githubusercontent\.com/);
        });
    });

    describe("issuers and providers", () => {
        it("uses an enterprise's custom issuer for the provider URL and every condition key", async () => {
            const run = (await runStack("prod", { config: { "keyless:enterpriseSlug": "acme-corp" } })).assertSucceeded();
            const [provider] = run.ofType("aws:iam/openIdConnectProvider:OpenIdConnectProvider");
            assert.equal(provider.inputs.url, "https://token.actions.githubusercontent.com/acme-corp");
            const trust = JSON.parse(String(run.one(ROLE, "name", "orders-api-prod").inputs.assumeRolePolicy)) as {
                Statement: { Principal: { Federated: string }; Condition: { StringEquals: Record<string, unknown> } }[];
            };
            assert.equal(trust.Statement[0].Principal.Federated, "arn:aws:iam::222222222222:oidc-provider/token.actions.githubusercontent.com/acme-corp");
            assert.deepEqual(Object.keys(trust.Statement[0].Condition.StringEquals).sort(), [
                "token.actions.githubusercontent.com/acme-corp:aud",
                "token.actions.githubusercontent.com/acme-corp:sub",
            ]);
        });

        it("refuses to adopt a provider that does not accept the audience", async () => {
            const arn = "arn:aws:iam::222222222222:oidc-provider/token.actions.githubusercontent.com";
            const run = await runStack("prod", {
                config: { "keyless:oidcProviderArn": arn },
                answers: (token) =>
                    token === "aws:iam/getOpenIdConnectProvider:getOpenIdConnectProvider"
                        ? { arn, url: "token.actions.githubusercontent.com", clientIdLists: ["sigstore"], thumbprintLists: [], tags: {} }
                        : undefined,
            });
            assert.match(run.run.error ?? "", /does not accept the audience sts\.amazonaws\.com \(it lists sigstore\)/);
            assert.deepEqual(run.customResources, []);
        });
    });

    describe("subject form reported by GitHub", () => {
        it("warns, and trusts both exact forms, when GitHub does not say which form a repository uses", async () => {
            const run = (
                await runStack("prod", {
                    config: { "keyless:repositories": [{ name: "payments", ownerId: 7, repositoryId: 42, permissions: { lambda: { functions: ["payments"] } } }] },
                })
            ).assertSucceeded();
            assert.deepEqual(trustOf(run, "payments-prod"), expectedTrust("222222222222", ["repo:acme/payments:environment:prod", "repo:acme@7/payments@42:environment:prod"]));
            // Offline, GitHub's answer is a stand-in, and the warning says so rather than quoting GitHub.
            assert.ok(run.run.warnings.some((warning) => /offline stand-ins, not GitHub's answers: which OIDC subject form .*acme\/payments/.test(warning)), run.run.warnings.join("\n"));
            assert.ok(!run.run.warnings.some((warning) => /GitHub answered/.test(warning)), run.run.warnings.join("\n"));
        });

        it("asks GitHub and trusts the immutable subject it reports", async () => {
            const endpoints: string[] = [];
            const run = (
                await runStack("prod", {
                    config: {
                        "keyless:repositories": [{ name: "payments", permissions: { lambda: { functions: ["payments"] } } }],
                    },
                    answers: (token, args) => {
                        if (token !== "github:index/getRestApi:getRestApi") return undefined;
                        if (args.endpoint === "repos/acme/payments") {
                            endpoints.push(String(args.endpoint));
                            return { code: 200, body: JSON.stringify({ full_name: "acme/payments", id: 42, owner: { id: 7 } }) };
                        }
                        if (args.endpoint === "repos/acme/payments/actions/oidc/customization/sub") {
                            endpoints.push(String(args.endpoint));
                            return { code: 200, body: '{"use_default":true,"sub_claim_prefix":"repo:acme@7/payments@42"}' };
                        }
                        // Plan and reviewer access: offline stand-ins.
                        return undefined;
                    },
                })
            ).assertSucceeded();
            assert.deepEqual(endpoints.sort(), ["repos/acme/payments", "repos/acme/payments/actions/oidc/customization/sub"]);
            assert.deepEqual(trustOf(run, "payments-prod"), expectedTrust("222222222222", ["repo:acme@7/payments@42:environment:prod"]));
        });
    });
});
