// The scan's SARIF: valid against the SARIF 2.1.0 JSON schema, and carrying what GitHub code scanning
// requires of an upload ("SARIF support for code scanning": rules with id, short and full
// descriptions and help; results with ruleId, message, a physical location with a region, and
// partialFingerprints).

import * as assert from "node:assert/strict";
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import Ajv from "ajv";
import { POLICY_NAMES } from "../../policy/analysis";
import { runScan } from "../../tools/scan";
import { fixture } from "./helpers";

// The 2.1.0 schema as @microsoft/jest-sarif ships it (draft-04, `id`), the one npm package that
// carries the schema file.
const SCHEMA = require.resolve("@microsoft/jest-sarif/lib/schemas/sarif-2.1.0-rtm.5.json");

interface SarifResult {
    ruleId: string;
    ruleIndex?: number;
    level: string;
    message: { text: string };
    locations: { physicalLocation: { artifactLocation: { uri: string }; region: { startLine: number; startColumn: number; endLine: number; endColumn: number } }; logicalLocations: { fullyQualifiedName: string; kind: string }[] }[];
    partialFingerprints: Record<string, string>;
}
interface SarifLog {
    version: string;
    $schema: string;
    runs: { tool: { driver: { name: string; rules: { id: string; shortDescription: { text: string }; fullDescription: { text: string }; help: { text: string } }[] } }; results: SarifResult[] }[];
}

describe("npm run scan --format sarif", () => {
    let log: SarifLog;
    let exitCode: number;
    before(async () => {
        const run = await runScan([fixture("cli-account.json"), fixture("raw-api-govcloud.json"), "--format", "sarif"]);
        exitCode = run.exitCode;
        log = JSON.parse(run.stdout) as SarifLog;
    });

    it("is valid against the SARIF 2.1.0 JSON schema", () => {
        const ajv = new Ajv({ schemaId: "id", allErrors: true, logger: false });
        // eslint-disable-next-line @typescript-eslint/no-require-imports
        ajv.addMetaSchema(require("ajv/lib/refs/json-schema-draft-04.json"));
        const validate = ajv.compile(JSON.parse(fs.readFileSync(SCHEMA, "utf8")) as object);
        const valid = validate(log);
        assert.ok(valid, ajv.errorsText(validate.errors, { separator: "\n" }));
        // The schema does judge: a result without a message is refused.
        const broken = structuredClone(log);
        delete (broken.runs[0].results[0] as Partial<SarifResult>).message;
        assert.equal(validate(broken), false);
    });

    it("has the fields code scanning requires, with the pack's policy names as rule IDs", () => {
        assert.equal(log.version, "2.1.0");
        assert.match(log.$schema, /sarif-2\.1\.0/);
        assert.equal(log.runs.length, 1);
        const { driver } = log.runs[0].tool;
        assert.equal(driver.name, "keyless-scan");
        const ids = driver.rules.map((rule) => rule.id);
        assert.ok(ids.every((id) => (POLICY_NAMES as readonly string[]).includes(id)));
        for (const rule of driver.rules) {
            assert.ok(rule.shortDescription.text.length > 0 && rule.fullDescription.text.length <= 1000 && rule.help.text.length > 0, rule.id);
        }
        const results = log.runs[0].results;
        assert.ok(results.length > 0);
        for (const result of results) {
            assert.ok(ids.includes(result.ruleId), result.ruleId);
            assert.equal(driver.rules[result.ruleIndex!].id, result.ruleId);
            assert.equal(result.level, "error", "mandatory under the organisation's configuration");
            assert.ok(result.message.text.length > 0);
            assert.equal(result.locations.length, 1);
            assert.ok(Object.values(result.partialFingerprints)[0].length > 0);
        }
        assert.equal(exitCode, 1);
    });

    it("locates each result at the role's ARN: the dump file's line (relative to the repository) and the ARN as logical location", () => {
        const results = log.runs[0].results.filter((r) => r.locations[0].logicalLocations[0].fullyQualifiedName === "arn:aws:iam::111111111111:role/web-staging");
        assert.equal(results.length, 1);
        const { physicalLocation, logicalLocations } = results[0].locations[0];
        assert.equal(logicalLocations[0].kind, "resource");
        assert.equal(physicalLocation.artifactLocation.uri, "tests/fixtures/iam-dumps/cli-account.json");
        const line = fs.readFileSync(fixture("cli-account.json"), "utf8").split("\n")[physicalLocation.region.startLine - 1];
        assert.equal(line.slice(physicalLocation.region.startColumn - 1, physicalLocation.region.endColumn - 1), '"Arn": "arn:aws:iam::111111111111:role/web-staging"');
        // A minified dump (the raw API's, one line) still points at the role.
        const raw = log.runs[0].results.find((r) => r.locations[0].logicalLocations[0].fullyQualifiedName.endsWith(":role/billing-any-branch"))!;
        const text = fs.readFileSync(fixture("raw-api-govcloud.json"), "utf8");
        const region = raw.locations[0].physicalLocation.region;
        assert.equal(region.startLine, 1);
        assert.match(text.slice(region.startColumn - 1, region.endColumn - 1), /^"Arn":"arn:aws-us-gov:iam::222222222222:role\/billing-any-branch"$/);
    });

    it("fingerprints stay the same when the dump's roles move", async () => {
        const dump = JSON.parse(fs.readFileSync(fixture("cli-account.json"), "utf8")) as { RoleDetailList: unknown[] };
        dump.RoleDetailList.reverse();
        const dir = fs.mkdtempSync(path.join(os.tmpdir(), "keyless-sarif-"));
        const moved = path.join(dir, "cli-account.json");
        fs.writeFileSync(moved, JSON.stringify(dump, null, 2));
        const again = JSON.parse((await runScan([moved, "--format", "sarif"])).stdout) as SarifLog;
        const prints = (l: SarifLog, account: string) =>
            new Set(l.runs[0].results.filter((r) => r.locations[0].logicalLocations[0].fullyQualifiedName.includes(`:${account}:`)).map((r) => r.partialFingerprints.primaryLocationLineHash));
        assert.deepEqual(prints(again, "111111111111"), prints(log, "111111111111"));
        assert.ok(prints(log, "111111111111").size > 1);
    });
});
