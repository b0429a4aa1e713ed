// The pack's policies as the scan needs them: names, descriptions and severities (SARIF rules), and
// each policy's enforcement level and settings under a pack configuration file, resolved by the same
// code the offline plan's pack harness uses (policy/harness/packConfig.ts), from what the pack's own
// registry declares (policy/policies.ts: levels, configSchemas and their defaults).

import * as fs from "fs";
import * as path from "path";
import { ORGANIZATION_PACK_CONFIG } from "../../components/protection";
import { EnforcementLevel, PackConfigError, PolicyConfigInfo, policyConfigInfo, ResolvedPackConfig, resolvePackConfig } from "../../policy/harness/packConfig";
import { policies } from "../../policy/policies";

export interface PackPolicy {
    readonly name: string;
    readonly description: string;
    readonly severity?: string;
    /** A stack policy judges a whole stack (e.g. the GitHub environments it manages); a dump has no stack. */
    readonly stackOnly: boolean;
}

export const PACK_POLICIES: readonly PackPolicy[] = policies.map((policy) => ({
    name: policy.name,
    description: policy.description,
    severity: policy.severity,
    stackOnly: !("validateResource" in policy) || policy.validateResource === undefined,
}));

const CONFIG_INFO: PolicyConfigInfo[] = policyConfigInfo(policies);

export interface ScanPackConfig {
    /** The file the levels came from, as shown to the user; undefined for the pack's defaults. */
    readonly file?: string;
    readonly resolved: ResolvedPackConfig;
}

export class PackConfigFileError extends Error {}

/**
 * Resolves `file` (default: the organisation's configuration, policy/config/organization.json, as
 * the plan and the program use it; its absence means the pack's defaults).
 */
export function loadPackConfig(file: string | undefined, projectDir = path.resolve(__dirname, "../..")): ScanPackConfig {
    const chosen = file ?? path.join(projectDir, ORGANIZATION_PACK_CONFIG);
    const shown = file ?? ORGANIZATION_PACK_CONFIG;
    let text: string | undefined;
    try {
        text = fs.readFileSync(chosen, "utf8");
    } catch (error) {
        const code = (error as NodeJS.ErrnoException).code;
        if (file !== undefined || code !== "ENOENT") {
            throw new PackConfigFileError(`--config: cannot read ${shown} (${code ?? String(error)})`);
        }
    }
    if (text === undefined) {
        return { resolved: resolvePackConfig(CONFIG_INFO, undefined) };
    }
    try {
        return { file: shown, resolved: resolvePackConfig(CONFIG_INFO, text) };
    } catch (error) {
        if (error instanceof PackConfigError) {
            throw new PackConfigFileError(`${shown}: ${error.message}`);
        }
        throw error;
    }
}

/**
 * Does a finding of this level stop the run? Mandatory does; so does remediate, which pulumi-policy
 * describes as "stronger than both" advisory and mandatory.
 */
export function blocks(level: EnforcementLevel): boolean {
    return level === "mandatory" || level === "remediate";
}

export function stringListSetting(config: ScanPackConfig, policy: string, key: string): string[] {
    const value = config.resolved[policy]?.properties[key];
    return Array.isArray(value) ? value.filter((item): item is string => typeof item === "string") : [];
}
