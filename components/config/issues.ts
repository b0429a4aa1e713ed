// Turns the problems a field schema (components/config/schema.ts) finds into keyless's problems:
// each under its full key path (`keyless:repositories[2].permissions.ecs.services[0]`), in the
// words the schema gives it, one per path.

import { z } from "zod";
import { Problems } from "../configReader";

/** `key` followed by a zod issue path: `[0]` for list items, `.name` for fields. */
export function keyPath(key: string, path: readonly PropertyKey[]): string {
    return key + path.map((part) => (typeof part === "number" ? `[${part}]` : `.${String(part)}`)).join("");
}

/**
 * Reads `raw` with a field schema: its value, or undefined after recording every problem under
 * its key path (the first one for each path: one value, one explanation).
 */
export function read<T extends z.ZodType>(schema: T, raw: unknown, key: string, problems: Problems): z.output<T> | undefined {
    const result = schema.safeParse(raw);
    if (result.success) return result.data;
    const reported = new Set<string>();
    for (const issue of result.error.issues) {
        const where = keyPath(key, issue.path);
        if (reported.has(where)) continue;
        reported.add(where);
        problems.add(where, issue.message);
    }
    return undefined;
}
