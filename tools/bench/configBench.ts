// `npm run bench:config`: what the stack-file schema costs at start-up, where the program and the
// plan pay it once per stack (each runs in a child process): the time to require zod, to build
// the schema (components/config/schema.ts, compiled by ts-node as the program is), and to read a
// stack's config with it, after what the program loads anyway (the Pulumi SDK, names.ts, ...). Each figure is
// the median of fresh Node processes (a warm require would hide the cost); run on a quiet machine.

import { execFileSync } from "child_process";
import * as path from "path";

const PROJECT_DIR = path.resolve(__dirname, "../..");
const RUNS = Number(process.argv[2] ?? 7);

const probe = `
require("ts-node").register({ transpileOnly: true, project: ${JSON.stringify(path.join(PROJECT_DIR, "tsconfig.json"))} });
const now = () => Number(process.hrtime.bigint()) / 1e6;
// What the program loads anyway: the Pulumi SDK and the modules the schema shares with the rest.
require("@pulumi/pulumi");
for (const module of ["components/configReader", "components/names", "components/realServices/github", "components/realServices/iam"]) {
    require(require("path").join(${JSON.stringify(PROJECT_DIR)}, module));
}
const t0 = now(); require("zod");
const t1 = now(); require(${JSON.stringify(path.join(PROJECT_DIR, "components/config/schema"))});
const t2 = now(); const { loadStackConfig } = require(${JSON.stringify(path.join(PROJECT_DIR, "components/config"))});
const t3 = now();
const { readStackConfig } = require(${JSON.stringify(path.join(PROJECT_DIR, "tools/stackFiles"))});
const file = readStackConfig(${JSON.stringify(PROJECT_DIR)}, "prod", ${JSON.stringify(path.join(PROJECT_DIR, "tests/fixtures/stacks/Pulumi.prod.yaml"))});
const t4 = now(); loadStackConfig({ stack: "prod", values: file.values, secretKeys: new Set(file.secretKeys) });
const t5 = now();
console.log(JSON.stringify({ zod: t1 - t0, schema: t2 - t1, config: t3 - t2, load: t5 - t4 }));
`;

const median = (values: number[]) => [...values].sort((a, b) => a - b)[Math.floor(values.length / 2)];
const samples = Array.from({ length: RUNS }, () => JSON.parse(execFileSync(process.execPath, ["-e", probe], { cwd: PROJECT_DIR, encoding: "utf8" })) as Record<string, number>);
for (const name of ["zod", "schema", "config", "load"]) {
    console.log(`${name.padEnd(7)} ${median(samples.map((sample) => sample[name])).toFixed(1).padStart(7)} ms (median of ${RUNS})`);
}
console.log("zod: require('zod'); schema: build components/config/schema.ts; config: the rest of components/config.ts; load: loadStackConfig on the prod fixture");
