// Resolves a `--policy-pack-config` file the way the Pulumi CLI does before it calls Configure:
// every policy starts from its own enforcement level and its configSchema defaults; the `all` key sets
// the level of every policy; a per-policy entry is either a level string ("mandatory") or an object
// with an optional `enforcementLevel` and property values. Unlike the CLI, unknown policy names and
// unknown properties are rejected, so a typo in a config file fails a test instead of being ignored.

export type EnforcementLevel = "advisory" | "mandatory" | "remediate" | "disabled";
export const ENFORCEMENT_LEVELS: readonly EnforcementLevel[] = ["advisory", "mandatory", "remediate", "disabled"];

/** The subset of JSON Schema the pack's configSchemas use. */
export interface JsonSchema {
    type?: string | string[];
    items?: JsonSchema;
    enum?: unknown[];
    minLength?: number;
    maxLength?: number;
    minItems?: number;
    maxItems?: number;
    minimum?: number;
    maximum?: number;
    default?: unknown;
    description?: string;
}

export interface PolicyConfigInfo {
    name: string;
    enforcementLevel: EnforcementLevel;
    configSchema?: { properties: Record<string, JsonSchema>; required: string[] };
}

/**
 * What the pack reports of each policy in getAnalyzerInfo, from the policies' own declarations
 * (a policy that names no level is advisory, the pack SDK's default).
 */
export function policyConfigInfo(
    policies: readonly { name: string; enforcementLevel?: EnforcementLevel; configSchema?: { properties: unknown; required?: string[] } }[],
): PolicyConfigInfo[] {
    return policies.map((policy) => ({
        name: policy.name,
        enforcementLevel: policy.enforcementLevel ?? "advisory",
        configSchema:
            policy.configSchema === undefined
                ? undefined
                : { properties: policy.configSchema.properties as Record<string, JsonSchema>, required: policy.configSchema.required ?? [] },
    }));
}

export interface ResolvedPolicyConfig {
    enforcementLevel: EnforcementLevel;
    properties: Record<string, unknown>;
}

export type ResolvedPackConfig = Record<string, ResolvedPolicyConfig>;

export class PackConfigError extends Error {
    constructor(readonly problems: string[]) {
        super(`invalid policy pack configuration:\n  - ${problems.join("\n  - ")}`);
        this.name = "PackConfigError";
    }
}

function isLevel(value: unknown): value is EnforcementLevel {
    return typeof value === "string" && (ENFORCEMENT_LEVELS as readonly string[]).includes(value);
}

function typeOf(value: unknown): string {
    if (Array.isArray(value)) {
        return "array";
    }
    if (value === null) {
        return "null";
    }
    if (typeof value === "number") {
        return Number.isInteger(value) ? "integer" : "number";
    }
    return typeof value;
}

/** Problems of `value` against `schema`, each prefixed with `path`. */
export function validateAgainstSchema(value: unknown, schema: JsonSchema, path: string): string[] {
    const problems: string[] = [];
    if (schema.type !== undefined) {
        const allowed = Array.isArray(schema.type) ? schema.type : [schema.type];
        const actual = typeOf(value);
        if (!allowed.includes(actual) && !(actual === "integer" && allowed.includes("number"))) {
            return [`${path} must be of type ${allowed.join(" or ")}, found ${actual}`];
        }
    }
    if (schema.enum !== undefined && !schema.enum.some((option) => JSON.stringify(option) === JSON.stringify(value))) {
        problems.push(`${path} must be one of ${JSON.stringify(schema.enum)}`);
    }
    if (typeof value === "string") {
        if (schema.minLength !== undefined && value.length < schema.minLength) {
            problems.push(`${path} must be at least ${schema.minLength} characters long`);
        }
        if (schema.maxLength !== undefined && value.length > schema.maxLength) {
            problems.push(`${path} must be at most ${schema.maxLength} characters long`);
        }
    }
    if (typeof value === "number") {
        if (schema.minimum !== undefined && value < schema.minimum) {
            problems.push(`${path} must be at least ${schema.minimum}`);
        }
        if (schema.maximum !== undefined && value > schema.maximum) {
            problems.push(`${path} must be at most ${schema.maximum}`);
        }
    }
    if (Array.isArray(value)) {
        if (schema.minItems !== undefined && value.length < schema.minItems) {
            problems.push(`${path} must have at least ${schema.minItems} items`);
        }
        if (schema.maxItems !== undefined && value.length > schema.maxItems) {
            problems.push(`${path} must have at most ${schema.maxItems} items`);
        }
        if (schema.items !== undefined) {
            const items = schema.items;
            value.forEach((item, index) => problems.push(...validateAgainstSchema(item, items, `${path}[${index}]`)));
        }
    }
    return problems;
}

/** Resolves a pack config file (parsed JSON, or its text) against the policies the pack reports. */
export function resolvePackConfig(policies: readonly PolicyConfigInfo[], file: unknown): ResolvedPackConfig {
    const problems: string[] = [];
    let config: unknown = file;
    if (typeof file === "string") {
        if (file.trim() === "") {
            config = {};
        } else {
            try {
                config = JSON.parse(file);
            } catch (error) {
                throw new PackConfigError([`the file is not valid JSON (${error instanceof Error ? error.message : String(error)})`]);
            }
        }
    }
    if (config === undefined || config === null) {
        config = {};
    }
    if (typeof config !== "object" || Array.isArray(config)) {
        throw new PackConfigError(["the file must hold a JSON object keyed by policy name (or \"all\")"]);
    }
    const entries = config as Record<string, unknown>;
    const resolved: ResolvedPackConfig = {};
    for (const policy of policies) {
        const properties: Record<string, unknown> = {};
        for (const [key, schema] of Object.entries(policy.configSchema?.properties ?? {})) {
            if (schema.default !== undefined) {
                properties[key] = schema.default;
            }
        }
        resolved[policy.name] = { enforcementLevel: policy.enforcementLevel, properties };
    }
    const levelOf = (key: string, value: unknown): EnforcementLevel | undefined => {
        if (!isLevel(value)) {
            problems.push(`${key}: ${JSON.stringify(value)} is not an enforcement level (${ENFORCEMENT_LEVELS.join(", ")})`);
            return undefined;
        }
        return value;
    };
    if ("all" in entries) {
        const all = entries.all;
        const level =
            typeof all === "object" && all !== null && !Array.isArray(all)
                ? levelOf("all.enforcementLevel", (all as Record<string, unknown>).enforcementLevel)
                : levelOf("all", all);
        if (typeof all === "object" && all !== null && Object.keys(all).some((k) => k !== "enforcementLevel")) {
            problems.push(`all: only "enforcementLevel" can be set for the whole pack`);
        }
        if (level !== undefined) {
            for (const name of Object.keys(resolved)) {
                resolved[name].enforcementLevel = level;
            }
        }
    }
    for (const [name, value] of Object.entries(entries)) {
        if (name === "all") {
            continue;
        }
        const target = resolved[name];
        const policy = policies.find((p) => p.name === name);
        if (target === undefined || policy === undefined) {
            problems.push(`${name}: the pack has no policy of that name (it has ${policies.map((p) => p.name).join(", ")})`);
            continue;
        }
        if (typeof value === "string") {
            const level = levelOf(name, value);
            if (level !== undefined) {
                target.enforcementLevel = level;
            }
            continue;
        }
        if (typeof value !== "object" || value === null || Array.isArray(value)) {
            problems.push(`${name}: must be an enforcement level or an object, found ${JSON.stringify(value)}`);
            continue;
        }
        for (const [key, setting] of Object.entries(value as Record<string, unknown>)) {
            if (key === "enforcementLevel") {
                const level = levelOf(`${name}.enforcementLevel`, setting);
                if (level !== undefined) {
                    target.enforcementLevel = level;
                }
                continue;
            }
            const schema = policy.configSchema?.properties[key];
            if (schema === undefined) {
                const known = Object.keys(policy.configSchema?.properties ?? {});
                problems.push(`${name}.${key}: unknown setting (${known.length > 0 ? `known: ${known.join(", ")}` : "the policy has no settings"})`);
                continue;
            }
            problems.push(...validateAgainstSchema(setting, schema, `${name}.${key}`));
            target.properties[key] = setting;
        }
    }
    for (const policy of policies) {
        for (const key of policy.configSchema?.required ?? []) {
            if (!(key in resolved[policy.name].properties)) {
                problems.push(`${policy.name}.${key}: required setting is missing`);
            }
        }
    }
    if (problems.length > 0) {
        throw new PackConfigError(problems);
    }
    return resolved;
}
