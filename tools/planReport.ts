// The plan's report: who can assume which role from where, with what, behind which GitHub
// protections, and what the policy pack says about it. Pure: recorded resources and the
// pack's diagnostics in, a report and its text, Markdown and JSON renderings out.
//
// Every value is shown whole (full ARNs, every condition) and, in Markdown, escaped so that it
// renders as it is: a reviewer must see `release/*`, not an italic `release/`.

import { describeGithubTrust, parseGithubSubject, subjectContextClaim } from "../policy/analysis";
import { OfflineRun, RecordedResource } from "./offlineRun";

export interface PackFinding {
    readonly policyName: string;
    readonly enforcementLevel: string;
    readonly message: string;
    /** Name of the resource the finding is about; empty for stack-wide findings. */
    readonly resource: string;
    readonly resourceType: string;
}

/** One condition of a statement: `StringEquals` `iam:PassedToService` `["ecs-tasks.amazonaws.com"]`. */
export interface ConditionSummary {
    readonly operator: string;
    readonly key: string;
    readonly values: readonly string[];
}

export interface StatementSummary {
    readonly effect: string;
    /** Actions as written (full), or `everything but X` for NotAction. */
    readonly actions: readonly string[];
    /** Resources as written (full ARNs), or `everything but X` for NotResource. */
    readonly resources: readonly string[];
    readonly conditions: readonly ConditionSummary[];
}

export interface PermissionSummary {
    /** Where keyless says the permissions come from (preset names), when it says. */
    readonly sources?: string;
    readonly statements: readonly StatementSummary[];
    readonly managedPolicies: readonly string[];
    /** The role's permissions boundary (policy ARN), or null when it has none. */
    readonly boundary: string | null;
}

export interface EnvironmentRow {
    readonly repository: string;
    readonly environment: string;
    readonly reviewers: readonly string[];
    readonly preventSelfReview: boolean;
    readonly adminsCanBypass: boolean;
    readonly waitTimerMinutes: number;
    readonly deployFrom: readonly string[];
    readonly secrets: readonly string[];
    readonly variables: readonly string[];
}

export interface RoleRow {
    readonly resource: string;
    readonly roleName: string;
    readonly arn?: string;
    /** `owner/repo` of the GitHub subjects, when the role trusts GitHub. */
    readonly repository?: string;
    /** What part of a run it trusts (`environment:prod`, `ref:refs/heads/main`, `pull_request`). */
    readonly contexts: readonly string[];
    readonly subjects: readonly string[];
    /** How the trust reads when it is not (only) GitHub's. */
    readonly trustNote?: string;
    readonly sessionSeconds: number;
    readonly permissions: PermissionSummary;
    /** The GitHub environment the role trusts, as the stack manages it. */
    readonly environment?: EnvironmentRow;
    /**
     * Repository-level variables and secrets the role publishes (branch, tag, pull_request roles):
     * those of the component that made the role, or whose value is the role's. A value of the
     * repository that no role publishes is listed under each such role of the repository.
     */
    readonly repositoryValues: readonly string[];
}

/** The JSON plan's shape; raised when a field changes meaning or goes away (new fields keep it). */
export const PLAN_SCHEMA_VERSION = 1;

export interface PlanReport {
    readonly project: string;
    readonly stack: string;
    /** The AWS account and region the stack deploys into, as the offline run was given them. */
    readonly account: string;
    readonly region: string;
    readonly programDir: string;
    readonly stackFile: string;
    readonly notes: readonly string[];
    readonly warnings: readonly string[];
    readonly roles: readonly RoleRow[];
    /** Environments no role in the stack trusts. */
    readonly otherEnvironments: readonly EnvironmentRow[];
    readonly policyPack: string;
    readonly findings: readonly PackFinding[];
    readonly verdict: { readonly passed: boolean; readonly mandatory: number; readonly advisory: number };
}

const STACK_TYPE = "pulumi:pulumi:Stack";
const ROLE_TYPES = new Set(["aws:iam/role:Role", "aws-native:iam:Role"]);
const ENVIRONMENT_TYPE = "github:index/repositoryEnvironment:RepositoryEnvironment";
const DEPLOYMENT_POLICY_TYPES = new Set([
    "github:index/repositoryEnvironmentDeploymentPolicy:RepositoryEnvironmentDeploymentPolicy",
    "github:index/repositoryDeploymentBranchPolicy:RepositoryDeploymentBranchPolicy",
]);
const ENVIRONMENT_SECRET_TYPE = "github:index/actionsEnvironmentSecret:ActionsEnvironmentSecret";
const ENVIRONMENT_VARIABLE_TYPE = "github:index/actionsEnvironmentVariable:ActionsEnvironmentVariable";
const REPOSITORY_VALUE_TYPES = new Set(["github:index/actionsVariable:ActionsVariable", "github:index/actionsSecret:ActionsSecret"]);

const list = (value: unknown): unknown[] => (value === undefined || value === null ? [] : Array.isArray(value) ? value : [value]);
const text = (value: unknown): string => (typeof value === "string" ? value : value === undefined ? "" : JSON.stringify(value));
/** GitHub and IAM names compare case-insensitively where the report matches them. */
const fold = (value: unknown): string => (typeof value === "string" ? value.toLowerCase() : "\u0000");

function parseDocument(value: unknown): unknown {
    if (typeof value !== "string") return value;
    try {
        return JSON.parse(value);
    } catch {
        return undefined;
    }
}

/** Replaces made-up offline IDs by what they stand for. */
function withStandIns(value: string, standIns: ReadonlyMap<number, string>): string {
    return value.replace(/@(\d{9})\b/g, (match, id: string) => {
        const what = standIns.get(Number(id));
        return what ? `@<GitHub ID of ${what.replace(/^(repository|owner) /, "")}>` : match;
    });
}

/** `repo:acme@1/api@2:environment:prod` → `acme/api` and `environment:prod`. */
function splitSubject(subject: string): { repository: string; context: string } | undefined {
    const parsed = parseGithubSubject(subject);
    if (!parsed.ok) return undefined;
    const { owner, repository, context } = parsed.subject;
    return { repository: `${owner}/${repository}`, context: subjectContextClaim(context) ?? "any context" };
}

function summariseConditions(condition: unknown): ConditionSummary[] {
    if (typeof condition !== "object" || condition === null) return [];
    return Object.entries(condition as Record<string, unknown>).flatMap(([operator, block]) =>
        typeof block === "object" && block !== null && !Array.isArray(block)
            ? Object.entries(block as Record<string, unknown>).map(([key, values]) => ({ operator, key, values: list(values).map(text) }))
            : [{ operator, key: "", values: list(block).map(text) }],
    );
}

function summariseDocument(document: unknown): StatementSummary[] {
    const parsed = parseDocument(document) as { Statement?: unknown } | undefined;
    return list(parsed?.Statement).flatMap((statement) => {
        if (typeof statement !== "object" || statement === null) return [];
        const record = statement as Record<string, unknown>;
        const actions = record.Action !== undefined ? list(record.Action).map(text) : list(record.NotAction).map((action) => `everything but ${text(action)}`);
        const resources = record.Resource !== undefined ? list(record.Resource).map(text) : list(record.NotResource).map((resource) => `everything but ${text(resource)}`);
        return [{ effect: text(record.Effect), actions, resources, conditions: summariseConditions(record.Condition) }];
    });
}

/** Resources grouped once by a key, so that a report over N roles stays linear in N. */
class Index {
    private readonly groups = new Map<string, RecordedResource[]>();
    add(key: string, resource: RecordedResource): void {
        const group = this.groups.get(key);
        if (group) group.push(resource);
        else this.groups.set(key, [resource]);
    }
    get(key: string): readonly RecordedResource[] {
        return this.groups.get(key) ?? [];
    }
}

/** Every lookup the report makes, built in one pass over the resources. */
class ResourceIndex {
    readonly roles: RecordedResource[] = [];
    readonly environments: RecordedResource[] = [];
    /** `repository/environment` (folded) → the environment resource. */
    readonly environmentByName = new Map<string, RecordedResource>();
    /** `repository/environment` (folded) → deployment policies, environment secrets and variables. */
    readonly ofEnvironment = new Index();
    /** repository (folded) → repository variables and secrets. */
    readonly ofRepository = new Index();
    /** URN → resource, for parent chains. */
    readonly byUrn = new Map<string, RecordedResource>();
    /** Component URN → the repository variables and secrets registered right under it. */
    readonly repositoryValuesUnder = new Index();
    /** URN → the repository variables and secrets whose value depends on that resource. */
    readonly repositoryValuesOf = new Index();
    /** `type` + role name (folded) or role URN → policies and attachments of that role. */
    readonly ofRole = new Index();

    constructor(resources: readonly RecordedResource[]) {
        for (const resource of resources) {
            const inputs = resource.inputs;
            this.byUrn.set(resource.urn, resource);
            if (ROLE_TYPES.has(resource.type)) this.roles.push(resource);
            else if (resource.type === ENVIRONMENT_TYPE) {
                this.environments.push(resource);
                const key = `${fold(inputs.repository)}/${fold(inputs.environment)}`;
                if (!this.environmentByName.has(key)) this.environmentByName.set(key, resource);
            } else if (DEPLOYMENT_POLICY_TYPES.has(resource.type) || resource.type === ENVIRONMENT_SECRET_TYPE || resource.type === ENVIRONMENT_VARIABLE_TYPE) {
                this.ofEnvironment.add(`${fold(inputs.repository)}/${fold(inputs.environment ?? inputs.environmentName)}`, resource);
            } else if (REPOSITORY_VALUE_TYPES.has(resource.type)) {
                this.ofRepository.add(fold(inputs.repository), resource);
                if (resource.parent) this.repositoryValuesUnder.add(resource.parent, resource);
                for (const urn of new Set([...(resource.propertyDependencies.value ?? []), ...(resource.propertyDependencies.plaintextValue ?? [])])) {
                    this.repositoryValuesOf.add(urn, resource);
                }
            } else {
                const field = ROLE_REFERENCE_FIELDS[resource.type];
                if (field === undefined) continue;
                const names = field === "roles" ? list(inputs.roles) : [inputs[field]];
                const keys = new Set([...names.map((name) => `${resource.type}\n${fold(name)}`), ...(resource.propertyDependencies[field] ?? []).map((urn) => `${resource.type}\n${urn}`)]);
                for (const key of keys) this.ofRole.add(key, resource);
            }
        }
    }

    /**
     * The repository variables and secrets `role` publishes: registered under one of the
     * components above it (the stack itself excepted: it is above every role), or valued from it.
     */
    publishedBy(role: RecordedResource): RecordedResource[] {
        const published = new Set(this.repositoryValuesOf.get(role.urn));
        for (let above = role.parent; above !== undefined; above = this.byUrn.get(above)?.parent) {
            const component = this.byUrn.get(above);
            if (component === undefined || component.type === STACK_TYPE) break;
            for (const value of this.repositoryValuesUnder.get(above)) published.add(value);
            for (const value of this.repositoryValuesOf.get(above)) published.add(value);
        }
        return [...published];
    }

    /** The resources of `type` that name the role (by name, or by depending on it in that field). */
    attachedTo(role: RecordedResource, roleName: string, type: string): RecordedResource[] {
        return [...new Set([...this.ofRole.get(`${type}\n${fold(roleName)}`), ...this.ofRole.get(`${type}\n${role.urn}`)])];
    }
}

/** The input of each policy or attachment type that names its role. */
const ROLE_REFERENCE_FIELDS: Record<string, string> = {
    "aws:iam/rolePolicy:RolePolicy": "role",
    "aws-native:iam:RolePolicy": "roleName",
    "aws:iam/rolePolicyAttachment:RolePolicyAttachment": "role",
    "aws:iam/rolePolicyAttachmentsExclusive:RolePolicyAttachmentsExclusive": "roleName",
    "aws:iam/policyAttachment:PolicyAttachment": "roles",
};

function environmentRow(environment: RecordedResource, index: ResourceIndex, standIns: ReadonlyMap<number, string>): EnvironmentRow {
    const repository = text(environment.inputs.repository);
    const name = text(environment.inputs.environment);
    const belonging = index.ofEnvironment.get(`${fold(repository)}/${fold(name)}`);
    const reviewers = list(environment.inputs.reviewers).flatMap((entry) => {
        const reviewer = (entry ?? {}) as { teams?: unknown; users?: unknown };
        const named = (kind: string, id: unknown) => standIns.get(Number(id)) ?? `${kind} #${text(id)}`;
        return [...list(reviewer.teams).map((id) => named("team", id)), ...list(reviewer.users).map((id) => named("user", id))];
    });
    const policy = (environment.inputs.deploymentBranchPolicy ?? undefined) as { protectedBranches?: boolean; customBranchPolicies?: boolean } | undefined;
    let deployFrom: string[];
    if (!policy) {
        deployFrom = ["any branch (no deployment branch policy)"];
    } else if (policy.protectedBranches) {
        deployFrom = ["protected branches"];
    } else {
        deployFrom = belonging
            .filter((resource) => DEPLOYMENT_POLICY_TYPES.has(resource.type))
            .map((resource) => (resource.inputs.tagPattern ? `tag ${text(resource.inputs.tagPattern)}` : text(resource.inputs.branchPattern ?? resource.inputs.name)));
        if (deployFrom.length === 0) deployFrom = ["nothing (no branch or tag pattern)"];
    }
    const named = (type: string, field: string) =>
        belonging
            .filter((resource) => resource.type === type)
            .map((resource) => text(resource.inputs[field]))
            .sort();
    return {
        repository,
        environment: name,
        reviewers,
        preventSelfReview: environment.inputs.preventSelfReview === true,
        // The GitHub provider defaults canAdminsBypass to true when it is not set.
        adminsCanBypass: environment.inputs.canAdminsBypass !== false,
        waitTimerMinutes: Number(environment.inputs.waitTimer ?? 0),
        deployFrom,
        secrets: named(ENVIRONMENT_SECRET_TYPE, "secretName"),
        variables: named(ENVIRONMENT_VARIABLE_TYPE, "variableName"),
    };
}

export interface PlanMeta {
    readonly project: string;
    readonly account: string;
    readonly region: string;
    readonly stack: string;
    readonly programDir: string;
    readonly stackFile: string;
    readonly notes: readonly string[];
    readonly policyPack: string;
}

export function buildPlanReport(run: OfflineRun, findings: readonly PackFinding[], meta: PlanMeta): PlanReport {
    const index = new ResourceIndex(run.resources);
    const usedEnvironments = new Set<RecordedResource>();
    // Which role publishes each repository value; those no role publishes belong to the repository's roles alike.
    const publishedBy = new Map(index.roles.map((role) => [role, index.publishedBy(role)]));
    const claimed = new Set([...publishedBy.values()].flat());

    const roles = index.roles.map((role): RoleRow => {
        const native = role.type.startsWith("aws-native:");
        const roleName = text(role.inputs[native ? "roleName" : "name"]) || role.name;
        const trustDocument = parseDocument(role.inputs[native ? "assumeRolePolicyDocument" : "assumeRolePolicy"]);
        const trusts = describeGithubTrust(trustDocument);
        const subjects = trusts.flatMap((trust) => trust.subjects).map((subject) => withStandIns(subject, run.standIns));
        const parts = subjects.map(splitSubject).filter((part): part is { repository: string; context: string } => part !== undefined);
        const repository = parts[0]?.repository;
        const contexts = [...new Set(parts.map((part) => part.context))];
        const attached = (type: string) => index.attachedTo(role, roleName, type);

        const statements = [
            ...list(role.inputs.inlinePolicies).flatMap((policy) => summariseDocument((policy as { policy?: unknown }).policy)),
            ...list(role.inputs.policies).flatMap((policy) => summariseDocument((policy as { policyDocument?: unknown }).policyDocument)),
            ...attached("aws:iam/rolePolicy:RolePolicy").flatMap((resource) => summariseDocument(resource.inputs.policy)),
            ...attached("aws-native:iam:RolePolicy").flatMap((resource) => summariseDocument(resource.inputs.policyDocument)),
        ];
        // An attachment and the exclusive list that owns it name the same policy: listed once.
        const managedPolicies = [...new Set([
            ...list(role.inputs.managedPolicyArns).map(text),
            ...attached("aws:iam/rolePolicyAttachment:RolePolicyAttachment").map((resource) => text(resource.inputs.policyArn)),
            ...attached("aws:iam/rolePolicyAttachmentsExclusive:RolePolicyAttachmentsExclusive").flatMap((resource) => list(resource.inputs.policyArns).map(text)),
            ...attached("aws:iam/policyAttachment:PolicyAttachment").map((resource) => text(resource.inputs.policyArn)),
        ])];
        const boundary = typeof role.inputs.permissionsBoundary === "string" && role.inputs.permissionsBoundary !== "" ? role.inputs.permissionsBoundary : null;

        let environment: EnvironmentRow | undefined;
        const environmentContext = contexts.find((context) => context.startsWith("environment:"));
        if (repository && environmentContext) {
            const repositoryName = repository.split("/")[1];
            const match = index.environmentByName.get(`${fold(repositoryName)}/${fold(environmentContext.slice("environment:".length))}`);
            if (match) {
                usedEnvironments.add(match);
                environment = environmentRow(match, index, run.standIns);
            }
        }
        const repositoryValues =
            repository && !environment
                ? [...(publishedBy.get(role) ?? []), ...index.ofRepository.get(fold(repository.split("/")[1])).filter((value) => !claimed.has(value))]
                      .filter((value) => fold(value.inputs.repository) === fold(repository.split("/")[1]))
                      .map((resource) => text(resource.inputs.variableName ?? resource.inputs.secretName))
                      .sort()
                : [];

        const tags = (role.inputs.tags ?? {}) as Record<string, unknown>;
        return {
            resource: role.name,
            roleName,
            arn: typeof role.state.arn === "string" ? role.state.arn : undefined,
            repository,
            contexts,
            subjects,
            trustNote: trusts.length === 0 ? "does not trust GitHub's OIDC issuer" : undefined,
            sessionSeconds: Number(role.inputs.maxSessionDuration ?? 3600),
            permissions: { sources: typeof tags["keyless:permissions"] === "string" ? tags["keyless:permissions"] : undefined, statements, managedPolicies, boundary },
            environment,
            repositoryValues,
        };
    });

    // Grouped by repository, then by context, whatever order the program registered them in.
    roles.sort((a, b) => (a.repository ?? "~").localeCompare(b.repository ?? "~") || a.contexts.join().localeCompare(b.contexts.join()));
    const mandatory = findings.filter((finding) => finding.enforcementLevel === "mandatory").length;
    return {
        project: meta.project,
        stack: meta.stack,
        account: meta.account,
        region: meta.region,
        programDir: meta.programDir,
        stackFile: meta.stackFile,
        notes: meta.notes,
        warnings: run.warnings.map((warning) => withStandIns(warning, run.standIns)),
        roles,
        otherEnvironments: index.environments.filter((environment) => !usedEnvironments.has(environment)).map((environment) => environmentRow(environment, index, run.standIns)),
        policyPack: meta.policyPack,
        findings,
        verdict: { passed: mandatory === 0, mandatory, advisory: findings.length - mandatory },
    };
}

export function duration(seconds: number): string {
    return seconds % 3600 === 0 ? `${seconds / 3600} h` : `${Math.round(seconds / 60)} min`;
}

function reviewersText(environment: EnvironmentRow): string {
    const who = environment.reviewers.length > 0 ? environment.reviewers.join(", ") : "none";
    const extras = [
        environment.reviewers.length > 0 && environment.preventSelfReview ? "not the author" : "",
        environment.waitTimerMinutes > 0 ? `then waits ${environment.waitTimerMinutes} min` : "",
        environment.adminsCanBypass ? "ADMINS CAN BYPASS" : "",
    ].filter(Boolean);
    return extras.length > 0 ? `${who} (${extras.join("; ")})` : who;
}

/** Condition values beyond this many are folded onto their own lines (text) or a list (Markdown). */
const FOLD_VALUES = 3;

/** `StringEquals iam:PassedToService = ecs-tasks.amazonaws.com`; long value lists come back folded. */
export function conditionText(condition: ConditionSummary): { head: string; folded: readonly string[] } {
    const head = `${condition.operator}${condition.key ? ` ${condition.key}` : ""}`;
    if (condition.values.length <= FOLD_VALUES) return { head: `${head} = ${condition.values.join(" or ")}`, folded: [] };
    return { head: `${head} = any of ${condition.values.length}:`, folded: condition.values };
}

export function statementText(statement: StatementSummary): string {
    return `${statement.effect} ${statement.actions.join(", ")} on ${statement.resources.join(", ")}`;
}

/** The permission lines of the text form: statements, their conditions, managed policies, boundary. */
function permissionLines(permissions: PermissionSummary): string[] {
    const lines: string[] = [];
    for (const statement of permissions.statements) {
        lines.push(statementText(statement));
        for (const condition of statement.conditions) {
            const { head, folded } = conditionText(condition);
            lines.push(`  when ${head}`);
            for (const value of folded) lines.push(`    ${value}`);
        }
    }
    for (const arn of permissions.managedPolicies) lines.push(`managed policy ${arn}`);
    return lines;
}

function heading(report: PlanReport): string {
    return `keyless plan: ${report.project}/${report.stack}`;
}

function verdictLine(report: PlanReport): string {
    const { mandatory, advisory, passed } = report.verdict;
    return passed
        ? `PASS: no mandatory policy violated (${advisory} advisory finding${advisory === 1 ? "" : "s"})`
        : `FAIL: ${mandatory} mandatory violation${mandatory === 1 ? "" : "s"}, ${advisory} advisory`;
}

/** Text sections inserted after the report's notes (the access diff, when asked for). */
export interface RenderExtras {
    readonly text?: string;
    readonly markdown?: string;
    /** How many changes of the access diff weaken access: the heading says so. */
    readonly weakening?: number;
}

/** The Markdown heading's mark and tail: a failed pack, a weakening change to review, or a pass. */
function headingVerdict(report: PlanReport, weakening: number): { mark: string; tail: string } {
    const tail = weakening > 0 ? `weakens access (${weakening} change${weakening === 1 ? "" : "s"} to review)` : "";
    return { mark: !report.verdict.passed ? ":x:" : weakening > 0 ? ":warning:" : ":white_check_mark:", tail };
}

export function renderText(report: PlanReport, extras: RenderExtras = {}): string {
    const lines: string[] = [`${heading(report)}  (offline: ${report.stackFile}, no credentials used)`, `AWS account ${report.account}, region ${report.region}`, ""];
    for (const note of report.notes) lines.push(`note: ${note}`);
    for (const warning of report.warnings) lines.push(`warning: ${warning}`);
    if (report.notes.length + report.warnings.length > 0) lines.push("");
    if (extras.text) lines.push(extras.text.trimEnd(), "");
    const field = (name: string, value: string) => lines.push(`  ${name.padEnd(12)}${value}`);
    for (const role of report.roles) {
        lines.push(
            role.repository
                ? `${role.repository} -> ${role.contexts.join(", ")}`
                : role.subjects.length > 0
                  ? `${role.roleName} (GitHub trust that names no single repository)`
                  : `${role.roleName} (not a GitHub role)`,
        );
        field("role", role.arn ? `${role.roleName} (${role.arn})` : role.roleName);
        if (role.trustNote) field("trust", role.trustNote);
        role.subjects.forEach((subject, index) => field(index === 0 ? "trusts" : "", subject));
        field("session", duration(role.sessionSeconds));
        const permissions = permissionLines(role.permissions);
        field("permissions", role.permissions.sources ? `${role.permissions.sources}` : permissions.length === 0 ? "none" : "");
        for (const line of permissions) field("", `  ${line}`);
        field("boundary", role.permissions.boundary ?? "NONE (no permissions boundary)");
        if (role.environment) {
            field("reviewers", reviewersText(role.environment));
            field("deploy from", role.environment.deployFrom.join(", "));
            field("secrets", role.environment.secrets.join(", ") || "none");
            field("variables", role.environment.variables.join(", ") || "none");
        } else if (role.contexts.some((context) => context.startsWith("environment:"))) {
            field("environment", "NOT MANAGED IN THIS STACK (GitHub would create it unprotected)");
        } else if (role.repositoryValues.length > 0) {
            field("published", role.repositoryValues.join(", "));
        }
        lines.push("");
    }
    for (const environment of report.otherEnvironments) {
        lines.push(`GitHub environment ${environment.repository}/${environment.environment} (no role in this stack trusts it)`);
        field("reviewers", reviewersText(environment));
        field("deploy from", environment.deployFrom.join(", "));
        lines.push("");
    }
    lines.push(`Policy pack ${report.policyPack}:`);
    if (report.findings.length === 0) lines.push("  no findings");
    for (const finding of report.findings) {
        lines.push(`  [${finding.enforcementLevel}] ${finding.policyName}${finding.resource ? ` on ${finding.resource}` : ""}: ${finding.message}`);
    }
    lines.push("", verdictLine(report));
    return `${lines.join("\n")}\n`;
}

/**
 * Text that renders as it is in CommonMark as GitHub renders it (GFM), in a table cell or not.
 * Backslash-escaped (CommonMark 0.31 §2.4: any ASCII punctuation may be escaped): emphasis `*` `_`,
 * code `` ` ``, links and images `[` `]`, HTML and autolinks `<` `>`, entities `&`, the escape
 * itself, GFM strikethrough `~`, GitHub's math `$`, and `|`, which GFM table cells need escaped even
 * inside other inline spans (GFM spec §4.10 "Tables"). A value that would start a block (heading,
 * list, quote, thematic break) has that marker escaped too. Spaces and tabs at either end become
 * character references (§2.5): CommonMark strips leading ones (§4.8, and four of them start an
 * indented code block), after which a list marker would start a list (` 3)`, ` +`); a table cell
 * and a paragraph's end strip them too, but not a reference. Line breaks (`\n`, `\r\n` and a lone
 * `\r`, all line endings in CommonMark §2.1) become `<br>`.
 */
export function markdownText(value: string): string {
    const whitespace = (run: string) => run.replace(/ /g, "&#32;").replace(/\t/g, "&#9;");
    return value
        .replace(/[\\`*_[\]<>&|~$]/g, "\\$&")
        .replace(/^([#+\-=])|^(\d+)([.)])/, (_match, marker: string | undefined, digits: string, dot: string) => (marker ? `\\${marker}` : `${digits}\\${dot}`))
        .replace(/^[ \t]+|[ \t]+$/g, whitespace)
        .replace(/\r\n|\r|\n/g, "<br>");
}

/**
 * A value in code style. `<code>` (raw inline HTML, which GitHub keeps) rather than a backtick
 * span, because backslash escapes do not work inside backtick spans: a backtick or a `\|` in a
 * value could not be written in a table cell otherwise.
 */
export function markdownCode(value: string): string {
    return `<code>${markdownText(value)}</code>`;
}

const codeList = (values: readonly string[]) => values.map(markdownCode).join(", ");

function markdownPermissions(role: RoleRow): string[] {
    const permissions = role.permissions;
    const lines = [
        `**${markdownText(role.roleName)}**${role.arn ? ` ${markdownCode(role.arn)}` : ""}`,
        "",
        `- boundary: ${permissions.boundary ? markdownCode(permissions.boundary) : "**none** (no permissions boundary)"}`,
    ];
    for (const statement of permissions.statements) {
        lines.push(`- ${markdownText(statement.effect)} ${codeList(statement.actions)} on ${codeList(statement.resources)}`);
        for (const condition of statement.conditions) {
            const operator = `${markdownCode(condition.operator)}${condition.key ? ` ${markdownCode(condition.key)}` : ""}`;
            if (condition.values.length <= FOLD_VALUES) {
                lines.push(`  - when ${operator} = ${condition.values.map(markdownCode).join(" or ")}`);
            } else {
                lines.push(`  - when ${operator} = any of ${condition.values.length}:`);
                for (const value of condition.values) lines.push(`    - ${markdownCode(value)}`);
            }
        }
    }
    for (const arn of permissions.managedPolicies) lines.push(`- managed policy ${markdownCode(arn)}`);
    if (permissions.statements.length + permissions.managedPolicies.length === 0) lines.push("- no permissions");
    lines.push("");
    return lines;
}

export function renderMarkdown(report: PlanReport, extras: RenderExtras = {}): string {
    const verdict = headingVerdict(report, extras.weakening ?? 0);
    const lines: string[] = [
        `### ${verdict.mark} ${markdownText(heading(report))}${verdict.tail ? `: ${markdownText(verdict.tail)}` : ""}`,
        "",
        `Rendered offline from ${markdownCode(report.stackFile)} with no credentials, for AWS account ${markdownCode(report.account)} in ${markdownCode(report.region)}: this is what the stack would grant.`,
        "",
    ];
    for (const note of report.notes) lines.push(`> note: ${markdownText(note)}`, ">");
    for (const warning of report.warnings) lines.push(`> warning: ${markdownText(warning)}`, ">");
    if (report.notes.length + report.warnings.length > 0) lines.splice(lines.length - 1, 1, "");
    if (extras.markdown) lines.push(extras.markdown.trimEnd(), "");
    lines.push("| Repository | Trusted subjects | Role | Session | Permissions | Boundary | Reviewers | Deploy from | Secrets and variables |");
    lines.push("|---|---|---|---|---|---|---|---|---|");
    for (const role of report.roles) {
        const environment = role.environment;
        const permissionCount = role.permissions.statements.length + role.permissions.managedPolicies.length;
        const cells = [
            role.repository ? markdownText(role.repository) : "-",
            role.subjects.length > 0 ? role.subjects.map(markdownCode).join("<br>") : markdownText(role.trustNote ?? "-"),
            markdownCode(role.roleName),
            duration(role.sessionSeconds),
            markdownText(role.permissions.sources ?? (permissionCount > 0 ? "custom" : "none")),
            role.permissions.boundary ? markdownCode(role.permissions.boundary) : "**none**",
            environment ? markdownText(reviewersText(environment)) : role.contexts.some((context) => context.startsWith("environment:")) ? "**environment not managed**" : "-",
            environment ? codeList(environment.deployFrom) : "-",
            environment ? markdownText([...environment.secrets, ...environment.variables].join(", ") || "none") : markdownText(role.repositoryValues.join(", ") || "-"),
        ];
        lines.push(`| ${cells.join(" | ")} |`);
    }
    if (report.otherEnvironments.length > 0) {
        lines.push("", "GitHub environments no role in this stack trusts:", "");
        for (const environment of report.otherEnvironments) {
            lines.push(`- ${markdownCode(`${environment.repository}/${environment.environment}`)}: reviewers ${markdownText(reviewersText(environment))}; deploy from ${codeList(environment.deployFrom)}`);
        }
    }
    lines.push("", "<details><summary>Permissions of each role</summary>", "");
    for (const role of report.roles) lines.push(...markdownPermissions(role));
    lines.push("</details>", "");
    lines.push(`#### Policy pack ${markdownText(report.policyPack)}`, "");
    if (report.findings.length === 0) lines.push("No findings.");
    for (const finding of report.findings) {
        lines.push(`- **${markdownText(finding.enforcementLevel)}** ${markdownCode(finding.policyName)}${finding.resource ? ` on ${markdownCode(finding.resource)}` : ""}: ${markdownText(finding.message)}`);
    }
    lines.push("", `**${markdownText(verdictLine(report))}**`, "");
    return lines.join("\n");
}

export function renderJson(report: PlanReport, extras: Record<string, unknown> = {}): string {
    return `${JSON.stringify({ schemaVersion: PLAN_SCHEMA_VERSION, ...report, ...extras }, null, 2)}\n`;
}
