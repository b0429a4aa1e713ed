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
import * as fs from "node:fs";
import * as os from "node:os";
import { pipelineStacks, readStackFiles } from "../../tools/pipelineStacks";
import { checkWorkflows, formatProblems } from "../workflows/hardening";
import { loadWorkflows, projectStacks, sdkVersion, stackRepository } from "../workflows/repository";

const ROOT = path.resolve(__dirname, "../..");
const STACKS = listStacks(ROOT);

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

        it('lists every stack file and passes every pipeline rule for each (docs/running.md, "Adding a stack")', () => {
            const stacks = projectStacks();
            assert.deepEqual(stacks.map((s) => s.stack).sort(), [...STACKS].sort());
            const problems = checkWorkflows(files, { sdkVersion: sdkVersion(), stacks });
            assert.equal(problems.length, 0, formatProblems(problems));
        });

        it("runs a stack file added by hand, with nothing changed in the workflows or the tests", function () {
            // A stack is added by copying one of the project's; with none, the workflow tests'
            // fixture stacks (tests/workflows) cover the pipeline.
            if (STACKS.length === 0) this.skip();
            const dir = fs.mkdtempSync(path.join(os.tmpdir(), "keyless-added-stack-"));
            for (const stack of STACKS) fs.copyFileSync(path.join(ROOT, `Pulumi.${stack}.yaml`), path.join(dir, `Pulumi.${stack}.yaml`));
            const copied = fs.readFileSync(path.join(ROOT, `Pulumi.${STACKS[0]}.yaml`), "utf8").replace(/^( {2}keyless:environment:).*$/m, "$1 a-stack-nobody-added");
            fs.writeFileSync(path.join(dir, "Pulumi.a-stack-nobody-added.yaml"), copied);
            const stackFiles = readStackFiles(dir);
            const stacks = pipelineStacks(stackFiles, stackRepository(stackFiles));
            assert.ok(stacks.some((s) => s.stack === "a-stack-nobody-added" && s.environment === "a-stack-nobody-added"));
            const problems = checkWorkflows(files, { sdkVersion: sdkVersion(), stacks });
            assert.equal(problems.length, 0, formatProblems(problems));
        });
    });
});
