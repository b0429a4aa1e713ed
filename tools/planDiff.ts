// The access diff: what a change to a stack does to who can deploy where. Pure: two plan
// reports (the JSON plan of the base and of the working tree) in, the changes out, weakening
// ones first; and their text, Markdown (with a Mermaid graph) and JSON renderings.

import { conditionText, duration, EnvironmentRow, markdownCode, markdownText, PlanReport, RoleRow, StatementSummary } from "./planReport";

/** A path to deploy: a repository's run in a context may assume a role in an account. */
export interface Grant {
    readonly repository: string;
    readonly context: string;
    readonly role: string;
    readonly roleArn?: string;
    readonly account: string;
}

/** Weakening: more can deploy, or with more, or with less in the way. Strengthening: the reverse. */
export type Direction = "weakening" | "changed" | "strengthening";

export type ChangeKind =
    | "grant added"
    | "grant removed"
    | "subjects"
    | "permissions"
    | "boundary"
    | "managed policies"
    | "session"
    | "environment"
    | "reviewers"
    | "self-review"
    | "admin bypass"
    | "wait timer"
    | "deploy from"
    | "secrets and variables";

export interface AccessChange {
    readonly direction: Direction;
    readonly kind: ChangeKind;
    readonly grant: Grant;
    /** One line, plain text. */
    readonly summary: string;
    /** What was added or widened, removed or narrowed, in detail (plain text lines). */
    readonly added: readonly string[];
    readonly removed: readonly string[];
}

export interface AccessDiff {
    /** What the working tree is compared with, e.g. `main (1a2b3c4)`. */
    readonly base: string;
    readonly unchanged: boolean;
    readonly counts: Readonly<Record<Direction, number>>;
    readonly grants: { readonly added: readonly Grant[]; readonly removed: readonly Grant[] };
    /** Weakening first, then other changes, then strengthening. */
    readonly changes: readonly AccessChange[];
    /** Why the base could not be planned, when it could not (the diff is then against nothing). */
    readonly notes: readonly string[];
}

const ORDER: Record<Direction, number> = { weakening: 0, changed: 1, strengthening: 2 };

function accountOf(arn: string | undefined): string {
    return /^arn:[^:]+:iam::(\d{12}):/.exec(arn ?? "")?.[1] ?? "unknown account";
}

function roleKey(role: RoleRow): string {
    return role.arn ?? `name:${role.roleName}`;
}

function grantsOf(role: RoleRow): Grant[] {
    const contexts = role.contexts.length > 0 ? role.contexts : [role.subjects.length > 0 ? "any context" : (role.trustNote ?? "-")];
    return contexts.map((context) => ({ repository: role.repository ?? "-", context, role: role.roleName, roleArn: role.arn, account: accountOf(role.arn) }));
}

export function grantText(grant: Grant): string {
    return `${grant.repository} -> ${grant.context} -> ${grant.role} -> account ${grant.account}`;
}

const difference = <T>(a: readonly T[], b: readonly T[]): T[] => {
    const other = new Set(b);
    return a.filter((item) => !other.has(item));
};

/** A statement as (effect, action, resource, conditions) atoms, so that any widening shows. */
interface Atom {
    readonly effect: string;
    readonly action: string;
    readonly resource: string;
    readonly conditions: string;
}

function atomsOf(statements: readonly StatementSummary[]): Map<string, Atom> {
    const atoms = new Map<string, Atom>();
    for (const statement of statements) {
        const conditions = statement.conditions
            .map(conditionText)
            .map(({ head, folded }) => (folded.length > 0 ? `${head} ${folded.join(", ")}` : head))
            .sort()
            .join("; ");
        for (const action of statement.actions) {
            for (const resource of statement.resources) {
                const atom = { effect: statement.effect, action, resource, conditions };
                atoms.set(JSON.stringify(atom), atom);
            }
        }
    }
    return atoms;
}

/** Atoms back into readable lines: actions sharing the same resources and conditions together. */
function atomLines(atoms: readonly Atom[]): string[] {
    const byAction = new Map<string, { effect: string; action: string; conditions: string; resources: string[] }>();
    for (const atom of atoms) {
        const key = `${atom.effect}\n${atom.conditions}\n${atom.action}`;
        const entry = byAction.get(key) ?? { effect: atom.effect, action: atom.action, conditions: atom.conditions, resources: [] };
        entry.resources.push(atom.resource);
        byAction.set(key, entry);
    }
    const lines = new Map<string, { head: string; actions: string[]; tail: string }>();
    for (const entry of byAction.values()) {
        const tail = `${entry.resources.join(", ")}${entry.conditions ? ` when ${entry.conditions}` : ""}`;
        const key = `${entry.effect}\n${tail}`;
        const line = lines.get(key) ?? { head: entry.effect, actions: [], tail };
        line.actions.push(entry.action);
        lines.set(key, line);
    }
    return [...lines.values()].map((line) => `${line.head} ${line.actions.join(", ")} on ${line.tail}`);
}

function permissionChanges(before: RoleRow, after: RoleRow, grant: Grant): AccessChange[] {
    const changes: AccessChange[] = [];
    const was = atomsOf(before.permissions.statements);
    const now = atomsOf(after.permissions.statements);
    const added = [...now].filter(([key]) => !was.has(key)).map(([, atom]) => atom);
    const removed = [...was].filter(([key]) => !now.has(key)).map(([, atom]) => atom);
    // A new Allow or a dropped Deny widens; a dropped Allow or a new Deny narrows.
    const isDeny = (atom: Atom) => atom.effect === "Deny";
    const widenedBy = { added: atomLines(added.filter((atom) => !isDeny(atom))), removed: atomLines(removed.filter(isDeny)) };
    const narrowedBy = { added: atomLines(added.filter(isDeny)), removed: atomLines(removed.filter((atom) => !isDeny(atom))) };
    if (widenedBy.added.length + widenedBy.removed.length > 0) {
        changes.push({ direction: "weakening", kind: "permissions", grant, summary: "permissions widened", ...widenedBy });
    }
    if (narrowedBy.added.length + narrowedBy.removed.length > 0) {
        changes.push({ direction: "strengthening", kind: "permissions", grant, summary: "permissions narrowed", ...narrowedBy });
    }
    const managedAdded = difference(after.permissions.managedPolicies, before.permissions.managedPolicies);
    const managedRemoved = difference(before.permissions.managedPolicies, after.permissions.managedPolicies);
    if (managedAdded.length > 0) {
        changes.push({ direction: "weakening", kind: "managed policies", grant, summary: `managed polic${managedAdded.length === 1 ? "y" : "ies"} attached`, added: managedAdded, removed: [] });
    }
    if (managedRemoved.length > 0) {
        changes.push({ direction: "strengthening", kind: "managed policies", grant, summary: `managed polic${managedRemoved.length === 1 ? "y" : "ies"} detached`, added: [], removed: managedRemoved });
    }
    const { boundary: was_ } = before.permissions;
    const { boundary: now_ } = after.permissions;
    if (was_ !== now_) {
        const direction: Direction = now_ === null ? "weakening" : was_ === null ? "strengthening" : "changed";
        const summary = now_ === null ? "permissions boundary removed" : was_ === null ? "permissions boundary set" : "permissions boundary changed";
        changes.push({ direction, kind: "boundary", grant, summary, added: now_ === null ? [] : [now_], removed: was_ === null ? [] : [was_] });
    }
    return changes;
}

function environmentChanges(before: EnvironmentRow | undefined, after: EnvironmentRow | undefined, grant: Grant): AccessChange[] {
    if (!grant.context.startsWith("environment:")) return [];
    if (before === undefined && after === undefined) return [];
    if (before === undefined || after === undefined) {
        return [
            after === undefined
                ? { direction: "weakening", kind: "environment", grant, summary: "environment no longer managed by this stack (GitHub would create it unprotected)", added: [], removed: [] }
                : { direction: "strengthening", kind: "environment", grant, summary: "environment now managed and protected by this stack", added: [], removed: [] },
        ];
    }
    const changes: AccessChange[] = [];
    const reviewersRemoved = difference(before.reviewers, after.reviewers);
    const reviewersAdded = difference(after.reviewers, before.reviewers);
    if (reviewersRemoved.length > 0) {
        const none = after.reviewers.length === 0;
        changes.push({ direction: "weakening", kind: "reviewers", grant, summary: none ? "no reviewer required any more" : "reviewers removed", added: [], removed: reviewersRemoved });
    }
    if (reviewersAdded.length > 0) {
        const first = before.reviewers.length === 0;
        changes.push({ direction: first ? "strengthening" : "changed", kind: "reviewers", grant, summary: first ? "reviewers now required" : "reviewers added", added: reviewersAdded, removed: [] });
    }
    if (before.preventSelfReview !== after.preventSelfReview) {
        changes.push(
            after.preventSelfReview
                ? { direction: "strengthening", kind: "self-review", grant, summary: "the author may no longer approve their own deployment", added: [], removed: [] }
                : { direction: "weakening", kind: "self-review", grant, summary: "the author may now approve their own deployment", added: [], removed: [] },
        );
    }
    if (before.adminsCanBypass !== after.adminsCanBypass) {
        changes.push(
            after.adminsCanBypass
                ? { direction: "weakening", kind: "admin bypass", grant, summary: "administrators may now bypass the protection rules", added: [], removed: [] }
                : { direction: "strengthening", kind: "admin bypass", grant, summary: "administrators may no longer bypass the protection rules", added: [], removed: [] },
        );
    }
    if (before.waitTimerMinutes !== after.waitTimerMinutes) {
        const shorter = after.waitTimerMinutes < before.waitTimerMinutes;
        changes.push({
            direction: shorter ? "weakening" : "strengthening",
            kind: "wait timer",
            grant,
            summary: `wait timer ${shorter ? "shortened" : "lengthened"} from ${before.waitTimerMinutes} to ${after.waitTimerMinutes} min`,
            added: [],
            removed: [],
        });
    }
    const fromAdded = difference(after.deployFrom, before.deployFrom);
    const fromRemoved = difference(before.deployFrom, after.deployFrom);
    if (fromAdded.length > 0) changes.push({ direction: "weakening", kind: "deploy from", grant, summary: "may now deploy from more branches or tags", added: fromAdded, removed: [] });
    if (fromRemoved.length > 0) changes.push({ direction: "strengthening", kind: "deploy from", grant, summary: "may deploy from fewer branches or tags", added: [], removed: fromRemoved });
    const valuesBefore = [...before.secrets.map((name) => `secret ${name}`), ...before.variables.map((name) => `variable ${name}`)];
    const valuesAfter = [...after.secrets.map((name) => `secret ${name}`), ...after.variables.map((name) => `variable ${name}`)];
    const valuesAdded = difference(valuesAfter, valuesBefore);
    const valuesRemoved = difference(valuesBefore, valuesAfter);
    if (valuesAdded.length + valuesRemoved.length > 0) {
        changes.push({ direction: "changed", kind: "secrets and variables", grant, summary: "environment secrets or variables changed", added: valuesAdded, removed: valuesRemoved });
    }
    return changes;
}

function grantDetails(role: RoleRow): string[] {
    return [
        ...role.subjects.map((subject) => `trusts ${subject}`),
        `session up to ${duration(role.sessionSeconds)}`,
        ...atomLines([...atomsOf(role.permissions.statements).values()]),
        ...role.permissions.managedPolicies.map((arn) => `managed policy ${arn}`),
        `boundary ${role.permissions.boundary ?? "none"}`,
        ...(role.environment ? [`reviewers ${role.environment.reviewers.join(", ") || "none"}`, `deploy from ${role.environment.deployFrom.join(", ")}`] : []),
    ];
}

/** The change in access from `base` to `head` (both as `npm run plan -- --format json` prints them). */
export function diffPlans(base: PlanReport, head: PlanReport, baseLabel: string, notes: readonly string[] = []): AccessDiff {
    const changes: AccessChange[] = [];
    const grantsAdded: Grant[] = [];
    const grantsRemoved: Grant[] = [];
    const baseRoles = new Map(base.roles.map((role) => [roleKey(role), role]));
    const headRoles = new Map(head.roles.map((role) => [roleKey(role), role]));

    for (const [key, after] of headRoles) {
        const before = baseRoles.get(key);
        const afterGrants = grantsOf(after);
        if (before === undefined) {
            for (const grant of afterGrants) {
                grantsAdded.push(grant);
                changes.push({ direction: "weakening", kind: "grant added", grant, summary: "new grant", added: grantDetails(after), removed: [] });
            }
            continue;
        }
        const beforeGrants = grantsOf(before);
        const beforeContexts = new Set(beforeGrants.map((grant) => `${grant.repository}\n${grant.context}`));
        const afterContexts = new Set(afterGrants.map((grant) => `${grant.repository}\n${grant.context}`));
        for (const grant of afterGrants.filter((candidate) => !beforeContexts.has(`${candidate.repository}\n${candidate.context}`))) {
            grantsAdded.push(grant);
            changes.push({ direction: "weakening", kind: "grant added", grant, summary: "new grant", added: grantDetails(after), removed: [] });
        }
        for (const grant of beforeGrants.filter((candidate) => !afterContexts.has(`${candidate.repository}\n${candidate.context}`))) {
            grantsRemoved.push(grant);
            changes.push({ direction: "strengthening", kind: "grant removed", grant, summary: "grant removed", added: [], removed: [] });
        }
        // The role's other changes are told once, against its first remaining grant.
        const grant = afterGrants.find((candidate) => beforeContexts.has(`${candidate.repository}\n${candidate.context}`)) ?? afterGrants[0];
        const subjectsAdded = difference(after.subjects, before.subjects);
        const subjectsRemoved = difference(before.subjects, after.subjects);
        if (subjectsAdded.length > 0) changes.push({ direction: "weakening", kind: "subjects", grant, summary: "trusts more subjects", added: subjectsAdded, removed: [] });
        if (subjectsRemoved.length > 0) changes.push({ direction: "strengthening", kind: "subjects", grant, summary: "trusts fewer subjects", added: [], removed: subjectsRemoved });
        if (after.sessionSeconds !== before.sessionSeconds) {
            const longer = after.sessionSeconds > before.sessionSeconds;
            changes.push({
                direction: longer ? "weakening" : "strengthening",
                kind: "session",
                grant,
                summary: `session ${longer ? "lengthened" : "shortened"} from ${duration(before.sessionSeconds)} to ${duration(after.sessionSeconds)}`,
                added: [],
                removed: [],
            });
        }
        changes.push(...permissionChanges(before, after, grant));
        changes.push(...environmentChanges(before.environment, after.environment, grant));
    }
    for (const [key, before] of baseRoles) {
        if (headRoles.has(key)) continue;
        for (const grant of grantsOf(before)) {
            grantsRemoved.push(grant);
            changes.push({ direction: "strengthening", kind: "grant removed", grant, summary: "grant removed", added: [], removed: grantDetails(before) });
        }
    }
    // Stable: weakening first, then by grant, as the plan lists roles.
    const ordered = changes
        .map((change, position) => ({ change, position }))
        .sort((a, b) => ORDER[a.change.direction] - ORDER[b.change.direction] || a.position - b.position)
        .map(({ change }) => change);
    const counts = { weakening: 0, changed: 0, strengthening: 0 };
    for (const change of ordered) counts[change.direction]++;
    return { base: baseLabel, unchanged: ordered.length === 0, counts, grants: { added: grantsAdded, removed: grantsRemoved }, changes: ordered, notes };
}

const HEADINGS: Record<Direction, string> = { weakening: "Weakening", changed: "Other changes", strengthening: "Strengthening" };

function countsText(diff: AccessDiff): string {
    return (["weakening", "changed", "strengthening"] as const)
        .filter((direction) => diff.counts[direction] > 0)
        .map((direction) => `${diff.counts[direction]} ${direction === "changed" ? "other" : direction}`)
        .join(", ");
}

export function renderDiffText(diff: AccessDiff): string {
    const lines: string[] = [];
    for (const note of diff.notes) lines.push(`note: ${note}`);
    if (diff.unchanged) {
        lines.push(`Access is unchanged against ${diff.base}.`);
        return `${lines.join("\n")}\n`;
    }
    lines.push(`Access changes against ${diff.base}: ${countsText(diff)}`);
    for (const change of diff.changes) {
        lines.push(`  ${change.direction.toUpperCase().padEnd(14)}${change.summary}: ${grantText(change.grant)}`);
        for (const line of change.added) lines.push(`${" ".repeat(18)}+ ${line}`);
        for (const line of change.removed) lines.push(`${" ".repeat(18)}- ${line}`);
    }
    return `${lines.join("\n")}\n`;
}

/** Mermaid flowchart label: quoted, with the characters Mermaid reads as markup as entities. */
function mermaidLabel(value: string): string {
    return `"${value.replace(/[&"<>#]/g, (character) => `#${character.charCodeAt(0)};`)}"`;
}

/** Repositories → contexts → roles → accounts of the changed grants; new edges green, removed red. */
export function renderDiffMermaid(diff: AccessDiff, limit = 40): string | undefined {
    const touched = new Map<string, { grant: Grant; state: "added" | "removed" | "changed" }>();
    for (const change of diff.changes) {
        const key = grantText(change.grant);
        const state = change.kind === "grant added" ? "added" : change.kind === "grant removed" ? "removed" : "changed";
        if (!touched.has(key) || state !== "changed") touched.set(key, { grant: change.grant, state });
    }
    if (touched.size === 0 || touched.size > limit) return undefined;
    const ids = new Map<string, string>();
    const lines = ["```mermaid", "flowchart LR"];
    const node = (key: string, label: string) => {
        let id = ids.get(key);
        if (id === undefined) {
            id = `n${ids.size + 1}`;
            ids.set(key, id);
            lines.push(`    ${id}[${mermaidLabel(label)}]`);
        }
        return id;
    };
    const edges: string[] = [];
    const styles: string[] = [];
    for (const { grant, state } of touched.values()) {
        const path = [
            node(`repository\n${grant.repository}`, grant.repository),
            node(`context\n${grant.repository}\n${grant.context}`, grant.context),
            node(`role\n${grant.roleArn ?? grant.role}`, grant.role),
            node(`account\n${grant.account}`, `account ${grant.account}`),
        ];
        for (let index = 0; index < path.length - 1; index++) {
            const arrow = state === "removed" ? "-. removed .->" : state === "added" ? "== added ==>" : "-- changed -->";
            edges.push(`    ${path[index]} ${arrow} ${path[index + 1]}`);
            const style = state === "added" ? "stroke:#1a7f37,stroke-width:3px" : state === "removed" ? "stroke:#cf222e,stroke-dasharray:4" : "stroke:#9a6700";
            styles.push(`    linkStyle ${edges.length - 1} ${style}`);
        }
    }
    lines.push(...edges, ...styles, "```");
    return lines.join("\n");
}

export function renderDiffMarkdown(diff: AccessDiff): string {
    const lines: string[] = [];
    for (const note of diff.notes) lines.push(`> note: ${markdownText(note)}`, "");
    if (diff.unchanged) {
        lines.push(`#### Access is unchanged against ${markdownCode(diff.base)}`, "");
        return lines.join("\n");
    }
    lines.push(`#### Access changes against ${markdownCode(diff.base)}: ${countsText(diff)}`, "");
    for (const direction of ["weakening", "changed", "strengthening"] as const) {
        const changes = diff.changes.filter((change) => change.direction === direction);
        if (changes.length === 0) continue;
        lines.push(`**${HEADINGS[direction]}**`, "");
        for (const change of changes) {
            const grant = change.grant;
            lines.push(
                `- **${markdownText(change.summary)}**: ${markdownCode(grant.repository)} → ${markdownCode(grant.context)} → ${markdownCode(grant.role)} → account ${markdownCode(grant.account)}`,
            );
            for (const line of change.added) lines.push(`  - \\+ ${markdownCode(line)}`);
            for (const line of change.removed) lines.push(`  - \\- ${markdownCode(line)}`);
        }
        lines.push("");
    }
    const graph = renderDiffMermaid(diff);
    if (graph) lines.push(graph, "");
    return lines.join("\n");
}
