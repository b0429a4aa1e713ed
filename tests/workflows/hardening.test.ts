// The pipeline's hardening rules hold on the real workflow files, and each rule reports a small
// bad edit of a real workflow (so a later edit that breaks a rule fails CI).

import * as assert from "node:assert/strict";
import fc from "fast-check";
import { parse } from "yaml";
import {
    checkDependabot,
    checkPins,
    checkWorkflows,
    formatProblems,
    isRecord,
    jobsOf,
    loadWorkflow,
    matrixCombinations,
    Problem,
    RuleId,
    WorkflowFile,
} from "./hardening";
import { DEPENDABOT, fixtureStacks, loadWorkflows, projectStacks, readText, sdkVersion } from "./repository";
import { PipelineStack } from "../../tools/pipelineStacks";

const PR = ".github/workflows/pull-request.yml";
const COMMENT = ".github/workflows/pull-request-comment.yml";
const DEPLOY = ".github/workflows/deploy.yml";
const RELEASE = ".github/workflows/policy-release.yml";
const DRIFT = ".github/workflows/drift.yml";

const CHECKOUT_PIN = "actions/checkout@3d3c42e5aac5ba805825da76410c181273ba90b1 # v7.0.1";
const SETUP_NODE_PIN = "actions/setup-node@820762786026740c76f36085b0efc47a31fe5020 # v7.0.0";
const AUTH_PIN = "pulumi/auth-actions@141415910c3beb54e03b48e9057c204c97b956f2 # v2.1.0";

type Doc = Record<string, unknown>;

function mapping(value: unknown, what: string): Record<string, unknown> {
    if (!isRecord(value)) throw new Error(`${what} is not a mapping`);
    return value;
}

function job(doc: Doc, id: string): Record<string, unknown> {
    return mapping(mapping(doc.jobs, "jobs")[id], `job ${id}`);
}

function steps(doc: Doc, jobId: string): Record<string, unknown>[] {
    const list = job(doc, jobId).steps;
    if (!Array.isArray(list) || !list.every(isRecord)) throw new Error(`job ${jobId} has no steps`);
    // The array itself, so that a mutation can add or remove steps.
    return list as Record<string, unknown>[];
}

/** The first step of a job using an action (`owner/repo`). */
function stepUsing(doc: Doc, jobId: string, action: string): Record<string, unknown> {
    const found = steps(doc, jobId).find((s) => typeof s.uses === "string" && s.uses.startsWith(`${action}@`));
    if (found === undefined) throw new Error(`job ${jobId} has no ${action} step`);
    return found;
}

function inputs(step: Record<string, unknown>): Record<string, unknown> {
    return mapping(step.with, "with");
}

function permissions(doc: Doc, jobId: string): Record<string, unknown> {
    return mapping(job(doc, jobId).permissions, `permissions of ${jobId}`);
}

function replaceOnce(text: string, from: string, to: string): string {
    const at = text.indexOf(from);
    if (at < 0) throw new Error(`mutation target not found: ${from}`);
    return text.slice(0, at) + to + text.slice(at + from.length);
}

interface Mutation {
    readonly rule: RuleId;
    readonly file: string;
    readonly what: string;
    /** Edit the raw text (the workflow is parsed again from it). */
    readonly text?: (text: string) => string;
    /** Edit a copy of the parsed workflow. */
    readonly doc?: (doc: Doc) => void;
    /** Edit the stack list (the fixture stacks, dev and prod, by default). */
    readonly stacks?: (stacks: PipelineStack[]) => PipelineStack[];
}

/** A step of a job found by a piece of its `run:` script. */
function stepRunning(doc: Doc, jobId: string, text: string): Record<string, unknown> {
    const found = steps(doc, jobId).find((s) => typeof s.run === "string" && s.run.includes(text));
    if (found === undefined) throw new Error(`job ${jobId} has no step running ${text}`);
    return found;
}

function editRun(doc: Doc, jobId: string, text: string, edit: (run: string) => string): void {
    const step = stepRunning(doc, jobId, text);
    step.run = edit(String(step.run));
}

function removeStep(doc: Doc, jobId: string, step: Record<string, unknown>): void {
    const list = steps(doc, jobId);
    list.splice(list.indexOf(step), 1);
}

const MUTATIONS: readonly Mutation[] = [
    // Pins
    { rule: "pinned-uses", file: PR, what: "an action pinned to a tag", text: (t) => replaceOnce(t, CHECKOUT_PIN, "actions/checkout@v7") },
    {
        rule: "pinned-uses",
        file: PR,
        what: "a SHA pin without its version comment",
        text: (t) => replaceOnce(t, CHECKOUT_PIN, "actions/checkout@3d3c42e5aac5ba805825da76410c181273ba90b1"),
    },
    {
        rule: "pinned-uses",
        file: DEPLOY,
        what: "an abbreviated SHA",
        text: (t) => replaceOnce(t, CHECKOUT_PIN, "actions/checkout@3d3c42e # v7.0.1"),
    },
    {
        rule: "known-bad-version",
        file: DEPLOY,
        what: "pulumi/auth-actions v2.0.0",
        text: (t) => replaceOnce(t, AUTH_PIN, "pulumi/auth-actions@066f883c60134e2f0340cbf38f1cf6a11bbc237b # v2.0.0"),
    },
    {
        rule: "consistent-pins",
        file: RELEASE,
        what: "one workflow pinning another setup-node release",
        text: (t) => replaceOnce(t, SETUP_NODE_PIN, "actions/setup-node@249970729cb0ef3589644e2896645e5dc5ba9c38 # v6.5.0"),
    },
    {
        rule: "action-inputs",
        file: PR,
        what: "a misspelt pulumi/actions input",
        doc: (d) => {
            inputs(stepUsing(d, "preview", "pulumi/actions")).policyPack = "./policy";
        },
    },
    // Token permissions
    { rule: "top-permissions", file: DEPLOY, what: "permissions: write-all", doc: (d) => void (d.permissions = "write-all") },
    { rule: "top-permissions", file: RELEASE, what: "no top-level permissions", doc: (d) => void delete d.permissions },
    { rule: "top-permissions", file: COMMENT, what: "a top-level write", doc: (d) => void (d.permissions = { "pull-requests": "write" }) },
    { rule: "job-permissions", file: PR, what: "contents: write on the test job", doc: (d) => void (permissions(d, "checks").contents = "write") },
    { rule: "job-permissions", file: DEPLOY, what: "a job without permissions", doc: (d) => void delete job(d, "checks").permissions },
    { rule: "id-token-scope", file: PR, what: "id-token: write on the test job", doc: (d) => void (permissions(d, "checks")["id-token"] = "write") },
    { rule: "id-token-scope", file: DEPLOY, what: "an OIDC job without id-token: write", doc: (d) => void delete permissions(d, "up")["id-token"] },
    { rule: "pull-requests-scope", file: DEPLOY, what: "pull-requests: write on a deploy", doc: (d) => void (permissions(d, "up")["pull-requests"] = "write") },
    {
        rule: "pull-requests-scope",
        file: PR,
        what: "pull-requests: write left after comments were turned off",
        doc: (d) => {
            inputs(stepUsing(d, "preview", "pulumi/actions"))["comment-on-pr"] = false;
            const list = steps(d, "preview");
            list.splice(list.indexOf(failureCommentStep(d)), 1);
        },
    },
    // Checkout
    {
        rule: "persist-credentials",
        file: RELEASE,
        what: "checkout keeping the token",
        doc: (d) => void delete inputs(stepUsing(d, "release", "actions/checkout"))["persist-credentials"],
    },
    {
        rule: "persist-credentials",
        file: PR,
        what: "persist-credentials: true",
        doc: (d) => void (inputs(stepUsing(d, "checks", "actions/checkout"))["persist-credentials"] = true),
    },
    {
        rule: "unsafe-pr-checkout",
        file: PR,
        what: "allow-unsafe-pr-checkout",
        doc: (d) => void (inputs(stepUsing(d, "checks", "actions/checkout"))["allow-unsafe-pr-checkout"] = true),
    },
    // Long-lived credentials
    {
        rule: "static-credentials",
        file: DEPLOY,
        what: "a stored AWS key in the text",
        text: (t) => replaceOnce(t, "${{ secrets.AWS_DEPLOY_ROLE_ARN }}\n          aws-region", "${{ secrets.AWS_ACCESS_KEY_ID }}\n          aws-region"),
    },
    {
        rule: "static-credentials",
        file: DEPLOY,
        what: "PULUMI_ACCESS_TOKEN set from a secret",
        doc: (d) => {
            const step = stepUsing(d, "up", "pulumi/actions");
            step.env = { ...mapping(step.env, "env"), PULUMI_ACCESS_TOKEN: "${{ secrets.PULUMI_TOKEN }}" };
        },
    },
    {
        rule: "static-credentials",
        file: PR,
        what: "configure-aws-credentials with an access key",
        doc: (d) => {
            const w = inputs(stepUsing(d, "preview", "aws-actions/configure-aws-credentials"));
            delete w["role-to-assume"];
            w["aws-access-key-id"] = "${{ vars.KEY_ID }}";
        },
    },
    { rule: "debug-logging", file: RELEASE, what: "ACTIONS_STEP_DEBUG", doc: (d) => void (d.env = { ...mapping(d.env, "env"), ACTIONS_STEP_DEBUG: true }) },
    // Triggers and fork safety
    {
        rule: "pull-request-target",
        file: PR,
        what: "pull_request_target",
        doc: (d) => void (d.on = { pull_request_target: { branches: ["main"] } }),
    },
    { rule: "workflow-run-target", file: PR, what: "a renamed pull request workflow", doc: (d) => void (d.name = "PR checks") },
    {
        rule: "privileged-workflow",
        file: COMMENT,
        what: "checkout in the workflow_run workflow",
        doc: (d) => void steps(d, "comment").unshift({ uses: "actions/checkout@3d3c42e5aac5ba805825da76410c181273ba90b1", with: { "persist-credentials": false } }),
    },
    {
        rule: "privileged-workflow",
        file: COMMENT,
        what: "artifact data written to $GITHUB_ENV",
        doc: (d) => void steps(d, "comment").push({ run: 'cat "$RUNNER_TEMP/offline-plan/pr-number" >> "$GITHUB_ENV"' }),
    },
    {
        rule: "privileged-workflow",
        file: COMMENT,
        what: "npm run in the workflow_run workflow",
        doc: (d) => void steps(d, "comment").push({ run: "cd \"$RUNNER_TEMP\" && npm install" }),
    },
    {
        rule: "privileged-workflow",
        file: COMMENT,
        what: "a secret in the workflow_run workflow",
        doc: (d) => void steps(d, "comment").push({ run: "true", env: { KEY: "${{ secrets.KEYLESS_READ_APP_PRIVATE_KEY }}" } }),
    },
    { rule: "fork-guard", file: PR, what: "preview without its fork guard", doc: (d) => void delete job(d, "preview").if },
    {
        rule: "fork-guard",
        file: PR,
        what: "a fork guard bypassed with ||",
        doc: (d) =>
            void (job(d, "preview").if =
                "${{ github.event_name == 'pull_request' || github.event.pull_request.head.repo.full_name == github.repository && github.actor != 'dependabot[bot]' }}"),
    },
    {
        rule: "fork-guard",
        file: PR,
        what: "Dependabot not excluded",
        doc: (d) => void (job(d, "preview").if = "${{ github.event.pull_request.head.repo.full_name == github.repository }}"),
    },
    { rule: "pr-no-environment", file: PR, what: "a preview bound to prod", doc: (d) => void (job(d, "preview").environment = "prod") },
    {
        rule: "run-injection",
        file: PR,
        what: "a pull request title in a script",
        doc: (d) => void steps(d, "checks").push({ run: 'echo "${{ github.event.pull_request.title }}"' }),
    },
    {
        rule: "run-injection",
        file: DEPLOY,
        what: "a secret echoed by a script",
        doc: (d) => void steps(d, "up").push({ run: "echo ${{ secrets.KEYLESS_DEPLOY_APP_PRIVATE_KEY }}" }),
    },
    // Deploys
    { rule: "deploy-environment", file: DEPLOY, what: "a deploy without environment", doc: (d) => void delete job(d, "up").environment },
    { rule: "deploy-environment", file: DEPLOY, what: "every stack deployed in the dev environment", doc: (d) => void (job(d, "up").environment = "dev") },
    {
        rule: "deploy-environment",
        file: DEPLOY,
        what: "a stack file nobody deploys",
        stacks: (list) => [...list, { ...list[0], stack: "qa", environment: "qa", order: 20, after: list[0].stack }],
        doc: (d) => void (mapping(job(d, "up").strategy, "strategy").matrix = { include: [{ stack: "dev", environment: "dev", after: "" }, { stack: "prod", environment: "prod", after: "dev" }] }),
    },
    {
        rule: "deploy-concurrency",
        file: DEPLOY,
        what: "cancel-in-progress: true",
        doc: (d) => void (mapping(job(d, "up").concurrency, "concurrency")["cancel-in-progress"] = true),
    },
    { rule: "deploy-concurrency", file: DEPLOY, what: "one group for every stack", doc: (d) => void (mapping(job(d, "up").concurrency, "concurrency").group = "keyless-deploy") },
    { rule: "deploy-concurrency", file: DEPLOY, what: "no concurrency group", doc: (d) => void delete job(d, "up").concurrency },
    { rule: "deploy-order", file: DEPLOY, what: "stacks deployed in parallel", doc: (d) => void delete mapping(job(d, "up").strategy, "strategy")["max-parallel"] },
    { rule: "deploy-order", file: DEPLOY, what: "a failed stack not stopping the next", doc: (d) => void (mapping(job(d, "up").strategy, "strategy")["fail-fast"] = false) },
    {
        rule: "deploy-order",
        file: DEPLOY,
        what: "no check that the stacks before deployed (matrix start order is not promised)",
        doc: (d) => removeStep(d, "up", stepRunning(d, "up", "actions/runs/")),
    },
    {
        rule: "deploy-order",
        file: DEPLOY,
        what: "the order check after the credentials",
        doc: (d) => {
            const list = steps(d, "up");
            const [guard] = list.splice(list.indexOf(stepRunning(d, "up", "actions/runs/")), 1);
            list.splice(list.indexOf(stepUsing(d, "up", "pulumi/actions")), 0, guard);
        },
    },
    { rule: "deploy-order", file: DEPLOY, what: "a renamed deploy job the order check no longer finds", doc: (d) => void (job(d, "up").name = "Deploy ${{ matrix.stack }}") },
    { rule: "deploy-order", file: DEPLOY, what: "the order check without actions: read", doc: (d) => void delete permissions(d, "up").actions },
    {
        rule: "deploy-trigger",
        file: DEPLOY,
        what: "deploys from pull requests",
        doc: (d) => void (d.on = { ...mapping(d.on, "on"), pull_request: { branches: ["main"] } }),
    },
    { rule: "deploy-trigger", file: DEPLOY, what: "a manual deploy from any branch", doc: (d) => void delete job(d, "up").if },
    // Caching
    {
        rule: "cache-paths",
        file: PR,
        what: "caching ~/.pulumi (credentials.json)",
        doc: (d) => void (inputs(stepUsing(d, "preview", "actions/cache")).path = "~/.pulumi\n"),
    },
    { rule: "cache-lockfile", file: DEPLOY, what: "a cache key without the lockfile", doc: (d) => void (inputs(stepUsing(d, "up", "actions/cache")).key = "pulumi-plugins") },
    { rule: "cache-lockfile", file: PR, what: "npm ci without the npm cache", doc: (d) => void delete inputs(stepUsing(d, "checks", "actions/setup-node")).cache },
    {
        rule: "cache-lockfile",
        file: DEPLOY,
        what: "pulumi up without the plugin cache",
        doc: (d) => {
            const list = steps(d, "up");
            list.splice(list.indexOf(stepUsing(d, "up", "actions/cache")), 1);
        },
    },
    // Pulumi CLI and pulumi/actions
    { rule: "pulumi-version", file: PR, what: "no pulumi-version", doc: (d) => void delete inputs(stepUsing(d, "preview", "pulumi/actions"))["pulumi-version"] },
    { rule: "pulumi-version", file: RELEASE, what: "a version range", doc: (d) => void (mapping(d.env, "env").PULUMI_VERSION = "^3") },
    { rule: "pulumi-version", file: DEPLOY, what: "a CLI older than the SDK", doc: (d) => void (mapping(d.env, "env").PULUMI_VERSION = "3.100.0") },
    {
        rule: "pr-comment",
        file: PR,
        what: "a long preview cutting its summary",
        doc: (d) => void delete inputs(stepUsing(d, "preview", "pulumi/actions"))["always-include-summary"],
    },
    {
        rule: "pr-comment",
        file: PR,
        what: "a stack whose name extends another's (pulumi/actions#1165)",
        stacks: (list) => [...list, { ...list[0], stack: `${list[0].stack}-eu`, environment: `${list[0].environment}-eu` }],
    },
    {
        rule: "pr-comment",
        file: PR,
        what: "a new comment on every push",
        doc: (d) => void (inputs(stepUsing(d, "preview", "pulumi/actions"))["edit-pr-comment"] = false),
    },
    { rule: "policy-pack", file: DEPLOY, what: "an update without the pack", doc: (d) => void delete inputs(stepUsing(d, "up", "pulumi/actions")).policyPacks },
    {
        rule: "policy-pack",
        file: DEPLOY,
        what: "prod checked with a per-stack pack configuration instead of the organisation's",
        doc: (d) => void (inputs(stepUsing(d, "up", "pulumi/actions")).policyPackConfigs = "./policy/config/prod.json"),
    },
    {
        rule: "policy-pack",
        file: PR,
        what: "a pack without its configuration",
        doc: (d) => void delete inputs(stepUsing(d, "preview", "pulumi/actions")).policyPackConfigs,
    },
    {
        rule: "policy-pack",
        file: DRIFT,
        what: "a drift check with a per-stack pack configuration",
        doc: (d) => editRun(d, "drift", "pulumi preview", (run) => run.replace("--policy-pack-config ./policy/config/organization.json", '--policy-pack-config "./policy/config/${STACK}.json"')),
    },
    {
        rule: "policy-enable",
        file: RELEASE,
        what: "the organisation enablement without --config",
        text: (t) => replaceOnce(t, ' --config ./policy/config/organization.json', ""),
    },
    {
        rule: "policy-enable",
        file: RELEASE,
        what: "the organisation enablement with another configuration",
        text: (t) => replaceOnce(t, "--config ./policy/config/organization.json", "--config ./policy/config/prod.json"),
    },
    // A failed preview says so in its comment
    {
        rule: "preview-failure-comment",
        file: PR,
        what: "no step after a failed preview",
        doc: (d) => {
            const list = steps(d, "preview");
            list.splice(list.indexOf(failureCommentStep(d)), 1);
        },
    },
    {
        rule: "preview-failure-comment",
        file: PR,
        what: "the failure step running on success",
        doc: (d) => void (failureCommentStep(d).if = "${{ success() }}"),
    },
    {
        rule: "preview-failure-comment",
        file: PR,
        what: "a preview without an id",
        doc: (d) => void delete stepUsing(d, "preview", "pulumi/actions").id,
    },
    {
        rule: "preview-failure-comment",
        file: PR,
        what: "a failure comment pulumi/actions would not find again (no Pulumi report summary)",
        doc: (d) => {
            const step = failureCommentStep(d);
            step.run = String(step.run).replace("<summary>Pulumi report</summary>", "<summary>Preview failed</summary>");
        },
    },
    {
        rule: "preview-failure-comment",
        file: PR,
        what: "a failure comment without the offline plan",
        doc: (d) => {
            const step = failureCommentStep(d);
            step.run = String(step.run).replace(/offline-plan/g, "nothing");
        },
    },
    {
        rule: "preview-failure-comment",
        file: PR,
        what: "the offline plan rendered after the credentials (pull request code next to them)",
        doc: (d) => {
            const list = steps(d, "preview");
            const plan = list.findIndex((step) => String(step.run ?? "").includes("--format markdown"));
            const [moved] = list.splice(plan, 1);
            list.splice(list.indexOf(stepUsing(d, "preview", "pulumi/actions")), 0, moved);
        },
    },
    // Drift check
    {
        rule: "drift-check",
        file: DRIFT,
        what: "a drift preview that accepts changes",
        doc: (d) => editRun(d, "drift", "pulumi preview", (run) => run.replace(" --expect-no-changes", "")),
    },
    {
        rule: "drift-check",
        file: DRIFT,
        what: "a drift preview without refresh",
        doc: (d) => editRun(d, "drift", "pulumi preview", (run) => run.replace(" --refresh", "")),
    },
    {
        rule: "drift-check",
        file: DRIFT,
        what: "a scheduled update instead of a preview",
        doc: (d) => editRun(d, "drift", "pulumi preview", (run) => run.replace("pulumi preview", "pulumi up")),
    },
    {
        rule: "drift-check",
        file: DRIFT,
        what: "a drift preview through pulumi/actions, which cannot tell drift from an error",
        doc: (d) => {
            const list = steps(d, "drift");
            const index = list.indexOf(stepRunning(d, "drift", "pulumi preview"));
            list[index] = {
                id: "drift",
                uses: "pulumi/actions@8e5e406f4007fca908480587cb9893c07090f58d",
                with: { command: "preview", "stack-name": "${{ vars.PULUMI_ORG }}/${{ matrix.stack }}", refresh: true, "expect-no-changes": true, policyPacks: "./policy", policyPackConfigs: "./policy/config/organization.json" },
            };
        },
    },
    {
        rule: "drift-check",
        file: DRIFT,
        what: "a drift script that bash -e ends at the failed preview, before it records drift",
        doc: (d) => editRun(d, "drift", "pulumi preview", (run) => run.replace("set +e -uo pipefail", "set -uo pipefail")),
    },
    {
        rule: "drift-check",
        file: DRIFT,
        what: "no summary of the outcome",
        doc: (d) => removeStep(d, "drift", stepRunning(d, "drift", "GITHUB_STEP_SUMMARY")),
    },
    {
        rule: "drift-check",
        file: DRIFT,
        what: "a summary that calls every failure drift",
        doc: (d) => editRun(d, "drift", "GITHUB_STEP_SUMMARY", (run) => run.replace(/could not run/g, "failed")),
    },
    {
        rule: "drift-check",
        file: DRIFT,
        what: "a stack left out of the drift check",
        doc: (d) => void (mapping(job(d, "drift").strategy, "strategy").matrix = { include: [{ stack: "dev", driftPrefix: "AWS_DRIFT_DEV" }] }),
    },
    {
        rule: "drift-check",
        file: DRIFT,
        what: "a drift check with the deploy role",
        doc: (d) => void (inputs(stepUsing(d, "drift", "aws-actions/configure-aws-credentials"))["role-to-assume"] = "${{ secrets.AWS_DEPLOY_ROLE_ARN }}"),
    },
    {
        rule: "drift-check",
        file: DRIFT,
        what: "every stack checked with one stack's drift role",
        doc: (d) => void (inputs(stepUsing(d, "drift", "aws-actions/configure-aws-credentials"))["role-to-assume"] = "${{ vars.AWS_DRIFT_DEV_ROLE_ARN }}"),
    },
    { rule: "drift-check", file: DRIFT, what: "a drift check bound to an environment", doc: (d) => void (job(d, "drift").environment = "prod") },
    { rule: "drift-check", file: DRIFT, what: "no schedule and no manual start", doc: (d) => void (d.on = { push: { branches: ["main"] } }) },
    { rule: "drift-check", file: DRIFT, what: "no manual start", doc: (d) => void (d.on = { schedule: [{ cron: "17 4 * * *" }] }) },
    // The two Apps
    {
        rule: "app-key-scope",
        file: PR,
        what: "a preview with the deploy App's key",
        doc: (d) => {
            const w = inputs(stepUsing(d, "preview", "actions/create-github-app-token"));
            w["client-id"] = "${{ vars.KEYLESS_DEPLOY_APP_ID }}";
            w["private-key"] = "${{ secrets.KEYLESS_DEPLOY_APP_PRIVATE_KEY }}";
        },
    },
    {
        rule: "app-key-scope",
        file: DRIFT,
        what: "the drift check with the old single App's repository secret",
        doc: (d) => void (inputs(stepUsing(d, "drift", "actions/create-github-app-token"))["private-key"] = "${{ secrets.KEYLESS_APP_PRIVATE_KEY }}"),
    },
    {
        rule: "app-key-scope",
        file: DEPLOY,
        what: "a deploy with the read-only App's key",
        doc: (d) => {
            const w = inputs(stepUsing(d, "up", "actions/create-github-app-token"));
            w["client-id"] = "${{ vars.KEYLESS_READ_APP_ID }}";
            w["private-key"] = "${{ secrets.KEYLESS_READ_APP_PRIVATE_KEY }}";
        },
    },
    {
        rule: "app-key-scope",
        file: DEPLOY,
        what: "the deploy key in the test job (no environment)",
        doc: (d) => void steps(d, "checks").push({ run: 'test -n "$KEY"', env: { KEY: "${{ secrets.KEYLESS_DEPLOY_APP_PRIVATE_KEY }}" } }),
    },
    {
        rule: "app-key-scope",
        file: PR,
        what: "one App's ID with the other's key",
        doc: (d) => void (inputs(stepUsing(d, "preview", "actions/create-github-app-token"))["client-id"] = "${{ vars.KEYLESS_DEPLOY_APP_ID }}"),
    },
    {
        rule: "app-token-permissions",
        file: DRIFT,
        what: "a drift token that cannot read repository variables (the nightly failure)",
        doc: (d) => void delete inputs(stepUsing(d, "drift", "actions/create-github-app-token"))["permission-actions-variables"],
    },
    {
        rule: "app-token-permissions",
        file: DRIFT,
        what: "a drift token that cannot read environment secrets",
        doc: (d) => void delete inputs(stepUsing(d, "drift", "actions/create-github-app-token"))["permission-secrets"],
    },
    {
        rule: "app-token-permissions",
        file: DRIFT,
        what: "a drift token with the App's full permissions",
        doc: (d) => {
            const w = inputs(stepUsing(d, "drift", "actions/create-github-app-token"));
            for (const input of Object.keys(w).filter((k) => k.startsWith("permission-"))) delete w[input];
        },
    },
    {
        rule: "app-token-permissions",
        file: DRIFT,
        what: "a read-App token that can write environments",
        doc: (d) => void (inputs(stepUsing(d, "drift", "actions/create-github-app-token"))["permission-administration"] = "write"),
    },
    {
        rule: "app-token-permissions",
        file: PR,
        what: "a preview token asking for more than lookups (environments)",
        doc: (d) => void (inputs(stepUsing(d, "preview", "actions/create-github-app-token"))["permission-environments"] = "read"),
    },
    {
        rule: "app-token-permissions",
        file: PR,
        what: "a preview token that cannot look up reviewer teams",
        doc: (d) => void delete inputs(stepUsing(d, "preview", "actions/create-github-app-token"))["permission-members"],
    },
    {
        rule: "app-token-permissions",
        file: DEPLOY,
        what: "a deploy token without its explicit permissions",
        doc: (d) => {
            const w = inputs(stepUsing(d, "up", "actions/create-github-app-token"));
            for (const input of Object.keys(w).filter((k) => k.startsWith("permission-"))) delete w[input];
        },
    },
    {
        rule: "app-token-permissions",
        file: DEPLOY,
        what: "a deploy token that cannot write environment secrets",
        doc: (d) => void (inputs(stepUsing(d, "up", "actions/create-github-app-token"))["permission-secrets"] = "read"),
    },
    {
        rule: "app-token-permissions",
        file: DEPLOY,
        what: "a deploy token for every repository the App is installed on",
        doc: (d) => void delete inputs(stepUsing(d, "up", "actions/create-github-app-token")).repositories,
    },
    {
        rule: "app-token-permissions",
        file: DEPLOY,
        what: "a misspelt permission input",
        doc: (d) => void (inputs(stepUsing(d, "up", "actions/create-github-app-token"))["permission-variables"] = "write"),
    },
    // Stacks come from the stack files
    {
        rule: "stack-matrix",
        file: PR,
        what: "a preview over stacks written in the workflow",
        doc: (d) => void (mapping(job(d, "preview").strategy, "strategy").matrix = { include: [{ stack: "dev", previewPrefix: "AWS_PREVIEW_DEV" }, { stack: "prod", previewPrefix: "AWS_PREVIEW_PROD" }] }),
    },
    {
        rule: "stack-matrix",
        file: PR,
        what: "an offline plan over a list written in the workflow",
        doc: (d) => void (mapping(job(d, "offline-plan").strategy, "strategy").matrix = { stack: ["dev", "prod"] }),
    },
    {
        rule: "stack-matrix",
        file: DRIFT,
        what: "a stack matrix without the zero-stacks guard",
        doc: (d) => void (job(d, "drift").if = "${{ github.ref == 'refs/heads/main' }}"),
    },
    {
        rule: "run-injection",
        file: PR,
        what: "a stack name (from the pull request's stack files) in a script",
        doc: (d) => void steps(d, "offline-plan").push({ run: 'echo "${{ matrix.stack }}"' }),
    },
    { rule: "timeout", file: COMMENT, what: "a job without timeout", doc: (d) => void delete job(d, "comment")["timeout-minutes"] },
    { rule: "timeout", file: DRIFT, what: "a drift job without timeout", doc: (d) => void delete job(d, "drift")["timeout-minutes"] },
    { rule: "id-token-scope", file: DRIFT, what: "a drift job without id-token: write", doc: (d) => void delete permissions(d, "drift")["id-token"] },
    { rule: "cache-paths", file: DRIFT, what: "a drift job caching ~/.pulumi", doc: (d) => void (inputs(stepUsing(d, "drift", "actions/cache")).path = "~/.pulumi\n") },
    {
        rule: "run-injection",
        file: DRIFT,
        what: "a step outcome passed through env is fine, an event field in the script is not",
        doc: (d) => void steps(d, "drift").push({ run: 'echo "${{ github.event.schedule }}"' }),
    },
];

/** The step that rewrites the stack's comment when the preview failed. */
function failureCommentStep(doc: Doc): Record<string, unknown> {
    const found = steps(doc, "preview").find((s) => typeof s.if === "string" && s.if.includes("failure()"));
    if (found === undefined) throw new Error("the preview job has no failure step");
    return found;
}

function applyMutation(files: readonly WorkflowFile[], mutation: Mutation): WorkflowFile[] {
    if (mutation.text === undefined && mutation.doc === undefined) return [...files];
    return files.map((wf) => {
        if (wf.path !== mutation.file) return wf;
        if (mutation.text !== undefined) return loadWorkflow(wf.path, mutation.text(wf.text));
        const doc = structuredClone(wf.doc);
        mutation.doc?.(doc);
        return { path: wf.path, text: wf.text, doc };
    });
}

describe("pipeline hardening", () => {
    const files = loadWorkflows();
    const sdk = sdkVersion();
    // Every rule for every stack the project has, whatever that set is.
    const stacks = projectStacks();
    // The mutations break a copy of a real workflow against a fixed set (dev and prod).
    const fixture = fixtureStacks();

    it("finds the pipeline's workflows", () => {
        const paths = files.map((f) => f.path);
        for (const expected of [PR, COMMENT, DEPLOY, RELEASE, DRIFT]) assert.ok(paths.includes(expected), `${expected} is missing`);
    });

    it("every workflow passes every hardening rule", () => {
        const problems = checkWorkflows(files, { sdkVersion: sdk, stacks });
        assert.equal(problems.length, 0, `\n${formatProblems(problems)}`);
    });

    it("every workflow passes for the fixture stacks too (no rule depends on the project's own set)", () => {
        for (const set of [fixture, fixture.slice(0, 1), []]) {
            const problems = checkWorkflows(files, { sdkVersion: sdk, stacks: set });
            assert.equal(problems.length, 0, `${set.map((s) => s.stack).join(", ") || "no stacks"}:\n${formatProblems(problems)}`);
        }
    });

    it("the failed-preview comment names the project as Pulumi.yaml does (pulumi/actions' heading uses it)", () => {
        const pr = files.find((wf) => wf.path === PR);
        assert.ok(pr);
        const step = failureCommentStep(pr.doc);
        const project = (parse(readText("Pulumi.yaml")) as { name: string }).name;
        assert.equal(mapping(step.env, "env").PROJECT, project);
    });

    it("Dependabot keeps the action pins and both npm manifests current", () => {
        const problems = checkDependabot(DEPENDABOT, readText(DEPENDABOT));
        assert.equal(problems.length, 0, `\n${formatProblems(problems)}`);
    });

    describe("reports a bad edit", () => {
        for (const mutation of MUTATIONS) {
            it(`${mutation.rule}: ${mutation.what} (${mutation.file.replace(".github/workflows/", "")})`, () => {
                const set = mutation.stacks === undefined ? fixture : mutation.stacks([...fixture]);
                const problems: Problem[] = checkWorkflows(applyMutation(files, mutation), { sdkVersion: sdk, stacks: set });
                assert.ok(
                    problems.some((p) => p.rule === mutation.rule),
                    `expected a ${mutation.rule} problem, got:\n${formatProblems(problems) || "(none)"}`,
                );
            });
        }

        it("pinned-uses: a step written in flow style, out of the line scan's reach", () => {
            const fixture = loadWorkflow(
                "fixture.yml",
                [
                    "name: fixture",
                    "on: push",
                    "permissions: {}",
                    "jobs:",
                    "  a:",
                    "    runs-on: ubuntu-latest",
                    "    timeout-minutes: 5",
                    "    permissions: {}",
                    '    steps: [{ uses: "actions/checkout@3d3c42e5aac5ba805825da76410c181273ba90b1" }]',
                    "",
                ].join("\n"),
            );
            assert.ok(checkPins(fixture).some((p) => p.rule === "pinned-uses"));
        });

        const dependabot = readText(DEPENDABOT);
        const dependabotMutations: [string, string, string][] = [
            ["the github-actions entry", "package-ecosystem: github-actions", "package-ecosystem: docker"],
            ["the /policy entry", "directory: /policy", "directory: /tools"],
            ["a schedule", "    schedule:\n      interval: weekly\n    cooldown:\n      default-days: 7\n    groups:\n      github-actions:", "    groups:\n      github-actions:"],
        ];
        for (const [what, from, to] of dependabotMutations) {
            it(`dependabot: without ${what}`, () => {
                const problems = checkDependabot(DEPENDABOT, replaceOnce(dependabot, from, to));
                assert.ok(problems.some((p) => p.rule === "dependabot"), formatProblems(problems) || "(none)");
            });
        }
    });

    describe("helpers", () => {
        it("accepts exactly the 40-hex SHA pins with a version comment", () => {
            const line = (ref: string, comment: string) =>
                loadWorkflow(
                    "p.yml",
                    `on: push\npermissions: {}\njobs:\n  a:\n    runs-on: x\n    steps:\n      - uses: o/r@${ref}${comment}\n`,
                );
            fc.assert(
                fc.property(
                    fc.stringMatching(/^[0-9a-f]{40}$/),
                    fc.stringMatching(/^v[0-9]{1,2}(\.[0-9]{1,2}){0,2}$/),
                    (sha, version) => checkPins(line(sha, ` # ${version}`)).length === 0,
                ),
            );
            fc.assert(
                fc.property(fc.stringMatching(/^[0-9a-zA-Z.]{1,39}$|^[0-9a-f]{41,45}$/), (ref) =>
                    checkPins(line(ref, " # v1.2.3")).some((p) => p.rule === "pinned-uses"),
                ),
            );
        });

        it("expands a matrix the way GitHub does", () => {
            const wf = loadWorkflow(
                "m.yml",
                [
                    "on: push",
                    "jobs:",
                    "  a:",
                    "    runs-on: x",
                    "    strategy:",
                    "      matrix:",
                    "        stack: [dev, prod]",
                    "        include:",
                    "          - stack: dev",
                    "            role: r1",
                    "          - stack: qa",
                    "    steps: []",
                    "",
                ].join("\n"),
            );
            assert.deepEqual(matrixCombinations(jobsOf(wf)[0]), [{ stack: "dev", role: "r1" }, { stack: "prod" }, { stack: "qa" }]);
        });
    });
});
