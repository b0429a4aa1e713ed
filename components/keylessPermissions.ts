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
// (GetPolicy, GetPolicyVersion); role_policies_exclusive.go and role_policy_attachments_exclusive.go
// (Read: ListRolePolicies / ListAttachedRolePolicies; Create and Update sync the role to the
// configured list: PutRolePolicy or AttachRolePolicy for a missing one, DeleteRolePolicy or
// DetachRolePolicy for one not configured; Delete does nothing, framework.WithNoOpDelete); the
// provider data source by URL (findOpenIDConnectProviderByURL: ListOpenIDConnectProviders, then
// GetOpenIDConnectProvider; not found is retry.NotFoundError). Resource types and condition keys: the Service Authorization
// Reference, "Actions, resources, and condition keys for AWS Identity and Access Management"
// (CreateRole and PutRolePermissionsBoundary support iam:PermissionsBoundary; a tag-on-create
// CreateRole also needs iam:TagRole). sts:GetCallerIdentity needs no permission ("No permissions
// are required to perform this operation", STS API reference); ListOpenIDConnectProviders has no
// resource type, so it is granted on "*".

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

/**
 * Every IAM action that changes a role itself: its trust, its inline and attached policies, its
 * boundary, its settings and tags, or the role's existence (Service Authorization Reference,
 * "Actions defined by AWS Identity and Access Management", the actions on resource type `role`
 * that are of access level Write, Permissions management or Tagging; iam:PassRole hands the
 * role's credentials to a service). No role keyless creates may call any of them on itself
 * (components/presets.ts, components/permissionsBoundary.ts).
 */
export const ROLE_CHANGE_ACTIONS: readonly string[] = [
    "iam:AttachRolePolicy",
    "iam:DeleteRole",
    "iam:DeleteRolePermissionsBoundary",
    "iam:DeleteRolePolicy",
    "iam:DetachRolePolicy",
    "iam:PassRole",
    "iam:PutRolePermissionsBoundary",
    "iam:PutRolePolicy",
    "iam:TagRole",
    "iam:UntagRole",
    "iam:UpdateAssumeRolePolicy",
    "iam:UpdateRole",
    "iam:UpdateRoleDescription",
];

/**
 * Every IAM action that changes a customer-managed policy (the permissions boundary): a new
 * default version is a new boundary for every role that carries it (Service Authorization
 * Reference, resource type `policy`, Write, Permissions management and Tagging).
 */
export const POLICY_CHANGE_ACTIONS: readonly string[] = [
    "iam:CreatePolicyVersion",
    "iam:DeletePolicy",
    "iam:DeletePolicyVersion",
    "iam:SetDefaultPolicyVersion",
    "iam:TagPolicy",
    "iam:UntagPolicy",
];

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
    // Each deploy role owns its inline policies and attachments exclusively: one made by hand is
    // read, shown as a change and removed by `up`.
    "aws:iam/rolePoliciesExclusive:RolePoliciesExclusive": {
        resource: "role",
        create: ["iam:ListRolePolicies", "iam:PutRolePolicy", "iam:DeleteRolePolicy"],
        read: ["iam:ListRolePolicies"],
        update: ["iam:ListRolePolicies", "iam:PutRolePolicy", "iam:DeleteRolePolicy"],
        delete: [],
    },
    "aws:iam/rolePolicyAttachmentsExclusive:RolePolicyAttachmentsExclusive": {
        resource: "role",
        create: ["iam:ListAttachedRolePolicies", "iam:AttachRolePolicy", "iam:DetachRolePolicy"],
        read: ["iam:ListAttachedRolePolicies"],
        update: ["iam:ListAttachedRolePolicies", "iam:AttachRolePolicy", "iam:DetachRolePolicy"],
        delete: [],
    },
};

export interface LookupActions {
    readonly resource: KeylessResourceKind | "none";
    /** Actions authorized against the resource's ARN. */
    readonly actions: readonly string[];
    /** Actions without resource-level permissions, authorized against "*". */
    readonly accountActions?: readonly string[];
}

/** Every lookup (invoke) the program makes in AWS, with the actions it calls and on what. */
export const LOOKUP_ACTIONS: Readonly<Record<string, LookupActions>> = {
    "aws:index/getCallerIdentity:getCallerIdentity": { resource: "none", actions: [] },
    // By ARN (an adopted provider) or by URL (whether the account already holds GitHub's).
    "aws:iam/getOpenIdConnectProvider:getOpenIdConnectProvider": {
        resource: "oidcProvider",
        actions: ["iam:GetOpenIDConnectProvider"],
        accountActions: ["iam:ListOpenIDConnectProviders"],
    },
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
    /**
     * Whether the stack adopts a provider another stack (or someone else) created
     * (`keyless:oidcProviderArn`): its roles then only read the provider, never change or delete it.
     */
    readonly providerAdopted?: boolean;
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

/** The actions without resource-level permissions the lookups call (granted on "*"). */
export function keylessAccountActions(): string[] {
    return unique(Object.values(LOOKUP_ACTIONS).flatMap((lookup) => lookup.accountActions ?? []));
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
