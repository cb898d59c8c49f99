"use strict";
// Node preload (NODE_OPTIONS=--require <this file>) installed by modules/node_lazy.py.
//
// When Node compiles the main `lib/index.js` of the package named in NODE_LAZY_INDEX_PACKAGE
// (matched by the `name` in its package.json, not by path), every line
//     exports.X = require("./x");                       (cdktf providers)
//     exports.X = __importStar(require("./x/index"));   (CDK Terrain providers)
// becomes a getter that requires the namespace on first access and then replaces itself with
// the value, so Node loads the few dozen namespaces a stack uses instead of all ~2,200.
// Only the source Node compiles changes; the file on disk is never written.
//
// Safe by construction: if the index has any other `exports.X = ...require(...)` line, or fewer
// rewritten lines than the package has namespace directories, the original source is compiled
// unchanged and the report says why. The report (JSON lines, NODE_LAZY_INDEX_REPORT) gets one
// status line, then one {"loaded": name} line per namespace actually loaded.
const fs = require("fs");
const path = require("path");
const Module = require("module");

const wanted = new Set((process.env.NODE_LAZY_INDEX_PACKAGE || "").split(",").filter(Boolean));
const reportPath = process.env.NODE_LAZY_INDEX_REPORT || "";
const LOADED = Symbol.for("node-lazy-index.loaded");

const SHAPES = [
  // [shape name, regular expression of one export line, replacement loader expression]
  ["cdktf", /^exports\.([A-Za-z_$][\w$]*) = require\(("\.\/[^"\\]+")\);$/, (spec) => `require(${spec})`],
  ["cdktn", /^exports\.([A-Za-z_$][\w$]*) = __importStar\(require\(("\.\/[^"\\]+")\)\);$/,
    (spec) => `__importStar(require(${spec}))`],
];
// Any line that assigns an export from a require, whatever its shape: all of them must be rewritten.
const ANY_REQUIRE_EXPORT = /^\s*exports\.[A-Za-z_$][\w$]*\s*=.*\brequire\(/;

function report(record) {
  if (!reportPath) return;
  try {
    fs.appendFileSync(reportPath, JSON.stringify(record) + "\n");
  } catch (_) {
    // Reporting is best effort: never break the program over it.
  }
}

// Called by the rewritten index the first time a namespace is read.
globalThis[LOADED] = (name) => report({ loaded: name });

const manifests = new Map();

function readManifest(manifest) {
  if (!manifests.has(manifest)) {
    manifests.set(manifest, fs.existsSync(manifest) ? JSON.parse(fs.readFileSync(manifest, "utf8")) : null);
  }
  return manifests.get(manifest);
}

function packageOf(filename) {
  // The package whose main file is `filename`: its nearest package.json, as Node resolves it.
  let dir = path.dirname(filename);
  for (;;) {
    const pkg = readManifest(path.join(dir, "package.json"));
    if (pkg) {
      const main = path.resolve(dir, pkg.main || "index.js");
      const isMain = main === filename || main + ".js" === filename || path.join(main, "index.js") === filename;
      return isMain ? { dir, pkg, main } : null;
    }
    const parent = path.dirname(dir);
    if (parent === dir) return null;
    dir = parent;
  }
}

function namespaceCount(libDir) {
  return fs.readdirSync(libDir, { withFileTypes: true })
    .filter((entry) => entry.isDirectory() && fs.existsSync(path.join(libDir, entry.name, "index.js"))).length;
}

function rewrite(content, libDir) {
  const lines = content.split("\n");
  let rewritten = 0;
  const shapes = new Set();
  const unmatched = [];
  for (let i = 0; i < lines.length; i++) {
    const line = lines[i].replace(/\r$/, "");
    let done = false;
    for (const [shape, pattern, loader] of SHAPES) {
      const match = pattern.exec(line);
      if (!match) continue;
      const [, name, spec] = match;
      // One line in, one line out: line numbers (and the source map) stay aligned.
      lines[i] = `Object.defineProperty(exports, "${name}", { configurable: true, enumerable: true, `
        + `get: function () { return __nodeLazyIndex(exports, "${name}", function () { return ${loader(spec)}; }); }, `
        + `set: function (value) { __nodeLazyIndexSet(exports, "${name}", value); } });`;
      rewritten++;
      shapes.add(shape);
      done = true;
      break;
    }
    if (!done && ANY_REQUIRE_EXPORT.test(line)) unmatched.push(i + 1);
  }
  const namespaces = namespaceCount(libDir);
  let reason = null;
  if (rewritten === 0) reason = "no export line has a known shape";
  else if (unmatched.length) reason = `export line(s) of an unknown shape (line ${unmatched.slice(0, 3).join(", ")})`;
  else if (rewritten < namespaces) reason = `only ${rewritten} of ${namespaces} namespaces matched`;
  if (reason) return { source: null, rewritten, namespaces, reason };
  const helpers = [
    "",
    "function __nodeLazyIndexSet(target, name, value) {",
    "  Object.defineProperty(target, name, { value: value, writable: true, enumerable: true, configurable: true });",
    "}",
    "function __nodeLazyIndex(target, name, load) {",
    "  const value = load();",
    "  __nodeLazyIndexSet(target, name, value);",
    `  const loaded = globalThis[Symbol.for("node-lazy-index.loaded")];`,
    "  if (loaded) loaded(name);",
    "  return value;",
    "}",
    "",
  ];
  // Function declarations are hoisted: appended at the end, they exist before the first getter runs.
  return { source: lines.join("\n") + helpers.join("\n"), rewritten, namespaces, shape: [...shapes].join("+") };
}

// A code cache for the packages' modules (NODE_CODE_CACHE_DIR, set by modules/node_lazy.py).
// jsii's kernel loads every package from a temporary directory of its own (/tmp/jsii-kernel-*),
// so Node's compile cache (NODE_COMPILE_CACHE, keyed by path) never hits: each run compiled
// cdktf, constructs and the provider's namespaces again (~100 ms). Here a module inside a
// node_modules directory is compiled with V8's cached data, kept in that directory under a key of
// its real path, size, modification time and source length (the lazy index's rewritten source is
// longer than the file: its own entry). jsii's kernel links the packages from its package cache
// (~/.cache/aws/jsii/package-cache): their real paths stay; a module whose real path is in the
// temporary directory is never the same twice and is compiled the usual way (no entry). Installed
// before the lazy index's hook, so it compiles what that hook hands on. V8 rejects data of another
// V8 or other flags: then it compiles and keeps new data. A source it cannot handle (a #! line) and
// any failure of the cache are compiled the usual way.
// Such a module is also compiled without its inline source map (a last line
// `//# sourceMappingURL=data:...`, ~70 % of each provider namespace's file): V8 keeps every source
// for the process's life, and Node reads the map only with --enable-source-maps — with that flag
// none of this applies (the usual compile registers the maps).
const codeCacheDir = process.env.NODE_CODE_CACHE_DIR || "";
const sourceMaps = Boolean(process.sourceMapsEnabled) || process.execArgv.includes("--enable-source-maps")
  || /(^|\s)--enable-source-maps(\s|$)/.test(process.env.NODE_OPTIONS || "");
const INLINE_MAP = "\n//# sourceMappingURL=data:";

function withoutInlineSourceMap(content) {
  const at = content.lastIndexOf(INLINE_MAP);
  if (at < 0 || content.slice(at + 1).trimEnd().includes("\n")) return content; // only a last line
  return content.slice(0, at + 1);
}

if (codeCacheDir && !sourceMaps) {
  const crypto = require("crypto");
  const vm = require("vm");
  const compileUsual = Module.prototype._compile;
  const temporary = (() => {
    try {
      return fs.realpathSync(require("os").tmpdir()) + path.sep;
    } catch (_) {
      return require("os").tmpdir() + path.sep;
    }
  })();
  const fresh = [];
  const dynamicImport = vm.constants && vm.constants.USE_MAIN_CONTEXT_DEFAULT_LOADER;
  Module.prototype._compile = function (content, filename) {
    if (typeof filename !== "string" || !filename.includes(`${path.sep}node_modules${path.sep}`)
        || typeof content !== "string" || content.startsWith("#!")) {
      return compileUsual.call(this, content, filename);
    }
    let script;
    let entry;
    content = withoutInlineSourceMap(content);
    try {
      const real = fs.realpathSync(filename);
      if (real.startsWith(temporary)) return compileUsual.call(this, content, filename); // never the same twice
      const stat = fs.statSync(real);
      const key = JSON.stringify([real, stat.size, stat.mtimeMs, content.length, process.version]);
      entry = path.join(codeCacheDir, crypto.createHash("sha256").update(key).digest("hex").slice(0, 32));
      let cachedData;
      try {
        cachedData = fs.readFileSync(entry);
      } catch (_) {
        cachedData = undefined;
      }
      script = new vm.Script(Module.wrap(content), {
        filename, cachedData, ...(dynamicImport ? { importModuleDynamically: dynamicImport } : {}),
      });
      if (cachedData === undefined || script.cachedDataRejected) fresh.push([entry, script]);
    } catch (_) {
      return compileUsual.call(this, content, filename);
    }
    const module = this;
    const dirname = path.dirname(filename);
    // What Node's own loader gives a module (lib/internal/modules/helpers.js: makeRequireFunction).
    function requireHere(id) {
      return module.require(id);
    }
    requireHere.resolve = (request, options) => Module._resolveFilename(request, module, false, options);
    requireHere.resolve.paths = (request) => Module._resolveLookupPaths(request, module);
    requireHere.main = process.mainModule;
    requireHere.extensions = Module._extensions;
    requireHere.cache = Module._cache;
    const wrapper = script.runInThisContext({ displayErrors: true });
    return wrapper.call(module.exports, module.exports, requireHere, module, filename, dirname);
  };
  process.on("exit", () => {
    if (fresh.length) {
      try {
        fs.mkdirSync(codeCacheDir, { recursive: true });
      } catch (_) {
        return;
      }
    }
    for (const [entry, script] of fresh) {
      const staging = `${entry}.${process.pid}`;
      try {
        fs.writeFileSync(staging, script.createCachedData());
        fs.renameSync(staging, entry); // atomic: another process reads the old entry or this one
      } catch (_) {
        try { fs.unlinkSync(staging); } catch (ignored) { /* never written */ }
      }
    }
    if (fresh.length) prune();
  });

  // Bounded: a run that wrote entries and finds more than NODE_CODE_CACHE_LIMIT (default 3000; every
  // stack's packages need ~900) removes the least recently read (access time) down to two thirds of it.
  // Packages generated in a test's temporary directory would otherwise add entries run after run.
  function prune() {
    const limit = Number.parseInt(process.env.NODE_CODE_CACHE_LIMIT || "", 10) || 3000;
    try {
      const names = fs.readdirSync(codeCacheDir).filter((name) => /^[0-9a-f]{32}$/.test(name));
      if (names.length <= limit) return;
      const aged = [];
      for (const name of names) {
        try {
          aged.push([fs.statSync(path.join(codeCacheDir, name)).atimeMs, name]);
        } catch (_) {
          // removed by a concurrent run
        }
      }
      aged.sort((a, b) => a[0] - b[0] || (a[1] < b[1] ? -1 : 1));
      for (const [, name] of aged.slice(0, aged.length - Math.floor((limit * 2) / 3))) {
        try { fs.unlinkSync(path.join(codeCacheDir, name)); } catch (_) { /* already gone */ }
      }
    } catch (_) {
      // an unreadable cache directory: nothing to prune
    }
  }
}

if (wanted.size) {
  const compile = Module.prototype._compile;
  Module.prototype._compile = function (content, filename) {
    if (typeof filename === "string" && filename.endsWith(".js") && path.basename(filename) === "index.js") {
      let found = null;
      try {
        found = packageOf(filename);
      } catch (_) {
        found = null;
      }
      if (found && wanted.has(found.pkg.name)) {
        const base = { package: found.pkg.name, version: found.pkg.version, file: filename };
        let result;
        try {
          result = rewrite(content, path.dirname(filename));
        } catch (error) {
          result = { source: null, rewritten: 0, namespaces: 0, reason: `rewrite failed: ${error && error.message}` };
        }
        if (result.source !== null) {
          report({ ...base, state: "lazy", shape: result.shape, rewritten: result.rewritten, namespaces: result.namespaces });
          return compile.call(this, result.source, filename);
        }
        report({ ...base, state: "fallback", rewritten: result.rewritten, namespaces: result.namespaces, reason: result.reason });
      }
    }
    return compile.call(this, content, filename);
  };
}

// cdktf's creation stacks. Every token cdktf makes (each attribute reference, each nested block's
// output reference a resource makes in its constructor) records a full stack trace of where it
// was made, formatted at once: ~0.4 s and ~15 MB of every stack's synth, for error messages only,
// and under jsii those frames are the kernel's, never the Python program's. CDK Terrain skips it
// when CDKTN_DISABLE_CREATION_STACK is "1" or "true" (its captureCreationStack); cdktf 0.21 has
// no switch, so its captureStackTrace (called only for creation stacks) gets CDK Terrain's check
// as a first statement on its own first line (line numbers unchanged). Only when the module's text
// is exactly cdktf 0.21's; otherwise it is compiled as it is and the report says why.
// modules/node_lazy.py sets the variable unless the environment already has it.
const CREATION_STACK_FILE = ["lib", "tokens", "private", "stack-trace.js"].join(path.sep);
const CDKTF_STACK_TRACE = [
  '"use strict";',
  "// Copyright (c) HashiCorp, Inc",
  "// SPDX-License-Identifier: MPL-2.0",
  "// copied from https://github.com/aws/constructs/blob/e01e47f78ef1e9b600efcd23ff7705aa8d384017/lib/private/stack-trace.ts",
  'Object.defineProperty(exports, "__esModule", { value: true });',
  "exports.captureStackTrace = captureStackTrace;",
  "/**",
  " * Captures a complete stack trace at the point of invocation.",
  " */",
  "// eslint-disable-next-line @typescript-eslint/no-unsafe-function-type",
  "function captureStackTrace(below) {",
  "    below = below || captureStackTrace; // hide myself if nothing else",
  '    const object = { stack: "" };',
  "    const previousLimit = Error.stackTraceLimit;",
  "    try {",
  "        Error.stackTraceLimit = Number.MAX_SAFE_INTEGER;",
  "        Error.captureStackTrace(object, below);",
  "    }",
  "    finally {",
  "        Error.stackTraceLimit = previousLimit;",
  "    }",
  "    if (!object.stack) {",
  "        return [];",
  "    }",
  "    return object.stack",
  '        .split("\\n")',
  "        .slice(1)",
  '        .map((s) => s.replace(/^\\s*at\\s+/, ""));',
  "}",
  "",
].join("\n");
const CREATION_STACK_CHECK = "function captureStackTrace(below) { "
  + "const flag = process.env.CDKTN_DISABLE_CREATION_STACK; if (flag === \"true\" || flag === \"1\") return [];";

function creationStackSource(content, filename) {
  // The source to compile for a module named .../lib/tokens/private/stack-trace.js of package `cdktf`.
  const dir = path.dirname(path.dirname(path.dirname(path.dirname(filename))));
  const pkg = readManifest(path.join(dir, "package.json"));
  if (!pkg || pkg.name !== "cdktf") return content;
  const base = { creation_stack_file: filename, package: pkg.name, version: pkg.version };
  const text = withoutInlineSourceMap(content.replace(/\r\n/g, "\n"));
  if (text !== CDKTF_STACK_TRACE) {
    report({ ...base, creation_stacks: "unchanged", reason: "its text is not cdktf 0.21's" });
    return content;
  }
  report({ ...base, creation_stacks: "switch" });
  return content.replace("function captureStackTrace(below) {", CREATION_STACK_CHECK);
}

{
  const compileBefore = Module.prototype._compile;
  Module.prototype._compile = function (content, filename) {
    if (typeof filename === "string" && typeof content === "string" && filename.endsWith(path.sep + CREATION_STACK_FILE)) {
      try {
        content = creationStackSource(content, filename);
      } catch (_) {
        // never break the program over it: compiled as it is
      }
    }
    return compileBefore.call(this, content, filename);
  };
}
// PROTOTYPE no prepare
{
  const c3 = Module.prototype._compile;
  Module.prototype._compile = function (content, filename) {
    if (typeof filename === "string" && filename.endsWith(`${path.sep}cdktf${path.sep}lib${path.sep}app.js`) && process.env.NO_PREPARE) {
      content = content.replace("stacks.forEach((stack) => stack.prepareStack());", "stacks.forEach((stack) => stack.ensureBackendExists());");
    }
    return c3.call(this, content, filename);
  };
}
