// Measures what a user waits for: the pack's cold start as the CLI starts it (spawn to gRPC port), compiled
// and from source, against a trivial precompiled pack as the floor; and the cost per analysed resource.
// Run with `npm run bench` in policy/ (it builds bin/ first). Prints figures; asserts nothing.

import * as fs from "fs";
import * as path from "path";
import { performance } from "perf_hooks";
import { analyzeSelfEscalation, checkPermissionPolicy, checkTrustPolicy } from "../analysis";
import { AnalyzerClient, PACK_DIR, StartOptions, UNKNOWN, WireResource } from "../harness/analyzerClient";

const COLD_STARTS_COMPILED = 5;
const COLD_STARTS_SOURCE = 3;
const RESOURCES = 1_000;
const WARM_UP = 50;

const GITHUB_PROVIDER = "arn:aws:iam::123456789012:oidc-provider/token.actions.githubusercontent.com";

function trustPolicy(sub: string, operator = "StringEquals"): string {
    return JSON.stringify({
        Version: "2012-10-17",
        Statement: [
            {
                Effect: "Allow",
                Principal: { Federated: GITHUB_PROVIDER },
                Action: "sts:AssumeRoleWithWebIdentity",
                Condition: {
                    StringEquals: { "token.actions.githubusercontent.com:aud": "sts.amazonaws.com" },
                    [operator]: { "token.actions.githubusercontent.com:sub": sub },
                },
            },
        ],
    });
}

function permissionPolicy(i: number): string {
    return JSON.stringify({
        Version: "2012-10-17",
        Statement: [
            { Sid: "Deploy", Effect: "Allow", Action: ["s3:PutObject", "s3:GetObject"], Resource: `arn:aws:s3:::site-${i}/*` },
            { Effect: "Allow", Action: "iam:PassRole", Resource: i % 7 === 0 ? "*" : `arn:aws:iam::123456789012:role/app-${i}` },
            { Effect: "Allow", Action: i % 11 === 0 ? "*" : "lambda:UpdateFunctionCode", Resource: "*" },
        ],
    });
}

/** A mix of the resource types a keyless stack holds, good and bad, plus types the pack ignores. */
function mixedResources(count: number): WireResource[] {
    const resources: WireResource[] = [];
    for (let i = 0; i < count; i++) {
        switch (i % 8) {
            case 0:
                resources.push({ type: "aws:iam/role:Role", name: `deploy-${i}`, properties: { assumeRolePolicy: trustPolicy(`repo:acme/app-${i}:environment:production`), maxSessionDuration: 3600 } });
                break;
            case 1:
                resources.push({ type: "aws:iam/role:Role", name: `loose-${i}`, properties: { assumeRolePolicy: trustPolicy(`repo:acme/*`, "StringLike"), inlinePolicies: [{ name: "inline", policy: permissionPolicy(i) }] } });
                break;
            case 2:
                resources.push({ type: "aws:iam/policy:Policy", name: `policy-${i}`, properties: { policy: permissionPolicy(i) } });
                break;
            case 3:
                resources.push({ type: "aws:iam/rolePolicyAttachment:RolePolicyAttachment", name: `attach-${i}`, properties: { role: `deploy-${i}`, policyArn: i % 3 === 0 ? "arn:aws:iam::aws:policy/AdministratorAccess" : "arn:aws:iam::aws:policy/ReadOnlyAccess" } });
                break;
            case 4:
                resources.push({ type: "aws-native:iam:Role", name: `native-${i}`, properties: { assumeRolePolicyDocument: JSON.parse(trustPolicy(`repo:acme/app-${i}:ref:refs/heads/main`)), managedPolicyArns: ["arn:aws:iam::aws:policy/ReadOnlyAccess"] } });
                break;
            case 5:
                resources.push({ type: "github:index/repositoryEnvironment:RepositoryEnvironment", name: `env-${i}`, properties: { repository: `app-${i}`, environment: "production", reviewers: [{ teams: [42] }], canAdminsBypass: false, deploymentBranchPolicy: { protectedBranches: true, customBranchPolicies: false } } });
                break;
            case 6:
                resources.push({ type: "aws:iam/role:Role", name: `preview-${i}`, properties: { assumeRolePolicy: UNKNOWN } });
                break;
            default:
                resources.push({ type: "aws:s3/bucketV2:BucketV2", name: `bucket-${i}`, properties: { bucket: `site-${i}` } });
        }
    }
    return resources;
}

function median(values: number[]): number {
    const sorted = [...values].sort((a, b) => a - b);
    const middle = Math.floor(sorted.length / 2);
    return sorted.length % 2 === 1 ? sorted[middle] : (sorted[middle - 1] + sorted[middle]) / 2;
}

/** A trivial precompiled JavaScript pack next to this one (under bin/, which is build output): the floor. */
function writeFloorPack(): string {
    const dir = path.join(PACK_DIR, "bin", "bench-floor-pack");
    fs.mkdirSync(dir, { recursive: true });
    fs.writeFileSync(path.join(dir, "package.json"), JSON.stringify({ name: "floor", version: "0.0.1", main: "index.js" }));
    fs.writeFileSync(path.join(dir, "PulumiPolicy.yaml"), "runtime: nodejs\n");
    fs.writeFileSync(
        path.join(dir, "index.js"),
        'const { PolicyPack } = require("@pulumi/policy");\n' +
            'new PolicyPack("floor", { policies: [{ name: "noop", description: "does nothing", validateResource: () => {} }] });\n',
    );
    return dir;
}

async function coldStarts(label: string, runs: number, options: StartOptions): Promise<[string, string]> {
    const times: number[] = [];
    for (let i = 0; i < runs; i++) {
        const pack = await AnalyzerClient.start(options);
        times.push(pack.startupMs);
        await pack.close();
    }
    const fmt = (ms: number): string => `${(ms / 1000).toFixed(2)} s`;
    return [label, `${fmt(median(times))} (min ${fmt(Math.min(...times))}, max ${fmt(Math.max(...times))}, ${runs} runs)`];
}

/** Mean milliseconds per `analyze` call over the resources, after a warm-up, one call at a time as the engine sends them. */
async function sequentialAnalyzeMs(pack: AnalyzerClient, resources: readonly WireResource[]): Promise<number> {
    for (const resource of resources.slice(0, WARM_UP)) {
        await pack.analyze(resource);
    }
    const started = performance.now();
    for (const resource of resources) {
        await pack.analyze(resource);
    }
    return (performance.now() - started) / resources.length;
}

function table(title: string, rows: Array<[string, string]>): void {
    const width = Math.max(...rows.map(([label]) => label.length));
    console.log(`\n${title}`);
    console.log(`${"-".repeat(width)}  ${"-".repeat(40)}`);
    for (const [label, value] of rows) {
        console.log(`${label.padEnd(width)}  ${value}`);
    }
}

async function main(): Promise<void> {
    if (!fs.existsSync(path.join(PACK_DIR, "bin", "index.js"))) {
        throw new Error("bin/index.js is missing: run `npm run bench` (it builds first)");
    }
    console.log(`keyless-guardrails bench, node ${process.version}, ${new Date().toISOString()}`);

    const startRows: Array<[string, string]> = [];
    startRows.push(await coldStarts("trivial precompiled JS pack (floor)", COLD_STARTS_COMPILED, { packDir: writeFloorPack() }));
    startRows.push(await coldStarts("keyless-guardrails, compiled (bin/)", COLD_STARTS_COMPILED, { load: "compiled" }));
    startRows.push(await coldStarts("keyless-guardrails, from source (ts-node)", COLD_STARTS_SOURCE, { load: "source" }));
    table("Cold start, spawn to gRPC port, as the CLI starts a pack", startRows);

    const resources = mixedResources(RESOURCES);
    const costRows: Array<[string, string]> = [];
    const floor = await AnalyzerClient.start({ packDir: writeFloorPack() });
    try {
        const perResource = await sequentialAnalyzeMs(floor, resources);
        costRows.push([`floor: trivial pack, analyze over gRPC, ${RESOURCES} resources`, `${perResource.toFixed(3)} ms per resource`]);
    } finally {
        await floor.close();
    }
    const pack = await AnalyzerClient.start({ load: "compiled" });
    try {
        // The strictest configuration: every policy mandatory, every environment needing reviewers.
        await pack.configure(JSON.stringify({ all: "mandatory" }));
        const perResource = await sequentialAnalyzeMs(pack, resources);
        costRows.push([`keyless-guardrails, analyze over gRPC, ${RESOURCES} mixed resources`, `${perResource.toFixed(3)} ms per resource`]);
        const stackStarted = performance.now();
        const stack = await pack.analyzeStack(resources);
        const stackMs = performance.now() - stackStarted;
        costRows.push([
            `keyless-guardrails, analyzeStack over gRPC, ${RESOURCES} resources in one call`,
            `${stackMs.toFixed(1)} ms (${(stackMs / RESOURCES).toFixed(3)} ms per resource, ${stack.diagnostics.length} diagnostics)`,
        ]);
    } finally {
        await pack.close();
    }

    const documents = resources.length;
    const inProcessStarted = performance.now();
    for (let i = 0; i < documents; i++) {
        checkTrustPolicy(trustPolicy(`repo:acme/app-${i}:environment:production`));
        checkPermissionPolicy(permissionPolicy(i));
    }
    const inProcessMs = performance.now() - inProcessStarted;
    costRows.push([`analysis in-process (no gRPC), ${documents} trust + ${documents} permission documents`, `${((inProcessMs * 1000) / (2 * documents)).toFixed(1)} µs per document`]);
    // A deploy role as keyless builds them: role management under its path, a boundary, one managed policy.
    const roleManagement = (i: number): string =>
        JSON.stringify({
            Version: "2012-10-17",
            Statement: [
                { Effect: "Allow", Action: ["iam:PutRolePolicy", "iam:AttachRolePolicy", "iam:UpdateAssumeRolePolicy"], Resource: `arn:aws:iam::123456789012:role/app-${i}/*` },
                { Effect: "Allow", Action: "iam:CreateRole", Resource: "*", Condition: { StringEquals: { "iam:PermissionsBoundary": "arn:aws:iam::123456789012:policy/boundary" } } },
                { Effect: "Deny", Action: "iam:DeleteRolePermissionsBoundary", Resource: "*" },
            ],
        });
    const escalationStarted = performance.now();
    for (let i = 0; i < documents; i++) {
        analyzeSelfEscalation({
            role: { arn: `arn:aws:iam::123456789012:role/github-actions/deploy-${i}` },
            inlinePolicies: [{ name: "deploy", document: permissionPolicy(i) }, { name: "roles", document: roleManagement(i) }],
            managedPolicies: [{ arn: `arn:aws:iam::123456789012:policy/app-${i}`, document: permissionPolicy(i + 1) }],
            permissionsBoundary: { arn: "arn:aws:iam::123456789012:policy/boundary", document: roleManagement(i) },
        });
    }
    const escalationMs = performance.now() - escalationStarted;
    costRows.push([`self-escalation analysis in-process, ${documents} roles (2 inline, 1 managed, a boundary)`, `${((escalationMs * 1000) / documents).toFixed(1)} µs per role`]);
    table("Cost per analysed resource (compiled pack, every policy mandatory, the pack's defaults)", costRows);
}

main().catch((error: unknown) => {
    console.error(error);
    process.exitCode = 1;
});
