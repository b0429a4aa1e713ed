// What keyless itself does in AWS, as plain data: the IAM actions `pulumi up` (and `preview`,
// `refresh`, `destroy`) of a keyless stack calls for each resource type the program registers and
// each lookup it makes. The `keyless` and `keylessRead` permission presets and the permissions
// boundary are built from this one table, and tests/program/keylessPermissions.test.ts runs the
// program under mocks and checks that every action of every registered resource is allowed by the
// preset on that resource's ARN, so the program and its own deploy role cannot drift apart.
//
// Sources: the AWS provider's resources (hashicorp/terraform-provider-aws, which pulumi-aws wraps):
// internal/service/iam/role.go (resourceRoleCreate: CreateRole with tags, then GetRole; Read:
// GetRole, ListRolePolicies/GetRolePolicy, ListAttachedRolePolicies, ListRoleTags; Update:
// UpdateAssumeRolePolicy, UpdateRoleDescription, UpdateRole, PutRolePermissionsBoundary,
// TagRole/UntagRole; Delete with force_detach_policies: ListAttachedRolePolicies +
// DetachRolePolicy, ListRolePolicies + DeleteRolePolicy, ListInstanceProfilesForRole, DeleteRole),
// role_policy.go (PutRolePolicy, GetRolePolicy, DeleteRolePolicy), role_policy_attachment.go
// (AttachRolePolicy, ListAttachedRolePolicies, DetachRolePolicy), openid_connect_provider.go
// (CreateOpenIDConnectProvider with tags, GetOpenIDConnectProvider, UpdateOpenIDConnectProviderThumbprint,
// AddClientIDToOpenIDConnectProvider, RemoveClientIDFromOpenIDConnectProvider, Tag/Untag/
// ListOpenIDConnectProviderTags, DeleteOpenIDConnectProvider); data sources
// iam/openid_connect_provider_data_source.go (GetOpenIDConnectProvider) and iam/policy_data_source.go
// (GetPolicy, GetPolicyVersion). Resource types and condition keys: the Service Authorization
// Reference, "Actions, resources, and condition keys for AWS Identity and Access Management"
// (CreateRole and PutRolePermissionsBoundary support iam:PermissionsBoundary; a tag-on-create
// CreateRole also needs iam:TagRole). sts:GetCallerIdentity needs no permission ("No permissions
// are required to perform this operation", STS API reference).

import { Partition } from "./names";

/** Which ARN an action is authorized against. */
export type KeylessResourceKind = "role" | "oidcProvider" | "boundaryPolicy";

export interface ResourceTypeActions {
    readonly resource: KeylessResourceKind;
    readonly create: readonly string[];
    readonly read: readonly string[];
    readonly update: readonly string[];
    readonly delete: readonly string[];
}

/** Actions allowed only when the request names one of the stack's permissions boundaries. */
export const BOUNDARY_CONDITIONED_ACTIONS: readonly string[] = ["iam:CreateRole", "iam:PutRolePermissionsBoundary"];

/** Never allowed: a role without its boundary could be given any permission. */
export const NEVER_ALLOWED_ACTIONS: readonly string[] = ["iam:DeleteRolePermissionsBoundary"];

/** Every AWS resource type the program registers, with the actions its lifecycle calls. */
export const RESOURCE_TYPE_ACTIONS: Readonly<Record<string, ResourceTypeActions>> = {
    "aws:iam/openIdConnectProvider:OpenIdConnectProvider": {
        resource: "oidcProvider",
        create: ["iam:CreateOpenIDConnectProvider", "iam:TagOpenIDConnectProvider", "iam:GetOpenIDConnectProvider"],
        read: ["iam:GetOpenIDConnectProvider", "iam:ListOpenIDConnectProviderTags"],
        update: [
            "iam:AddClientIDToOpenIDConnectProvider",
            "iam:RemoveClientIDFromOpenIDConnectProvider",
            "iam:UpdateOpenIDConnectProviderThumbprint",
            "iam:TagOpenIDConnectProvider",
            "iam:UntagOpenIDConnectProvider",
        ],
        delete: ["iam:DeleteOpenIDConnectProvider"],
    },
    "aws:iam/role:Role": {
        resource: "role",
        create: ["iam:CreateRole", "iam:TagRole", "iam:GetRole"],
        read: ["iam:GetRole", "iam:ListRolePolicies", "iam:GetRolePolicy", "iam:ListAttachedRolePolicies", "iam:ListRoleTags"],
        update: [
            "iam:UpdateAssumeRolePolicy",
            "iam:UpdateRole",
            "iam:UpdateRoleDescription",
            "iam:PutRolePermissionsBoundary",
            "iam:TagRole",
            "iam:UntagRole",
        ],
        delete: [
            "iam:ListAttachedRolePolicies",
            "iam:DetachRolePolicy",
            "iam:ListRolePolicies",
            "iam:DeleteRolePolicy",
            // RemoveRoleFromInstanceProfile is only called for instance profiles, which keyless's
            // roles never have.
            "iam:ListInstanceProfilesForRole",
            "iam:DeleteRole",
        ],
    },
    "aws:iam/rolePolicy:RolePolicy": {
        resource: "role",
        create: ["iam:PutRolePolicy", "iam:GetRolePolicy"],
        read: ["iam:GetRolePolicy"],
        update: ["iam:PutRolePolicy"],
        delete: ["iam:DeleteRolePolicy"],
    },
    "aws:iam/rolePolicyAttachment:RolePolicyAttachment": {
        resource: "role",
        create: ["iam:AttachRolePolicy", "iam:ListAttachedRolePolicies"],
        read: ["iam:ListAttachedRolePolicies"],
        update: [],
        delete: ["iam:DetachRolePolicy"],
    },
};

/** Every lookup (invoke) the program makes in AWS, with the actions it calls and on what. */
export const LOOKUP_ACTIONS: Readonly<Record<string, { readonly resource: KeylessResourceKind | "none"; readonly actions: readonly string[] }>> = {
    "aws:index/getCallerIdentity:getCallerIdentity": { resource: "none", actions: [] },
    "aws:iam/getOpenIdConnectProvider:getOpenIdConnectProvider": { resource: "oidcProvider", actions: ["iam:GetOpenIDConnectProvider"] },
    // The check that a configured permissions boundary exists before roles are created.
    "aws:iam/getPolicy:getPolicy": { resource: "boundaryPolicy", actions: ["iam:GetPolicy", "iam:GetPolicyVersion"] },
};

/** Where keyless's own resources live: the stack's account, role path, issuer and boundaries. */
export interface KeylessTarget {
    readonly partition: Partition;
    readonly accountId: string;
    /** IAM path of the stack's roles, e.g. `/github-actions/`. Never `/`. */
    readonly rolePath: string;
    /** Issuer host of the OIDC provider, e.g. `token.actions.githubusercontent.com`. */
    readonly issuerHost: string;
    /** The permissions boundaries the stack's roles carry (at least one). */
    readonly permissionsBoundaryArns: readonly string[];
}

/** The ARN patterns of each kind of keyless resource in a stack. */
export function keylessResourceArns(target: KeylessTarget): Record<KeylessResourceKind, string[]> {
    const iam = `arn:${target.partition}:iam::${target.accountId}`;
    return {
        role: [`${iam}:role${target.rolePath}*`],
        oidcProvider: [`${iam}:oidc-provider/${target.issuerHost}`],
        boundaryPolicy: [...target.permissionsBoundaryArns],
    };
}

function unique(values: Iterable<string>): string[] {
    return [...new Set(values)].sort();
}

/** The actions on one kind of resource, over the whole table; `phases` picks read-only or all. */
export function keylessActions(kind: KeylessResourceKind, phases: "all" | "read"): string[] {
    const actions: string[] = [];
    for (const entry of Object.values(RESOURCE_TYPE_ACTIONS)) {
        if (entry.resource !== kind) continue;
        actions.push(...entry.read);
        if (phases === "all") actions.push(...entry.create, ...entry.update, ...entry.delete);
    }
    for (const lookup of Object.values(LOOKUP_ACTIONS)) {
        if (lookup.resource === kind) actions.push(...lookup.actions);
    }
    return unique(actions.filter((action) => !NEVER_ALLOWED_ACTIONS.includes(action)));
}
