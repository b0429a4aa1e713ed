// The stack's config: what keyless reads, its defaults, and every check made before anything
// is created. Pure: plain config values in, a validated plan of deployments (or every problem
// at once) out.

import type { z } from "zod";
import { read } from "./config/issues";
import { checkPolicyArn, readPermissions, STAND_IN_SCOPE } from "./config/permissions";
import { checkAcrossDeployments, checkAdoptedProvider, entryLabel } from "./config/refine";
import {
    ENVIRONMENT_ONLY_FIELDS,
    FIELDS,
    KNOWN_KEYS,
    LIMITS,
    PROJECT,
    PROVIDER_KEYS,
    REPOSITORY_FIELDS,
    RepositoryEntry,
    RepositoryEntrySchema,
    REQUIRED_KEYS,
    STACK_DEFAULTS,
    StackSchema,
    STRING_KEYS,
} from "./config/schema";
import {
    didYouMean,
    isObject,
    JsonObject,
    KeylessConfigError,
    looksLikeCredential,
    parseJsonConfig,
    Problems,
    rejectDuplicates,
    rejectUnknownFields,
    shapeOf,
    show,
} from "./configReader";
import { defaultRoleName, iamRoleArn, isAccountId, isActionsVariableName, isIamRoleName, isRegion, Partition, partitionOf, stsAudience } from "./names";
import { PermissionPresets, PolicyDocument, ResourceScope } from "./presets";
import { IAM_LIMITS } from "./realServices/iam";
import { contextLabel, issuerHost, SubjectFormat, TrustContext } from "./subjects";

export { KNOWN_KEYS, PROJECT, REQUIRED_KEYS, STACK_DEFAULTS, STRING_KEYS } from "./config/schema";

/** Environment secret and variable keyless always sets; config may not redefine them. */
export const ROLE_ARN_SECRET = "AWS_DEPLOY_ROLE_ARN";
export const REGION_VARIABLE = "AWS_REGION";

const MAX_REVIEWERS = LIMITS.reviewers;

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
    /** Accepted, but worth a word: printed as warnings before anything is created. */
    readonly warnings?: readonly string[];
}

const key = (name: string) => `${PROJECT}:${name}`;

/** The stack's name as it appears in variable names (`AWS_PREVIEW_<this>`): upper case, runs of other characters as `_`. */
export function variableStackName(stack: string): string {
    return stack.toUpperCase().replace(/[^A-Z0-9]+/g, "_");
}

/** Reads and checks a stack's config; throws KeylessConfigError listing every problem. */
export function loadStackConfig(source: StackConfigSource): KeylessConfig {
    const problems = new Problems();
    const warnings = new Problems();
    // String keys reach the program as text; the others (numbers, booleans, lists, objects) as
    // JSON text. Parsing a string key would turn an environment named 2026 into a number.
    const value = (name: string): unknown =>
        STRING_KEYS.includes(name) ? source.values[key(name)] : parseJsonConfig(source.values[key(name)]);
    // A stack-wide setting: its default when unset or invalid (the problem is recorded).
    const stackValue = <K extends keyof typeof STACK_DEFAULTS>(name: K): (typeof STACK_DEFAULTS)[K] =>
        (read(StackSchema.shape[name], value(name), key(name), problems) as (typeof STACK_DEFAULTS)[K] | undefined) ?? STACK_DEFAULTS[name];

    for (const required of REQUIRED_KEYS) {
        if (source.values[key(required)] === undefined) {
            problems.add(key(required), `missing; set it with \`pulumi config set ${required} <value>\`${
                required === "repositories" ? " --path, or edit Pulumi.<stack>.yaml" : ""
            }`);
        }
    }

    const providerKey = (fullKey: keyof typeof PROVIDER_KEYS, schema: z.ZodType<string>) => {
        if (source.values[fullKey] === undefined) {
            problems.add(fullKey, `missing; set it with \`${PROVIDER_KEYS[fullKey].command}\``);
            return undefined;
        }
        return read(schema, source.values[fullKey], fullKey, problems);
    };
    const owner = providerKey("github:owner", FIELDS.githubOwner);
    const region = providerKey("aws:region", FIELDS.region);
    const accountId = value("accountId") === undefined ? undefined : read(FIELDS.accountId, value("accountId"), key("accountId"), problems);
    const defaultEnvironment =
        value("environment") === undefined ? undefined : read(FIELDS.environment, value("environment"), key("environment"), problems);

    const enterpriseSlug = stackValue("enterpriseSlug");
    const rolePath = stackValue("rolePath");
    const partition = region && isRegion(region) ? partitionOf(region) : "aws";
    const host = issuerHost(enterpriseSlug || undefined);

    const oidcProviderArn = stackValue("oidcProviderArn");
    if (oidcProviderArn) {
        checkAdoptedProvider(oidcProviderArn, { partition, accountId, host }, problems);
    }
    const permissionsBoundaryArn = stackValue("permissionsBoundaryArn");
    if (permissionsBoundaryArn) {
        checkPolicyArn(permissionsBoundaryArn, key("permissionsBoundaryArn"), { partition, accountId }, problems);
    }

    const stackProtection = {
        maxSessionDuration: stackValue("maxSessionDuration"),
        requireReviewers: stackValue("requireReviewers"),
        reviewerTeams: unique(stackValue("reviewerTeams"), key("reviewerTeams"), problems, "team"),
        reviewerUsers: unique(stackValue("reviewerUsers"), key("reviewerUsers"), problems, "user"),
        preventSelfReview: stackValue("preventSelfReview"),
        waitTimer: stackValue("waitTimer"),
        deploymentBranches: unique(stackValue("deploymentBranches"), key("deploymentBranches"), problems, "pattern"),
        deploymentTags: unique(stackValue("deploymentTags"), key("deploymentTags"), problems, "pattern"),
        protectedBranchesOnly: stackValue("protectedBranchesOnly"),
    };

    // Read by the pipeline (tools/pipelineStacks.ts) to order the deploy jobs; only checked here.
    if (value("deployOrder") !== undefined) read(FIELDS.deployOrder, value("deployOrder"), key("deployOrder"), problems);

    // For the keyless presets: every boundary a role of this stack may carry (the stack's and the
    // entries' own), so keyless's role can create each of them.
    const keylessTarget = (scopeAccount: string) => ({
        partition,
        accountId: scopeAccount,
        rolePath: rolePath ?? STACK_DEFAULTS.rolePath,
        issuerHost: host,
        providerAdopted: Boolean(oidcProviderArn),
        permissionsBoundaryArns: [
            ...new Set([...(permissionsBoundaryArn ? [permissionsBoundaryArn] : []), ...rawEntryBoundaries(value("repositories"))]),
        ],
    });
    const scope: ResourceScope | undefined =
        region && accountId && isRegion(region) && isAccountId(accountId) && rolePath
            ? { partition, region, accountId, keyless: keylessTarget(accountId) }
            : undefined;
    // Without a valid account, region or role path the ARNs cannot be written; the entries are
    // still checked on a stand-in scope, so that every problem shows at once (the bad key is
    // reported where it is read).
    const standInScope: ResourceScope = { ...STAND_IN_SCOPE, partition, keyless: keylessTarget(STAND_IN_SCOPE.accountId) };

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
                    warnings,
                    scope,
                    standInScope,
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
        throw new KeylessConfigError(problems.labelled((problemKey) => entryLabel(problemKey, repositories, owner, defaultEnvironment)));
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
        warnings: warnings.labelled((warningKey) => entryLabel(warningKey, repositories, owner, defaultEnvironment)),
    };
}

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
    /** What keyless accepts but the user should hear about (a credential-shaped variable value). */
    readonly warnings: Problems;
    readonly scope: ResourceScope | undefined;
    /** The scope the checks run on when `scope` is undefined. */
    readonly standInScope: ResourceScope;
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
    const before = problems.size;
    rejectUnknownFields(entry, REPOSITORY_FIELDS, entryKey, problems);
    const field = entryField(entry, entryKey, problems);

    const repository =
        entry.name === undefined
            ? (problems.add(`${entryKey}.name`, "missing; give the repository's name (without the owner)"), undefined)
            : field("name");

    const trustContext = readTrustContext(entry, entryKey, context);
    const subjectFormat: SubjectFormat | "auto" | undefined = entry.subjectFormat === undefined ? "auto" : field("subjectFormat");
    const ownerId = field("ownerId");
    const repositoryId = field("repositoryId");
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
            : field("roleName");
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
            : field("maxSessionDuration");
    let permissionsBoundaryArn = context.permissionsBoundaryArn;
    if (entry.permissionsBoundaryArn !== undefined) {
        permissionsBoundaryArn = field("permissionsBoundaryArn");
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

    if (problems.size > before || !repository || !trustContext || !subjectFormat || !roleName) {
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
    const field = entryField(entry, entryKey, problems);
    const given = (["environment", "branch", "tag", "pullRequest"] as const).filter((name) => entry[name] !== undefined);
    if (given.length > 1) {
        problems.add(
            entryKey,
            `${given.join(" and ")} are exclusive: a role trusts one context; add one entry per context instead`,
        );
        return undefined;
    }
    switch (given[0]) {
        case "branch": {
            const branch = field("branch");
            return branch === undefined ? undefined : { kind: "branch", branch };
        }
        case "tag": {
            const tag = field("tag");
            return tag === undefined ? undefined : { kind: "tag", tag };
        }
        case "pullRequest": {
            const pullRequest = field("pullRequest");
            if (pullRequest === false) {
                problems.add(`${entryKey}.pullRequest`, "false does nothing; remove it to trust the stack's environment");
            }
            return pullRequest ? { kind: "pullRequest" } : undefined;
        }
        case "environment": {
            const environment = field("environment");
            return environment === undefined ? undefined : { kind: "environment", environment };
        }
        default:
            // The stack's environment; a missing keyless:environment is reported once, at the top.
            return context.defaultEnvironment === undefined
                ? undefined
                : { kind: "environment", environment: context.defaultEnvironment };
    }
}

/**
 * Reads a field of a repository entry with its schema (components/config/schema.ts): its value,
 * or undefined when it is unset or invalid (the problem is recorded under its key).
 */
function entryField(entry: JsonObject, entryKey: string, problems: Problems) {
    return <F extends keyof typeof RepositoryEntrySchema.shape>(name: F): RepositoryEntry[F] | undefined =>
        entry[name] === undefined
            ? undefined
            : (read(RepositoryEntrySchema.shape[name], entry[name], `${entryKey}.${name}`, problems) as RepositoryEntry[F] | undefined);
}

/** Reports case-insensitive duplicates in a list read from config; returns the list. */
function unique<T extends readonly string[] | undefined>(list: T, listKey: string, problems: Problems, what: string): T {
    if (list) rejectDuplicates(list, listKey, problems, what);
    return list;
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
        const prefix = entry.variablePrefix === undefined ? defaultPrefix : entryField(entry, entryKey, problems)("variablePrefix");
        return prefix === undefined ? undefined : { kind: "repositoryVariables", prefix };
    }
    if (entry.variablePrefix !== undefined) {
        problems.add(
            `${entryKey}.variablePrefix`,
            `only applies to branch, tag and pull_request roles; an environment role's ARN goes into the environment secret ${ROLE_ARN_SECRET}`,
        );
    }

    // A setting the entry may override: the stack's when unset or invalid (the problem is recorded).
    const field = entryField(entry, entryKey, problems);
    const pick = <F extends keyof typeof stackProtection & keyof RepositoryEntry>(name: F): (typeof stackProtection)[F] =>
        (field(name) as (typeof stackProtection)[F] | undefined) ?? stackProtection[name];
    let reviewerTeams = stackProtection.reviewerTeams;
    let reviewerUsers = stackProtection.reviewerUsers;
    if (entry.reviewers !== undefined) {
        if (!isObject(entry.reviewers)) {
            problems.add(`${entryKey}.reviewers`, `expected an object with teams and/or users, got ${show(entry.reviewers)}`);
        } else {
            rejectUnknownFields(entry.reviewers, ["teams", "users"], `${entryKey}.reviewers`, problems);
            const teamsKey = `${entryKey}.reviewers.teams`;
            const usersKey = `${entryKey}.reviewers.users`;
            reviewerTeams = unique(read(FIELDS.teams, entry.reviewers.teams ?? [], teamsKey, problems), teamsKey, problems, "team") ?? [];
            reviewerUsers = unique(read(FIELDS.users, entry.reviewers.users ?? [], usersKey, problems), usersKey, problems, "user") ?? [];
        }
    }
    const requireReviewers = pick("requireReviewers");
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

    const protectedBranchesOnly = pick("protectedBranchesOnly");
    const branches = entry.deploymentBranches === undefined ? stackProtection.deploymentBranches : unique(pick("deploymentBranches"), `${entryKey}.deploymentBranches`, problems, "pattern");
    const tags = entry.deploymentTags === undefined ? stackProtection.deploymentTags : unique(pick("deploymentTags"), `${entryKey}.deploymentTags`, problems, "pattern");
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
    const variables = readVariables(entry.variables, `${entryKey}.variables`, problems, context.warnings);
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
            preventSelfReview: pick("preventSelfReview"),
            waitTimer: pick("waitTimer"),
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

function readVariables(raw: unknown, variablesKey: string, problems: Problems, warnings: Problems): { name: string; value: string }[] {
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
            if (looksLikeCredential(variableValue)) {
                // Variables are plaintext: the API returns them, and the logs of every job print them.
                warnings.add(
                    `${variablesKey}.${name}`,
                    `the value (${shapeOf(variableValue)}) looks like a credential, and environment variables are plaintext, ` +
                        "readable by anyone who can read the repository and never masked in job logs; if it is a secret, move it to " +
                        "this entry's `secrets` (name -> a keyless config key set with `pulumi config set --secret <key> <value>`) and rotate it",
                );
            }
            variables.push({ name, value: variableValue });
        }
    }
    rejectDuplicates(variables.map((variable) => variable.name), variablesKey, problems, "variable");
    return variables;
}

/** The `permissionsBoundaryArn` strings the repository entries set (checked where each entry is read). */
function rawEntryBoundaries(repositories: unknown): string[] {
    if (!Array.isArray(repositories)) return [];
    return repositories
        .map((entry) => (isObject(entry) ? entry.permissionsBoundaryArn : undefined))
        .filter((arn): arn is string => typeof arn === "string" && arn !== "");
}

