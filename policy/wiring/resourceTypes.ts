// Which resource types carry IAM documents and policy ARNs, and where. Matching is on Pulumi type tokens
// so the pack never loads a provider SDK. Property names follow @pulumi/aws 7 and @pulumi/aws-native 1.

import { read, Reading } from "./evaluation";

export const TYPES = Object.freeze({
    awsRole: "aws:iam/role:Role",
    awsPolicy: "aws:iam/policy:Policy",
    awsRolePolicy: "aws:iam/rolePolicy:RolePolicy",
    awsUserPolicy: "aws:iam/userPolicy:UserPolicy",
    awsGroupPolicy: "aws:iam/groupPolicy:GroupPolicy",
    awsRolePolicyAttachment: "aws:iam/rolePolicyAttachment:RolePolicyAttachment",
    awsUserPolicyAttachment: "aws:iam/userPolicyAttachment:UserPolicyAttachment",
    awsGroupPolicyAttachment: "aws:iam/groupPolicyAttachment:GroupPolicyAttachment",
    awsPolicyAttachment: "aws:iam/policyAttachment:PolicyAttachment",
    awsRolePolicyAttachmentsExclusive: "aws:iam/rolePolicyAttachmentsExclusive:RolePolicyAttachmentsExclusive",
    awsUserPolicyAttachmentsExclusive: "aws:iam/userPolicyAttachmentsExclusive:UserPolicyAttachmentsExclusive",
    awsGroupPolicyAttachmentsExclusive: "aws:iam/groupPolicyAttachmentsExclusive:GroupPolicyAttachmentsExclusive",
    nativeRole: "aws-native:iam:Role",
    nativeUser: "aws-native:iam:User",
    nativeGroup: "aws-native:iam:Group",
    nativeManagedPolicy: "aws-native:iam:ManagedPolicy",
    nativePolicy: "aws-native:iam:Policy",
    nativeRolePolicy: "aws-native:iam:RolePolicy",
    nativeUserPolicy: "aws-native:iam:UserPolicy",
    nativeGroupPolicy: "aws-native:iam:GroupPolicy",
    githubEnvironment: "github:index/repositoryEnvironment:RepositoryEnvironment",
});

/** Role types and the property holding their trust policy. */
const TRUST_PROPERTY: Readonly<Record<string, string>> = {
    [TYPES.awsRole]: "assumeRolePolicy",
    [TYPES.nativeRole]: "assumeRolePolicyDocument",
};

/** Types whose own property is a permission policy document. */
const DOCUMENT_PROPERTY: Readonly<Record<string, string>> = {
    [TYPES.awsPolicy]: "policy",
    [TYPES.awsRolePolicy]: "policy",
    [TYPES.awsUserPolicy]: "policy",
    [TYPES.awsGroupPolicy]: "policy",
    [TYPES.nativeManagedPolicy]: "policyDocument",
    [TYPES.nativePolicy]: "policyDocument",
    [TYPES.nativeRolePolicy]: "policyDocument",
    [TYPES.nativeUserPolicy]: "policyDocument",
    [TYPES.nativeGroupPolicy]: "policyDocument",
};

/** Types with a list of inline policies, and the document property of each entry. */
const INLINE_POLICIES: Readonly<Record<string, { list: string; document: string }>> = {
    [TYPES.awsRole]: { list: "inlinePolicies", document: "policy" },
    [TYPES.nativeRole]: { list: "policies", document: "policyDocument" },
    [TYPES.nativeUser]: { list: "policies", document: "policyDocument" },
    [TYPES.nativeGroup]: { list: "policies", document: "policyDocument" },
};

/** Types that attach managed policies, the property holding the ARN(s), and whether it is a list. */
const POLICY_ARNS: Readonly<Record<string, { property: string; list: boolean }>> = {
    [TYPES.awsRolePolicyAttachment]: { property: "policyArn", list: false },
    [TYPES.awsUserPolicyAttachment]: { property: "policyArn", list: false },
    [TYPES.awsGroupPolicyAttachment]: { property: "policyArn", list: false },
    [TYPES.awsPolicyAttachment]: { property: "policyArn", list: false },
    [TYPES.awsRole]: { property: "managedPolicyArns", list: true },
    [TYPES.awsRolePolicyAttachmentsExclusive]: { property: "policyArns", list: true },
    [TYPES.awsUserPolicyAttachmentsExclusive]: { property: "policyArns", list: true },
    [TYPES.awsGroupPolicyAttachmentsExclusive]: { property: "policyArns", list: true },
    [TYPES.nativeRole]: { property: "managedPolicyArns", list: true },
    [TYPES.nativeUser]: { property: "managedPolicyArns", list: true },
    [TYPES.nativeGroup]: { property: "managedPolicyArns", list: true },
};

/** Managed policy types of the same stack that attachments can reference, with their document and ARN outputs. */
export const MANAGED_POLICY_RESOURCES: Readonly<Record<string, { document: string; arn: string }>> = {
    [TYPES.awsPolicy]: { document: "policy", arn: "arn" },
    [TYPES.nativeManagedPolicy]: { document: "policyDocument", arn: "policyArn" },
};

export const TRUST_POLICY_TYPES: ReadonlySet<string> = new Set(Object.keys(TRUST_PROPERTY));
export const PERMISSION_DOCUMENT_TYPES: ReadonlySet<string> = new Set([
    ...Object.keys(DOCUMENT_PROPERTY),
    ...Object.keys(INLINE_POLICIES),
]);
export const POLICY_ARN_TYPES: ReadonlySet<string> = new Set(Object.keys(POLICY_ARNS));

/** A place in a resource's properties and what was read there. */
export interface Site {
    path: string;
    value: Reading<unknown>;
}

type Props = Record<string, unknown>;

/** Reads the elements of a list property one by one; a failed read of the list itself is one site. */
function listSites(props: Props, property: string): Site[] {
    const list = read(() => props[property]);
    if (!list.ok) {
        return [{ path: property, value: list }];
    }
    const value = list.value;
    if (value === undefined || value === null) {
        return [];
    }
    if (!Array.isArray(value)) {
        return [{ path: property, value: list }];
    }
    const sites: Site[] = [];
    for (let i = 0; i < value.length; i++) {
        sites.push({ path: `${property}[${i}]`, value: read(() => value[i] as unknown) });
    }
    return sites;
}

export function trustPolicySite(type: string, props: Props): Site | undefined {
    const property = TRUST_PROPERTY[type];
    return property === undefined ? undefined : { path: property, value: read(() => props[property]) };
}

/** Every permission policy document a resource carries. Empty inline entries (aws.iam.Role's way of removing inline policies) are skipped. */
export function permissionDocumentSites(type: string, props: Props): Site[] {
    const sites: Site[] = [];
    const property = DOCUMENT_PROPERTY[type];
    if (property !== undefined) {
        sites.push({ path: property, value: read(() => props[property]) });
    }
    const inline = INLINE_POLICIES[type];
    if (inline !== undefined) {
        for (const entry of listSites(props, inline.list)) {
            if (!entry.value.ok) {
                sites.push(entry);
                continue;
            }
            const holder = entry.value.value;
            if (typeof holder !== "object" || holder === null) {
                sites.push(entry);
                continue;
            }
            const document = read(() => (holder as Props)[inline.document]);
            if (document.ok && (document.value === undefined || document.value === "")) {
                continue;
            }
            sites.push({ path: `${entry.path}.${inline.document}`, value: document });
        }
    }
    return sites;
}

/** The property holding managed policy ARN(s) for this type, if any. */
export function policyArnProperty(type: string): string | undefined {
    return POLICY_ARNS[type]?.property;
}

/** Every managed policy ARN a resource attaches. */
export function policyArnSites(type: string, props: Props): Site[] {
    const spec = POLICY_ARNS[type];
    if (spec === undefined) {
        return [];
    }
    return spec.list ? listSites(props, spec.property) : [{ path: spec.property, value: read(() => props[spec.property]) }];
}

/** Where a role type keeps the parts the self-escalation check reads (@pulumi/aws 7, @pulumi/aws-native 1). */
export const ROLE_SHAPES: Readonly<Record<string, { name: string; inline: { list: string; name: string; document: string } }>> = {
    [TYPES.awsRole]: { name: "name", inline: { list: "inlinePolicies", name: "name", document: "policy" } },
    [TYPES.nativeRole]: { name: "roleName", inline: { list: "policies", name: "policyName", document: "policyDocument" } },
};

/** Resources of a stack that add an inline policy to a role named by a property. */
export const ROLE_INLINE_POLICY_RESOURCES: Readonly<Record<string, { role: string; name: string; document: string }>> = {
    [TYPES.awsRolePolicy]: { role: "role", name: "name", document: "policy" },
    [TYPES.nativeRolePolicy]: { role: "roleName", name: "policyName", document: "policyDocument" },
};

/** Resources of a stack that attach managed policies to roles: the property naming the role(s), and the ARN property. */
export const ROLE_ATTACHMENT_RESOURCES: Readonly<Record<string, { roles: string; rolesIsList: boolean }>> = {
    [TYPES.awsRolePolicyAttachment]: { roles: "role", rolesIsList: false },
    [TYPES.awsRolePolicyAttachmentsExclusive]: { roles: "roleName", rolesIsList: false },
    [TYPES.awsPolicyAttachment]: { roles: "roles", rolesIsList: true },
};
