// A GitHub world (tools/offlineGithub.ts) in which a stack's config is valid as written: every
// repository it names exists with the given visibility, under an owner on the given plan, and
// every reviewer it names can read every repository. Used to run the example stacks generically.

import { RepositoryVisibility } from "../../components/realServices/github";
import { GithubWorld } from "../../tools/offlineGithub";

interface Entry {
    readonly name?: unknown;
    readonly subjectFormat?: unknown;
    readonly ownerId?: unknown;
    readonly repositoryId?: unknown;
    readonly reviewers?: { readonly teams?: unknown; readonly users?: unknown };
}

const strings = (value: unknown): string[] => (Array.isArray(value) ? value.filter((item): item is string => typeof item === "string") : []);
const parse = (text: string | undefined): unknown => (text === undefined ? undefined : JSON.parse(text));

export function worldForStack(values: Readonly<Record<string, string>>, options: { plan: string; visibility: RepositoryVisibility }): GithubWorld {
    const login = values["github:owner"];
    const entries = (parse(values["keyless:repositories"]) ?? []) as Entry[];
    const ownerId = entries.map((entry) => entry.ownerId).find((id): id is number => typeof id === "number") ?? 4242;
    const repositories = new Map<string, GithubWorld["repositories"][number]>();
    for (const [index, entry] of entries.entries()) {
        if (typeof entry.name !== "string" || repositories.has(entry.name.toLowerCase())) continue;
        repositories.set(entry.name.toLowerCase(), {
            name: entry.name,
            id: typeof entry.repositoryId === "number" ? entry.repositoryId : 7000 + index,
            visibility: options.visibility,
            subjectFormat: entry.subjectFormat === "legacy" ? "legacy" : "immutable",
        });
    }
    const names = [...repositories.values()].map((repository) => repository.name);
    const teams = new Set([...strings(parse(values["keyless:reviewerTeams"])), ...entries.flatMap((entry) => strings(entry.reviewers?.teams))]);
    const users = new Set([...strings(parse(values["keyless:reviewerUsers"])), ...entries.flatMap((entry) => strings(entry.reviewers?.users))]);
    return {
        owner: { login, id: ownerId, type: "Organization", plan: options.plan },
        repositories: [...repositories.values()],
        teams: [...teams].map((slug, index) => ({ slug, id: 8000 + index, repositories: names })),
        users: [...users].map((user, index) => ({ login: user, id: 9000 + index, permissions: Object.fromEntries(names.map((name) => [name, "write" as const])) })),
    };
}
