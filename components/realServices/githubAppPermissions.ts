// The GitHub REST calls keyless causes, and the GitHub App permission each one needs, as plain
// data with its sources. The pipeline's tests (tests/workflows/) check every workflow job's App
// token against it: a preview without refresh makes only keyless's lookups (the bridged
// provider's Diff calls nothing), a drift check (`preview --refresh`) also reads every managed
// resource, and `up --refresh` reads, creates, updates and deletes them.
//
// Sources:
//   - the calls: terraform-provider-github v6.13.0 (commit 20728bb30c112287ac3e8243cdb0307a45c6a0a0,
//     the version @pulumi/github 6.15 bridges), github/<file>.go named on each resource below;
//     go-github sends each method to the REST path written next to it;
//   - the permissions: GitHub Docs, "Permissions required for GitHub Apps"
//     (https://docs.github.com/rest/authentication/permissions-required-for-github-apps), whose data
//     is github/docs src/github-apps/data/fpt-2022-11-28/server-to-server-permissions.json: each
//     endpoint is listed under the permission it needs, and an endpoint listed under two
//     permissions with "additional-permissions": true needs both (environment secrets and
//     variables: "Environments" and "Secrets" / "Variables"). Fine-grained `write` includes `read`.

/**
 * An App permission by the name the installation-token API takes (`POST
 * /app/installations/{id}/access_tokens` `permissions`), which actions/create-github-app-token
 * builds from its `permission-<name>` inputs (`_` written `-`).
 */
export type AppPermission =
    | "actions"
    | "actions_variables"
    | "administration"
    | "environments"
    | "members"
    | "metadata"
    | "organization_plan"
    | "secrets";

export type Access = "read" | "write";

/** What one permission is called in GitHub's App settings page. */
export const PERMISSION_TITLES: Readonly<Record<AppPermission, string>> = {
    actions: "Repository → Actions",
    actions_variables: "Repository → Variables",
    administration: "Repository → Administration",
    environments: "Repository → Environments",
    members: "Organization → Members",
    metadata: "Repository → Metadata",
    organization_plan: "Organization → Plan",
    secrets: "Repository → Secrets",
};

export interface EndpointRule {
    /** `METHOD /path` as GitHub's REST reference writes it. */
    readonly endpoint: string;
    /** Every permission it needs; empty when GitHub asks for none (public data). */
    readonly needs: readonly { readonly permission: AppPermission; readonly access: Access }[];
    /** Where the permission comes from. */
    readonly source: string;
}

const DOCS = "docs.github.com/rest/authentication/permissions-required-for-github-apps";
const need = (permission: AppPermission, access: Access) => ({ permission, access });

/** Every endpoint keyless's program and its provider call. */
export const ENDPOINTS: readonly EndpointRule[] = [
    // Repository metadata.
    { endpoint: "GET /repos/{owner}/{repo}", needs: [need("metadata", "read")], source: `${DOCS}, "Metadata" (get-a-repository)` },
    {
        endpoint: "GET /repos/{owner}/{repo}/collaborators/{username}/permission",
        needs: [need("metadata", "read")],
        source: `${DOCS}, "Metadata" (get-repository-permissions-for-a-user)`,
    },
    {
        endpoint: "GET /repos/{owner}/{repo}/branches",
        needs: [need("metadata", "read")],
        source: `${DOCS}, "Metadata" (list-branches)`,
    },
    // Actions.
    {
        endpoint: "GET /repos/{owner}/{repo}/actions/oidc/customization/sub",
        needs: [need("actions", "read")],
        source: `${DOCS}, "Actions" (get-the-customization-template-for-an-oidc-subject-claim-for-a-repository)`,
    },
    { endpoint: "GET /repos/{owner}/{repo}/environments/{environment_name}", needs: [need("actions", "read")], source: `${DOCS}, "Actions" (get-an-environment)` },
    {
        endpoint: "GET /repos/{owner}/{repo}/environments/{environment_name}/deployment-branch-policies",
        needs: [need("actions", "read")],
        source: `${DOCS}, "Actions" (list-deployment-branch-policies)`,
    },
    {
        endpoint: "GET /repos/{owner}/{repo}/environments/{environment_name}/deployment-branch-policies/{branch_policy_id}",
        needs: [need("actions", "read")],
        source: `${DOCS}, "Actions" (get-a-deployment-branch-policy)`,
    },
    // Administration: environments and their branch policies are written with it.
    {
        endpoint: "PUT /repos/{owner}/{repo}/environments/{environment_name}",
        needs: [need("administration", "write")],
        source: `${DOCS}, "Administration" (create-or-update-an-environment)`,
    },
    {
        endpoint: "DELETE /repos/{owner}/{repo}/environments/{environment_name}",
        needs: [need("administration", "write")],
        source: `${DOCS}, "Administration" (delete-an-environment)`,
    },
    {
        endpoint: "POST /repos/{owner}/{repo}/environments/{environment_name}/deployment-branch-policies",
        needs: [need("administration", "write")],
        source: `${DOCS}, "Administration" (create-a-deployment-branch-policy)`,
    },
    {
        endpoint: "PUT /repos/{owner}/{repo}/environments/{environment_name}/deployment-branch-policies/{branch_policy_id}",
        needs: [need("administration", "write")],
        source: `${DOCS}, "Administration" (update-a-deployment-branch-policy)`,
    },
    {
        endpoint: "DELETE /repos/{owner}/{repo}/environments/{environment_name}/deployment-branch-policies/{branch_policy_id}",
        needs: [need("administration", "write")],
        source: `${DOCS}, "Administration" (delete-a-deployment-branch-policy)`,
    },
    // Environment secrets: listed under both "Environments" and "Secrets" (additional permissions).
    {
        endpoint: "GET /repos/{owner}/{repo}/environments/{environment_name}/secrets/public-key",
        needs: [need("environments", "read"), need("secrets", "read")],
        source: `${DOCS}, "Environments" and "Secrets" (get-an-environment-public-key)`,
    },
    {
        endpoint: "GET /repos/{owner}/{repo}/environments/{environment_name}/secrets/{secret_name}",
        needs: [need("environments", "read"), need("secrets", "read")],
        source: `${DOCS}, "Environments" and "Secrets" (get-an-environment-secret)`,
    },
    {
        endpoint: "PUT /repos/{owner}/{repo}/environments/{environment_name}/secrets/{secret_name}",
        needs: [need("environments", "write"), need("secrets", "write")],
        source: `${DOCS}, "Environments" and "Secrets" (create-or-update-an-environment-secret)`,
    },
    {
        endpoint: "DELETE /repos/{owner}/{repo}/environments/{environment_name}/secrets/{secret_name}",
        needs: [need("environments", "write"), need("secrets", "write")],
        source: `${DOCS}, "Environments" and "Secrets" (delete-an-environment-secret)`,
    },
    // Environment variables: listed under both "Environments" and "Variables".
    {
        endpoint: "POST /repos/{owner}/{repo}/environments/{environment_name}/variables",
        needs: [need("environments", "write"), need("actions_variables", "write")],
        source: `${DOCS}, "Environments" and "Variables" (create-an-environment-variable)`,
    },
    {
        endpoint: "GET /repos/{owner}/{repo}/environments/{environment_name}/variables/{name}",
        needs: [need("environments", "read"), need("actions_variables", "read")],
        source: `${DOCS}, "Environments" and "Variables" (get-an-environment-variable)`,
    },
    {
        endpoint: "PATCH /repos/{owner}/{repo}/environments/{environment_name}/variables/{name}",
        needs: [need("environments", "write"), need("actions_variables", "write")],
        source: `${DOCS}, "Environments" and "Variables" (update-an-environment-variable)`,
    },
    {
        endpoint: "DELETE /repos/{owner}/{repo}/environments/{environment_name}/variables/{name}",
        needs: [need("environments", "write"), need("actions_variables", "write")],
        source: `${DOCS}, "Environments" and "Variables" (delete-an-environment-variable)`,
    },
    // Repository variables.
    { endpoint: "POST /repos/{owner}/{repo}/actions/variables", needs: [need("actions_variables", "write")], source: `${DOCS}, "Variables" (create-a-repository-variable)` },
    { endpoint: "GET /repos/{owner}/{repo}/actions/variables/{name}", needs: [need("actions_variables", "read")], source: `${DOCS}, "Variables" (get-a-repository-variable)` },
    { endpoint: "PATCH /repos/{owner}/{repo}/actions/variables/{name}", needs: [need("actions_variables", "write")], source: `${DOCS}, "Variables" (update-a-repository-variable)` },
    { endpoint: "DELETE /repos/{owner}/{repo}/actions/variables/{name}", needs: [need("actions_variables", "write")], source: `${DOCS}, "Variables" (delete-a-repository-variable)` },
    // Organisation and users.
    {
        endpoint: "GET /orgs/{org}",
        // Public fields need nothing; `plan` is shown to owners or an App with "Plan" (read).
        needs: [need("organization_plan", "read")],
        source: `${DOCS}, "Plan" (get-an-organization); docs.github.com/rest/orgs/orgs#get-an-organization`,
    },
    { endpoint: "GET /orgs/{org}/teams/{team_slug}", needs: [need("members", "read")], source: `${DOCS}, "Members" (get-a-team-by-name)` },
    {
        endpoint: "GET /orgs/{org}/teams/{team_slug}/repos/{owner}/{repo}",
        needs: [need("members", "read"), need("metadata", "read")],
        source: `${DOCS}, "Members" and "Metadata" (check-team-permissions-for-a-repository)`,
    },
    { endpoint: "GET /users/{username}", needs: [], source: "docs.github.com/rest/users/users#get-a-user: public, works without permissions" },
    { endpoint: "GET /users/{username}/gpg_keys", needs: [], source: "docs.github.com/rest/users/gpg-keys#list-gpg-keys-for-a-user: public, no permissions" },
    { endpoint: "GET /users/{username}/keys", needs: [], source: "docs.github.com/rest/users/keys#list-public-keys-for-a-user: public, no permissions" },
    { endpoint: "GET /rate_limit", needs: [], source: "docs.github.com/rest/rate-limit/rate-limit: no permissions, and the call does not count against the limit" },
];

export type Operation = "create" | "read" | "update" | "delete";

export interface ResourceCalls {
    /** The Pulumi type token. */
    readonly type: string;
    /** The provider's Go file that makes the calls. */
    readonly source: string;
    readonly calls: Readonly<Record<Operation, readonly string[]>>;
}

const TPG = "terraform-provider-github v6.13.0 github/";
const ENV = "/repos/{owner}/{repo}/environments/{environment_name}";

/** Every GitHub resource type keyless creates, and what each operation calls. */
export const RESOURCES: readonly ResourceCalls[] = [
    {
        type: "github:index/repositoryEnvironment:RepositoryEnvironment",
        source: `${TPG}resource_github_repository_environment.go`,
        calls: {
            // Create: CreateUpdateEnvironment, then Repositories.Get for repository_id.
            create: [`PUT ${ENV}`, "GET /repos/{owner}/{repo}"],
            read: [`GET ${ENV}`],
            update: [`PUT ${ENV}`],
            delete: [`DELETE ${ENV}`],
        },
    },
    {
        type: "github:index/repositoryEnvironmentDeploymentPolicy:RepositoryEnvironmentDeploymentPolicy",
        source: `${TPG}resource_github_repository_environment_deployment_policy.go`,
        calls: {
            create: [`POST ${ENV}/deployment-branch-policies`, "GET /repos/{owner}/{repo}"],
            read: [`GET ${ENV}/deployment-branch-policies/{branch_policy_id}`],
            update: [`PUT ${ENV}/deployment-branch-policies/{branch_policy_id}`],
            delete: [`DELETE ${ENV}/deployment-branch-policies/{branch_policy_id}`],
        },
    },
    {
        type: "github:index/actionsEnvironmentSecret:ActionsEnvironmentSecret",
        source: `${TPG}resource_github_actions_environment_secret.go`,
        calls: {
            // go-github sends these to /repositories/{repository_id}/environments/...: the same
            // endpoints by repository ID. Create and update read the public key to encrypt the
            // value, then the secret back for its timestamps.
            create: ["GET /repos/{owner}/{repo}", `GET ${ENV}/secrets/public-key`, `PUT ${ENV}/secrets/{secret_name}`, `GET ${ENV}/secrets/{secret_name}`],
            read: [`GET ${ENV}/secrets/{secret_name}`],
            update: [`GET ${ENV}/secrets/public-key`, `PUT ${ENV}/secrets/{secret_name}`, `GET ${ENV}/secrets/{secret_name}`],
            delete: [`DELETE ${ENV}/secrets/{secret_name}`],
        },
    },
    {
        type: "github:index/actionsEnvironmentVariable:ActionsEnvironmentVariable",
        source: `${TPG}resource_github_actions_environment_variable.go`,
        calls: {
            create: [`POST ${ENV}/variables`, "GET /repos/{owner}/{repo}", `GET ${ENV}/variables/{name}`],
            read: [`GET ${ENV}/variables/{name}`],
            update: [`PATCH ${ENV}/variables/{name}`, `GET ${ENV}/variables/{name}`],
            delete: [`DELETE ${ENV}/variables/{name}`],
        },
    },
    {
        type: "github:index/actionsVariable:ActionsVariable",
        source: `${TPG}resource_github_actions_variable.go`,
        calls: {
            create: ["POST /repos/{owner}/{repo}/actions/variables", "GET /repos/{owner}/{repo}", "GET /repos/{owner}/{repo}/actions/variables/{name}"],
            read: ["GET /repos/{owner}/{repo}/actions/variables/{name}"],
            update: ["PATCH /repos/{owner}/{repo}/actions/variables/{name}", "GET /repos/{owner}/{repo}/actions/variables/{name}"],
            delete: ["DELETE /repos/{owner}/{repo}/actions/variables/{name}"],
        },
    },
];

/**
 * What every command asks before any resource: the provider's configuration
 * (config.go ConfigureOwner: Organizations.Get of `github:owner`) and keyless's lookups
 * (components/githubFacts.ts through github_rest_api, getTeam, getUser; the drift lookups of
 * the environments' live protection and the budget check).
 */
export const LOOKUPS: readonly { readonly endpoint: string; readonly by: string }[] = [
    { endpoint: "GET /orgs/{org}", by: "provider configuration (config.go ConfigureOwner) and the plan lookup (githubFacts.ts)" },
    { endpoint: "GET /repos/{owner}/{repo}", by: "githubFacts.ts: the repository's ID, owner ID and visibility" },
    { endpoint: "GET /repos/{owner}/{repo}/actions/oidc/customization/sub", by: "githubFacts.ts: the repository's OIDC subject form" },
    { endpoint: "GET /users/{username}", by: "githubFacts.ts (a personal owner's plan) and getUser (data_source_github_user.go Users.Get)" },
    { endpoint: "GET /users/{username}/gpg_keys", by: "getUser (data_source_github_user.go Users.ListGPGKeys)" },
    { endpoint: "GET /users/{username}/keys", by: "getUser (data_source_github_user.go Users.ListKeys)" },
    { endpoint: "GET /orgs/{org}/teams/{team_slug}", by: "getTeam with summaryOnly (data_source_github_team.go Teams.GetTeamBySlug)" },
    { endpoint: "GET /orgs/{org}/teams/{team_slug}/repos/{owner}/{repo}", by: "githubFacts.ts: a reviewer team's access to the repository" },
    { endpoint: "GET /repos/{owner}/{repo}/collaborators/{username}/permission", by: "githubFacts.ts: a reviewer user's access to the repository" },
    { endpoint: `GET ${ENV}`, by: "the live protection of each managed environment (drift lookups)" },
    { endpoint: `GET ${ENV}/deployment-branch-policies`, by: "every live deployment branch and tag pattern (drift lookups)" },
    { endpoint: "GET /repos/{owner}/{repo}/branches", by: "whether the repository has protected branches (`?protected=true`)" },
    { endpoint: "GET /rate_limit", by: "the budget check before a refresh" },
];

/** What a pipeline command makes keyless and its provider call. */
export type PipelineCommand =
    /** `pulumi preview` without refresh: lookups only (the bridged Diff calls nothing). */
    | "preview"
    /** `pulumi preview --refresh` (the drift check): lookups and Read of every resource. */
    | "preview-refresh"
    /** `pulumi up --refresh`: lookups and every operation of every resource. */
    | "up-refresh";

export type PermissionSet = Partial<Record<AppPermission, Access>>;

export function endpointRule(endpoint: string): EndpointRule {
    const rule = ENDPOINTS.find((candidate) => candidate.endpoint === endpoint);
    if (rule === undefined) throw new Error(`no permission rule for ${endpoint} in githubAppPermissions.ts`);
    return rule;
}

/** The endpoints a command calls. */
export function commandEndpoints(command: PipelineCommand): string[] {
    const operations: Operation[] = command === "preview" ? [] : command === "preview-refresh" ? ["read"] : ["create", "read", "update", "delete"];
    const endpoints = new Set(LOOKUPS.map((lookup) => lookup.endpoint));
    for (const resource of RESOURCES) {
        for (const operation of operations) for (const endpoint of resource.calls[operation]) endpoints.add(endpoint);
    }
    return [...endpoints];
}

/** The least permissions that cover every endpoint a command calls. */
export function commandPermissions(command: PipelineCommand): PermissionSet {
    const set: PermissionSet = {};
    for (const endpoint of commandEndpoints(command)) {
        for (const { permission, access } of endpointRule(endpoint).needs) {
            if (set[permission] !== "write") set[permission] = access;
        }
    }
    return set;
}

/** Whether a granted level covers a needed one (`write` includes `read`). */
export function covers(granted: Access | undefined, needed: Access): boolean {
    return granted === "write" || granted === needed;
}

/**
 * The actions/create-github-app-token input that requests a permission. v3.1.1
 * (lib/get-permissions-from-inputs.js) turns every `INPUT_PERMISSION-*` variable into
 * `permissions[<rest, lower case, - as _>]`, so `permission-actions-variables` requests
 * `actions_variables`. Its action.yml declares inputs only for the names in the OpenAPI
 * app-permissions schema, which lacks Variables: the runner still passes that input (with an
 * "Unexpected input" warning).
 */
export function permissionInput(permission: AppPermission): string {
    return `permission-${permission.replace(/_/g, "-")}`;
}

/** The permission a `permission-*` input requests, as the action maps it. */
export function inputPermission(input: string): string | undefined {
    return input.startsWith("permission-") ? input.slice("permission-".length).toLowerCase().replace(/-/g, "_") : undefined;
}
