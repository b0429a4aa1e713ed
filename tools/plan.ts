// `npm run plan -- <stack>`: shows, offline, who can deploy where with a stack, and checks it
// against the policy pack as `pulumi preview` would. No Pulumi CLI, no cloud, no GitHub:
// the real program runs under Pulumi's mocks with the stack file's config, in a child process
// of its own, then every resource it registered goes through the pack over the pack's gRPC
// interface (per resource, then the whole stack), the pack started the way the CLI starts it.
// With --base <ref>, the stack is also planned as it is at that git ref and the change in
// access is reported.
//
// Exit codes: 0 no mandatory violation; 1 a mandatory violation, or the program refused the
// stack's config; 2 the plan could not run (bad arguments, unknown stack, unreadable file) or the
// program failed (threw, did not compile, missed a module, exited, ran out of time).

import * as fs from "fs";
import * as path from "path";
import { ORGANIZATION_PACK_CONFIG, PACK_CONFIG_ENV } from "../components/protection";
import { AnalyzerClient, Diagnostic, PackConfigError, WireResource } from "../policy/harness/analyzerClient";
import { BaseCheckout, BaseRefError, checkoutBase } from "./baseCheckout";
import { OfflineRun } from "./offlineRun";
import { AccessDiff, diffPlans, renderDiffMarkdown, renderDiffText } from "./planDiff";
import { buildPlanReport, markdownText, PackFinding, PlanReport, renderJson, renderMarkdown, renderText } from "./planReport";
import { runProgram } from "./programRunner";
import { readStackConfig, StackConfig, StackFileError, stackNameProblem } from "./stackFiles";

const PROJECT_DIR = path.resolve(__dirname, "..");
const FORMATS = ["text", "markdown", "json"] as const;
type Format = (typeof FORMATS)[number];
const DEFAULT_TIMEOUT_SECONDS = 300;

const USAGE = `usage: npm run plan -- <stack> [--program <dir>] [--format text|markdown|json]
                                [--policy-config <file>] [--account-id <id>] [--config-file <file>]
                                [--base <git-ref>] [--timeout <seconds>]

Runs the Pulumi program in <dir> (default: this project) with Pulumi.<stack>.yaml under
Pulumi's mocks, offline, and checks what it would create against the keyless policy pack.

  --program <dir>         another Pulumi TypeScript program to check (default: this project)
  --format <format>       text (default), markdown (a pull request comment) or json
  --policy-config <file>  policy pack configuration, as for --policy-pack-config
                          (default: the organisation's, ${ORGANIZATION_PACK_CONFIG})
  --account-id <id>       AWS account the offline credentials belong to
                          (default: the program's <project>:accountId, else 123456789012)
  --config-file <file>    the stack's config from this file instead of <dir>/Pulumi.<stack>.yaml,
                          as the Pulumi CLI's --config-file
  --base <git-ref>        also plan the stack as it is at <git-ref> (its stack file and
                          program, taken from git) and report the change in access
  --timeout <seconds>     stop a program that has not finished after this long
                          (default: ${DEFAULT_TIMEOUT_SECONDS})

Exit codes: 0 no mandatory policy failed; 1 a mandatory policy failed, or the program refused
the stack's config; 2 the plan could not run, or the program failed.`;

export interface PlanOptions {
    readonly stack: string;
    readonly programDir: string;
    readonly format: Format;
    readonly policyConfig?: string;
    readonly accountId?: string;
    /** The stack file to read instead of `<programDir>/Pulumi.<stack>.yaml`. */
    readonly configFile?: string;
    /** A running pack to use and leave open (tests plan several stacks with one), instead of starting one. */
    readonly pack?: AnalyzerClient;
    readonly base?: string;
    readonly timeoutSeconds?: number;
    /** Aborting stops the program and the pack (the plan was interrupted). */
    readonly signal?: AbortSignal;
    /** How long the policy pack may take to start (the harness's default when not given). */
    readonly packStartTimeoutMs?: number;
}

class UsageError extends Error {}

/** The plan cannot run with what it was given (exit 2, no stack trace). */
export class PlanInputError extends Error {
    constructor(message: string) {
        super(message);
        this.name = "PlanInputError";
    }
}

export function parseArguments(argv: readonly string[]): PlanOptions | "help" {
    let stack: string | undefined;
    let programDir = PROJECT_DIR;
    let format: Format = "text";
    let policyConfig: string | undefined;
    let accountId: string | undefined;
    let configFile: string | undefined;
    let base: string | undefined;
    let timeoutSeconds: number | undefined;
    for (let index = 0; index < argv.length; index++) {
        const argument = argv[index];
        const value = () => {
            const next = argv[++index];
            if (next === undefined || next.startsWith("--")) throw new UsageError(`${argument} needs a value`);
            return next;
        };
        switch (argument) {
            case "-h":
            case "--help":
                return "help";
            case "--program":
                programDir = path.resolve(value());
                break;
            case "--format": {
                const chosen = value();
                if (!(FORMATS as readonly string[]).includes(chosen)) {
                    throw new UsageError(`--format must be one of ${FORMATS.join(", ")}, not ${JSON.stringify(chosen)}`);
                }
                format = chosen as Format;
                break;
            }
            case "--policy-config":
                policyConfig = path.resolve(value());
                break;
            case "--config-file":
                configFile = path.resolve(value());
                break;
            case "--account-id":
                accountId = value();
                if (!/^\d{12}$/.test(accountId)) throw new UsageError(`--account-id must be 12 digits, not ${JSON.stringify(accountId)}`);
                break;
            case "--base":
                base = value();
                break;
            case "--timeout": {
                const given = value();
                timeoutSeconds = Number(given);
                if (!/^\d+(\.\d+)?$/.test(given) || timeoutSeconds <= 0) throw new UsageError(`--timeout must be a positive number of seconds, not ${JSON.stringify(given)}`);
                break;
            }
            default:
                if (argument.startsWith("-")) throw new UsageError(`unknown option ${argument}`);
                if (stack !== undefined) throw new UsageError(`one stack at a time (got ${stack} and ${argument})`);
                stack = argument;
        }
    }
    if (stack === undefined) throw new UsageError("name the stack to plan, e.g. npm run plan -- dev");
    const nameProblem = stackNameProblem(stack);
    if (nameProblem !== undefined) throw new UsageError(nameProblem);
    return { stack, programDir, format, policyConfig, accountId, configFile, base, timeoutSeconds };
}

/** The pack configuration for a plan, read before the program runs: the file given, or the organisation's (it applies to every stack). */
function packConfigText(options: PlanOptions): { file?: string; text?: string } {
    if (options.policyConfig) {
        let text: string;
        try {
            text = fs.readFileSync(options.policyConfig, "utf8");
        } catch (error) {
            throw new PlanInputError(`--policy-config: cannot read ${options.policyConfig}: ${(error as NodeJS.ErrnoException).code ?? String(error)}`);
        }
        try {
            JSON.parse(text);
        } catch (error) {
            throw new PlanInputError(`--policy-config: ${options.policyConfig} is not JSON: ${(error as Error).message}`);
        }
        return { file: options.policyConfig, text };
    }
    const organization = path.join(PROJECT_DIR, ORGANIZATION_PACK_CONFIG);
    return fs.existsSync(organization) ? { file: organization, text: fs.readFileSync(organization, "utf8") } : {};
}

/** Resources as the engine hands them to the pack: inputs per resource, outputs for the stack. */
function wireResources(run: OfflineRun, form: "inputs" | "outputs"): WireResource[] {
    return run.resources.map((resource) => ({
        urn: resource.urn,
        type: resource.type,
        name: resource.name,
        properties: form === "inputs" ? resource.properties : resource.outputs,
        parent: resource.parent,
        dependencies: resource.dependencies,
        propertyDependencies: resource.propertyDependencies,
    }));
}

/** The SDK prefixes each message with the policy's description; a report needs only the finding. */
function findingOf(diagnostic: Diagnostic, byUrn: ReadonlyMap<string, OfflineRun["resources"][number]>): PackFinding {
    const detail = diagnostic.message.startsWith(`${diagnostic.description}\n`)
        ? diagnostic.message.slice(diagnostic.description.length + 1)
        : diagnostic.message;
    const resource = byUrn.get(diagnostic.urn);
    return {
        policyName: diagnostic.policyName,
        enforcementLevel: diagnostic.enforcementLevel,
        message: detail.trim(),
        resource: resource?.name ?? "",
        resourceType: resource?.type ?? "",
    };
}

/** Resources analysed at once: the pack answers them in turn, but no round trip waits for another. */
const ANALYZE_IN_FLIGHT = 32;

async function checkWithPack(run: OfflineRun, pack: AnalyzerClient, configText: string | undefined): Promise<PackFinding[]> {
    await pack.configure(configText);
    const resources = wireResources(run, "inputs");
    const perResource: Diagnostic[][] = new Array<Diagnostic[]>(resources.length);
    let next = 0;
    const worker = async () => {
        while (next < resources.length) {
            const position = next++;
            const resource = resources[position];
            // A per-resource finding is about the resource analysed unless it names another.
            const { diagnostics } = await pack.analyze(resource);
            perResource[position] = diagnostics.map((diagnostic) => ({ ...diagnostic, urn: diagnostic.urn || resource.urn || "" }));
        }
    };
    await Promise.all(Array.from({ length: Math.min(ANALYZE_IN_FLIGHT, resources.length) }, worker));
    const diagnostics = [...perResource.flat(), ...(await pack.analyzeStack(wireResources(run, "outputs"))).diagnostics];
    // A policy that runs per resource and per stack may report the same thing twice.
    const seen = new Set<string>();
    const byUrn = new Map(run.resources.map((resource) => [resource.urn, resource]));
    return diagnostics
        .filter((diagnostic) => {
            const key = `${diagnostic.policyName}\n${diagnostic.urn}\n${diagnostic.message}`;
            if (seen.has(key)) return false;
            seen.add(key);
            return true;
        })
        .map((diagnostic) => findingOf(diagnostic, byUrn));
}

export interface PlanOutcome {
    readonly exitCode: number;
    readonly output: string;
    readonly report?: PlanReport;
    readonly diff?: AccessDiff;
}

/** The program stopped before it registered everything: it refused the config (1) or failed (2). */
function stopped(format: Format, stackConfig: StackConfig, refused: boolean, message: string): PlanOutcome {
    const title = `keyless plan: ${stackConfig.project}/${stackConfig.stack}`;
    const what = refused ? "the program refused this stack's config, so nothing would be created" : "the program failed, so nothing can be planned";
    let output: string;
    switch (format) {
        case "json":
            output = `${JSON.stringify({ project: stackConfig.project, stack: stackConfig.stack, ...(refused ? { refused: message } : { failed: message }) }, null, 2)}\n`;
            break;
        case "markdown": {
            // A fence longer than any run of backticks in the message (CommonMark §4.5).
            const fence = "`".repeat(Math.max(3, ...[...message.matchAll(/`+/g)].map((run) => run[0].length + 1)));
            output = `### :x: ${markdownText(title)}\n\n${what[0].toUpperCase()}${what.slice(1)}:\n\n${fence}\n${message}\n${fence}\n`;
            break;
        }
        default:
            output = `${title}: ${what}.\n${message}\n`;
    }
    return { exitCode: refused ? 1 : 2, output };
}

function accountIdFor(options: PlanOptions, stackConfig: StackConfig): string | undefined {
    const configured = stackConfig.values[`${stackConfig.project}:accountId`];
    return options.accountId ?? (configured && /^\d{12}$/.test(configured) ? configured : undefined);
}

async function runStack(options: PlanOptions, programDir: string, stackConfig: StackConfig, packConfigFile: string | undefined) {
    return runProgram(
        {
            programDir,
            project: stackConfig.project,
            stack: options.stack,
            config: stackConfig.values,
            secretKeys: stackConfig.secretKeys,
            accountId: accountIdFor(options, stackConfig),
            // The program checks protection with the same file the pack applies.
            env: packConfigFile ? { [PACK_CONFIG_ENV]: packConfigFile } : {},
        },
        { timeoutMs: (options.timeoutSeconds ?? DEFAULT_TIMEOUT_SECONDS) * 1000, signal: options.signal },
    );
}

const EMPTY_PLAN = (stackConfig: { project: string; stack: string }): PlanReport => ({
    project: stackConfig.project,
    stack: stackConfig.stack,
    account: "",
    region: "",
    programDir: "",
    stackFile: "",
    notes: [],
    warnings: [],
    roles: [],
    otherEnvironments: [],
    policyPack: "",
    findings: [],
    verdict: { passed: true, mandatory: 0, advisory: 0 },
});

/** The stack as it is at `ref`: its report without the pack, or why there is none. */
async function planBase(
    options: PlanOptions,
    checkout: BaseCheckout,
    ref: string,
    head: StackConfig,
    packConfigFile: string | undefined,
): Promise<{ label: string; report: PlanReport; notes: string[] }> {
    // A --config-file inside the program's folder is taken from the ref too; one outside it is used as it is.
    const inProgram = options.configFile && !path.relative(options.programDir, options.configFile).startsWith("..");
    const configFile = inProgram && options.configFile ? path.join(checkout.programDir, path.relative(options.programDir, options.configFile)) : options.configFile;
    let stackConfig: StackConfig;
    try {
        stackConfig = readStackConfig(checkout.programDir, options.stack, configFile);
    } catch (error) {
        if (!(error instanceof StackFileError)) throw error;
        const candidates = configFile ? [configFile] : [`Pulumi.${options.stack}.yaml`, `Pulumi.${options.stack}.yml`].map((name) => path.join(checkout.programDir, name));
        const missing = !candidates.some((file) => fs.existsSync(file));
        const note = missing ? `the stack has no ${path.basename(candidates[0])} at ${checkout.label}: every grant is new` : `the stack at ${checkout.label} could not be read (${error.message}); every grant is shown as new`;
        return { label: checkout.label, report: EMPTY_PLAN(head), notes: [note] };
    }
    const result = await runStack(options, checkout.programDir, stackConfig, packConfigFile);
    const failure = result.kind === "failed" ? result.message : result.run.error;
    if (failure !== undefined) {
        const first = failure.split("\n")[0];
        return { label: checkout.label, report: EMPTY_PLAN(head), notes: [`the stack could not be planned at ${checkout.label} (${first}); every grant is shown as new`] };
    }
    const run = (result as { run: OfflineRun }).run;
    const report = buildPlanReport(run, [], { project: stackConfig.project, stack: options.stack, account: run.account.id, region: run.account.region, programDir: "", stackFile: `${ref}:${path.basename(stackConfig.file)}`, notes: [], policyPack: "" });
    return { label: checkout.label, report, notes: [] };
}

export async function plan(options: PlanOptions): Promise<PlanOutcome> {
    const stackConfig = readStackConfig(options.programDir, options.stack, options.configFile);
    const packConfig = packConfigText(options);
    // The base is taken from git first: a ref that names nothing stops the plan before it starts anything.
    const checkout = options.base === undefined ? undefined : checkoutBase(options.base, options.programDir, PROJECT_DIR);

    // The pack starts while the program runs in its own process: this process stays free to
    // read the pack's port however long the program takes.
    // Stopped as soon as it is not needed: the plan was interrupted, or the program failed.
    const packNotNeeded = new AbortController();
    // A pack given by the caller is used and left open.
    const packStarting = options.pack ? Promise.resolve(options.pack) : AnalyzerClient.start({ signal: packNotNeeded.signal, startTimeoutMs: options.packStartTimeoutMs });
    packStarting.catch(() => undefined);
    const closeOwnPack = async (started: AnalyzerClient | undefined) => {
        if (started !== undefined && started !== options.pack) await started.close();
    };
    const stopPack = () => {
        packNotNeeded.abort();
        void packStarting.then(closeOwnPack, () => undefined);
    };
    options.signal?.addEventListener("abort", stopPack, { once: true });
    let pack: AnalyzerClient | undefined;
    try {
        const [result, base] = await Promise.all([
            runStack(options, options.programDir, stackConfig, packConfig.file),
            checkout === undefined || options.base === undefined ? Promise.resolve(undefined) : planBase(options, checkout, options.base, stackConfig, packConfig.file),
        ]);
        if (result.kind === "failed") return stopped(options.format, stackConfig, false, result.message);
        const run = result.run;
        if (run.error !== undefined) return stopped(options.format, stackConfig, run.refused === true, run.error);
        pack = await packStarting;
        const info = await pack.getAnalyzerInfo();
        const findings = await checkWithPack(run, pack, packConfig.text);
        const report = buildPlanReport(run, findings, {
            project: stackConfig.project,
            stack: options.stack,
            account: run.account.id,
            region: run.account.region,
            programDir: path.relative(process.cwd(), options.programDir) || ".",
            stackFile: path.relative(process.cwd(), stackConfig.file),
            notes: [
                ...stackConfig.notes,
                ...run.assumptions,
                ...(packConfig.file ? [`policy pack configuration: ${path.relative(process.cwd(), packConfig.file)}`] : ["policy pack configuration: the pack's defaults"]),
            ],
            policyPack: `${info.name} ${info.version}`,
        });
        const diff = base === undefined ? undefined : diffPlans(base.report, report, base.label, base.notes);
        const output =
            options.format === "json"
                ? renderJson(report, diff ? { accessDiff: diff } : {})
                : options.format === "markdown"
                  ? renderMarkdown(report, { markdown: diff && renderDiffMarkdown(diff), weakening: diff?.counts.weakening })
                  : renderText(report, { text: diff && renderDiffText(diff) });
        return { exitCode: report.verdict.passed ? 0 : 1, output, report, diff };
    } finally {
        options.signal?.removeEventListener("abort", stopPack);
        checkout?.cleanup();
        if (pack === undefined) packNotNeeded.abort();
        await closeOwnPack(pack ?? (await packStarting.catch(() => undefined)));
    }
}

const SIGNAL_EXIT: Partial<Record<NodeJS.Signals, number>> = { SIGINT: 130, SIGTERM: 143 };

async function main(argv: readonly string[]): Promise<number> {
    let parsed: PlanOptions | "help";
    try {
        parsed = parseArguments(argv);
    } catch (error) {
        process.stderr.write(`plan: ${(error as Error).message}\n\n${USAGE}\n`);
        return 2;
    }
    if (parsed === "help") {
        process.stdout.write(`${USAGE}\n`);
        return 0;
    }
    // Interrupted, the plan stops the program's process and the pack's before it exits.
    const interrupt = new AbortController();
    let received: NodeJS.Signals | undefined;
    const onSignal = (signal: NodeJS.Signals) => {
        if (received !== undefined) return;
        received = signal;
        process.stderr.write(`plan: ${signal}: stopping the program and the policy pack\n`);
        interrupt.abort();
    };
    process.on("SIGINT", onSignal);
    process.on("SIGTERM", onSignal);
    try {
        const outcome = await plan({ ...parsed, signal: interrupt.signal });
        if (received !== undefined) return SIGNAL_EXIT[received] ?? 1;
        // Written in full before the process exits: into a pipe, a large plan is written in parts.
        await new Promise<void>((resolve, reject) => process.stdout.write(outcome.output, (error) => (error ? reject(error) : resolve())));
        return outcome.exitCode;
    } catch (error) {
        if (received !== undefined) return SIGNAL_EXIT[received] ?? 1;
        if (error instanceof StackFileError || error instanceof PackConfigError || error instanceof PlanInputError || error instanceof BaseRefError) {
            process.stderr.write(`plan: ${error.message}\n`);
            return 2;
        }
        throw error;
    }
}

if (require.main === module) {
    main(process.argv.slice(2)).then(
        (code) => process.exit(code),
        (error: unknown) => {
            process.stderr.write(`plan: ${error instanceof Error ? (error.stack ?? error.message) : String(error)}\n`);
            process.exit(2);
        },
    );
}
