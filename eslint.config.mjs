// The page's scripts (templates/static/*.js): plain scripts that run from file://, so
// no modules; each file adds its names to window.gdanim. `npx eslint templates/static`.
import js from "@eslint/js";
import globals from "globals";

export default [
  js.configs.recommended,
  {
    files: ["templates/static/**/*.js", "gdanim/live.js"],  // live.js: what `gdanim serve` adds to a page
    languageOptions: {
      ecmaVersion: 2020,
      sourceType: "script",
      globals: {...globals.browser},
    },
    rules: {
      "no-var": "off",
      "eqeqeq": ["error", "always"],
      "no-implicit-globals": "error",
      "no-shadow": "error",
      "no-use-before-define": ["error", {functions: false, variables: false}],
      "no-unused-vars": ["error", {args: "after-used", caughtErrors: "none"}],  // catch (e) {} for a feature a browser lacks
      "strict": ["error", "function"],
    },
  },
];
