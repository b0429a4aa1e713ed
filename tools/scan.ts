// `npm run scan -- <file>... [--format text|markdown|json|sarif] [--config <file>] [--live]`: judges every
// IAM role of one or more AWS accounts with the policy pack's own analysis, from the output of
// `aws iam get-account-authorization-details` (one file per account) or, with --live, from the account
// the AWS SDK's credentials reach. The logic is in tools/scan/; this file reads arguments and files.
//
// Exit codes: 0 no mandatory finding; 1 a finding whose policy is mandatory (or remediate) under the
// pack configuration; 2 the scan could not run (bad arguments, unreadable or malformed dump).

import * as fs from "fs";
import * as path from "path";
import { parseArgs } from "node:util";
import { AccountDump, DumpError, readDump } from "./scan/dump";
import { scanDumps } from "./scan/judge";
import { loadPackConfig, PackConfigFileError } from "./scan/packPolicies";
import { Format, FORMATS, render } from "./scan/report";

const USAGE = `usage: npm run scan -- <file>... [--format text|markdown|json|sarif] [--config <file>] [--live] [--github-only]

Judges every IAM role in the output of \`aws iam get-account-authorization-details\` (one file per
account; the AWS CLI's JSON or the raw API's URL-encoded documents) as the keyless policy pack would:
who can assume it from GitHub, the pack's findings, and the keyless entry that would replace it.

  --format <format>  text (default), markdown (an issue or pull request), json, or sarif (GitHub code scanning)
  --config <file>    policy pack configuration deciding enforcement levels and settings
                     (default: the organisation's, policy/config/organization.json)
  --live             also read the account the AWS SDK's credentials reach (read-only:
                     iam:GetAccountAuthorizationDetails); progress goes to stderr
  --github-only      report only roles a GitHub issuer can assume

Exit codes: 0 no mandatory finding; 1 a mandatory finding; 2 the scan could not run.`;

export class ScanUsageError extends Error {}

export interface ScanArguments {
    readonly files: readonly string[];
    readonly format: Format;
    readonly config?: string;
    readonly live: boolean;
    readonly githubOnly: boolean;
}

export function parseScanArguments(argv: readonly string[]): ScanArguments {
    let parsed;
    try {
        parsed = parseArgs({
            args: [...argv],
            allowPositionals: true,
            options: {
                format: { type: "string", default: "text" },
                config: { type: "string" },
                live: { type: "boolean", default: false },
                "github-only": { type: "boolean", default: false },
                help: { type: "boolean", short: "h", default: false },
            },
        });
    } catch (error) {
        throw new ScanUsageError((error as Error).message);
    }
    const { values, positionals } = parsed;
    if (values.help) {
        throw new ScanUsageError("");
    }
    if (!(FORMATS as readonly string[]).includes(values.format)) {
        throw new ScanUsageError(`--format: ${JSON.stringify(values.format)} is not one of ${FORMATS.join(", ")}`);
    }
    if (positionals.length === 0 && !values.live) {
        throw new ScanUsageError("name at least one dump file (aws iam get-account-authorization-details > account.json), or --live");
    }
    return { files: positionals, format: values.format as Format, config: values.config, live: values.live, githubOnly: values["github-only"] };
}

function readDumpFile(file: string): AccountDump {
    let text: string;
    try {
        text = fs.readFileSync(file, "utf8");
    } catch (error) {
        throw new DumpError([`${file}: cannot read it (${(error as NodeJS.ErrnoException).code ?? String(error)})`]);
    }
    let json: unknown;
    try {
        json = JSON.parse(text);
    } catch (error) {
        throw new DumpError([`${file}: is not JSON (${(error as Error).message}); save the output of \`aws iam get-account-authorization-details\` with --output json`]);
    }
    return readDump(file, json, text);
}

export interface ScanRun {
    readonly exitCode: number;
    readonly stdout: string;
    readonly stderr: string;
}

/** Runs the scan with these arguments; never throws for bad input (exit code 2 and a message). */
export async function runScan(argv: readonly string[], live: typeof import("./scan/live").readLiveAccount | undefined = undefined, progress: (line: string) => void = () => undefined): Promise<ScanRun> {
    try {
        const args = parseScanArguments(argv);
        const config = loadPackConfig(args.config);
        const dumps = args.files.map(readDumpFile);
        if (args.live) {
            const readLive = live ?? (await import("./scan/live")).readLiveAccount;
            dumps.push(await readLive({ progress }));
        }
        const result = scanDumps(dumps, { config, githubOnly: args.githubOnly });
        const version = (JSON.parse(fs.readFileSync(path.join(__dirname, "..", "package.json"), "utf8")) as { version?: string }).version;
        return { exitCode: result.blocked ? 1 : 0, stdout: render(result, args.format, { version }), stderr: "" };
    } catch (error) {
        if (error instanceof ScanUsageError) {
            return { exitCode: 2, stdout: "", stderr: error.message === "" ? `${USAGE}\n` : `scan: ${error.message}\n\n${USAGE}\n` };
        }
        if (error instanceof DumpError || error instanceof PackConfigFileError) {
            return { exitCode: 2, stdout: "", stderr: `scan: ${error.message}\n` };
        }
        // The AWS SDK's errors (no credentials, AccessDenied) name the cause in their message.
        const name = error instanceof Error ? error.name : "Error";
        return { exitCode: 2, stdout: "", stderr: `scan: ${name}: ${error instanceof Error ? error.message : String(error)}\n` };
    }
}

if (require.main === module) {
    void runScan(process.argv.slice(2), undefined, (line) => process.stderr.write(`${line}\n`)).then((run) => {
        process.stdout.write(run.stdout);
        process.stderr.write(run.stderr);
        process.exitCode = run.exitCode;
    });
}
