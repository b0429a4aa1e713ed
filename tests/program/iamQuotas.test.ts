// IAM's quotas, measured on the documents keyless is about to write and refused up front.
import * as assert from "node:assert/strict";
import { loadStackConfig } from "../../components/config";
import { DeployRole, DeployRoleArgs } from "../../components/deployRole";
import { IAM_LIMITS, managedPolicyError, policyAsSent, policySize, RoleDocuments, roleViolations, tagValue } from "../../components/realServices/iam";
import { runOffline } from "../../tools/offlineRun";
import { listStacks } from "../../tools/stackFiles";
import { PROJECT_STACK, runStack } from "../helpers/runStack";

const ROLE = "aws:iam/role:Role";
const ROLE_POLICY = "aws:iam/rolePolicy:RolePolicy";

/** A role within every limit, for one field to be pushed past its limit at a time. */
const withinLimits: RoleDocuments = {
    roleName: "r".repeat(IAM_LIMITS.roleName),
    path: `/${"p".repeat(IAM_LIMITS.path - 2)}/`,
    trustPolicy: JSON.stringify({ Sid: "x".repeat(IAM_LIMITS.trustPolicy - 10) }),
    inlinePolicies: { a: JSON.stringify({ Sid: "x".repeat(5000 - 10) }), b: JSON.stringify({ Sid: "x".repeat(IAM_LIMITS.inlinePolicies - 5000 - 10) }) },
    managedPolicyArns: Array.from({ length: IAM_LIMITS.managedPolicies }, (_, index) => `arn:aws:iam::aws:policy/P${index}`),
    tags: Object.fromEntries(Array.from({ length: IAM_LIMITS.tags }, (_, index) => [`k${index}`.padEnd(IAM_LIMITS.tagKey, "k"), "v".repeat(IAM_LIMITS.tagValue)])),
};

const rulesOf = (role: RoleDocuments) => roleViolations(role).map((violation) => violation.rule);

/** A keyless stack's config, owned by this test. */
const stackConfig = (repositories: unknown[]): Record<string, string> => ({
    "aws:region": "eu-west-1",
    "github:owner": "acme",
    "keyless:accountId": "333333333333",
    "keyless:environment": "staging",
    "keyless:requireReviewers": "false",
    "keyless:repositories": JSON.stringify(repositories),
});
const ecsRepository = (services: number) => ({
    name: "orders",
    subjectFormat: "legacy",
    permissions: {
        ecs: {
            cluster: "orders-staging",
            services: Array.from({ length: services }, (_, index) => `orders-service-${index}`),
            ecrRepositories: ["orders"],
            taskRoleArns: ["arn:aws:iam::333333333333:role/orders-task"],
        },
    },
});
/** The message loadStackConfig refuses the config with ("" when it accepts it). */
function loadRefusal(repositories: unknown[], extra: Record<string, string> = {}): string {
    try {
        loadStackConfig({ stack: "staging", values: { ...stackConfig(repositories), ...extra }, secretKeys: new Set() });
        return "";
    } catch (error) {
        return (error as Error).message;
    }
}
const runKeyless = (repositories: unknown[]) =>
    runOffline({ programDir: "tests/fixtures/keyless-stacks", project: "keyless", stack: "staging", config: stackConfig(repositories), accountId: "333333333333" });

describe("IAM quotas", () => {
    describe("the rules (components/realServices/iam.ts)", () => {
        it("measures a policy as IAM does, without whitespace", () => {
            const document = { Version: "2012-10-17", Statement: [{ Effect: "Allow", Action: "s3:GetObject", Resource: "arn:aws:s3:::a b" }] };
            assert.equal(policySize(JSON.stringify(document, null, 4)), policySize(JSON.stringify(document)));
            assert.equal(policySize(JSON.stringify(document)), JSON.stringify(document).length - 1);
        });

        it("measures the document the provider sends: Go's JSON escapes &, < and > as six characters", () => {
            assert.equal(policyAsSent('{"Sid":"a","Condition":{"StringEquals":{"k":"x&y"}}}'), '{"Condition":{"StringEquals":{"k":"x\\u0026y"}},"Sid":"a"}');
            assert.equal(policySize('{"k":"x&y"}'), '{"k":"x&y"}'.length + 5);
        });

        it("accepts a role at every limit", () => {
            assert.deepEqual(rulesOf(withinLimits), []);
        });

        it("refuses a role one past each limit, with the measured value and the limit", () => {
            const cases: [Partial<RoleDocuments>, string, number][] = [
                [{ roleName: "r".repeat(IAM_LIMITS.roleName + 1) }, "roleName", 65],
                [{ path: `/${"p".repeat(IAM_LIMITS.path - 1)}/` }, "path", 513],
                [{ trustPolicy: JSON.stringify({ Sid: "x".repeat(IAM_LIMITS.trustPolicy - 9) }) }, "trustPolicy", 2049],
                [{ inlinePolicies: { ...withinLimits.inlinePolicies, c: "{}" } }, "inlinePolicies", 10242],
                [{ managedPolicyArns: [...withinLimits.managedPolicyArns, "arn:aws:iam::aws:policy/P10"] }, "managedPolicies", 11],
                [{ tags: { ...withinLimits.tags, extra: "" } }, "tags", 51],
                [{ tags: { ["k".repeat(IAM_LIMITS.tagKey + 1)]: "" } }, "tagKey", 129],
                [{ tags: { k: "v".repeat(IAM_LIMITS.tagValue + 1) } }, "tagValue", 257],
            ];
            for (const [change, rule, measured] of cases) {
                const violations = roleViolations({ ...withinLimits, ...change });
                assert.deepEqual(violations.map((violation) => violation.rule), [rule]);
                assert.equal(violations[0].measured, measured, rule);
            }
        });

        it("refuses the names, paths and tags IAM's patterns reject", () => {
            const role = { ...withinLimits, tags: {} };
            assert.deepEqual(rulesOf({ ...role, roleName: "deploy role" }), ["roleName"]);
            assert.deepEqual(rulesOf({ ...role, path: "github-actions" }), ["path"]);
            assert.deepEqual(rulesOf({ ...role, path: "/with space/" }), ["path"]);
            assert.deepEqual(rulesOf({ ...role, tags: { "aws:owner": "x" } }), ["tagKey"]);
            assert.deepEqual(rulesOf({ ...role, tags: { Team: "a", team: "b" } }), ["tagKey"]);
            assert.deepEqual(rulesOf({ ...role, tags: { team: "a*" } }), ["tagValue"]);
            assert.deepEqual(rulesOf({ ...role, tags: { "Cost centre": "Zürich 42" } }), []);
        });

        it("refuses policy characters outside tab, line breaks and U+0020-U+00FF", () => {
            const role = { ...withinLimits, tags: {} };
            const cyrillic = JSON.stringify({ Resource: "arn:aws:s3:::\u0430pp" });
            assert.deepEqual(rulesOf({ ...role, inlinePolicies: { a: cyrillic } }), ["policyCharacters"]);
            assert.deepEqual(rulesOf({ ...role, trustPolicy: '{"Sid":"a\u200bb"}' }), ["policyCharacters"]);
            assert.deepEqual(rulesOf({ ...role, inlinePolicies: { a: '{"Sid":"caf\u00e9"}' } }), []);
        });

        it("keeps a customer-managed policy within 6,144 characters", () => {
            const ofSize = (size: number) => `{"Sid":"${"x".repeat(size - 10)}"}`;
            assert.equal(managedPolicyError(ofSize(IAM_LIMITS.managedPolicyDocument)), undefined);
            assert.equal(managedPolicyError(ofSize(IAM_LIMITS.managedPolicyDocument + 1)), "LimitExceeded: Cannot exceed quota for PolicySize: 6144");
        });

        it("makes any text a tag value IAM accepts", () => {
            const tags = { a: tagValue("repo:acme/api:ref:refs/heads/feature*x"), b: tagValue("x".repeat(300)) };
            assert.deepEqual(rulesOf({ ...withinLimits, tags }), []);
            assert.equal(tags.a, "repo:acme/api:ref:refs/heads/feature_x");
        });
    });

    describe("names in the config", () => {
        it("says how long a derived role name is and asks for roleName", () => {
            const refused = loadRefusal([{ name: "a".repeat(57), permissions: { lambda: { functions: ["f"] } } }]);
            assert.match(refused, /keyless:repositories\[0\]: role name "a{57}-staging" \(65 characters\) is not a valid IAM role name \(at most 64[\s\S]*set roleName/);
            assert.equal(loadRefusal([{ name: "a".repeat(56), permissions: { lambda: { functions: ["f"] } } }]), "");
        });

        it("refuses a path past 512 characters", () => {
            const message = loadRefusal([{ name: "api", permissions: { lambda: { functions: ["f"] } } }], { "keyless:rolePath": `/${"p".repeat(511)}/` });
            assert.match(message, /keyless:rolePath: .* is not an IAM path such as \/github-actions\/ \(at most 512 printable ASCII characters/);
        });
    });

    describe("a deploy role's documents", () => {
        const args: DeployRoleArgs = {
            oidcProviderArn: "arn:aws:iam::333333333333:oidc-provider/token.actions.githubusercontent.com",
            issuerHost: "token.actions.githubusercontent.com",
            subjects: ["repo:acme/api:environment:staging"],
            roleName: "api-staging",
            permissions: { Version: "2012-10-17", Statement: [{ Effect: "Allow", Action: "s3:GetObject", Resource: "arn:aws:s3:::bucket/*" }] },
        };

        it("refuses a trust policy past 2,048 characters, naming the role, the size and the limit", () => {
            const subjects = Array.from({ length: 40 }, (_, index) => `repo:acme/service-${index}:environment:staging`);
            const problems = DeployRole.validate({ ...args, subjects });
            assert.ok(
                problems.some((problem) => /^role api-staging: the trust policy has \d{4} characters without whitespace; IAM accepts at most 2048; trust fewer subjects/.test(problem)),
                problems.join("\n"),
            );
            assert.deepEqual(DeployRole.validate(args), []);
        });

        it("refuses more than 10 managed policies and tags IAM would reject", () => {
            const managedPolicyArns = Array.from({ length: 11 }, (_, index) => `arn:aws:iam::333333333333:policy/deploy-${index}`);
            assert.ok(DeployRole.validate({ ...args, managedPolicyArns }).some((problem) => /11 managed policies are attached; IAM's default quota is 10/.test(problem)));
            assert.ok(DeployRole.validate({ ...args, tags: { "aws:team": "x" } }).some((problem) => /starts with aws:/.test(problem)));
        });
    });

    describe("the program", () => {
        it("refuses, before creating anything, a role whose inline policy would pass 10,240 characters", async () => {
            const run = await runKeyless([ecsRepository(300)]);
            assert.match(
                run.error ?? "",
                /keyless:repositories\[0\]: role orders-staging: its inline policies have (\d+) characters without whitespace; IAM accepts at most 10240 per role; split the repository's resources across roles/,
            );
            assert.ok(Number(/have (\d+) characters/.exec(run.error ?? "")?.[1]) > 10240);
            assert.deepEqual(run.resources.filter((resource) => resource.custom), [], "nothing was registered");
        });

        it("writes exactly the inline policy it measured, and accepts one within the limit", async () => {
            const run = await runKeyless([ecsRepository(100)]);
            assert.equal(run.error, undefined);
            const [policy] = run.resources.filter((resource) => resource.type === ROLE_POLICY);
            const written = String(policy.inputs.policy);
            assert.ok(policySize(written) > 5000 && policySize(written) <= IAM_LIMITS.inlinePolicies, String(policySize(written)));
            const role = run.resources.find((resource) => resource.type === ROLE);
            assert.ok(role);
            const documents: RoleDocuments = {
                roleName: String(role.inputs.name),
                path: String(role.inputs.path),
                trustPolicy: String(role.inputs.assumeRolePolicy),
                inlinePolicies: { [String(policy.inputs.name)]: written },
                managedPolicyArns: [],
                tags: role.inputs.tags as Record<string, string>,
            };
            assert.deepEqual(roleViolations(documents), []);
        });

        it("refuses a look-alike character in a statement before IAM does", async () => {
            const statements = [{ Effect: "Allow", Action: "s3:GetObject", Resource: "arn:aws:s3:::\u0430pp-assets/*" }];
            const run = await runKeyless([{ name: "api", subjectFormat: "legacy", permissions: { statements } }]);
            assert.match(run.error ?? "", /role api-staging: inline policy keyless-deploy holds 1 character\(s\) IAM does not accept in a policy[\s\S]*U\+0430/);
            assert.deepEqual(run.resources.filter((resource) => resource.custom), []);
        });

        it("refuses more than 10 managed policies on one role up front", async () => {
            const managedPolicyArns = Array.from({ length: 11 }, (_, index) => `arn:aws:iam::333333333333:policy/deploy-${index}`);
            const run = await runKeyless([{ name: "api", subjectFormat: "legacy", permissions: { managedPolicyArns } }]);
            assert.match(run.error ?? "", /role api-staging: 11 managed policies are attached; IAM's default quota is 10 per role; combine policies/);
            assert.deepEqual(run.resources.filter((resource) => resource.custom), []);
        });

        it("keeps every role of the example stacks within IAM's rules", async () => {
            for (const stack of listStacks(".")) {
                const run = (await runStack(stack, PROJECT_STACK)).assertSucceeded();
                for (const role of run.ofType(ROLE)) {
                    const inline = run.ofType(ROLE_POLICY).filter((policy) => policy.inputs.role === role.inputs.name);
                    const documents: RoleDocuments = {
                        roleName: String(role.inputs.name),
                        path: String(role.inputs.path),
                        trustPolicy: String(role.inputs.assumeRolePolicy),
                        description: String(role.inputs.description),
                        inlinePolicies: Object.fromEntries(inline.map((policy) => [String(policy.inputs.name), String(policy.inputs.policy)])),
                        managedPolicyArns: run
                            .ofType("aws:iam/rolePolicyAttachment:RolePolicyAttachment")
                            .filter((attachment) => attachment.inputs.role === role.inputs.name)
                            .map((attachment) => String(attachment.inputs.policyArn)),
                        tags: (role.inputs.tags ?? {}) as Record<string, string>,
                    };
                    assert.deepEqual(roleViolations(documents), [], `${stack} ${documents.roleName}`);
                }
            }
        });
    });
});
