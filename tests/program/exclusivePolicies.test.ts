// Each deploy role owns its inline policies and attachments exclusively (issue 14.3): a policy put
// or attached by hand on a role of the stack is read (ListRolePolicies, ListAttachedRolePolicies),
// shown as a change by a refreshing preview, and removed by `up`, in the offline AWS model of an
// account whose dev role was edited by hand. The model follows terraform-provider-aws's
// role_policies_exclusive.go and role_policy_attachments_exclusive.go (see IamAccountModel).

import * as assert from "node:assert/strict";
import { INLINE_POLICY_NAME } from "../../components/deployRole";
import { AwsWorld } from "../../tools/offlineRun";
import { runStack } from "../helpers/runStack";

const ADMIN = "arn:aws:iam::aws:policy/AdministratorAccess";
const HAND_MADE = JSON.stringify({ Version: "2012-10-17", Statement: [{ Effect: "Allow", Action: "*", Resource: "*" }] });
const POLICIES = "aws:iam/rolePoliciesExclusive:RolePoliciesExclusive";
const ATTACHMENTS = "aws:iam/rolePolicyAttachmentsExclusive:RolePolicyAttachmentsExclusive";

/** Dev's account after its first `up`, with orders-api's role edited by hand. */
const EDITED: AwsWorld = {
    oidcProviders: [{ url: "https://token.actions.githubusercontent.com", tags: { "keyless:stack": "dev" } }],
    roles: [
        {
            roleName: "orders-api-dev",
            path: "/github-actions/",
            tags: { "keyless:stack": "dev" },
            inlinePolicies: { [INLINE_POLICY_NAME]: "{}", "break-glass": HAND_MADE },
            managedPolicyArns: [ADMIN],
        },
    ],
};

describe("deploy roles own their policies and attachments exclusively", function () {
    this.timeout(180_000);

    it("registers the exclusive resources for every role, naming exactly its own policy and attachments", async () => {
        const run = (await runStack("dev")).assertSucceeded();
        const roles = run.ofType("aws:iam/role:Role").map((role) => String(role.inputs.name));
        assert.deepEqual(run.ofType(POLICIES).map((resource) => String(resource.inputs.roleName)).sort(), [...roles].sort());
        for (const resource of run.ofType(POLICIES)) assert.deepEqual(resource.inputs.policyNames, [INLINE_POLICY_NAME]);
        for (const resource of run.ofType(ATTACHMENTS)) {
            const attached = run.ofType("aws:iam/rolePolicyAttachment:RolePolicyAttachment").filter((a) => a.inputs.role === resource.inputs.roleName);
            assert.deepEqual(resource.inputs.policyArns, attached.map((a) => a.inputs.policyArn));
        }
        assert.deepEqual(run.run.awsChanges, [], "a fresh account has nothing to remove");
    });

    it("a preview of the role edited by hand shows the extra inline policy and attachment to remove, and removes nothing", async () => {
        const run = (await runStack("dev", { aws: EDITED })).assertSucceeded();
        assert.deepEqual(
            run.run.awsChanges.map((change) => [change.type, change.roleName, change.removed, change.added]).sort(),
            [
                [POLICIES, "orders-api-dev", ["break-glass"], []],
                [ATTACHMENTS, "orders-api-dev", [ADMIN], []],
            ].sort(),
        );
        const role = run.run.iamRoles.find((r) => r.roleName === "orders-api-dev");
        assert.ok(role && "break-glass" in role.inlinePolicies && role.managedPolicyArns.includes(ADMIN));
    });

    it("up removes them, and keeps the stack's own policy", async () => {
        const run = (await runStack("dev", { aws: EDITED, up: true })).assertSucceeded();
        const role = run.run.iamRoles.find((r) => r.roleName === "orders-api-dev");
        assert.ok(role);
        assert.deepEqual(Object.keys(role.inlinePolicies), [INLINE_POLICY_NAME]);
        assert.deepEqual(role.managedPolicyArns, []);
    });
});
