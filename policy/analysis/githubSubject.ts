// GitHub's OIDC issuers and `sub` claims.
//
// Default subjects: `repo:OWNER/REPO:<context>`, or in the immutable form (the default for
// repositories created, renamed or transferred after 2026-06-18) `repo:OWNER@OWNER_ID/REPO@REPO_ID:<context>`,
// where <context> is `ref:refs/heads/B`, `ref:refs/tags/T`, `environment:E` or `pull_request`.
// Organisations can customise the template; only a subject that starts with `repo:OWNER/REPO` pins
// who may assume a role, because another organisation's template can produce any other prefix.

export const GITHUB_ISSUER = "token.actions.githubusercontent.com";

export type GithubSubjectContext =
    | { kind: "environment"; environment: string }
    | { kind: "branch"; branch: string }
    | { kind: "tag"; tag: string }
    | { kind: "pull_request" }
    | { kind: "none" }
    | { kind: "other"; text: string };

export interface GithubSubject {
    form: "legacy" | "immutable";
    owner: string;
    ownerId?: string;
    repository: string;
    repositoryId?: string;
    context: GithubSubjectContext;
}

export type SubjectParse = { ok: true; subject: GithubSubject } | { ok: false; problem: string };

function parseSlot(slot: string, what: "owner" | "repository"): { name: string; id?: string } | string {
    const at = slot.indexOf("@");
    const name = at < 0 ? slot : slot.slice(0, at);
    if (name === "") {
        return `the ${what} name is empty`;
    }
    if (at < 0) {
        return { name };
    }
    const id = slot.slice(at + 1);
    if (id === "") {
        return `the ${what} ID after "@" is empty`;
    }
    return { name, id };
}

/**
 * Parses a `sub` value. Wildcard characters are kept as written: whether they are wildcards depends
 * on the condition operator, which the caller knows.
 */
export function parseGithubSubject(value: string): SubjectParse {
    if (!value.startsWith("repo:")) {
        const claim = value.includes(":") ? value.slice(0, value.indexOf(":")) : value;
        return {
            ok: false,
            problem: `starts with ${JSON.stringify(claim)} instead of "repo:OWNER/REPO", so it does not pin owner and repository (another organisation's customised subject template can produce the same value)`,
        };
    }
    const afterRepo = value.slice("repo:".length);
    const colon = afterRepo.indexOf(":");
    const slug = colon < 0 ? afterRepo : afterRepo.slice(0, colon);
    const contextText = colon < 0 ? undefined : afterRepo.slice(colon + 1);
    const slash = slug.indexOf("/");
    if (slash < 0 || slug.indexOf("/", slash + 1) >= 0) {
        return { ok: false, problem: `does not name exactly one OWNER/REPO after "repo:" (found ${JSON.stringify(slug)})` };
    }
    const owner = parseSlot(slug.slice(0, slash), "owner");
    if (typeof owner === "string") {
        return { ok: false, problem: owner };
    }
    const repository = parseSlot(slug.slice(slash + 1), "repository");
    if (typeof repository === "string") {
        return { ok: false, problem: repository };
    }
    if ((owner.id === undefined) !== (repository.id === undefined)) {
        return {
            ok: false,
            problem: "mixes the legacy and the immutable form: GitHub issues either OWNER/REPO or OWNER@OWNER_ID/REPO@REPO_ID",
        };
    }
    return {
        ok: true,
        subject: {
            form: owner.id === undefined ? "legacy" : "immutable",
            owner: owner.name,
            ownerId: owner.id,
            repository: repository.name,
            repositoryId: repository.id,
            context: parseContext(contextText),
        },
    };
}

// A customised template (include_claim_keys, GitHub Docs "OpenID Connect reference", "Customizing the
// subject claims": https://docs.github.com/en/actions/reference/security/oidc) puts more claims after the
// context, e.g. `repo:O/R:environment:prod:job_workflow_ref:O/R/.github/workflows/deploy.yml@refs/heads/main`.
// Claims are `key:value` pairs joined by `:`, and GitHub writes a `:` inside a value as `%3A`, so every
// `:` separates: the context's value ends at the next `:`.
const CONTEXT_VALUE_KEYS = new Set(["environment", "ref"]);

/** A claim value as written in `sub`, with GitHub's `%3A` read back as `:`. */
function claimValue(text: string): string {
    return text.replace(/%3A/gi, ":");
}

function parseContext(text: string | undefined): GithubSubjectContext {
    if (text === undefined) {
        return { kind: "none" };
    }
    const parts = text.split(":");
    const key = parts[0];
    if (CONTEXT_VALUE_KEYS.has(key) && parts.length >= 2) {
        const value = claimValue(parts[1]);
        if (key === "environment") {
            return { kind: "environment", environment: value };
        }
        if (value.startsWith("refs/heads/")) {
            return { kind: "branch", branch: value.slice("refs/heads/".length) };
        }
        if (value.startsWith("refs/tags/")) {
            return { kind: "tag", tag: value.slice("refs/tags/".length) };
        }
    }
    if (key === "pull_request") {
        return { kind: "pull_request" };
    }
    return { kind: "other", text };
}

/** The context as the subject spells it (`environment:prod`, `ref:refs/heads/main`, `pull_request`); undefined when there is none. */
export function subjectContextClaim(context: GithubSubjectContext): string | undefined {
    switch (context.kind) {
        case "environment":
            return `environment:${context.environment}`;
        case "branch":
            return `ref:refs/heads/${context.branch}`;
        case "tag":
            return `ref:refs/tags/${context.tag}`;
        case "pull_request":
            return "pull_request";
        case "other":
            return context.text;
        case "none":
            return undefined;
    }
}

/**
 * The claims after the context in a customised subject, e.g. `[{key: "job_workflow_ref", value: "..."}]`
 * for `repo:O/R:environment:prod:job_workflow_ref:...`; empty for GitHub's default template.
 */
export function extraSubjectClaims(value: string): Array<{ key: string; value: string }> {
    const parsed = parseGithubSubject(value);
    if (!parsed.ok || parsed.subject.context.kind === "none" || parsed.subject.context.kind === "other") {
        return [];
    }
    const afterSlug = value.slice("repo:".length).split(":").slice(1);
    const rest = afterSlug.slice(parsed.subject.context.kind === "pull_request" ? 1 : 2);
    const claims: Array<{ key: string; value: string }> = [];
    for (let i = 0; i < rest.length; i += 2) {
        claims.push({ key: rest[i], value: claimValue(rest[i + 1] ?? "") });
    }
    return claims;
}

/** Says what a wildcard at its first position in a `sub` value lets in, for messages. */
export function describeWildcardReach(value: string): string {
    const first = value.search(/[*?]/);
    if (first < 0) {
        return "";
    }
    if (!value.startsWith("repo:") || first < "repo:".length) {
        return "subjects from any organisation's template";
    }
    const afterRepo = value.slice("repo:".length);
    const colon = afterRepo.indexOf(":");
    const slugEnd = "repo:".length + (colon < 0 ? afterRepo.length : colon);
    if (first >= slugEnd) {
        const prefix = value.slice(0, slugEnd);
        return `every branch, tag, pull_request run and environment of ${prefix.slice("repo:".length)} that fits the pattern`;
    }
    const slug = value.slice("repo:".length, slugEnd);
    const slash = slug.indexOf("/");
    const offset = first - "repo:".length;
    const ownerSlot = slash < 0 ? slug : slug.slice(0, slash);
    const inOwner = slash < 0 || offset < slash;
    const slot = inOwner ? ownerSlot : slug.slice(slash + 1);
    const slotOffset = inOwner ? offset : offset - slash - 1;
    const at = slot.indexOf("@");
    if (at >= 0 && slotOffset > at) {
        return `any ${inOwner ? "owner" : "repository"} ID, which throws away the protection of the immutable form (a deleted or renamed name can be registered again by someone else)`;
    }
    return inOwner
        ? "repositories of any owner on GitHub"
        : `any repository of ${ownerSlot}, including ones a member creates later`;
}

/**
 * The issuer a Federated principal names, when it is one of GitHub's: github.com
 * (`token.actions.githubusercontent.com`), a GitHub Enterprise Cloud issuer
 * (`token.actions.githubusercontent.com/<enterprise-slug>`) or a GitHub Enterprise Server issuer
 * (`<host>/_services/token`). Accepts a provider ARN in any partition, or the bare issuer host.
 */
export function githubIssuerOf(federated: string): string | undefined {
    let issuer = federated;
    const marker = ":oidc-provider/";
    const at = federated.indexOf(marker);
    if (at >= 0) {
        if (!federated.startsWith("arn:") || !federated.slice(0, at).includes(":iam::")) {
            return undefined;
        }
        issuer = federated.slice(at + marker.length);
    }
    issuer = issuer.replace(/^https:\/\//i, "").replace(/\/+$/, "");
    const lower = issuer.toLowerCase();
    if (lower === GITHUB_ISSUER || lower.startsWith(`${GITHUB_ISSUER}/`) || lower.endsWith("/_services/token")) {
        return issuer;
    }
    return undefined;
}

/** The GitHub issuer a condition key belongs to (`<issuer>:sub` → `<issuer>`), when it is one of GitHub's. */
export function githubIssuerOfConditionKey(key: string): string | undefined {
    const colon = key.lastIndexOf(":");
    if (colon <= 0) {
        return undefined;
    }
    return githubIssuerOf(key.slice(0, colon));
}
