// The stack's config: what keyless reads, its defaults, and every check made before anything
// is created. Pure: plain config values in, a validated plan of deployments (or every problem
// at once) out.

import { checkManagedPolicyArn, checkPermissionPolicy } from "../policy/analysis";
import {
    didYouMean,
    isObject,
    JsonObject,
    KeylessConfigError,
    parseJsonConfig,
    Problems,
    readBoolean,
    readInteger,
    readString,
    readStringList,
    rejectDuplicates,
    rejectUnknownFields,
    looksLikeCredential,
    shapeOf,
    show,
} from "./configReader";
import { permissionPolicy } from "./documents";
import {
    isAccountId,
    isActionsVariableName,
    isCloudFrontDistributionId,
    isDeploymentRefPattern,
    isEcrRepositoryName,
    isEcsName,
    isEnvironmentName,
    isGithubOwner,
    isGitRefName,
    isIamPath,
    isIamRoleName,
    isLambdaFunctionName,
    isRegion,
    isRepositoryName,
    isS3BucketName,
    defaultRoleName,
    iamRoleArn,
    Partition,
    parseArn,
    partitionOf,
    stsAudience,
} from "./names";
import { PermissionPresets, PolicyDocument, PRESET_FIELDS, presetStatements, READ_ONLY_PRESETS, ResourceScope, Statement } from "./presets";
import { MAX_ENVIRONMENT_REVIEWERS, WAIT_TIMER_RANGE } from "./realServices/github";
import { IAM_LIMITS } from "./realServices/iam";
import { contextLabel, issuerHost, SubjectFormat, TrustContext } from "./subjects";

/** The config namespace of the program (the project name). */
export const PROJECT = "keyless";

/**
 * Stack-wide settings with their defaults. Pulumi.yaml declares the same keys, types and
 * defaults (a test keeps the two in step); the program applies them itself so that a stack
 * run under mocks behaves exactly like one run by the CLI.
 */
export const STACK_DEFAULTS = {
    oidcProviderArn: "",
    enterpriseSlug: "",
    rolePath: "/github-actions/",
    maxSessionDuration: 3600,
    permissionsBoundaryArn: "",
    requireReviewers: true,
    reviewerTeams: [] as string[],
    reviewerUsers: [] as string[],
    preventSelfReview: true,
    waitTimer: 0,
    deploymentBranches: ["main"] as string[],
    deploymentTags: [] as string[],
    protectedBranchesOnly: false,
};

/** Keys of type string in Pulumi.yaml. */
export const STRING_KEYS = ["accountId", "environment", "oidcProviderArn", "enterpriseSlug", "rolePath", "permissionsBoundaryArn"];

/** Keys without a default: a stack must set them. */
export const REQUIRED_KEYS = ["accountId", "environment", "repositories"] as const;

/** Environment secret and variable keyless always sets; config may not redefine them. */
export const ROLE_ARN_SECRET = "AWS_DEPLOY_ROLE_ARN";
export const REGION_VARIABLE = "AWS_REGION";

const MAX_SESSION = { min: 3600, max: 43200, why: "AWS accepts 1 to 12 hours, in seconds" };
const WAIT_TIMER = { ...WAIT_TIMER_RANGE, why: "GitHub accepts 0 to 43,200 minutes (30 days)" };
const MAX_REVIEWERS = MAX_ENVIRONMENT_REVIEWERS;

/** Fields that shape a GitHub environment; they make no sense on branch, tag or pull_request roles. */
const ENVIRONMENT_ONLY_FIELDS = [
    "requireReviewers",
    "reviewers",
    "preventSelfReview",
    "waitTimer",
    "deploymentBranches",
    "deploymentTags",
    "protectedBranchesOnly",
    "secrets",
    "variables",
] as const;
const REPOSITORY_FIELDS = [
    "name",
    "environment",
    "branch",
    "tag",
    "pullRequest",
    "subjectFormat",
    "ownerId",
    "repositoryId",
    "roleName",
    "maxSessionDuration",
    "permissionsBoundaryArn",
    "permissions",
    ...ENVIRONMENT_ONLY_FIELDS,
    "variablePrefix",
] as const;
const PERMISSION_FIELDS = ["ecs", "lambda", "staticSite", "keyless", "keylessRead", "statements", "managedPolicyArns"] as const;
const STATEMENT_FIELDS = ["Sid", "Effect", "Action", "Resource", "Condition"] as const;
const SUBJECT_FORMATS = ["auto", "legacy", "immutable", "both"] as const;

/** Config values as the Pulumi runtime hands them over. */
export interface StackConfigSource {
    readonly stack: string;
    /** Full key (`keyless:repositories`, `github:owner`, `aws:region`) to its value as text. */
    readonly values: Readonly<Record<string, string | undefined>>;
    /** Full keys whose values are stored encrypted in the stack file. */
    readonly secretKeys: ReadonlySet<string>;
}

export interface EnvironmentProtection {
    readonly requireReviewers: boolean;
    readonly reviewerTeams: readonly string[];
    readonly reviewerUsers: readonly string[];
    readonly preventSelfReview: boolean;
    /** Minutes a job waits after it is approved. */
    readonly waitTimer: number;
    /** Either only protected branches may deploy, or the named branch and tag patterns. */
    readonly branchPolicy:
        | { readonly kind: "protectedBranches" }
        | { readonly kind: "selectedRefs"; readonly branches: readonly string[]; readonly tags: readonly string[] };
}

/** What a deployment publishes on the GitHub side. */
export type GithubTarget =
    | {
          readonly kind: "environment";
          readonly environment: string;
          readonly protection: EnvironmentProtection;
          /** Environment secret name to the config key (without namespace) holding its value. */
          readonly secrets: readonly { readonly name: string; readonly configKey: string }[];
          readonly variables: readonly { readonly name: string; readonly value: string }[];
      }
    | {
          readonly kind: "repositoryVariables";
          /** Repository variables `<prefix>_ROLE_ARN` and `<prefix>_REGION`. */
          readonly prefix: string;
      };

/** One role and its GitHub side, fully validated. */
export interface Deployment {
    /** The config path of the entry, used in messages (`keyless:repositories[2]`). */
    readonly key: string;
    readonly repository: string;
    readonly context: TrustContext;
    readonly subjectFormat: SubjectFormat | "auto";
    readonly ownerId?: number;
    readonly repositoryId?: number;
    readonly roleName: string;
    readonly maxSessionDuration: number;
    readonly permissionsBoundaryArn?: string;
    readonly permissions: PolicyDocument;
    readonly presets: PermissionPresets;
    readonly managedPolicyArns: readonly string[];
    /** Where the permissions come from: preset names, "statements", "managed". */
    readonly permissionSources: readonly string[];
    readonly github: GithubTarget;
}

export interface KeylessConfig {
    readonly stack: string;
    readonly owner: string;
    readonly accountId: string;
    readonly region: string;
    readonly partition: Partition;
    /** GitHub Enterprise Cloud slug of a custom issuer, when set. */
    readonly enterpriseSlug?: string;
    readonly issuerHost: string;
    readonly audience: string;
    /** An existing provider to adopt instead of creating one. */
    readonly oidcProviderArn?: string;
    readonly rolePath: string;
    /** The stack-wide permissions boundary (a repository entry may name another). */
    readonly permissionsBoundaryArn?: string;
    readonly deployments: readonly Deployment[];
}

const key = (name: string) => `${PROJECT}:${name}`;

/** The stack's name as it appears in variable names (`AWS_PREVIEW_<this>`): upper case, runs of other characters as `_`. */
export function variableStackName(stack: string): string {
    return stack.toUpperCase().replace(/[^A-Z0-9]+/g, "_");
}

/** Reads and checks a stack's config; throws KeylessConfigError listing every problem. */
export function loadStackConfig(source: StackConfigSource): KeylessConfig {
    const problems = new Problems();
    // String keys reach the program as text; the others (numbers, booleans, lists, objects) as
    // JSON text. Parsing a string key would turn an environment named 2026 into a number.
    const value = (name: string): unknown =>
        STRING_KEYS.includes(name) ? source.values[key(name)] : parseJsonConfig(source.values[key(name)]);
    const stackValue = <T>(name: keyof typeof STACK_DEFAULTS, read: (raw: unknown, k: string) => T | undefined): T => {
        const raw = value(name);
        if (raw === undefined) return STACK_DEFAULTS[name] as T;
        return read(raw, key(name)) ?? (STACK_DEFAULTS[name] as T);
    };

    for (const required of REQUIRED_KEYS) {
        if (source.values[key(required)] === undefined) {
            problems.add(key(required), `missing; set it with \`pulumi config set ${required} <value>\`${
                required === "repositories" ? " --path, or edit Pulumi.<stack>.yaml" : ""
            }`);
        }
    }

    const providerKey = (fullKey: string, command: string, rule: { test: (value: string) => boolean; expected: string }) => {
        if (source.values[fullKey] === undefined) {
            problems.add(fullKey, `missing; set it with \`${command}\``);
            return undefined;
        }
        return readString(source.values[fullKey], fullKey, problems, { ...rule, expected: `${rule.expected} (set it with \`${command}\`)` });
    };
    const owner = providerKey("github:owner", "pulumi config set github:owner <org>", {
        test: isGithubOwner,
        expected: "a GitHub organisation or user login",
    });
    const region = providerKey("aws:region", "pulumi config set aws:region <region>", {
        test: isRegion,
        expected: "an AWS region such as eu-west-1",
    });
    const accountId =
        value("accountId") === undefined
            ? undefined
            : readString(value("accountId"), key("accountId"), problems, {
                  test: isAccountId,
                  expected: "a 12-digit AWS account ID (quote it in YAML so leading zeros survive)",
              });
    const defaultEnvironment =
        value("environment") === undefined
            ? undefined
            : readString(value("environment"), key("environment"), problems, {
                  test: isEnvironmentName,
                  expected: "a GitHub environment name (letters, digits, space, . _ - /; no * ? or :)",
              });

    const enterpriseSlug = stackValue("enterpriseSlug", (raw, k) =>
        readString(raw, k, problems, {
            test: (slug) => slug === "" || /^[a-z0-9][a-z0-9-]{0,99}$/.test(slug),
            expected: "an enterprise slug (lowercase letters, digits and -) or empty for github.com",
        }),
    );
    const rolePath = stackValue("rolePath", (raw, k) =>
        readString(raw, k, problems, {
            test: isIamPath,
            expected: `an IAM path such as /github-actions/ (at most ${IAM_LIMITS.path} printable ASCII characters, beginning and ending with /, no * or ?)`,
        }),
    );
    const partition = region && isRegion(region) ? partitionOf(region) : "aws";
    const host = issuerHost(enterpriseSlug || undefined);

    const oidcProviderArn = stackValue("oidcProviderArn", (raw, k) => readString(raw, k, problems));
    if (oidcProviderArn) {
        checkAdoptedProvider(oidcProviderArn, { partition, accountId, host }, problems);
    }
    const permissionsBoundaryArn = stackValue("permissionsBoundaryArn", (raw, k) => readString(raw, k, problems));
    if (permissionsBoundaryArn) {
        checkPolicyArn(permissionsBoundaryArn, key("permissionsBoundaryArn"), { partition, accountId }, problems);
    }

    const stackProtection = {
        maxSessionDuration: stackValue("maxSessionDuration", (raw, k) => readInteger(raw, k, problems, MAX_SESSION)),
        requireReviewers: stackValue("requireReviewers", (raw, k) => readBoolean(raw, k, problems)),
        reviewerTeams: stackValue("reviewerTeams", (raw, k) => readTeams(raw, k, problems)),
        reviewerUsers: stackValue("reviewerUsers", (raw, k) => readUsers(raw, k, problems)),
        preventSelfReview: stackValue("preventSelfReview", (raw, k) => readBoolean(raw, k, problems)),
        waitTimer: stackValue("waitTimer", (raw, k) => readInteger(raw, k, problems, WAIT_TIMER)),
        deploymentBranches: stackValue("deploymentBranches", (raw, k) => readRefPatterns(raw, k, problems)),
        deploymentTags: stackValue("deploymentTags", (raw, k) => readRefPatterns(raw, k, problems)),
        protectedBranchesOnly: stackValue("protectedBranchesOnly", (raw, k) => readBoolean(raw, k, problems)),
    };

    const scope: ResourceScope | undefined =
        region && accountId && isRegion(region) && isAccountId(accountId) && rolePath
            ? {
                  partition,
                  region,
                  accountId,
                  // For the keyless presets: every boundary a role of this stack may carry (the
                  // stack's and the entries' own), so keyless's role can create each of them.
                  keyless: {
                      partition,
                      accountId,
                      rolePath,
                      issuerHost: host,
                      providerAdopted: Boolean(oidcProviderArn),
                      permissionsBoundaryArns: [
                          ...new Set([
                              ...(permissionsBoundaryArn ? [permissionsBoundaryArn] : []),
                              ...rawEntryBoundaries(value("repositories")),
                          ]),
                      ],
                  },
              }
            : undefined;

    const deployments: Deployment[] = [];
    const repositories = value("repositories");
    if (repositories !== undefined) {
        if (!Array.isArray(repositories) || repositories.length === 0) {
            problems.add(
                key("repositories"),
                `expected a non-empty list of repositories (each an object with at least name and permissions), got ${show(repositories)}`,
            );
        } else {
            repositories.forEach((entry, index) => {
                const deployment = readDeployment(entry, `${key("repositories")}[${index}]`, {
                    source,
                    problems,
                    scope,
                    defaultEnvironment,
                    stackProtection,
                    permissionsBoundaryArn: permissionsBoundaryArn || undefined,
                });
                if (deployment) deployments.push(deployment);
            });
            checkAcrossDeployments(deployments, problems);
        }
    }

    rejectUnknownKeys(source, repositories, problems);

    if (!problems.empty || !owner || !region || !accountId || !scope) {
        throw new KeylessConfigError(problems.list);
    }
    return {
        stack: source.stack,
        owner,
        accountId,
        region,
        partition,
        enterpriseSlug: enterpriseSlug || undefined,
        issuerHost: host,
        audience: stsAudience(partition),
        oidcProviderArn: oidcProviderArn || undefined,
        rolePath,
        permissionsBoundaryArn: permissionsBoundaryArn || undefined,
        deployments,
    };
}

/** Every key keyless reads in its namespace: the settings Pulumi.yaml declares. */
export const KNOWN_KEYS: readonly string[] = [...new Set([...REQUIRED_KEYS, ...STRING_KEYS, ...Object.keys(STACK_DEFAULTS)])];

/**
 * Refuses keys of the keyless namespace that keyless does not read and that no repository's
 * `secrets` names: a misspelled key would otherwise be ignored without a word (a misspelled
 * keyless:permissionsBoundaryArn silently drops the boundary). Names the key meant when it can.
 */
function rejectUnknownKeys(source: StackConfigSource, repositories: unknown, problems: Problems): void {
    const referenced = new Set<string>();
    for (const entry of Array.isArray(repositories) ? repositories : []) {
        if (isObject(entry) && isObject(entry.secrets)) {
            for (const reference of Object.values(entry.secrets)) if (typeof reference === "string") referenced.add(reference);
        }
    }
    const prefix = `${PROJECT}:`;
    for (const fullKey of Object.keys(source.values)) {
        if (!fullKey.startsWith(prefix)) continue;
        const name = fullKey.slice(prefix.length);
        // An encrypted key can only feed a repository's secrets; one nobody names yet is left
        // alone (a misspelled reference is reported where it is made, naming the close key).
        if (KNOWN_KEYS.includes(name) || referenced.has(name) || source.secretKeys.has(fullKey)) continue;
        if (looksLikeCredential(name)) {
            problems.add(PROJECT, `a key of this namespace (${shapeOf(name)}) looks like a credential, not a setting; ${PASTED_SECRET}`);
            continue;
        }
        const meant = didYouMean(name, [...KNOWN_KEYS, ...referenced]);
        problems.add(
            fullKey,
            meant
                ? `keyless does not read this key, so its value would be ignored; did you mean ${key(meant)}? ` +
                      `Rename it (\`pulumi config rm ${name}\`, then set ${meant})`
                : "keyless does not read this key and no repository's secrets name it, so its value would be ignored; " +
                      `remove it with \`pulumi config rm ${name}\`, or name it in a repository's secrets. ` +
                      `The keys keyless reads are ${KNOWN_KEYS.join(", ")}`,
        );
    }
}

interface EntryContext {
    readonly source: StackConfigSource;
    readonly problems: Problems;
    readonly scope: ResourceScope | undefined;
    readonly defaultEnvironment: string | undefined;
    /** The stack-wide values a repository entry may override. */
    readonly stackProtection: Readonly<Omit<typeof STACK_DEFAULTS, "oidcProviderArn" | "enterpriseSlug" | "rolePath" | "permissionsBoundaryArn">>;
    readonly permissionsBoundaryArn: string | undefined;
}

function readDeployment(entry: unknown, entryKey: string, context: EntryContext): Deployment | undefined {
    const { problems, scope } = context;
    if (!isObject(entry)) {
        problems.add(entryKey, `expected an object with at least name and permissions, got ${show(entry)}`);
        return undefined;
    }
    const before = problems.list.length;
    rejectUnknownFields(entry, REPOSITORY_FIELDS, entryKey, problems);

    const repository =
        entry.name === undefined
            ? (problems.add(`${entryKey}.name`, "missing; give the repository's name (without the owner)"), undefined)
            : readString(entry.name, `${entryKey}.name`, problems, {
                  test: isRepositoryName,
                  expected: "a repository name (letters, digits, . _ -; no owner, no wildcard)",
              });

    const trustContext = readTrustContext(entry, entryKey, context);
    const subjectFormat =
        entry.subjectFormat === undefined
            ? "auto"
            : (readString(entry.subjectFormat, `${entryKey}.subjectFormat`, problems, {
                  test: (format) => (SUBJECT_FORMATS as readonly string[]).includes(format),
                  expected: `one of ${SUBJECT_FORMATS.join(", ")}`,
              }) as SubjectFormat | "auto" | undefined);
    const ownerId = readOptionalId(entry.ownerId, `${entryKey}.ownerId`, problems);
    const repositoryId = readOptionalId(entry.repositoryId, `${entryKey}.repositoryId`, problems);
    if ((ownerId === undefined) !== (repositoryId === undefined)) {
        problems.add(entryKey, "ownerId and repositoryId pin the immutable subject together; set both or neither");
    }
    if (subjectFormat === "legacy" && ownerId !== undefined) {
        problems.add(`${entryKey}.ownerId`, 'IDs are only used by the immutable subject; drop them or set subjectFormat to "immutable" or "both"');
    }

    const label = trustContext ? contextLabel(trustContext) : "";
    const roleName =
        entry.roleName === undefined
            ? repository && trustContext && defaultRoleName(repository, label, context.source.stack)
            : readString(entry.roleName, `${entryKey}.roleName`, problems);
    if (roleName !== undefined && !isIamRoleName(roleName)) {
        problems.add(
            entry.roleName === undefined ? entryKey : `${entryKey}.roleName`,
            `role name ${show(roleName)} (${[...roleName].length} characters) is not a valid IAM role name ` +
                `(at most ${IAM_LIMITS.roleName} of letters, digits and +=,.@_-)` +
                (entry.roleName === undefined ? "; set roleName for this repository" : ""),
        );
    }

    const maxSessionDuration =
        entry.maxSessionDuration === undefined
            ? context.stackProtection.maxSessionDuration
            : readInteger(entry.maxSessionDuration, `${entryKey}.maxSessionDuration`, problems, MAX_SESSION);
    let permissionsBoundaryArn = context.permissionsBoundaryArn;
    if (entry.permissionsBoundaryArn !== undefined) {
        permissionsBoundaryArn = readString(entry.permissionsBoundaryArn, `${entryKey}.permissionsBoundaryArn`, problems);
        if (permissionsBoundaryArn && scope) {
            checkPolicyArn(permissionsBoundaryArn, `${entryKey}.permissionsBoundaryArn`, scope, problems);
        }
    }

    // The keyless preset denies every change to the role it is written for (its own ARN).
    const roleScope = scope && roleName && isIamRoleName(roleName) ? { ...scope, roleArn: iamRoleArn(scope.partition, scope.accountId, scope.keyless?.rolePath ?? "/", roleName) } : scope;
    const permissions = readPermissions(entry.permissions, `${entryKey}.permissions`, trustContext, { ...context, scope: roleScope });
    // Without a valid context the GitHub side is still checked against the context the entry
    // asks for, so an invalid environment name does not hide the problems of its secrets.
    const intended = trustContext ?? intendedContext(entry, context);
    const github = intended ? readGithubTarget(entry, entryKey, intended, context) : undefined;

    if (problems.list.length > before || !repository || !trustContext || !subjectFormat || !roleName) {
        return undefined;
    }
    if (!maxSessionDuration || !permissions || !github) return undefined;
    return {
        key: entryKey,
        repository,
        context: trustContext,
        subjectFormat,
        ownerId,
        repositoryId,
        roleName,
        maxSessionDuration,
        permissionsBoundaryArn: permissionsBoundaryArn || undefined,
        permissions: permissions.document,
        presets: permissions.presets,
        managedPolicyArns: permissions.managedPolicyArns,
        permissionSources: permissions.sources,
        github,
    };
}

/** The kind of context an entry whose context is invalid asks for, with a placeholder value. */
function intendedContext(entry: JsonObject, context: EntryContext): TrustContext | undefined {
    // Several contexts at once are reported as such; guessing one would add misleading problems.
    if (["environment", "branch", "tag", "pullRequest"].filter((field) => entry[field] !== undefined).length > 1) return undefined;
    if (entry.branch !== undefined) return { kind: "branch", branch: String(entry.branch) };
    if (entry.tag !== undefined) return { kind: "tag", tag: String(entry.tag) };
    if (entry.pullRequest !== undefined) return { kind: "pullRequest" };
    const environment = typeof entry.environment === "string" ? entry.environment : context.defaultEnvironment;
    return { kind: "environment", environment: environment ?? "(the stack's keyless:environment)" };
}

function readTrustContext(entry: JsonObject, entryKey: string, context: EntryContext): TrustContext | undefined {
    const { problems } = context;
    const given = (["environment", "branch", "tag", "pullRequest"] as const).filter((field) => entry[field] !== undefined);
    if (given.length > 1) {
        problems.add(
            entryKey,
            `${given.join(" and ")} are exclusive: a role trusts one context; add one entry per context instead`,
        );
        return undefined;
    }
    switch (given[0]) {
        case "branch": {
            const branch = readString(entry.branch, `${entryKey}.branch`, problems, {
                test: isGitRefName,
                expected: "one exact branch name (no * ? [ or spaces): a trust names one branch",
            });
            return branch === undefined ? undefined : { kind: "branch", branch };
        }
        case "tag": {
            const tag = readString(entry.tag, `${entryKey}.tag`, problems, {
                test: isGitRefName,
                expected: "one exact tag name (no * ? [ or spaces): a trust names one tag",
            });
            return tag === undefined ? undefined : { kind: "tag", tag };
        }
        case "pullRequest": {
            const pullRequest = readBoolean(entry.pullRequest, `${entryKey}.pullRequest`, problems);
            if (pullRequest === false) {
                problems.add(`${entryKey}.pullRequest`, "false does nothing; remove it to trust the stack's environment");
            }
            return pullRequest ? { kind: "pullRequest" } : undefined;
        }
        case "environment": {
            const environment = readString(entry.environment, `${entryKey}.environment`, problems, {
                test: isEnvironmentName,
                expected: "a GitHub environment name (letters, digits, space, . _ - /; no * ? or :)",
            });
            return environment === undefined ? undefined : { kind: "environment", environment };
        }
        default:
            // The stack's environment; a missing keyless:environment is reported once, at the top.
            return context.defaultEnvironment === undefined
                ? undefined
                : { kind: "environment", environment: context.defaultEnvironment };
    }
}

function readOptionalId(value: unknown, idKey: string, problems: Problems): number | undefined {
    if (value === undefined) return undefined;
    const id = typeof value === "string" && /^\d+$/.test(value) ? Number(value) : value;
    if (typeof id !== "number" || !Number.isSafeInteger(id) || id <= 0) {
        problems.add(idKey, `expected GitHub's numeric ID (a positive whole number), got ${show(value)}`);
        return undefined;
    }
    return id;
}

function readTeams(raw: unknown, teamsKey: string, problems: Problems): string[] | undefined {
    const teams = readStringList(raw, teamsKey, problems, {
        test: (slug) => /^[a-z0-9][a-z0-9_.-]*$/.test(slug),
        expected: "a team slug (the lowercase name in the team's URL, without the organisation)",
    });
    if (teams) rejectDuplicates(teams, teamsKey, problems, "team");
    return teams;
}

function readUsers(raw: unknown, usersKey: string, problems: Problems): string[] | undefined {
    const users = readStringList(raw, usersKey, problems, { test: isGithubOwner, expected: "a GitHub user login" });
    if (users) rejectDuplicates(users, usersKey, problems, "user");
    return users;
}

function readRefPatterns(raw: unknown, patternsKey: string, problems: Problems): string[] | undefined {
    const patterns = readStringList(raw, patternsKey, problems, {
        test: isDeploymentRefPattern,
        expected: "a branch or tag name pattern such as main or release/*",
    });
    if (patterns) rejectDuplicates(patterns, patternsKey, problems, "pattern");
    return patterns;
}

function readGithubTarget(
    entry: JsonObject,
    entryKey: string,
    trustContext: TrustContext,
    context: EntryContext,
): GithubTarget | undefined {
    const { problems, stackProtection, source } = context;
    if (trustContext.kind !== "environment") {
        for (const field of ENVIRONMENT_ONLY_FIELDS) {
            if (entry[field] !== undefined) {
                problems.add(
                    `${entryKey}.${field}`,
                    `only applies to a role trusted on a GitHub environment; this entry trusts ${trustContext.kind === "pullRequest" ? "pull_request" : trustContext.kind}`,
                );
            }
        }
        const stack = variableStackName(source.stack);
        const defaultPrefix = trustContext.kind === "pullRequest" ? `AWS_PREVIEW_${stack}` : `AWS_DEPLOY_${stack}`;
        const prefix =
            entry.variablePrefix === undefined
                ? defaultPrefix
                : readString(entry.variablePrefix, `${entryKey}.variablePrefix`, problems, {
                      test: isActionsVariableName,
                      expected: "a GitHub Actions variable name prefix (letters, digits, _; not GITHUB_)",
                  });
        return prefix === undefined ? undefined : { kind: "repositoryVariables", prefix };
    }
    if (entry.variablePrefix !== undefined) {
        problems.add(
            `${entryKey}.variablePrefix`,
            `only applies to branch, tag and pull_request roles; an environment role's ARN goes into the environment secret ${ROLE_ARN_SECRET}`,
        );
    }

    const pick = <T>(field: string, fallback: T, read: (raw: unknown, k: string) => T | undefined): T =>
        entry[field] === undefined ? fallback : read(entry[field], `${entryKey}.${field}`) ?? fallback;
    let reviewerTeams = stackProtection.reviewerTeams;
    let reviewerUsers = stackProtection.reviewerUsers;
    if (entry.reviewers !== undefined) {
        if (!isObject(entry.reviewers)) {
            problems.add(`${entryKey}.reviewers`, `expected an object with teams and/or users, got ${show(entry.reviewers)}`);
        } else {
            rejectUnknownFields(entry.reviewers, ["teams", "users"], `${entryKey}.reviewers`, problems);
            reviewerTeams = readTeams(entry.reviewers.teams ?? [], `${entryKey}.reviewers.teams`, problems) ?? [];
            reviewerUsers = readUsers(entry.reviewers.users ?? [], `${entryKey}.reviewers.users`, problems) ?? [];
        }
    }
    const requireReviewers = pick("requireReviewers", stackProtection.requireReviewers, (raw, k) =>
        readBoolean(raw, k, problems),
    );
    const reviewerCount = reviewerTeams.length + reviewerUsers.length;
    const reviewersKey = entry.reviewers === undefined ? `${PROJECT}:reviewerTeams/reviewerUsers` : `${entryKey}.reviewers`;
    if (requireReviewers && reviewerCount === 0) {
        problems.add(
            reviewersKey,
            `environment ${show(trustContext.environment)} of ${show(entry.name)} requires reviewers but none are given; ` +
                `name teams or users who approve deployments, or set requireReviewers: false for an environment that needs none`,
        );
    }
    if (reviewerCount > MAX_REVIEWERS) {
        problems.add(reviewersKey, `${reviewerCount} reviewers given; GitHub accepts at most ${MAX_REVIEWERS} teams and users together`);
    }

    const protectedBranchesOnly = pick("protectedBranchesOnly", stackProtection.protectedBranchesOnly, (raw, k) =>
        readBoolean(raw, k, problems),
    );
    const branches = pick("deploymentBranches", stackProtection.deploymentBranches, (raw, k) => readRefPatterns(raw, k, problems));
    const tags = pick("deploymentTags", stackProtection.deploymentTags, (raw, k) => readRefPatterns(raw, k, problems));
    let branchPolicy: EnvironmentProtection["branchPolicy"];
    if (protectedBranchesOnly) {
        if (entry.deploymentBranches !== undefined || entry.deploymentTags !== undefined) {
            problems.add(
                entryKey,
                "protectedBranchesOnly and deploymentBranches/deploymentTags are exclusive in GitHub; keep one",
            );
        }
        branchPolicy = { kind: "protectedBranches" };
    } else {
        if (branches.length + tags.length === 0) {
            problems.add(
                `${entryKey}.deploymentBranches`,
                "no branch or tag may deploy to this environment; name at least one (e.g. main) or set protectedBranchesOnly: true",
            );
        }
        branchPolicy = { kind: "selectedRefs", branches, tags };
    }

    const secrets = readSecretReferences(entry.secrets, `${entryKey}.secrets`, source, problems);
    const variables = readVariables(entry.variables, `${entryKey}.variables`, problems);
    const names = [...secrets.map((secret) => secret.name), ...variables.map((variable) => variable.name)];
    for (const name of names) {
        if ([ROLE_ARN_SECRET, REGION_VARIABLE].includes(name.toUpperCase())) {
            problems.add(entryKey, `${name} is set by keyless itself (the role ARN and the stack's region); pick another name`);
        }
    }

    return {
        kind: "environment",
        environment: trustContext.environment,
        protection: {
            requireReviewers,
            reviewerTeams,
            reviewerUsers,
            preventSelfReview: pick("preventSelfReview", stackProtection.preventSelfReview, (raw, k) =>
                readBoolean(raw, k, problems),
            ),
            waitTimer: pick("waitTimer", stackProtection.waitTimer, (raw, k) => readInteger(raw, k, problems, WAIT_TIMER)),
            branchPolicy,
        },
        secrets,
        variables,
    };
}

/** What to do when a secret value was pasted into the stack file in plaintext. */
const PASTED_SECRET =
    "If that is the secret itself, it is now in the stack file in plaintext: remove it, rotate it, " +
    "and store the new value with `pulumi config set --secret <key> <value>`, naming <key> here";

/** A name `pulumi config set` takes for a keyless key: a letter, then letters, digits, _ . -; at most 64. */
function isConfigKeyName(value: string): boolean {
    return /^[A-Za-z][A-Za-z0-9_.-]{0,63}$/.test(value);
}

function readSecretReferences(
    raw: unknown,
    secretsKey: string,
    source: StackConfigSource,
    problems: Problems,
): { name: string; configKey: string }[] {
    if (raw === undefined) return [];
    if (!isObject(raw)) {
        problems.add(secretsKey, `expected a map of secret name to the config key holding its value, got ${show(raw)}`);
        return [];
    }
    const secrets: { name: string; configKey: string }[] = [];
    for (const [name, reference] of Object.entries(raw)) {
        const secretKey = `${secretsKey}.${name}`;
        if (looksLikeCredential(name)) {
            // The name is printed in the key path: never when it may be the secret itself.
            problems.add(secretsKey, `an entry's name (${shapeOf(name)}) looks like a credential, not a GitHub secret name; ${PASTED_SECRET}`);
            continue;
        }
        if (!isActionsVariableName(name)) {
            problems.add(secretKey, "not a GitHub secret name (letters, digits and _, not starting with a digit or GITHUB_)");
            continue;
        }
        if (typeof reference !== "string" || !isConfigKeyName(reference) || looksLikeCredential(reference)) {
            problems.add(
                secretKey,
                `expected the name of a keyless config key holding the value (e.g. apiSentryDsn), got ${shapeOf(reference)} ` +
                    `that is not a config key name; values never go in this map. ${PASTED_SECRET}`,
            );
            continue;
        }
        const fullKey = key(reference);
        if (source.values[fullKey] === undefined) {
            const present = Object.keys(source.values)
                .filter((candidate) => candidate.startsWith(`${PROJECT}:`) && !KNOWN_KEYS.includes(candidate.slice(PROJECT.length + 1)))
                .map((candidate) => candidate.slice(PROJECT.length + 1));
            const meant = didYouMean(reference, present);
            problems.add(
                secretKey,
                `config key ${fullKey} is not set` +
                    (meant ? `; did you mean ${key(meant)}?` : `; set it with \`pulumi config set --secret ${reference} <value>\``),
            );
        } else if (!source.secretKeys.has(fullKey)) {
            problems.add(
                secretKey,
                `config key ${fullKey} is stored in plaintext; store it encrypted with \`pulumi config set --secret ${reference} <value>\``,
            );
        }
        secrets.push({ name, configKey: reference });
    }
    rejectDuplicates(secrets.map((secret) => secret.name), secretsKey, problems, "secret");
    return secrets;
}

function readVariables(raw: unknown, variablesKey: string, problems: Problems): { name: string; value: string }[] {
    if (raw === undefined) return [];
    if (!isObject(raw)) {
        problems.add(variablesKey, `expected a map of variable name to value, got ${show(raw)}`);
        return [];
    }
    const variables: { name: string; value: string }[] = [];
    for (const [name, variableValue] of Object.entries(raw)) {
        if (!isActionsVariableName(name)) {
            problems.add(`${variablesKey}.${name}`, "not a GitHub variable name (letters, digits and _, not starting with a digit or GITHUB_)");
        } else if (typeof variableValue !== "string" || variableValue.length === 0) {
            problems.add(`${variablesKey}.${name}`, `expected a non-empty string value, got ${show(variableValue)}`);
        } else {
            variables.push({ name, value: variableValue });
        }
    }
    rejectDuplicates(variables.map((variable) => variable.name), variablesKey, problems, "variable");
    return variables;
}

interface ReadPermissions {
    readonly document: PolicyDocument;
    readonly presets: PermissionPresets;
    readonly managedPolicyArns: string[];
    readonly sources: string[];
}

function readPermissions(
    raw: unknown,
    permissionsKey: string,
    trustContext: TrustContext | undefined,
    context: EntryContext,
): ReadPermissions | undefined {
    const { problems, scope } = context;
    if (raw === undefined) {
        problems.add(permissionsKey, `missing; give a preset (${Object.keys(PRESET_FIELDS).join(", ")}), statements or managedPolicyArns`);
        return undefined;
    }
    if (!isObject(raw)) {
        problems.add(permissionsKey, `expected an object, got ${show(raw)}`);
        return undefined;
    }
    const before = problems.list.length;
    rejectUnknownFields(raw, PERMISSION_FIELDS, permissionsKey, problems);
    const presets: { -readonly [P in keyof PermissionPresets]: PermissionPresets[P] } = {};
    if (raw.ecs !== undefined) presets.ecs = readEcs(raw.ecs, `${permissionsKey}.ecs`, scope, problems);
    if (raw.lambda !== undefined) presets.lambda = readLambda(raw.lambda, `${permissionsKey}.lambda`, problems);
    if (raw.staticSite !== undefined) presets.staticSite = readStaticSite(raw.staticSite, `${permissionsKey}.staticSite`, problems);
    for (const name of ["keyless", "keylessRead"] as const) {
        if (raw[name] === undefined) continue;
        const preset = raw[name];
        if (isObject(preset) && Object.keys(preset).length === 0) presets[name] = {};
        else problems.add(`${permissionsKey}.${name}`, `expected {} (the preset has no fields: it follows the stack's account, role path and boundary), got ${show(preset)}`);
    }

    const statements = raw.statements === undefined ? [] : readStatements(raw.statements, `${permissionsKey}.statements`, problems);
    const managedPolicyArns =
        raw.managedPolicyArns === undefined
            ? []
            : readStringList(raw.managedPolicyArns, `${permissionsKey}.managedPolicyArns`, problems) ?? [];
    managedPolicyArns.forEach((arn, index) => {
        const arnKey = `${permissionsKey}.managedPolicyArns[${index}]`;
        if (scope) checkPolicyArn(arn, arnKey, scope, problems);
        const admin = checkManagedPolicyArn(arn);
        if (admin) problems.add(arnKey, admin.message);
    });
    rejectDuplicates(managedPolicyArns, `${permissionsKey}.managedPolicyArns`, problems, "policy");

    if (presets.keyless !== undefined || presets.keylessRead !== undefined) {
        const which = presets.keyless !== undefined ? "keyless" : "keylessRead";
        if (context.permissionsBoundaryArn === undefined) {
            problems.add(
                `${permissionsKey}.${which}`,
                "keyless's own roles create and read roles that must stay capped: set keyless:permissionsBoundaryArn " +
                    "(see the README's bootstrap of the permissions boundary)",
            );
        }
        if (scope?.keyless?.rolePath === "/") {
            problems.add(
                `${permissionsKey}.${which}`,
                "with keyless:rolePath / the preset would cover every role of the account; give keyless its own path, e.g. /github-actions/",
            );
        }
    }
    if (trustContext?.kind === "pullRequest") {
        for (const preset of Object.keys(presets).filter((name) => !(READ_ONLY_PRESETS as string[]).includes(name))) {
            problems.add(
                `${permissionsKey}.${preset}`,
                "a pull_request role runs code from any branch a contributor pushes, so it must stay read-only; " +
                    "deployment presets belong on an environment role",
            );
        }
    }
    if (Object.keys(presets).length + statements.length + managedPolicyArns.length === 0) {
        problems.add(permissionsKey, `empty; give a preset (${Object.keys(PRESET_FIELDS).join(", ")}), statements or managedPolicyArns`);
    }
    if (problems.list.length > before) return undefined;

    // Without a valid account and region the ARNs cannot be written; the checks below still run
    // on a stand-in scope, so that every problem shows at once.
    const document = permissionPolicy(presets, statements, scope ?? STAND_IN_SCOPE);
    const sids = document.Statement.map((statement) => statement.Sid).filter((sid): sid is string => sid !== undefined);
    rejectDuplicates(sids, `${permissionsKey}.statements`, problems, "Sid");
    // The same analysis the policy pack applies: keyless never creates what the pack would block.
    const presetCount = document.Statement.length - statements.length;
    for (const finding of checkPermissionPolicy(document)) {
        const [where, message] = locateStatement(finding.location, finding.message, presetCount, presets, permissionsKey);
        problems.add(where, message);
    }
    if (!scope) return undefined;
    const sources = [
        ...Object.keys(presets),
        ...(statements.length > 0 ? ["statements"] : []),
        ...(managedPolicyArns.length > 0 ? ["managed"] : []),
    ];
    return problems.list.length > before ? undefined : { document, presets, managedPolicyArns, sources };
}

const STAND_IN_SCOPE: ResourceScope = { partition: "aws", region: "us-east-1", accountId: "000000000000" };

/**
 * Points a finding on the merged document (presets first, then the entry's own statements) at
 * what the user wrote: `Statement[5]` of a document with 3 preset statements is the entry's
 * `statements[2]`; a preset statement is its preset.
 */
function locateStatement(
    location: string,
    message: string,
    presetCount: number,
    presets: PermissionPresets,
    permissionsKey: string,
): [string, string] {
    const match = /^Statement(?:\[(\d+)\])?( \(Sid .*\))?$/.exec(location);
    if (!match) return [permissionsKey, `${location}: ${message}`];
    const index = Number(match[1] ?? 0);
    if (index >= presetCount) return [`${permissionsKey}.statements[${index - presetCount}]`, message];
    const names = (Object.keys(PRESET_FIELDS) as (keyof PermissionPresets)[]).filter((name) => presets[name] !== undefined);
    let first = 0;
    for (const name of names) {
        const count = presetStatements({ [name]: presets[name] }, STAND_IN_SCOPE).length;
        if (index < first + count) return [`${permissionsKey}.${name}`, message];
        first += count;
    }
    return [permissionsKey, `${location}: ${message}`];
}

function readFields(raw: unknown, fieldsKey: string, fields: readonly string[], problems: Problems): JsonObject | undefined {
    if (!isObject(raw)) {
        problems.add(fieldsKey, `expected an object with ${fields.join(", ")}, got ${show(raw)}`);
        return undefined;
    }
    rejectUnknownFields(raw, fields, fieldsKey, problems);
    for (const field of fields) {
        if (raw[field] === undefined) problems.add(`${fieldsKey}.${field}`, "missing");
    }
    return raw;
}

function nonEmpty(list: string[] | undefined, listKey: string, problems: Problems, what: string): string[] | undefined {
    if (list && list.length === 0) problems.add(listKey, `empty; name at least one ${what}`);
    if (list) rejectDuplicates(list, listKey, problems, what);
    return list;
}

function readEcs(raw: unknown, ecsKey: string, scope: ResourceScope | undefined, problems: Problems) {
    const fields = readFields(raw, ecsKey, PRESET_FIELDS.ecs, problems);
    if (!fields) return undefined;
    const cluster = readString(fields.cluster, `${ecsKey}.cluster`, problems, { test: isEcsName, expected: "an ECS cluster name" });
    const services = nonEmpty(
        readStringList(fields.services, `${ecsKey}.services`, problems, { test: isEcsName, expected: "an ECS service name" }),
        `${ecsKey}.services`,
        problems,
        "service",
    );
    const ecrRepositories = nonEmpty(
        readStringList(fields.ecrRepositories, `${ecsKey}.ecrRepositories`, problems, {
            test: isEcrRepositoryName,
            expected: "an ECR repository name (lowercase, e.g. team/api)",
        }),
        `${ecsKey}.ecrRepositories`,
        problems,
        "repository",
    );
    const taskRoleArns = nonEmpty(
        readStringList(fields.taskRoleArns, `${ecsKey}.taskRoleArns`, problems),
        `${ecsKey}.taskRoleArns`,
        problems,
        "role",
    );
    taskRoleArns?.forEach((arn, index) => {
        const parsed = parseArn(arn);
        const roleKey = `${ecsKey}.taskRoleArns[${index}]`;
        if (/[*?]/.test(arn)) {
            problems.add(roleKey, `${show(arn)} has a wildcard; name each task and execution role exactly`);
        } else if (!parsed || parsed.service !== "iam" || !/^role\/(?:[\x21-\x7e]+\/)?[A-Za-z0-9+=,.@_-]{1,64}$/.test(parsed.resource)) {
            problems.add(roleKey, `${show(arn)} is not the ARN of one IAM role (arn:aws:iam::123456789012:role/name)`);
        } else if (scope && (parsed.partition !== scope.partition || parsed.account !== scope.accountId)) {
            problems.add(roleKey, `${show(arn)} is not in this stack's account ${scope.accountId} (${scope.partition})`);
        }
    });
    if (!cluster || !services || !ecrRepositories || !taskRoleArns) return undefined;
    return { cluster, services, ecrRepositories, taskRoleArns };
}

function readLambda(raw: unknown, lambdaKey: string, problems: Problems) {
    const fields = readFields(raw, lambdaKey, PRESET_FIELDS.lambda, problems);
    if (!fields) return undefined;
    const functions = nonEmpty(
        readStringList(fields.functions, `${lambdaKey}.functions`, problems, {
            test: isLambdaFunctionName,
            expected: "a Lambda function name (not an ARN, no wildcard)",
        }),
        `${lambdaKey}.functions`,
        problems,
        "function",
    );
    return functions ? { functions } : undefined;
}

function readStaticSite(raw: unknown, siteKey: string, problems: Problems) {
    const fields = readFields(raw, siteKey, PRESET_FIELDS.staticSite, problems);
    if (!fields) return undefined;
    const bucket = readString(fields.bucket, `${siteKey}.bucket`, problems, { test: isS3BucketName, expected: "an S3 bucket name" });
    const distributionId = readString(fields.distributionId, `${siteKey}.distributionId`, problems, {
        test: isCloudFrontDistributionId,
        expected: "a CloudFront distribution ID such as E2QWRUHEXAMPLE",
    });
    return bucket && distributionId ? { bucket, distributionId } : undefined;
}

function readStatements(raw: unknown, statementsKey: string, problems: Problems): Statement[] {
    if (!Array.isArray(raw)) {
        problems.add(statementsKey, `expected a list of IAM statements, got ${show(raw)}`);
        return [];
    }
    const statements: Statement[] = [];
    raw.forEach((statement, index) => {
        const statementKey = `${statementsKey}[${index}]`;
        if (!isObject(statement)) {
            problems.add(statementKey, `expected an IAM statement object, got ${show(statement)}`);
            return;
        }
        for (const field of ["NotAction", "NotResource", "Principal", "NotPrincipal"]) {
            if (statement[field] !== undefined) {
                problems.add(
                    `${statementKey}.${field}`,
                    field.startsWith("Not")
                        ? `keyless takes allow-lists only: ${field} grants everything it does not name; list the actions and resources instead`
                        : "a permission statement has no principal; the role is the principal",
                );
            }
        }
        rejectUnknownFields(
            Object.fromEntries(Object.entries(statement).filter(([field]) => !["NotAction", "NotResource", "Principal", "NotPrincipal"].includes(field))),
            STATEMENT_FIELDS,
            statementKey,
            problems,
        );
        const sid =
            statement.Sid === undefined
                ? undefined
                : readString(statement.Sid, `${statementKey}.Sid`, problems, { test: (s) => /^[A-Za-z0-9]+$/.test(s), expected: "an alphanumeric Sid" });
        const effect = readString(statement.Effect, `${statementKey}.Effect`, problems, {
            test: (e) => e === "Allow" || e === "Deny",
            expected: "Allow or Deny",
        }) as "Allow" | "Deny" | undefined;
        const actions = readStringList(statement.Action, `${statementKey}.Action`, problems, {
            test: (action) => action === "*" || /^[a-z0-9-]+:[A-Za-z0-9*?]+$/.test(action),
            expected: "an IAM action such as s3:GetObject",
        });
        const resources = readStringList(statement.Resource, `${statementKey}.Resource`, problems, {
            test: (resource) => resource === "*" || resource.startsWith("arn:"),
            expected: 'an ARN (or "*")',
        });
        if (actions?.length === 0) problems.add(`${statementKey}.Action`, "empty; name the actions");
        if (resources?.length === 0) problems.add(`${statementKey}.Resource`, "empty; name the resources");
        let condition: Statement["Condition"];
        if (statement.Condition !== undefined) {
            if (!isObject(statement.Condition) || !Object.values(statement.Condition).every(isObject)) {
                problems.add(`${statementKey}.Condition`, `expected an IAM condition block, got ${show(statement.Condition)}`);
            } else {
                condition = statement.Condition as Statement["Condition"];
            }
        }
        if (effect && actions && resources && actions.length > 0 && resources.length > 0) {
            statements.push({
                ...(sid ? { Sid: sid } : {}),
                Effect: effect,
                Action: actions.length === 1 ? actions[0] : actions,
                Resource: resources.length === 1 ? resources[0] : resources,
                ...(condition ? { Condition: condition } : {}),
            });
        }
    });
    return statements;
}

/** The `permissionsBoundaryArn` strings the repository entries set (checked where each entry is read). */
function rawEntryBoundaries(repositories: unknown): string[] {
    if (!Array.isArray(repositories)) return [];
    return repositories
        .map((entry) => (isObject(entry) ? entry.permissionsBoundaryArn : undefined))
        .filter((arn): arn is string => typeof arn === "string" && arn !== "");
}

function checkAdoptedProvider(
    arn: string,
    expected: { partition: Partition; accountId: string | undefined; host: string },
    problems: Problems,
): void {
    const parsed = parseArn(arn);
    const providerKey = key("oidcProviderArn");
    if (!parsed || parsed.service !== "iam" || !parsed.resource.startsWith("oidc-provider/")) {
        problems.add(providerKey, `${show(arn)} is not an IAM OIDC provider ARN (arn:aws:iam::123456789012:oidc-provider/${expected.host})`);
        return;
    }
    const providerHost = parsed.resource.slice("oidc-provider/".length);
    if (providerHost !== expected.host) {
        problems.add(
            providerKey,
            `${show(arn)} is the provider for ${providerHost}, but this stack's issuer is ${expected.host}` +
                " (keyless:enterpriseSlug decides it); adopt the provider of that issuer",
        );
    }
    if (parsed.partition !== expected.partition || (expected.accountId && parsed.account !== expected.accountId)) {
        problems.add(providerKey, `${show(arn)} is not in this stack's account ${expected.accountId ?? "?"} (${expected.partition})`);
    }
}

function checkPolicyArn(
    arn: string,
    arnKey: string,
    scope: { partition: Partition; accountId: string | undefined },
    problems: Problems,
): void {
    const parsed = parseArn(arn);
    if (!parsed || parsed.service !== "iam" || !/^policy\/(?:[\x21-\x7e]+\/)?[A-Za-z0-9+=,.@_-]{1,128}$/.test(parsed.resource)) {
        problems.add(arnKey, `${show(arn)} is not an IAM managed policy ARN (arn:aws:iam::aws:policy/Name or arn:aws:iam::123456789012:policy/Name)`);
        return;
    }
    if (/[*?]/.test(arn)) problems.add(arnKey, `${show(arn)} has a wildcard; name one policy`);
    if (parsed.partition !== scope.partition) {
        problems.add(arnKey, `${show(arn)} is in partition ${parsed.partition}, this stack is in ${scope.partition}`);
    }
    if (parsed.account !== "aws" && scope.accountId && parsed.account !== scope.accountId) {
        problems.add(arnKey, `${show(arn)} belongs to account ${parsed.account}; a role can only use AWS-managed policies or this account's (${scope.accountId})`);
    }
}

/** Problems that only show across entries: duplicates of a context, a role name or a variable. */
function checkAcrossDeployments(deployments: readonly Deployment[], problems: Problems): void {
    const contexts = new Map<string, string>();
    const roleNames = new Map<string, string>();
    const variables = new Map<string, string>();
    const keylessRole = deployments.find((deployment) => deployment.presets.keyless !== undefined);
    for (const deployment of deployments) {
        if (keylessRole && deployment.permissionsBoundaryArn === undefined) {
            problems.add(
                deployment.key,
                `has no permissions boundary, so keyless's own role (${keylessRole.key}.permissions.keyless) could not create it: ` +
                    "it may only create roles that carry one; set keyless:permissionsBoundaryArn or this entry's permissionsBoundaryArn",
            );
        }
        const contextKey = `${deployment.repository.toLowerCase()} ${JSON.stringify(deployment.context).toLowerCase()}`;
        const previous = contexts.get(contextKey);
        if (previous) {
            problems.add(deployment.key, `repeats ${previous}: ${deployment.repository} is already trusted for that context; merge the two entries`);
        }
        contexts.set(contextKey, deployment.key);

        const roleName = deployment.roleName.toLowerCase();
        const sameRole = roleNames.get(roleName);
        if (sameRole) {
            problems.add(deployment.key, `role name ${deployment.roleName} is also used by ${sameRole}; IAM role names are unique per account, set roleName`);
        }
        roleNames.set(roleName, deployment.key);

        if (deployment.github.kind === "repositoryVariables") {
            const variableKey = `${deployment.repository.toLowerCase()} ${deployment.github.prefix.toLowerCase()}`;
            const sameVariable = variables.get(variableKey);
            if (sameVariable) {
                problems.add(
                    deployment.key,
                    `publishes ${deployment.github.prefix}_ROLE_ARN in ${deployment.repository}, as ${sameVariable} does; set variablePrefix on one of them`,
                );
            }
            variables.set(variableKey, deployment.key);
        }
    }
}
