// The stack file's shape, declared once: every key of the keyless namespace with its type,
// limits, default and description, and the fields of a repository entry. From this come the
// TypeScript types of the input, the defaults the program applies, the `config:` block of
// Pulumi.yaml, schema/stack.schema.json (editor checks and completion) and the configuration
// reference tables (tools/genConfig.ts writes them; a test keeps them current).
//
// Rules that need more than one field, or the real services (IAM quotas, GitHub's plans, the
// organisation's protection, subject formats), are a second pass over typed data
// (components/config.ts), not here.

import { z } from "zod";
import { NAME_PATTERNS } from "../names";
import { MAX_ENVIRONMENT_REVIEWERS, WAIT_TIMER_RANGE } from "../realServices/github";

/** The config namespace of the program (the project name). */
export const PROJECT = "keyless";

/** The JSON Schema of stack files, relative to the project directory; each stack file names it in its first line. */
export const STACK_SCHEMA_FILE = "schema/stack.schema.json";

// Pulumi hands the program config values as text, and a stack file may quote what is meant as a
// number or a boolean: these accept the text forms the program has always accepted.
const fromDigits = (value: unknown) => (typeof value === "string" && /^-?\d+$/.test(value) ? Number(value) : value);
const fromBooleanText = (value: unknown) => (value === "true" || value === "false" ? value === "true" : value);
const fromSingleString = (value: unknown) => (typeof value === "string" ? [value] : value);

const wholeNumber = (min: number, max: number) => z.preprocess(fromDigits, z.int().min(min).max(max));
const flag = () => z.preprocess(fromBooleanText, z.boolean());
const stringList = (item: z.ZodString, maxItems = Number.MAX_SAFE_INTEGER) => z.preprocess(fromSingleString, z.array(item).max(maxItems));

/** Limits the stack file's values must keep, with the service that sets each. */
export const LIMITS = {
    /** AWS accepts role sessions of 1 to 12 hours (IAM CreateRole MaxSessionDuration). */
    maxSessionDuration: { min: 3600, max: 43200, why: "AWS accepts 1 to 12 hours, in seconds" },
    /** GitHub's wait_timer (REST "Create or update an environment"). */
    waitTimer: { ...WAIT_TIMER_RANGE, why: "GitHub accepts 0 to 43,200 minutes (30 days)" },
    /** GitHub accepts at most six required reviewers per environment, teams and users together. */
    reviewers: MAX_ENVIRONMENT_REVIEWERS,
    /** The pipeline's deploy order: a small whole number, so that stacks sort by it. */
    deployOrder: { min: 0, max: 999, why: "a place in the pipeline's deploy order" },
} as const;

export const PATTERNS = {
    ...NAME_PATTERNS,
    enterpriseSlug: /^(?:[a-z0-9][a-z0-9-]{0,99})?$/,
    teamSlug: /^[a-z0-9][a-z0-9_.-]*$/,
    /** An IAM path: `/` or `/segment/.../`, printable ASCII without `*` or `?`. */
    iamPath: /^\/(?:[\x21-\x29\x2b-\x3e\x40-\x7e]+\/)?$/,
    /** A deployment branch or tag pattern (fnmatch; globs allowed): no whitespace or control characters. */
    deploymentRefPattern: /^[^\s\x00-\x1f\x7f]{1,255}$/,
    /** A name `pulumi config set` takes for a keyless key: a letter, then letters, digits, _ . -; at most 64. */
    configKeyName: /^[A-Za-z][A-Za-z0-9_.-]{0,63}$/,
    /** The characters a git ref name cannot hold, and the globs a trust cannot hold (names.ts isGitRefName has the rest). */
    gitRefName: /^(?![/-])[^\s~^:?*[\\\x00-\x1f\x7f]{1,255}$/,
    sid: /^[A-Za-z0-9]+$/,
    iamAction: /^(?:\*|[a-z0-9-]+:[A-Za-z0-9*?]+)$/,
    resource: /^(?:\*|arn:.*)$/,
} as const;

const refPatterns = () => stringList(z.string().regex(PATTERNS.deploymentRefPattern));
const teams = () => stringList(z.string().regex(PATTERNS.teamSlug), LIMITS.reviewers);
const users = () => stringList(z.string().regex(PATTERNS.githubOwner), LIMITS.reviewers);

const EcsPresetSchema = z
    .strictObject({
        cluster: z.string().regex(PATTERNS.ecsName).meta({ description: "The ECS cluster the services run in." }),
        services: stringList(z.string().regex(PATTERNS.ecsName)).meta({ description: "Services the job may update." }),
        ecrRepositories: stringList(z.string().min(2).max(256)).meta({ description: "ECR repositories the job pushes images to (e.g. team/api)." }),
        taskRoleArns: stringList(z.string().regex(/^arn:[a-z-]+:iam::\d{12}:role\//)).meta({
            description: "Exact ARNs of the task and execution roles the task definitions name (iam:PassRole on these only, to ecs-tasks.amazonaws.com).",
        }),
    })
    .meta({ description: "Push images to named ECR repositories and roll named ECS services onto a new task definition." });

const LambdaPresetSchema = z
    .strictObject({
        functions: stringList(z.string().regex(PATTERNS.lambdaFunctionName)).meta({ description: "Function names (not ARNs, no wildcard)." }),
    })
    .meta({ description: "Update the code of named Lambda functions and publish a version." });

const StaticSitePresetSchema = z
    .strictObject({
        bucket: z.string().min(3).max(63).meta({ description: "The S3 bucket the build is synced to." }),
        distributionId: z.string().regex(PATTERNS.cloudFrontDistributionId).meta({ description: "The CloudFront distribution to invalidate, e.g. E2QWRUHEXAMPLE." }),
    })
    .meta({ description: "Sync a build to a named S3 bucket and invalidate a named CloudFront distribution." });

const NoFields = z.strictObject({});

const StatementSchema = z
    .strictObject({
        Sid: z.string().regex(PATTERNS.sid).optional(),
        Effect: z.enum(["Allow", "Deny"]),
        Action: stringList(z.string().regex(PATTERNS.iamAction)),
        Resource: stringList(z.string().regex(PATTERNS.resource)),
        Condition: z.record(z.string(), z.record(z.string(), z.unknown())).optional(),
    })
    .meta({ description: "An IAM statement: allow-lists only (no NotAction, NotResource or Principal)." });

export const PermissionsSchema = z
    .strictObject({
        ecs: EcsPresetSchema.optional(),
        lambda: LambdaPresetSchema.optional(),
        staticSite: StaticSitePresetSchema.optional(),
        keyless: NoFields.optional().meta({
            description:
                "keyless's own deploy role (`keyless: {}`): every IAM call `pulumi up` of this stack makes, on the stack's role path, " +
                "issuer and boundaries only. Needs keyless:permissionsBoundaryArn and a role path other than /.",
        }),
        keylessRead: NoFields.optional().meta({
            description: "keyless's read-only preview and drift roles (`keylessRead: {}`); the only preset a pullRequest role may use.",
        }),
        statements: z.array(StatementSchema).optional().meta({ description: "Extra IAM statements (allow-lists only)." }),
        managedPolicyArns: stringList(z.string().regex(/^arn:[a-z-]+:iam::(?:aws|\d{12}):policy\//)).optional().meta({
            description: "Managed policies to attach (never admin ones).",
        }),
    })
    .meta({ description: "What the role may do: presets, extra statements and managed policies; at least one." });

/** Fields that shape a GitHub environment; they make no sense on branch, tag or pull_request roles. */
const environmentFields = {
    requireReviewers: flag().optional().meta({ description: "Overrides keyless:requireReviewers." }),
    reviewers: z
        .strictObject({
            teams: teams().optional().meta({ description: "Team slugs who approve deployments." }),
            users: users().optional().meta({ description: "User logins who approve deployments." }),
        })
        .optional()
        .meta({ description: `Overrides keyless:reviewerTeams and keyless:reviewerUsers (at most ${LIMITS.reviewers} together).` }),
    preventSelfReview: flag().optional().meta({ description: "Overrides keyless:preventSelfReview." }),
    waitTimer: wholeNumber(LIMITS.waitTimer.min, LIMITS.waitTimer.max).optional().meta({ description: "Overrides keyless:waitTimer." }),
    deploymentBranches: refPatterns().optional().meta({ description: "Overrides keyless:deploymentBranches." }),
    deploymentTags: refPatterns().optional().meta({ description: "Overrides keyless:deploymentTags." }),
    protectedBranchesOnly: flag().optional().meta({ description: "Overrides keyless:protectedBranchesOnly." }),
    secrets: z
        .record(z.string().regex(PATTERNS.actionsVariableName), z.string().regex(PATTERNS.configKeyName))
        .optional()
        .meta({
            description:
                "Environment secret name to the keyless config key holding its value, which must be stored encrypted " +
                "(`pulumi config set --secret <key> <value>`). Values never go in this map.",
        }),
    variables: z
        .record(z.string().regex(PATTERNS.actionsVariableName), z.string().min(1))
        .optional()
        .meta({ description: "Environment variable name to value (plaintext: anyone who can read the repository sees it; secrets go in `secrets`)." }),
};

export const ENVIRONMENT_ONLY_FIELDS = Object.keys(environmentFields) as (keyof typeof environmentFields)[];

export const RepositoryEntrySchema = z
    .strictObject({
        name: z.string().regex(PATTERNS.repositoryName).meta({ description: "Repository name, without the owner. No wildcard." }),
        environment: z.string().regex(PATTERNS.environmentName).optional().meta({ description: "The GitHub environment trusted (default: keyless:environment)." }),
        branch: z.string().regex(PATTERNS.gitRefName).optional().meta({ description: "Instead of an environment, trust one exact branch (ref:refs/heads/<branch>)." }),
        tag: z.string().regex(PATTERNS.gitRefName).optional().meta({ description: "Instead of an environment, trust one exact tag (ref:refs/tags/<tag>)." }),
        pullRequest: z.literal(true).optional().meta({ description: "Instead of an environment, trust pull_request runs (read-only presets only)." }),
        subjectFormat: z.enum(["auto", "legacy", "immutable", "both"]).optional().meta({ description: "Which `sub` form the role trusts (default auto)." }),
        ownerId: wholeNumber(1, Number.MAX_SAFE_INTEGER).optional().meta({ description: "GitHub's numeric owner ID, pinned (with repositoryId)." }),
        repositoryId: wholeNumber(1, Number.MAX_SAFE_INTEGER).optional().meta({ description: "GitHub's numeric repository ID, pinned (with ownerId)." }),
        roleName: z.string().regex(PATTERNS.iamRoleName).optional().meta({
            description: "IAM role name (default <name>-<environment>, <name>-branch-<branch>, <name>-tag-<tag>, <name>-pull-request).",
        }),
        maxSessionDuration: wholeNumber(LIMITS.maxSessionDuration.min, LIMITS.maxSessionDuration.max).optional().meta({ description: "Overrides keyless:maxSessionDuration." }),
        permissionsBoundaryArn: z.string().optional().meta({ description: "Overrides keyless:permissionsBoundaryArn." }),
        permissions: PermissionsSchema,
        ...environmentFields,
        variablePrefix: z.string().regex(PATTERNS.actionsVariableName).optional().meta({
            description: "Branch, tag and pull_request roles: the repository variables <prefix>_ROLE_ARN and <prefix>_REGION (default AWS_DEPLOY_<STACK>, AWS_PREVIEW_<STACK> for pull requests).",
        }),
    })
    .meta({ description: "One role and its GitHub side: a repository in one context (environment, branch, tag or pull requests)." });

/**
 * Every key of the keyless namespace. A key with `.default()` is optional and Pulumi.yaml
 * declares its default; a key without one is required, unless `.optional()`.
 */
export const StackSchema = z.strictObject({
    accountId: z.string().regex(PATTERNS.accountId).meta({
        description: "The 12-digit AWS account this stack deploys into. The program refuses to run with credentials for another account. Quote it in YAML.",
    }),
    environment: z.string().regex(PATTERNS.environmentName).meta({
        description: "The GitHub environment this stack's deploy roles trust (repo:OWNER/REPO:environment:<this>), e.g. production. A repository entry may name another.",
    }),
    repositories: z.array(RepositoryEntrySchema).min(1).meta({
        description: "The repositories that deploy from this stack: a list of entries (name, permissions, and optional context, protection, secrets and variables). See schema/stack.schema.json and docs/configuration.md.",
    }),
    oidcProviderArn: z.string().default("").meta({
        description: "ARN of an existing IAM OIDC provider for GitHub's issuer to adopt instead of creating one (an account holds one per issuer). Empty creates it.",
    }),
    enterpriseSlug: z.string().regex(PATTERNS.enterpriseSlug).default("").meta({
        description: "GitHub Enterprise Cloud slug whose custom issuer (token.actions.githubusercontent.com/<slug>) is enabled. Empty uses github.com's issuer.",
    }),
    rolePath: z.string().max(512).regex(PATTERNS.iamPath).default("/github-actions/").meta({ description: "IAM path of every deploy role." }),
    maxSessionDuration: wholeNumber(LIMITS.maxSessionDuration.min, LIMITS.maxSessionDuration.max).default(3600).meta({
        description: "Longest role session in seconds (AWS accepts 3600-43200).",
    }),
    permissionsBoundaryArn: z.string().default("").meta({ description: "Managed policy set as permissions boundary on every deploy role. Empty sets none." }),
    requireReviewers: flag().default(true).meta({
        description:
            "Whether every environment must name reviewers who approve deployments. An environment that the organisation's policy pack configuration (policy/config/organization.json) protects needs reviewers regardless.",
    }),
    reviewerTeams: teams().default([]).meta({ description: `Slugs of teams who approve deployments (up to ${LIMITS.reviewers} teams and users together).` }),
    reviewerUsers: users().default([]).meta({ description: "Logins of users who approve deployments." }),
    preventSelfReview: flag().default(true).meta({ description: "Whether whoever triggered a deployment is kept from approving it." }),
    waitTimer: wholeNumber(LIMITS.waitTimer.min, LIMITS.waitTimer.max).default(0).meta({ description: "Minutes an approved deployment waits before it runs (0-43200)." }),
    deploymentBranches: refPatterns().default(["main"]).meta({ description: "Branch name patterns allowed to deploy to the environments (`release/*` is fine here)." }),
    deploymentTags: refPatterns().default([]).meta({ description: "Tag name patterns allowed to deploy to the environments." }),
    protectedBranchesOnly: flag().default(false).meta({
        description: "Allow only branches with branch protection to deploy, instead of deploymentBranches/deploymentTags.",
    }),
    deployOrder: wholeNumber(LIMITS.deployOrder.min, LIMITS.deployOrder.max).optional().meta({
        description:
            "The stack's place in the pipeline's deploy order (0-999; lower deploys first, ties by stack name). Unset, it follows the stack's name: " +
            "dev, development, sandbox, test and ci are 10; stag*, qa, uat and preprod 20; prod, production and live 30; any other 20.",
    }),
});

/** A stack's keyless settings as written in the stack file (before defaults). */
export type StackInput = z.input<typeof StackSchema>;
/** A stack's keyless settings with the defaults applied. */
export type StackSettings = z.output<typeof StackSchema>;
export type RepositoryEntry = z.output<typeof RepositoryEntrySchema>;
export type PermissionsInput = z.output<typeof PermissionsSchema>;

type StackKey = keyof typeof StackSchema.shape;

/** How a key's schema is declared: its default, whether it is required, and its Pulumi.yaml type. */
export interface KeyDeclaration {
    readonly name: StackKey;
    readonly description: string;
    readonly required: boolean;
    /** Absent for keys without a default. */
    readonly default?: unknown;
    /** The type Pulumi.yaml can declare; undefined for structured keys (repositories). */
    readonly pulumiType?: "string" | "integer" | "boolean" | "array";
}

/** Strips the wrappers (default, optional, preprocess pipes) off a key's schema. */
function inner(schema: z.core.$ZodType): z.core.$ZodType {
    const def = schema._zod.def as { type: string; innerType?: z.core.$ZodType; out?: z.core.$ZodType; in?: z.core.$ZodType };
    if ((def.type === "default" || def.type === "optional") && def.innerType) return inner(def.innerType);
    if (def.type === "pipe" && def.out && def.in) return inner((def.in._zod.def as { type: string }).type === "transform" ? def.out : def.in);
    return schema;
}

function pulumiTypeOf(schema: z.core.$ZodType): KeyDeclaration["pulumiType"] {
    const type = (inner(schema)._zod.def as { type: string; element?: z.core.$ZodType }).type;
    if (type === "string" || type === "boolean") return type;
    if (type === "number") return "integer";
    if (type === "array") {
        const element = (inner(schema)._zod.def as unknown as { element: z.core.$ZodType }).element;
        return (inner(element)._zod.def as { type: string }).type === "string" ? "array" : undefined;
    }
    return undefined;
}

/** Every key of the namespace, in the order the schema declares them. */
export const KEY_DECLARATIONS: readonly KeyDeclaration[] = (Object.entries(StackSchema.shape) as [StackKey, z.ZodType][]).map(([name, schema]) => {
    const def = schema._zod.def as { type: string; defaultValue?: unknown };
    const hasDefault = def.type === "default";
    return {
        name,
        description: z.globalRegistry.get(schema)?.description ?? "",
        required: !hasDefault && def.type !== "optional",
        ...(hasDefault ? { default: structuredClone(def.defaultValue) } : {}),
        pulumiType: name === "repositories" ? undefined : pulumiTypeOf(schema),
    };
});

/** Stack-wide settings with their defaults, as Pulumi.yaml declares them. */
export const STACK_DEFAULTS = Object.fromEntries(
    KEY_DECLARATIONS.filter((declaration) => "default" in declaration).map((declaration) => [declaration.name, declaration.default]),
) as {
    -readonly [K in keyof StackSettings as undefined extends StackInput[K] ? (K extends "deployOrder" ? never : K) : never]: StackSettings[K];
};

/** Keys of type string: the Pulumi CLI hands them over as they are, the others as JSON text. */
export const STRING_KEYS: readonly string[] = KEY_DECLARATIONS.filter((declaration) => declaration.pulumiType === "string").map(
    (declaration) => declaration.name,
);

/** Keys without a default: a stack must set them. */
export const REQUIRED_KEYS = KEY_DECLARATIONS.filter((declaration) => declaration.required).map((declaration) => declaration.name);

/** Every key keyless reads in its namespace. */
export const KNOWN_KEYS: readonly string[] = KEY_DECLARATIONS.map((declaration) => declaration.name);

export const REPOSITORY_FIELDS = Object.keys(RepositoryEntrySchema.shape) as readonly (keyof typeof RepositoryEntrySchema.shape)[];
export const PERMISSION_FIELDS = Object.keys(PermissionsSchema.shape) as readonly (keyof typeof PermissionsSchema.shape)[];
export const STATEMENT_FIELDS = Object.keys(StatementSchema.shape) as readonly string[];
export const SUBJECT_FORMATS = RepositoryEntrySchema.shape.subjectFormat.unwrap().options;

/** Provider keys of other namespaces that keyless reads, with what each must be. */
export const PROVIDER_KEYS = {
    "github:owner": {
        pattern: PATTERNS.githubOwner,
        expected: "a GitHub organisation or user login",
        command: "pulumi config set github:owner <org>",
        description: "The GitHub organisation or user whose repositories this stack serves. The GitHub provider reads it too.",
    },
    "aws:region": {
        pattern: PATTERNS.region,
        expected: "an AWS region such as eu-west-1",
        command: "pulumi config set aws:region <region>",
        description: "The stack's region; published to each environment as AWS_REGION.",
    },
} as const;
