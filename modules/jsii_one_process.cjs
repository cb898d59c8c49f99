"use strict";
// jsii's kernel in the one Node process Python starts (JSII_RUNTIME), installed by
// modules/jsii_one_process.py. jsii's own bin/jsii-runtime.js is a relay: a second Node process
// (~70 MB) that spawns lib/program.js, copies Python's stdin/stdout to the kernel's descriptor 3
// and wraps the kernel's own stdout/stderr as {"stdout"|"stderr": base64} lines on stderr.
// Here the kernel (the same lib/program.js; only its tarball digest asks first, below) runs in this process instead:
//   * its synchronous reads and writes of descriptor 3 go to descriptors 0 and 1 (Python's pipes);
//   * JavaScript's own output (process.stdout/stderr: console.*, warnings) is wrapped exactly as
//     the relay wraps it, so it never mixes with the protocol on descriptor 1;
//   * --preserve-symlinks (in NODE_OPTIONS for the module loader) is also put in execArgv, where
//     the kernel looks for it before linking packages (the relay passed it on the command line).
const fs = require("fs");
const { Writable } = require("stream");

const program = process.env.JSII_ONE_PROCESS_PROGRAM;
if (!program) {
  throw new Error("JSII_ONE_PROCESS_PROGRAM is not set (modules/jsii_one_process.py sets it)");
}
const CHANNEL = 3;
const readSync = fs.readSync;
const writeSync = fs.writeSync;

function writeAll(fd, data) {
  let written = 0;
  while (written < data.length) {
    try {
      written += writeSync(fd, data, written, data.length - written);
    } catch (error) {
      if (error.code !== "EAGAIN") throw error;
    }
  }
}

function wrapped(key, chunk) {
  return Buffer.from(JSON.stringify({ [key]: Buffer.from(chunk).toString("base64") }) + "\n");
}

fs.readSync = function (fd, ...rest) {
  return readSync.call(this, fd === CHANNEL ? 0 : fd, ...rest);
};
fs.writeSync = function (fd, data, ...rest) {
  if (fd === CHANNEL) return writeSync.call(this, 1, data, ...rest);
  if (fd === 2) {
    // the kernel's own error lines: wrapped like everything else that reaches stderr
    let bytes;
    if (typeof data === "string") {
      bytes = Buffer.from(data, typeof rest[1] === "string" ? rest[1] : "utf8");
    } else {
      const view = Buffer.from(data.buffer, data.byteOffset, data.byteLength);
      const offset = typeof rest[0] === "number" ? rest[0] : 0;
      const length = typeof rest[1] === "number" ? rest[1] : view.length - offset;
      bytes = view.subarray(offset, offset + length);
    }
    writeAll(2, wrapped("stderr", bytes));
    return bytes.length;
  }
  return writeSync.call(this, fd, data, ...rest);
};

function relayed(key, fd) {
  const stream = new Writable({
    decodeStrings: true,
    write(chunk, _encoding, done) {
      writeAll(2, wrapped(key, chunk));
      done();
    },
  });
  stream.fd = fd; // the kernel reads process.stderr.fd for its own error lines (descriptor 2)
  stream.isTTY = false;
  return stream;
}

for (const [key, fd] of [["stdout", undefined], ["stderr", 2]]) {
  const stream = relayed(key, fd);
  Object.defineProperty(process, key, { configurable: true, enumerable: true, get: () => stream });
}
if (!process.execArgv.includes("--preserve-symlinks")) process.execArgv.push("--preserve-symlinks");

// Ctrl-C and SIGTERM reach the whole process group: Python turns them into a clean exit (one line,
// 130/143, the staging directory removed). The kernel must not die first, or Python's pending call
// sees a closed pipe and reports that instead. It lives until Python goes: then its stdin ends and
// the kernel exits (the relay, too, outlived the signal until its child had finished).
for (const signal of ["SIGINT", "SIGTERM"]) process.on(signal, () => {});

// The tarball digests the kernel asks for (modules/jsii_one_process.py writes its digestFile to call
// this): kept in tarball-digests.json beside the kernel's lib/, keyed by the tarball's real path, size,
// modification time, inode and the kernel's extra inputs; computed (and kept) when unknown or changed.
// Unreadable or unwritable, the digest is simply computed, as jsii does. JSII_DIGEST_MEMO=0: always computed.
if (!["0", "off", "false", "no"].includes((process.env.JSII_DIGEST_MEMO || "").trim().toLowerCase())) {
  const path = require("path");
  const memoFile = path.join(path.dirname(path.dirname(program)), "tarball-digests.json");
  let memo;
  globalThis.__jsiiTarballDigest = function (file, extra, compute) {
    let real, key;
    try {
      real = fs.realpathSync(file);
      const stat = fs.statSync(real);
      key = JSON.stringify([real, stat.size, stat.mtimeMs, stat.ino, extra]);
    } catch (error) {
      return compute();
    }
    if (memo === undefined) {
      try {
        memo = JSON.parse(fs.readFileSync(memoFile, "utf8"));
        if (memo === null || typeof memo !== "object" || Array.isArray(memo)) memo = {};
      } catch (error) {
        memo = {};
      }
    }
    const known = memo[key];
    if (typeof known === "string" && /^[0-9a-f]{64}$/.test(known)) return Buffer.from(known, "hex");
    const digest = compute();
    for (const other of Object.keys(memo)) {
      try {
        if (JSON.parse(other)[0] === real) delete memo[other]; // the same tarball, changed since
      } catch (error) {
        delete memo[other];
      }
    }
    memo[key] = digest.toString("hex");
    const staging = `${memoFile}.${process.pid}`;
    try {
      fs.writeFileSync(staging, JSON.stringify(memo));
      fs.renameSync(staging, memoFile); // atomic: a concurrent run reads the old file or this one
    } catch (error) {
      try { fs.unlinkSync(staging); } catch (ignored) { /* never written */ }
    }
    return digest;
  };
}

// The kernel's lazy type table asks for one row of a package's .jsii.runtime-defs file (byte offsets
// from its index) instead of reading and keeping the whole file (35 MB for the provider). Read with the
// descriptor-3-unaware readSync of before the patch above, from a descriptor opened once per file.
// JSII_TYPE_ROWS=0: the kernel reads and keeps the whole file, as jsii does.
if (!["0", "off", "false", "no"].includes((process.env.JSII_TYPE_ROWS || "").trim().toLowerCase())) {
  const descriptors = new Map();
  globalThis.__jsiiReadRow = function (file, start, end) {
    let fd = descriptors.get(file);
    if (fd === undefined) {
      fd = fs.openSync(file, "r");
      descriptors.set(file, fd);
    }
    const row = Buffer.allocUnsafe(end - start);
    let done = 0;
    while (done < row.length) {
      const read = readSync(fd, row, done, row.length - done, start + done);
      if (read === 0) throw new Error(`${file}: ends before byte ${end} (a type row of the kernel's index)`);
      done += read;
    }
    return row.toString("utf-8");
  };
}

// modules/jsii_deferred.py's lines: Python writes them without waiting for an answer, and the kernel's
// input reader (changed by modules/jsii_one_process.py) hands every line here first; these never reach
// the kernel. Handled in the order Python wrote them, before the kernel reads its next message.
//   {"x-deferred-gets": [[object ref, property, key], ...]}: the property's getter runs on the object
//     (as the kernel's own `get` would) and the token it answers is entered in cdktf's token map a second
//     time, under Python's key. A getter that does not answer a single string token: Python's key
//     resolves to an error naming the object and the property.
//   {"x-deferred-create": [name, create request]}: the kernel's own create, the object registered under
//     Python's name (the kernel's makeId honours globalThis.__jsiiChosenId once). If it fails, the next
//     message Python waits for is answered with that error (naming the object, so Python can say where it
//     created it) instead of being run, and the creations in between are skipped: they build on it.
const DEFERRED_GETS = '{"x-deferred-gets":';
const DEFERRED_CREATE = '{"x-deferred-create":';
const SINGLE_TOKEN = /^\$\{TfToken\[([a-zA-Z0-9:._-]+)\]\}$/;
let failedCreate = null;

function registerGets(entries) {
  for (const [ref, property, key] of entries) {
    let token;
    let reason;
    try {
      const instance = globalThis.__jsiiObjectTable.findObject({ "$jsii.byref": ref }).instance;
      const value = withoutCallbacks(() => instance[property]);
      const match = typeof value === "string" ? SINGLE_TOKEN.exec(value) : null;
      token = match && globalThis.__cdktfTokenMap ? globalThis.__cdktfTokenMap.stringTokenMap.get(match[1]) : undefined;
      if (token === undefined) reason = `answered ${JSON.stringify(value)}, not a single string token`;
    } catch (error) {
      reason = String((error && error.message) || error);
    }
    if (token === undefined) {
      const message = `${ref}: its property ${property} could not be read for Python's token ${key} (${reason})`;
      token = { creationStack: [], resolve() { throw new Error(message); }, toString() { return message; } };
    }
    if (globalThis.__cdktfTokenMap) globalThis.__cdktfTokenMap.stringTokenMap.set(key, token);
  }
}

// Python does not wait while Node handles these lines: a call back into Python (an override of a Python
// object the work reaches) would never be answered. It fails instead, with the switch that waits.
function withoutCallbacks(work) {
  const kernel = globalThis.__jsiiKernel;
  const handler = kernel.callbackHandler;
  kernel.callbackHandler = () => {
    throw new Error("it called back into Python, which does not wait for this (modules/jsii_deferred.py): "
      + "JSII_DEFERRED_CREATES=0 and JSII_DEFERRED_GETS=0 wait for Node");
  };
  try {
    return work();
  } finally {
    kernel.callbackHandler = handler;
  }
}

function create(name, request) {
  if (failedCreate) return; // it builds on what failed: the first error is the one Python gets
  try {
    globalThis.__jsiiChosenId = name;
    const made = withoutCallbacks(() => globalThis.__jsiiKernel.create(request));
    if (!made || made["$jsii.byref"] !== name) {
      throw new Error(`the kernel named it ${made && made["$jsii.byref"]}, not ${name}`);
    }
    if (Array.isArray(made["$jsii.interfaces"]) && made["$jsii.interfaces"].length) {
      throw new Error(`the kernel answered interfaces Python does not know: ${made["$jsii.interfaces"].join(", ")}`);
    }
  } catch (error) {
    const message = String((error && error.message) || error);
    failedCreate = { error: `${message} (deferred create of ${name})`, stack: String((error && error.stack) || message),
      name: (error && error.name === "@jsii/kernel.Fault") ? "@jsii/kernel.Fault" : "@jsii/kernel.RuntimeError" };
  } finally {
    globalThis.__jsiiChosenId = undefined;
  }
}

globalThis.__jsiiOwnLine = function (line) {
  if (line.startsWith(DEFERRED_GETS)) {
    registerGets(JSON.parse(line)["x-deferred-gets"]);
    return true;
  }
  if (line.startsWith(DEFERRED_CREATE)) {
    const [name, request] = JSON.parse(line)["x-deferred-create"];
    create(name, request);
    return true;
  }
  if (failedCreate) { // the message Python now waits for: answered with the creation's error, not run
    writeAll(1, Buffer.from(JSON.stringify(failedCreate) + "\n"));
    failedCreate = null;
    return true;
  }
  return false;
};

require(program);
