// Draws Graphviz sources into SVG and PNG with no system package: Graphviz compiled to WebAssembly
// (@viz-js/viz), the icons inlined so the SVG stands alone, then resvg (WebAssembly) with DejaVu Sans
// (shipped in the dejavu-fonts-ttf package, so the picture looks the same on every machine).
//
// stdin: {"jobs": [{"dot": "<source>", "images": [{"name": "<png path>", "width": "256px", "height": "256px"}],
//                   "svg": "<path or null>", "png": "<path or null>"}]}
// Exit 0 when every job was written; 1 with one line on stderr otherwise.
import { readFileSync, writeFileSync } from "node:fs";
import { createRequire } from "node:module";
import { instance } from "@viz-js/viz";
import { initWasm, Resvg } from "@resvg/resvg-wasm";

const require = createRequire(import.meta.url);

function fail(message) {
  process.stderr.write(`error: ${message.replace(/\s+/g, " ").trim()}\n`);
  process.exit(1);
}

let request;
try {
  request = JSON.parse(readFileSync(0, "utf8"));
} catch (error) {
  fail(`the renderer read no JSON request on stdin: ${error.message}`);
}
const viz = await instance();
let font = null;
for (const job of request.jobs) {
  const result = viz.render(job.dot, { format: "svg", images: job.images || [] });
  if (result.status !== "success") {
    fail(`Graphviz could not lay out ${job.svg || job.png}: ${result.errors.map((e) => e.message).join("; ")}`);
  }
  const svg = result.output.replace(/xlink:href="([^"]+\.png)"/g, (whole, path) => {
    try {
      return `xlink:href="data:image/png;base64,${readFileSync(path).toString("base64")}"`;
    } catch {
      return whole;
    }
  });
  if (job.svg) writeFileSync(job.svg, svg);
  if (job.png) {
    if (font === null) {
      await initWasm(readFileSync(require.resolve("@resvg/resvg-wasm/index_bg.wasm")));
      font = readFileSync(require.resolve("dejavu-fonts-ttf/ttf/DejaVuSans.ttf"));
    }
    const options = {
      font: { fontBuffers: [font], defaultFontFamily: "DejaVu Sans", sansSerifFamily: "DejaVu Sans" },
      background: "white",
    };
    writeFileSync(job.png, new Resvg(svg, options).render().asPng());
  }
}
