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
import { show } from "../configReader";
import { isDeploymentRefPattern, isEcrRepositoryName, isGitRefName, isIamPath, isS3BucketName, NAME_PATTERNS } from "../names";
import { IAM_LIMITS } from "../realServices/iam";
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

// Each field carries the words of its problems: the key path is added where it is read
// (components/config/issues.ts), values are shown with `show` (credentials never echoed).

/** A string; with a rule, the problem says what the value is not (`"api*" is not a repository name ...`). */
function text(rule?: { pattern?: RegExp; test?: (value: string) => boolean; expected: string | ((value: string) => string) }) {
    let schema = z.string({ error: (issue) => `expected a string, got ${show(issue.input)}` });
    if (!rule) return schema;
    const expected = rule.expected;
    const problem = (issue: { input: unknown }) =>
        `${show(issue.input)} is not ${typeof expected === "string" ? expected : expected(String(issue.input))}`;
    if (rule.pattern) schema = schema.regex(rule.pattern, { error: problem });
    if (rule.test) schema = schema.refine(rule.test, { error: problem });
    return schema;
}

/** A whole number within a range; digit strings count (Pulumi passes config as text). */
const wholeNumber = (range: { min: number; max: number; why: string }) =>
    z.preprocess(
        fromDigits,
        z
            .int({ error: (issue) => `expected a whole number, got ${show(issue.input)}` })
            .min(range.min, { error: (issue) => `${String(issue.input)} is outside ${range.min}-${range.max} (${range.why})` })
            .max(range.max, { error: (issue) => `${String(issue.input)} is outside ${range.min}-${range.max} (${range.why})` }),
    );
const flag = () => z.preprocess(fromBooleanText, z.boolean({ error: (issue) => `expected true or false, got ${show(issue.input)}` }));
/** A list of strings; one string stands for a list of one. */
const stringList = (item: z.ZodType<string>) =>
    z.preprocess(fromSingleString, z.array(item, { error: (issue) => `expected a list of strings, got ${show(issue.input)}` }));
/** GitHub's numeric ID of an owner or repository. */
const githubId = () =>
    z.preprocess(
        fromDigits,
        z.int({ error: (issue) => `expected GitHub's numeric ID (a positive whole number), got ${show(issue.input)}` }).min(1, {
            error: (issue) => `expected GitHub's numeric ID (a positive whole number), got ${show(issue.input)}`,
        }),
    );

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

/** The fix for an account ID that is nearly one: dashes as the console shows it, or lost digits. */
function accountIdHint(value: string): string {
    const digits = value.replace(/[-\s]/g, "");
    if (digits !== value && PATTERNS.accountId.test(digits)) return `; write it without dashes: "${digits}"`;
    if (/^\d{1,11}$/.test(value)) {
        return `; it has ${value.length} digit${value.length === 1 ? "" : "s"}: if it begins with 0, YAML read it as a number and dropped the zeros, so write all 12 digits in quotes`;
    }
    return "";
}

/** The fix for a region missing a dash (`us-east1` for us-east-1). */
function regionHint(value: string): string {
    const fixed = value.replace(/^([a-z]{2}(?:-[a-z]+)+)(\d)$/, "$1-$2");
    return fixed !== value && PATTERNS.region.test(fixed) ? `; did you mean ${fixed}?` : "";
}

/** The field schemas, each with the words of its problems; the stack and entry schemas below are built from them. */
export const FIELDS = {
    text: text(),
    textList: stringList(text()),
    accountId: text({ pattern: PATTERNS.accountId, expected: (value) => `a 12-digit AWS account ID (quote it in YAML so leading zeros survive)${accountIdHint(value)}` }),
    environment: text({ pattern: PATTERNS.environmentName, expected: "a GitHub environment name (letters, digits, space, . _ - /; no * ? or :)" }),
    enterpriseSlug: text({ pattern: PATTERNS.enterpriseSlug, expected: "an enterprise slug (lowercase letters, digits and -) or empty for github.com" }),
    rolePath: text({
        pattern: PATTERNS.iamPath,
        test: isIamPath,
        expected: `an IAM path such as /github-actions/ (at most ${IAM_LIMITS.path} printable ASCII characters, beginning and ending with /, no * or ?)`,
    }),
    maxSessionDuration: wholeNumber(LIMITS.maxSessionDuration),
    waitTimer: wholeNumber(LIMITS.waitTimer),
    deployOrder: wholeNumber(LIMITS.deployOrder),
    flag: flag(),
    // The limit of six is on teams and users together, checked over both (components/config.ts);
    // the JSON Schema can only say it of each list.
    teams: stringList(text({ pattern: PATTERNS.teamSlug, expected: "a team slug (the lowercase name in the team's URL, without the organisation)" })).meta({ maxItems: LIMITS.reviewers }),
    users: stringList(text({ pattern: PATTERNS.githubOwner, expected: "a GitHub user login" })).meta({ maxItems: LIMITS.reviewers }),
    refPatterns: stringList(text({ pattern: PATTERNS.deploymentRefPattern, test: isDeploymentRefPattern, expected: "a branch or tag name pattern such as main or release/*" })),
    repositoryName: text({ pattern: PATTERNS.repositoryName, expected: "a repository name (letters, digits, . _ -; no owner, no wildcard)" }),
    branch: text({ pattern: PATTERNS.gitRefName, test: isGitRefName, expected: "one exact branch name (no * ? [ or spaces): a trust names one branch" }),
    tag: text({ pattern: PATTERNS.gitRefName, test: isGitRefName, expected: "one exact tag name (no * ? [ or spaces): a trust names one tag" }),
    subjectFormat: z.enum(["auto", "legacy", "immutable", "both"], {
        error: (issue) =>
            typeof issue.input === "string" ? `${show(issue.input)} is not one of auto, legacy, immutable, both` : `expected a string, got ${show(issue.input)}`,
    }),
    githubId: githubId(),
    variablePrefix: text({ pattern: PATTERNS.actionsVariableName, expected: "a GitHub Actions variable name prefix (letters, digits, _; not GITHUB_)" }),
    ecsCluster: text({ pattern: PATTERNS.ecsName, expected: "an ECS cluster name" }),
    ecsServices: stringList(text({ pattern: PATTERNS.ecsName, expected: "an ECS service name" })),
    ecrRepositories: stringList(text({ test: isEcrRepositoryName, expected: "an ECR repository name (lowercase, e.g. team/api)" })),
    lambdaFunctions: stringList(text({ pattern: PATTERNS.lambdaFunctionName, expected: "a Lambda function name (not an ARN, no wildcard)" })),
    s3Bucket: text({ test: isS3BucketName, expected: "an S3 bucket name" }),
    distributionId: text({ pattern: PATTERNS.cloudFrontDistributionId, expected: "a CloudFront distribution ID such as E2QWRUHEXAMPLE" }),
    sid: text({ pattern: PATTERNS.sid, expected: "an alphanumeric Sid" }),
    effect: z.enum(["Allow", "Deny"], {
        error: (issue) => (typeof issue.input === "string" ? `${show(issue.input)} is not Allow or Deny` : `expected a string, got ${show(issue.input)}`),
    }),
    actions: stringList(text({ pattern: PATTERNS.iamAction, expected: "an IAM action such as s3:GetObject" })),
    resources: stringList(text({ pattern: PATTERNS.resource, expected: 'an ARN (or "*")' })),
    githubOwner: text({ pattern: PATTERNS.githubOwner, expected: "a GitHub organisation or user login (set it with `pulumi config set github:owner <org>`)" }),
    region: text({
        pattern: PATTERNS.region,
        expected: (value) => `an AWS region such as eu-west-1${regionHint(value)} (set it with \`pulumi config set aws:region <region>\`)`,
    }),
};

const EcsPresetSchema = z
    .strictObject({
        cluster: FIELDS.ecsCluster.meta({ description: "The ECS cluster the services run in." }),
        services: FIELDS.ecsServices.meta({ description: "Services the job may update." }),
        ecrRepositories: FIELDS.ecrRepositories.meta({ description: "ECR repositories the job pushes images to (e.g. team/api)." }),
        taskRoleArns: FIELDS.textList.meta({
            description: "Exact ARNs of the task and execution roles the task definitions name (iam:PassRole on these only, to ecs-tasks.amazonaws.com).",
        }),
    })
    .meta({ description: "Push images to named ECR repositories and roll named ECS services onto a new task definition." });

const LambdaPresetSchema = z
    .strictObject({
        functions: FIELDS.lambdaFunctions.meta({ description: "Function names (not ARNs, no wildcard)." }),
    })
    .meta({ description: "Update the code of named Lambda functions and publish a version." });

const StaticSitePresetSchema = z
    .strictObject({
        bucket: FIELDS.s3Bucket.meta({ description: "The S3 bucket the build is synced to." }),
        distributionId: FIELDS.distributionId.meta({ description: "The CloudFront distribution to invalidate, e.g. E2QWRUHEXAMPLE." }),
    })
    .meta({ description: "Sync a build to a named S3 bucket and invalidate a named CloudFront distribution." });

const NoFields = z.strictObject({});

const StatementSchema = z
    .strictObject({
        Sid: FIELDS.sid.optional(),
        Effect: FIELDS.effect,
        Action: FIELDS.actions,
        Resource: FIELDS.resources,
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
        managedPolicyArns: FIELDS.textList.optional().meta({
            description: "Managed policies to attach (never admin ones).",
        }),
    })
    .meta({
        description:
            "Presets (`ecs`, `lambda`, `staticSite`, and for keyless's own roles `keyless` and `keylessRead`), extra IAM `statements`, " +
            "and `managedPolicyArns` (never admin ones). At least one.",
    });

/** Fields that shape a GitHub environment; they make no sense on branch, tag or pull_request roles. */
const environmentFields = {
    requireReviewers: FIELDS.flag.optional().meta({ description: "Overrides `keyless:requireReviewers` for this repository." }),
    reviewers: z
        .strictObject({
            teams: FIELDS.teams.optional().meta({ description: "Team slugs who approve deployments." }),
            users: FIELDS.users.optional().meta({ description: "User logins who approve deployments." }),
        })
        .optional()
        .meta({ description: `Overrides \`keyless:reviewerTeams\` and \`keyless:reviewerUsers\` for this repository (at most ${LIMITS.reviewers} together).` }),
    preventSelfReview: FIELDS.flag.optional().meta({ description: "Overrides `keyless:preventSelfReview` for this repository." }),
    waitTimer: FIELDS.waitTimer.optional().meta({ description: "Overrides `keyless:waitTimer` for this repository." }),
    deploymentBranches: FIELDS.refPatterns.optional().meta({ description: "Overrides `keyless:deploymentBranches` for this repository." }),
    deploymentTags: FIELDS.refPatterns.optional().meta({ description: "Overrides `keyless:deploymentTags` for this repository." }),
    protectedBranchesOnly: FIELDS.flag.optional().meta({ description: "Overrides `keyless:protectedBranchesOnly` for this repository." }),
    secrets: z
        .record(z.string().regex(PATTERNS.actionsVariableName), z.string().regex(PATTERNS.configKeyName))
        .optional()
        .meta({
            description:
                "Environment secret name to the keyless config key holding its value, which must be stored encrypted " +
                "(`pulumi config set --secret <key> <value>`). Values stay Pulumi secrets from the stack file to GitHub, and never go in this map.",
        }),
    variables: z
        .record(z.string().regex(PATTERNS.actionsVariableName), z.string().min(1))
        .optional()
        .meta({ description: "Environment variable name to value. Plaintext: anyone who can read the repository sees it; a credential-shaped value is warned about (secrets go in `secrets`)." }),
};

export const ENVIRONMENT_ONLY_FIELDS = Object.keys(environmentFields) as (keyof typeof environmentFields)[];

export const RepositoryEntrySchema = z
    .strictObject({
        name: FIELDS.repositoryName.meta({ description: "Repository name, without the owner. No wildcard." }),
        environment: FIELDS.environment.optional().meta({ description: "The GitHub environment trusted (default: `keyless:environment`)." }),
        branch: FIELDS.branch.optional().meta({
            description:
                "Instead of an environment, trust one exact branch (`ref:refs/heads/<branch>`). Exclusive with environment, tag and pullRequest: " +
                "list a repository twice for two contexts. The role's ARN and region go into the repository variables `<variablePrefix>_ROLE_ARN` and `_REGION`.",
        }),
        tag: FIELDS.tag.optional().meta({ description: "Instead of an environment, trust one exact tag (`ref:refs/tags/<tag>`); published like a branch role." }),
        // `false` does nothing, and is refused as such (components/config.ts).
        pullRequest: FIELDS.flag.optional().meta({ const: true, description:
                "Instead of an environment, trust `pull_request` runs. No deployment presets: pull request runs execute whatever a contributor pushed. " +
                "Published like a branch role (default prefix `AWS_PREVIEW_<STACK>`).",
        }),
        subjectFormat: FIELDS.subjectFormat.optional().meta({ description: "Which `sub` form the role trusts: `auto` (default), `immutable`, `legacy` or `both` (see Immutable subjects)." }),
        ownerId: FIELDS.githubId.optional().meta({ description: "GitHub's numeric owner ID, pinned in the config (together with repositoryId or not at all)." }),
        repositoryId: FIELDS.githubId.optional().meta({ description: "GitHub's numeric repository ID, pinned in the config (together with ownerId or not at all)." }),
        // Checked with the derived name, which has no key of its own (components/config.ts).
        roleName: FIELDS.text.optional().meta({ pattern: PATTERNS.iamRoleName.source,
            description:
                "IAM role name. Default `<name>-<context>-<stack>`, `<context>` being the environment, `branch-<branch>`, `tag-<tag>` or `pull-request`, " +
                "without `-<stack>` when the context is the stack's own name (`orders-api-dev`, `keyless-pull-request-dev`): role names are unique per AWS account.",
        }),
        maxSessionDuration: FIELDS.maxSessionDuration.optional().meta({ description: "Overrides `keyless:maxSessionDuration` for this repository." }),
        permissionsBoundaryArn: FIELDS.text.optional().meta({ description: "Overrides `keyless:permissionsBoundaryArn` for this repository." }),
        permissions: PermissionsSchema,
        ...environmentFields,
        variablePrefix: FIELDS.variablePrefix.optional().meta({
            description:
                "Branch, tag and pull request roles: the prefix of the repository variables `<prefix>_ROLE_ARN` and `<prefix>_REGION` " +
                "(default `AWS_DEPLOY_<STACK>`, `AWS_PREVIEW_<STACK>` for pull requests).",
        }),
    })
    .meta({ description: "One role and its GitHub side: a repository in one context (environment, branch, tag or pull requests)." });

/**
 * Every key of the keyless namespace. A key with `.default()` is optional and Pulumi.yaml
 * declares its default; a key without one is required, unless `.optional()`.
 */
export const StackSchema = z.strictObject({
    accountId: FIELDS.accountId.meta({
        description: "The 12-digit AWS account of the stack. The program refuses credentials for another account. Quote it in YAML.",
    }),
    environment: FIELDS.environment.meta({
        description: "The GitHub environment the deploy roles trust (`repo:OWNER/REPO:environment:<this>`), e.g. `prod`. A repository entry may name another.",
    }),
    repositories: z.array(RepositoryEntrySchema).min(1).meta({
        description: "The repository entries: one role and its GitHub side each (name, permissions, and optional context, protection, secrets and variables; see docs/configuration.md).",
    }),
    oidcProviderArn: FIELDS.text.default("").meta({
        description:
            "Adopt this existing provider instead of creating one (an account holds one provider per issuer: the second stack in an account adopts the first one's). " +
            "Empty creates it; each run asks AWS whether the account already holds GitHub's provider and refuses one it did not create, naming the ARN to put here.",
    }),
    enterpriseSlug: FIELDS.enterpriseSlug.default("").meta({
        description: "GitHub Enterprise Cloud slug with a custom issuer: the provider URL and every condition key become `token.actions.githubusercontent.com/<slug>`. Empty uses github.com's issuer.",
    }),
    rolePath: FIELDS.rolePath.default("/github-actions/").meta({
        description:
            "IAM path of the roles. Each stack in an account needs a path no other stack's covers (`/github-actions-staging/` beside `/github-actions/`, " +
            "as `npm run new-stack` writes: IAM's `*` matches `/`, so `role/github-actions/*` covers a nested `/github-actions/staging/`).",
    }),
    maxSessionDuration: FIELDS.maxSessionDuration.default(3600).meta({
        description: "Longest session, in seconds (AWS accepts 3600-43200).",
    }),
    permissionsBoundaryArn: FIELDS.text.default("").meta({ description: "Permissions boundary set on every role. Empty sets none." }),
    requireReviewers: FIELDS.flag.default(true).meta({
        description:
            "Every environment must name reviewers. Set `false` for a stack (such as dev) whose environments deploy without approval; " +
            "an environment the organisation's pack configuration (policy/config/organization.json) protects needs reviewers anyway.",
    }),
    reviewerTeams: FIELDS.teams.default([]).meta({
        description: `Team slugs who approve deployments (at most ${LIMITS.reviewers} teams and users together). keyless looks up the numeric IDs GitHub's API needs.`,
    }),
    reviewerUsers: FIELDS.users.default([]).meta({ description: `User logins who approve deployments (at most ${LIMITS.reviewers} teams and users together).` }),
    preventSelfReview: FIELDS.flag.default(true).meta({
        description: "Whoever triggered a run cannot approve it. Sent only to environments with reviewers (GitHub refuses it without any).",
    }),
    waitTimer: FIELDS.waitTimer.default(0).meta({ description: "Minutes an approved job waits before it runs (0-43200)." }),
    deploymentBranches: FIELDS.refPatterns.default(["main"]).meta({ description: "Branch name patterns (`release/*` is fine here) that may deploy to the environments." }),
    deploymentTags: FIELDS.refPatterns.default([]).meta({ description: "Tag name patterns that may deploy to the environments." }),
    protectedBranchesOnly: FIELDS.flag.default(false).meta({
        description: "Instead of the patterns, only branches with branch protection may deploy.",
    }),
    deployOrder: FIELDS.deployOrder.optional().meta({
        description:
            "The stack's place in the pipeline's deploy order (0-999; lower deploys first, ties by stack name). Unset, it follows the stack's name: " +
            "`dev`, `development`, `sandbox`, `test` and `ci` are 10; `stag*`, `qa`, `uat` and `preprod` 20; `prod`, `production` and `live` 30; any other 20.",
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
        description: "The stack's region; published to each environment as `AWS_REGION`.",
    },
} as const;
