// The stacks the pipeline runs, read from the Pulumi.<stack>.yaml files: for each, the GitHub
// environment its `pulumi up` runs in, its place in the deploy order and the repository
// variables its preview and drift jobs read. The workflows take this list as their matrices
// (`npm run`-free: `ts-node tools/pipelineStacks.ts --format github-output`), and the workflow
// tests read it with the same function, so adding a stack file needs nothing else.

import * as fs from "fs";
import * as path from "path";
import { parse } from "yaml";
import { variableStackName } from "../components/config";
import { listStacks, stackNameProblem } from "./stackFiles";

export interface PipelineStack {
    readonly stack: string;
    /** `keyless:environment`: the protected GitHub environment its `up` job is bound to. */
    readonly environment: string;
    /** `keyless:deployOrder`, or the default from the stack's name (defaultDeployOrder). */
    readonly order: number;
    /**
     * `<prefix>` of the repository variables `<prefix>_ROLE_ARN` / `<prefix>_REGION` published by
     * the stack's pull_request entry for this repository; "" when the stack has none.
     */
    readonly previewPrefix: string;
    /** The same for its `branch: main` entry (the drift role); "" when it has none. */
    readonly driftPrefix: string;
    /**
     * The repositories the stack manages (its entries' names, sorted, comma-separated): every App
     * token of its jobs is limited to them (actions/create-github-app-token `repositories`).
     */
    readonly repositories: string;
    /** The stacks deployed before this one, space-separated (the up job checks they succeeded). */
    readonly after: string;
}

export class PipelineStacksError extends Error {
    constructor(readonly problems: readonly string[]) {
        super(problems.join("\n"));
        this.name = "PipelineStacksError";
    }
}

/**
 * The deploy position of a stack without `keyless:deployOrder`: development stacks first, then
 * staging-like ones, production last; any other name sits with staging.
 */
export function defaultDeployOrder(stack: string): number {
    if (/^(dev|development|sandbox|test|ci)\b/i.test(stack)) return 10;
    if (/^(stag|stage|qa|uat|preprod)/i.test(stack)) return 20;
    if (/^(prod|production|live)\b/i.test(stack)) return 30;
    return 20;
}

/**
 * Stack pairs whose pull request comments would collide: pulumi/actions finds "its" comment by
 * the heading "#### :tropical_drink: `preview` on <project>/<org>/<stack>" with startsWith
 * (src/libs/pr.ts; pulumi/actions#1165), so a stack named as a prefix of another's name would
 * overwrite that stack's comment.
 */
export function commentCollisions(stacks: readonly string[]): [string, string][] {
    const pairs: [string, string][] = [];
    for (const a of stacks) {
        for (const b of stacks) {
            if (a !== b && b.startsWith(a)) pairs.push([a, b]);
        }
    }
    return pairs;
}

const isRecord = (value: unknown): value is Record<string, unknown> =>
    typeof value === "object" && value !== null && !Array.isArray(value);

/** One stack file's settings for the pipeline (its text already parsed). */
export interface StackFile {
    readonly stack: string;
    /** The file's name, for messages. */
    readonly file: string;
    /** `config:` of the stack file. */
    readonly config: Record<string, unknown>;
}

/**
 * The pipeline's stacks, in deploy order (order, then name). `repository` is `owner/name` of the
 * repository whose workflows run them (GITHUB_REPOSITORY), compared without case as GitHub does.
 */
export function pipelineStacks(files: readonly StackFile[], repository: string): PipelineStack[] {
    const problems: string[] = [];
    const read: Omit<PipelineStack, "after">[] = [];
    const [repoOwner, repoName] = repository.toLowerCase().split("/");
    for (const { stack, file, config } of files) {
        const nameProblem = stackNameProblem(stack);
        if (nameProblem) {
            problems.push(`${file}: ${nameProblem}`);
            continue;
        }
        const environment = config["keyless:environment"];
        if (typeof environment !== "string" || environment.trim() === "") {
            problems.push(`${file}: keyless:environment is missing; name the protected GitHub environment this stack deploys from (e.g. ${stack})`);
            continue;
        }
        const rawOrder = config["keyless:deployOrder"];
        let order = defaultDeployOrder(stack);
        if (rawOrder !== undefined) {
            const value = typeof rawOrder === "string" && /^-?\d+$/.test(rawOrder.trim()) ? Number(rawOrder) : rawOrder;
            if (typeof value !== "number" || !Number.isSafeInteger(value)) {
                problems.push(`${file}: keyless:deployOrder must be an integer (lower deploys first), got ${JSON.stringify(rawOrder)}`);
                continue;
            }
            order = value;
        }
        const owner = typeof config["github:owner"] === "string" ? config["github:owner"].toLowerCase() : "";
        const entries = Array.isArray(config["keyless:repositories"]) ? config["keyless:repositories"].filter(isRecord) : [];
        const ours = owner === repoOwner ? entries.filter((entry) => typeof entry.name === "string" && entry.name.toLowerCase() === repoName) : [];
        // The prefixes the program publishes (components/config.ts readGithubTarget): a
        // pull_request entry defaults to AWS_PREVIEW_<STACK>, a branch entry to AWS_DEPLOY_<STACK>.
        const prefix = (entry: Record<string, unknown> | undefined, fallback: string): string =>
            entry === undefined ? "" : typeof entry.variablePrefix === "string" ? entry.variablePrefix : `${fallback}_${variableStackName(stack)}`;
        // The deploy App's key is a secret of this environment (docs/pipeline.md): any ref the
        // environment admits can read it and mint a token that rewrites every environment,
        // prod's included. So the environment keyless's own entry manages admits main only.
        const deployEntry = ours.find((entry) => entryEnvironment(entry, environment) === environment);
        if (deployEntry === undefined) {
            problems.push(
                `${file}: keyless:repositories has no entry for ${repository} in environment ${environment}, so nothing gives this stack's \`pulumi up\` its deploy role (AWS_DEPLOY_ROLE_ARN) or keeps that environment to main; add one (see Pulumi.yaml)`,
            );
            continue;
        }
        const refs = admittedRefs(deployEntry, config);
        if (refs !== "main") {
            problems.push(
                `${file}: environment ${environment} of ${repository} admits ${refs}; the deploy App's key lives in that environment, so whoever can push such a ref could mint a token that loosens every environment. ` +
                    `Give keyless's own entry deploymentBranches: [main] (no deploymentTags, no protectedBranchesOnly)`,
            );
            continue;
        }
        const preview = ours.find((entry) => entry.pullRequest === true);
        const drift = ours.find((entry) => entry.branch === "main");
        const repositories = [...new Set(entries.map((entry) => entry.name).filter((name): name is string => typeof name === "string"))].sort().join(",");
        read.push({ stack, environment, order, previewPrefix: prefix(preview, "AWS_PREVIEW"), driftPrefix: prefix(drift, "AWS_DEPLOY"), repositories });
    }
    const byEnvironment = new Map<string, string[]>();
    for (const entry of read) byEnvironment.set(entry.environment, [...(byEnvironment.get(entry.environment) ?? []), entry.stack]);
    for (const [environment, stacks] of byEnvironment) {
        if (stacks.length > 1) {
            problems.push(
                `stacks ${stacks.join(", ")} all deploy from GitHub environment ${environment} (keyless:environment): its secret AWS_DEPLOY_ROLE_ARN holds one role; give each stack its own environment`,
            );
        }
    }
    for (const [a, b] of commentCollisions(read.map((entry) => entry.stack))) {
        problems.push(`stack ${a} is a prefix of stack ${b}: pulumi/actions would write both previews into one pull request comment (pulumi/actions#1165); rename one`);
    }
    if (problems.length > 0) throw new PipelineStacksError(problems);
    const sorted = [...read].sort((x, y) => x.order - y.order || (x.stack < y.stack ? -1 : x.stack > y.stack ? 1 : 0));
    return sorted.map((entry, index) => ({ ...entry, after: sorted.slice(0, index).map((before) => before.stack).join(" ") }));
}

/** The environment an entry trusts (components/config.ts readTrustContext), or undefined for branch, tag and pull_request entries. */
function entryEnvironment(entry: Record<string, unknown>, stackEnvironment: string): string | undefined {
    if (entry.branch !== undefined || entry.tag !== undefined || entry.pullRequest === true) return undefined;
    return typeof entry.environment === "string" ? entry.environment : stackEnvironment;
}

/** "main" when an environment entry admits exactly the main branch, else a description of what it admits. */
function admittedRefs(entry: Record<string, unknown>, config: Record<string, unknown>): string {
    const pick = (field: string): unknown => entry[field] ?? config[`keyless:${field}`];
    if (pick("protectedBranchesOnly") === true || pick("protectedBranchesOnly") === "true") return "every protected branch (protectedBranchesOnly)";
    const branches = pick("deploymentBranches") ?? ["main"];
    const tags = pick("deploymentTags") ?? [];
    const list = (value: unknown): string[] => (Array.isArray(value) ? value.map(String) : [String(value)]);
    const refs = [...list(branches).map((b) => `branch ${b}`), ...list(tags).map((t) => `tag ${t}`)];
    return refs.length === 1 && refs[0] === "branch main" ? "main" : refs.join(", ") || "no ref";
}

/** Reads every Pulumi.<stack>.yaml of a project directory. */
export function readStackFiles(projectDir: string): StackFile[] {
    return listStacks(projectDir).map((stack) => {
        const file = fs.existsSync(path.join(projectDir, `Pulumi.${stack}.yaml`)) ? `Pulumi.${stack}.yaml` : `Pulumi.${stack}.yml`;
        let doc: unknown;
        try {
            doc = parse(fs.readFileSync(path.join(projectDir, file), "utf8"));
        } catch (error) {
            throw new PipelineStacksError([`${file} is not valid YAML: ${(error as Error).message.split("\n")[0]}`]);
        }
        const config = isRecord(doc) && isRecord(doc.config) ? doc.config : {};
        return { stack, file, config };
    });
}

/** `count=N` and `matrix={"include":[...]}` lines for $GITHUB_OUTPUT. */
export function githubOutput(stacks: readonly PipelineStack[]): string {
    return `count=${stacks.length}\nmatrix=${JSON.stringify({ include: stacks })}\n`;
}

function main(argv: string[]): number {
    const option = (name: string): string | undefined => {
        const at = argv.indexOf(name);
        return at >= 0 ? argv[at + 1] : undefined;
    };
    const repository = option("--repository") ?? process.env.GITHUB_REPOSITORY;
    if (repository === undefined || !/^[^/\s]+\/[^/\s]+$/.test(repository)) {
        process.stderr.write("usage: pipelineStacks.ts --repository OWNER/NAME [--project-dir DIR] [--format json|github-output]\n");
        return 2;
    }
    try {
        const stacks = pipelineStacks(readStackFiles(option("--project-dir") ?? process.cwd()), repository);
        process.stdout.write(option("--format") === "github-output" ? githubOutput(stacks) : `${JSON.stringify(stacks, null, 2)}\n`);
        return 0;
    } catch (error) {
        if (!(error instanceof PipelineStacksError)) throw error;
        for (const problem of error.problems) process.stderr.write(`error: ${problem}\n`);
        return 1;
    }
}

if (require.main === module) process.exitCode = main(process.argv.slice(2));
