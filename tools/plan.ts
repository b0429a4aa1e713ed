// `npm run plan -- <stack>`: shows, offline, who can deploy where with a stack, and checks it
// against the policy pack as `pulumi preview` would. No Pulumi CLI, no cloud, no GitHub:
// the real program runs under Pulumi's mocks with the stack file's config, then every resource
// it registered goes through the pack over the pack's gRPC interface (per resource, then the
// whole stack), the pack started the way the CLI starts it.
//
// Exit codes: 0 no mandatory violation; 1 a mandatory violation, or the program refused the
// stack's config; 2 the command could not run (bad arguments, unknown stack, unreadable file).

import * as fs from "fs";
import * as path from "path";
import { ORGANIZATION_PACK_CONFIG, PACK_CONFIG_ENV } from "../components/protection";
import { AnalyzerClient, Diagnostic, PackConfigError, WireResource } from "../policy/harness/analyzerClient";
import { OfflineRun, runOffline } from "./offlineRun";
import { buildPlanReport, PackFinding, PlanReport, renderJson, renderMarkdown, renderText } from "./planReport";
import { readStackConfig, StackConfig, StackFileError } from "./stackFiles";

const PROJECT_DIR = path.resolve(__dirname, "..");
const FORMATS = ["text", "markdown", "json"] as const;
type Format = (typeof FORMATS)[number];

const USAGE = `usage: npm run plan -- <stack> [--program <dir>] [--format text|markdown|json]
                                [--policy-config <file>] [--account-id <id>] [--config-file <file>]

Runs the Pulumi program in <dir> (default: this project) with Pulumi.<stack>.yaml under
Pulumi's mocks, offline, and checks what it would create against the keyless policy pack.

  --program <dir>         another Pulumi TypeScript program to check (default: this project)
  --format <format>       text (default), markdown (a pull request comment) or json
  --policy-config <file>  policy pack configuration, as for --policy-pack-config
                          (default: the organisation's, ${ORGANIZATION_PACK_CONFIG})
  --account-id <id>       AWS account the offline credentials belong to
                          (default: the program's <project>:accountId, else 123456789012)
  --config-file <file>    the stack's config from this file instead of <dir>/Pulumi.<stack>.yaml,
                          as the Pulumi CLI's --config-file`;

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
}

class UsageError extends Error {}

export function parseArguments(argv: readonly string[]): PlanOptions | "help" {
    let stack: string | undefined;
    let programDir = PROJECT_DIR;
    let format: Format = "text";
    let policyConfig: string | undefined;
    let accountId: string | undefined;
    let configFile: string | undefined;
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
            default:
                if (argument.startsWith("-")) throw new UsageError(`unknown option ${argument}`);
                if (stack !== undefined) throw new UsageError(`one stack at a time (got ${stack} and ${argument})`);
                stack = argument;
        }
    }
    if (stack === undefined) throw new UsageError("name the stack to plan, e.g. npm run plan -- dev");
    return { stack, programDir, format, policyConfig, accountId, configFile };
}

/** The pack configuration file for a plan: the one given, or the organisation's (it applies to every stack). */
function packConfigFile(options: PlanOptions): string | undefined {
    if (options.policyConfig) return options.policyConfig;
    const organization = path.join(PROJECT_DIR, ORGANIZATION_PACK_CONFIG);
    return fs.existsSync(organization) ? organization : undefined;
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
function findingOf(diagnostic: Diagnostic, run: OfflineRun): PackFinding {
    const detail = diagnostic.message.startsWith(`${diagnostic.description}\n`)
        ? diagnostic.message.slice(diagnostic.description.length + 1)
        : diagnostic.message;
    const resource = run.resources.find((candidate) => candidate.urn === diagnostic.urn);
    return {
        policyName: diagnostic.policyName,
        enforcementLevel: diagnostic.enforcementLevel,
        message: detail.trim(),
        resource: resource?.name ?? "",
        resourceType: resource?.type ?? "",
    };
}

async function checkWithPack(run: OfflineRun, pack: AnalyzerClient, configFile: string | undefined): Promise<PackFinding[]> {
    await pack.configure(configFile === undefined ? undefined : fs.readFileSync(configFile, "utf8"));
    const diagnostics: Diagnostic[] = [];
    for (const resource of wireResources(run, "inputs")) {
        // A per-resource finding is about the resource analysed unless it names another.
        const { diagnostics: found } = await pack.analyze(resource);
        diagnostics.push(...found.map((diagnostic) => ({ ...diagnostic, urn: diagnostic.urn || resource.urn || "" })));
    }
    diagnostics.push(...(await pack.analyzeStack(wireResources(run, "outputs"))).diagnostics);
    // A policy that runs per resource and per stack may report the same thing twice.
    const seen = new Set<string>();
    return diagnostics
        .filter((diagnostic) => {
            const key = `${diagnostic.policyName}\n${diagnostic.urn}\n${diagnostic.message}`;
            if (seen.has(key)) return false;
            seen.add(key);
            return true;
        })
        .map((diagnostic) => findingOf(diagnostic, run));
}

export interface PlanOutcome {
    readonly exitCode: number;
    readonly output: string;
    readonly report?: PlanReport;
}

function refusal(format: Format, stackConfig: StackConfig, message: string): string {
    const title = `keyless plan: ${stackConfig.project}/${stackConfig.stack}`;
    switch (format) {
        case "json":
            return `${JSON.stringify({ project: stackConfig.project, stack: stackConfig.stack, refused: message }, null, 2)}\n`;
        case "markdown":
            return `### :x: ${title}\n\nThe program refused this stack's config, so nothing would be created:\n\n\`\`\`\n${message}\n\`\`\`\n`;
        default:
            return `${title}: the program refused this stack's config, so nothing would be created.\n${message}\n`;
    }
}

export async function plan(options: PlanOptions): Promise<PlanOutcome> {
    const stackConfig = readStackConfig(options.programDir, options.stack, options.configFile);
    const configFile = packConfigFile(options);
    const configuredAccount = stackConfig.values[`${stackConfig.project}:accountId`];
    const accountId = options.accountId ?? (configuredAccount && /^\d{12}$/.test(configuredAccount) ? configuredAccount : undefined);

    // The pack starts while the program runs: both take about a second.
    const packStarting = options.pack ? Promise.resolve(options.pack) : AnalyzerClient.start();
    packStarting.catch(() => undefined);
    let pack: AnalyzerClient | undefined;
    try {
        const run = await runOffline({
            programDir: options.programDir,
            project: stackConfig.project,
            stack: options.stack,
            config: stackConfig.values,
            secretKeys: stackConfig.secretKeys,
            accountId,
            // The program checks protection with the same file the pack applies.
            env: configFile ? { [PACK_CONFIG_ENV]: configFile } : {},
        });
        if (run.error !== undefined) {
            return { exitCode: 1, output: refusal(options.format, stackConfig, run.error) };
        }
        pack = await packStarting;
        const info = await pack.getAnalyzerInfo();
        const findings = await checkWithPack(run, pack, configFile);
        const report = buildPlanReport(run, findings, {
            project: stackConfig.project,
            stack: options.stack,
            programDir: path.relative(process.cwd(), options.programDir) || ".",
            stackFile: path.relative(process.cwd(), stackConfig.file),
            notes: [
                ...stackConfig.notes,
                ...run.assumptions,
                ...(configFile ? [`policy pack configuration: ${path.relative(process.cwd(), configFile)}`] : ["policy pack configuration: the pack's defaults"]),
            ],
            policyPack: `${info.name} ${info.version}`,
        });
        const render = options.format === "json" ? renderJson : options.format === "markdown" ? renderMarkdown : renderText;
        return { exitCode: report.verdict.passed ? 0 : 1, output: render(report), report };
    } finally {
        if (!options.pack) await (pack ?? (await packStarting.catch(() => undefined)))?.close();
    }
}

async function main(argv: readonly string[]): Promise<number> {
    let options: PlanOptions | "help";
    try {
        options = parseArguments(argv);
    } catch (error) {
        process.stderr.write(`plan: ${(error as Error).message}\n\n${USAGE}\n`);
        return 2;
    }
    if (options === "help") {
        process.stdout.write(`${USAGE}\n`);
        return 0;
    }
    try {
        const outcome = await plan(options);
        process.stdout.write(outcome.output);
        return outcome.exitCode;
    } catch (error) {
        if (error instanceof StackFileError || error instanceof PackConfigError) {
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
