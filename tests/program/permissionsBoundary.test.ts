// The permissions boundary (components/permissionsBoundary.ts): every preset's grants, keyless's
// own included, fall inside it (decided with the pack's glob containment), it denies what no
// deploy role may ever do, it passes the pack, and `npm run bootstrap-boundary` prints it with the
// commands that create it. On the fixture stack the tests own.

import * as assert from "node:assert/strict";
import { checkPermissionPolicy } from "../../policy/analysis";
import { loadStackConfig, KeylessConfig } from "../../components/config";
import {
    boundaryArgsForStack,
    MANAGED_POLICY_MAX_CHARS,
    managedPolicySize,
    PermissionsBoundaryArgs,
    permissionsBoundaryDocument,
} from "../../components/permissionsBoundary";
import { iamRoleArn } from "../../components/names";
import { PolicyDocument, staticSiteStatements } from "../../components/presets";
import { bootstrapBoundary } from "../../tools/bootstrapBoundary";
import { listStacks, readStackConfig } from "../../tools/stackFiles";
import { allows, grantsOutside } from "../helpers/iamEvaluation";

const FIXTURE = "tests/fixtures/keyless-self";
const IAM = "arn:aws:iam::333333333333";

function fixtureConfig(): KeylessConfig {
    const file = readStackConfig(FIXTURE, "selftest");
    return loadStackConfig({ stack: "selftest", values: file.values, secretKeys: new Set(file.secretKeys) });
}

/** Every request a role makes carries its ARN as aws:PrincipalArn. */
const principalOf = (config: KeylessConfig, roleName: string) => ({ "aws:PrincipalArn": iamRoleArn(config.partition, config.accountId, config.rolePath, roleName) });

function argsOf(config: KeylessConfig): PermissionsBoundaryArgs {
    const args = boundaryArgsForStack(config);
    if ("problem" in args) return assert.fail(args.problem);
    return args;
}

describe("the permissions boundary", () => {
    const config = fixtureConfig();
    const args = argsOf(config);
    const boundary = permissionsBoundaryDocument(args);
    const document = (statements: PolicyDocument["Statement"]): PolicyDocument => ({ Version: "2012-10-17", Statement: statements });

    it("is derived from the stack: both boundaries its roles carry, the task roles its ECS presets pass, keyless's own deploy role", () => {
        assert.deepEqual(args.target.permissionsBoundaryArns, [`${IAM}:policy/billing-boundary`, `${IAM}:policy/ci/deploy-boundary`]);
        assert.deepEqual(args.passableTaskRoleArns, [`${IAM}:role/shop-task`]);
        assert.deepEqual(args.keylessRoleArns, [`${IAM}:role/ci/deploy/platform-staging-selftest`]);
    });

    it("contains every grant of every role of the stack, keyless's own included", () => {
        for (const deployment of config.deployments) {
            assert.deepEqual(
                grantsOutside(deployment.permissions, boundary, principalOf(config, deployment.roleName)),
                [],
                `${deployment.key} (${deployment.permissionSources.join(", ")})`,
            );
        }
        assert.ok(config.deployments.some((d) => d.presets.keyless) && config.deployments.some((d) => d.presets.keylessRead));
    });

    it("contains every deployment preset whatever it names (a new function or bucket needs no new boundary)", () => {
        const scope = { partition: config.partition, region: config.region, accountId: config.accountId };
        const site = staticSiteStatements({ bucket: "any-site-bucket", distributionId: "E9ANYDISTRIBUTION" }, scope);
        assert.deepEqual(grantsOutside(document(site), boundary), []);
    });

    it("reports grants outside it (the containment check can fail)", () => {
        const outside = grantsOutside(
            document([
                { Sid: "Read", Effect: "Allow", Action: "s3:GetObject", Resource: "arn:aws:s3:::data/*" },
                { Sid: "PassAdmin", Effect: "Allow", Action: "iam:PassRole", Resource: `${IAM}:role/admin`, Condition: { StringEquals: { "iam:PassedToService": "ecs-tasks.amazonaws.com" } } },
                { Sid: "Unbounded", Effect: "Allow", Action: "iam:CreateRole", Resource: `${IAM}:role/ci/deploy/*` },
                { Sid: "Users", Effect: "Allow", Action: "iam:CreateUser", Resource: "*" },
            ]),
            boundary,
        );
        assert.deepEqual(outside.map((line) => line.split(":")[0]), ["Read", "PassAdmin", "Unbounded", "Users"]);
    });

    it("denies what no deploy role may do, whatever its own policies allow", () => {
        const role = `${IAM}:role/ci/deploy/shop-staging-selftest`;
        const keyless = { "aws:PrincipalArn": `${IAM}:role/ci/deploy/platform-staging-selftest` };
        const denied = [
            { action: "iam:DeleteRolePermissionsBoundary", resource: role },
            { action: "iam:CreateRole", resource: role },
            { action: "iam:CreateRole", resource: role, context: { "iam:PermissionsBoundary": `${IAM}:policy/AdminBoundary` } },
            { action: "iam:PutRolePermissionsBoundary", resource: role, context: { "iam:PermissionsBoundary": `${IAM}:policy/AdminBoundary` } },
            { action: "iam:CreatePolicyVersion", resource: `${IAM}:policy/ci/deploy-boundary` },
            { action: "iam:SetDefaultPolicyVersion", resource: `${IAM}:policy/billing-boundary` },
            { action: "iam:CreateUser", resource: `${IAM}:user/ci` },
            { action: "iam:CreateAccessKey", resource: `${IAM}:user/ci` },
            { action: "organizations:LeaveOrganization", resource: "*" },
            { action: "iam:PassRole", resource: `${IAM}:role/admin` },
            { action: "iam:AttachRolePolicy", resource: `${IAM}:role/admin` },
        ];
        for (const request of denied) {
            assert.ok(!allows(boundary, request), `${request.action} on ${request.resource}`);
            assert.ok(!allows(boundary, { ...request, context: { ...request.context, ...keyless } }), `${request.action} on ${request.resource} by keyless's role`);
        }
        const create = { action: "iam:CreateRole", resource: role, context: { "iam:PermissionsBoundary": `${IAM}:policy/ci/deploy-boundary` } };
        assert.ok(allows(boundary, { ...create, context: { ...create.context, ...keyless } }));
        assert.ok(allows(boundary, { action: "iam:PassRole", resource: `${IAM}:role/shop-task`, context: { "iam:PassedToService": "ecs-tasks.amazonaws.com" } }));
    });

    it("lets only keyless's own deploy role change roles, and no role change keyless's own", () => {
        const other = `${IAM}:role/ci/deploy/shop-selftest`;
        const own = `${IAM}:role/ci/deploy/platform-staging-selftest`;
        for (const action of ["iam:PutRolePolicy", "iam:UpdateAssumeRolePolicy", "iam:AttachRolePolicy", "iam:DeleteRole"]) {
            assert.ok(allows(boundary, { action, resource: other, context: { "aws:PrincipalArn": own } }), action);
            assert.ok(!allows(boundary, { action, resource: other, context: { "aws:PrincipalArn": other } }), `${action} by another role`);
            for (const principal of [own, other]) assert.ok(!allows(boundary, { action, resource: own, context: { "aws:PrincipalArn": principal } }), `${action} on keyless's own`);
        }
        // Reads stay open to every bounded role: previews and drift checks refresh the roles.
        assert.ok(allows(boundary, { action: "iam:GetRole", resource: own, context: { "aws:PrincipalArn": other } }));
    });

    it("passes the pack and fits IAM's managed policy size", () => {
        assert.deepEqual(checkPermissionPolicy(boundary), []);
        assert.ok(managedPolicySize(boundary) <= MANAGED_POLICY_MAX_CHARS);
    });

    describe("npm run bootstrap-boundary", () => {
        it("prints the document and the commands that create it under the configured name and path", () => {
            const result = bootstrapBoundary(["selftest", "--program", FIXTURE]);
            assert.equal(result.code, 0, result.stderr);
            assert.match(result.stdout, /aws iam create-policy --policy-name deploy-boundary --path \/ci\/ --policy-document file:\/\/boundary-selftest\.json/);
            assert.match(result.stdout, /aws iam create-policy --policy-name billing-boundary --path \/ /);
            assert.match(result.stdout, /aws iam create-policy-version --policy-arn arn:aws:iam::333333333333:policy\/ci\/deploy-boundary .*--set-as-default/);
            assert.match(result.stdout, /Only keyless's own deploy role \(arn:aws:iam::333333333333:role\/ci\/deploy\/platform-staging-selftest\) may change roles/);
        });
        it("--format json prints the document alone", () => {
            const result = bootstrapBoundary(["selftest", "--program", FIXTURE, "--format", "json"]);
            assert.equal(result.code, 0, result.stderr);
            assert.deepEqual(JSON.parse(result.stdout), boundary);
        });
        it("refuses a stack without a boundary, naming the key", () => {
            const result = bootstrapBoundary(["noboundary", "--program", FIXTURE]);
            assert.equal(result.code, 1);
            assert.match(result.stderr, /keyless:permissionsBoundaryArn/);
        });
        it("exits 2 on an unknown stack or bad arguments", () => {
            assert.equal(bootstrapBoundary(["nosuchstack", "--program", FIXTURE]).code, 2);
            assert.equal(bootstrapBoundary(["--format", "yaml"]).code, 2);
            assert.equal(bootstrapBoundary([]).code, 2);
        });
    });
});

describe("the project's own stacks (generic: whatever values they hold)", () => {
    for (const stack of listStacks(".")) {
        it(`${stack}: a stack with keyless's own role has a boundary that contains every role's grants and passes the pack`, () => {
            const file = readStackConfig(".", stack);
            const config = loadStackConfig({ stack, values: file.values, secretKeys: new Set(file.secretKeys) });
            if (!config.deployments.some((deployment) => deployment.presets.keyless)) return;
            const boundary = permissionsBoundaryDocument(argsOf(config));
            assert.deepEqual(checkPermissionPolicy(boundary), []);
            for (const deployment of config.deployments.filter((d) => d.permissionSources.every((source) => source !== "statements"))) {
                assert.deepEqual(grantsOutside(deployment.permissions, boundary, principalOf(config, deployment.roleName)), [], deployment.key);
            }
        });
    }
});
