// AWS-managed policies that are admin access by name.
//
// Only AWS-managed ARNs (account slot `aws`) are judged by name, in any partition, including an
// unresolved CloudFormation-style `${AWS::Partition}`. A customer-managed policy that merely shares the
// name (arn:aws:iam::123456789012:policy/AdministratorAccess) is judged by its document instead.

import { Finding, AdminOptions } from "./types";

/** Always admin, whatever the configuration says. */
export const ALWAYS_ADMIN_POLICIES: readonly string[] = ["AdministratorAccess", "IAMFullAccess"];

const AWS_MANAGED_ARN = /^arn:(\$\{[^}]*\}|[^:]*):iam::aws:policy\/(.+)$/;

const WHY: Record<string, string> = {
    administratoraccess: "which grants every action on every resource",
    iamfullaccess: "which lets the holder attach AdministratorAccess to itself",
};

/** The managed policy's name when `arn` is an AWS-managed policy ARN. */
export function awsManagedPolicyName(arn: string): string | undefined {
    const match = AWS_MANAGED_ARN.exec(arn);
    if (match === null) {
        return undefined;
    }
    const path = match[2];
    return path.slice(path.lastIndexOf("/") + 1);
}

/** Names configured as admin: the fixed ones plus `additionalAdminPolicies` (names, or ARNs whose last segment is used). */
export function adminPolicyNames(options: AdminOptions = {}): Set<string> {
    const names = new Set(ALWAYS_ADMIN_POLICIES.map((name) => name.toLowerCase()));
    for (const entry of options.additionalAdminPolicies ?? []) {
        if (typeof entry === "string" && entry.trim() !== "") {
            names.add(entry.slice(entry.lastIndexOf("/") + 1).trim().toLowerCase());
        }
    }
    return names;
}

/** A finding when `arn` attaches an admin-equivalent AWS-managed policy. Never throws. */
export function checkManagedPolicyArn(arn: string, options: AdminOptions = {}): Finding | undefined {
    if (typeof arn !== "string") {
        return undefined;
    }
    const name = awsManagedPolicyName(arn);
    if (name === undefined || !adminPolicyNames(options).has(name.toLowerCase())) {
        return undefined;
    }
    const why = WHY[name.toLowerCase()] ?? "which is listed as admin-equivalent in additionalAdminPolicies";
    return {
        policy: "iam-no-admin-access",
        location: arn,
        message: `attaches the AWS-managed policy ${name}, ${why}. Attach a customer-managed policy that grants only the actions and resources this principal needs.`,
    };
}
