// Reads policy configuration. The CLI validates it against each policy's configSchema and fills in the
// defaults, but `getConfig()` returns `{}` when nothing was configured, so defaults are applied here too.

import { PolicyConfigSchema } from "@pulumi/policy";

/** A string-list setting with its default, shaped for a policy's configSchema. */
export function stringListSetting(description: string, defaultValue: readonly string[]): PolicyConfigSchema["properties"][string] {
    return {
        type: "array",
        items: { type: "string", minLength: 1 },
        default: [...defaultValue],
        description,
    };
}

/** The configured string list, or the default when the value is absent or not a list of strings. */
export function readStringList(config: object, key: string, defaultValue: readonly string[]): string[] {
    const value = (config as Record<string, unknown>)[key];
    if (Array.isArray(value) && value.every((entry) => typeof entry === "string")) {
        return value;
    }
    return [...defaultValue];
}
