export default {
  include: ["assembly/__tests__/**/*.spec.ts"],
  add: ["assembly/__tests__/**/*.include.ts"],
  flags: {
    "--runtime": ["stub"],
  },
  disclude: [/node_modules/],
  imports(memory, createImports, instantiateSync, binary) {
    let instance;
    const myImports = {};
    instance = instantiateSync(binary, createImports(myImports));
    return instance;
  },
  outputBinary: false,
};
