// The hardening rules of keyless's own pipeline, as plain functions: a workflow (its raw text and
// its parsed YAML) in, a list of problems out. hardening.test.ts runs them on the real files and
// proves, rule by rule, that a small bad edit is reported.

import { parse, parseDocument } from "yaml";
import {
    AppPermission,
    commandPermissions,
    covers,
    inputPermission,
    PERMISSION_TITLES,
    PipelineCommand,
} from "../../components/realServices/githubAppPermissions";
import { commentCollisions, PipelineStack } from "../../tools/pipelineStacks";

export type RuleId =
    | "pinned-uses"
    | "known-bad-version"
    | "consistent-pins"
    | "action-inputs"
    | "top-permissions"
    | "job-permissions"
    | "id-token-scope"
    | "pull-requests-scope"
    | "persist-credentials"
    | "unsafe-pr-checkout"
    | "static-credentials"
    | "debug-logging"
    | "pull-request-target"
    | "workflow-run-target"
    | "privileged-workflow"
    | "fork-guard"
    | "pr-no-environment"
    | "run-injection"
    | "deploy-environment"
    | "deploy-concurrency"
    | "deploy-order"
    | "deploy-trigger"
    | "cache-paths"
    | "cache-lockfile"
    | "pulumi-version"
    | "pr-comment"
    | "policy-pack"
    | "policy-enable"
    | "preview-failure-comment"
    | "drift-check"
    | "timeout"
    | "app-key-scope"
    | "app-token-permissions"
    | "stack-matrix"
    | "dependabot";

export interface Problem {
    readonly rule: RuleId;
    readonly file: string;
    /** Job and step, or line, the problem is in. */
    readonly where: string;
    readonly message: string;
}

export interface WorkflowFile {
    /** Path relative to the repository root, e.g. `.github/workflows/deploy.yml`. */
    readonly path: string;
    readonly text: string;
    readonly doc: Record<string, unknown>;
}

/**
 * The two GitHub Apps (docs/pipeline.md). The read App's key is a repository secret, which any
 * branch can read (GitHub Docs, "Security hardening for GitHub Actions": anyone with write access
 * can read every repository secret from a workflow on their branch), so that App holds no write
 * permission. The deploy App's key is a secret of the protected deploy environments only.
 */
export const READ_APP = { id: "KEYLESS_READ_APP_ID", key: "KEYLESS_READ_APP_PRIVATE_KEY" } as const;
export const DEPLOY_APP = { id: "KEYLESS_DEPLOY_APP_ID", key: "KEYLESS_DEPLOY_APP_PRIVATE_KEY" } as const;

/** Options of the rules: the pipeline's stacks (tools/pipelineStacks.ts), the SDK version. */
export interface CheckOptions {
    readonly sdkVersion?: string;
    /** The stacks the workflows' `fromJSON(needs.<job>.outputs.matrix)` matrices expand to. */
    readonly stacks?: readonly PipelineStack[];
}

/**
 * The organisation's one pack configuration: the file `pulumi policy enable --config` gets, and
 * the one every preview and update applies, so "protected" means the same everywhere.
 */
export const ORGANIZATION_PACK_CONFIG = "./policy/config/organization.json";

/** Versions of actions known to be broken for everyone; pinning them is reported. */
export const KNOWN_BAD_VERSIONS: Readonly<Record<string, readonly string[]>> = {
    // v2.0.0 crashes on start ("require is not defined in ES module scope"); fixed in v2.1.0.
    "pulumi/auth-actions": ["v2.0.0"],
};

/**
 * Inputs each action declares in its action.yml at the pinned version. actionlint does not check
 * the inputs of an action pinned to a SHA, so a typo (`policyPack:`) would otherwise pass
 * silently. When you use a new input, read the action.yml at the pinned SHA and add it here.
 */
export const KNOWN_INPUTS: Readonly<Record<string, readonly string[]>> = {
    "actions/checkout": [
        "repository", "ref", "token", "ssh-key", "ssh-known-hosts", "ssh-strict", "ssh-user",
        "persist-credentials", "path", "clean", "filter", "sparse-checkout", "sparse-checkout-cone-mode",
        "fetch-depth", "fetch-tags", "show-progress", "lfs", "submodules", "set-safe-directory",
        "github-server-url", "allow-unsafe-pr-checkout",
    ],
    "actions/setup-node": [
        "node-version", "node-version-file", "architecture", "check-latest", "registry-url", "scope", "token",
        "cache", "package-manager-cache", "cache-dependency-path", "mirror", "mirror-token",
    ],
    "actions/cache": [
        "path", "key", "restore-keys", "upload-chunk-size", "enableCrossOsArchive", "fail-on-cache-miss",
        "lookup-only", "save-always",
    ],
    "actions/upload-artifact": [
        "name", "path", "if-no-files-found", "retention-days", "compression-level", "overwrite",
        "include-hidden-files", "archive",
    ],
    "actions/download-artifact": [
        "name", "artifact-ids", "path", "pattern", "merge-multiple", "github-token", "repository", "run-id",
        "skip-decompress", "digest-mismatch",
    ],
    "aws-actions/configure-aws-credentials": [
        "aws-region", "aws-profile", "overwrite-aws-profile", "role-to-assume", "aws-access-key-id",
        "aws-secret-access-key", "aws-session-token", "web-identity-token-file", "role-chaining", "audience",
        "http-proxy", "no-proxy", "mask-aws-account-id", "role-duration-seconds", "role-external-id",
        "role-session-name", "role-skip-session-tagging", "transitive-tag-keys", "inline-session-policy",
        "managed-session-policies", "output-credentials", "output-env-credentials", "unset-current-credentials",
        "disable-retry", "retry-max-attempts", "special-characters-workaround", "use-existing-credentials",
        "allowed-account-ids", "force-skip-oidc", "action-timeout-s", "custom-tags", "sts-endpoint",
    ],
    "pulumi/actions": [
        "command", "stack-name", "pulumi-version", "pulumi-version-file", "work-dir", "comment-on-pr",
        "comment-on-pr-number", "comment-on-summary", "github-token", "cloud-url", "secrets-provider", "parallel",
        "message", "config-map", "expect-no-changes", "diff", "replace", "exclude", "exclude-dependents", "target",
        "target-dependents", "policyPacks", "policyPackConfigs", "refresh", "upsert", "remove", "edit-pr-comment",
        "color", "exclude-protected", "plan", "suppress-outputs", "suppress-progress", "always-include-summary",
        "continue-on-error", "log-verbosity", "log-flow", "debug",
    ],
    "pulumi/auth-actions": [
        "organization", "requested-token-type", "scope", "token-expiration", "export-environment-variables",
        "cloud-url",
    ],
    "actions/create-github-app-token": [
        "client-id", "app-id", "private-key", "owner", "repositories", "skip-token-revoke", "github-api-url",
        "permission-*",
    ],
};

const OIDC_ACTIONS = ["aws-actions/configure-aws-credentials", "pulumi/auth-actions"];

/** Credentials that must never come from a stored secret or be set by hand. */
const STATIC_CREDENTIALS = ["AWS_ACCESS_KEY_ID", "AWS_SECRET_ACCESS_KEY", "AWS_SESSION_TOKEN", "PULUMI_ACCESS_TOKEN"];

/** Paths that hold credentials: never cached (a cache is readable by later runs). */
const CREDENTIAL_PATHS = ["~/.pulumi", "~/.pulumi/credentials.json", "~/.aws", "~/.npmrc", "~/.config/gh", "~/.docker"];

const FORK_GUARD = "github.event.pull_request.head.repo.full_name == github.repository";
const DEPENDABOT_GUARD = "github.actor != 'dependabot[bot]'";

// ---------------------------------------------------------------------------------------------
// Reading workflows

export function isRecord(value: unknown): value is Record<string, unknown> {
    return typeof value === "object" && value !== null && !Array.isArray(value);
}

/** Parses a workflow; YAML errors (duplicate keys included) are thrown with the file name. */
export function loadWorkflow(path: string, text: string): WorkflowFile {
    const document = parseDocument(text, { uniqueKeys: true });
    if (document.errors.length > 0) {
        throw new Error(`${path}: ${document.errors.map((e) => e.message).join("; ")}`);
    }
    const doc: unknown = document.toJS();
    if (!isRecord(doc)) throw new Error(`${path}: a workflow must be a mapping`);
    return { path, text, doc };
}

export interface Step {
    readonly index: number;
    readonly raw: Record<string, unknown>;
    readonly label: string;
    /** `owner/repo[/path]` in lower case, without the ref; undefined for `run` steps. */
    readonly action?: string;
    readonly with: Record<string, unknown>;
    readonly run?: string;
}

export interface Job {
    readonly id: string;
    readonly raw: Record<string, unknown>;
    readonly steps: Step[];
}

export function jobsOf(wf: WorkflowFile): Job[] {
    const jobs = wf.doc.jobs;
    if (!isRecord(jobs)) return [];
    return Object.entries(jobs)
        .filter((entry): entry is [string, Record<string, unknown>] => isRecord(entry[1]))
        .map(([id, raw]) => ({ id, raw, steps: stepsOf(raw) }));
}

function stepsOf(job: Record<string, unknown>): Step[] {
    const steps = Array.isArray(job.steps) ? job.steps : [];
    return steps.filter(isRecord).map((raw, index) => {
        const uses = typeof raw.uses === "string" ? raw.uses : undefined;
        const name = typeof raw.name === "string" ? raw.name : uses ?? `step ${index + 1}`;
        return {
            index,
            raw,
            label: `step ${index + 1} (${name})`,
            action: uses === undefined ? undefined : actionOf(uses),
            with: isRecord(raw.with) ? raw.with : {},
            run: typeof raw.run === "string" ? raw.run : undefined,
        };
    });
}

/** `actions/cache/restore@abc` -> `actions/cache/restore`; local and docker refs unchanged. */
export function actionOf(uses: string): string {
    const at = uses.lastIndexOf("@");
    return (at > 0 && !uses.startsWith("docker://") ? uses.slice(0, at) : uses).toLowerCase();
}

/** `owner/repo` of an action reference (`actions/cache/restore` -> `actions/cache`). */
export function repositoryOf(action: string): string {
    return action.split("/").slice(0, 2).join("/");
}

function stepUses(step: Step, repository: string): boolean {
    return step.action !== undefined && repositoryOf(step.action) === repository;
}

/** The events that start a workflow. */
export function triggersOf(wf: WorkflowFile): string[] {
    const on = wf.doc.on;
    if (typeof on === "string") return [on];
    if (Array.isArray(on)) return on.filter((e): e is string => typeof e === "string");
    if (isRecord(on)) return Object.keys(on);
    return [];
}

function truthy(value: unknown): boolean {
    return value === true || value === "true";
}

function where(job: Job, step?: Step): string {
    return step === undefined ? `job ${job.id}` : `job ${job.id}, ${step.label}`;
}

/** The text of an expression without `${{ }}` and with single spaces. */
function normalizeExpression(value: unknown): string {
    if (typeof value !== "string") return "";
    return value.replace(/^\s*\$\{\{/, "").replace(/\}\}\s*$/, "").replace(/\s+/g, " ").trim();
}

function usesOidc(job: Job): boolean {
    return job.steps.some((step) => OIDC_ACTIONS.some((action) => stepUses(step, action)));
}

function pulumiSteps(job: Job): Step[] {
    return job.steps.filter((step) => stepUses(step, "pulumi/actions"));
}

function postsComments(job: Job): boolean {
    return job.steps.some(
        (step) =>
            (stepUses(step, "pulumi/actions") &&
                (truthy(step.with["comment-on-pr"]) || step.with["comment-on-pr-number"] !== undefined)) ||
            (step.run !== undefined && /\bgh\b[^\n]*\bapi\b/.test(step.run) && /\/comments\b/.test(step.run)),
    );
}

function permissionsOf(raw: unknown): Record<string, string> | string | undefined {
    if (typeof raw === "string") return raw;
    if (!isRecord(raw)) return undefined;
    const out: Record<string, string> = {};
    for (const [key, value] of Object.entries(raw)) out[key] = String(value);
    return out;
}

function environmentName(job: Job): string | undefined {
    const env = job.raw.environment;
    if (typeof env === "string") return env;
    if (isRecord(env) && typeof env.name === "string") return env.name;
    return undefined;
}

/** Every key of every `env:` block (workflow, jobs, steps). */
function envBlocks(wf: WorkflowFile): { where: string; env: Record<string, unknown> }[] {
    const blocks: { where: string; env: Record<string, unknown> }[] = [];
    if (isRecord(wf.doc.env)) blocks.push({ where: "workflow env", env: wf.doc.env });
    for (const job of jobsOf(wf)) {
        if (isRecord(job.raw.env)) blocks.push({ where: `${where(job)} env`, env: job.raw.env });
        for (const step of job.steps) {
            if (isRecord(step.raw.env)) blocks.push({ where: `${where(job, step)} env`, env: step.raw.env });
        }
    }
    return blocks;
}

/** Resolves `${{ env.NAME }}` against the step, job and workflow `env:` blocks. */
function resolveEnv(wf: WorkflowFile, job: Job, step: Step, value: unknown): unknown {
    if (typeof value !== "string") return value;
    const match = /^\$\{\{\s*env\.([A-Za-z_][A-Za-z0-9_]*)\s*\}\}$/.exec(value.trim());
    if (!match) return value;
    for (const block of [step.raw.env, job.raw.env, wf.doc.env]) {
        if (isRecord(block) && match[1] in block) return block[match[1]];
    }
    return undefined;
}

/**
 * The combinations of a job's matrix, or `[{}]` without one. As GitHub does: an `include` entry
 * whose axis values match existing combinations is merged into them, any other is added.
 */
export function matrixCombinations(job: Job, stacks: readonly PipelineStack[] = []): Record<string, string>[] {
    const strategy = job.raw.strategy;
    const matrix = isRecord(strategy) ? strategy.matrix : undefined;
    if (stackMatrixSource(job) !== undefined) {
        // The stack list job's output: one combination per stack file.
        return stacks.map((stack) => Object.fromEntries(Object.entries(stack).map(([key, value]) => [key, String(value)])));
    }
    if (!isRecord(matrix)) return [{}];
    const axes = Object.entries(matrix).filter(
        (entry): entry is [string, unknown[]] => entry[0] !== "include" && entry[0] !== "exclude" && Array.isArray(entry[1]),
    );
    let combos: Record<string, string>[] = axes.length > 0 ? [{}] : [];
    for (const [axis, values] of axes) {
        combos = combos.flatMap((combo) => values.map((value) => ({ ...combo, [axis]: String(value) })));
    }
    const axisNames = axes.map(([axis]) => axis);
    const include = Array.isArray(matrix.include) ? matrix.include.filter(isRecord) : [];
    for (const entry of include) {
        const values = Object.fromEntries(Object.entries(entry).map(([key, value]) => [key, String(value)]));
        const matching = combos.filter((combo) =>
            axisNames.every((axis) => !(axis in values) || values[axis] === combo[axis]),
        );
        const extendsExisting = axisNames.length > 0 && axisNames.some((axis) => axis in values) && matching.length > 0;
        if (extendsExisting) {
            for (const combo of matching) Object.assign(combo, values);
        } else {
            combos.push(values);
        }
    }
    return combos.length > 0 ? combos : [{}];
}

/**
 * The job a matrix comes from when it is `${{ fromJSON(needs.<job>.outputs.matrix) }}` (the stack
 * list), else undefined.
 */
export function stackMatrixSource(job: Job): string | undefined {
    const strategy = job.raw.strategy;
    const matrix = isRecord(strategy) ? strategy.matrix : undefined;
    const match = /^\s*\$\{\{\s*fromJSON\(\s*needs\.([A-Za-z0-9_-]+)\.outputs\.matrix\s*\)\s*\}\}\s*$/.exec(typeof matrix === "string" ? matrix : "");
    return match?.[1];
}

/**
 * Replaces `${{ matrix.NAME }}` with the combination's value, and a variable named from it,
 * `${{ vars[format('{0}_SUFFIX', matrix.NAME)] }}`, with `${{ vars.<value>_SUFFIX }}`; other
 * expressions stay as written.
 */
function expandMatrix(value: string, combo: Record<string, string>): string {
    return value
        .replace(/\$\{\{\s*vars\[\s*format\(\s*'\{0\}([A-Za-z0-9_]*)'\s*,\s*matrix\.([A-Za-z0-9_-]+)\s*\)\s*\]\s*\}\}/g, (whole, suffix: string, key: string) =>
            key in combo ? `\${{ vars.${combo[key]}${suffix} }}` : whole,
        )
        .replace(/\$\{\{\s*matrix\.([A-Za-z0-9_-]+)\s*\}\}/g, (whole, key: string) => (key in combo ? combo[key] : whole));
}

function listInput(value: unknown): string[] {
    if (typeof value !== "string") return [];
    return value
        .split(/[\n,]/)
        .map((item) => item.trim())
        .filter((item) => item.length > 0);
}

// ---------------------------------------------------------------------------------------------
// Rules on the raw text

const USES_LINE = /^\s*(?:-\s+)?uses:\s*(["']?)([^"'\s#]+)\1\s*(?:#\s*(.*?))?\s*$/;

/** Every `uses:` is a local path, a docker digest, or `owner/repo@<40-hex SHA> # vX[.Y.Z]`. */
export function checkPins(wf: WorkflowFile): Problem[] {
    const problems: Problem[] = [];
    const seen: string[] = [];
    wf.text.split("\n").forEach((line, index) => {
        const match = USES_LINE.exec(line);
        if (!match) return;
        const ref = match[2];
        const comment = match[3] ?? "";
        const at = `line ${index + 1}`;
        seen.push(ref);
        if (ref.startsWith("./")) return;
        if (ref.startsWith("docker://")) {
            if (!/@sha256:[0-9a-f]{64}$/.test(ref)) {
                problems.push({ rule: "pinned-uses", file: wf.path, where: at, message: `${ref} is not pinned to an image digest` });
            }
            return;
        }
        const pinned = /^[A-Za-z0-9_.-]+\/[A-Za-z0-9_./-]+@([0-9a-f]{40})$/.exec(ref);
        if (!pinned) {
            problems.push({
                rule: "pinned-uses",
                file: wf.path,
                where: at,
                message: `${ref} is not pinned to a full 40-character commit SHA`,
            });
            return;
        }
        const version = /^(v\d+(?:\.\d+){0,2})(?:\s|$)/.exec(comment);
        if (!version) {
            problems.push({
                rule: "pinned-uses",
                file: wf.path,
                where: at,
                message: `${ref} has no "# vX.Y.Z" comment naming the release the SHA belongs to`,
            });
            return;
        }
        const bad = KNOWN_BAD_VERSIONS[repositoryOf(actionOf(ref))] ?? [];
        if (bad.includes(version[1])) {
            problems.push({
                rule: "known-bad-version",
                file: wf.path,
                where: at,
                message: `${actionOf(ref)} ${version[1]} is a known-broken release`,
            });
        }
    });
    // Every `uses:` the parser sees must be one the line scan checked (no flow-style steps).
    const parsed: string[] = [];
    for (const job of jobsOf(wf)) {
        if (typeof job.raw.uses === "string") parsed.push(job.raw.uses);
        for (const step of job.steps) if (typeof step.raw.uses === "string") parsed.push(step.raw.uses);
    }
    for (const ref of parsed) {
        if (!seen.includes(ref)) {
            problems.push({
                rule: "pinned-uses",
                file: wf.path,
                where: ref,
                message: `${ref} is not written as "uses: <ref> # <version>" on a line of its own, so its pin cannot be checked`,
            });
        }
    }
    return problems;
}

/** One action, one pin: the same action must carry the same SHA and version everywhere. */
export function checkConsistentPins(files: readonly WorkflowFile[]): Problem[] {
    const pins = new Map<string, Map<string, string>>();
    for (const wf of files) {
        wf.text.split("\n").forEach((line, index) => {
            const match = USES_LINE.exec(line);
            if (!match || !/@[0-9a-f]{40}$/.test(match[2])) return;
            const action = actionOf(match[2]);
            const pin = `${match[2].slice(match[2].lastIndexOf("@") + 1)} # ${(match[3] ?? "").trim()}`;
            const seen = pins.get(action) ?? new Map<string, string>();
            if (!seen.has(pin)) seen.set(pin, `${wf.path}:${index + 1}`);
            pins.set(action, seen);
        });
    }
    const problems: Problem[] = [];
    for (const [action, seen] of pins) {
        if (seen.size > 1) {
            problems.push({
                rule: "consistent-pins",
                file: [...seen.values()].join(", "),
                where: action,
                message: `${action} is pinned in ${seen.size} ways (${[...seen.keys()].join("; ")}); use one pin`,
            });
        }
    }
    return problems;
}

/** No stored AWS keys or Pulumi token, under any spelling. */
export function checkStaticCredentialsText(wf: WorkflowFile): Problem[] {
    const problems: Problem[] = [];
    const pattern = new RegExp(
        `secrets\\s*(?:\\.\\s*|\\[\\s*['"])(${STATIC_CREDENTIALS.join("|")})\\b`,
        "i",
    );
    wf.text.split("\n").forEach((line, index) => {
        const match = pattern.exec(line);
        if (match) {
            problems.push({
                rule: "static-credentials",
                file: wf.path,
                where: `line ${index + 1}`,
                message: `secrets.${match[1]} is a long-lived credential; use OIDC (configure-aws-credentials, pulumi/auth-actions)`,
            });
        }
    });
    return problems;
}

// ---------------------------------------------------------------------------------------------
// Rules on the parsed workflow

export function checkTopPermissions(wf: WorkflowFile): Problem[] {
    const permissions = permissionsOf(wf.doc.permissions);
    const problem = (message: string): Problem[] => [{ rule: "top-permissions", file: wf.path, where: "permissions", message }];
    if (permissions === undefined) {
        return problem("no top-level `permissions:`; the token would get the repository default. Use `permissions: {}`");
    }
    if (typeof permissions === "string") {
        return permissions === "read-all" ? [] : problem(`top-level permissions "${permissions}" is not read-only`);
    }
    const writes = Object.entries(permissions).filter(([, level]) => level !== "read" && level !== "none");
    return writes.length === 0
        ? []
        : problem(`top-level permissions grant ${writes.map(([k, v]) => `${k}: ${v}`).join(", ")}; grant writes per job`);
}

export function checkJobPermissions(wf: WorkflowFile): Problem[] {
    const problems: Problem[] = [];
    for (const job of jobsOf(wf)) {
        const permissions = permissionsOf(job.raw.permissions);
        const at = where(job);
        if (permissions === undefined) {
            problems.push({ rule: "job-permissions", file: wf.path, where: at, message: "no `permissions:`; grant each job what it needs" });
            continue;
        }
        if (typeof permissions === "string") {
            if (permissions !== "read-all") {
                problems.push({ rule: "job-permissions", file: wf.path, where: at, message: `permissions "${permissions}"` });
            }
            continue;
        }
        const oidc = usesOidc(job);
        const comments = postsComments(job);
        for (const [scope, level] of Object.entries(permissions)) {
            if (level !== "write") continue;
            if (scope === "id-token") {
                if (!oidc) {
                    problems.push({
                        rule: "id-token-scope",
                        file: wf.path,
                        where: at,
                        message: "id-token: write on a job that uses neither configure-aws-credentials nor pulumi/auth-actions",
                    });
                }
            } else if (scope === "pull-requests") {
                if (!comments) {
                    problems.push({
                        rule: "pull-requests-scope",
                        file: wf.path,
                        where: at,
                        message: "pull-requests: write on a job that posts no pull request comment",
                    });
                }
            } else {
                problems.push({ rule: "job-permissions", file: wf.path, where: at, message: `${scope}: write is not needed by this pipeline` });
            }
        }
        if (oidc && permissions["id-token"] !== "write") {
            problems.push({ rule: "id-token-scope", file: wf.path, where: at, message: "uses OIDC but lacks id-token: write" });
        }
        if (comments && permissions["pull-requests"] !== "write") {
            problems.push({ rule: "pull-requests-scope", file: wf.path, where: at, message: "posts comments but lacks pull-requests: write" });
        }
    }
    return problems;
}

export function checkCheckout(wf: WorkflowFile): Problem[] {
    const problems: Problem[] = [];
    for (const job of jobsOf(wf)) {
        for (const step of job.steps.filter((s) => stepUses(s, "actions/checkout"))) {
            const persist = step.with["persist-credentials"];
            if (persist !== false && persist !== "false") {
                problems.push({
                    rule: "persist-credentials",
                    file: wf.path,
                    where: where(job, step),
                    message: "actions/checkout without `persist-credentials: false` leaves the token in .git/config",
                });
            }
            if (truthy(step.with["allow-unsafe-pr-checkout"])) {
                problems.push({
                    rule: "unsafe-pr-checkout",
                    file: wf.path,
                    where: where(job, step),
                    message: "allow-unsafe-pr-checkout runs pull request code with the base repository's privileges",
                });
            }
        }
    }
    return problems;
}

export function checkStaticCredentials(wf: WorkflowFile): Problem[] {
    const problems = checkStaticCredentialsText(wf);
    for (const block of envBlocks(wf)) {
        for (const key of Object.keys(block.env)) {
            if (STATIC_CREDENTIALS.includes(key.toUpperCase())) {
                problems.push({
                    rule: "static-credentials",
                    file: wf.path,
                    where: block.where,
                    message: `${key} is set by hand; credentials come from OIDC actions only`,
                });
            }
            if (/^(ACTIONS_STEP_DEBUG|ACTIONS_RUNNER_DEBUG)$/i.test(key) && truthy(block.env[key])) {
                problems.push({
                    rule: "debug-logging",
                    file: wf.path,
                    where: block.where,
                    message: `${key} turns on debug logs, which can print what steps receive`,
                });
            }
        }
    }
    for (const job of jobsOf(wf)) {
        for (const step of job.steps.filter((s) => stepUses(s, "aws-actions/configure-aws-credentials"))) {
            for (const input of ["aws-access-key-id", "aws-secret-access-key", "aws-session-token"]) {
                if (step.with[input] !== undefined) {
                    problems.push({
                        rule: "static-credentials",
                        file: wf.path,
                        where: where(job, step),
                        message: `configure-aws-credentials with ${input}: use role-to-assume with OIDC`,
                    });
                }
            }
            if (step.with["role-to-assume"] === undefined) {
                problems.push({
                    rule: "static-credentials",
                    file: wf.path,
                    where: where(job, step),
                    message: "configure-aws-credentials without role-to-assume",
                });
            }
        }
    }
    return problems;
}

export function checkActionInputs(wf: WorkflowFile): Problem[] {
    const problems: Problem[] = [];
    for (const job of jobsOf(wf)) {
        for (const step of job.steps) {
            if (step.action === undefined) continue;
            const known = KNOWN_INPUTS[step.action];
            if (known === undefined) continue;
            for (const input of Object.keys(step.with)) {
                const declared = known.some((name) =>
                    name.endsWith("*") ? input.startsWith(name.slice(0, -1)) : name === input,
                );
                if (!declared) {
                    problems.push({
                        rule: "action-inputs",
                        file: wf.path,
                        where: where(job, step),
                        message: `"${input}" is not an input of ${step.action} (KNOWN_INPUTS, from its action.yml at the pinned SHA)`,
                    });
                }
            }
        }
    }
    return problems;
}

export function checkTriggers(wf: WorkflowFile): Problem[] {
    return triggersOf(wf).includes("pull_request_target")
        ? [{
            rule: "pull-request-target",
            file: wf.path,
            where: "on",
            message: "pull_request_target runs with the base repository's secrets next to pull request code; use pull_request plus workflow_run",
        }]
        : [];
}

/** `workflow_run` must name workflows that exist (a renamed workflow silently stops the chain). */
export function checkWorkflowRunTargets(files: readonly WorkflowFile[]): Problem[] {
    const names = new Set(files.map((f) => f.doc.name).filter((n): n is string => typeof n === "string"));
    const problems: Problem[] = [];
    for (const wf of files) {
        const on = wf.doc.on;
        if (!isRecord(on) || !isRecord(on.workflow_run)) continue;
        const targets = on.workflow_run.workflows;
        for (const target of Array.isArray(targets) ? targets : []) {
            if (typeof target !== "string" || !names.has(target)) {
                problems.push({
                    rule: "workflow-run-target",
                    file: wf.path,
                    where: "on.workflow_run.workflows",
                    message: `no workflow is named ${JSON.stringify(target)}`,
                });
            }
        }
    }
    return problems;
}

/**
 * A workflow started by `workflow_run` runs from the default branch with write access: it must not
 * check out, install or run anything, must not feed data into later steps' environment, and gets
 * no OIDC token and no secret.
 */
export function checkPrivilegedWorkflow(wf: WorkflowFile): Problem[] {
    if (!triggersOf(wf).includes("workflow_run")) return [];
    const problems: Problem[] = [];
    const forbidden = ["actions/checkout", "actions/setup-node", "actions/cache", "pulumi/actions"];
    for (const job of jobsOf(wf)) {
        const permissions = permissionsOf(job.raw.permissions);
        if (isRecord(permissions) && permissions["id-token"] === "write") {
            problems.push({ rule: "privileged-workflow", file: wf.path, where: where(job), message: "id-token: write in a workflow_run workflow" });
        }
        for (const step of job.steps) {
            if (forbidden.some((action) => stepUses(step, action))) {
                problems.push({
                    rule: "privileged-workflow",
                    file: wf.path,
                    where: where(job, step),
                    message: `${step.action} in a workflow_run workflow: it must never fetch, install or run pull request code`,
                });
            }
            if (step.run !== undefined) {
                const commands = /(^|[;&|(]|\$\()\s*(npm|npx|node|yarn|pnpm|pulumi|make|python3?|sh|bash|source|\.)\s/m;
                if (commands.test(step.run.replace(/#.*$/gm, ""))) {
                    problems.push({
                        rule: "privileged-workflow",
                        file: wf.path,
                        where: where(job, step),
                        message: "runs a program or script in a workflow_run workflow",
                    });
                }
                if (/GITHUB_ENV|GITHUB_PATH/.test(step.run)) {
                    problems.push({
                        rule: "privileged-workflow",
                        file: wf.path,
                        where: where(job, step),
                        message: "writes $GITHUB_ENV or $GITHUB_PATH in a workflow_run workflow (artifact data could become code)",
                    });
                }
            }
        }
        const secrets = JSON.stringify(job.raw).match(/secrets\.[A-Za-z_][A-Za-z0-9_]*/g) ?? [];
        for (const secret of secrets.filter((s) => s !== "secrets.GITHUB_TOKEN")) {
            problems.push({ rule: "privileged-workflow", file: wf.path, where: where(job), message: `${secret} in a workflow_run workflow` });
        }
    }
    return problems;
}

/** In pull_request workflows, jobs that get secrets or OIDC tokens skip forks and Dependabot. */
export function checkForkGuard(wf: WorkflowFile): Problem[] {
    if (!triggersOf(wf).some((t) => t.startsWith("pull_request"))) return [];
    const problems: Problem[] = [];
    for (const job of jobsOf(wf)) {
        const permissions = permissionsOf(job.raw.permissions);
        const oidc = isRecord(permissions) && permissions["id-token"] === "write";
        const secrets = (JSON.stringify(job.raw).match(/secrets\.[A-Za-z_][A-Za-z0-9_]*/g) ?? []).filter(
            (s) => s !== "secrets.GITHUB_TOKEN",
        );
        if (environmentName(job) !== undefined) {
            problems.push({
                rule: "pr-no-environment",
                file: wf.path,
                where: where(job),
                message: "a pull request job bound to an environment gets that environment's secrets and its OIDC subject",
            });
        }
        if (!oidc && secrets.length === 0) continue;
        const condition = normalizeExpression(job.raw.if).replace(/"/g, "'");
        const guarded = condition.includes(FORK_GUARD) && condition.includes(DEPENDABOT_GUARD) && !condition.includes("||");
        if (!guarded) {
            problems.push({
                rule: "fork-guard",
                file: wf.path,
                where: where(job),
                message: `receives ${oidc ? "an OIDC token" : secrets.join(", ")} but its \`if:\` does not require \`${FORK_GUARD} && ${DEPENDABOT_GUARD}\` (without ||)`,
            });
        }
    }
    return problems;
}

/** No secret and no attacker-controlled event field is expanded inside a shell script. */
export function checkRunInjection(wf: WorkflowFile): Problem[] {
    const problems: Problem[] = [];
    const expression = /\$\{\{([^}]*)\}\}/g;
    // matrix and needs values come from the stack files, which a pull request can change.
    const untrusted = /\b(secrets\s*[.[]|github\s*\.\s*event\s*\.|github\s*\.\s*head_ref\b|inputs\s*\.|matrix\s*\.|needs\s*\.)/;
    for (const job of jobsOf(wf)) {
        for (const step of job.steps) {
            if (step.run === undefined) continue;
            for (const match of step.run.matchAll(expression)) {
                if (untrusted.test(match[1])) {
                    problems.push({
                        rule: "run-injection",
                        file: wf.path,
                        where: where(job, step),
                        message: `\`\${{${match[1]}}}\` is expanded into the script; pass it through \`env:\``,
                    });
                }
            }
        }
    }
    return problems;
}

/** Every `pulumi <command>` a `run:` script calls, with its arguments (line continuations joined). */
function cliCommands(step: Step, commands: readonly string[]): string[] {
    if (step.run === undefined) return [];
    const script = step.run.replace(/\\\n/g, " ");
    const found: string[] = [];
    for (const line of script.split("\n")) {
        const code = line.replace(/(^|\s)#.*$/, "");
        // A command, not text: at the start of the line or after a shell operator or keyword.
        const match = new RegExp(`(?:^|&&|\\|\\||;|\\(|\\b(?:then|do|if|!)\\s)\\s*(pulumi\\s+(?:${commands.join("|")})\\b.*)$`).exec(code);
        if (match) found.push(match[1]);
    }
    return found;
}

function upSteps(job: Job): Step[] {
    return job.steps.filter(
        (step) =>
            (stepUses(step, "pulumi/actions") && ["up", "update"].includes(String(step.with.command))) ||
            cliCommands(step, ["up", "update"]).length > 0,
    );
}

/** The stack a step's `stack-name` names in one matrix combination (the segment after the org). */
function stackNameIn(step: Step, combo: Record<string, string>): string | undefined {
    const name = expandMatrix(String(step.with["stack-name"] ?? ""), combo);
    const last = name.slice(name.lastIndexOf("/") + 1);
    return last === "" || last.includes("${{") ? undefined : last;
}

/** The job ids a job needs, directly and through them. */
function ancestorsOf(jobs: readonly Job[], id: string): Set<string> {
    const needsOf = (jobId: string): string[] => {
        const needs = jobs.find((j) => j.id === jobId)?.raw.needs;
        return typeof needs === "string" ? [needs] : Array.isArray(needs) ? needs.map(String) : [];
    };
    const seen = new Set<string>();
    const queue = needsOf(id);
    while (queue.length > 0) {
        const next = queue.shift() as string;
        if (seen.has(next)) continue;
        seen.add(next);
        queue.push(...needsOf(next));
    }
    return seen;
}

/**
 * `pulumi up` runs through pulumi/actions, once per stack file, bound to that stack's protected
 * environment (`keyless:environment`, so its OIDC subject is `environment:<env>`), in its own
 * never-cancelled concurrency group, in deploy order, stopping at the first failure.
 */
export function checkDeployJobs(wf: WorkflowFile, stacks: readonly PipelineStack[] = []): Problem[] {
    const problems: Problem[] = [];
    const problem = (rule: RuleId, at: string, message: string): void => void problems.push({ rule, file: wf.path, where: at, message });
    const jobs = jobsOf(wf);
    /** Deploy job and position in it, per stack. */
    const deployed = new Map<string, { job: Job; index: number }>();
    for (const job of jobs) {
        for (const step of upSteps(job)) {
            const at = where(job, step);
            if (step.action === undefined) {
                problem("deploy-environment", at, "`pulumi up` must go through pulumi/actions (stack-name, policy pack and comment inputs the rules check)");
                continue;
            }
            matrixCombinations(job, stacks).forEach((combo, index) => {
                const stack = stackNameIn(step, combo);
                if (stack === undefined) {
                    problem("deploy-environment", at, "`pulumi up` with a stack-name that names no stack (`<org>/<stack>`, or `<org>/${{ matrix.stack }}` over the stack list)");
                    return;
                }
                const file = stacks.find((s) => s.stack === stack);
                if (file === undefined) {
                    problem("deploy-environment", at, `deploys stack ${stack}, which has no Pulumi.${stack}.yaml`);
                    return;
                }
                deployed.set(stack, { job, index });
                const environment = environmentName(job) === undefined ? undefined : expandMatrix(String(environmentName(job)), combo);
                if (environment !== file.environment) {
                    problem(
                        "deploy-environment",
                        at,
                        `deploys stack ${stack} but is bound to environment ${JSON.stringify(environment)}; bind the stack's keyless:environment ${file.environment} (\`environment: \${{ matrix.environment }}\`)`,
                    );
                }
                const concurrency = job.raw.concurrency;
                const group = isRecord(concurrency) ? expandMatrix(String(concurrency.group ?? ""), combo) : "";
                const groupNamesStack = new RegExp(`(^|[^A-Za-z0-9])${stack.replace(/[.]/g, "\\.")}($|[^A-Za-z0-9])`).test(group);
                if (!isRecord(concurrency) || !groupNamesStack || concurrency["cancel-in-progress"] !== false) {
                    problem(
                        "deploy-concurrency",
                        where(job),
                        `needs a job-level concurrency group naming ${stack} with \`cancel-in-progress: false\` (a cancelled update leaves the stack locked)`,
                    );
                }
            });
        }
    }
    if (deployed.size === 0) return problems;

    // Order: stacks[i] deploys after stacks[i-1], and not at all when it failed. In one matrix job:
    // max-parallel 1 and fail-fast (GitHub Docs, workflow syntax, strategy.fail-fast: "cancel all
    // in-progress and queued jobs in the matrix if any job in the matrix fails"), and since GitHub
    // documents only the order in which matrix jobs are created, a step before any credential
    // that checks, through the run's jobs, that `matrix.after` all succeeded. In separate jobs:
    // `needs:`.
    for (let i = 1; i < stacks.length; i++) {
        const here = deployed.get(stacks[i].stack);
        const before = deployed.get(stacks[i - 1].stack);
        if (here === undefined || before === undefined) continue;
        if (here.job.id !== before.job.id) {
            if (!ancestorsOf(jobs, here.job.id).has(before.job.id)) {
                problem("deploy-order", `job ${here.job.id}`, `deploys ${stacks[i].stack} without needing the job that deploys ${stacks[i - 1].stack}`);
            }
            continue;
        }
        if (here.index < before.index) {
            problem("deploy-order", `job ${here.job.id}`, `the matrix lists ${stacks[i].stack} before ${stacks[i - 1].stack}, against keyless:deployOrder`);
        }
    }
    for (const job of new Set([...deployed.values()].map((d) => d.job))) {
        if (matrixCombinations(job, stacks).length <= 1 && stackMatrixSource(job) === undefined) continue;
        const strategy = isRecord(job.raw.strategy) ? job.raw.strategy : {};
        if (String(strategy["max-parallel"]) !== "1") problem("deploy-order", where(job), "a deploy matrix needs `max-parallel: 1`: stacks deploy one at a time");
        if (strategy["fail-fast"] === false || strategy["fail-fast"] === "false") {
            problem("deploy-order", where(job), "a deploy matrix must fail fast: a failed stack stops the stacks after it");
        }
        const firstCredential = job.steps.findIndex((step) => usesOidc({ ...job, steps: [step] }) || stepUses(step, "actions/create-github-app-token"));
        const guard = job.steps.find(
            (step) =>
                (firstCredential < 0 || step.index < firstCredential) &&
                isRecord(step.raw.env) &&
                Object.values(step.raw.env).some((value) => normalizeExpression(value) === "matrix.after") &&
                /actions\/runs\/[^\s]*\/jobs/.test(step.run ?? "") &&
                /success/.test(step.run ?? "") &&
                // It finds the earlier stacks' jobs by this job's own name, the stack in place of %s.
                (step.run ?? "").includes(String(job.raw.name ?? "").replace(/\$\{\{\s*matrix\.stack\s*\}\}/, "%s")),
        );
        if (guard === undefined) {
            problem(
                "deploy-order",
                where(job),
                "no step before the credentials checks that the stacks before this one (`matrix.after`) succeeded in this run (GET .../actions/runs/{run_id}/jobs): GitHub does not promise that matrix jobs start in order",
            );
        }
        const permissions = permissionsOf(job.raw.permissions);
        if (guard !== undefined && !(isRecord(permissions) && (permissions.actions === "read" || permissions.actions === "write"))) {
            problem("deploy-order", where(job), "the order check lists this run's jobs: the job needs `actions: read`");
        }
    }
    for (const stack of stacks.filter((s) => !deployed.has(s.stack))) {
        problem("deploy-environment", "jobs", `no job deploys stack ${stack.stack} (Pulumi.${stack.stack}.yaml)`);
    }

    // Trigger: push to main (and manual runs from main) only.
    const on = wf.doc.on;
    const triggers = triggersOf(wf);
    const push = isRecord(on) ? on.push : undefined;
    const branches = isRecord(push) ? push.branches : undefined;
    const onlyMain = Array.isArray(branches) && branches.length === 1 && branches[0] === "main";
    const others = triggers.filter((t) => t !== "push" && t !== "workflow_dispatch");
    if (!triggers.includes("push") || !onlyMain || others.length > 0) {
        problem("deploy-trigger", "on", `a workflow running \`pulumi up\` starts only on push to main (and workflow_dispatch); it has ${triggers.join(", ")}`);
    }
    if (triggers.includes("workflow_dispatch")) {
        for (const job of new Set([...deployed.values()].map((d) => d.job))) {
            if (!normalizeExpression(job.raw.if).replace(/"/g, "'").includes("github.ref == 'refs/heads/main'")) {
                problem("deploy-trigger", where(job), "manual runs can start from any branch: guard the job with `if: github.ref == 'refs/heads/main'`");
            }
        }
    }
    return problems;
}

/** Caches never hold credentials, are keyed on the lockfile, and cover what each job installs. */
export function checkCaching(wf: WorkflowFile): Problem[] {
    const problems: Problem[] = [];
    const privileged = triggersOf(wf).includes("workflow_run");
    for (const job of jobsOf(wf)) {
        let pluginCache = false;
        for (const step of job.steps.filter((s) => stepUses(s, "actions/cache"))) {
            const paths = listInput(step.with.path).map((p) => p.replace(/\/+$/, ""));
            for (const path of paths) {
                if (CREDENTIAL_PATHS.includes(path) || path === "~" || path === "$HOME") {
                    problems.push({
                        rule: "cache-paths",
                        file: wf.path,
                        where: where(job, step),
                        message: `caches ${path}, which holds credentials (the Pulumi login is ~/.pulumi/credentials.json)`,
                    });
                }
            }
            const key = String(step.with.key ?? "");
            if (!/hashFiles\([^)]*package-lock\.json[^)]*\)/.test(key)) {
                problems.push({
                    rule: "cache-lockfile",
                    file: wf.path,
                    where: where(job, step),
                    message: "cache key is not derived from hashFiles('package-lock.json')",
                });
            }
            if (paths.includes("~/.pulumi/plugins")) pluginCache = true;
        }
        const installs = job.steps.some((s) => s.run !== undefined && /\bnpm\s+ci\b/.test(s.run));
        if (installs && !privileged) {
            const setup = job.steps.find((s) => stepUses(s, "actions/setup-node"));
            const dependencyPath = setup?.with["cache-dependency-path"];
            const keyed = dependencyPath === undefined || String(dependencyPath).includes("package-lock.json");
            if (setup === undefined || setup.with.cache !== "npm" || !keyed) {
                problems.push({
                    rule: "cache-lockfile",
                    file: wf.path,
                    where: where(job),
                    message: "runs `npm ci` without actions/setup-node `cache: npm` keyed on package-lock.json",
                });
            }
        }
        const runsPulumi =
            pulumiSteps(job).some((s) => s.with.command !== undefined) || job.steps.some((s) => cliCommands(s, ["preview", "up", "update", "refresh"]).length > 0);
        if (runsPulumi && !pluginCache) {
            problems.push({
                rule: "cache-lockfile",
                file: wf.path,
                where: where(job),
                message: "runs Pulumi without caching ~/.pulumi/plugins (keyed on package-lock.json)",
            });
        }
    }
    return problems;
}

function compareVersions(a: string, b: string): number {
    const pa = a.split(".").map(Number);
    const pb = b.split(".").map(Number);
    for (let i = 0; i < 3; i++) {
        if (pa[i] !== pb[i]) return pa[i] - pb[i];
    }
    return 0;
}

/** Every pulumi/actions step installs an exact CLI version, not older than the SDK in the lockfile. */
export function checkPulumiVersion(wf: WorkflowFile, sdkVersion?: string): Problem[] {
    const problems: Problem[] = [];
    for (const job of jobsOf(wf)) {
        for (const step of pulumiSteps(job)) {
            const value = resolveEnv(wf, job, step, step.with["pulumi-version"]);
            const at = where(job, step);
            if (typeof value !== "string" || !/^\d+\.\d+\.\d+$/.test(value)) {
                problems.push({
                    rule: "pulumi-version",
                    file: wf.path,
                    where: at,
                    message: `pulumi-version must be an exact x.y.z (got ${JSON.stringify(value)}): the action otherwise installs whatever is newest`,
                });
            } else if (sdkVersion !== undefined && compareVersions(value, sdkVersion) < 0) {
                problems.push({
                    rule: "pulumi-version",
                    file: wf.path,
                    where: at,
                    message: `Pulumi CLI ${value} is older than @pulumi/pulumi ${sdkVersion} in package-lock.json`,
                });
            }
        }
    }
    return problems;
}

/**
 * pulumi/actions comments: the summary survives trimming, the comment is edited in place, and no
 * two commenting steps share a heading or have headings that prefix one another
 * (pulumi/actions#1165 finds "its" comment with startsWith).
 */
export function checkPrComments(wf: WorkflowFile, stacks: readonly PipelineStack[] = []): Problem[] {
    const problems: Problem[] = [];
    const headings: { heading: string; at: string }[] = [];
    for (const job of jobsOf(wf)) {
        for (const step of pulumiSteps(job)) {
            if (!truthy(step.with["comment-on-pr"])) continue;
            const at = where(job, step);
            if (!truthy(step.with["always-include-summary"])) {
                problems.push({ rule: "pr-comment", file: wf.path, where: at, message: "comment-on-pr without always-include-summary: true (long output would cut the summary)" });
            }
            if (step.with["edit-pr-comment"] !== undefined && !truthy(step.with["edit-pr-comment"])) {
                problems.push({ rule: "pr-comment", file: wf.path, where: at, message: "edit-pr-comment: false posts a new comment on every push" });
            }
            if (step.with["comment-on-pr-number"] !== undefined) {
                problems.push({ rule: "pr-comment", file: wf.path, where: at, message: "comment-on-pr-number disables editing (pulumi/actions#1382)" });
            }
            for (const combo of matrixCombinations(job, stacks)) {
                const stack = expandMatrix(String(step.with["stack-name"] ?? ""), combo);
                headings.push({ heading: `${String(step.with.command)} on ${stack}`, at });
            }
        }
    }
    for (let i = 0; i < headings.length; i++) {
        for (let j = 0; j < headings.length; j++) {
            if (i === j) continue;
            const a = headings[i];
            const b = headings[j];
            if (b.heading.startsWith(a.heading) && (a.heading !== b.heading || i < j)) {
                problems.push({
                    rule: "pr-comment",
                    file: wf.path,
                    where: `${a.at} / ${b.at}`,
                    message: `comment heading "${a.heading}" is a prefix of "${b.heading}": the two stacks would overwrite one comment`,
                });
            }
        }
    }
    return problems;
}

/** Every preview and update runs the local pack with the organisation's configuration. */
export function checkPolicyPack(wf: WorkflowFile, stacks: readonly PipelineStack[] = []): Problem[] {
    const problems: Problem[] = [];
    for (const job of jobsOf(wf)) {
        for (const step of pulumiSteps(job)) {
            const command = String(step.with.command ?? "");
            if (!["preview", "up", "update"].includes(command)) continue;
            const at = where(job, step);
            const packs = listInput(step.with.policyPacks);
            const configs = listInput(step.with.policyPackConfigs);
            const index = packs.indexOf("./policy");
            if (index < 0) {
                problems.push({ rule: "policy-pack", file: wf.path, where: at, message: `pulumi ${command} without policyPacks: ./policy` });
                continue;
            }
            if (configs.length !== packs.length) {
                problems.push({
                    rule: "policy-pack",
                    file: wf.path,
                    where: at,
                    message: `${packs.length} policy pack(s) but ${configs.length} policyPackConfigs: the CLI pairs them by position`,
                });
                continue;
            }
            for (const combo of matrixCombinations(job, stacks)) {
                const config = expandMatrix(configs[index], combo);
                if (config !== ORGANIZATION_PACK_CONFIG) {
                    problems.push({
                        rule: "policy-pack",
                        file: wf.path,
                        where: at,
                        message: `runs the pack with ${config}, not ${ORGANIZATION_PACK_CONFIG}, the configuration the organisation enables: a preview could pass what the organisation blocks, or the reverse`,
                    });
                }
            }
        }
    }
    // The CLI called directly: `--policy-pack ./policy --policy-pack-config <organisation's>`.
    for (const job of jobsOf(wf)) {
        for (const step of job.steps) {
            for (const command of cliCommands(step, ["preview", "up", "update"])) {
                const pack = /--policy-pack(?:\s+|=)("?)([^\s"]+)\1/.exec(command)?.[2];
                const config = /--policy-pack-config(?:\s+|=)("?)([^\s"]+)\1/.exec(command)?.[2];
                if (pack !== "./policy" || config !== ORGANIZATION_PACK_CONFIG) {
                    problems.push({
                        rule: "policy-pack",
                        file: wf.path,
                        where: where(job, step),
                        message: `\`${command.split(" ").slice(0, 2).join(" ")}\` must pass --policy-pack ./policy --policy-pack-config ${ORGANIZATION_PACK_CONFIG} (got ${pack ?? "no pack"}, ${config ?? "no configuration"})`,
                    });
                }
            }
        }
    }
    return problems;
}

/** `pulumi policy enable` passes the organisation's configuration (`--config`), the file previews and updates apply. */
export function checkPolicyEnable(wf: WorkflowFile): Problem[] {
    const problems: Problem[] = [];
    for (const job of jobsOf(wf)) {
        for (const step of job.steps) {
            if (step.run === undefined) continue;
            const script = step.run.replace(/\\\n/g, " ");
            for (const line of script.split("\n")) {
                const code = line.replace(/(^|\s)#.*$/, "");
                if (!/\bpulumi\s+policy\s+enable\b/.test(code)) continue;
                const config = /--config(?:\s+|=)("?)([^\s"]+)\1/.exec(code);
                if (config === null || config[2] !== ORGANIZATION_PACK_CONFIG) {
                    problems.push({
                        rule: "policy-enable",
                        file: wf.path,
                        where: where(job, step),
                        message: `\`pulumi policy enable\` must pass --config ${ORGANIZATION_PACK_CONFIG} (got ${config === null ? "no --config" : config[2]}); without it the organisation runs the pack's defaults, not what previews check`,
                    });
                }
            }
        }
    }
    return problems;
}

/**
 * A pull request preview that comments is followed by a step that, when that preview fails,
 * rewrites the stack's comment: pulumi/actions comments only after a successful command
 * (v7.0.0 src/main.ts), and finds its comment again by heading and the "Pulumi report" summary
 * (src/libs/pr.ts), so the failure comment must carry both.
 */
export function checkPreviewFailureComment(wf: WorkflowFile): Problem[] {
    const problems: Problem[] = [];
    for (const job of jobsOf(wf)) {
        for (const step of pulumiSteps(job)) {
            if (String(step.with.command) !== "preview" || !truthy(step.with["comment-on-pr"])) continue;
            const at = where(job, step);
            const id = typeof step.raw.id === "string" ? step.raw.id : undefined;
            if (id === undefined) {
                problems.push({ rule: "preview-failure-comment", file: wf.path, where: at, message: "a commenting preview needs an `id:` so a later step can tell that it failed" });
                continue;
            }
            const follower = job.steps.slice(step.index + 1).find((later) => {
                const condition = normalizeExpression(later.raw.if).replace(/"/g, "'");
                return (
                    condition.includes("failure()") &&
                    !condition.includes("||") &&
                    new RegExp(`steps\\.${id}\\.(outcome|conclusion) == 'failure'`).test(condition)
                );
            });
            if (follower === undefined) {
                problems.push({
                    rule: "preview-failure-comment",
                    file: wf.path,
                    where: at,
                    message: `no later step runs \`if: failure() && steps.${id}.outcome == 'failure'\`: a failed preview would leave the last passing comment in place`,
                });
                continue;
            }
            const script = follower.run ?? "";
            const env = isRecord(follower.raw.env) ? Object.values(follower.raw.env).map(String).join("\n") : "";
            const posts = /\bgh\b[^\n]*\bapi\b/.test(script) && /\/comments\b/.test(script);
            const sameHeading = script.includes("#### :tropical_drink:") && /preview/.test(script);
            const sameSummary = script.includes("<summary>Pulumi report</summary>");
            // The offline plan is rendered before any credential step (it runs the pull request's
            // code) and the failure step reads the file it wrote.
            const firstCredential = job.steps.findIndex((later) => OIDC_ACTIONS.some((action) => stepUses(later, action)));
            const planFiles = job.steps
                .filter((earlier) => firstCredential < 0 || earlier.index < firstCredential)
                .map((earlier) => /\bnpm run\b[^\n]*\bplan\b[^\n]*--format markdown[^\n]*?>\s*"?([^"\s]+)"?/.exec(earlier.run ?? ""))
                .filter((match): match is RegExpExecArray => match !== null)
                .map((match) => match[1].slice(match[1].lastIndexOf("/") + 1));
            const plan = planFiles.some((file) => (script + env).includes(file));
            if (!posts || !sameHeading || !sameSummary || !plan) {
                problems.push({
                    rule: "preview-failure-comment",
                    file: wf.path,
                    where: where(job, follower),
                    message:
                        "the failed-preview step must update the stack's comment through the API, with pulumi/actions' heading " +
                        "(#### :tropical_drink: `preview` on <project>/<stack>) and <summary>Pulumi report</summary>, and include the offline plan" +
                        ` (missing: ${[!posts && "a gh api .../comments call", !sameHeading && "the heading", !sameSummary && "the summary", !plan && "the offline plan, rendered by an earlier step before any credential"].filter(Boolean).join(", ")})`,
                });
            }
        }
    }
    return problems;
}

/** A drift preview: pulumi/actions or the CLI in a `run:` script, with what the rules read of it. */
interface Preview {
    readonly step: Step;
    /** Human form for messages. */
    readonly command: string;
    readonly refresh: boolean;
    readonly expectNoChanges: boolean;
    readonly commentsOnPr: boolean;
    /** `stack-name` input or `--stack` argument, before matrix expansion. */
    readonly stackName: string;
}

function previewsOf(job: Job): Preview[] {
    const previews: Preview[] = [];
    for (const step of pulumiSteps(job).filter((s) => s.with.command !== undefined)) {
        previews.push({
            step,
            command: String(step.with.command),
            refresh: truthy(step.with.refresh),
            expectNoChanges: truthy(step.with["expect-no-changes"]),
            commentsOnPr: truthy(step.with["comment-on-pr"]),
            stackName: String(step.with["stack-name"] ?? ""),
        });
    }
    for (const step of job.steps) {
        for (const command of cliCommands(step, ["preview", "up", "update", "refresh", "destroy"])) {
            const stackVariable = /--stack(?:\s+|=)"?\$\{?([A-Za-z_][A-Za-z0-9_]*)\}?"?/.exec(command)?.[1];
            const env = isRecord(step.raw.env) ? step.raw.env : {};
            previews.push({
                step,
                command: command.split(/\s+/)[1],
                refresh: /\s--refresh\b(?!=false)/.test(command),
                expectNoChanges: /\s--expect-no-changes\b(?!=false)/.test(command),
                commentsOnPr: false,
                stackName: stackVariable !== undefined ? String(env[stackVariable] ?? "") : "",
            });
        }
    }
    return previews;
}

/**
 * The scheduled drift check: previews with refresh and expect-no-changes, with read-only
 * credentials, and tells in the job summary "drift found" (the CLI's NoChangesExpectedError)
 * from "the check could not run" (any other error).
 */
export function checkDriftWorkflow(wf: WorkflowFile, stacks: readonly PipelineStack[] = []): Problem[] {
    if (!triggersOf(wf).includes("schedule")) return [];
    const problems: Problem[] = [];
    const problem = (where: string, message: string): void => void problems.push({ rule: "drift-check", file: wf.path, where, message });
    if (!triggersOf(wf).includes("workflow_dispatch")) problem("on", "a scheduled check must also start by hand (workflow_dispatch), to re-check after a fix");
    for (const job of jobsOf(wf)) {
        const previews = previewsOf(job);
        for (const preview of previews) {
            const at = where(job, preview.step);
            if (preview.command !== "preview") {
                problem(at, `a scheduled workflow runs \`pulumi ${preview.command}\`; a drift check only previews`);
                continue;
            }
            if (!preview.expectNoChanges) problem(at, "without expect-no-changes a drifted stack passes");
            if (!preview.refresh) problem(at, "without refresh the preview compares with the last saved state, not with what AWS and GitHub hold now");
            if (preview.commentsOnPr) problem(at, "a scheduled run has no pull request to comment on");
            const id = typeof preview.step.raw.id === "string" ? preview.step.raw.id : undefined;
            // pulumi/actions sets no output when the command fails (v7.0.0 src/main.ts), so only a
            // script that reads the CLI's exit status and its NoChangesExpectedError line can tell
            // drift from a check that could not run.
            const script = preview.step.run ?? "";
            // GitHub runs `run:` with `bash -e` (default shell `bash --noprofile --norc -eo pipefail`):
            // the script must turn -e off, or the failed preview ends it before the outcome is written.
            const tells = /no changes were expected/.test(script) && /GITHUB_OUTPUT/.test(script) && /^\s*set\s+\+e\b/m.test(script);
            if (!tells) {
                problem(at, "the drift preview must record whether it found drift (\"no changes were expected but changes were proposed\") or could not run, in a step output: pulumi/actions cannot tell them apart");
            }
            const summary = job.steps.slice(preview.step.index + 1).find(
                (later) =>
                    /always\(\)|failure\(\)/.test(normalizeExpression(later.raw.if)) &&
                    (later.run ?? "").includes("GITHUB_STEP_SUMMARY") &&
                    id !== undefined &&
                    Object.values(isRecord(later.raw.env) ? later.raw.env : {}).some((value) => String(value).includes(`steps.${id}.outputs.`)) &&
                    /could not run/.test(later.run ?? "") &&
                    /[Dd]rift found/.test(later.run ?? ""),
            );
            if (summary === undefined) {
                problem(at, "no later step (if: always() or failure()) tells in $GITHUB_STEP_SUMMARY, from this step's output, \"drift found\" from \"the check could not run\"");
            }
        }
        if (previews.length === 0) continue;
        // Read-only AWS credentials: the stack's drift role (the variables its `branch: main` entry
        // publishes), never a deploy role or an environment's secrets.
        if (environmentName(job) !== undefined) {
            problem(where(job), "a drift check bound to an environment gets that environment's deploy role and secrets; it only reads");
        }
        for (const step of job.steps.filter((s) => stepUses(s, "aws-actions/configure-aws-credentials"))) {
            for (const combo of matrixCombinations(job, stacks)) {
                const role = expandMatrix(String(step.with["role-to-assume"] ?? ""), combo);
                const stack = combo.stack ?? "?";
                const expected = combo.driftPrefix ? `vars.${combo.driftPrefix}_ROLE_ARN` : undefined;
                if (expected === undefined || normalizeExpression(role) !== expected) {
                    problem(where(job, step), `assumes ${role} for stack ${stack}; a drift check assumes the stack's read-only drift role (\`vars.<driftPrefix>_ROLE_ARN\`, ${expected ?? "none published"})`);
                }
            }
        }
        const permissions = permissionsOf(job.raw.permissions);
        if (isRecord(permissions)) {
            for (const scope of ["pull-requests", "contents", "actions", "issues"]) {
                if (permissions[scope] === "write") problem(where(job), `${scope}: write in a drift check, which only reads`);
            }
        }
    }
    return problems;
}

/** The stacks the scheduled drift checks preview, over every workflow. */
function driftCheckedStacks(files: readonly WorkflowFile[], stacks: readonly PipelineStack[]): Set<string> {
    const checked = new Set<string>();
    for (const wf of files.filter((file) => triggersOf(file).includes("schedule"))) {
        for (const job of jobsOf(wf)) {
            for (const preview of previewsOf(job).filter((p) => p.command === "preview" && p.expectNoChanges && p.refresh)) {
                for (const combo of matrixCombinations(job, stacks)) {
                    const name = expandMatrix(preview.stackName, combo);
                    checked.add(name.slice(name.lastIndexOf("/") + 1));
                }
            }
        }
    }
    return checked;
}

/** What a job's Pulumi steps make keyless call, or undefined when it runs none. */
function jobCommand(job: Job): PipelineCommand | undefined {
    const previews = previewsOf(job);
    if (previews.some((p) => p.command === "up" || p.command === "update")) return "up-refresh";
    if (previews.some((p) => p.command === "preview" && p.refresh)) return "preview-refresh";
    if (previews.some((p) => p.command === "preview")) return "preview";
    return undefined;
}

/**
 * Which App key a job may hold: the deploy App's only in a job bound to a protected deploy
 * environment (one that runs `pulumi up` there); every other job only the read App's. No other
 * App key, and each token step pairs an App's ID with that App's key.
 */
export function checkAppKeys(wf: WorkflowFile): Problem[] {
    const problems: Problem[] = [];
    const problem = (at: string, message: string): void => void problems.push({ rule: "app-key-scope", file: wf.path, where: at, message });
    for (const job of jobsOf(wf)) {
        const text = JSON.stringify(job.raw);
        const keys = new Set(text.match(/secrets\.[A-Za-z0-9_]*APP[A-Za-z0-9_]*KEY[A-Za-z0-9_]*/g) ?? []);
        const deployJob = environmentName(job) !== undefined && upSteps(job).length > 0;
        for (const key of keys) {
            const name = key.slice("secrets.".length);
            if (name === DEPLOY_APP.key && !deployJob) {
                problem(where(job), `${name} (the App that can write environments) in a job ${environmentName(job) === undefined ? "without an environment" : "that deploys nothing"}: only the protected deploy jobs may hold it`);
            } else if (name !== DEPLOY_APP.key && name !== READ_APP.key) {
                problem(where(job), `${name} is neither ${READ_APP.key} nor ${DEPLOY_APP.key}: one read-only App outside the deploy environments, one deploy App inside them`);
            } else if (name === READ_APP.key && deployJob) {
                problem(where(job), `${name} in a deploy job: \`pulumi up\` needs the deploy App`);
            }
        }
        for (const step of job.steps.filter((s) => stepUses(s, "actions/create-github-app-token"))) {
            const id = normalizeExpression(step.with["client-id"] ?? step.with["app-id"]);
            const key = normalizeExpression(step.with["private-key"]);
            const pair = [READ_APP, DEPLOY_APP].find((app) => key === `secrets.${app.key}`);
            if (pair === undefined || id !== `vars.${pair.id}`) {
                problem(where(job, step), `the token must pair an App's ID with its own key (vars.${READ_APP.id} with secrets.${READ_APP.key}, or vars.${DEPLOY_APP.id} with secrets.${DEPLOY_APP.key}); got ${id || "no ID"} with ${key || "no key"}`);
            }
        }
    }
    return problems;
}

/**
 * Every App token lists its permissions (without any, the token gets all the App's), asks for
 * exactly what the job's command calls (githubAppPermissions.ts commandPermissions), and a token
 * of the read App asks for no write.
 */
export function checkAppTokenPermissions(wf: WorkflowFile): Problem[] {
    const problems: Problem[] = [];
    const problem = (at: string, message: string): void => void problems.push({ rule: "app-token-permissions", file: wf.path, where: at, message });
    for (const job of jobsOf(wf)) {
        const command = jobCommand(job);
        for (const step of job.steps.filter((s) => stepUses(s, "actions/create-github-app-token"))) {
            const at = where(job, step);
            const requested: Partial<Record<string, string>> = {};
            for (const [input, level] of Object.entries(step.with)) {
                const permission = inputPermission(input);
                if (permission === undefined) continue;
                if (!(permission in PERMISSION_TITLES)) {
                    problem(at, `${input} requests ${permission}, which nothing keyless calls needs (githubAppPermissions.ts)`);
                    continue;
                }
                requested[permission] = String(level);
            }
            if (Object.keys(requested).length === 0) {
                problem(at, "no permission-* inputs: the token would get every permission of the App; list exactly what the job needs");
                continue;
            }
            // A stack's job reaches only the repositories that stack lists.
            if (stackMatrixSource(job) !== undefined && normalizeExpression(step.with.repositories) !== "matrix.repositories") {
                problem(at, "the token of a per-stack job reaches every repository the App is installed on; limit it with `repositories: ${{ matrix.repositories }}` (with `owner`)");
            }
            const readApp = normalizeExpression(step.with["private-key"]) === `secrets.${READ_APP.key}`;
            for (const [permission, level] of Object.entries(requested)) {
                if (level !== "read" && level !== "write") problem(at, `${permission}: ${String(level)} is not read or write`);
                if (readApp && level !== "read") problem(at, `the read-only App's token asks for ${permission}: ${String(level)}; its key is a repository secret any branch can read`);
            }
            if (command === undefined) {
                problem(at, "an App token in a job that runs no Pulumi command");
                continue;
            }
            const needed = commandPermissions(command);
            for (const [permission, access] of Object.entries(needed) as [AppPermission, "read" | "write"][]) {
                if (!covers(requested[permission] as "read" | "write" | undefined, access)) {
                    problem(at, `\`${command}\` needs ${PERMISSION_TITLES[permission]}: ${access} (${permission}), the token asks for ${requested[permission] ?? "none"}`);
                }
            }
            for (const [permission, level] of Object.entries(requested)) {
                const need = needed[permission as AppPermission];
                if (need === undefined || (level === "write" && need === "read")) {
                    problem(at, `the token asks for ${permission}: ${String(level)}, more than \`${command}\` needs (${need ?? "none"})`);
                }
            }
        }
    }
    return problems;
}

/**
 * A job that runs per stack takes the stack list from the `stacks` job's output, never a list
 * written in the workflow: no workflow names a stack.
 */
export function checkStackMatrix(wf: WorkflowFile, stacks: readonly PipelineStack[] = []): Problem[] {
    const problems: Problem[] = [];
    for (const job of jobsOf(wf)) {
        const perStack =
            previewsOf(job).length > 0 ||
            job.steps.some((s) => /(?:^|&&|;|\b(?:then|if|!)\s)\s*npm run\b[^\n]*\bplan\b/m.test((s.run ?? "").replace(/(^|\s)#.*$/gm, "")));
        if (!perStack) continue;
        const source = stackMatrixSource(job);
        if (source === undefined) {
            const named = [...new Set(matrixCombinations(job).map((combo) => combo.stack).filter((stack): stack is string => stack !== undefined))];
            problems.push({
                rule: "stack-matrix",
                file: wf.path,
                where: where(job),
                message: `runs per stack over ${named.length > 0 ? `a list written here (${named.join(", ")})` : "no stack list"}; use \`matrix: \${{ fromJSON(needs.stacks.outputs.matrix) }}\` (tools/pipelineStacks.ts)`,
            });
            continue;
        }
        const needs = job.raw.needs;
        const needed = typeof needs === "string" ? [needs] : Array.isArray(needs) ? needs.map(String) : [];
        const condition = normalizeExpression(job.raw.if).replace(/"/g, "'");
        if (!needed.includes(source) || !condition.includes(`needs.${source}.outputs.count != '0'`)) {
            problems.push({
                rule: "stack-matrix",
                file: wf.path,
                where: where(job),
                message: `needs ${source} and \`if: ... needs.${source}.outputs.count != '0'\` (GitHub refuses an empty matrix, and a project may have no stack file yet)`,
            });
        }
    }
    for (const [a, b] of commentCollisions(stacks.map((stack) => stack.stack))) {
        problems.push({ rule: "pr-comment", file: wf.path, where: "stacks", message: `stack ${a} is a prefix of stack ${b}: one pull request comment for both (pulumi/actions#1165)` });
    }
    return problems;
}

export function checkTimeouts(wf: WorkflowFile): Problem[] {
    return jobsOf(wf)
        .filter((job) => job.raw.uses === undefined && typeof job.raw["timeout-minutes"] !== "number")
        .map((job) => ({
            rule: "timeout" as const,
            file: wf.path,
            where: where(job),
            message: "no timeout-minutes (a hung job holds its concurrency group for 6 hours)",
        }));
}

/** Every rule on one workflow. */
export function checkWorkflow(wf: WorkflowFile, options: CheckOptions = {}): Problem[] {
    const stacks = options.stacks ?? [];
    return [
        ...checkPins(wf),
        ...checkActionInputs(wf),
        ...checkTopPermissions(wf),
        ...checkJobPermissions(wf),
        ...checkCheckout(wf),
        ...checkStaticCredentials(wf),
        ...checkTriggers(wf),
        ...checkPrivilegedWorkflow(wf),
        ...checkForkGuard(wf),
        ...checkRunInjection(wf),
        ...checkDeployJobs(wf, stacks),
        ...checkCaching(wf),
        ...checkPulumiVersion(wf, options.sdkVersion),
        ...checkPrComments(wf, stacks),
        ...checkPolicyPack(wf, stacks),
        ...checkPolicyEnable(wf),
        ...checkPreviewFailureComment(wf),
        ...checkDriftWorkflow(wf, stacks),
        ...checkAppKeys(wf),
        ...checkAppTokenPermissions(wf),
        ...checkStackMatrix(wf, stacks),
        ...checkTimeouts(wf),
    ];
}

/** Every rule on the whole set of workflows, cross-file rules included. */
export function checkWorkflows(files: readonly WorkflowFile[], options: CheckOptions = {}): Problem[] {
    const stacks = options.stacks ?? [];
    const problems = files.flatMap((wf) => checkWorkflow(wf, options));
    problems.push(...checkConsistentPins(files), ...checkWorkflowRunTargets(files));
    const drifted = driftCheckedStacks(files, stacks);
    for (const stack of stacks.filter((s) => !drifted.has(s.stack))) {
        problems.push({
            rule: "drift-check",
            file: ".github/workflows",
            where: "-",
            message: `no scheduled workflow previews stack ${stack.stack} with refresh and expect-no-changes: a renamed repository or a hand edit would show up only as a broken deploy`,
        });
    }
    if (!files.some((wf) => jobsOf(wf).some((job) => upSteps(job).length > 0))) {
        problems.push({ rule: "deploy-environment", file: ".github/workflows", where: "-", message: "no workflow runs `pulumi up`" });
    }
    return problems;
}

// ---------------------------------------------------------------------------------------------
// Dependabot

/** Dependabot keeps the action pins and both npm manifests (root and /policy) current. */
export function checkDependabot(path: string, text: string): Problem[] {
    const problem = (message: string): Problem => ({ rule: "dependabot", file: path, where: "updates", message });
    const doc: unknown = parse(text);
    if (!isRecord(doc) || doc.version !== 2 || !Array.isArray(doc.updates)) {
        return [problem("not a version 2 Dependabot configuration with `updates`")];
    }
    const covered = new Set<string>();
    const problems: Problem[] = [];
    for (const update of doc.updates.filter(isRecord)) {
        const ecosystem = String(update["package-ecosystem"]);
        const directories = [
            ...(typeof update.directory === "string" ? [update.directory] : []),
            ...(Array.isArray(update.directories) ? update.directories.map(String) : []),
        ].map((d) => (d.length > 1 ? d.replace(/\/+$/, "") : d));
        if (!isRecord(update.schedule) || typeof update.schedule.interval !== "string") {
            problems.push(problem(`${ecosystem} ${directories.join(",")} has no schedule.interval`));
        }
        for (const directory of directories) covered.add(`${ecosystem} ${directory}`);
    }
    for (const needed of ["github-actions /", "npm /", "npm /policy"]) {
        if (!covered.has(needed)) problems.push(problem(`no update entry for ${needed}`));
    }
    return problems;
}

export function formatProblems(problems: readonly Problem[]): string {
    return problems.map((p) => `[${p.rule}] ${p.file} (${p.where}): ${p.message}`).join("\n");
}
