// Naming rules of GitHub and AWS that keyless checks before anything is created. Each rule is
// stricter than "whatever the API accepts" only where a looser value would put a wildcard or a
// separator into a trust policy.

/**
 * The rules that are one regular expression, shared with the stack-file schema
 * (components/config/schema.ts), which writes them into the JSON Schema as `pattern`.
 */
export const NAME_PATTERNS = {
    githubOwner: /^[A-Za-z0-9](?:[A-Za-z0-9]|-(?=[A-Za-z0-9])){0,38}$/,
    repositoryName: /^(?!\.\.?$)[A-Za-z0-9._-]{1,100}$/,
    environmentName: /^[A-Za-z0-9._-](?:[A-Za-z0-9 ._/-]{0,253}[A-Za-z0-9._-])?$/,
    actionsVariableName: /^(?![Gg][Ii][Tt][Hh][Uu][Bb]_)[A-Za-z_][A-Za-z0-9_]{0,254}$/,
    iamRoleName: /^[A-Za-z0-9+=,.@_-]{1,64}$/,
    accountId: /^\d{12}$/,
    region: /^[a-z]{2}(?:-[a-z]+)+-\d$/,
    lambdaFunctionName: /^[A-Za-z0-9_-]{1,64}$/,
    ecsName: /^[A-Za-z0-9_-]{1,255}$/,
    cloudFrontDistributionId: /^[A-Z0-9]{10,20}$/,
} as const;

/** GitHub user or organisation login: alphanumerics and single inner hyphens, at most 39. */
export function isGithubOwner(value: string): boolean {
    return NAME_PATTERNS.githubOwner.test(value);
}

/** GitHub repository name: letters, digits, `.`, `_`, `-`, at most 100, not `.` or `..`. */
export function isRepositoryName(value: string): boolean {
    return NAME_PATTERNS.repositoryName.test(value);
}

/**
 * GitHub environment name as it appears in the OIDC subject. GitHub accepts more, but `:` would
 * shift the claim's fields and `*`/`?` would read as wildcards to anyone auditing a StringLike.
 */
export function isEnvironmentName(value: string): boolean {
    return NAME_PATTERNS.environmentName.test(value);
}

/**
 * A branch or tag name that can appear in `ref:refs/heads/<name>`: git's ref-name rules, minus
 * the glob characters (`*`, `?`, `[`) because a trust names one ref exactly.
 */
export function isGitRefName(value: string): boolean {
    if (value.length === 0 || value.length > 255) return false;
    if (/[\s~^:?*[\\\x00-\x1f\x7f]/.test(value)) return false;
    if (value.startsWith("/") || value.endsWith("/") || value.startsWith("-")) return false;
    if (value.endsWith(".") || value.endsWith(".lock") || value.includes("..")) return false;
    if (value.includes("//") || value.includes("@{") || value === "@") return false;
    return value.split("/").every((part) => !part.startsWith("."));
}

/**
 * A deployment branch or tag pattern for a GitHub environment (fnmatch syntax: `release/*` is
 * allowed here, because it restricts which refs may deploy rather than who may assume a role).
 */
export function isDeploymentRefPattern(value: string): boolean {
    return value.length > 0 && value.length <= 255 && !/[\s\x00-\x1f\x7f]/.test(value);
}

/** GitHub Actions secret or variable name. */
export function isActionsVariableName(value: string): boolean {
    return NAME_PATTERNS.actionsVariableName.test(value);
}

/** IAM role name. */
export function isIamRoleName(value: string): boolean {
    return NAME_PATTERNS.iamRoleName.test(value);
}

/** IAM path: `/` or `/segment/.../`. */
export function isIamPath(value: string): boolean {
    return value.length <= 512 && /^\/(?:[\x21-\x7e]+\/)?$/.test(value) && !/[*?]/.test(value);
}

/** AWS account ID. */
export function isAccountId(value: string): boolean {
    return NAME_PATTERNS.accountId.test(value);
}

/** AWS region code, e.g. `eu-west-1`, `us-gov-west-1`, `cn-north-1`. */
export function isRegion(value: string): boolean {
    return NAME_PATTERNS.region.test(value);
}

export type Partition = "aws" | "aws-cn" | "aws-us-gov";

/** The partition a region belongs to. */
export function partitionOf(region: string): Partition {
    if (region.startsWith("cn-")) return "aws-cn";
    if (region.startsWith("us-gov-")) return "aws-us-gov";
    return "aws";
}

/** The audience GitHub's token must carry for STS in that partition. */
export function stsAudience(partition: Partition): string {
    return partition === "aws-cn" ? "sts.amazonaws.com.cn" : "sts.amazonaws.com";
}

export interface Arn {
    readonly partition: string;
    readonly service: string;
    readonly region: string;
    readonly account: string;
    readonly resource: string;
}

/** Splits an ARN into its fields, or returns undefined when it is not one. */
export function parseArn(value: string): Arn | undefined {
    const match = /^arn:([a-z-]+):([a-z0-9-]+):([a-z0-9-]*):(\d{12}|aws|):(.+)$/.exec(value);
    if (!match) return undefined;
    const [, partition, service, region, account, resource] = match;
    return { partition, service, region, account, resource };
}

/** Lambda function name (not an ARN). */
export function isLambdaFunctionName(value: string): boolean {
    return NAME_PATTERNS.lambdaFunctionName.test(value);
}

/** ECS cluster or service name. */
export function isEcsName(value: string): boolean {
    return NAME_PATTERNS.ecsName.test(value);
}

/** ECR repository name, including namespaces such as `team/api`. */
export function isEcrRepositoryName(value: string): boolean {
    return (
        value.length >= 2 &&
        value.length <= 256 &&
        /^(?:[a-z0-9]+(?:[._-][a-z0-9]+)*\/)*[a-z0-9]+(?:[._-][a-z0-9]+)*$/.test(value)
    );
}

/** S3 bucket name (general purpose buckets). */
export function isS3BucketName(value: string): boolean {
    return (
        /^[a-z0-9][a-z0-9.-]{1,61}[a-z0-9]$/.test(value) &&
        !value.includes("..") &&
        !/^\d+\.\d+\.\d+\.\d+$/.test(value)
    );
}

/** CloudFront distribution ID. */
export function isCloudFrontDistributionId(value: string): boolean {
    return NAME_PATTERNS.cloudFrontDistributionId.test(value);
}

/** The ARN of an IAM role: `arn:<partition>:iam::<account>:role<path><name>` (the path is part of it). */
export function iamRoleArn(partition: string, accountId: string, path: string, roleName: string): string {
    return `arn:${partition}:iam::${accountId}:role${path}${roleName}`;
}

/**
 * The default IAM role name of a repository entry, unique per stack: IAM role names are unique
 * per account (CreateRole answers EntityAlreadyExists), and several stacks may share an account.
 * `<repository>-<context label>`, then `-<stack>` unless the label is already the stack's name
 * (an environment role of the stack's own environment: `orders-api-dev`), so a dev and a staging
 * stack in one account get `keyless-pull-request-dev` and `keyless-pull-request-staging`.
 * Pure: `contextLabel` is components/subjects.ts contextLabel of the entry's context.
 */
export function defaultRoleName(repository: string, contextLabel: string, stack: string): string {
    const stackPart = stack.replace(/[^A-Za-z0-9_.-]+/g, "-");
    return contextLabel === stackPart ? `${repository}-${contextLabel}` : `${repository}-${contextLabel}-${stackPart}`;
}

/**
 * The role path of a stack that shares its account with other stacks of the project: a sibling
 * of the base path (`/github-actions/` becomes `/github-actions-staging/`), so neither stack's
 * `role<path>*` covers a role of the other (IAM's `*` matches `/`, so a nested path such as
 * `/github-actions/staging/` would still be covered by the base stack's `role/github-actions/*`).
 */
export function stackRolePath(basePath: string, stack: string): string {
    const trimmed = basePath.replace(/\/+$/, "");
    return `${trimmed === "" ? "/keyless" : trimmed}-${stack.replace(/[^A-Za-z0-9_.-]+/g, "-")}/`;
}

/** Whether one stack's roles (`role<a>*`) could cover a role of the other's path, or the reverse. */
export function rolePathsOverlap(a: string, b: string): boolean {
    return a.startsWith(b) || b.startsWith(a);
}

/** A managed policy's ARN with `-<stack>` after its name: a stack's own permissions boundary in a shared account. */
export function stackPolicyArn(policyArn: string, stack: string): string {
    return `${policyArn}-${stack.replace(/[^A-Za-z0-9_.-]+/g, "-")}`;
}
