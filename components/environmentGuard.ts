// Puts an environment's protection back when GitHub holds something else, where the GitHub
// provider cannot: its Read keeps reviewers it can no longer see (the required_reviewers rule is
// gone once every reviewer is removed: resource_github_repository_environment.go, v6.13.0;
// integrations/terraform-provider-github#2761), so it never finds a diff and never updates; and a
// deployment branch policy added by hand is in no resource's state, so nothing deletes it.
//
// The mechanism: a Pulumi dynamic resource whose inputs carry the differences the program read
// (components/githubFacts.ts). Its diff looks at those only, so a preview shows it as an update
// exactly while GitHub differs (which fails `pulumi preview --expect-no-changes`), and once GitHub
// is back to the config the next run has no differences and no change, whatever the state holds.
// Its update sends the full protection (the PUT body the provider itself sends, which replaces
// reviewers, wait timer, admin bypass, self-review and branch policy: environmentUpdateBody) and
// deletes the policies the config does not name. The Pulumi engine always asks a resource's
// provider for its diff (pkg/resource/deploy/step_generator.go, diff/diffResource), and the
// dynamic provider host hands that to `diff` below (cmd/dynamic-provider/index.js).
//
// The provider's functions are serialized into the state and run in the engine's dynamic
// provider process, so they use only their inputs and globals: `fetch`, and GITHUB_TOKEN, the
// variable the GitHub provider reads its token from (provider.go: EnvDefaultFunc("GITHUB_TOKEN")).

import * as pulumi from "@pulumi/pulumi";
import { LiveBranchPolicy } from "./realServices/github";

/** What the guard's provider receives (plain data; `keepPolicyIds` resolve to the stack's own policies). */
export interface EnvironmentGuardInputs {
    /** REST root, with a trailing slash (the provider's `github:baseUrl`, https://api.github.com/ by default). */
    readonly apiUrl: string;
    readonly owner: string;
    readonly repository: string;
    readonly environment: string;
    /** The body of PUT repos/{owner}/{repo}/environments/{environment_name}. */
    readonly put: Record<string, unknown>;
    /** Policies on GitHub that the config does not name, by ID. */
    readonly removePolicies: readonly LiveBranchPolicy[];
    /** IDs of the stack's own policy resources: never deleted here (a hand-renamed one is renamed back by its resource). */
    readonly keepPolicyIds: readonly number[];
    /** How GitHub differs from the config, in words; empty: nothing to do. */
    readonly differences: readonly string[];
}

export const ENVIRONMENT_GUARD_TYPE = "pulumi-nodejs:dynamic/keyless:EnvironmentGuard";

/**
 * The requests the guard sends to put GitHub back, in order: the environment's PUT, then a DELETE
 * per extra policy (REST "Delete a deployment branch policy",
 * `DELETE repos/{owner}/{repo}/environments/{environment_name}/deployment-branch-policies/{branch_policy_id}`).
 * Nothing when GitHub matches the config.
 */
export function guardRequests(inputs: EnvironmentGuardInputs): { method: "PUT" | "DELETE"; path: string; body?: Record<string, unknown> }[] {
    if (inputs.differences.length === 0) return [];
    const environment = `repos/${inputs.owner}/${inputs.repository}/environments/${encodeURIComponent(inputs.environment)}`;
    const keep = new Set(inputs.keepPolicyIds);
    return [
        { method: "PUT", path: environment, body: inputs.put },
        ...inputs.removePolicies
            .filter((policy) => !keep.has(policy.id))
            .map((policy) => ({ method: "DELETE" as const, path: `${environment}/deployment-branch-policies/${policy.id}` })),
    ];
}

/** The guard's diff: a change exactly while GitHub differs from the config (the state's earlier differences do not count). */
export function guardHasChanges(inputs: Readonly<Record<string, unknown>>): boolean {
    return Array.isArray(inputs.differences) && inputs.differences.length > 0;
}

async function sendGuardRequests(inputs: EnvironmentGuardInputs): Promise<void> {
    const token = process.env.GITHUB_TOKEN;
    if (!token) {
        throw new Error(
            `keyless cannot put back the protection of environment ${inputs.environment} of ${inputs.owner}/${inputs.repository}: ` +
                "GITHUB_TOKEN is not set (the token the GitHub provider uses); set it to a token that may administer the repository",
        );
    }
    for (const request of guardRequests(inputs)) {
        const response = await fetch(`${inputs.apiUrl}${request.path}`, {
            method: request.method,
            headers: { authorization: `Bearer ${token}`, accept: "application/vnd.github+json", "x-github-api-version": "2022-11-28", "content-type": "application/json" },
            body: request.body === undefined ? undefined : JSON.stringify(request.body),
        });
        // A policy already gone is what was wanted.
        if (!response.ok && !(request.method === "DELETE" && response.status === 404)) {
            const text = (await response.text()).slice(0, 300);
            throw new Error(`${request.method} ${inputs.apiUrl}${request.path}: ${response.status} ${text}`);
        }
    }
}

const guardProvider: pulumi.dynamic.ResourceProvider = {
    async diff(_id, _olds, news) {
        return { changes: guardHasChanges(news) };
    },
    async create(inputs) {
        await sendGuardRequests(inputs as EnvironmentGuardInputs);
        return { id: `${String(inputs.repository)}:${String(inputs.environment)}`, outs: inputs };
    },
    async update(_id, _olds, news) {
        await sendGuardRequests(news as EnvironmentGuardInputs);
        return { outs: news };
    },
    // Removing the guard leaves GitHub as it is; the environment resource owns the environment.
    async delete() {},
};

type GuardArgs = { readonly [K in Exclude<keyof EnvironmentGuardInputs, "keepPolicyIds">]: pulumi.Input<EnvironmentGuardInputs[K]> } & {
    readonly keepPolicyIds: pulumi.Input<number>[];
};

/** Keeps one environment's live protection equal to the config (see above). */
export class EnvironmentGuard extends pulumi.dynamic.Resource {
    constructor(name: string, args: GuardArgs, opts?: pulumi.CustomResourceOptions) {
        super(guardProvider, name, args, opts, "keyless", "EnvironmentGuard");
    }
}
