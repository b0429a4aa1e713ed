// Reads the output of `aws iam get-account-authorization-details` (IAM API GetAccountAuthorizationDetails)
// into plain roles and managed policies.
//
// The documented shape (IAM API Reference, GetAccountAuthorizationDetails; data types RoleDetail,
// PolicyDetail, AttachedPolicy, AttachedPermissionsBoundary, ManagedPolicyDetail, PolicyVersion):
//   { "UserDetailList": [...], "GroupDetailList": [...],
//     "RoleDetailList": [{ "Path", "RoleName", "RoleId", "Arn", "CreateDate", "AssumeRolePolicyDocument",
//        "InstanceProfileList", "RolePolicyList": [{ "PolicyName", "PolicyDocument" }],
//        "AttachedManagedPolicies": [{ "PolicyName", "PolicyArn" }],
//        "PermissionsBoundary": { "PermissionsBoundaryType": "Policy", "PermissionsBoundaryArn" }, "Tags": [{ "Key", "Value" }],
//        "RoleLastUsed" }],
//     "Policies": [{ "PolicyName", "PolicyId", "Arn", "Path", "DefaultVersionId", "AttachmentCount", ...,
//        "PolicyVersionList": [{ "Document", "VersionId", "IsDefaultVersion", "CreateDate" }] }],
//     "IsTruncated", "Marker" }
// "Policies returned by this operation are URL-encoded compliant with RFC 3986" (same page): the raw
// API and the SDKs hand the documents over as URL-encoded JSON strings; the AWS CLI decodes them to
// objects (its `aws iam get-account-authorization-details` output). Both are read here. The CLI
// follows `Marker` itself; a file that still says IsTruncated (one page of the raw API, or the CLI's
// --max-items, which leaves a NextToken) is partial and refused, since roles and policies are missing.

/** A problem with one entry of a dump; `file: entry: problem`, never a stack trace. */
export class DumpError extends Error {
    constructor(readonly problems: readonly string[]) {
        super(problems.length === 1 ? problems[0] : `${problems.length} problems:\n  ${problems.join("\n  ")}`);
        this.name = "DumpError";
    }
}

export interface InlinePolicy {
    readonly name: string;
    readonly document: unknown;
}

export interface AttachedPolicy {
    readonly name: string;
    readonly arn: string;
}

export interface DumpRole {
    /** `RoleDetailList[3] (deploy-x)`. */
    readonly entry: string;
    readonly name: string;
    readonly arn: string;
    readonly path: string;
    readonly accountId: string;
    readonly partition: string;
    readonly trustPolicy: unknown;
    readonly inlinePolicies: readonly InlinePolicy[];
    readonly attachedPolicies: readonly AttachedPolicy[];
    readonly permissionsBoundaryArn?: string;
    readonly tags: Readonly<Record<string, string>>;
    /** Where the role's `"Arn"` is in the dump file, when read from a file. */
    readonly region?: TextRegion;
}

/** 1-based line and columns (end exclusive), as SARIF regions count them. */
export interface TextRegion {
    readonly line: number;
    readonly startColumn: number;
    readonly endColumn: number;
}

export interface DumpPolicyVersion {
    readonly versionId: string;
    readonly isDefault: boolean;
    readonly document: unknown;
}

export interface DumpPolicy {
    readonly entry: string;
    readonly name: string;
    readonly arn: string;
    readonly defaultVersionId?: string;
    readonly versions: readonly DumpPolicyVersion[];
}

export interface AccountDump {
    /** The file as given on the command line, or `live:<account>` for --live. */
    readonly source: string;
    /** The account of the roles (from their ARNs); undefined for a dump without roles. */
    readonly accountId?: string;
    readonly roles: readonly DumpRole[];
    readonly policies: ReadonlyMap<string, DumpPolicy>;
}

const MAX_PROBLEMS = 20;

type Json = Record<string, unknown>;
const isObject = (value: unknown): value is Json => typeof value === "object" && value !== null && !Array.isArray(value);

/**
 * A policy document as the dump holds it: an object (AWS CLI), or a string of URL-encoded JSON (the
 * raw API, RFC 3986), or a string of plain JSON. Returns the parsed object or why it cannot be read.
 */
export function decodePolicyDocument(value: unknown): { ok: true; document: unknown } | { ok: false; problem: string } {
    if (isObject(value)) {
        return { ok: true, document: value };
    }
    if (typeof value !== "string") {
        return { ok: false, problem: `must be a policy document (an object, or URL-encoded JSON text), found ${value === null ? "null" : Array.isArray(value) ? "a list" : typeof value}` };
    }
    let text = value.trim();
    if (!text.startsWith("{")) {
        try {
            text = decodeURIComponent(text).trim();
        } catch {
            return { ok: false, problem: "is not JSON, nor URL-encoded JSON (a % escape is broken)" };
        }
    }
    try {
        return { ok: true, document: JSON.parse(text) };
    } catch (error) {
        return { ok: false, problem: `is not JSON (${(error as Error).message})` };
    }
}

/** The first `"Arn": "..."` of each ARN in `text`, with where it is: one pass over the file. */
function arnRegions(text: string): Map<string, TextRegion> {
    const regions = new Map<string, TextRegion>();
    const pattern = /"Arn"\s*:\s*"((?:[^"\\]|\\.)*)"/g;
    let line = 1;
    let lineStart = 0;
    for (let match = pattern.exec(text); match !== null; match = pattern.exec(text)) {
        for (let i = text.indexOf("\n", lineStart); i >= 0 && i < match.index; i = text.indexOf("\n", i + 1)) {
            line++;
            lineStart = i + 1;
        }
        let arn: string;
        try {
            arn = JSON.parse(`"${match[1]}"`) as string;
        } catch {
            continue;
        }
        if (!regions.has(arn)) {
            const startColumn = match.index - lineStart + 1;
            regions.set(arn, { line, startColumn, endColumn: startColumn + match[0].length });
        }
    }
    return regions;
}

/** `arn:aws:iam::123456789012:role/path/name` → partition and account, or undefined. */
function roleArnParts(arn: string): { partition: string; accountId: string } | undefined {
    const match = /^arn:([a-z][a-z0-9-]*):iam::(\d{12}):role\/.+$/.exec(arn);
    return match === null ? undefined : { partition: match[1], accountId: match[2] };
}

/**
 * Reads one dump (its parsed JSON, and its text when it came from a file, for line numbers). Every
 * problem names `source`, the entry and the field, e.g.
 * `acct.json: RoleDetailList[3] (deploy-x): AssumeRolePolicyDocument is not JSON (...)`.
 */
export function readDump(source: string, json: unknown, text?: string): AccountDump {
    const problems: string[] = [];
    const problem = (where: string, what: string): void => {
        problems.push(`${source}: ${where}${where === "" ? "" : ": "}${what}`);
    };
    if (!isObject(json)) {
        throw new DumpError([`${source}: must hold the JSON object that \`aws iam get-account-authorization-details\` prints, found ${Array.isArray(json) ? "a list" : typeof json}`]);
    }
    // A response wrapped as the query API's XML-to-JSON form (GetAccountAuthorizationDetailsResponse/Result).
    const wrapped = json.GetAccountAuthorizationDetailsResponse;
    const body: Json = isObject(wrapped) && isObject(wrapped.GetAccountAuthorizationDetailsResult) ? wrapped.GetAccountAuthorizationDetailsResult : json;
    if (!("RoleDetailList" in body) && !("Policies" in body)) {
        throw new DumpError([
            `${source}: has neither RoleDetailList nor Policies, so it is not the output of \`aws iam get-account-authorization-details\``,
        ]);
    }
    if (body.IsTruncated === true || typeof body.NextToken === "string") {
        throw new DumpError([
            `${source}: is one page of several (${body.IsTruncated === true ? "IsTruncated is true" : "it has a NextToken"}), so roles and policies are missing; ` +
                "dump the whole account with `aws iam get-account-authorization-details > file.json` (no --max-items, no --no-paginate)",
        ]);
    }
    const list = (key: string): unknown[] => {
        const value = body[key];
        if (value === undefined) {
            return [];
        }
        if (!Array.isArray(value)) {
            problem(key, "must be a list");
            return [];
        }
        return value;
    };
    for (const key of ["UserDetailList", "GroupDetailList"]) {
        list(key);
    }

    const policies = new Map<string, DumpPolicy>();
    list("Policies").forEach((raw, index) => {
        const entry = `Policies[${index}]${isObject(raw) && typeof raw.PolicyName === "string" ? ` (${raw.PolicyName})` : ""}`;
        if (!isObject(raw)) {
            problem(entry, "must be an object (a ManagedPolicyDetail)");
            return;
        }
        if (typeof raw.Arn !== "string" || raw.Arn === "") {
            problem(entry, "has no Arn");
            return;
        }
        const versionsRaw = raw.PolicyVersionList ?? [];
        if (!Array.isArray(versionsRaw)) {
            problem(entry, "PolicyVersionList must be a list");
            return;
        }
        const versions: DumpPolicyVersion[] = [];
        versionsRaw.forEach((version, v) => {
            const where = `${entry}: PolicyVersionList[${v}]`;
            if (!isObject(version)) {
                problems.push(`${source}: ${where} must be an object (a PolicyVersion)`);
                return;
            }
            const decoded = decodePolicyDocument(version.Document);
            if (!decoded.ok) {
                problems.push(`${source}: ${where}${typeof version.VersionId === "string" ? ` (${version.VersionId})` : ""}: Document ${decoded.problem}`);
                return;
            }
            versions.push({
                versionId: typeof version.VersionId === "string" ? version.VersionId : `#${v}`,
                isDefault: version.IsDefaultVersion === true,
                document: decoded.document,
            });
        });
        policies.set(raw.Arn, {
            entry,
            name: typeof raw.PolicyName === "string" ? raw.PolicyName : raw.Arn,
            arn: raw.Arn,
            defaultVersionId: typeof raw.DefaultVersionId === "string" ? raw.DefaultVersionId : undefined,
            versions,
        });
    });

    const regions = text === undefined ? undefined : arnRegions(text);
    const roles: DumpRole[] = [];
    const accounts = new Set<string>();
    list("RoleDetailList").forEach((raw, index) => {
        const name = isObject(raw) && typeof raw.RoleName === "string" ? raw.RoleName : undefined;
        const entry = `RoleDetailList[${index}]${name === undefined ? "" : ` (${name})`}`;
        if (!isObject(raw)) {
            problem(entry, "must be an object (a RoleDetail)");
            return;
        }
        const before = problems.length;
        if (name === undefined || name === "") {
            problem(entry, "has no RoleName");
        }
        const arn = typeof raw.Arn === "string" ? raw.Arn : undefined;
        const parts = arn === undefined ? undefined : roleArnParts(arn);
        if (parts === undefined) {
            problem(entry, arn === undefined ? "has no Arn" : `Arn ${JSON.stringify(arn)} is not an IAM role ARN (arn:<partition>:iam::<account>:role/<name>)`);
        }
        const trust = decodePolicyDocument(raw.AssumeRolePolicyDocument);
        if (!trust.ok) {
            problem(entry, raw.AssumeRolePolicyDocument === undefined ? "has no AssumeRolePolicyDocument" : `AssumeRolePolicyDocument ${trust.problem}`);
        }
        const inlinePolicies: InlinePolicy[] = [];
        const inlineRaw = raw.RolePolicyList ?? [];
        if (!Array.isArray(inlineRaw)) {
            problem(entry, "RolePolicyList must be a list");
        } else {
            inlineRaw.forEach((policy, p) => {
                const policyName = isObject(policy) && typeof policy.PolicyName === "string" ? policy.PolicyName : undefined;
                const where = `RolePolicyList[${p}]${policyName === undefined ? "" : ` (${policyName})`}`;
                if (!isObject(policy) || policyName === undefined) {
                    problem(entry, `${where} must be an object with a PolicyName and a PolicyDocument`);
                    return;
                }
                const decoded = decodePolicyDocument(policy.PolicyDocument);
                if (!decoded.ok) {
                    problem(entry, `${where}: PolicyDocument ${decoded.problem}`);
                    return;
                }
                inlinePolicies.push({ name: policyName, document: decoded.document });
            });
        }
        const attachedPolicies: AttachedPolicy[] = [];
        const attachedRaw = raw.AttachedManagedPolicies ?? [];
        if (!Array.isArray(attachedRaw)) {
            problem(entry, "AttachedManagedPolicies must be a list");
        } else {
            attachedRaw.forEach((policy, p) => {
                if (!isObject(policy) || typeof policy.PolicyArn !== "string") {
                    problem(entry, `AttachedManagedPolicies[${p}] must be an object with a PolicyArn`);
                    return;
                }
                attachedPolicies.push({ name: typeof policy.PolicyName === "string" ? policy.PolicyName : policy.PolicyArn, arn: policy.PolicyArn });
            });
        }
        let permissionsBoundaryArn: string | undefined;
        if (raw.PermissionsBoundary !== undefined) {
            if (!isObject(raw.PermissionsBoundary) || typeof raw.PermissionsBoundary.PermissionsBoundaryArn !== "string") {
                problem(entry, "PermissionsBoundary must be an object with a PermissionsBoundaryArn");
            } else {
                permissionsBoundaryArn = raw.PermissionsBoundary.PermissionsBoundaryArn;
            }
        }
        const tags: Record<string, string> = {};
        if (Array.isArray(raw.Tags)) {
            for (const tag of raw.Tags) {
                if (isObject(tag) && typeof tag.Key === "string") {
                    tags[tag.Key] = typeof tag.Value === "string" ? tag.Value : "";
                }
            }
        }
        if (problems.length > before || parts === undefined || arn === undefined || name === undefined || !trust.ok) {
            return;
        }
        accounts.add(parts.accountId);
        roles.push({
            entry,
            name,
            arn,
            path: typeof raw.Path === "string" ? raw.Path : "/",
            accountId: parts.accountId,
            partition: parts.partition,
            trustPolicy: trust.document,
            inlinePolicies,
            attachedPolicies,
            permissionsBoundaryArn,
            tags,
            region: regions?.get(arn),
        });
    });

    // A customer-managed policy attached to a role must be in Policies, or what it grants is unknown:
    // `--filter Role` alone leaves them out.
    for (const role of roles) {
        role.attachedPolicies.forEach((attached, p) => {
            if (!isAwsManagedPolicyArn(attached.arn) && !policies.has(attached.arn)) {
                problem(
                    role.entry,
                    `AttachedManagedPolicies[${p}] ${attached.arn} is not in the dump's Policies, so what it grants is unknown; ` +
                        "dump without --filter (or with --filter Role LocalManagedPolicy AWSManagedPolicy)",
                );
            }
        });
    }
    if (accounts.size > 1) {
        problem("RoleDetailList", `holds roles of several accounts (${[...accounts].join(", ")}); one file per account`);
    }
    if (problems.length > 0) {
        const shown = problems.slice(0, MAX_PROBLEMS);
        if (problems.length > MAX_PROBLEMS) {
            shown.push(`${source}: ... and ${problems.length - MAX_PROBLEMS} more`);
        }
        throw new DumpError(shown);
    }
    return { source, accountId: [...accounts][0], roles, policies };
}

/** AWS-managed policies live in the `aws` account slot, in any partition. */
export function isAwsManagedPolicyArn(arn: string): boolean {
    return /^arn:[^:]+:iam::aws:policy\//.test(arn);
}

/** The document a managed policy is in effect with: its default version's. */
export function defaultDocument(policy: DumpPolicy): DumpPolicyVersion | undefined {
    return policy.versions.find((v) => v.isDefault) ?? policy.versions.find((v) => v.versionId === policy.defaultVersionId);
}
