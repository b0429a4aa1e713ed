// The team's own stack files, whatever they hold: every Pulumi.<stack>.yaml of the project is
// checked generically (it validates, the organisation's protection rule accepts it, it plans and
// the pack passes it, and the pipeline previews and deploys it), whichever and however many there
// are (none too: a fresh adopter may start from an empty set). Behaviour is tested on fixtures
// (tests/fixtures/stacks); nothing here knows the example values.
import * as assert from "node:assert/strict";
import * as path from "node:path";
import { loadStackConfig } from "../../components/config";
import { checkAgainstOrganization } from "../../components/protection";
import { AnalyzerClient } from "../../policy/harness/analyzerClient";
import { sharedPack } from "../helpers/sharedPack";
import { plan } from "../../tools/plan";
import { listStacks, readStackConfig } from "../../tools/stackFiles";
import { jobsOf, matrixCombinations, triggersOf, WorkflowFile } from "../workflows/hardening";
import { loadWorkflows } from "../workflows/repository";

const ROOT = path.resolve(__dirname, "../..");
const STACKS = listStacks(ROOT);

/** Stacks the workflows run `pulumi <command>` on, by command, and the triggers of those workflows. */
export function pipelineStacks(files: readonly WorkflowFile[]): { command: string; stack: string; triggers: string[] }[] {
    const found: { command: string; stack: string; triggers: string[] }[] = [];
    for (const wf of files) {
        for (const job of jobsOf(wf)) {
            for (const step of job.steps.filter((s) => s.action === "pulumi/actions")) {
                for (const combo of matrixCombinations(job)) {
                    const stackName = String(step.with["stack-name"] ?? "").replace(/\$\{\{\s*matrix\.([A-Za-z0-9_-]+)\s*\}\}/g, (whole, key: string) => combo[key] ?? whole);
                    const stack = stackName.slice(stackName.lastIndexOf("/") + 1);
                    if (stack !== "") found.push({ command: String(step.with.command ?? ""), stack, triggers: triggersOf(wf) });
                }
            }
        }
    }
    return found;
}

/** Does a `run` script render the offline plan of `stack` (by name, or for every stack file)? */
function offlinePlanCovers(files: readonly WorkflowFile[], stack: string): boolean {
    return files.some(
        (wf) =>
            triggersOf(wf).includes("pull_request") &&
            jobsOf(wf).some((job) =>
                job.steps.some(
                    (step) =>
                        /npm run (--silent )?plan\b/.test(step.run ?? "") &&
                        (/Pulumi\.\*\.ya?ml/.test(step.run ?? "") || new RegExp(`(^|[^A-Za-z0-9_.-])${stack.replace(/\./g, "\\.")}($|[^A-Za-z0-9_.-])`).test(step.run ?? "")),
                ),
            ),
    );
}

/** What the pipeline lacks for a stack: a pull request preview, its offline plan, a deploy, and the drift check if there is one. */
export function missingPipelineEntries(files: readonly WorkflowFile[], stack: string): string[] {
    const runs = pipelineStacks(files);
    const missing: string[] = [];
    if (!runs.some((run) => run.stack === stack && run.command === "preview" && run.triggers.includes("pull_request"))) {
        missing.push(`no pull request preview of ${stack}: add it to the preview matrix of .github/workflows/pull-request.yml`);
    }
    if (!offlinePlanCovers(files, stack)) missing.push(`the pull request checks do not render the offline plan of ${stack}`);
    if (!runs.some((run) => run.stack === stack && run.command === "up")) {
        missing.push(`nothing deploys ${stack}: add an up job for it to .github/workflows/deploy.yml`);
    }
    const scheduled = runs.filter((run) => run.command === "preview" && run.triggers.includes("schedule"));
    if (scheduled.length > 0 && !scheduled.some((run) => run.stack === stack)) {
        missing.push(`the scheduled drift check does not preview ${stack}: add it to its matrix`);
    }
    return missing;
}

describe("the project's own stack files", function () {
    let pack: AnalyzerClient;
    before(async function () {
        pack = await sharedPack();
    });

    for (const stack of STACKS) {
        describe(`Pulumi.${stack}.yaml`, () => {
            it("validates, and names reviewers wherever the organisation's pack configuration requires them", () => {
                const file = readStackConfig(ROOT, stack);
                const config = loadStackConfig({ stack, values: file.values, secretKeys: new Set(file.secretKeys) });
                assert.deepEqual(checkAgainstOrganization(config, ROOT).problems, []);
            });

            it("plans: the program runs and the pack passes it with the organisation's configuration", async () => {
                const outcome = await plan({ stack, programDir: ROOT, format: "text", pack });
                assert.equal(outcome.exitCode, 0, outcome.output);
                assert.match(outcome.output, /policy pack configuration: policy\/config\/organization\.json/);
            });
        });
    }

    describe("the pipeline", () => {
        const files = loadWorkflows();

        for (const stack of STACKS) {
            it(`previews ${stack} on pull requests, renders its offline plan, and deploys it (docs/running.md, "Adding a stack")`, () => {
                assert.deepEqual(missingPipelineEntries(files, stack), []);
            });
        }

        it("every stack the pipeline runs has a stack file", () => {
            for (const run of pipelineStacks(files)) assert.ok(STACKS.includes(run.stack), `${run.command} of ${run.stack}, which has no Pulumi.${run.stack}.yaml`);
        });

        it("reports a stack file the workflows do not know yet, as after `npm run new-stack`", () => {
            const missing = missingPipelineEntries(files, "a-stack-nobody-added");
            assert.ok(missing.length >= 3, missing.join("\n"));
            assert.match(missing.join("\n"), /no pull request preview of a-stack-nobody-added[\s\S]*offline plan[\s\S]*nothing deploys a-stack-nobody-added/);
        });
    });
});
