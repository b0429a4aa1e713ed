// The keyless repository entry (README "Repository entries") that would replace a GitHub-trusted
// role: one entry per exact repository and context the role trusts, with a permission preset where
// the role's inline permissions grant exactly what the preset's statements grant for the resources
// they name (the presets' own statement builders in components/presets.ts), the rest as extra
// `statements`, and its attached managed policies as `managedPolicyArns`.

import { isCloudFrontDistributionId, isEcrRepositoryName, isEcsName, isLambdaFunctionName, isS3BucketName, Partition } from "../../components/names";
import { ecsStatements, lambdaStatements, PermissionPresets, ResourceScope, Statement, staticSiteStatements } from "../../components/presets";
import { checkManagedPolicyArn, checkPermissionPolicy, environmentRequiresReviewers, extraSubjectClaims, parseGithubSubject, subjectContextClaim } from "../../policy/analysis";
import { DumpRole } from "./dump";

export interface ScanSubject {
    /** `token.actions.githubusercontent.com`, or `.../<enterprise-slug>`. */
    readonly issuer: string;
    /** The `sub` value as written; `*` when no `sub` condition restricts. */
    readonly subject: string;
    readonly operator: string;
    /** `exact`: these subjects only; `pattern`: whatever fits; `anyone`: every repository on the issuer. */
    readonly admits: "exact" | "pattern" | "anyone";
    /** `OWNER/REPO` when the subject names one. */
    readonly repository?: string;
    readonly ownerId?: string;
    readonly repositoryId?: string;
    readonly form?: "legacy" | "immutable";
    /** The claim after the repository: `environment:prod`, `ref:refs/heads/main`, `pull_request`, ... */
    readonly context?: string;
    /** Claims a customised subject template (include_claim_keys) puts after the context, e.g. job_workflow_ref. */
    readonly claims?: readonly { readonly key: string; readonly value: string }[];
    /** The trust statement. */
    readonly statement: string;
}

/** One entry of `keyless:repositories`, as YAML/JSON would hold it. */
export type RepositoryEntry = Record<string, unknown>;

export interface KeylessSuggestion {
    /** `github:owner` of the stack the entries go into. */
    readonly owner?: string;
    /** `keyless:enterpriseSlug`, when the role trusts an enterprise issuer. */
    readonly enterpriseSlug?: string;
    readonly entries: readonly RepositoryEntry[];
    /** What the entries do not carry over, and why. */
    readonly notes: readonly string[];
}

const ISSUER = "token.actions.githubusercontent.com";

type PresetName = "ecs" | "lambda" | "staticSite";

/** One grant: lower-cased action, resource, canonical condition. */
type Grant = string;

interface RoleStatement {
    readonly raw: Record<string, unknown>;
    readonly grants: readonly Grant[];
    /** Can be written as a keyless `statements` entry (Sid, Effect, Action, Resource, Condition only). */
    readonly expressible: boolean;
    readonly label: string;
}

const asList = (value: unknown): string[] | undefined =>
    typeof value === "string" ? [value] : Array.isArray(value) && value.every((v) => typeof v === "string") ? (value as string[]) : undefined;

/** Condition blocks compared regardless of key order and of a single value written as a string. */
function canonicalCondition(condition: unknown): string {
    if (typeof condition !== "object" || condition === null) {
        return "";
    }
    const operators = Object.entries(condition as Record<string, unknown>)
        .map(([operator, keys]) => {
            const entries = Object.entries(typeof keys === "object" && keys !== null ? (keys as Record<string, unknown>) : {})
                .map(([key, value]) => [key.toLowerCase(), (asList(value) ?? [String(value)]).slice().sort()] as const)
                .sort(([a], [b]) => a.localeCompare(b));
            return [operator.toLowerCase(), entries] as const;
        })
        .sort(([a], [b]) => a.localeCompare(b));
    return operators.length === 0 ? "" : JSON.stringify(operators);
}

function grantsOf(statement: Record<string, unknown>): Grant[] {
    const actions = asList(statement.Action) ?? [];
    const resources = asList(statement.Resource) ?? [];
    const condition = canonicalCondition(statement.Condition);
    return actions.flatMap((action) => resources.map((resource) => `${String(statement.Effect)}\u0000${action.toLowerCase()}\u0000${resource}\u0000${condition}`));
}

function roleStatements(role: DumpRole): RoleStatement[] {
    const statements: RoleStatement[] = [];
    for (const policy of role.inlinePolicies) {
        const document = policy.document as { Statement?: unknown };
        const list = Array.isArray(document?.Statement) ? document.Statement : document?.Statement !== undefined ? [document.Statement] : [];
        list.forEach((raw: unknown, index: number) => {
            if (typeof raw !== "object" || raw === null) {
                return;
            }
            const statement = raw as Record<string, unknown>;
            const expressible =
                Object.keys(statement).every((key) => ["Sid", "Effect", "Action", "Resource", "Condition"].includes(key)) &&
                (statement.Effect === "Allow" || statement.Effect === "Deny") &&
                asList(statement.Action) !== undefined &&
                asList(statement.Resource) !== undefined;
            statements.push({ raw: statement, grants: expressible ? grantsOf(statement) : [], expressible, label: `${policy.name} Statement[${index}]` });
        });
    }
    return statements;
}

interface Inferred {
    readonly preset: PresetName;
    readonly fields: PermissionPresets[PresetName];
    readonly statements: Statement[];
}

const unique = <T>(values: T[]): T[] => [...new Set(values)];

/** The presets whose fields can be read off the role's resources, with the statements keyless would write for them. */
function inferPresets(role: DumpRole, statements: readonly RoleStatement[]): Inferred[] {
    const allows = statements.filter((s) => s.expressible && s.raw.Effect === "Allow");
    const resources = unique(allows.flatMap((s) => asList(s.raw.Resource) ?? []));
    const scopeFor = (region: string): ResourceScope => ({ partition: role.partition as Partition, region, accountId: role.accountId });
    const inferred: Inferred[] = [];
    const account = role.accountId;
    const matches = (pattern: RegExp) => resources.map((r) => pattern.exec(r)).filter((m): m is RegExpExecArray => m !== null);

    const ecr = matches(new RegExp(`^arn:${role.partition}:ecr:([a-z0-9-]+):${account}:repository/(.+)$`));
    const services = matches(new RegExp(`^arn:${role.partition}:ecs:([a-z0-9-]+):${account}:service/([^/]+)/([^/]+)$`));
    const clusters = unique(services.map((m) => m[2]));
    const regions = unique([...ecr, ...services].map((m) => m[1]));
    if (ecr.length > 0 && services.length > 0 && clusters.length === 1 && regions.length === 1) {
        const passRoles = unique(
            allows
                .filter((s) => (asList(s.raw.Action) ?? []).some((a) => a.toLowerCase() === "iam:passrole"))
                .flatMap((s) => asList(s.raw.Resource) ?? [])
                .filter((r) => new RegExp(`^arn:${role.partition}:iam::\\d{12}:role/`).test(r)),
        );
        const fields = {
            cluster: clusters[0],
            services: unique(services.map((m) => m[3])),
            ecrRepositories: unique(ecr.map((m) => m[2])),
            taskRoleArns: passRoles,
        };
        if (isEcsName(fields.cluster) && fields.services.every(isEcsName) && fields.ecrRepositories.every(isEcrRepositoryName)) {
            inferred.push({ preset: "ecs", fields, statements: ecsStatements(fields, scopeFor(regions[0])) });
        }
    }
    const functions = matches(new RegExp(`^arn:${role.partition}:lambda:([a-z0-9-]+):${account}:function:([^:]+)$`));
    const lambdaRegions = unique(functions.map((m) => m[1]));
    if (functions.length > 0 && lambdaRegions.length === 1) {
        const fields = { functions: unique(functions.map((m) => m[2])) };
        if (fields.functions.every(isLambdaFunctionName)) {
            inferred.push({ preset: "lambda", fields, statements: lambdaStatements(fields, scopeFor(lambdaRegions[0])) });
        }
    }
    const buckets = unique(matches(new RegExp(`^arn:${role.partition}:s3:::([^/]+)$`)).map((m) => m[1]));
    const distributions = unique(matches(new RegExp(`^arn:${role.partition}:cloudfront::${account}:distribution/(.+)$`)).map((m) => m[1]));
    if (buckets.length === 1 && distributions.length === 1 && isS3BucketName(buckets[0]) && isCloudFrontDistributionId(distributions[0])) {
        const fields = { bucket: buckets[0], distributionId: distributions[0] };
        inferred.push({ preset: "staticSite", fields, statements: staticSiteStatements(fields, scopeFor("")) });
    }
    return inferred;
}

/** Presets the role's grants cover completely, and the statements left over, as keyless `statements`. */
export function matchPermissions(role: DumpRole): { presets: Partial<Record<PresetName, unknown>>; statements: Record<string, unknown>[]; notes: string[] } {
    const statements = roleStatements(role);
    const granted = new Set(statements.flatMap((s) => s.grants));
    const covered = new Set<Grant>();
    const presets: Partial<Record<PresetName, unknown>> = {};
    for (const candidate of inferPresets(role, statements)) {
        const grants = candidate.statements.flatMap((s) => grantsOf(s as unknown as Record<string, unknown>));
        if (grants.length > 0 && grants.every((g) => granted.has(g))) {
            presets[candidate.preset] = candidate.fields;
            grants.forEach((g) => covered.add(g));
        }
    }
    const extra: Record<string, unknown>[] = [];
    const notes: string[] = [];
    for (const statement of statements) {
        if (!statement.expressible) {
            notes.push(
                `${statement.label} uses ${Object.keys(statement.raw).filter((k) => !["Sid", "Effect", "Action", "Resource", "Condition"].includes(k)).join(", ") || "a form"} ` +
                    "keyless does not accept in extra statements (only Sid, Effect, Action, Resource, Condition): rewrite it with Action and Resource lists",
            );
            continue;
        }
        const left = statement.grants.filter((g) => !covered.has(g));
        if (left.length === 0) {
            continue;
        }
        if (left.length === statement.grants.length) {
            extra.push(statement.raw);
            continue;
        }
        // Partly covered by a preset: the rest, one statement per resource.
        const byResource = new Map<string, string[]>();
        for (const grant of left) {
            const [, action, resource] = grant.split("\u0000");
            byResource.set(resource, [...(byResource.get(resource) ?? []), action]);
        }
        for (const [resource, actions] of byResource) {
            const original = (asList(statement.raw.Action) ?? []).filter((a) => actions.includes(a.toLowerCase()));
            extra.push({
                Effect: statement.raw.Effect,
                Action: original.length === 1 ? original[0] : original,
                Resource: resource,
                ...(statement.raw.Condition !== undefined ? { Condition: statement.raw.Condition } : {}),
            });
        }
    }
    return { presets, statements: extra, notes };
}

function contextField(context: string | undefined): Record<string, unknown> | undefined {
    if (context === undefined) {
        return undefined;
    }
    if (context.startsWith("environment:")) {
        return { environment: context.slice("environment:".length) };
    }
    if (context.startsWith("ref:refs/heads/")) {
        return { branch: context.slice("ref:refs/heads/".length) };
    }
    if (context.startsWith("ref:refs/tags/")) {
        return { tag: context.slice("ref:refs/tags/".length) };
    }
    if (context === "pull_request") {
        return { pullRequest: true };
    }
    return undefined;
}

/** The subjects a role's GitHub trusts admit, one per `sub` value (or one `*` when nothing restricts). */
export function subjectsOf(trusts: readonly { issuer: string; subjects: string[]; subjectOperator: string; location: string; admits: ScanSubject["admits"] }[]): ScanSubject[] {
    return trusts.flatMap((trust): ScanSubject[] => {
        if (trust.admits === "anyone" || trust.subjects.length === 0) {
            return [{ issuer: trust.issuer, subject: "*", operator: trust.subjectOperator, admits: "anyone", statement: trust.location }];
        }
        return trust.subjects.map((subject) => {
            const parsed = parseGithubSubject(subject);
            const base = { issuer: trust.issuer, subject, operator: trust.subjectOperator, admits: trust.admits, statement: trust.location };
            if (!parsed.ok) {
                return base;
            }
            const { owner, ownerId, repository, repositoryId, form, context } = parsed.subject;
            const claim = subjectContextClaim(context);
            const claims = extraSubjectClaims(subject);
            return { ...base, repository: `${owner}/${repository}`, ownerId, repositoryId, form, context: claim, ...(claims.length > 0 ? { claims } : {}) };
        });
    });
}

/** The keyless entries that would replace a GitHub-trusted role. */
export function suggestEntries(role: DumpRole, subjects: readonly ScanSubject[], environmentsRequiringReviewers: readonly string[]): KeylessSuggestion {
    const notes: string[] = [];
    const loose = subjects.filter((s) => s.admits !== "exact");
    for (const subject of loose) {
        notes.push(
            subject.admits === "anyone"
                ? `${subject.statement} lets any repository on ${subject.issuer} assume the role: find the workflows that use it and give each repository and context its own entry`
                : `${subject.statement} trusts the pattern ${JSON.stringify(subject.subject)}: give each repository and context that matches and deploys with it its own entry`,
        );
    }
    const issuers = [...new Set(subjects.map((s) => s.issuer))];
    const slugs = [...new Set(issuers.filter((i) => i.toLowerCase().startsWith(`${ISSUER}/`)).map((i) => i.slice(ISSUER.length + 1)))];
    if (slugs.length > 1) {
        notes.push(`the role trusts several enterprise issuers (${slugs.join(", ")}); a keyless stack has one (keyless:enterpriseSlug)`);
    }
    // Exact subjects grouped by repository and context: legacy and immutable forms of one pair make one entry.
    const groups = new Map<string, ScanSubject[]>();
    for (const subject of subjects.filter((s) => s.admits === "exact" && s.repository !== undefined)) {
        const key = `${subject.repository!.toLowerCase()}\u0000${subject.context ?? ""}`;
        groups.set(key, [...(groups.get(key) ?? []), subject]);
    }
    const owners = [...new Set([...groups.values()].map((g) => g[0].repository!.split("/")[0]))];
    if (owners.length > 1) {
        notes.push(`the role trusts repositories of several owners (${owners.join(", ")}); each owner's entries go into a stack of that github:owner`);
    }
    const permissions = matchPermissions(role);
    notes.push(...permissions.notes);
    const blocked = checkPermissionPolicy({ Version: "2012-10-17", Statement: permissions.statements });
    if (blocked.length > 0) {
        notes.push(`keyless refuses extra statements the pack blocks (${[...new Set(blocked.map((f) => f.policy))].join(", ")}): narrow them to the actions and resources the job needs`);
    }
    const managed = role.attachedPolicies.map((p) => p.arn);
    const refused = managed.filter((arn) => checkManagedPolicyArn(arn) !== undefined);
    if (refused.length > 0) {
        notes.push(`keyless refuses admin managed policies (${refused.join(", ")}): grant the actions the job needs instead`);
    }
    const kept = managed.filter((arn) => !refused.includes(arn));
    const entries: RepositoryEntry[] = [];
    for (const group of groups.values()) {
        const first = group[0];
        const context = contextField(first.context);
        if (context === undefined) {
            notes.push(
                `${JSON.stringify(first.subject)} names ${first.context === undefined ? "no context" : `the context ${JSON.stringify(first.context)}, which a keyless entry cannot name`}: ` +
                    "choose the environment (or branch, tag, pullRequest) its jobs run in",
            );
            continue;
        }
        const claims = group.flatMap((s) => s.claims ?? []);
        if (claims.length > 0) {
            notes.push(
                `${JSON.stringify(first.subject)} also pins ${claims.map((c) => `${c.key}=${c.value}`).join(", ")} (a customised subject template); ` +
                    "keyless trusts the default template's subject, so the entry admits every workflow of that repository and context",
            );
        }
        const forms = new Set(group.map((s) => s.form));
        const immutable = group.find((s) => s.form === "immutable");
        const name = first.repository!.split("/")[1];
        const entry: RepositoryEntry = {
            name,
            ...context,
            subjectFormat: forms.size > 1 ? "both" : forms.has("immutable") ? "immutable" : "legacy",
            ...(immutable !== undefined ? { ownerId: Number(immutable.ownerId), repositoryId: Number(immutable.repositoryId) } : {}),
            ...(role.permissionsBoundaryArn !== undefined ? { permissionsBoundaryArn: role.permissionsBoundaryArn } : {}),
            permissions: {
                ...permissions.presets,
                ...(permissions.statements.length > 0 ? { statements: permissions.statements } : {}),
                ...(kept.length > 0 ? { managedPolicyArns: kept } : {}),
            },
        };
        if (context.pullRequest === true && (Object.keys(permissions.presets).length > 0 || permissions.statements.some((s) => s.Effect === "Allow"))) {
            notes.push(`${name} pullRequest: keyless gives pull request roles read-only permissions only (pull request runs execute whatever a contributor pushed)`);
        }
        if (typeof context.environment === "string" && environmentRequiresReviewers(environmentsRequiringReviewers, context.environment)) {
            notes.push(
                `${name} environment ${context.environment}: the organisation's configuration protects it, so keyless manages it with required reviewers: ` +
                    "name them (keyless:reviewerTeams / reviewerUsers, or the entry's reviewers)",
            );
        }
        entries.push(entry);
    }
    if (entries.length > 1) {
        notes.push("keyless makes one role per repository and context: this role becomes one role per entry");
    }
    if (Object.keys(permissions.presets).length === 0 && permissions.statements.length === 0 && kept.length === 0 && entries.length > 0) {
        notes.push("the role has no permissions keyless can carry over: an entry needs at least one");
    }
    return {
        owner: owners.length === 1 ? owners[0] : undefined,
        enterpriseSlug: slugs.length === 1 ? slugs[0] : undefined,
        entries,
        notes,
    };
}
