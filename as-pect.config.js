// as-pect: every assembly/__tests__/*.spec.ts is compiled with assembly/__tests__/as-pect.asconfig.json
// (package.json's test:as passes it) and run in its own instance. The device needs no imports.
export default {
  entries: ["assembly/__tests__/**/*.spec.ts"],
  include: [],
  disclude: [/node_modules/],
  async instantiate(memory, createImports, instantiate, binary) {
    return instantiate(binary, createImports({}));
  },
  outputBinary: false,
};
