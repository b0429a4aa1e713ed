// The scan's output forms: text for a terminal, Markdown for an issue or pull request, JSON for
// scripts, and SARIF 2.1.0 for GitHub code scanning.

import { createHash } from "crypto";
import * as path from "path";
import { stringify } from "yaml";
import { escapeText } from "../../components/configReader";
import { markdownCode, markdownText } from "../planReport";
import { RoleReport, ScanFinding, ScanResult } from "./judge";
import { blocks, PACK_POLICIES } from "./packPolicies";
import { KeylessSuggestion, ScanSubject } from "./suggest";

export const FORMATS = ["text", "markdown", "json", "sarif"] as const;
export type Format = (typeof FORMATS)[number];

/** Bumped when a field of the JSON output changes meaning or goes away. */
export const JSON_SCHEMA_VERSION = 1;

const TOOL_NAME = "keyless-scan";

function describeSubject(subject: ScanSubject): string {
    const issuer = subject.issuer.toLowerCase() === "token.actions.githubusercontent.com" ? "" : ` (issuer ${subject.issuer})`;
    switch (subject.admits) {
        case "anyone":
            return `any repository${issuer}: no sub condition restricts it`;
        case "pattern":
            return `${subject.subject} (${subject.operator} pattern)${issuer}`;
        case "exact":
            return `${subject.subject}${issuer}`;
    }
}

function counts(result: ScanResult): { blocking: number; advisory: number; roles: number } {
    const findings = result.roles.flatMap((r) => r.findings);
    const blocking = findings.filter((f) => blocks(f.enforcementLevel)).length;
    return { blocking, advisory: findings.length - blocking, roles: result.roles.filter((r) => r.findings.length > 0).length };
}

function header(result: ScanResult): string {
    const accounts = result.sources.map((s) => `${s.source}${s.accountId ? ` (account ${s.accountId})` : ""}: ${s.roles} role${s.roles === 1 ? "" : "s"}`);
    return accounts.join("; ");
}

function verdict(result: ScanResult): string {
    const { blocking, advisory, roles } = counts(result);
    return result.blocked
        ? `FAIL: ${blocking} mandatory finding${blocking === 1 ? "" : "s"} and ${advisory} advisory on ${roles} role${roles === 1 ? "" : "s"}`
        : `PASS: no mandatory finding (${advisory} advisory)`;
}

const configLine = (result: ScanResult): string => `policy pack configuration: ${result.configFile ?? "the pack's defaults"}`;

/** The stack config a user adds to a stack of that owner and account: the entries, and the enterprise issuer they need. */
export function suggestionYaml(suggestion: KeylessSuggestion): string {
    const config = {
        ...(suggestion.enterpriseSlug !== undefined ? { "keyless:enterpriseSlug": suggestion.enterpriseSlug } : {}),
        "keyless:repositories": suggestion.entries,
    };
    return stringify(config, { lineWidth: 0 }).trimEnd();
}

const stackOf = (role: RoleReport): string => `account ${role.accountId}${role.keyless?.owner ? `, github:owner ${role.keyless.owner}` : ""}`;

/** Roles worth showing: findings or a GitHub trust. The rest are counted. */
const shown = (result: ScanResult): RoleReport[] => result.roles.filter((r) => r.findings.length > 0 || r.trustsGithub);

export function renderText(result: ScanResult): string {
    const out: string[] = [`keyless scan: ${escapeText(header(result))}`, configLine(result), ""];
    const roles = shown(result);
    for (const role of roles) {
        out.push(`role ${escapeText(role.name)} (${escapeText(role.arn)})`);
        for (const subject of role.subjects) {
            out.push(`  GitHub: ${escapeText(describeSubject(subject))}`);
        }
        for (const finding of role.findings) {
            out.push(`  ${blocks(finding.enforcementLevel) ? "FAIL" : "WARN"} [${finding.enforcementLevel}] ${finding.policy}: ${escapeText(finding.location)}: ${escapeText(finding.message)}`);
        }
        if (role.keyless !== undefined) {
            if (role.keyless.entries.length > 0) {
                out.push(`  keyless entry (stack of ${escapeText(stackOf(role))}):`);
                out.push(...escapeText(suggestionYaml(role.keyless)).split("\n").map((line) => `    ${line}`));
            }
            for (const note of role.keyless.notes) {
                out.push(`  note: ${escapeText(note)}`);
            }
        }
        out.push("");
    }
    const others = result.roles.length - roles.length;
    if (others > 0) {
        out.push(`${others} other role${others === 1 ? "" : "s"}: no finding, no GitHub trust`);
    }
    out.push(verdict(result));
    return out.join("\n") + "\n";
}

/** A fence longer than any backtick run in `content`, so a value cannot close the block. */
function fenced(language: string, content: string): string {
    const longest = Math.max(2, ...[...content.matchAll(/`+/g)].map((m) => m[0].length));
    const fence = "`".repeat(longest + 1);
    return `${fence}${language}\n${content}\n${fence}`;
}

export function renderMarkdown(result: ScanResult): string {
    const out: string[] = ["### keyless scan", "", `${markdownText(header(result))}. ${markdownText(configLine(result))}.`, "", `**${markdownText(verdict(result))}**`, ""];
    const roles = shown(result);
    if (roles.length > 0) {
        out.push("| Role | Assumable from GitHub by | Findings |", "|---|---|---|");
        for (const role of roles) {
            const subjects = role.subjects.map((s) => markdownText(describeSubject(s))).join("<br>") || "nobody";
            const findings = [...new Set(role.findings.map((f) => `${blocks(f.enforcementLevel) ? "❌" : "⚠️"} ${f.policy}`))].join("<br>") || "✅ none";
            out.push(`| ${markdownCode(role.name)} | ${subjects} | ${findings} |`);
        }
        out.push("");
    }
    for (const role of roles.filter((r) => r.findings.length > 0 || (r.keyless?.entries.length ?? 0) > 0)) {
        out.push(`<details><summary>${markdownText(role.name)}: ${role.findings.length} finding${role.findings.length === 1 ? "" : "s"}</summary>`, "");
        out.push(`${markdownCode(role.arn)}`, "");
        for (const finding of role.findings) {
            out.push(`- **${finding.policy}** (${finding.enforcementLevel}) ${markdownCode(finding.location)}: ${markdownText(finding.message)}`);
        }
        if (role.keyless !== undefined && role.keyless.entries.length > 0) {
            if (role.findings.length > 0) {
                out.push("");
            }
            out.push(`The keyless entry that replaces it (stack of ${markdownText(stackOf(role))}):`, "", fenced("yaml", suggestionYaml(role.keyless)), "");
        }
        for (const note of role.keyless?.notes ?? []) {
            out.push(`- note: ${markdownText(note)}`);
        }
        out.push("", "</details>", "");
    }
    const others = result.roles.length - roles.length;
    if (others > 0) {
        out.push(`${others} other role${others === 1 ? "" : "s"}: no finding, no GitHub trust.`);
    }
    return out.join("\n") + "\n";
}

export function renderJson(result: ScanResult): string {
    const finding = (f: ScanFinding) => ({ policy: f.policy, message: f.message, location: f.location, enforcementLevel: f.enforcementLevel });
    return (
        JSON.stringify(
            {
                schemaVersion: JSON_SCHEMA_VERSION,
                packConfiguration: result.configFile ?? null,
                blocked: result.blocked,
                accounts: result.sources,
                roles: result.roles.map((role) => ({
                    arn: role.arn,
                    name: role.name,
                    path: role.path,
                    accountId: role.accountId,
                    source: role.source,
                    trustsGithub: role.trustsGithub,
                    subjects: role.subjects,
                    findings: role.findings.map(finding),
                    keyless: role.keyless ?? null,
                })),
            },
            null,
            2,
        ) + "\n"
    );
}

// GitHub code scanning's SARIF subset ("SARIF support for code scanning", docs.github.com): the log's
// $schema and version 2.1.0; runs[].tool.driver.name and rules[] (id, shortDescription.text,
// fullDescription.text of at most 1000 characters, help.text); results[] with ruleId, message.text,
// locations[] (at least one, only the first used) whose physicalLocation has artifactLocation.uri
// relative to the repository root and a region (startLine, startColumn, endLine, endColumn); and
// partialFingerprints, which code scanning uses to match a result across runs. The role's ARN goes
// in the location's logicalLocations (kind "resource", SARIF 2.1.0 §3.33.7); the physical location is
// the role's "Arn" line in the dump file.

const SECURITY_SEVERITY: Record<string, string> = { critical: "9.5", high: "8.0", medium: "5.5", low: "3.0" };

function firstSentence(text: string): string {
    const end = text.search(/\.(\s|$)/);
    return end < 0 ? text : text.slice(0, end + 1);
}

/** A dump file's URI relative to `root` (the repository being analysed), `/`-separated. */
function artifactUri(source: string, root: string): string {
    if (source.startsWith("live:")) {
        return `aws-account-${source.slice("live:".length)}.json`;
    }
    const relative = path.relative(root, path.resolve(source));
    return relative.split(path.sep).map(encodeURIComponent).join("/");
}

export function renderSarif(result: ScanResult, options: { root?: string; version?: string } = {}): string {
    const root = options.root ?? process.cwd();
    const rules = PACK_POLICIES.filter((p) => !p.stackOnly);
    const ruleIndex = new Map(rules.map((rule, index) => [rule.name, index]));
    const levelOf = (f: ScanFinding): "error" | "warning" => (blocks(f.enforcementLevel) ? "error" : "warning");
    const results = result.roles.flatMap((role) =>
        role.findings.map((finding) => {
            const region = role.region ?? { line: 1, startColumn: 1, endColumn: 2 };
            return {
                ruleId: finding.policy,
                ...(ruleIndex.has(finding.policy) ? { ruleIndex: ruleIndex.get(finding.policy) } : {}),
                level: levelOf(finding),
                message: { text: `Role ${role.name}: ${finding.location}: ${finding.message}` },
                locations: [
                    {
                        physicalLocation: {
                            artifactLocation: { uri: artifactUri(role.source, root) },
                            region: { startLine: region.line, startColumn: region.startColumn, endLine: region.line, endColumn: region.endColumn },
                        },
                        logicalLocations: [{ name: role.name, fullyQualifiedName: role.arn, kind: "resource" }],
                    },
                ],
                partialFingerprints: {
                    // Stable across runs and dump reorderings: the role, the policy and where in the role.
                    primaryLocationLineHash: createHash("sha256").update(`${role.arn}\u0000${finding.policy}\u0000${finding.location}`).digest("hex").slice(0, 32),
                },
            };
        }),
    );
    const log = {
        $schema: "https://json.schemastore.org/sarif-2.1.0.json",
        version: "2.1.0",
        runs: [
            {
                tool: {
                    driver: {
                        name: TOOL_NAME,
                        ...(options.version !== undefined ? { semanticVersion: options.version } : {}),
                        rules: rules.map((rule) => ({
                            id: rule.name,
                            name: rule.name,
                            shortDescription: { text: firstSentence(rule.description) },
                            fullDescription: { text: rule.description.slice(0, 1000) },
                            help: { text: rule.description, markdown: markdownText(rule.description) },
                            defaultConfiguration: { level: "error" },
                            properties: {
                                tags: ["security", "iam", "github-actions"],
                                precision: "high",
                                ...(rule.severity !== undefined && SECURITY_SEVERITY[rule.severity] !== undefined ? { "security-severity": SECURITY_SEVERITY[rule.severity] } : {}),
                            },
                        })),
                    },
                },
                automationDetails: { id: `${TOOL_NAME}/` },
                results,
            },
        ],
    };
    return JSON.stringify(log, null, 2) + "\n";
}

export function render(result: ScanResult, format: Format, options: { root?: string; version?: string } = {}): string {
    switch (format) {
        case "text":
            return renderText(result);
        case "markdown":
            return renderMarkdown(result);
        case "json":
            return renderJson(result);
        case "sarif":
            return renderSarif(result, options);
    }
}
