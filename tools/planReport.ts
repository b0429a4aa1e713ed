// The plan's report: who can assume which role from where, with what, behind which GitHub
// protections, and what the policy pack says about it. Pure: recorded resources and the
// pack's diagnostics in, a report and its text, Markdown and JSON renderings out.

import { describeGithubTrust, parseGithubSubject } from "../policy/analysis";
import { OfflineRun, RecordedResource } from "./offlineRun";

export interface PackFinding {
    readonly policyName: string;
    readonly enforcementLevel: string;
    readonly message: string;
    /** Name of the resource the finding is about; empty for stack-wide findings. */
    readonly resource: string;
    readonly resourceType: string;
}

export interface PermissionSummary {
    /** Where keyless says the permissions come from (preset names), when it says. */
    readonly sources?: string;
    readonly statements: readonly { effect: string; actions: string[]; resources: string[]; conditional: boolean }[];
    readonly managedPolicies: readonly string[];
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
    /** Repository-level variables and secrets of the role's repository (branch, tag, pull_request roles). */
    readonly repositoryValues: readonly string[];
}

export interface PlanReport {
    readonly project: string;
    readonly stack: string;
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

const ROLE_TYPES = ["aws:iam/role:Role", "aws-native:iam:Role"];

const list = (value: unknown): unknown[] => (value === undefined || value === null ? [] : Array.isArray(value) ? value : [value]);
const text = (value: unknown): string => (typeof value === "string" ? value : value === undefined ? "" : JSON.stringify(value));
const sameName = (a: unknown, b: unknown) => typeof a === "string" && typeof b === "string" && a.toLowerCase() === b.toLowerCase();

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
    const contextText =
        context.kind === "environment"
            ? `environment:${context.environment}`
            : context.kind === "branch"
              ? `ref:refs/heads/${context.branch}`
              : context.kind === "tag"
                ? `ref:refs/tags/${context.tag}`
                : context.kind === "pull_request"
                  ? "pull_request"
                  : context.kind === "other"
                    ? context.text
                    : "any context";
    return { repository: `${owner}/${repository}`, context: contextText };
}

function shortArn(arn: string): string {
    const match = /^arn:[^:]+:([^:]+):[^:]*:[^:]*:(.+)$/.exec(arn);
    return match ? `${match[1]}:${match[2]}` : arn;
}

function summariseDocument(document: unknown): PermissionSummary["statements"] {
    const parsed = parseDocument(document) as { Statement?: unknown } | undefined;
    return list(parsed?.Statement).flatMap((statement) => {
        if (typeof statement !== "object" || statement === null) return [];
        const record = statement as Record<string, unknown>;
        const actions = record.Action !== undefined ? list(record.Action).map(text) : list(record.NotAction).map((action) => `everything but ${text(action)}`);
        const resources = record.Resource !== undefined ? list(record.Resource).map((resource) => (text(resource) === "*" ? "*" : shortArn(text(resource)))) : list(record.NotResource).map((resource) => `everything but ${text(resource)}`);
        return [{ effect: text(record.Effect), actions, resources, conditional: record.Condition !== undefined }];
    });
}

function environmentRow(environment: RecordedResource, resources: readonly RecordedResource[], standIns: ReadonlyMap<number, string>): EnvironmentRow {
    const repository = text(environment.inputs.repository);
    const name = text(environment.inputs.environment);
    const belongs = (resource: RecordedResource) =>
        sameName(resource.inputs.repository, repository) && sameName(resource.inputs.environment ?? resource.inputs.environmentName, name);
    const reviewers = list(environment.inputs.reviewers).flatMap((entry) => {
        const reviewer = (entry ?? {}) as { teams?: unknown; users?: unknown };
        const named = (kind: string, id: unknown) => standIns.get(Number(id))?.replace(/^team /, "team ").replace(/^user /, "user ") ?? `${kind} #${text(id)}`;
        return [...list(reviewer.teams).map((id) => named("team", id)), ...list(reviewer.users).map((id) => named("user", id))];
    });
    const policy = (environment.inputs.deploymentBranchPolicy ?? undefined) as { protectedBranches?: boolean; customBranchPolicies?: boolean } | undefined;
    let deployFrom: string[];
    if (!policy) {
        deployFrom = ["any branch (no deployment branch policy)"];
    } else if (policy.protectedBranches) {
        deployFrom = ["protected branches"];
    } else {
        deployFrom = resources
            .filter((resource) => resource.type.startsWith("github:index/repositoryEnvironmentDeploymentPolicy:") || resource.type.startsWith("github:index/repositoryDeploymentBranchPolicy:"))
            .filter(belongs)
            .map((resource) => (resource.inputs.tagPattern ? `tag ${text(resource.inputs.tagPattern)}` : text(resource.inputs.branchPattern ?? resource.inputs.name)));
        if (deployFrom.length === 0) deployFrom = ["nothing (no branch or tag pattern)"];
    }
    const named = (type: string, field: string) =>
        resources.filter((resource) => resource.type === type && belongs(resource)).map((resource) => text(resource.inputs[field])).sort();
    return {
        repository,
        environment: name,
        reviewers,
        preventSelfReview: environment.inputs.preventSelfReview === true,
        // The GitHub provider defaults canAdminsBypass to true when it is not set.
        adminsCanBypass: environment.inputs.canAdminsBypass !== false,
        waitTimerMinutes: Number(environment.inputs.waitTimer ?? 0),
        deployFrom,
        secrets: named("github:index/actionsEnvironmentSecret:ActionsEnvironmentSecret", "secretName"),
        variables: named("github:index/actionsEnvironmentVariable:ActionsEnvironmentVariable", "variableName"),
    };
}

export interface PlanMeta {
    readonly project: string;
    readonly stack: string;
    readonly programDir: string;
    readonly stackFile: string;
    readonly notes: readonly string[];
    readonly policyPack: string;
}

export function buildPlanReport(run: OfflineRun, findings: readonly PackFinding[], meta: PlanMeta): PlanReport {
    const resources = run.resources;
    const environments = resources.filter((resource) => resource.type === "github:index/repositoryEnvironment:RepositoryEnvironment");
    const usedEnvironments = new Set<RecordedResource>();

    const roles = resources
        .filter((resource) => ROLE_TYPES.includes(resource.type))
        .map((role): RoleRow => {
            const native = role.type.startsWith("aws-native:");
            const roleName = text(role.inputs[native ? "roleName" : "name"]) || role.name;
            const trustDocument = parseDocument(role.inputs[native ? "assumeRolePolicyDocument" : "assumeRolePolicy"]);
            const trusts = describeGithubTrust(trustDocument);
            const subjects = trusts.flatMap((trust) => trust.subjects).map((subject) => withStandIns(subject, run.standIns));
            const parts = subjects.map(splitSubject).filter((part): part is { repository: string; context: string } => part !== undefined);
            const repository = parts[0]?.repository;
            const contexts = [...new Set(parts.map((part) => part.context))];
            const attached = (resource: RecordedResource, field: string) =>
                sameName(resource.inputs[field], roleName) || (resource.propertyDependencies[field] ?? []).includes(role.urn);

            const statements = [
                ...list(role.inputs.inlinePolicies).flatMap((policy) => summariseDocument((policy as { policy?: unknown }).policy)),
                ...list(role.inputs.policies).flatMap((policy) => summariseDocument((policy as { policyDocument?: unknown }).policyDocument)),
                ...resources
                    .filter((resource) => resource.type === "aws:iam/rolePolicy:RolePolicy" && attached(resource, "role"))
                    .flatMap((resource) => summariseDocument(resource.inputs.policy)),
                ...resources
                    .filter((resource) => resource.type === "aws-native:iam:RolePolicy" && attached(resource, "roleName"))
                    .flatMap((resource) => summariseDocument(resource.inputs.policyDocument)),
            ];
            const managedPolicies = [
                ...list(role.inputs.managedPolicyArns).map(text),
                ...resources.filter((resource) => resource.type === "aws:iam/rolePolicyAttachment:RolePolicyAttachment" && attached(resource, "role")).map((resource) => text(resource.inputs.policyArn)),
                ...resources
                    .filter((resource) => resource.type === "aws:iam/rolePolicyAttachmentsExclusive:RolePolicyAttachmentsExclusive" && attached(resource, "roleName"))
                    .flatMap((resource) => list(resource.inputs.policyArns).map(text)),
                ...resources
                    .filter((resource) => resource.type === "aws:iam/policyAttachment:PolicyAttachment" && list(resource.inputs.roles).some((name) => sameName(name, roleName)))
                    .map((resource) => text(resource.inputs.policyArn)),
            ];

            let environment: EnvironmentRow | undefined;
            const environmentContext = contexts.find((context) => context.startsWith("environment:"));
            if (repository && environmentContext) {
                const repositoryName = repository.split("/")[1];
                const name = environmentContext.slice("environment:".length);
                const match = environments.find((resource) => sameName(resource.inputs.repository, repositoryName) && sameName(resource.inputs.environment, name));
                if (match) {
                    usedEnvironments.add(match);
                    environment = environmentRow(match, resources, run.standIns);
                }
            }
            const repositoryValues =
                repository && !environment
                    ? resources
                          .filter((resource) => resource.type === "github:index/actionsVariable:ActionsVariable" || resource.type === "github:index/actionsSecret:ActionsSecret")
                          .filter((resource) => sameName(resource.inputs.repository, repository.split("/")[1]))
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
                permissions: { sources: typeof tags["keyless:permissions"] === "string" ? tags["keyless:permissions"] : undefined, statements, managedPolicies },
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
        programDir: meta.programDir,
        stackFile: meta.stackFile,
        notes: meta.notes,
        warnings: run.warnings.map((warning) => withStandIns(warning, run.standIns)),
        roles,
        otherEnvironments: environments.filter((environment) => !usedEnvironments.has(environment)).map((environment) => environmentRow(environment, resources, run.standIns)),
        policyPack: meta.policyPack,
        findings,
        verdict: { passed: mandatory === 0, mandatory, advisory: findings.length - mandatory },
    };
}

function duration(seconds: number): string {
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

function permissionLines(permissions: PermissionSummary): string[] {
    return [
        ...permissions.statements.map(
            (statement) => `${statement.effect} ${statement.actions.join(", ")} on ${statement.resources.join(", ")}${statement.conditional ? " (with conditions)" : ""}`,
        ),
        ...permissions.managedPolicies.map((arn) => `managed policy ${arn}`),
    ];
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

export function renderText(report: PlanReport): string {
    const lines: string[] = [`${heading(report)}  (offline: ${report.stackFile}, no credentials used)`, ""];
    for (const note of report.notes) lines.push(`note: ${note}`);
    for (const warning of report.warnings) lines.push(`warning: ${warning}`);
    if (report.notes.length + report.warnings.length > 0) lines.push("");
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

const cell = (value: string) => value.replace(/\|/g, "\\|").replace(/\n/g, "<br>");
const code = (value: string) => `\`${value.replace(/`/g, "'")}\``;

export function renderMarkdown(report: PlanReport): string {
    const lines: string[] = [
        `### ${report.verdict.passed ? ":white_check_mark:" : ":x:"} ${heading(report)}`,
        "",
        `Rendered offline from \`${report.stackFile}\` with no credentials: this is what the stack would grant.`,
        "",
    ];
    for (const note of report.notes) lines.push(`> note: ${note}`);
    for (const warning of report.warnings) lines.push(`> warning: ${warning}`);
    if (report.notes.length + report.warnings.length > 0) lines.push("");
    lines.push("| Repository | Trusted subjects | Role | Session | Permissions | Reviewers | Deploy from | Secrets and variables |");
    lines.push("|---|---|---|---|---|---|---|---|");
    for (const role of report.roles) {
        const environment = role.environment;
        lines.push(
            `| ${cell(role.repository ?? "-")} | ${cell(role.subjects.map(code).join("<br>") || role.trustNote || "-")} | ${cell(code(role.roleName))} | ${duration(role.sessionSeconds)} | ${cell(
                role.permissions.sources ?? (permissionLines(role.permissions).length > 0 ? "custom" : "none"),
            )} | ${cell(environment ? reviewersText(environment) : role.contexts.some((context) => context.startsWith("environment:")) ? "**environment not managed**" : "-")} | ${cell(
                environment ? environment.deployFrom.join(", ") : "-",
            )} | ${cell(environment ? [...environment.secrets, ...environment.variables].join(", ") || "none" : role.repositoryValues.join(", ") || "-")} |`,
        );
    }
    lines.push("", "<details><summary>Permissions of each role</summary>", "");
    for (const role of report.roles) {
        lines.push(`**${role.roleName}**`, "");
        for (const line of permissionLines(role.permissions)) lines.push(`- ${cell(line)}`);
        lines.push("");
    }
    lines.push("</details>", "");
    lines.push(`#### Policy pack ${report.policyPack}`, "");
    if (report.findings.length === 0) lines.push("No findings.");
    for (const finding of report.findings) {
        lines.push(`- **${finding.enforcementLevel}** \`${finding.policyName}\`${finding.resource ? ` on \`${finding.resource}\`` : ""}: ${cell(finding.message)}`);
    }
    lines.push("", `**${verdictLine(report)}**`, "");
    return lines.join("\n");
}

export function renderJson(report: PlanReport): string {
    return `${JSON.stringify(report, null, 2)}\n`;
}
