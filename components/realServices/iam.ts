// The IAM rules AWS enforces on what keyless writes, in one place, each with its source. Pure
// functions over plain data: the program checks them on the exact documents it is about to
// write, before registering anything, and the offline mocks (tools/offlineRun.ts) answer with
// AWS's own error when a registration breaks one, so neither side can drift from the other.
//
// Limits: "IAM and AWS STS quotas",
// https://docs.aws.amazon.com/IAM/latest/UserGuide/reference_iam-quotas.html
//   - role name 64 characters, path 512 characters (names and paths: alphanumerics and +=,.@_-;
//     a path begins and ends with /);
//   - role trust policy 2,048 characters, all inline policies of a role together 10,240
//     characters; "IAM doesn't count white space when calculating the size of a policy";
//   - managed policies attached to a role: 10 (default quota, adjustable to 20); a managed
//     policy document at most 6,144 characters;
//   - policy documents hold only tab, line feed, carriage return and U+0020-U+00FF (CreateRole's
//     AssumeRolePolicyDocument and PutRolePolicy's PolicyDocument pattern
//     [\u0009\u000A\u000D\u0020-\u00FF]+, https://docs.aws.amazon.com/IAM/latest/APIReference/API_CreateRole.html);
//   - tags per role 50, key 1-128 and value 0-256 characters of [\p{L}\p{Z}\p{N}_.:/=+\-@]
//     (https://docs.aws.amazon.com/IAM/latest/APIReference/API_Tag.html), no `aws:` prefix,
//     keys case-insensitive (https://docs.aws.amazon.com/IAM/latest/UserGuide/id_tags.html).

/** AWS's limits for one role (defaults where AWS calls them adjustable quotas). */
export const IAM_LIMITS = {
    roleName: 64,
    path: 512,
    /** Non-whitespace characters of the trust policy (quota AssumeRolePolicySizeQuota, adjustable to 4,096). */
    trustPolicy: 2048,
    /** Non-whitespace characters of all inline policies of one role together (RolePolicySizeQuota). */
    inlinePolicies: 10240,
    /** Managed policies attached to one role (AttachedPoliciesPerRoleQuota, adjustable to 20). */
    managedPolicies: 10,
    /** Non-whitespace characters of one customer-managed policy document. */
    managedPolicyDocument: 6144,
    tags: 50,
    tagKey: 128,
    tagValue: 256,
    description: 1000,
} as const;

const ROLE_NAME = /^[\w+=,.@-]+$/;
// CreateRole's Path pattern: (\u002F)|(\u002F[\u0021-\u007E]+\u002F)
const PATH = /^(?:\/|\/[\x21-\x7e]+\/)$/;
const TAG_TEXT = /^[\p{L}\p{Z}\p{N}_.:/=+\-@]*$/u;
const OUTSIDE_POLICY_TEXT = /[^\t\n\r\x20-\xff]/gu;

/** A text made into a tag value IAM accepts: other characters become _, cut to 256 characters. */
export function tagValue(value: string): string {
    return [...value.replace(/[^\p{L}\p{Z}\p{N}_.:/=+\-@]/gu, "_")].slice(0, IAM_LIMITS.tagValue).join("");
}

/**
 * A policy document as the provider sends it to IAM. pulumi-aws (terraform-provider-aws) passes
 * role and role-policy documents through structure.NormalizeJsonString before the API call
 * (internal/verify/json.go LegacyPolicyNormalize; internal/service/iam/role_policy.go): Go's
 * encoding/json re-serializes it compactly and escapes <, > and & (and U+2028, U+2029) as \uXXXX,
 * which is six characters where the program wrote one. Text that is not JSON is sent as is.
 */
export function policyAsSent(document: string): string {
    let parsed: unknown;
    try {
        parsed = JSON.parse(document);
    } catch {
        return document;
    }
    const sorted = (value: unknown): unknown =>
        Array.isArray(value)
            ? value.map(sorted)
            : typeof value === "object" && value !== null
              ? Object.fromEntries(Object.keys(value).sort().map((key) => [key, sorted((value as Record<string, unknown>)[key])]))
              : value;
    return JSON.stringify(sorted(parsed)).replace(
        /[<>&\u2028\u2029]/g,
        (character) => `\\u${(character.codePointAt(0) ?? 0).toString(16).padStart(4, "0")}`,
    );
}

/** Size of a policy document as IAM counts it: the characters it receives, whitespace excluded. */
export function policySize(document: string): number {
    let size = 0;
    for (const character of policyAsSent(document)) if (!/\s/.test(character)) size++;
    return size;
}

/** Everything one role will carry, as it will be sent to IAM (documents serialized). */
export interface RoleDocuments {
    readonly roleName: string;
    readonly path: string;
    /** The trust policy as the JSON text that is sent. */
    readonly trustPolicy: string;
    /** Inline policy name to its JSON text. */
    readonly inlinePolicies: Readonly<Record<string, string>>;
    readonly managedPolicyArns: readonly string[];
    readonly tags: Readonly<Record<string, string>>;
    readonly description?: string;
}

export type IamRule =
    | "policyCharacters"
    | "roleName"
    | "path"
    | "trustPolicy"
    | "inlinePolicies"
    | "managedPolicies"
    | "tags"
    | "tagKey"
    | "tagValue"
    | "description";

/** One broken rule, with the measured value and the limit. */
export interface IamViolation {
    readonly rule: IamRule;
    /** What was measured (length, size or count). */
    readonly measured: number;
    readonly limit: number;
    /** What is wrong, in plain words, without advice. */
    readonly what: string;
    /** AWS's own error for it, as the API (and so the provider) reports it. */
    readonly awsError: string;
}

// Real texts, each seen in public reports:
//   roleName: NixOS/nixops#328, serverless/examples#405 ("1 validation error detected: Value '...'
//     at 'roleName' failed to satisfy constraint: Member must have length less than or equal to 64")
//   path: ministryofjustice/cloud-platform-environments#1726, aws-cloudformation/cfn-lint#782
//   trust: kubeflow/kubeflow#6687 ("LimitExceeded: Cannot exceed quota for ACLSizePerRole: 2048")
//   inline: serverless/serverless#7643, aws/aws-cdk#12403 ("Maximum policy size of 10240 bytes
//     exceeded for role ...", LimitExceeded, status 409)
//   managed: aws/eks-hybrid#741, LBHackney-IT/Data-Platform#1882 ("LimitExceeded: Cannot exceed
//     quota for PoliciesPerRole: 10")
//   tag pattern: SWO-GS/auto-tag#90, kubernetes/kops#16027 ("... at 'tags.N.member.value' failed
//     to satisfy constraint: Member must satisfy regular expression pattern: [\p{L}\p{Z}\p{N}_.:/=+\-@]*")
//   duplicate keys: github-aws-runners/terraform-aws-github-runner#1346 ("InvalidInput: Duplicate
//     tag keys found. Please note that Tag keys are case insensitive.")
const validation = (value: string, field: string, constraint: string) =>
    `ValidationError: 1 validation error detected: Value '${value}' at '${field}' failed to satisfy constraint: ${constraint}`;

/** Every IAM rule the role breaks, in the order IAM checks them. */
export function roleViolations(role: RoleDocuments): IamViolation[] {
    const violations: IamViolation[] = [];
    const add = (violation: IamViolation) => violations.push(violation);
    const name = role.roleName;
    if ([...name].length > IAM_LIMITS.roleName) {
        add({
            rule: "roleName",
            measured: [...name].length,
            limit: IAM_LIMITS.roleName,
            what: `the role name has ${[...name].length} characters; IAM accepts at most ${IAM_LIMITS.roleName}`,
            awsError: validation(name, "roleName", `Member must have length less than or equal to ${IAM_LIMITS.roleName}`),
        });
    } else if (name.length === 0 || !ROLE_NAME.test(name)) {
        add({
            rule: "roleName",
            measured: name.length,
            limit: IAM_LIMITS.roleName,
            what: "the role name may only hold letters, digits and + = , . @ _ -",
            awsError: validation(name, "roleName", "Member must satisfy regular expression pattern: [\\w+=,.@-]+"),
        });
    }
    if (role.path.length > IAM_LIMITS.path) {
        add({
            rule: "path",
            measured: role.path.length,
            limit: IAM_LIMITS.path,
            what: `the path has ${role.path.length} characters; IAM accepts at most ${IAM_LIMITS.path}`,
            awsError: validation(role.path, "path", `Member must have length less than or equal to ${IAM_LIMITS.path}`),
        });
    } else if (!PATH.test(role.path)) {
        add({
            rule: "path",
            measured: role.path.length,
            limit: IAM_LIMITS.path,
            what: "a path begins and ends with / and holds only printable ASCII characters without spaces",
            awsError:
                "ValidationError: The specified value for path is invalid. It must begin and end with / and contain only alphanumeric characters and/or / characters.",
        });
    }
    if (role.description !== undefined && [...role.description].length > IAM_LIMITS.description) {
        add({
            rule: "description",
            measured: [...role.description].length,
            limit: IAM_LIMITS.description,
            what: `the description has ${[...role.description].length} characters; IAM accepts at most ${IAM_LIMITS.description}`,
            awsError: validation(role.description, "description", `Member must have length less than or equal to ${IAM_LIMITS.description}`),
        });
    }
    const documents: [string, string, string][] = [
        ["the trust policy", "assumeRolePolicyDocument", role.trustPolicy],
        ...Object.entries(role.inlinePolicies).map(([policyName, document]): [string, string, string] => [`inline policy ${policyName}`, "policyDocument", document]),
    ];
    for (const [label, field, document] of documents) {
        const outside = policyAsSent(document).match(OUTSIDE_POLICY_TEXT) ?? [];
        if (outside.length > 0) {
            add({
                rule: "policyCharacters",
                measured: outside.length,
                limit: 0,
                what: `${label} holds ${outside.length} character(s) IAM does not accept in a policy (only tab, line breaks and U+0020-U+00FF), e.g. U+${(outside[0]?.codePointAt(0) ?? 0).toString(16).toUpperCase().padStart(4, "0")}`,
                awsError: validation(document, field, "Member must satisfy regular expression pattern: [\\u0009\\u000A\\u000D\\u0020-\\u00FF]+"),
            });
        }
    }
    const trust = policySize(role.trustPolicy);
    if (trust > IAM_LIMITS.trustPolicy) {
        add({
            rule: "trustPolicy",
            measured: trust,
            limit: IAM_LIMITS.trustPolicy,
            what: `the trust policy has ${trust} characters without whitespace; IAM accepts at most ${IAM_LIMITS.trustPolicy}`,
            awsError: `LimitExceeded: Cannot exceed quota for ACLSizePerRole: ${IAM_LIMITS.trustPolicy}`,
        });
    }
    const tagEntries = Object.entries(role.tags);
    if (tagEntries.length > IAM_LIMITS.tags) {
        add({
            rule: "tags",
            measured: tagEntries.length,
            limit: IAM_LIMITS.tags,
            what: `the role has ${tagEntries.length} tags; IAM accepts at most ${IAM_LIMITS.tags}`,
            awsError: validation("[...]", "tags", `Member must have length less than or equal to ${IAM_LIMITS.tags}`),
        });
    }
    const seenKeys = new Set<string>();
    tagEntries.forEach(([key, value], index) => {
        const member = `tags.${index + 1}.member`;
        const keyLength = [...key].length;
        if (keyLength === 0 || keyLength > IAM_LIMITS.tagKey || !TAG_TEXT.test(key)) {
            add({
                rule: "tagKey",
                measured: keyLength,
                limit: IAM_LIMITS.tagKey,
                what: `tag key ${JSON.stringify(key)} must be 1-${IAM_LIMITS.tagKey} letters, digits, spaces and _ . : / = + - @`,
                awsError:
                    keyLength > IAM_LIMITS.tagKey
                        ? validation(key, `${member}.key`, `Member must have length less than or equal to ${IAM_LIMITS.tagKey}`)
                        : validation(key, `${member}.key`, "Member must satisfy regular expression pattern: [\\p{L}\\p{Z}\\p{N}_.:/=+\\-@]+"),
            });
        } else if (/^aws:/i.test(key)) {
            add({
                rule: "tagKey",
                measured: keyLength,
                limit: IAM_LIMITS.tagKey,
                what: `tag key ${JSON.stringify(key)} starts with aws:, which AWS reserves for its own tags`,
                // Paraphrase: AWS's exact wording for IAM is not in a public report we found.
                awsError: `InvalidInput: Tag keys starting with 'aws:' are reserved for internal use (${key})`,
            });
        } else if (seenKeys.has(key.toLowerCase())) {
            add({
                rule: "tagKey",
                measured: keyLength,
                limit: IAM_LIMITS.tagKey,
                what: `tag key ${JSON.stringify(key)} repeats another key; IAM tag keys are case-insensitive`,
                awsError: "InvalidInput: Duplicate tag keys found. Please note that Tag keys are case insensitive.",
            });
        }
        seenKeys.add(key.toLowerCase());
        const valueLength = [...value].length;
        if (valueLength > IAM_LIMITS.tagValue || !TAG_TEXT.test(value)) {
            add({
                rule: "tagValue",
                measured: valueLength,
                limit: IAM_LIMITS.tagValue,
                what: `the value of tag ${JSON.stringify(key)} must be 0-${IAM_LIMITS.tagValue} letters, digits, spaces and _ . : / = + - @`,
                awsError:
                    valueLength > IAM_LIMITS.tagValue
                        ? validation(value, `${member}.value`, `Member must have length less than or equal to ${IAM_LIMITS.tagValue}`)
                        : validation(value, `${member}.value`, "Member must satisfy regular expression pattern: [\\p{L}\\p{Z}\\p{N}_.:/=+\\-@]*"),
            });
        }
    });
    const inline = Object.values(role.inlinePolicies).reduce((total, document) => total + policySize(document), 0);
    if (inline > IAM_LIMITS.inlinePolicies) {
        add({
            rule: "inlinePolicies",
            measured: inline,
            limit: IAM_LIMITS.inlinePolicies,
            what: `its inline policies have ${inline} characters without whitespace; IAM accepts at most ${IAM_LIMITS.inlinePolicies} per role`,
            awsError: `LimitExceeded: Maximum policy size of ${IAM_LIMITS.inlinePolicies} bytes exceeded for role ${name}`,
        });
    }
    const managed = new Set(role.managedPolicyArns).size;
    if (managed > IAM_LIMITS.managedPolicies) {
        add({
            rule: "managedPolicies",
            measured: managed,
            limit: IAM_LIMITS.managedPolicies,
            what: `${managed} managed policies are attached; IAM's default quota is ${IAM_LIMITS.managedPolicies} per role`,
            awsError: `LimitExceeded: Cannot exceed quota for PoliciesPerRole: ${IAM_LIMITS.managedPolicies}`,
        });
    }
    return violations;
}

/** How to get under a limit, concretely and without widening what the role may do. */
export function iamAdvice(rule: IamRule): string {
    switch (rule) {
        case "policyCharacters":
            return "write the statements' ARNs and condition values in ASCII; a look-alike letter (shown escaped, e.g. \\u0430) is usually a typo";
        case "roleName":
            return "set a shorter roleName for this repository entry (letters, digits and + = , . @ _ -)";
        case "path":
            return "set keyless:rolePath to a shorter path such as /github-actions/";
        case "trustPolicy":
            return (
                "trust fewer subjects: a subjectFormat of immutable or legacy instead of both halves the list; " +
                "or ask AWS (Service Quotas, IAM \"Role trust policy length\") to raise the quota, up to 4,096"
            );
        case "inlinePolicies":
            return (
                "split the repository's resources across roles (one repository entry per group of services, each with its own " +
                "roleName and environment), or move stable statements into a customer-managed policy (up to 6,144 characters " +
                "each) named in managedPolicyArns; a wildcard such as service/<cluster>/orders-* is shorter but grants every " +
                "matching resource, including ones created later, so use one only for a name prefix that belongs to this repository alone"
            );
        case "managedPolicies":
            return "combine policies into one customer-managed policy, or ask AWS (Service Quotas) to raise the quota, up to 20";
        case "tags":
        case "tagKey":
        case "tagValue":
            return "keep at most 50 tags, keys of 1-128 and values of up to 256 letters, digits, spaces and _ . : / = + - @, no aws: prefix";
        case "description":
            return "shorten the description to 1,000 characters";
    }
}

/**
 * AWS's error for a customer-managed policy document it refuses (CreatePolicy), if any. Real
 * text: "LimitExceeded: Cannot exceed quota for PolicySize: 6144" (ministryofjustice/
 * cloud-platform-environments#14473, LBHackney-IT/Data-Platform#2116).
 */
export function managedPolicyError(document: string): string | undefined {
    const outside = policyAsSent(document).match(OUTSIDE_POLICY_TEXT);
    if (outside) {
        return validation(document, "policyDocument", "Member must satisfy regular expression pattern: [\\u0009\\u000A\\u000D\\u0020-\\u00FF]+");
    }
    return policySize(document) > IAM_LIMITS.managedPolicyDocument
        ? `LimitExceeded: Cannot exceed quota for PolicySize: ${IAM_LIMITS.managedPolicyDocument}`
        : undefined;
}

/** A role that exists in the account before the run (another stack's, or this stack's as edited by hand). */
export interface ExistingRole {
    readonly roleName: string;
    /** Defaults to `/`. */
    readonly path?: string;
    readonly tags?: Readonly<Record<string, string>>;
    /** Inline policy name to document, hand-made ones included. */
    readonly inlinePolicies?: Readonly<Record<string, string>>;
    readonly managedPolicyArns?: readonly string[];
}

/** How an exclusive resource's sync changed (or, in a preview, would change) a role. */
export interface ExclusiveSync {
    readonly roleName: string;
    /** Inline policy names or managed policy ARNs the sync removes (not configured). */
    readonly removed: readonly string[];
    /** Configured ones the role lacked. */
    readonly added: readonly string[];
}

/** The account's IAM state as the offline mocks see it; answers each call as IAM would. */
export class IamAccountModel {
    private readonly roles = new Map<string, { documents: RoleDocuments }>();

    /** `existing`: the roles the account holds before the run. */
    constructor(existing: readonly ExistingRole[] = []) {
        for (const role of existing) {
            this.roles.set(role.roleName.toLowerCase(), {
                documents: {
                    roleName: role.roleName,
                    path: role.path ?? "/",
                    trustPolicy: "",
                    inlinePolicies: { ...(role.inlinePolicies ?? {}) },
                    managedPolicyArns: [...(role.managedPolicyArns ?? [])],
                    tags: { ...(role.tags ?? {}) },
                },
            });
        }
    }

    private role(roleName: string) {
        return this.roles.get(roleName.toLowerCase());
    }

    /** The roles as they are now. */
    snapshot(): RoleDocuments[] {
        return [...this.roles.values()].map((role) => role.documents);
    }

    /**
     * CreateRole (with any inline and managed policies the resource carries). Returns AWS's error,
     * if any. A role that exists already is this stack's own when it carries the same
     * `ownerTag` value (keyless:stack): the resource is then an update of it, and the policies
     * the role holds (hand-made ones included) stay, as the aws.iam.Role resource leaves what it
     * does not own alone.
     */
    createRole(documents: RoleDocuments, ownerTag?: string): string | undefined {
        const existing = this.role(documents.roleName);
        if (existing) {
            const mine = ownerTag !== undefined && documents.tags[ownerTag] !== undefined && existing.documents.tags[ownerTag] === documents.tags[ownerTag];
            if (!mine) return `EntityAlreadyExists: Role with name ${documents.roleName} already exists.`;
            existing.documents = {
                ...documents,
                inlinePolicies: { ...existing.documents.inlinePolicies, ...documents.inlinePolicies },
                managedPolicyArns: [...new Set([...existing.documents.managedPolicyArns, ...documents.managedPolicyArns])],
            };
            return undefined;
        }
        const error = roleViolations(documents)[0]?.awsError;
        if (error === undefined) this.roles.set(documents.roleName.toLowerCase(), { documents });
        return error;
    }

    /**
     * aws.iam.RolePoliciesExclusive: ListRolePolicies, then DeleteRolePolicy for every inline
     * policy not in `want` (PutRolePolicy for a missing one; the program creates its own first).
     * `apply` false is a refreshing preview: the change is computed, nothing is removed.
     */
    syncInlinePolicies(roleName: string, want: readonly string[], apply: boolean): ExclusiveSync | string {
        const role = this.role(roleName);
        if (!role) return `NoSuchEntity: The role with name ${roleName} cannot be found.`;
        const have = Object.keys(role.documents.inlinePolicies);
        const removed = have.filter((name) => !want.includes(name));
        const added = want.filter((name) => !have.includes(name));
        if (apply) {
            const kept = Object.fromEntries(Object.entries(role.documents.inlinePolicies).filter(([name]) => want.includes(name)));
            role.documents = { ...role.documents, inlinePolicies: { ...kept, ...Object.fromEntries(added.map((name) => [name, ""])) } };
        }
        return { roleName, removed, added };
    }

    /** aws.iam.RolePolicyAttachmentsExclusive: ListAttachedRolePolicies, then DetachRolePolicy / AttachRolePolicy. */
    syncAttachments(roleName: string, want: readonly string[], apply: boolean): ExclusiveSync | string {
        const role = this.role(roleName);
        if (!role) return `NoSuchEntity: The role with name ${roleName} cannot be found.`;
        const have = role.documents.managedPolicyArns;
        const removed = have.filter((arn) => !want.includes(arn));
        const added = want.filter((arn) => !have.includes(arn));
        if (apply) role.documents = { ...role.documents, managedPolicyArns: [...want] };
        return { roleName, removed, added };
    }

    /** PutRolePolicy. */
    putRolePolicy(roleName: string, policyName: string, document: string): string | undefined {
        const role = this.role(roleName);
        if (!role) return `NoSuchEntity: The role with name ${roleName} cannot be found.`;
        const documents = { ...role.documents, inlinePolicies: { ...role.documents.inlinePolicies, [policyName]: document } };
        const error = roleViolations(documents).find((violation) => violation.rule === "inlinePolicies" || violation.rule === "policyCharacters")?.awsError;
        if (error === undefined) role.documents = documents;
        return error;
    }

    /** AttachRolePolicy. */
    attachRolePolicy(roleName: string, policyArn: string): string | undefined {
        const role = this.role(roleName);
        if (!role) return `NoSuchEntity: The role with name ${roleName} cannot be found.`;
        if (role.documents.managedPolicyArns.includes(policyArn)) return undefined;
        const documents = { ...role.documents, managedPolicyArns: [...role.documents.managedPolicyArns, policyArn] };
        const error = roleViolations(documents).find((violation) => violation.rule === "managedPolicies")?.awsError;
        if (error === undefined) role.documents = documents;
        return error;
    }
}

// aws:iam/getPolicy:getPolicy by ARN (terraform-provider-aws internal/service/iam/policy_data_source.go):
// GetPolicy's NoSuchEntity becomes retry.NotFoundError, whose text is "couldn't find resource"
// (terraform-plugin-sdk helper/retry), reported as "reading IAM Policy (<arn>): couldn't find
// resource"; any other error (AccessDenied included) is passed through as the SDK prints it.

/** The error the provider raises when GetPolicy answers NoSuchEntity. */
export function getPolicyNotFoundError(arn: string): string {
    return `reading IAM Policy (${arn}): couldn't find resource`;
}

/** The error the provider raises when the caller may not call iam:GetPolicy on the policy. */
export function getPolicyAccessDeniedError(arn: string, caller: string): string {
    return (
        `reading IAM Policy (${arn}): operation error IAM: GetPolicy, https response error StatusCode: 403, ` +
        `RequestID: 00000000-0000-0000-0000-000000000000, api error AccessDenied: User: ${caller} is not authorized ` +
        `to perform: iam:GetPolicy on resource: policy ${arn} because no identity-based policy allows the iam:GetPolicy action`
    );
}

/**
 * Reads a failed IAM lookup (getPolicy; getOpenIdConnectProvider, whose not-found is the same
 * retry.NotFoundError, "reading IAM OIDC Provider (<url>): couldn't find resource"): the entity
 * does not exist, the caller may not read it, or something else.
 */
export function classifyGetPolicyError(message: string): "missing" | "denied" | "other" {
    if (/couldn't find resource|NoSuchEntity/i.test(message)) return "missing";
    if (/AccessDenied|not authorized to perform/i.test(message)) return "denied";
    return "other";
}

/** What to tell the user when the permissions boundary `arn` could not be read. */
export function boundaryLookupProblem(arn: string, accountId: string, message: string): string {
    switch (classifyGetPolicyError(message)) {
        case "missing":
            return (
                `the permissions boundary ${arn} does not exist in account ${accountId} (IAM answered NoSuchEntity); ` +
                "create that managed policy first, or correct the ARN"
            );
        case "denied":
            return (
                `these AWS credentials may not read the permissions boundary ${arn} (iam:GetPolicy was denied), so keyless ` +
                "cannot check that it exists; allow iam:GetPolicy on it for the role that runs keyless"
            );
        default:
            return `could not read the permissions boundary ${arn} (${message.split("\n")[0]})`;
    }
}

/** The error the provider raises when getOpenIdConnectProvider by URL finds no provider (openid_connect_provider_data_source.go). */
export function oidcProviderNotFoundError(url: string): string {
    return `reading IAM OIDC Provider (${url}): couldn't find resource`;
}

/**
 * CreateOpenIDConnectProvider's answer when the account already holds a provider for the URL:
 * EntityAlreadyExists (IAM API reference, CreateOpenIDConnectProvider, Errors; "Only 1 provider
 * configured with the GitHub url is allowed", nationalarchives/ds-caselaw-data-enrichment-service#438).
 * Paraphrase: the exact message text is not in a public report we found.
 */
export function oidcProviderExistsError(url: string): string {
    return `EntityAlreadyExists: Provider with url ${url} already exists.`;
}
