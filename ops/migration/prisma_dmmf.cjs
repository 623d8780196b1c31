// Prisma's own schema parser, for ops/migration/prisma.py: one process per parse, JSON in and out.
//
// stdin:  {"package": "<dir of @prisma/prisma-schema-wasm>", "path": "<schema file>", "text": "<its content>"}
// stdout: {"datamodel": <get_dmmf(...).datamodel>, "datasources": [{"name", "provider"}]}
//      or {"error": {"code": "P1012", "message": "<Prisma's message, with file:line>"}}
// Exit 0 in both cases; anything else is a crash (its stderr is shown to the operator).
"use strict";

const chunks = [];
process.stdin.on("data", (chunk) => chunks.push(chunk));
process.stdin.on("end", () => {
  const request = JSON.parse(Buffer.concat(chunks).toString("utf8"));
  const wasm = require(request.package);
  const files = [[request.path, request.text]];
  let answer;
  try {
    const dmmf = JSON.parse(wasm.get_dmmf(JSON.stringify({ prismaSchema: files, noColor: true })));
    const config = JSON.parse(
      wasm.get_config(
        JSON.stringify({ prismaSchema: files, datasourceOverrides: {}, ignoreEnvVarErrors: true, env: {} }),
      ),
    );
    answer = {
      datamodel: dmmf.datamodel,
      datasources: config.config.datasources.map((d) => ({ name: d.name, provider: d.activeProvider })),
    };
  } catch (error) {
    // The wasm module throws the JSON of {error_code, message}.
    const raw = String((error && error.message) || error);
    let code = null;
    let message = raw;
    try {
      const parsed = JSON.parse(raw);
      code = parsed.error_code || null;
      message = parsed.message || raw;
    } catch (_) {
      // not JSON: keep the text as it came
    }
    answer = { error: { code, message } };
  }
  process.stdout.write(JSON.stringify(answer));
});
