// The GitHub App permission table (components/realServices/githubAppPermissions.ts) covers what
// the program really creates and asks, and gives each pipeline command what GitHub documents.

import * as assert from "node:assert/strict";
import * as fs from "fs";
import * as path from "path";
import {
    commandEndpoints,
    commandPermissions,
    ENDPOINTS,
    endpointRule,
    inputPermission,
    LOOKUPS,
    PERMISSION_TITLES,
    permissionInput,
    RESOURCES,
} from "../../components/realServices/githubAppPermissions";
import { ROOT } from "./repository";

const COMPONENTS = path.join(ROOT, "components");

function sources(): { file: string; text: string }[] {
    const files: string[] = [];
    const walk = (dir: string): void => {
        for (const entry of fs.readdirSync(dir, { withFileTypes: true })) {
            const full = path.join(dir, entry.name);
            if (entry.isDirectory()) walk(full);
            else if (entry.name.endsWith(".ts")) files.push(full);
        }
    };
    walk(COMPONENTS);
    walk(path.join(ROOT, "tools"));
    return [...files, path.join(ROOT, "index.ts")].map((file) => ({ file: path.relative(ROOT, file), text: fs.readFileSync(file, "utf8") }));
}

/** `repos/${fullName}/actions/oidc/customization/sub` -> a pattern over `/repos/{owner}/{repo}/...`. */
function matchesTemplate(template: string, endpoint: string): boolean {
    const pathOnly = endpoint.replace(/^GET /, "").replace(/^\//, "");
    const pattern = template
        .replace(/\?.*$/, "")
        .split(/(\$\{[^}]*\})/)
        .map((part) => (part.startsWith("${") ? "(?:[^/]+(?:/[^/]+)?)" : part.replace(/[.*+?^$()|[\]\\]/g, "\\$&")))
        .join("");
    const concrete = pathOnly.replace(/\{[^}]+\}/g, "x");
    return new RegExp(`^${pattern}$`).test(concrete);
}

describe("GitHub App permissions (githubAppPermissions.ts)", () => {
    it("has a row for every GitHub resource type the program creates", () => {
        const modules = new Set<string>();
        for (const { text } of sources()) {
            for (const match of text.matchAll(/from "@pulumi\/github\/([a-zA-Z]+)"/g)) {
                if (!match[1].startsWith("get")) modules.add(match[1]);
            }
        }
        assert.ok(modules.size > 0);
        const covered = RESOURCES.map((resource) => /^github:index\/([a-zA-Z]+):/.exec(resource.type)?.[1]);
        for (const module of modules) {
            assert.ok(covered.includes(module), `@pulumi/github/${module} is created but has no row in RESOURCES (read its Go file in terraform-provider-github v6.13.0)`);
        }
    });

    it("has a lookup row for every REST question the program asks through github_rest_api", () => {
        const asked: { file: string; template: string }[] = [];
        for (const { file, text } of sources()) {
            if (!file.startsWith("components/")) continue;
            // Endpoints are written as template literals starting with a REST collection.
            // Comments quote examples (`repos/acme/api`); only code asks.
            const code = text.replace(/\/\*[\s\S]*?\*\//g, "").replace(/(^|[^:])\/\/.*$/gm, "$1");
            for (const match of code.matchAll(/`((?:repos|orgs|users|rate_limit)(?:\/[^`\s]*)?)`/g)) asked.push({ file, template: match[1] });
        }
        assert.ok(asked.length > 0);
        for (const { file, template } of asked) {
            const found = LOOKUPS.some((lookup) => matchesTemplate(template, lookup.endpoint));
            assert.ok(found, `${file} asks GET ${template}, which has no row in LOOKUPS`);
        }
    });

    it("knows the permission of every endpoint a resource or a lookup calls", () => {
        for (const resource of RESOURCES) {
            for (const endpoints of Object.values(resource.calls)) for (const endpoint of endpoints) endpointRule(endpoint);
        }
        for (const lookup of LOOKUPS) endpointRule(lookup.endpoint);
        assert.equal(new Set(ENDPOINTS.map((rule) => rule.endpoint)).size, ENDPOINTS.length, "one row per endpoint");
        for (const rule of ENDPOINTS) assert.ok(rule.source.length > 0, `${rule.endpoint} cites no source`);
    });

    it("a preview without refresh needs the lookups only: nothing that reads or writes environments", () => {
        assert.deepEqual(commandPermissions("preview"), { actions: "read", members: "read", metadata: "read", organization_plan: "read" });
    });

    it("the drift refresh reads repository variables and environment secrets and variables, and writes nothing", () => {
        const drift = commandPermissions("preview-refresh");
        assert.equal(drift.actions_variables, "read");
        assert.equal(drift.secrets, "read");
        assert.equal(drift.environments, "read");
        assert.ok(Object.values(drift).every((access) => access === "read"));
        assert.ok(commandEndpoints("preview-refresh").includes("GET /repos/{owner}/{repo}/actions/variables/{name}"));
    });

    it("up with refresh writes environments, their branch policies, secrets and variables", () => {
        assert.deepEqual(commandPermissions("up-refresh"), {
            actions: "read",
            actions_variables: "write",
            administration: "write",
            environments: "write",
            members: "read",
            metadata: "read",
            organization_plan: "read",
            secrets: "write",
        });
    });

    it("names each permission's input as actions/create-github-app-token v3.1.1 maps it back", () => {
        for (const permission of Object.keys(PERMISSION_TITLES) as (keyof typeof PERMISSION_TITLES)[]) {
            assert.equal(inputPermission(permissionInput(permission)), permission);
        }
        // lib/get-permissions-from-inputs.js: key.slice("INPUT_PERMISSION-".length).toLowerCase().replaceAll(/-/g, "_")
        assert.equal(inputPermission("permission-actions-variables"), "actions_variables");
        assert.equal(inputPermission("permission-Organization-Plan"), "organization_plan");
    });
});
