// The AWS side of the offline model: the mocks refuse what IAM refuses, with IAM's error, and
// answer getPolicy as AWS does; the program refuses a permissions boundary that does not exist.
import * as assert from "node:assert/strict";
import {
    boundaryLookupProblem,
    classifyGetPolicyError,
    getPolicyAccessDeniedError,
    getPolicyNotFoundError,
    IAM_LIMITS,
    oidcProviderNotFoundError,
} from "../../components/realServices/iam";
import { existingProviderProblem } from "../../components/githubOidcProvider";
import { AwsWorld, runOffline } from "../../tools/offlineRun";
import { plan } from "../../tools/plan";
import { readStackConfig } from "../../tools/stackFiles";

const TRUST_PREFIX = '{"Version":"2012-10-17","Statement":[],"Sid":"';
/** A trust policy of exactly `size` characters without whitespace. */
const trustOfSize = (size: number) => `${TRUST_PREFIX}${"x".repeat(size - TRUST_PREFIX.length - 2)}"}`;
/** An inline policy of exactly `size` characters. */
const policyOfSize = (size: number) => `{"Sid":"${"x".repeat(size - 10)}"}`;

interface RoleSpec {
    name: string;
    path?: string;
    trust?: string;
    inline?: { name: string; policy: string }[];
    managed?: string[];
    tags?: Record<string, string>;
    policies?: { name: string; policy: string }[];
}

/** Registers the role the spec describes, through a program that checks nothing itself. */
async function register(spec: RoleSpec): Promise<string | undefined> {
    const run = await runOffline({
        programDir: "tests/fixtures/iam-program",
        project: "iam-program",
        stack: "test",
        config: { "iam-program:role": JSON.stringify({ trust: trustOfSize(100), ...spec }) },
    });
    return run.error;
}

async function lookUpPolicy(arn: string, aws?: AwsWorld) {
    return runOffline({ programDir: "tests/fixtures/iam-program", project: "iam-program", stack: "test", config: { "iam-program:policyArn": arn }, aws });
}

const BOUNDARY = "arn:aws:iam::333333333333:policy/deploy-boundary";
const WORKER_BOUNDARY = "arn:aws:iam::333333333333:policy/worker-boundary";

async function runBoundaryStack(aws?: AwsWorld) {
    const file = readStackConfig("tests/fixtures/keyless-stacks", "boundary");
    return runOffline({
        programDir: "tests/fixtures/keyless-stacks",
        project: file.project,
        stack: "boundary",
        config: file.values,
        secretKeys: file.secretKeys,
        accountId: "333333333333",
        aws,
    });
}

describe("the AWS model of the offline run", () => {
    describe("registering IAM resources", () => {
        it("accepts a role at IAM's limits", async () => {
            const managed = Array.from({ length: IAM_LIMITS.managedPolicies }, (_, index) => `arn:aws:iam::aws:policy/P${index}`);
            const error = await register({
                name: "r".repeat(64),
                trust: trustOfSize(IAM_LIMITS.trustPolicy),
                inline: [{ name: "a", policy: policyOfSize(6000) }, { name: "b", policy: policyOfSize(IAM_LIMITS.inlinePolicies - 6000) }],
                managed,
                tags: { Team: "platform" },
            });
            assert.equal(error, undefined);
        });

        it("fails on a role name past 64 characters with IAM's validation error", async () => {
            const name = "r".repeat(65);
            assert.match(
                (await register({ name })) ?? "",
                new RegExp(`creating IAM Role \\(${name}\\): ValidationError: 1 validation error detected: Value '${name}' at 'roleName' failed to satisfy constraint: Member must have length less than or equal to 64`),
            );
        });

        it("fails on an invalid path", async () => {
            assert.match((await register({ name: "r", path: "github-actions" })) ?? "", /ValidationError: The specified value for path is invalid/);
        });

        it("fails on a trust policy past 2,048 characters", async () => {
            assert.match((await register({ name: "r", trust: trustOfSize(2049) })) ?? "", /LimitExceeded: Cannot exceed quota for ACLSizePerRole: 2048/);
        });

        it("fails when a role's inline policies together pass 10,240 characters", async () => {
            const error = await register({
                name: "r",
                inline: [{ name: "a", policy: policyOfSize(6000) }, { name: "b", policy: policyOfSize(IAM_LIMITS.inlinePolicies - 5999) }],
            });
            assert.match(error ?? "", /putting IAM Role \(r\) Policy \(b\): LimitExceeded: Maximum policy size of 10240 bytes exceeded for role r/);
        });

        it("fails on the eleventh managed policy", async () => {
            const managed = Array.from({ length: 11 }, (_, index) => `arn:aws:iam::aws:policy/P${index}`);
            assert.match((await register({ name: "r", managed })) ?? "", /attaching IAM Policy \(arn:aws:iam::aws:policy\/P10\) to IAM Role \(r\): LimitExceeded: Cannot exceed quota for PoliciesPerRole: 10/);
        });

        it("fails on a customer-managed policy past 6,144 characters", async () => {
            assert.equal(await register({ name: "r", policies: [{ name: "p", policy: policyOfSize(6144) }] }), undefined);
            assert.match(
                (await register({ name: "r", policies: [{ name: "p", policy: policyOfSize(6145) }] })) ?? "",
                /creating IAM Policy \(p\): LimitExceeded: Cannot exceed quota for PolicySize: 6144/,
            );
        });

        it("fails on a policy character IAM does not accept", async () => {
            const error = await register({ name: "r", inline: [{ name: "a", policy: '{"Sid":"\u0430"}' }] });
            assert.match(error ?? "", /at 'policyDocument' failed to satisfy constraint: Member must satisfy regular expression pattern: \[\\u0009/);
        });

        it("fails on tags IAM rejects", async () => {
            assert.match((await register({ name: "r", tags: { team: "a*b" } })) ?? "", /at 'tags.1.member.value' failed to satisfy constraint/);
            assert.match((await register({ name: "r", tags: { Team: "a", team: "b" } })) ?? "", /Duplicate tag keys found/);
            const many = Object.fromEntries(Array.from({ length: 51 }, (_, index) => [`k${index}`, "v"]));
            assert.match((await register({ name: "r", tags: many })) ?? "", /at 'tags' failed to satisfy constraint: Member must have length less than or equal to 50/);
        });
    });

    describe("getPolicy", () => {
        const arn = "arn:aws:iam::333333333333:policy/deploy-boundary";

        it("finds a policy the world holds", async () => {
            const run = await lookUpPolicy(arn, { policies: [arn] });
            assert.equal(run.error, undefined);
            assert.deepEqual(run.outputs, { policyName: "deploy-boundary" });
            assert.deepEqual(run.assumptions, []);
        });

        it("answers NoSuchEntity as the provider reports it", async () => {
            const run = await lookUpPolicy(arn, { policies: [] });
            assert.match(run.error ?? "", /invoking aws:iam\/getPolicy:getPolicy: 1 error occurred:\n\t\* reading IAM Policy \(arn:aws:iam::333333333333:policy\/deploy-boundary\): couldn't find resource/);
        });

        it("answers AccessDenied for a policy the credentials may not read", async () => {
            const run = await lookUpPolicy(arn, { unreadablePolicies: [arn] });
            assert.match(run.error ?? "", /api error AccessDenied: User: .* is not authorized to perform: iam:GetPolicy/);
        });

        it("assumes a policy exists in the default world, and says so", async () => {
            const run = await lookUpPolicy(arn);
            assert.equal(run.error, undefined);
            assert.deepEqual(run.assumptions, [`the managed policy ${arn} is assumed to exist (an offline stand-in; \`pulumi up\` checks it against AWS)`]);
        });
    });

    describe("reading a failed getPolicy", () => {
        it("tells a missing policy from one the credentials may not read, and says what else went wrong", () => {
            const arn = "arn:aws:iam::333333333333:policy/b";
            assert.equal(classifyGetPolicyError(getPolicyNotFoundError(arn)), "missing");
            assert.equal(classifyGetPolicyError(getPolicyAccessDeniedError(arn, "arn:aws:sts::333333333333:assumed-role/ci/run")), "denied");
            assert.equal(classifyGetPolicyError("reading IAM Policy (x): RequestError: send request failed"), "other");
            assert.match(boundaryLookupProblem(arn, "333333333333", "reading IAM Policy (x): RequestError: send request failed\nmore"), /could not read the permissions boundary .*\(reading IAM Policy \(x\): RequestError: send request failed\)$/);
        });
    });

    describe("permissions boundaries in the program", () => {
        it("runs when every boundary exists", async () => {
            const run = await runBoundaryStack({ policies: [BOUNDARY, WORKER_BOUNDARY] });
            assert.equal(run.error, undefined);
            const boundaries = run.resources.filter((resource) => resource.type === "aws:iam/role:Role").map((role) => role.inputs.permissionsBoundary);
            assert.deepEqual(boundaries.sort(), [BOUNDARY, WORKER_BOUNDARY]);
        });

        it("refuses a boundary that does not exist, naming the key and the ARN, before creating anything", async () => {
            const run = await runBoundaryStack({ policies: [BOUNDARY] });
            assert.match(
                run.error ?? "",
                /keyless:repositories\[1\]\.permissionsBoundaryArn: the permissions boundary arn:aws:iam::333333333333:policy\/worker-boundary does not exist in account 333333333333 \(IAM answered NoSuchEntity\); create that managed policy first, or correct the ARN/,
            );
            assert.doesNotMatch(run.error ?? "", /deploy-boundary/);
            assert.deepEqual(run.resources.filter((resource) => resource.custom), []);
        });

        it("says clearly when the credentials may not read the boundary", async () => {
            const run = await runBoundaryStack({ policies: [WORKER_BOUNDARY], unreadablePolicies: [BOUNDARY] });
            assert.match(
                run.error ?? "",
                /keyless:permissionsBoundaryArn: these AWS credentials may not read the permissions boundary arn:aws:iam::333333333333:policy\/deploy-boundary \(iam:GetPolicy was denied\)/,
            );
        });

        it("labels the boundary's existence as a stand-in in the plan of the default world", async function () {
            this.timeout(120000);
            const outcome = await plan({ stack: "boundary", programDir: "tests/fixtures/keyless-stacks", format: "text" });
            assert.equal(outcome.exitCode, 0, outcome.output);
            assert.match(outcome.output, /the managed policy arn:aws:iam::333333333333:policy\/deploy-boundary is assumed to exist \(an offline stand-in; `pulumi up` checks it against AWS\)/);
        });
    });
});

describe("GitHub's OIDC provider already in the account (one per issuer and account)", () => {
    const ARN = "arn:aws:iam::111111111111:oidc-provider/token.actions.githubusercontent.com";
    const check = (tags: Record<string, string> | undefined) =>
        existingProviderProblem("staging", "111111111111", "token.actions.githubusercontent.com", tags === undefined ? undefined : { arn: ARN, tags });

    it("lets a stack create the provider when the account holds none, and keep the one it created", () => {
        assert.equal(check(undefined), undefined);
        assert.equal(check({ "keyless:stack": "staging" }), undefined);
    });

    it("refuses another stack's provider, or one made by hand, naming keyless:oidcProviderArn and the ARN to put there", () => {
        for (const [tags, who] of [
            [{ "keyless:stack": "dev" }, /created by keyless stack dev.*keyless:rolePath \/github-actions-staging\//],
            [{}, /not created by a keyless stack/],
        ] as const) {
            const problem = check(tags) ?? "";
            assert.match(problem, /^keyless:oidcProviderArn: account 111111111111 already holds the OIDC provider for https:\/\/token\.actions\.githubusercontent\.com/);
            assert.match(problem, who);
            assert.ok(problem.includes(`set keyless:oidcProviderArn to ${ARN} to adopt it`), problem);
        }
    });

    it("the offline lookup by URL answers as the provider does: not found, or the provider with its tags", async () => {
        const url = "https://token.actions.githubusercontent.com";
        const run = (aws?: AwsWorld) =>
            runOffline({ programDir: "tests/fixtures/iam-program", project: "iam-program", stack: "test", config: { "iam-program:providerUrl": url }, aws });
        const missing = await run();
        assert.match(missing.error ?? "", new RegExp(oidcProviderNotFoundError(url).replace(/[.*+?^${}()|[\]\\]/g, "\\$&")));
        const found = await run({ oidcProviders: [{ url, tags: { "keyless:stack": "dev" } }] });
        assert.equal(found.error, undefined, found.error);
        assert.deepEqual(found.invokes.find((invoke) => invoke.args.url === url)?.result.tags, { "keyless:stack": "dev" });
    });

    it("refuses to create a second provider for the URL with IAM's EntityAlreadyExists, and lets a stack keep its own", async () => {
        const url = "https://token.actions.githubusercontent.com";
        const create = (tags: Record<string, string>) =>
            runOffline({
                programDir: "tests/fixtures/iam-program",
                project: "iam-program",
                stack: "test",
                config: { "iam-program:createProvider": url },
                aws: { oidcProviders: [{ url, tags }] },
            });
        assert.match((await create({ "keyless:stack": "dev" })).error ?? "", /creating IAM OIDC Provider: EntityAlreadyExists: Provider with url https:\/\/token\.actions\.githubusercontent\.com already exists\./);
        const own = await create({ "keyless:stack": "test" });
        assert.equal(own.error, undefined, own.error);
    });
});
