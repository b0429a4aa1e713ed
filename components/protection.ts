// One definition of "protected": the organisation's policy pack configuration
// (policy/config/organization.json) names, in github-trusted-environment-protected's
// environmentsRequiringReviewers, the environments that need required reviewers. The pack
// enforces it wherever the organisation enables it with that file (--config), the offline plan
// and the previews apply the same file, and the program refuses up front, with this module, a
// stack that the pack would block later at `pulumi up`. The glob matching is the pack's own
// (policy/analysis/environments.ts), so both always agree.

import * as fs from "fs";
import * as path from "path";
import {
    DEFAULT_ENVIRONMENTS_REQUIRING_REVIEWERS,
    ENVIRONMENT_PROTECTION_POLICY,
    ENVIRONMENTS_REQUIRING_REVIEWERS,
    environmentRequiresReviewers,
} from "../policy/analysis";
import { KeylessConfig, PROJECT } from "./config";

/** The organisation's pack configuration, relative to the project: the contract with the pipeline. */
export const ORGANIZATION_PACK_CONFIG = "policy/config/organization.json";
/**
 * Names another pack configuration file for an offline run: the offline plan sets it to the file its
 * pack applies (`--policy-config`), so the program and the pack judge with the same file. The
 * Pulumi CLI does not show `--policy-pack-config` to programs, so real runs use the organisation's.
 */
export const PACK_CONFIG_ENV = "KEYLESS_PACK_CONFIG";

const LEVELS = ["advisory", "mandatory", "remediate", "disabled"] as const;
type EnforcementLevel = (typeof LEVELS)[number];

/** What the organisation's configuration says about environment protection. */
export interface OrganizationProtection {
    /** The file it came from, as shown in messages. */
    readonly file: string;
    /** The policy's enforcement level after `all` and its own entry (the pack's default: mandatory). */
    readonly enforcementLevel: EnforcementLevel;
    /** Environment names or globs that need required reviewers (the pack's default: every environment). */
    readonly environmentsRequiringReviewers: readonly string[];
}

export interface ProtectionCheck {
    /** Stops the stack: the organisation's pack would block it. */
    readonly problems: string[];
    /** The pack would only warn (advisory). */
    readonly warnings: string[];
}

const isObject = (value: unknown): value is Record<string, unknown> => typeof value === "object" && value !== null && !Array.isArray(value);
const isLevel = (value: unknown): value is EnforcementLevel => typeof value === "string" && (LEVELS as readonly string[]).includes(value);

/**
 * Reads a pack configuration file's text the way the Pulumi CLI resolves it for this one policy
 * (`all` first, then the policy's entry: a level string, or an object with `enforcementLevel` and
 * settings). `text` undefined means there is no file: the pack's defaults apply.
 */
export function parseOrganizationProtection(text: string | undefined, file: string): { protection?: OrganizationProtection; problems: string[] } {
    const defaults: OrganizationProtection = {
        file,
        enforcementLevel: "mandatory",
        environmentsRequiringReviewers: DEFAULT_ENVIRONMENTS_REQUIRING_REVIEWERS,
    };
    if (text === undefined) return { protection: defaults, problems: [] };
    let json: unknown;
    try {
        json = JSON.parse(text);
    } catch (error) {
        return { problems: [`${file}: not valid JSON (${(error as Error).message}); fix the organisation's policy pack configuration`] };
    }
    if (!isObject(json)) return { problems: [`${file}: expected a JSON object keyed by policy name (or "all")`] };
    const problems: string[] = [];
    let enforcementLevel = defaults.enforcementLevel;
    let patterns = defaults.environmentsRequiringReviewers;
    const level = (where: string, value: unknown): void => {
        if (isLevel(value)) enforcementLevel = value;
        else problems.push(`${file}: ${where} is ${JSON.stringify(value)}, not an enforcement level (${LEVELS.join(", ")})`);
    };
    if (json.all !== undefined) level("all", isObject(json.all) ? json.all.enforcementLevel : json.all);
    const entry = json[ENVIRONMENT_PROTECTION_POLICY];
    if (typeof entry === "string") level(ENVIRONMENT_PROTECTION_POLICY, entry);
    else if (isObject(entry)) {
        if (entry.enforcementLevel !== undefined) level(`${ENVIRONMENT_PROTECTION_POLICY}.enforcementLevel`, entry.enforcementLevel);
        const list = entry[ENVIRONMENTS_REQUIRING_REVIEWERS];
        if (list !== undefined) {
            if (Array.isArray(list) && list.every((item) => typeof item === "string" && item.length > 0)) patterns = list as string[];
            else problems.push(`${file}: ${ENVIRONMENT_PROTECTION_POLICY}.${ENVIRONMENTS_REQUIRING_REVIEWERS} must be a list of environment names or globs, found ${JSON.stringify(list)}`);
        }
    } else if (entry !== undefined) {
        problems.push(`${file}: ${ENVIRONMENT_PROTECTION_POLICY} must be an enforcement level or an object, found ${JSON.stringify(entry)}`);
    }
    return problems.length > 0 ? { problems } : { protection: { file, enforcementLevel, environmentsRequiringReviewers: patterns }, problems };
}

/**
 * Reads the organisation's configuration of the project in `projectDir` (default: this program's),
 * or the file $KEYLESS_PACK_CONFIG names. A missing organisation file means the pack's defaults.
 */
export function loadOrganizationProtection(projectDir = path.resolve(__dirname, "..")): { protection?: OrganizationProtection; problems: string[] } {
    const override = process.env[PACK_CONFIG_ENV];
    const shown = override ? path.relative(process.cwd(), override) || override : ORGANIZATION_PACK_CONFIG;
    let text: string | undefined;
    try {
        text = fs.readFileSync(override || path.join(projectDir, ORGANIZATION_PACK_CONFIG), "utf8");
    } catch (error) {
        const code = (error as NodeJS.ErrnoException).code;
        if (override || code !== "ENOENT") return { problems: [`${shown}: cannot read the policy pack configuration (${code ?? String(error)})`] };
    }
    return parseOrganizationProtection(text, shown);
}

/**
 * Every environment of the stack that the organisation's configuration protects must name
 * reviewers; otherwise the pack blocks the stack at `pulumi up` (mandatory) or warns (advisory).
 */
export function checkProtection(config: KeylessConfig, protection: OrganizationProtection): ProtectionCheck {
    const problems: string[] = [];
    const warnings: string[] = [];
    if (protection.enforcementLevel === "disabled") return { problems, warnings };
    const patterns = protection.environmentsRequiringReviewers;
    for (const deployment of config.deployments) {
        const github = deployment.github;
        if (github.kind !== "environment") continue;
        if (!environmentRequiresReviewers(patterns, github.environment)) continue;
        if (github.protection.reviewerTeams.length + github.protection.reviewerUsers.length > 0) continue;
        const rule = `${ENVIRONMENT_PROTECTION_POLICY}.${ENVIRONMENTS_REQUIRING_REVIEWERS} ${JSON.stringify(patterns)} in ${protection.file}`;
        const message =
            `${deployment.key}: environment ${JSON.stringify(github.environment)} of ${deployment.repository} has no reviewers, but the ` +
            `organisation's policy pack configuration protects it (${rule}), so the pack ` +
            (protection.enforcementLevel === "advisory" ? "warns about this stack" : "would block this stack at `pulumi up`") +
            `. Name the teams or users who approve its deployments (${PROJECT}:reviewerTeams / ${PROJECT}:reviewerUsers, or the entry's ` +
            "reviewers); if the environment is not production-like, rename it or change that list for the whole organisation.";
        (protection.enforcementLevel === "advisory" ? warnings : problems).push(message);
    }
    return { problems, warnings };
}

/** The check the program runs: the organisation's configuration of `projectDir`, applied to the stack. */
export function checkAgainstOrganization(config: KeylessConfig, projectDir?: string): ProtectionCheck {
    const organization = loadOrganizationProtection(projectDir);
    return organization.protection ? checkProtection(config, organization.protection) : { problems: organization.problems, warnings: [] };
}
