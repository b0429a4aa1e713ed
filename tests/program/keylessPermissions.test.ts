// keyless's own deploy role may do everything `pulumi up` of its stack does, and nothing more:
// the program runs under mocks on a fixture stack the tests own, and every AWS action each
// registered resource's lifecycle (create, read, update, delete) and each lookup calls
// (components/keylessPermissions.ts) must be allowed by the `keyless` preset on that resource's
// ARN; the read-only preset must allow every read and no write. Both pass the pack.

import * as assert from "node:assert/strict";
import { checkPermissionPolicy } from "../../policy/analysis";
import { KeylessConfigError } from "../../components/configReader";
import { loadStackConfig, StackConfigSource } from "../../components/config";
import {
    BOUNDARY_CONDITIONED_ACTIONS,
    KeylessResourceKind,
    LOOKUP_ACTIONS,
    RESOURCE_TYPE_ACTIONS,
    ROLE_CHANGE_ACTIONS,
} from "../../components/keylessPermissions";
import { PolicyDocument } from "../../components/presets";
import { RecordedResource } from "../../tools/offlineRun";
import { allows } from "../helpers/iamEvaluation";
import { runStack, StackRun } from "../helpers/runStack";

const FIXTURE = "tests/fixtures/keyless-self";
const ACCOUNT = "333333333333";
const IAM = `arn:aws:iam::${ACCOUNT}`;
const BOUNDARY = `${IAM}:policy/ci/deploy-boundary`;
const ROLE = "aws:iam/role:Role";
const ROLE_POLICY = "aws:iam/rolePolicy:RolePolicy";
/** keyless's own deploy role in the fixture stack. */
const OWN_ROLE = `${IAM}:role/ci/deploy/platform-staging-selftest`;

/** The inline policy the program registered for a role. */
function inlinePolicyOf(run: StackRun, roleName: string): PolicyDocument {
    const policy = run.ofType(ROLE_POLICY).find((resource) => resource.inputs.role === roleName);
    assert.ok(policy, `no inline policy for ${roleName}`);
    return JSON.parse(String(policy.inputs.policy)) as PolicyDocument;
}

interface Target {
    readonly arn: string;
    /** The boundary the role carries, for the actions that name one. */
    readonly boundary?: string;
}

/** The ARN an action on this resource is authorized against, from what the program registered. */
function targetOf(run: StackRun, resource: RecordedResource, kind: KeylessResourceKind): Target {
    if (kind === "oidcProvider") return { arn: String(resource.state.arn) };
    const roleName = resource.type === ROLE ? resource.inputs.name : (resource.inputs.role ?? resource.inputs.roleName);
    const role = run.one(ROLE, "name", roleName);
    return {
        arn: `${IAM}:role${String(role.inputs.path)}${String(role.inputs.name)}`,
        boundary: role.inputs.permissionsBoundary === undefined ? undefined : String(role.inputs.permissionsBoundary),
    };
}

/** The ARN a lookup is authorized against: its `arn`, or the provider ARN its `url` names. */
function lookupResource(args: Record<string, unknown>): string {
    return typeof args.url === "string" ? `${IAM}:oidc-provider/${args.url.replace(/^https:\/\//, "")}` : String(args.arn);
}

function contextFor(action: string, target: Target): Record<string, string> {
    return BOUNDARY_CONDITIONED_ACTIONS.includes(action) && target.boundary !== undefined ? { "iam:PermissionsBoundary": target.boundary } : {};
}

describe("keyless's own permissions (the keyless and keylessRead presets)", function () {
    let run: StackRun;
    let deploy: PolicyDocument;
    let read: PolicyDocument;

    before(async function () {
        this.timeout(180_000);
        run = (await runStack("selftest", { programDir: FIXTURE })).assertSucceeded();
        deploy = inlinePolicyOf(run, "platform-staging-selftest");
        read = inlinePolicyOf(run, "platform-pull-request-selftest");
    });

    it("the fixture registers every resource type the table knows, and the table knows every AWS type registered", () => {
        const registered = new Set(run.customResources.map((resource) => resource.type).filter((type) => type.startsWith("aws:")));
        assert.deepEqual([...registered].sort(), Object.keys(RESOURCE_TYPE_ACTIONS).sort());
    });

    it("allows every action of every registered resource's create, read, update and delete, on its ARN, but no change to itself", () => {
        const missing: string[] = [];
        const selfChanges: string[] = [];
        for (const resource of run.customResources.filter((r) => r.type.startsWith("aws:"))) {
            const entry = RESOURCE_TYPE_ACTIONS[resource.type];
            const target = targetOf(run, resource, entry.resource);
            for (const action of [...entry.create, ...entry.read, ...entry.update, ...entry.delete]) {
                const allowed = allows(deploy, { action, resource: target.arn, context: contextFor(action, target) });
                // keyless's own deploy role only reads itself: changing it is an administrator's run.
                if (target.arn === OWN_ROLE && ROLE_CHANGE_ACTIONS.includes(action)) {
                    if (allowed) selfChanges.push(`${resource.type} ${resource.name}: ${action}`);
                } else if (!allowed) {
                    missing.push(`${resource.type} ${resource.name}: ${action} on ${target.arn}`);
                }
            }
        }
        assert.deepEqual(missing, []);
        assert.deepEqual(selfChanges, []);
        assert.ok(run.customResources.some((resource) => resource.type === ROLE && resource.inputs.name === "platform-staging-selftest"));
    });

    it("allows every lookup the program makes in AWS, an adopted provider's included", async function () {
        this.timeout(180_000);
        const adopting = (
            await runStack("selftest", {
                programDir: FIXTURE,
                config: { "keyless:oidcProviderArn": `${IAM}:oidc-provider/token.actions.githubusercontent.com` },
            })
        ).assertSucceeded();
        // A later run: the account holds the provider this stack created, found by its URL.
        const later = (
            await runStack("selftest", {
                programDir: FIXTURE,
                aws: { oidcProviders: [{ url: "https://token.actions.githubusercontent.com", tags: { "keyless:stack": "selftest" } }] },
            })
        ).assertSucceeded();
        const invokes = [...run.run.invokes, ...adopting.run.invokes, ...later.run.invokes].filter((invoke) => invoke.token.startsWith("aws:"));
        assert.ok(invokes.some((invoke) => invoke.token === "aws:iam/getOpenIdConnectProvider:getOpenIdConnectProvider"));
        assert.ok(invokes.some((invoke) => invoke.token === "aws:iam/getOpenIdConnectProvider:getOpenIdConnectProvider" && invoke.args.url !== undefined));
        for (const invoke of invokes) {
            const lookup = LOOKUP_ACTIONS[invoke.token];
            assert.ok(lookup, `the program calls ${invoke.token}: add it and its IAM actions to LOOKUP_ACTIONS`);
            const resource = lookupResource(invoke.args);
            for (const action of lookup.actions) assert.ok(allows(deploy, { action, resource }), `${action} on ${resource}`);
            for (const action of lookup.accountActions ?? []) assert.ok(allows(deploy, { action, resource: "*" }), `${action} on *`);
        }
    });

    it("covers what the hand-written statements lacked: managed policies, client IDs, deleting the provider", () => {
        const role = `${IAM}:role/ci/deploy/billing-staging-selftest`;
        const provider = `${IAM}:oidc-provider/token.actions.githubusercontent.com`;
        for (const action of ["iam:AttachRolePolicy", "iam:DetachRolePolicy", "iam:ListRoleTags"]) assert.ok(allows(deploy, { action, resource: role }), action);
        for (const action of ["iam:RemoveClientIDFromOpenIDConnectProvider", "iam:DeleteOpenIDConnectProvider", "iam:UpdateOpenIDConnectProviderThumbprint"]) {
            assert.ok(allows(deploy, { action, resource: provider }), action);
        }
    });

    it("creates roles and sets boundaries only under the stack's path, with one of the stack's boundaries", () => {
        const role = `${IAM}:role/ci/deploy/new-role`;
        for (const action of BOUNDARY_CONDITIONED_ACTIONS) {
            assert.ok(allows(deploy, { action, resource: role, context: { "iam:PermissionsBoundary": BOUNDARY } }));
            assert.ok(allows(deploy, { action, resource: role, context: { "iam:PermissionsBoundary": `${IAM}:policy/billing-boundary` } }));
            assert.ok(!allows(deploy, { action, resource: role }), `${action} without a boundary`);
            assert.ok(!allows(deploy, { action, resource: role, context: { "iam:PermissionsBoundary": `${IAM}:policy/AdminBoundary` } }));
            assert.ok(!allows(deploy, { action, resource: `${IAM}:role/admin`, context: { "iam:PermissionsBoundary": BOUNDARY } }));
        }
    });

    it("never removes a boundary, never passes a role, never reaches another path or account", () => {
        assert.ok(!allows(deploy, { action: "iam:DeleteRolePermissionsBoundary", resource: `${IAM}:role/ci/deploy/platform-staging-selftest` }));
        assert.ok(!allows(deploy, { action: "iam:PassRole", resource: `${IAM}:role/ci/deploy/platform-staging-selftest` }));
        assert.ok(!allows(deploy, { action: "iam:PutRolePolicy", resource: `${IAM}:role/OrganizationAccountAccessRole` }));
        assert.ok(!allows(deploy, { action: "iam:PutRolePolicy", resource: "arn:aws:iam::444444444444:role/ci/deploy/x" }));
        assert.ok(!allows(deploy, { action: "iam:CreatePolicyVersion", resource: BOUNDARY }));
    });

    it("the read-only preset allows every read of a refresh and a preview, and no write", () => {
        for (const resource of run.customResources.filter((r) => r.type.startsWith("aws:"))) {
            const entry = RESOURCE_TYPE_ACTIONS[resource.type];
            const target = targetOf(run, resource, entry.resource);
            for (const action of entry.read) assert.ok(allows(read, { action, resource: target.arn }), `${action} on ${target.arn}`);
            const writes = [...entry.create, ...entry.update, ...entry.delete].filter((action) => !entry.read.includes(action));
            for (const action of writes) {
                assert.ok(!allows(read, { action, resource: target.arn, context: contextFor(action, target) }), `${action} on ${target.arn}`);
            }
        }
        for (const invoke of run.run.invokes.filter((i) => i.token.startsWith("aws:"))) {
            for (const action of LOOKUP_ACTIONS[invoke.token]?.actions ?? []) assert.ok(allows(read, { action, resource: lookupResource(invoke.args) }));
            for (const action of LOOKUP_ACTIONS[invoke.token]?.accountActions ?? []) assert.ok(allows(read, { action, resource: "*" }));
        }
    });

    it("both pass the pack's PassRole and admin analysis", () => {
        assert.deepEqual(checkPermissionPolicy(deploy), []);
        assert.deepEqual(checkPermissionPolicy(read), []);
    });
});

describe("keyless presets in the stack config", () => {
    const entry = (fields: Record<string, unknown>) => ({ name: "platform", subjectFormat: "legacy", ...fields });
    const source = (config: Record<string, unknown>): StackConfigSource => ({
        stack: "staging",
        values: Object.fromEntries(Object.entries(config).map(([k, v]) => [k, typeof v === "string" ? v : JSON.stringify(v)])),
        secretKeys: new Set(),
    });
    const base = {
        "aws:region": "eu-central-1",
        "github:owner": "globex",
        "keyless:accountId": ACCOUNT,
        "keyless:environment": "staging",
        "keyless:requireReviewers": false,
        "keyless:permissionsBoundaryArn": BOUNDARY,
    };
    const problems = (config: Record<string, unknown>): string[] => {
        try {
            loadStackConfig(source(config));
            return [];
        } catch (error) {
            assert.ok(error instanceof KeylessConfigError, String(error));
            return [...error.problems];
        }
    };

    it("accepts keyless on an environment role and keylessRead on a pull_request or branch role", () => {
        const repositories = [
            entry({ permissions: { keyless: {} } }),
            entry({ pullRequest: true, permissions: { keylessRead: {} } }),
            entry({ branch: "main", variablePrefix: "AWS_DRIFT_STAGING", permissions: { keylessRead: {} } }),
        ];
        assert.deepEqual(problems({ ...base, "keyless:repositories": repositories }), []);
    });

    it("refuses the deploy preset on a pull_request role", () => {
        const found = problems({ ...base, "keyless:repositories": [entry({ pullRequest: true, permissions: { keyless: {} } })] });
        assert.ok(found.some((p) => /permissions\.keyless: a pull_request role .* read-only/.test(p)), found.join("\n"));
    });

    it("refuses the keyless presets without a permissions boundary, naming the key", () => {
        const found = problems({ ...base, "keyless:permissionsBoundaryArn": undefined, "keyless:repositories": [entry({ permissions: { keyless: {} } })] });
        assert.ok(found.some((p) => /permissions\.keyless: .*set keyless:permissionsBoundaryArn/.test(p)), found.join("\n"));
    });

    it("refuses the keyless presets on the root path, which would cover every role of the account", () => {
        const found = problems({ ...base, "keyless:rolePath": "/", "keyless:repositories": [entry({ permissions: { keyless: {} } })] });
        assert.ok(found.some((p) => /every role of the account/.test(p)), found.join("\n"));
    });

    it("refuses fields on the presets (they follow the stack)", () => {
        const found = problems({ ...base, "keyless:repositories": [entry({ permissions: { keyless: { rolePath: "/" } } })] });
        assert.ok(found.some((p) => /permissions\.keyless: expected \{\}/.test(p)), found.join("\n"));
    });

    it("refuses a role keyless's own role could not create: one without a boundary", () => {
        const repositories = [
            entry({ permissions: { keyless: {} } }),
            { name: "billing", permissionsBoundaryArn: "", permissions: { lambda: { functions: ["billing"] } } },
        ];
        const found = problems({ ...base, "keyless:repositories": repositories });
        assert.ok(found.some((p) => /repositories\[1\]: has no permissions boundary, so keyless's own role/.test(p)), found.join("\n"));
    });
});
